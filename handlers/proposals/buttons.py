"""The buttons of proposals (`usl:`): the /usul flow, browsing and endorsing, the board's
review. The data of each kind is the string the handwritten buttons carried, so buttons
already in residents' chats keep working; data no kind decodes gets the stale-button answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot import buttons
from bot.buttons import Button, Static
from rules.proposal_status import Status
from storage import proposals

# menus
PROPOSE = buttons.menu("propose")
BROWSE = buttons.menu("proposals")
REVIEW = buttons.admin("review")
ON_BEHALF = buttons.admin("proposal_behalf")

# ---- the /usul flow ---------------------------------------------------------------------------
RESUME = Static("usl:resume")
RESTART = Static("usl:restart")
BACK = Static("usl:back")
CANCEL = Static("usl:cancel")
SKIP_RESIDENT = Static("usl:res:skip")
OWN_PROPOSAL = Static("usl:go")  # continue with my own proposal (not a similar one)
LOCATION_DONE = Static("usl:loc:next")
COST_UNKNOWN = Static("usl:cost:unknown")
PHOTOS_DONE = Static("usl:ph:done")


@dataclass(frozen=True)
class Channel(Button, prefix="usl:ch"):
    """How a proposal filed on behalf reached the board (never "telegram")."""

    code: str

    def valid(self) -> bool:
        return self.code in proposals.CHANNELS and self.code != "telegram"


@dataclass(frozen=True)
class Field(Button, prefix="usl:f"):
    code: str

    def valid(self) -> bool:
        return self.code in proposals.FIELDS


@dataclass(frozen=True)
class Similar(Button, prefix="usl:sim"):
    """Support this similar proposal instead of filing a new one."""

    proposal: int


@dataclass(frozen=True)
class ShowName(Button, prefix="usl:nm"):
    answer: Literal["y", "n"]


@dataclass(frozen=True)
class Send(Button, prefix="usl:send"):
    draft: str  # the draft's version ("v"): an older summary's button sends nothing


@dataclass(frozen=True)
class Change(Button, prefix="usl:edit"):
    draft: str


@dataclass(frozen=True)
class ChangeField(Button, prefix="usl:e"):
    """One answer to change from the summary (or "summary": back to it unchanged)."""

    key: str


# ---- browsing and endorsing ---------------------------------------------------------------------
MAX_PAGE = 999_999  # six digits, as the handwritten parser took


@dataclass(frozen=True)
class View(Button, prefix="usl:v"):
    proposal: int


@dataclass(frozen=True)
class Photos(Button, prefix="usl:ph"):
    proposal: int


@dataclass(frozen=True)
class Endorse(Button, prefix="usl:d"):
    proposal: int


@dataclass(frozen=True)
class Withdraw(Button, prefix="usl:u"):
    proposal: int


@dataclass(frozen=True)
class Revise(Button, prefix="usl:rev"):
    """The proposer revises a proposal the board sent back ("perlu revisi")."""

    proposal: int


def known_field(field: str | None) -> bool:
    """A list filter's field: none ("-" in the data) or one of the fields."""
    return field is None or field in proposals.FIELDS


@dataclass(frozen=True)
class ListPage(Button, prefix="usl:l"):
    """A page of the public list, with its filters ("-" for none)."""

    page: int
    field: str | None
    status: Status | None

    def valid(self) -> bool:
        return self.page <= MAX_PAGE and known_field(self.field)


@dataclass(frozen=True)
class ChooseField(Button, prefix="usl:lf"):
    """Show the field filter's choices, keeping the status filter."""

    field: str | None
    status: Status | None

    def valid(self) -> bool:
        return known_field(self.field)


@dataclass(frozen=True)
class ChooseStatus(Button, prefix="usl:ls"):
    """Show the status filter's choices, keeping the field filter."""

    field: str | None
    status: Status | None

    def valid(self) -> bool:
        return known_field(self.field)


@dataclass(frozen=True)
class MyPage(Button, prefix="usl:m"):
    page: int


# ---- the board's review ------------------------------------------------------------------------
@dataclass(frozen=True)
class QueuePage(Button, prefix="usl:q"):
    page: int


@dataclass(frozen=True)
class Transition(Button, prefix="usl:t"):
    """A status change; it carries the status it expects. Reject carries its one-time confirm
    token (bot/confirm.py), the data's last part."""

    proposal: int
    target: Status
    current: Status
    token: str = ""

    def valid(self) -> bool:
        return not self.token or self.target is Status.REJECTED


@dataclass(frozen=True)
class Progress(Button, prefix="usl:p"):
    proposal: int


@dataclass(frozen=True)
class Hide(Button, prefix="usl:h"):
    """The moderation seam from the detail view: USL-2026-0001 (the proposal) or
    USL-2026-0001/2 (its second progress note)."""

    key: str


SAME_COST = Static("usl:rc:same")  # the board's cost estimate = the proposed one
SKIP_PHOTO = Static("usl:pp:skip")  # a progress note without a photo
