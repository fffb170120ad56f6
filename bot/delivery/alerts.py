"""Alerts to the board: repeated errors, failed deliveries, a missed or failed backup.

Each kind is sent at most once per `EVERY` (the time of the last one is stored, so a
restart loop does not flood the board). `delivery_failed` is the engine's failure hook
(registered by bot/delivery/lifecycle.py): called when a delivery failed after its retries.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import services_of
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing, Render
from bot.i18n import Translator
from storage import ops

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)
BURST = 3  # errors (or failed deliveries) ...
WINDOW = timedelta(minutes=10)  # ... within this window make an alert
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def _due(conn: Any, kind: str, now: datetime) -> bool:
    last = ops.get(conn, f"alert:{kind}")
    return last is None or now - last[1] >= EVERY


async def alert(application: AnyApplication, kind: str, render: Render) -> bool:
    """Tell the board, unless an alert of this kind reached it less than EVERY ago."""
    services = services_of(application)
    now = services.clock.now()
    if not await services.db.read(_due, kind, now):
        return False
    try:
        delivered = await outbox.notify_board(application, render, kind=f"alert:{kind}")
    except Exception:  # an alert must never take the caller down with it
        log.exception("could not send the %s alert", kind)
        return False
    if delivered:  # an alert nobody received does not count against the next one
        await services.db.write(ops.put, f"alert:{kind}", "sent", now)
    return delivered > 0


def _burst(application: AnyApplication, key: str) -> bool:
    services = services_of(application)
    now = services.clock.now()
    times = services.bursts.setdefault(key, deque())
    times.append(now)
    while times and times[0] <= now - WINDOW:
        times.popleft()
    return len(times) >= BURST


async def error_happened(application: AnyApplication) -> None:
    """on_error calls this: BURST errors within WINDOW alert the board."""
    if not _burst(application, "alerts:errors"):
        return

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "⚠️ The bot ran into repeated errors in the last minutes. "
                "The technical log has the details; residents were asked to try again."
            )
        )

    await alert(application, "errors", render)


async def delivery_failed(application: AnyApplication) -> None:
    """The delivery engine's hook: BURST undelivered messages within WINDOW alert the board."""
    if not _burst(application, "alerts:deliveries"):
        return

    def render(tr: Translator) -> Outgoing:
        return Outgoing(tr._("⚠️ Several messages could not be delivered in the last minutes."))

    await alert(application, "deliveries", render)


async def backup_failed(application: AnyApplication, reason: str) -> None:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("⚠️ Today's backup of the bot's database failed: {reason}").format(reason=reason)
        )

    await alert(application, "backup_failed", render)


async def backup_missed(application: AnyApplication, last: datetime | None) -> None:
    def render(tr: Translator) -> Outgoing:
        if last is None:
            return Outgoing(tr._("⚠️ The bot has not made any backup yet."))
        return Outgoing(
            tr._("⚠️ No backup of the bot's database since {when}.").format(when=tr.datetime(last))
        )

    await alert(application, "backup_missed", render)


async def audit_broken(application: AnyApplication, problem: str) -> None:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "⚠️ The nightly check found the audit log altered: {problem}. "
                "Run `bkm-bot audit verify` on the server and compare with a backup."
            ).format(problem=problem)
        )

    await alert(application, "audit_broken", render)
