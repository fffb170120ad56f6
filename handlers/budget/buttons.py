"""The buttons of /anggaran and the board's budget flows (`bud:`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot import buttons
from bot.buttons import Button, Static
from handlers.budget.view import unpack_filters

BUDGET = buttons.menu("budget")
IMPORT = buttons.admin("budget_import")
REALISE = buttons.admin("budget_realise")
ASK = Static("bud:ask")


def _fiscal(year: int) -> bool:
    return 2000 <= year <= 2100


@dataclass(frozen=True)
class Year(Button, prefix="bud:y"):
    year: int

    def valid(self) -> bool:
        return _fiscal(self.year)


@dataclass(frozen=True)
class PerRw(Button, prefix="bud:rw"):
    year: int

    def valid(self) -> bool:
        return _fiscal(self.year)


@dataclass(frozen=True)
class Loans(Button, prefix="bud:ln"):
    year: int

    def valid(self) -> bool:
        return _fiscal(self.year)


@dataclass(frozen=True)
class Programs(Button, prefix="bud:pg"):
    """Per program, a new message."""

    year: int
    page: int

    def valid(self) -> bool:
        return _fiscal(self.year) and self.page < 100_000


@dataclass(frozen=True)
class ProgramsPage(Button, prefix="bud:pn"):
    """◀ ▶ per program: the same message edited."""

    year: int
    page: int

    def valid(self) -> bool:
        return _fiscal(self.year) and self.page < 100_000


@dataclass(frozen=True)
class Chart(Button, prefix="bud:ch"):
    by: Literal["f", "r"]  # per field, per RW
    year: int

    def valid(self) -> bool:
        return _fiscal(self.year)


@dataclass(frozen=True)
class Query(Button, prefix="bud:q"):
    """A page of a typed question's answer: its filters packed (handlers.budget.view)."""

    page: int
    filters: str

    def valid(self) -> bool:
        found = unpack_filters(self.filters)
        return found is not None and _fiscal(found.year) and self.page <= 10_000


@dataclass(frozen=True)
class LineDetails(Button, prefix="bud:l"):
    line: int


@dataclass(frozen=True)
class Receipt(Button, prefix="bud:r"):
    entry: int


# /admin › Import the budget
IMPORT_OK = Static("bud:imp:ok")
IMPORT_NO = Static("bud:imp:no")

# /admin › Record spending
TODAY = Static("bud:rd:today")
NO_RECEIPT = Static("bud:rp:none")
SUBMIT = Static("bud:re:ok")
CANCEL = Static("bud:re:no")


@dataclass(frozen=True)
class RealiseLine(Button, prefix="bud:rl"):
    line: int
