"""The grievance state machine: which status change is allowed, and what it needs.

diterima → diverifikasi → diproses (with an assignee) → selesai (with the answer);
ditolak (with the reason) from any open status. After selesai the reporter may reopen
once, within 7 calendar days, with a reason: back to diproses, same assignee, flagged.
"terlambat" is a flag on the report, never a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "diterima"
    VERIFIED = "diverifikasi"
    IN_PROGRESS = "diproses"
    RESOLVED = "selesai"
    REJECTED = "ditolak"

    @property
    def is_open(self) -> bool:
        return self in OPEN


OPEN = frozenset({Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS})
CLOSED = frozenset({Status.RESOLVED, Status.REJECTED})


class Action(StrEnum):
    VERIFY = "verify"
    PROCESS = "process"  # take or assign: into diproses with an assignee
    RESOLVE = "resolve"
    REJECT = "reject"
    REOPEN = "reopen"


REOPEN_WINDOW = timedelta(days=7)
MAX_REOPENS = 1

_MOVES: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.VERIFY: (frozenset({Status.RECEIVED}), Status.VERIFIED),
    Action.PROCESS: (frozenset({Status.VERIFIED, Status.IN_PROGRESS}), Status.IN_PROGRESS),
    Action.RESOLVE: (frozenset({Status.IN_PROGRESS}), Status.RESOLVED),
    Action.REJECT: (OPEN, Status.REJECTED),
    Action.REOPEN: (frozenset({Status.RESOLVED}), Status.IN_PROGRESS),
}


class Refused(Exception):
    """The change is not allowed; `code` says why (a stable code, translated where shown)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about a report."""

    status: Status
    assignee_id: int | None = None
    resolved_at: datetime | None = None
    reopen_count: int = 0
    confirmed: bool = False


def allowed(facts: Facts) -> list[Action]:
    """The board's actions possible from this status (reopen is the reporter's)."""
    return [
        action
        for action, (sources, _) in _MOVES.items()
        if action is not Action.REOPEN and facts.status in sources
    ]


def transition(
    facts: Facts,
    action: Action,
    *,
    now: datetime,
    text: str | None = None,
    assignee_id: int | None = None,
) -> Status:
    """The new status, or Refused with the reason code."""
    sources, target = _MOVES[action]
    if facts.status not in sources:
        raise Refused("wrong_status")
    if action in (Action.RESOLVE, Action.REJECT, Action.REOPEN) and not (text or "").strip():
        raise Refused("text_required")
    if action is Action.PROCESS and (assignee_id or facts.assignee_id) is None:
        raise Refused("assignee_required")
    if action is Action.REOPEN:
        if facts.confirmed:
            raise Refused("confirmed")
        if facts.reopen_count >= MAX_REOPENS:
            raise Refused("reopened_already")
        if facts.resolved_at is None or now - facts.resolved_at > REOPEN_WINDOW:
            raise Refused("too_late")
    return target
