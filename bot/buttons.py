"""Typed button data: one declaration per button kind, routed by its prefix.

A kind is a frozen dataclass whose fields are the data after its prefix::

    @dataclass(frozen=True)
    class Approve(Button, prefix="mem:ok"):
        application: int

    Approve(12).data                  # "mem:ok:12", checked against the 64 bytes here
    Approve.unpack("mem:ok:12")       # Approve(application=12); None when malformed
    on(Approve, approve)              # the CallbackQueryHandler for exactly that prefix
    press = Approve.pressed(update)   # inside the callback: the decoded, typed data

A button without data is a `Static` (`RESUME = Static("reg:resume")`); the menus' buttons
(`menu:<key>`, `adm:<key>`) are `menu(key)` and `admin(key)`.

The format is `prefix:field:field`, the one the handwritten strings used, so buttons already
in residents' chats keep working. Field types: int (digits), str (no ":"), bool ("1"/"0"),
an Enum or a Literal of str (by value), `X | None` (None is "-"). Trailing fields with a
default may be missing from the data (buttons made before the field existed). A kind may
accept `legacy` prefixes (old data, never produced again). Data that no kind decodes ends at
the catch-all stale-button answer (`bot.access.stale_button`, registered last by
handlers/start), never in a handler.

Every prefix is registered once (`REGISTRY`): a second kind with the same prefix fails at
import, and the handler of a kind matches only data of that kind, so no handler's order
matters.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, Literal, Self, TypeVar, Union

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BKMContext

MAX_BYTES = 64  # Telegram's limit on callback_data, in UTF-8 bytes
NONE = "-"  # how an optional field's None is written
SEP = ":"
_INT = re.compile(r"[0-9]{1,18}")
_PREFIX = re.compile(r"[a-z][a-z0-9_]*(:[a-z0-9_]+)*")

RT = TypeVar("RT")
# What a button's callback is: PTB wants a coroutine function; the project's access
# decorators (board_only, private_only, …) return callables typed as returning Awaitable.
Callback = Callable[[Update, BKMContext], Awaitable[RT]]


class ButtonError(ValueError):
    """A button that cannot be built: too long for Telegram, or a value the format cannot
    carry (a ":" inside a text field, a wrong type)."""


class Kind(typing.Protocol):
    """What the router needs of a kind: its prefixes and a test of a press's data."""

    prefix: str
    legacy: tuple[str, ...]

    def matches(self, data: object) -> bool: ...


REGISTRY: dict[str, Kind] = {}


def _register(kind: Kind) -> None:
    for prefix in (kind.prefix, *kind.legacy):
        if not _PREFIX.fullmatch(prefix):
            raise ButtonError(f"button prefix {prefix!r} is not lowercase ASCII words and ':'")
        if prefix in REGISTRY:
            raise ButtonError(f"button prefix {prefix!r} is declared twice")
        REGISTRY[prefix] = kind


