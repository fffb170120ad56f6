"""The clock seam: every deadline and schedule reads time from here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    #: True when this clock follows the machine's time, so the job queue (which runs on
    #: the machine's time) may fire jobs by it. A fake clock never lets a job fire by
    #: itself: its tests drive `scheduling.run_due`.
    follows_machine_time: bool

    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """Real time."""

    follows_machine_time = True

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """Time that moves only when a test moves it."""

    follows_machine_time = False

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 28, 3, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = moment.astimezone(UTC)
