"""Polls (musyawarah): the feature's registry entry. The parts live in polls_create (the
board's /buatpolling), polls_vote (/polling and the ballot), polls_results (closing, the
reminder, /hasil), polls_paper (in-person ballots) and polls_view (how they look)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import BaseHandler

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
from bot.tally import marks_of, percent
from handlers import polls_create, polls_paper, polls_results, polls_vote
from storage import poll_records, polls
from storage.db import Database
from storage.people import Role


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        *polls_create.handlers(),
        *polls_paper.handlers(),
        *polls_results.handlers(),
        *polls_vote.handlers(),
    ]


async def transparency_section(db: Database, tr: Translator) -> str | None:
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
        percent=tr.number(percent(found["voters"], found["eligible"])),
    )


def seed_demo(conn: sqlite3.Connection, now: datetime) -> None:
    """A closed secret poll with results and an open open-ballot poll, by the demo board."""
    if conn.execute("SELECT 1 FROM polls LIMIT 1").fetchone():
        return
    board = conn.execute("SELECT id FROM people WHERE role = 'pengurus' ORDER BY id").fetchone()
    members = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM people WHERE role IN ('anggota', 'pengurus') ORDER BY id"
        )
    ]
    if board is None or len(members) < 3:
        return
    earlier = now - timedelta(days=10)
    closed = polls.publish(
        conn,
        board_id=board[0],
        question="Prioritas BLM tahun depan: mana yang dikerjakan dulu?",
        options=["Perbaikan drainase RW 03", "Penerangan jalan RW 01", "Sumur resapan RW 05"],
        audience="members",
        audience_rw=None,
        ballot="secret",
        max_choices=1,
        results="after",
        quorum=50,
        closes_at=earlier + timedelta(days=3),
        now=earlier,
    )
    for i, person_id in enumerate(members[:-1]):
        polls.cast(
            conn,
            poll_id=closed.poll.id,
            person_id=person_id,
            marks=marks_of([2 if i % 3 == 2 else 1]),
            now=earlier + timedelta(hours=1),
        )
    polls.close(conn, closed.poll.id, now=earlier + timedelta(days=3))
    open_poll = polls.publish(
        conn,
        board_id=board[0],
        question="Kapan rembug warga tahunan diadakan?",
        options=["Sabtu, 12 Desember, 19.30", "Minggu, 13 Desember, 09.00"],
        audience="residents",
        audience_rw=None,
        ballot="open",
        max_choices=1,
        results="live",
        quorum=None,
        closes_at=now + timedelta(days=3),
        now=now,
    )
    polls.cast(conn, poll_id=open_poll.poll.id, person_id=members[1], marks=marks_of([2]), now=now)


EXPORT_HEADER = (
    "poll",
    "ballot",
    "status",
    "eligible",
    "voters",
    "row",
    "number",
    "label_or_channel",
    "votes_or_options",
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
        MenuItem("polls", N_("Vote"), order=96),
        MenuItem("results", N_("Poll results"), order=97),
    ),
    admin_menu=(
        AdminItem("poll_new", N_("New poll"), order=30),
        AdminItem("poll_paper", N_("Record paper ballots"), order=31),
        AdminItem("poll_close", N_("Close a poll early"), order=32),
    ),
    transparency=(Section("polls", 40, transparency_section),),
    demo=(DemoSeeder(40, seed_demo),),
    exports=(Exporter("polls", EXPORT_HEADER, poll_records.export_rows),),
    schedules=polls_results.SCHEDULES,
    personal_data=(
        PersonalData(
            "polls",
            poll_records.export_person,
            poll_records.erase_person,
            poll_records.merge_people,
        ),
    ),
)
