"""/siaran's other half: scheduled and recent broadcasts with figures, cancelling one,
resending uncertain deliveries, and the schedule firing (with its misfire grace)."""

from __future__ import annotations

import html
import sqlite3
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot import scheduling
from bot.access import answer, board_only, private_only, remove_buttons, reply
from bot.context import BKMContext, services_of
from bot.delivery import engine, outbox
from bot.delivery.outbox import Outgoing
from bot.delivery.report import figures_text, reference
from bot.features import ScheduledAction
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from bot.transport.rules import Refusal, plain_text
from handlers.broadcasts import buttons as btn
from handlers.subscriptions import TOPIC_LABELS
from rules.recurrence import Recurrence, next_daily, next_firing
from storage import broadcasts, deliveries, schedules
from storage.broadcasts import Broadcast
from storage.schedules import Schedule

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
            N_("Saturday"), N_("Sunday"))  # fmt: skip
AUDIENCE_LABELS = {
    "all": N_("Everyone"),
    "members": N_("Members"),
    "rw": N_("One RW"),
    "topic": N_("Subscribers of a topic"),
}


def recurrence_text(tr: Translator, code: str, at_time: str) -> str:
    rule = Recurrence.from_code(code, at_time)
    if rule.kind == "weekly":
        assert rule.weekday is not None
        return tr._("every {weekday} at {time}").format(
            weekday=tr._(WEEKDAYS[rule.weekday]), time=at_time
        )
    if rule.kind == "monthly":
        return tr._("every month on day {day} at {time}").format(day=rule.day, time=at_time)
    return tr._("every day at {time}").format(time=at_time)


def audience_text(tr: Translator, audience: str, rw: int | None, topic: str) -> str:
    if audience == "rw":
        return tr._("Residents of RW {rw}").format(rw=f"{rw:02d}")
    if audience == "topic":
        return tr._("Subscribers of “{topic}”").format(topic=tr._(TOPIC_LABELS[topic]))
    return tr._(AUDIENCE_LABELS[audience])


def excerpt(text: str, limit: int = 60) -> str:
    try:
        plain = plain_text(text, "HTML")
    except Refusal:
        plain = text
    plain = " ".join(plain.split())
    return html.escape(plain if len(plain) <= limit else plain[: limit - 1] + "…")


# ---- listing and cancelling --------------------------------------------------------------------
@board_only
@private_only("siaran")
async def list_broadcasts(update: Update, context: BKMContext) -> None:
    await answer(update, context)
    tr, now = context.tr, context.clock.now()
    planned = await context.db.read(broadcasts.scheduled)
    recent = await context.db.read(deliveries.recent, now)
    if not planned:
        await reply(update, context, tr._("No broadcasts are scheduled."))
    for item in planned:
        when = (
            recurrence_text(tr, item.recurrence, item.at_time or "00:00")
            if item.recurrence
            else tr.datetime(item.due_at)  # type: ignore[arg-type]
        )
        next_at = tr.datetime(item.due_at) if item.due_at else "-"
        await reply(
            update,
            context,
            tr._("<b>{ref}</b> (scheduled): {excerpt}\nTo: {audience}\nWhen: {when}\nNext: {next}")
            .format(
                ref=item.ref, excerpt=excerpt(item.text), when=when, next=next_at,
                audience=audience_text(tr, item.audience, item.rw, item.topic),
            ),
            reply_markup=keyboard([[(tr._("Cancel {ref}").format(ref=item.ref),
                                     btn.CancelScheduled(item.id).data)]]),
        )  # fmt: skip
    if not recent:
        await reply(update, context, tr._("No broadcasts were sent yet."))
        return
    lines = [tr._("<b>Recent broadcasts</b>")]
    for figures in recent:
        state = tr._("sending") if figures.waiting - figures.held > 0 else tr._("finished")
        lines.append(
            f"<b>{reference(figures)}</b> · {tr.datetime(figures.created_at)} · {state}\n"
            + figures_text(tr, figures)
        )
    await reply(update, context, "\n\n".join(lines))