def _check(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ButtonError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def _strip(data: object, prefixes: tuple[str, ...]) -> tuple[str, list[str]] | None:
    """(the prefix, the fields after it) when data starts with one of prefixes exactly."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    for prefix in prefixes:
        if data == prefix:
            return prefix, []
        if data.startswith(prefix + SEP):
            return prefix, data[len(prefix) + 1 :].split(SEP)
    return None


# ---- field codecs ---------------------------------------------------------------------------
def _is_optional(tp: Any) -> tuple[bool, Any]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return True, args[0]
    return False, tp


def _encode(tp: Any, value: object) -> str:
    optional, tp = _is_optional(tp)
    if value is None:
        if not optional:
            raise ButtonError("None in a field that is not optional")
        return NONE
    if tp is bool:
        if not isinstance(value, bool):
            raise ButtonError(f"{value!r} is not a bool")
        return "1" if value else "0"
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ButtonError(f"{value!r} is not a whole number ≥ 0")
        return str(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if not isinstance(value, tp):
            raise ButtonError(f"{value!r} is not a {tp.__name__}")
        text = str(value.value)
    elif typing.get_origin(tp) is Literal:
        if value not in typing.get_args(tp):
            raise ButtonError(f"{value!r} is not one of {typing.get_args(tp)}")
        text = str(value)
    elif tp is str:
        if not isinstance(value, str):
            raise ButtonError(f"{value!r} is not a str")
        text = value
    else:
        raise ButtonError(f"unsupported button field type {tp!r}")
    if SEP in text or (optional and text == NONE):
        raise ButtonError(f"{text!r} cannot be carried in button data")
    return text


_BAD = object()  # a field that does not decode


def _decode(tp: Any, text: str) -> object:
    optional, tp = _is_optional(tp)
    if optional and text == NONE:
        return None
    if tp is bool:
        return {"1": True, "0": False}.get(text, _BAD)
    if tp is int:
        return int(text) if _INT.fullmatch(text) else _BAD
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(text)
        except ValueError:
            return _BAD
    if typing.get_origin(tp) is Literal:
        return text if text in typing.get_args(tp) else _BAD
    return text


# ---- kinds with data ------------------------------------------------------------------------
class Button:
    """Base of a button kind; subclass as a frozen dataclass with `prefix=` (and `legacy=`)."""

    prefix: ClassVar[str]
    legacy: ClassVar[tuple[str, ...]] = ()
    _fields: ClassVar[tuple[tuple[str, Any, bool], ...] | None] = None

    def __init_subclass__(cls, prefix: str, legacy: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.prefix, cls.legacy, cls._fields = prefix, legacy, None
        _register(typing.cast(Kind, cls))

    @classmethod
    def _layout(cls) -> tuple[tuple[str, Any, bool], ...]:
        """(name, type, required) per field, in order; read once."""
        if cls._fields is None:
            hints = typing.get_type_hints(cls)
            cls._fields = tuple(
                (
                    f.name,
                    hints[f.name],
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                )
                for f in dataclasses.fields(typing.cast(Any, cls))
            )
        return cls._fields

    def __post_init__(self) -> None:
        if not self.valid():
            raise ButtonError(f"{self!r} holds a value its buttons never carry")
        _check(self.data)  # at build time, not when Telegram refuses the message

    def valid(self) -> bool:
        """Whether the values are ones this kind's buttons carry (a kind narrows it: a topic
        among the topics); data that decodes to an invalid value is stale."""
        return True

    @property
    def data(self) -> str:
        """The callback_data: `prefix:field:field`."""
        layout = self._layout()
        values = [_encode(tp, getattr(self, name)) for name, tp, _ in layout]
        defaults = {f.name: f.default for f in dataclasses.fields(typing.cast(Any, self))}
        while (
            layout
            and not layout[-1][2]
            and getattr(self, layout[-1][0]) == defaults.get(layout[-1][0])
        ):  # a trailing field at its default is left out, as buttons made before it had it
            layout, values = layout[:-1], values[:-1]
        return SEP.join([self.prefix, *values])

    @classmethod
    def decode(cls, prefix: str, fields: list[str]) -> Self | None:
        """The kind from the fields after `prefix` (a legacy prefix may override this)."""
        layout = cls._layout()
        required = sum(1 for _, _, needed in layout if needed)
        if not required <= len(fields) <= len(layout):
            return None
        values: dict[str, object] = {}
        for (name, tp, _), text in zip(layout, fields, strict=False):
            value = _decode(tp, text)
            if value is _BAD:
                return None
            values[name] = value
        try:
            return cls(**values)
        except (ButtonError, TypeError, ValueError):
            return None

    @classmethod
    def unpack(cls, data: object) -> Self | None:
        """The typed value of callback data, or None when it is not this kind's or malformed."""
        found = _strip(data, (cls.prefix, *cls.legacy))
        return None if found is None else cls.decode(*found)

    @classmethod
    def matches(cls, data: object) -> bool:
        return cls.unpack(data) is not None

    @classmethod
    def of(cls, update: Update) -> Self | None:
        """The pressed button's data as this kind, or None."""
        query = update.callback_query
        return cls.unpack(query.data) if query is not None else None

    @classmethod
    def pressed(cls, update: Update) -> Self:
        """The pressed button's data in a callback routed by `on(cls, …)` (which only lets
        through data that decodes)."""
        press = cls.of(update)
        if press is None:
            raise ButtonError(f"{cls.__name__} handler reached with data of another kind")
        return press


# ---- kinds without data ---------------------------------------------------------------------
class Static:
    """A button whose data is its prefix alone (Continue, Cancel, a menu entry)."""

    def __init__(self, prefix: str, legacy: tuple[str, ...] = ()) -> None:
        self.prefix, self.legacy = prefix, legacy
        self.data = _check(prefix)
        _register(self)

    def matches(self, data: object) -> bool:
        return data == self.prefix or data in self.legacy

    def __repr__(self) -> str:
        return f"Static({self.prefix!r})"


def _shared(prefix: str) -> Static:
    found = REGISTRY.get(prefix)
    if isinstance(found, Static):
        return found
    return Static(prefix)


def menu(key: str) -> Static:
    """The main menu's button `menu:<key>` (declared by a feature's `MenuItem`)."""
    return _shared(f"menu:{key}")


def admin(key: str) -> Static:
    """The /admin menu's button `adm:<key>` (declared by a feature's `AdminItem`)."""
    return _shared(f"adm:{key}")


# ---- routing --------------------------------------------------------------------------------
def on(
    kind: Kind | type[Button], callback: Callback[RT], *, block: bool = True
) -> CallbackQueryHandler[BKMContext, RT]:
    """The handler for exactly this kind's data (its prefix or a legacy one, fields that
    decode); anything else is left to other kinds and, at last, to the stale-button answer."""
    coroutine = typing.cast(Callable[[Update, BKMContext], Coroutine[Any, Any, RT]], callback)
    return CallbackQueryHandler(coroutine, pattern=kind.matches, block=block)


def kind_of(data: object) -> Kind | None:
    """The registered kind that decodes data, or None (stale or forged)."""
    if not isinstance(data, str):
        return None
    head = data
    while head:
        kind = REGISTRY.get(head)
        if kind is not None:
            return kind if kind.matches(data) else None
        head = head.rpartition(SEP)[0]
    return None
