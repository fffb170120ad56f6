"""Per-person flood limit: a sliding window of update times, one warning, then a cooling period.

Plain rules, no I/O: `FloodGate.check(key, now)` says whether to handle, warn or drop.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    PASS = "pass"
    WARN = "warn"  # the first update over the limit: tell the person once
    DROP = "drop"  # cooling down: ignore quietly


@dataclass
class FloodGate:
    """At most `limit` updates per `window` seconds from one person; over it, a cooling
    period of `window` seconds starting at the warning, then a fresh window."""

    limit: int
    window: float
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _cooling: dict[int, float] = field(default_factory=dict)

    def check(self, key: int, now: float) -> Verdict:
        until = self._cooling.get(key)
        if until is not None:
            if now < until:
                return Verdict.DROP
            del self._cooling[key]
            self._seen.pop(key, None)
        times = self._seen.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            self._cooling[key] = now + self.window
            return Verdict.WARN
        times.append(now)
        self._forget(now)
        return Verdict.PASS

    def _forget(self, now: float) -> None:
        """Drop idle people now and then so the dictionaries do not grow without end."""
        if len(self._seen) > 10_000:
            for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - self.window]:
                del self._seen[key]
