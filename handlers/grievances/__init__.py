"""Grievances (pengaduan): the feature's registrations.

Reporting is in grievances_report (/lapor), following in grievances_follow (/laporanku,
/cek), the board's side in grievances_board (/pengaduan); this module hands them over with
the deadlines (schedules seam), /transparansi and digest sections, demo data, the CSV
export and what the feature stores about a person.
"""

from __future__ import annotations

import html
import sqlite3
import statistics
from datetime import datetime, time
from typing import Any

from telegram.ext import Application, BaseHandler

from bot.context import services_of
from bot.delivery.outbox import Outgoing, notify
from bot.disclosure import count, participation
from bot.features import (
    AdminItem,
    Command,
    DemoSeeder,
    Exporter,
    Feature,
    MenuItem,
    PersonalData,
    ScheduledAction,
    Section,
)
from bot.i18n import N_, Translator
from bot.moderation import Moderatable, hidden_text
from handlers.grievances import board as grievances_board
from handlers.grievances import create as grievances_report
from handlers.grievances import follow as grievances_follow
from handlers.grievances.view import category, status, tell_board
from rules import workdays
from storage import people
from storage.db import Database
from storage.grievances import actions, registry
from storage.grievances import reports as store
from storage.people import Role


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        *grievances_report.handlers(),
        *grievances_follow.handlers(),
        *grievances_board.handlers(),
    ]


# ---- deadlines -------------------------------------------------------------------------------
async def deadline_reached(
    application: Application[Any, Any, Any, Any, Any, Any], due: Any
) -> None:
    """After a claimed reminder or overdue row: tell the assignee, or the board."""
    if due is None:
        return
    grievance = due.grievance
    services = services_of(application)
    tz = services.settings.timezone
    day = workdays.deadline_day(
        grievance.response_due_at if due.deadline == "response" else grievance.resolve_due_at, tz
    )
    when = datetime.combine(day, time(12), tzinfo=tz)

    def render(tr: Translator) -> Outgoing:
        if due.kind == store.REMIND:
            text = (
                tr._("Reminder: report {ref} needs a first response by {date}.")
                if due.deadline == "response"
                else tr._("Reminder: report {ref} must be resolved by {date}.")
            )
        else:
            text = (
                tr._("Report {ref} is overdue: no first response by {date}.")
                if due.deadline == "response"
                else tr._("Report {ref} is overdue: not resolved by {date}.")
            )
        return Outgoing(
            text.format(ref=grievance.ref, date=tr.date(when)) + "\n" + tr._("Open /pengaduan.")
        )

    if due.kind == store.REMIND and grievance.assignee_id is not None:
        await notify(application, [grievance.assignee_id], render, kind="grievance.remind")
        return
    shut_out = due.excluded or await services.db.read(store.excluded, grievance.id)
    await tell_board(application, render, exclude=shut_out, kind=f"grievance.{due.kind}")


# ---- registries ------------------------------------------------------------------------------
def _starts(now: datetime, tz: Any) -> tuple[datetime, datetime]:
    today = workdays.local_date(now, tz)
    month = datetime.combine(today.replace(day=1), time(0), tzinfo=tz)
    year = datetime.combine(today.replace(month=1, day=1), time(0), tzinfo=tz)
    return month, year


def median_days(stats: registry.Stats, tz: Any) -> float | None:
    spans = [
        workdays.working_days_between(workdays.local_date(a, tz), workdays.local_date(b, tz))
        for a, b in stats.resolution_spans
    ]
    return statistics.median(spans) if spans else None


def stats_block(tr: Translator, title: str, stats: registry.Stats, tz: Any) -> str:
    median = median_days(stats, tz)
    return tr._(
        "{title}: received {received}, resolved {resolved}, rejected {rejected}, "
        "overdue {overdue}; median {median} working days to resolve"
    ).format(
        title=title,
        received=stats.received,
        resolved=stats.resolved,
        rejected=stats.rejected,
        overdue=stats.overdue,
        median="-" if median is None else tr.number(median),
    )


async def _counts(db: Database, tr: Translator, now: datetime) -> tuple[str, str]:
    month_start, year_start = _starts(now, tr.timezone)
    month = await db.read(registry.stats, month_start)
    year = await db.read(registry.stats, year_start)
    return (
        stats_block(tr, tr._("This month"), month, tr.timezone),
        stats_block(tr, tr._("This year"), year, tr.timezone),
    )


async def transparency_section(db: Database, tr: Translator, now: datetime) -> str:
    month, year = await _counts(db, tr, now)
    lines = [tr._("<b>Grievances</b>"), month, year]
    listed = await db.read(registry.public_list, 10)
    if listed:
        lines.append(tr._("<b>Public reports</b>"))
        for grievance, shown_name in listed:
            name = shown_name
            if grievance.identity == "terbuka" and grievance.reporter_erased:
                name = tr._("resident (erased)")
            if grievance.hidden_reason is not None:
                summary = hidden_text(tr, grievance.hidden_reason)
            else:
                summary = html.escape(
                    grievance.description[:80] + ("…" if len(grievance.description) > 80 else "")
                )
            lines.append(
                "{ref} · {category} · {status}{name}: {summary}".format(
                    ref=grievance.ref,
                    category=category(tr, grievance.category),
                    status=status(tr, grievance.status),
                    name=f" · {html.escape(name)}" if name else "",
                    summary=summary,
                )
            )
    return "\n".join(lines)


