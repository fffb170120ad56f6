"""The buttons of membership: the resident's application (`reg:`), the board's decision on it
(`mem:`) and the board's work on members and roles (`mbr:`). The prefixes are those of the
buttons already in people's chats; declared here, they can no longer collide."""

from __future__ import annotations

from dataclasses import dataclass

from bot import buttons
from bot.buttons import Button, Static

# menus
REGISTER = buttons.menu("register")
PENDING = buttons.admin("members")
REGISTER_PERSON = buttons.admin("register_person")
MEMBERS = buttons.admin("mlist")

# /daftar and registration in person
RESUME = Static("reg:resume")
RESTART = Static("reg:restart")
SEND = Static("reg:send")
CANCEL = Static("reg:cancel")


@dataclass(frozen=True)
class Gender(Button, prefix="reg:g"):
    code: str  # a key of GENDER_LABELS


# the board's decision on an application
@dataclass(frozen=True)
class Approve(Button, prefix="mem:ok"):
    application: int


@dataclass(frozen=True)
class Reject(Button, prefix="mem:no"):
    application: int
    token: str = ""  # bot.confirm


# /admin › Members
FIND = Static("mbr:find")
DISMISS = Static("mbr:x")


@dataclass(frozen=True)
class Page(Button, prefix="mbr:p"):
    offset: int


@dataclass(frozen=True)
class Show(Button, prefix="mbr:v"):
    person: int


@dataclass(frozen=True)
class Move(Button, prefix="mbr:mv"):
    person: int


@dataclass(frozen=True)
class Revoke(Button, prefix="mbr:rv"):
    person: int
    token: str = ""


@dataclass(frozen=True)
class Merge(Button, prefix="mbr:mg"):
    person: int


@dataclass(frozen=True)
class MergeConfirmed(Button, prefix="mbr:mgok"):
    keep: int
    drop: int
    token: str = ""


@dataclass(frozen=True)
class Erase(Button, prefix="mbr:er"):
    person: int


@dataclass(frozen=True)
class EraseConfirmed(Button, prefix="mbr:erok"):
    person: int
    token: str = ""


# board roles
@dataclass(frozen=True)
class Propose(Button, prefix="mbr:pr"):
    person: int


@dataclass(frozen=True)
class ConfirmPromotion(Button, prefix="mbr:cf"):
    promotion: int


@dataclass(frozen=True)
class Demote(Button, prefix="mbr:dm"):
    person: int