@board_only
@private_only("siaran")
async def cancel_scheduled(update: Update, context: BKMContext) -> None:
    broadcast_id = btn.CancelScheduled.pressed(update).broadcast
    cancelled = await context.db.write(
        broadcasts.cancel, broadcast_id, actor_id=context.person.id, now=context.clock.now()
    )
    if not cancelled:
        await answer(
            update, context, context.tr._("This broadcast is no longer scheduled."), alert=True
        )
        return
    await answer(update, context, context.tr._("Cancelled."))
    await remove_buttons(update)
    await reply(
        update,
        context,
        context.tr._("Broadcast SRN-{id:04d} is cancelled; nothing more will be sent.").format(
            id=broadcast_id
        ),
    )


@board_only
@private_only("siaran")
async def resend_uncertain(update: Update, context: BKMContext) -> None:
    count = await context.db.write(
        deliveries.resend_uncertain,
        btn.Resend.pressed(update).message,
        actor_id=context.person.id,
        now=context.clock.now(),
    )
    if not count:
        await answer(update, context, context.tr._("Nothing is left to resend."), alert=True)
        return
    engine.wake(context.application)
    await answer(update, context, context.tr._("Resending."))
    await remove_buttons(update)
    await reply(
        update,
        context,
        context.tr.ngettext(
            "Resending {n} uncertain message. You will get a new report.",
            "Resending {n} uncertain messages. You will get a new report.",
            count,
        ).format(n=count),
    )


# ---- the schedule firing ---------------------------------------------------------------------
def payload(tz: ZoneInfo, grace_hours: int) -> dict[str, Any]:
    return {"tz": tz.key, "grace_hours": grace_hours}


def next_due(broadcast: Broadcast, after: datetime, tz: ZoneInfo) -> datetime | None:
    if not broadcast.recurrence:
        return None
    rule = Recurrence.from_code(broadcast.recurrence, broadcast.at_time or "00:00")
    return next_firing(rule, after, tz)


def claim(conn: sqlite3.Connection, schedule: Schedule, now: datetime) -> dict[str, Any] | None:
    """The firing and the deliveries it creates, in the transaction that claims the row."""
    broadcast = broadcasts.get(conn, int(schedule.object_id))
    if broadcast is None or broadcast.status != "scheduled":
        return None
    tz = ZoneInfo(schedule.payload.get("tz", "Asia/Jakarta"))
    grace = timedelta(hours=int(schedule.payload.get("grace_hours", 6)))
    late = now - schedule.due_at
    if late > grace:
        broadcasts.missed(conn, broadcast, now)
        queued = None
    else:
        _, queued = broadcasts.fire(
            conn, broadcast, now, hold_until=lambda clock: next_daily(clock, now, tz)
        )
    upcoming = next_due(broadcast, max(now, schedule.due_at), tz)
    broadcasts.reschedule(conn, broadcast, upcoming)
    if upcoming is not None:
        nxt = schedules.put(
            conn, kind=broadcasts.KIND, object_id=broadcast.id, due_at=upcoming,
            payload=schedule.payload,
        )  # fmt: skip
    else:
        nxt = None
    return {
        "broadcast_id": broadcast.id,
        "queued": queued,
        "late_hours": int(late.total_seconds() // 3600),
        "next": nxt,
    }


async def after(application: Any, result: dict[str, Any] | None) -> None:
    if result is None:
        return
    if result["next"] is not None:
        scheduling.arm(application, result["next"])
    if result["queued"] is not None:
        engine.wake(application)
        return
    ref = f"SRN-{result['broadcast_id']:04d}"
    hours = result["late_hours"]
    grace = services_of(application).settings.misfire_grace_hours

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "Scheduled broadcast {ref} was NOT sent: the bot was not running at its time "
                "and it is now {hours} hours late (the limit is {grace} hours). "
                "Send it again with /siaran if it still matters."
            ).format(ref=ref, hours=hours, grace=grace)
        )

    await outbox.notify_board(application, render, kind="broadcast.missed")


ACTION = ScheduledAction(broadcasts.KIND, claim, after)
