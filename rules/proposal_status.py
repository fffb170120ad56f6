"""The proposal status state machine: which move is allowed, by whom, and what it needs.

baru → terverifikasi → diterima (into the priority list) → didanai → dikerjakan → selesai;
from baru or terverifikasi also ditolak or perlu_revisi; perlu_revisi goes back to baru
when the proposer edits. Pure: no I/O, tested for every pair.
"""

from __future__ import annotations

from enum import StrEnum

from rules.messages import N_


class Status(StrEnum):
    NEW = "baru"
    VERIFIED = "terverifikasi"
    ACCEPTED = "diterima"
    FUNDED = "didanai"
    IN_PROGRESS = "dikerjakan"
    COMPLETED = "selesai"
    REJECTED = "ditolak"
    REVISION = "perlu_revisi"


class Actor(StrEnum):
    BOARD = "board"
    PROPOSER = "proposer"


class InvalidTransition(Exception):
    """The move is not allowed from the current status (or not for this actor)."""

    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"{current} -> {target}")
        self.current = current
        self.target = target


# Labels from the glossary (English msgids, Indonesian in the catalog).
LABELS: dict[Status, str] = {
    Status.NEW: N_("new"),
    Status.VERIFIED: N_("verified"),
    Status.ACCEPTED: N_("accepted"),
    Status.FUNDED: N_("funded"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.COMPLETED: N_("completed"),
    Status.REJECTED: N_("rejected"),
    Status.REVISION: N_("revision requested"),
}

# Button labels for the board: the action that leads to each status.
ACTIONS: dict[Status, str] = {
    Status.VERIFIED: N_("Verify"),
    Status.ACCEPTED: N_("Accept into the priority list"),
    Status.FUNDED: N_("Mark as funded"),
    Status.IN_PROGRESS: N_("Mark as in progress"),
    Status.COMPLETED: N_("Mark as completed"),
    Status.REJECTED: N_("Reject"),
    Status.REVISION: N_("Ask for a revision"),
}

_MOVES: dict[Status, dict[Status, Actor]] = {
    Status.NEW: {
        Status.VERIFIED: Actor.BOARD,
        Status.REJECTED: Actor.BOARD,
        Status.REVISION: Actor.BOARD,
    },
    Status.VERIFIED: {
        Status.ACCEPTED: Actor.BOARD,
        Status.REJECTED: Actor.BOARD,
        Status.REVISION: Actor.BOARD,
    },
    Status.ACCEPTED: {Status.FUNDED: Actor.BOARD},
    Status.FUNDED: {Status.IN_PROGRESS: Actor.BOARD},
    Status.IN_PROGRESS: {Status.COMPLETED: Actor.BOARD},
    Status.COMPLETED: {},
    Status.REJECTED: {},
    Status.REVISION: {Status.NEW: Actor.PROPOSER},
}

# Statuses the board reviews in /tinjau; statuses in which progress can be posted.
REVIEW_QUEUE = (Status.NEW, Status.VERIFIED)
PROGRESS_OPEN = (Status.FUNDED, Status.IN_PROGRESS)
# Statuses in which the proposer may still change the proposal.
EDITABLE = (Status.REVISION,)


def allowed(current: Status, actor: Actor) -> list[Status]:
    """The statuses this actor may move a proposal to, in the order buttons are shown."""
    return [target for target, who in _MOVES[current].items() if who is actor]


def check(current: Status, target: Status, actor: Actor) -> None:
    """Raise InvalidTransition unless this actor may move current → target."""
    if _MOVES[current].get(target) is not actor:
        raise InvalidTransition(current, target)


def needs_reason(target: Status) -> bool:
    """Rejecting and asking for a revision must say why (the proposer is told)."""
    return target in (Status.REJECTED, Status.REVISION)


def needs_plan(target: Status) -> bool:
    """Accepting records the board's cost estimate and the planned execution period."""
    return target is Status.ACCEPTED


def is_final(status: Status) -> bool:
    return not _MOVES[status]
