"""The buttons of polls (`pol:`): making a poll (`pol:n:`), the ballot card and its presses,
results, the early close and paper ballots. The data formats are those of the buttons
already in people's chats (ballots from invitations and reminders stay pressable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot import buttons
from bot.buttons import Button, Static

# menus
VOTE = buttons.menu("polls")
RESULTS = buttons.menu("results")
NEW = buttons.admin("poll_new")
PAPER = buttons.admin("poll_paper")
CLOSE = buttons.admin("poll_close")

# /buatpolling
RESUME = Static("pol:n:resume")
RESTART = Static("pol:n:restart")
CANCEL = Static("pol:n:cancel")
PUBLISH = Static("pol:n:publish")
NO_QUORUM = Static("pol:n:q:none")


@dataclass(frozen=True)
class Audience(Button, prefix="pol:n:aud"):
    code: Literal["residents", "members", "rw"]  # storage.polls.AUDIENCES


@dataclass(frozen=True)
class Ballot(Button, prefix="pol:n:bal"):
    kind: Literal["secret", "open"]


@dataclass(frozen=True)
class Choices(Button, prefix="pol:n:k"):
    count: int  # how many options each voter may choose


@dataclass(frozen=True)
class Shown(Button, prefix="pol:n:res"):
    when: Literal["live", "after"]  # results while voting, or after closing


# the ballot card (from /polling, an invitation, a reminder, a deep link)
@dataclass(frozen=True)
class Card(Button, prefix="pol:o"):
    poll: int


@dataclass(frozen=True)
class Single(Button, prefix="pol:v"):
    """A single-choice ballot's option (1-based)."""

    poll: int
    position: int


@dataclass(frozen=True)
class Toggle(Button, prefix="pol:t"):
    """Tick or untick an option of a multiple-choice ballot; `mask` is the selection so far
    (bit n-1 for option n)."""

    poll: int
    mask: int
    position: int


@dataclass(frozen=True)
class Submit(Button, prefix="pol:k"):
    """Send a multiple-choice ballot with the options of `mask`."""

    poll: int
    mask: int


@dataclass(frozen=True)
class Confirm(Button, prefix="pol:ok"):
    """The confirmed secret vote."""

    poll: int
    mask: int


# results, the early close, paper ballots
@dataclass(frozen=True)
class Results(Button, prefix="pol:r"):
    poll: int


@dataclass(frozen=True)
class Close(Button, prefix="pol:x"):
    poll: int
    token: str = ""  # bot.confirm


@dataclass(frozen=True)
class Paper(Button, prefix="pol:p"):
    poll: int


SAVE_PAPER = Static("pol:p:save")
CANCEL_PAPER = Static("pol:p:cancel")
