"""Operations: daily backup and retention (schedules seam), /status, the audit export."""

from __future__ import annotations

import html
import inspect
import logging
import sqlite3
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler

from bot import buttons, personal, scheduling
from bot.access import board_only, reply
from bot.buttons import on
from bot.context import BKMContext, services_of
from bot.delivery import alerts
from bot.features import AdminItem, Command, Exporter, Feature, ScheduledAction
from bot.i18n import N_
from storage import audit, backup, ops, schedules
from storage import personal as personal_rows
from storage.people import Role
from storage.schedules import Schedule

log = logging.getLogger(__name__)

BACKUP_AT = time(2, 0)  # local time (BKM_TIMEZONE)
RETENTION_AT = time(3, 0)
MISSED_AFTER = timedelta(hours=36)  # a daily backup older than this is "missed"
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def next_local(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The next moment after `now` that is `at` o'clock in `zone`."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate


def _next_row(kind: str, at: time) -> Any:
    def claim(conn: sqlite3.Connection, schedule: Schedule, now: datetime) -> Schedule:
        """Put tomorrow's row in the same transaction that claims today's: never lost."""
        zone = ZoneInfo(schedule.payload.get("zone", "Asia/Jakarta"))
        return schedules.put(
            conn,
            kind=kind,
            object_id="daily",
            due_at=next_local(now, at, zone),
            payload=schedule.payload,
        )

    return claim


async def _rearm(application: AnyApplication, row: Schedule, at: time) -> None:
    """Keep tomorrow's row in BKM_TIMEZONE (a changed zone takes effect from the next run)."""
    services = services_of(application)
    zone = services.settings.timezone
    if row.payload.get("zone") != zone.key:
        row = await services.db.write(
            schedules.put,
            kind=row.kind,
            object_id="daily",
            due_at=next_local(services.clock.now(), at, zone),
            payload={"zone": zone.key},
        )
    scheduling.arm(application, row)


async def run_backup(application: AnyApplication) -> bool:
    """One online backup into BKM_BACKUP_DIR, rotated to BKM_BACKUP_KEEP; alerts on failure."""
    services = services_of(application)
    settings = services.settings
    if settings.backup_dir is None:
        return False
    now = services.clock.now()
    target = backup.daily_path(settings.backup_dir, now)
    try:
        await services.db.backup_to(target)
        backup.rotate(settings.backup_dir, settings.backup_keep)
    except (OSError, sqlite3.Error, backup.BackupError) as exc:
        log.error("daily backup failed: %s", exc)
        await services.db.write(ops.put, "backup.error", str(exc), now)
        await alerts.backup_failed(application, html.escape(str(exc)))
        return False
    await services.db.write(ops.put, "backup.last", target.name, now)
    log.info("daily backup written: %s", target.name)
    return True


async def _after_backup(application: AnyApplication, row: Schedule) -> None:
    try:
        await run_backup(application)
    finally:
        await _rearm(application, row, BACKUP_AT)


async def run_retention(application: AnyApplication) -> int:
    """Erase the personal fields of residents inactive longer than BKM_RETENTION_INACTIVE_DAYS."""
    services = services_of(application)
    now = services.clock.now()
    cutoff = now - timedelta(days=services.settings.retention_inactive_days)
    items = personal.parts(services.registry)
    erased = 0
    for person_id in await services.db.read(personal_rows.inactive_since, cutoff):
        await services.db.write(
            personal.erase_everything, items, person_id, now, actor_id=None, reason="inactive"
        )
        erased += 1
    if erased:
        await services.db.checkpoint()
        log.info("retention: erased the personal data of %d inactive people", erased)
    await check_backup_age(application)
    await check_audit_chain(application)
    return erased


async def check_audit_chain(application: AnyApplication) -> audit.ChainReport:
    """Walk the audit chain (nightly); a break is told to the board and shown in /status."""
    services = services_of(application)
    report = await services.db.read(audit.verify)
    verdict = "ok" if report.ok else f"broken: {report.problem}"
    await services.db.write(ops.put, "audit.verified", verdict, services.clock.now())
    if not report.ok:
        log.error("audit chain broken: %s", report.problem)
        await alerts.audit_broken(application, html.escape(report.problem or ""))
    return report


async def check_backup_age(application: AnyApplication) -> None:
    """Alert the board when backups are on and the last one is missing or too old."""
    services = services_of(application)
    if services.settings.backup_dir is None:
        return
    last = await services.db.read(ops.get, "backup.last")
    when = last[1] if last else None
    if when is None or services.clock.now() - when > MISSED_AFTER:
        await alerts.backup_missed(application, when)


async def _after_retention(application: AnyApplication, row: Schedule) -> None:
    try:
        await run_retention(application)
    finally:
        await _rearm(application, row, RETENTION_AT)


@board_only
async def status(update: Update, context: BKMContext) -> None:
    """/status: uptime, the last backup, schedule health, delivery queues."""
    tr = context.tr
    now = context.clock.now()
    processor = context.application.update_processor
    uptime = timedelta(seconds=getattr(processor, "uptime", 0.0))

    def read(conn: sqlite3.Connection) -> Any:
        return (
            ops.get(conn, "backup.last"),
            ops.get(conn, "backup.error"),
            ops.schedule_health(conn, now),
            audit.head(conn),
            ops.get(conn, "audit.verified"),
        )

    last, error, (pending, overdue), (rows, head), verified = await context.db.read(read)
    lines = [
        tr._("<b>Bot status</b>"),
        tr._("Running for: {hours} hours {minutes} minutes").format(
            hours=tr.number(int(uptime.total_seconds() // 3600)),
            minutes=tr.number(int(uptime.total_seconds() % 3600 // 60)),
        ),
    ]
    if context.settings.backup_dir is None:
        lines.append(tr._("Backups: off (BKM_BACKUP_DIR is not set)"))
    elif last is None:
        lines.append(tr._("Last backup: none yet"))
    else:
        lines.append(tr._("Last backup: {when}").format(when=tr.datetime(last[1])))
    if error is not None and (last is None or error[1] > last[1]):
        lines.append(
            tr._("Last backup error: {when}: {error}").format(
                when=tr.datetime(error[1]), error=html.escape(error[0][:200])
            )
        )
    lines.append(
        tr._("Schedules: {pending} waiting, {overdue} overdue").format(
            pending=tr.number(pending), overdue=tr.number(overdue)
        )
    )
    for name, size in (await queue_sizes(context.application)).items():
        lines.append(tr._("Queue {name}: {size}").format(name=tr._(name), size=tr.number(size)))
    lines.append(
        tr._("Audit log: {rows} entries, latest fingerprint {head}").format(
            rows=tr.number(rows), head=head[:16]
        )
    )
    if verified is not None:
        lines.append(
            (
                tr._("Audit chain checked {when}: intact")
                if verified[0] == "ok"
                else tr._("Audit chain checked {when}: BROKEN — run bkm-bot audit verify")
            ).format(when=tr.datetime(verified[1]))
        )
    await reply(update, context, "\n".join(lines))


async def queue_sizes(application: AnyApplication) -> dict[str, int]:
    """Queue sizes for /status: the delivery engine's feature sets Services.queue_sizes,
    a callable returning (or awaiting to) {N_() label: size}."""
    provider = services_of(application).queue_sizes
    if provider is None:
        return {}
    found = provider()
    if inspect.isawaitable(found):
        found = await found
    return dict(found)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("status", status),
        on(buttons.admin("status"), status),
    ]


AUDIT_HEADER = (*audit.COLUMNS, "prev_hash", "hash")

FEATURE = Feature(
    name="operations",
    order=90,
    handlers=_handlers,
    commands=(Command("status", None, N_("Bot status for the board"), role=Role.BOARD),),
    admin_menu=(AdminItem("status", N_("Bot status"), order=45),),
    exports=(Exporter("audit", AUDIT_HEADER, audit.export_rows),),
    schedules=(
        ScheduledAction("ops.backup", _next_row("ops.backup", BACKUP_AT), _after_backup),
        ScheduledAction(
            "ops.retention", _next_row("ops.retention", RETENTION_AT), _after_retention
        ),
    ),
)