async def participation_section(db: Database, tr: Translator, now: datetime) -> str | None:
    """Named reporters by RW and by gender in the latest year with reports ("< 5" for small
    groups); anonymous reports only as a number, never by RW or gender."""

    def read(conn: Any) -> Any:
        year = registry.latest_year(conn)
        return year, registry.reporter_participation(conn, year) if year else ([], [], 0)

    year, (by_rw, by_gender, anonymous) = await db.read(read)
    if year is None:
        return None
    text = participation(
        tr,
        tr._("<b>Reporters of grievances in {year} by RW</b>").format(year=year),
        tr._("<b>Reporters of grievances in {year} by gender</b>").format(year=year),
        by_rw,
        by_gender,
    )
    line = tr._("Anonymous reports in {year} (not counted by RW or gender): {n}").format(
        year=year, n=count(tr, anonymous)
    )
    return f"{text}\n{line}" if text else line


async def digest_section(db: Database, tr: Translator, now: datetime) -> str:
    month, _ = await _counts(db, tr, now)
    return tr._("<b>Grievances</b>") + "\n" + month


# ---- demo data -------------------------------------------------------------------------------
DEMO = [
    ("infrastruktur", "Saluran drainase buatan KSM di RT 02 retak, air meluap.", 2, 1, "terbuka"),
    ("keuangan", "Dana BLM perbaikan jalan di RW 03 belum jelas penggunaannya.", 1, 3, "rahasia"),
    (
        "pelayanan",
        "Surat pengantar dari sekretariat BKM dua minggu belum selesai.",
        4,
        2,
        "anonim",
    ),
]


def seed(conn: sqlite3.Connection, now: datetime) -> None:
    """Three sample reports, one per identity mode (skipped if reports exist)."""
    if store.any_filed(conn):
        return
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Jakarta")
    reporter = people.by_telegram_id(conn, 2)  # demo person 2, a member
    for cat, text, rt, rw, identity in DEMO:
        data = {
            "category": cat,
            "description": text,
            "amount": 25_000_000 if cat == "keuangan" else None,
            "rt": rt,
            "rw": rw,
            "identity": identity,
            "public": identity != "rahasia",
        }
        store.create(
            conn,
            data=data,
            reporter_id=reporter.id if reporter and identity != "anonim" else None,
            filed_by=None,
            channel="telegram",
            now=now,
            local_year=workdays.local_date(now, tz).year,
            response_due=workdays.deadline(now, 5, tz),
            resolve_due=workdays.deadline(now, 14, tz),
            reminders={},
            secret=store.new_secret() if identity == "anonim" else None,
        )


# The board hides a public summary through the one moderation seam: /admin › Hide public
# content, or the card's "Hide public summary" button (handlers/grievances_board.py).
_MODERATABLE = (
    Moderatable(
        actions.MODERATION_TYPE,
        N_("Public grievance summary"),
        actions.find_public,
        example="LPR-2026-0001",
        owners=actions.owners,
    ),
)


FEATURE = Feature(
    name="grievances",
    order=40,
    handlers=_handlers,
    commands=(
        Command("lapor", "report", N_("Report a problem (grievance)")),
        Command("laporanku", "myreports", N_("Follow your reports")),
        Command("cek", "check", N_("Follow an anonymous report")),
        Command("pengaduan", "grievances", N_("Grievance queue"), role=Role.BOARD),
    ),
    main_menu=(
        MenuItem("report", N_("Report a problem"), order=30),
        MenuItem("myreports", N_("My reports"), order=31),
    ),
    admin_menu=(AdminItem("grievances", N_("Grievances"), order=30),),
    transparency=(
        Section("reporter_participation", 14, participation_section),
        Section("grievances", 40, transparency_section),
    ),
    digest=(Section("grievances", 40, digest_section),),
    demo=(DemoSeeder(40, seed),),
    exports=(Exporter("grievances", registry.EXPORT_HEADER, registry.export_rows),),
    schedules=(
        ScheduledAction(store.REMIND, actions.claim_deadline, deadline_reached),
        ScheduledAction(store.OVERDUE, actions.claim_deadline, deadline_reached),
        ScheduledAction(store.WIPE, registry.claim_wipe),
        ScheduledAction(store.ERASE_EVIDENCE, actions.claim_erase_evidence),
    ),
    personal_data=(
        PersonalData(
            "grievances", registry.export_person, registry.erase_person, registry.merge_people
        ),
    ),
    moderatable=_MODERATABLE,
)
