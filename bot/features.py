"""The registries: each handlers/ module hands over a FEATURE, and the bot is assembled from them.

A feature adds commands, handlers, /transparansi and digest sections, /admin menu items,
`--demo` data, `bkm-bot export` kinds, scheduled actions and its start-up and shutdown work
(`on_start`, `on_stop`, run by bot.app) without editing a central file:
`discover()` finds every handlers/ module that defines FEATURE.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.moderation import Moderatable
from storage.people import Role

if TYPE_CHECKING:
    from telegram.ext import Application, BaseHandler

    from bot.i18n import Translator
    from storage.db import Database
    from storage.schedules import Schedule


@dataclass(frozen=True)
class Command:
    """A chat command: its Indonesian name, English alias, and who may use it."""

    id: str
    en: str | None
    description: str  # an N_() msgid, translated when shown
    role: Role = Role.RESIDENT
    public: bool = False  # answered in group chats too

    def name(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.id

    @property
    def names(self) -> list[str]:
        return [self.id] + ([self.en] if self.en and self.en != self.id else [])


@dataclass(frozen=True)
class Section:
    """A part of /transparansi or of the monthly digest; render returns HTML or None.

    Both get the app clock's now: "this month" is the clock's, never the machine's."""

    key: str
    order: int
    render: Callable[[Database, Translator, datetime], Awaitable[str | None]]
    # an optional chart (PNG bytes, bot.charts) sent before the text, e.g. in the digest
    chart: Callable[[Database, Translator, datetime], Awaitable[bytes | None]] | None = None


@dataclass(frozen=True)
class AdminItem:
    """A button on the /admin menu; its callback_data is `adm:<key>`."""

    key: str
    label: str  # an N_() msgid
    order: int

    @property
    def callback_data(self) -> str:
        return f"adm:{self.key}"


@dataclass(frozen=True)
class MenuItem:
    """A button on the main menu /start shows; its callback_data is `menu:<key>`."""

    key: str
    label: str  # an N_() msgid
    order: int
    role: Role = Role.RESIDENT

    @property
    def callback_data(self) -> str:
        return f"menu:{self.key}"


@dataclass(frozen=True)
class DemoSeeder:
    """Adds this feature's sample data to a `--demo` database, inside one transaction."""

    order: int
    seed: Callable[[sqlite3.Connection, datetime], None]


@dataclass(frozen=True)
class Exporter:
    """A `bkm-bot export KIND`: header and rows, never personal data beyond the public.
    The CLI writes them through `rules.csv_safe` (text cells safe to open in a spreadsheet)."""

    kind: str
    header: tuple[str, ...]
    rows: Callable[[sqlite3.Connection], Iterable[Sequence[Any]]]


@dataclass(frozen=True)
class ScheduledAction:
    """What a due schedule row of this kind does.

    `claim` runs inside the transaction that claims the row (database work only);
    `after` runs once that is committed (messages), with claim's result.
    """

    kind: str
    claim: Callable[[sqlite3.Connection, Schedule, datetime], Any]
    after: Callable[[Application, Any], Awaitable[None]] | None = None


@dataclass(frozen=True)
class PersonalData:
    """What a feature stores about a person, for /datasaya, /hapusdata and merging accounts.

    `export` returns JSON-able data: everything stored about the person in this feature.
    `erase` removes personal values (names, free text that identifies them, file ids of
    their evidence where the issue says so) and keeps the records (counts stay true).
    `merge(conn, keep, drop)` moves rows from one account to the other without doubling
    anything (one endorsement, one vote). All three run inside the caller's transaction."""

    key: str
    export: Callable[[sqlite3.Connection, int], Any]
    erase: Callable[[sqlite3.Connection, int, datetime], None]
    merge: Callable[[sqlite3.Connection, int, int], None] | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    order: int
    handlers: Callable[[], Sequence[BaseHandler[Any, Any, Any]]] = lambda: ()
    commands: tuple[Command, ...] = ()
    main_menu: tuple[MenuItem, ...] = ()
    transparency: tuple[Section, ...] = ()
    digest: tuple[Section, ...] = ()
    admin_menu: tuple[AdminItem, ...] = ()
    demo: tuple[DemoSeeder, ...] = ()
    exports: tuple[Exporter, ...] = ()
    schedules: tuple[ScheduledAction, ...] = ()
    personal_data: tuple[PersonalData, ...] = ()
    # public content the board may hide (/admin › Hide public content; bot.moderation)
    moderatable: tuple[Moderatable, ...] = ()
    # Start-up and shutdown work, run by bot.app: on_start in the application's post_init
    # (after the database is ready, in feature order, before overdue schedules run),
    # on_stop in post_stop and again in post_shutdown (in reverse order; safe to run twice).
    on_start: Callable[[Application[Any, Any, Any, Any, Any, Any]], Awaitable[None]] | None = None
    on_stop: Callable[[Application[Any, Any, Any, Any, Any, Any]], Awaitable[None]] | None = None


