"""The monthly transparency digest (BKM_DIGEST): the 1st of the month, 08:00 local.

Built from the registry's digest sections (and their charts), each recipient in their own
language, to subscribers of "laporan bulanan" and, when BKM_CHANNEL is set, to that public
channel. The schedule row is claimed together with a `digests` row for the month; the digest
is built after the claim (sections read the database asynchronously) and queued in one
transaction that marks the month sent (through the outbox, like every broadcast), so a kill
in between builds it at the next start.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot import scheduling
from bot.context import services_of
from bot.delivery import outbox
from bot.features import ScheduledAction
from bot.i18n import Translator
from bot.paginate import paginate
from rules.recurrence import next_digest, previous_month
from storage import broadcasts
from storage.deliveries import Rendering
from storage.schedules import Schedule

log = logging.getLogger(__name__)

KIND = "digest"
TOPIC = "laporan_bulanan"


def month_label(tr: Translator, month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return format_date(datetime(year, number, 1), "MMMM y", locale=tr.babel_locale)


async def ensure_schedule(application: Any) -> None:
    """At start: the next digest is scheduled when BKM_DIGEST is on (cancelled when off),
    and a month claimed but not yet queued (a kill in between) is queued now."""
    services = services_of(application)
    settings, now = services.settings, services.clock.now()
    if not settings.digest:
        await services.db.write(broadcasts.cancel_schedule, KIND, "monthly")
        return
    due = next_digest(now, settings.timezone)
    row = await services.db.write(
        broadcasts.ensure_schedule, KIND, "monthly", due, {"tz": settings.timezone.key}
    )
    if row is not None:
        scheduling.arm(application, row)
    for month in await services.db.read(broadcasts.digests_due):
        await send(application, month)


def claim(conn: sqlite3.Connection, schedule: Schedule, now: datetime) -> dict[str, Any]:
    tz = ZoneInfo(schedule.payload.get("tz", "Asia/Jakarta"))
    month = previous_month(schedule.due_at, tz)
    broadcasts.digest_due(conn, month, now)
    nxt = broadcasts.ensure_schedule(
        conn, KIND, "monthly", next_digest(max(now, schedule.due_at), tz), schedule.payload
    )
    return {"month": month, "due_at": schedule.due_at.isoformat(), "next": nxt}


async def after(application: Any, result: dict[str, Any]) -> None:
    services = services_of(application)
    if result.get("next") is not None:
        scheduling.arm(application, result["next"])
    late = services.clock.now() - datetime.fromisoformat(result["due_at"])
    if late > timedelta(hours=services.settings.misfire_grace_hours):
        # too late to be "the report of the month": recorded and logged, not sent; the
        # figures stay on /transparansi (a board message here would only repeat that)
        await services.db.write(broadcasts.digest_missed, result["month"])
        log.warning("monthly digest for %s missed: %s late", result["month"], late)
        return
    await send(application, result["month"])


async def build(application: Any, month: str) -> list[dict[str, Rendering]]:
    """The digest as messages, each rendered in every language: text pages, then charts."""
    services = services_of(application)
    sections = services.registry.digest
    texts: dict[str, list[str]] = {}
    charts: list[dict[str, Rendering]] = []
    for language, tr in services.translators.items():
        parts = [tr._("<b>BKM monthly report: {month}</b>").format(month=month_label(tr, month))]
        for section in sections:
            text = await section.render(services.db, tr, services.clock.now())
            if text:
                parts.append(text)
        parts.append(tr._("Manage what you receive with /langganan."))
        texts[language] = paginate(parts)
    for index, section in enumerate(s for s in sections if s.chart is not None):
        rendered: dict[str, Rendering] = {}
        for language, tr in services.translators.items():
            assert section.chart is not None
            png = await section.chart(services.db, tr, services.clock.now())
            if png is not None:
                rendered[language] = Rendering(
                    tr._("Chart {n}: {month}").format(n=index + 1, month=month_label(tr, month)),
                    photo=png,
                )
        if rendered:
            charts.append(rendered)
    pages = max(len(p) for p in texts.values())
    messages = []
    for number in range(pages):
        messages.append(
            {lang: Rendering(p[number]) for lang, p in texts.items() if number < len(p)}
        )
    return messages + charts


async def send(application: Any, month: str) -> int:
    """Queue the month's digest (one transaction that also marks the month sent)."""
    settings = services_of(application).settings
    messages = await build(application, month)
    channel = [settings.channel] if settings.channel is not None else []

    def store(q: outbox.Queue) -> int:
        if not broadcasts.digest_claim_send(q.conn, month):
            return 0
        everyone = broadcasts.audience_ids(q.conn, "all", None)
        queued = 0
        first = None
        for renderings in messages:
            message_id, n = q.add(
                renderings, everyone, kind=KIND, topic=TOPIC, chats=channel, rendered_only=True
            )
            first = first or message_id
            queued += n
        broadcasts.digest_sent(q.conn, month, first)
        return queued

    queued = await outbox.queue(application, store)
    log.info("monthly digest for %s queued: %d deliveries", month, queued)
    return queued


ACTION = ScheduledAction(KIND, claim, after)
