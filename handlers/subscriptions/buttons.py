"""The buttons of /langganan: one kind per choice (no catch-all `sub:` handler)."""

from __future__ import annotations

from dataclasses import dataclass

from bot import buttons
from bot.buttons import Button, Static
from storage.subscriptions import TOPICS

SUBSCRIBE = buttons.menu("subscribe")
NOW = Static("sub:now")
DAILY = Static("sub:daily")
RESUME = Static("sub:resume")
STOP = Static("sub:stop")


@dataclass(frozen=True)
class SetTopic(Button, prefix="sub:set"):
    """The state the button asks for, so a press delivered twice changes nothing more."""

    topic: str
    on: bool

    def valid(self) -> bool:
        return self.topic in TOPICS


@dataclass(frozen=True)
class At(Button, prefix="sub:at"):
    hhmm: str  # "0700": one of DIGEST_TIMES without its colon


@dataclass(frozen=True)
class OldToggle(Button, prefix="sub:t"):
    """The toggle before issue 13 (it did not say which state it asked for): answered as no
    longer valid, and the list is shown anew."""

    topic: str