@dataclass(frozen=True)
class Registry:
    """Everything the features hand over, in their order."""

    features: tuple[Feature, ...]
    commands: tuple[Command, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "commands", tuple(c for f in self.features for c in f.commands))

    def _all(self, attribute: str) -> list[Any]:
        """Items of one kind from every feature; ordered by `order` where the kind has one."""
        items = [item for f in self.features for item in getattr(f, attribute)]
        if all(hasattr(item, "order") for item in items):
            items.sort(key=lambda item: item.order)
        return items

    @property
    def transparency(self) -> list[Section]:
        return self._all("transparency")

    @property
    def digest(self) -> list[Section]:
        return self._all("digest")

    def main_menu(self, role: Role) -> list[MenuItem]:
        return [m for m in self._all("main_menu") if role.at_least(m.role)]

    @property
    def admin_menu(self) -> list[AdminItem]:
        return self._all("admin_menu")

    @property
    def demo(self) -> list[DemoSeeder]:
        return self._all("demo")

    @property
    def exports(self) -> dict[str, Exporter]:
        return {e.kind: e for e in self._all("exports")}

    @property
    def schedules(self) -> dict[str, ScheduledAction]:
        return {s.kind: s for s in self._all("schedules")}

    @property
    def personal_data(self) -> list[PersonalData]:
        return self._all("personal_data")

    @property
    def moderatable(self) -> dict[str, Moderatable]:
        """Offered on /admin › Hide public content by feature name (as when each handlers
        module was found on its own), then in the feature's order."""
        by_name = sorted(self.features, key=lambda f: f.name)
        return {kind.object_type: kind for f in by_name for kind in f.moderatable}

    def commands_for(self, role: Role) -> list[Command]:
        return [c for c in self.commands if role.at_least(c.role)]


def combine(name: str, order: int, *parts: Feature) -> Feature:
    """One feature from the parts its package's modules declare (each module its `PART`),
    in the order given: handlers, commands, menus and sections keep the parts' order; the
    parts' on_start run in that order, their on_stop in reverse."""
    starts = [part.on_start for part in parts if part.on_start is not None]
    stops = [part.on_stop for part in reversed(parts) if part.on_stop is not None]

    def handlers() -> list[BaseHandler[Any, Any, Any]]:
        return [handler for part in parts for handler in part.handlers()]

    async def on_start(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        for hook in starts:
            await hook(application)

    async def on_stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        for hook in stops:
            await hook(application)

    def joined(attribute: str) -> tuple[Any, ...]:
        return tuple(item for part in parts for item in getattr(part, attribute))

    return Feature(
        name=name,
        order=order,
        handlers=handlers,
        commands=joined("commands"),
        main_menu=joined("main_menu"),
        transparency=joined("transparency"),
        digest=joined("digest"),
        admin_menu=joined("admin_menu"),
        demo=joined("demo"),
        exports=joined("exports"),
        schedules=joined("schedules"),
        personal_data=joined("personal_data"),
        moderatable=joined("moderatable"),
        on_start=on_start if starts else None,
        on_stop=on_stop if stops else None,
    )


def discover(package: str = "handlers") -> Registry:
    """Import every feature package of handlers/ and collect the FEATURE of its __init__."""
    root = importlib.import_module(package)
    found = []
    for info in pkgutil.iter_modules(root.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        feature = getattr(module, "FEATURE", None)
        if isinstance(feature, Feature):
            found.append(feature)
    return Registry(tuple(sorted(found, key=lambda f: (f.order, f.name))))
