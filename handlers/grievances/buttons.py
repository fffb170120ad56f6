"""The buttons of grievances: /lapor (`grv:r:`, `grv:behalf`), the board's queue and card
(`grv:q:`, `grv:b:`, `grv:ev:`, `grv:lvl:`, `grv:up:`, `grv:asg:`, `grv:do:`) and the
reporter's follow-up (`grv:f:`). The data is exactly that of the buttons already in people's
chats; declared here, each kind is routed by its prefix (bot.buttons.on) and decoded typed.

A follow-up button names a named report by its id, or an anonymous one by the in-memory
token of a /cek session: the anonymous kinds' prefixes end in ":a" (`grv:f:add:a:<token>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from bot import buttons
from bot.buttons import Button, Static
from storage.grievances.reports import CATEGORIES, CHANNELS, IDENTITIES, QueueFilter

ID_LIMIT = 10**11  # ids in buttons have at most 11 digits
PAGE_LIMIT = 10**4

# menus
REPORT = buttons.menu("report")
MY_REPORTS = buttons.menu("myreports")
QUEUE = buttons.admin("grievances")

# ---- /lapor -----------------------------------------------------------------------------------
RESUME = Static("grv:r:resume")
RESTART = Static("grv:r:restart")
SKIP = Static("grv:r:skip")
EVIDENCE_DONE = Static("grv:r:evdone")
EXCLUDE_DONE = Static("grv:r:exdone")
SEND = Static("grv:r:send")
EDIT = Static("grv:r:edit")
CANCEL = Static("grv:r:cancel")
BEHALF = Static("grv:behalf")  # the queue's "File a report for a resident"


@dataclass(frozen=True)
class Channel(Button, prefix="grv:r:ch"):
    code: str  # how the resident brought it (not "telegram": that is the resident's own)

    def valid(self) -> bool:
        return self.code in CHANNELS and self.code != "telegram"


@dataclass(frozen=True)
class Category(Button, prefix="grv:r:cat"):
    code: str

    def valid(self) -> bool:
        return self.code in CATEGORIES


@dataclass(frozen=True)
class Identity(Button, prefix="grv:r:id"):
    code: str

    def valid(self) -> bool:
        return self.code in IDENTITIES


@dataclass(frozen=True)
class Exclude(Button, prefix="grv:r:ex"):
    """A board member's name in "who must not see it": the state it asks for (hidden or not),
    so a press delivered twice means the same. An old toggle carries no state (None)."""

    member: int
    hide: bool | None = None

    def valid(self) -> bool:
        return self.member < ID_LIMIT


@dataclass(frozen=True)
class Public(Button, prefix="grv:r:pub"):
    listed: bool


@dataclass(frozen=True)
class Change(Button, prefix="grv:r:e"):
    part: str  # the name of the step asked again


# ---- the board's queue and card -----------------------------------------------------------------
STATUS_FILTERS = ("open", "diterima", "diverifikasi", "diproses", "selesai", "ditolak")


@dataclass(frozen=True)
class Queue(Button, prefix="grv:q"):
    """A page of the queue: status filter, category (or "all"), overdue only, page."""

    status: str
    category: str
    overdue: bool
    page: int

    def valid(self) -> bool:
        known = self.category == "all" or self.category in CATEGORIES
        return self.status in STATUS_FILTERS and known and self.page < PAGE_LIMIT

    @property
    def filter(self) -> QueueFilter:
        category = None if self.category == "all" else self.category
        return QueueFilter(self.status, category, self.overdue)

    @classmethod
    def showing(cls, flt: QueueFilter, page: int = 0, **change: Any) -> Self:
        """The button for `flt` (with `change`d status, category or overdue) at `page`."""
        return cls(
            change.get("status", flt.status or "open"),
            change.get("category", flt.category) or "all",
            bool(change.get("overdue", flt.overdue)),
            page,
        )


class ByReport:
    """A button about one report, by its id: the board's card and actions, and the
    follow-up of a named report (the reporter's own)."""

    grievance: int

    def valid(self) -> bool:
        return self.grievance < ID_LIMIT


@dataclass(frozen=True)
class Card(ByReport, Button, prefix="grv:b"):
    grievance: int


@dataclass(frozen=True)
class Evidence(ByReport, Button, prefix="grv:ev"):
    grievance: int


@dataclass(frozen=True)
class Level(ByReport, Button, prefix="grv:lvl"):
    """Raise the level: asks first."""

    grievance: int


@dataclass(frozen=True)
class Raise(ByReport, Button, prefix="grv:up"):
    """Raise the level: confirmed."""

    grievance: int
    level: str


@dataclass(frozen=True)
class Assignees(ByReport, Button, prefix="grv:asg"):
    """Who handles it: the list of board members."""

    grievance: int


OPS = ("verify", "take", "resolve", "reject", "reply", "hide")
ASSIGN = "to"  # `to<member id>`: assign to that board member


@dataclass(frozen=True)
class Act(Button, prefix="grv:do"):
    """An action that asks for a text: `op` one of OPS, or `to<member>` (assign to them);
    Reject carries the card's one-time token (bot.confirm)."""

    op: str
    grievance: int
    token: str = ""

    def valid(self) -> bool:
        known = self.op in OPS or self._assignee() is not None
        return known and self.grievance < ID_LIMIT and (not self.token or self.op == "reject")

    def _assignee(self) -> int | None:
        member = self.op.removeprefix(ASSIGN)
        if self.op.startswith(ASSIGN) and member.isdigit() and len(member) < 12:
            return int(member)
        return None

    @property
    def assignee(self) -> int | None:
        return self._assignee()

    @property
    def action(self) -> str:
        """The op, with `to<member>` as "assign"."""
        return "assign" if self.assignee is not None else self.op

    @classmethod
    def assign(cls, member: int, grievance: int) -> Self:
        return cls(f"{ASSIGN}{member}", grievance)


# ---- the reporter's follow-up -------------------------------------------------------------------
class ByToken:
    """A follow-up button of an anonymous report: the /cek session's token."""

    token: str


@dataclass(frozen=True)
class Named(ByReport, Button, prefix="grv:f:show"):
    grievance: int


@dataclass(frozen=True)
class NamedAnonymous(ByToken, Button, prefix="grv:f:show:a"):
    token: str


@dataclass(frozen=True)
class Add(ByReport, Button, prefix="grv:f:add"):
    grievance: int


@dataclass(frozen=True)
class AddAnonymous(ByToken, Button, prefix="grv:f:add:a"):
    token: str


@dataclass(frozen=True)
class Fixed(ByReport, Button, prefix="grv:f:fix1"):
    grievance: int


@dataclass(frozen=True)
class FixedAnonymous(ByToken, Button, prefix="grv:f:fix1:a"):
    token: str


@dataclass(frozen=True)
class NotFixed(ByReport, Button, prefix="grv:f:fix0"):
    grievance: int


@dataclass(frozen=True)
class NotFixedAnonymous(ByToken, Button, prefix="grv:f:fix0:a"):
    token: str


RATINGS = range(1, 6)
_RATE = "grv:f:rate"


def _rate_prefixes(suffix: str = "") -> tuple[str, ...]:
    """One prefix per rating: the rating is written into the prefix (`grv:f:rate4:…`)."""
    return tuple(f"{_RATE}{n}{suffix}" for n in RATINGS)


RATE_PREFIXES, RATE_ANONYMOUS_PREFIXES = _rate_prefixes(), _rate_prefixes(":a")


@dataclass(frozen=True)
class Rate(ByReport, Button, prefix=RATE_PREFIXES[0], legacy=RATE_PREFIXES[1:]):
    """The rating of a fixed named report. The other ratings' prefixes are declared as this
    kind's further prefixes; the rating is read from the prefix pressed."""

    rating: int
    grievance: int

    def valid(self) -> bool:
        return self.rating in RATINGS and self.grievance < ID_LIMIT

    @property
    def data(self) -> str:
        return f"{_RATE}{self.rating}:{self.grievance}"

    @classmethod
    def decode(cls, prefix: str, fields: list[str]) -> Self | None:
        return super().decode(prefix, [prefix.removeprefix(_RATE), *fields])


@dataclass(frozen=True)
class RateAnonymous(
    ByToken, Button, prefix=RATE_ANONYMOUS_PREFIXES[0], legacy=RATE_ANONYMOUS_PREFIXES[1:]
):
    rating: int
    token: str

    def valid(self) -> bool:
        return self.rating in RATINGS

    @property
    def data(self) -> str:
        return f"{_RATE}{self.rating}:a:{self.token}"

    @classmethod
    def decode(cls, prefix: str, fields: list[str]) -> Self | None:
        rating = prefix.removeprefix(_RATE).removesuffix(":a")
        return super().decode(prefix, [rating, *fields])


# A follow-up action's two kinds: (named, anonymous)
SHOW = (Named, NamedAnonymous)
ADD = (Add, AddAnonymous)
FIXED = (Fixed, FixedAnonymous)
NOT_FIXED = (NotFixed, NotFixedAnonymous)
RATE = (Rate, RateAnonymous)
