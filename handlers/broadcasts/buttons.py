"""The buttons of /siaran (`sb:`) and of the delivery report (`dlv:`). The data formats are
those of the buttons already in the board's chats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot import buttons
from bot.buttons import Button, Static
from storage.subscriptions import TOPICS

AUDIENCES = ("all", "members", "rw", "topic")  # the keys of manage.AUDIENCE_LABELS

# menus
BROADCAST = buttons.admin("broadcast")

# /siaran
LIST = Static("sb:list")
CANCEL = Static("sb:cancel")


@dataclass(frozen=True)
class Audience(Button, prefix="sb:a"):
    code: str

    def valid(self) -> bool:
        return self.code in AUDIENCES


@dataclass(frozen=True)
class Topic(Button, prefix="sb:tp"):
    topic: str

    def valid(self) -> bool:
        return self.topic in TOPICS


@dataclass(frozen=True)
class When(Button, prefix="sb:w"):
    choice: Literal["now", "at", "repeat"]


@dataclass(frozen=True)
class Repeat(Button, prefix="sb:r"):
    every: Literal["daily", "weekly", "monthly"]


@dataclass(frozen=True)
class Weekday(Button, prefix="sb:wd"):
    day: int  # 0 is Monday

    def valid(self) -> bool:
        return self.day < 7


@dataclass(frozen=True)
class Send(Button, prefix="sb:go"):
    """Send now, or Schedule: the confirm step's one-time token (bot.confirm); missing on
    forged data (refused)."""

    token: str = ""


@dataclass(frozen=True)
class CancelScheduled(Button, prefix="sb:x"):
    broadcast: int


# the delivery report (bot/delivery/report.py writes this data: `dlv:re:<message>`)
@dataclass(frozen=True)
class Resend(Button, prefix="dlv:re"):
    message: int
