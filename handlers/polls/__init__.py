"""Polls (musyawarah): the feature's registry entry. The parts: create (the board's
/buatpolling), vote (/polling and the ballot), results (closing, the reminder, /hasil), close
(the board's early close), paper (in-person ballots), view (how they look) and buttons (the
data of every polls button)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import BaseHandler

from bot.disclosure import participation
from bot.features import (
    AdminItem,
    Command,
    DemoSeeder,
    Exporter,
    Feature,
    MenuItem,
    PersonalData,
    Section,
)
from bot.i18n import N_, Translator
from handlers.polls import close, create, paper, results, vote
from rules.tally import percent
from storage import poll_records
from storage.db import Database
from storage.people import Role


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        *create.handlers(),
        *paper.handlers(),
        *results.handlers(),
        *close.handlers(),
        *vote.handlers(),
    ]


async def transparency_section(db: Database, tr: Translator, now: datetime) -> str | None:
    """Polls held and turnout; never the counts of a poll still sealed."""
    found = await db.read(poll_records.summary)
    if not found["open"] and not found["closed"]:
        return None
    return tr._(
        "<b>Polls</b>\nClosed: {closed}, open now: {open}\n"
        "Turnout in closed polls: {voters} of {eligible} ({percent}%)"
    ).format(
        closed=tr.number(found["closed"]),
        open=tr.number(found["open"]),
        voters=tr.number(found["voters"]),
        eligible=tr.number(found["eligible"]),
        percent=tr.number(float(percent(found["voters"], found["eligible"]))),
    )


async def participation_section(db: Database, tr: Translator, now: datetime) -> str | None:
    """Voters by RW and by gender in the latest year with votes ("< 5" for small groups): from
    the roll of who voted, never linked to a choice."""

    def read(conn: Any) -> Any:
        year = poll_records.latest_year(conn)
        return year, poll_records.voter_participation(conn, year) if year else ([], [])

    year, (by_rw, by_gender) = await db.read(read)
    return participation(
        tr,
        tr._("<b>Voters in {year} by RW</b>").format(year=year),
        tr._("<b>Voters in {year} by gender</b>").format(year=year),
        by_rw,
        by_gender,
    )


EXPORT_HEADER = (
    "poll",
    "ballot",
    "status",
    "eligible",
    "voters",
    "row",
    "number",
    "label_or_name",
    "votes_or_options",
    "channel",
)


FEATURE = Feature(
    name="polls",
    order=40,
    handlers=_handlers,
    commands=(
        Command("polling", "polls", N_("Vote in open polls")),
        Command("hasil", "results", N_("Results of closed polls"), public=True),
        Command("buatpolling", "newpoll", N_("Create a poll"), role=Role.BOARD),
    ),
    main_menu=(
        MenuItem("polls", N_("Vote"), order=25),
        MenuItem("results", N_("Poll results"), order=26),
    ),
    admin_menu=(
        AdminItem("poll_new", N_("New poll"), order=30),
        AdminItem("poll_paper", N_("Record paper ballots"), order=31),
        AdminItem("poll_close", N_("Close a poll early"), order=32),
    ),
    transparency=(
        Section("voter_participation", 13, participation_section),
        Section("polls", 40, transparency_section),
    ),
    demo=(DemoSeeder(40, poll_records.seed_demo),),
    exports=(Exporter("polls", EXPORT_HEADER, poll_records.export_rows),),
    schedules=results.SCHEDULES,
    personal_data=(
        PersonalData(
            "polls",
            poll_records.export_person,
            poll_records.erase_person,
            poll_records.merge_people,
        ),
    ),
)
