"""The rules with no I/O: working days with Indonesian holidays, and the status machine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules import workdays
from rules.grievance_status import Action, Facts, Refused, Status, allowed, transition

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_weekends_and_indonesian_holidays_are_not_working_days() -> None:
    assert workdays.is_working_day(date(2026, 12, 24))  # Thursday
    assert not workdays.is_working_day(date(2026, 12, 25))  # Christmas (the holidays package)
    assert not workdays.is_working_day(date(2026, 8, 17))  # Independence Day, a Monday
    assert not workdays.is_working_day(date(2026, 11, 28))  # Saturday
    assert workdays.holiday_name(date(2026, 12, 25))


def test_adding_working_days_skips_weekends_and_holidays() -> None:
    assert workdays.add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Fri → Mon
    assert workdays.add_working_days(date(2026, 11, 28), 5) == date(2026, 12, 4)  # from Sat
    # 22 Dec (Tue) + 3: Wed 23, Thu 24, (Fri 25 Christmas), Mon 28
    assert workdays.add_working_days(date(2026, 12, 22), 3) == date(2026, 12, 28)
    with pytest.raises(ValueError):
        workdays.add_working_days(date(2026, 12, 22), 0)


def test_a_deadline_ends_with_its_last_day_and_the_reminder_is_a_working_day_before() -> None:
    received = datetime(2026, 12, 22, 2, 0, tzinfo=UTC)  # Tuesday morning in Jakarta
    due = workdays.deadline(received, 3, JAKARTA)
    assert due == datetime(2026, 12, 29, 0, 0, tzinfo=JAKARTA)  # the end of Monday 28 Dec
    assert workdays.deadline_day(due, JAKARTA) == date(2026, 12, 28)
    # one working day before Monday 28th is Thursday 24th (Friday 25th is Christmas)
    assert workdays.reminder(due, JAKARTA) == datetime(2026, 12, 24, 8, 0, tzinfo=JAKARTA)


def test_working_days_between_counts_only_working_days() -> None:
    assert workdays.working_days_between(date(2026, 12, 22), date(2026, 12, 28)) == 3
    assert workdays.working_days_between(date(2026, 12, 28), date(2026, 12, 22)) == 0


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (Status.RECEIVED, Action.VERIFY, Status.VERIFIED),
        (Status.VERIFIED, Action.PROCESS, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Action.PROCESS, Status.IN_PROGRESS),  # reassign
        (Status.IN_PROGRESS, Action.RESOLVE, Status.RESOLVED),
        (Status.RECEIVED, Action.REJECT, Status.REJECTED),
        (Status.VERIFIED, Action.REJECT, Status.REJECTED),
        (Status.IN_PROGRESS, Action.REJECT, Status.REJECTED),
    ],
)
def test_every_allowed_transition(status: Status, action: Action, target: Status) -> None:
    facts = Facts(status=status, assignee_id=7 if status is Status.IN_PROGRESS else None)
    assert transition(facts, action, now=NOW, text="alasan", assignee_id=7) is target
    assert action in allowed(facts)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.RECEIVED, Action.PROCESS),  # verify first
        (Status.RECEIVED, Action.RESOLVE),
        (Status.VERIFIED, Action.VERIFY),
        (Status.VERIFIED, Action.RESOLVE),
        (Status.IN_PROGRESS, Action.VERIFY),
        (Status.RESOLVED, Action.VERIFY),
        (Status.RESOLVED, Action.PROCESS),
        (Status.RESOLVED, Action.RESOLVE),
        (Status.RESOLVED, Action.REJECT),
        (Status.REJECTED, Action.VERIFY),
        (Status.REJECTED, Action.PROCESS),
        (Status.REJECTED, Action.RESOLVE),
        (Status.REJECTED, Action.REJECT),
        (Status.REJECTED, Action.REOPEN),
        (Status.IN_PROGRESS, Action.REOPEN),
    ],
)
def test_every_refused_transition(status: Status, action: Action) -> None:
    facts = Facts(status=status, assignee_id=7, resolved_at=NOW)
    with pytest.raises(Refused) as refused:
        transition(facts, action, now=NOW, text="alasan", assignee_id=7)
    assert refused.value.code == "wrong_status"
    assert action not in allowed(facts)


def test_what_a_transition_needs() -> None:
    with pytest.raises(Refused, match="assignee_required"):
        transition(Facts(Status.VERIFIED), Action.PROCESS, now=NOW)
    for action, status in (
        (Action.RESOLVE, Status.IN_PROGRESS),
        (Action.REJECT, Status.RECEIVED),
        (Action.REOPEN, Status.RESOLVED),
    ):
        with pytest.raises(Refused, match="text_required"):
            transition(Facts(status, assignee_id=1, resolved_at=NOW), action, now=NOW, text="  ")


def test_reopening_once_within_seven_calendar_days() -> None:
    resolved = Facts(Status.RESOLVED, assignee_id=3, resolved_at=NOW)
    later = NOW + timedelta(days=7)
    assert transition(resolved, Action.REOPEN, now=later, text="bocor lagi") is Status.IN_PROGRESS
    with pytest.raises(Refused, match="too_late"):
        transition(resolved, Action.REOPEN, now=later + timedelta(seconds=1), text="bocor")
    again = Facts(Status.RESOLVED, assignee_id=3, resolved_at=NOW, reopen_count=1)
    with pytest.raises(Refused, match="reopened_already"):
        transition(again, Action.REOPEN, now=NOW, text="bocor lagi")
    confirmed = Facts(Status.RESOLVED, resolved_at=NOW, confirmed=True)
    with pytest.raises(Refused, match="confirmed"):
        transition(confirmed, Action.REOPEN, now=NOW, text="bocor lagi")
