"""Schedules: rows first, jobs derived from rows; a firing claims its row, so it runs once.

APScheduler's default misfire_grace_time (1 s) silently skips a job when the loop is busy;
ours is unlimited, because the row, not the job, decides whether work is due.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.context import services_of
from bot.features import ScheduledAction
from storage import schedules
from storage.schedules import Schedule

log = logging.getLogger(__name__)

JOB_KWARGS = {"misfire_grace_time": None, "coalesce": True}


def _claim_and_run(
    conn: sqlite3.Connection, schedule_id: int, now: datetime, actions: dict[str, ScheduledAction]
) -> tuple[Schedule, Any] | None:
    if schedules.kind_of(conn, schedule_id) not in actions:
        return None
    claimed = schedules.claim(conn, schedule_id, now)
    if claimed is None:
        return None
    return claimed, actions[claimed.kind].claim(conn, claimed, now)


async def run_due(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Run every due schedule row once; returns how many ran."""
    services = services_of(application)
    actions = services.registry.schedules
    now = services.clock.now()
    ran = 0
    for schedule_id in await services.db.read(schedules.due_ids, now):
        outcome = await services.db.write(_claim_and_run, schedule_id, now, actions)
        if outcome is None:
            continue
        ran += 1
        claimed, result = outcome
        action = actions[claimed.kind]
        if action.after is not None:
            try:
                await action.after(application, result)
            except Exception:
                log.exception("after-action of schedule %s (%s) failed", claimed.id, claimed.kind)
    return ran


async def _fire(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await run_due(context.application)


def arm(application: Application[Any, Any, Any, Any, Any, Any], schedule: Schedule) -> None:
    """Create the in-memory job for a stored schedule row (call after it is committed).

    The job queue runs on the machine's time, so it gets a delay measured on the app's
    clock, never the row's absolute `due_at`. Under a clock that does not follow the
    machine (a test's FakeClock) no job is armed: the test drives `run_due`.
    """
    if application.job_queue is None:
        return
    clock = services_of(application).clock
    if not clock.follows_machine_time:
        return
    name = f"schedule:{schedule.id}"
    for job in application.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    delay = max(schedule.due_at - clock.now(), timedelta(0))
    application.job_queue.run_once(_fire, when=delay, name=name, job_kwargs=dict(JOB_KWARGS))


async def restore(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """At start: run what fell due while the bot was down, then arm jobs for the rest."""
    ran = await run_due(application)
    services = services_of(application)
    for schedule in await services.db.read(schedules.pending):
        arm(application, schedule)
    return ran
