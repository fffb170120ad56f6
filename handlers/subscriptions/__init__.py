"""/langganan (/subscribe): broadcast topics and how often; /berhenti (/unsubscribe).

Notifications (a person's own business) always arrive; these choices only shape broadcasts.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import flows
from bot.access import answer, reply, stale_button
from bot.context import BKMContext
from bot.features import Command, Feature, MenuItem, PersonalData
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from rules.validate import Invalid
from rules.when import parse_clock
from storage import deliveries, subscriptions
from storage.flows import steps as flow_rows
from storage.subscriptions import TOPICS, Subscription

TOPIC_LABELS = {
    "pengumuman": N_("Announcements"),
    "polling": N_("Polls"),
    "anggaran": N_("Budget"),
    "laporan_bulanan": N_("Monthly report"),
}
DIGEST_TIMES = ("06:00", "12:00", "18:00", "20:00")
TIME_FLOW = "subscription_time"


def status_text(tr: Translator, sub: Subscription) -> str:
    lines = [tr._("<b>What you receive from the BKM</b>")]
    if sub.stopped:
        lines.append(
            tr._(
                "You stopped all broadcasts. News about your own proposals, reports, "
                "membership and votes still reaches you."
            )
        )
    for topic in TOPICS:
        mark = "✅" if topic in sub.topics and not sub.stopped else "⬜"
        lines.append(f"{mark} {tr._(TOPIC_LABELS[topic])}")
    if sub.digest_time:
        lines.append(
            tr._("Delivery: once a day at {time}, all together.").format(time=sub.digest_time)
        )
    else:
        lines.append(tr._("Delivery: immediately."))
    lines.append(tr._("Press a topic to turn it on or off."))
    return "\n".join(lines)


def status_keyboard(tr: Translator, sub: Subscription) -> Any:
    """Each topic button carries the state it asks for (`sub:set:<topic>:<0|1>`, the opposite
    of what it shows), so a press delivered twice changes nothing the second time."""
    rows = []
    for t in TOPICS:
        on = t in sub.topics and not sub.stopped
        label = ("✅ " if on else "⬜ ") + tr._(TOPIC_LABELS[t])
        rows.append([(label, f"sub:set:{t}:{0 if on else 1}")])
    if sub.digest_time:
        rows.append([(tr._("Deliver immediately"), "sub:now")])
    else:
        rows.append([(tr._("Once a day instead"), "sub:daily")])
    if sub.stopped:
        rows.append([(tr._("Receive broadcasts again"), "sub:resume")])
    else:
        rows.append([(tr._("Stop all broadcasts"), "sub:stop")])
    return keyboard(rows)


async def show(update: Update, context: BKMContext, sub: Subscription | None = None) -> None:
    if sub is None:
        sub = await context.db.read(subscriptions.get, context.person.id)
    await reply(
        update,
        context,
        status_text(context.tr, sub),
        reply_markup=status_keyboard(context.tr, sub),
    )


async def subscribe(update: Update, context: BKMContext) -> None:
    """/langganan: the person's topics and delivery choice, as buttons."""
    await answer(update, context)
    await show(update, context)


async def unsubscribe(update: Update, context: BKMContext) -> None:
    """/berhenti: stop all broadcasts (notifications still arrive)."""
    sub = await context.db.write(
        subscriptions.set_stopped, context.person.id, True, context.clock.now()
    )
    await reply(
        update,
        context,
        context.tr._(
            "Done: you will receive no more broadcasts from the BKM. News about your own "
            "proposals, reports, membership and votes still reaches you. "
            "Use /langganan to receive broadcasts again."
        ),
        reply_markup=status_keyboard(context.tr, sub),
    )


async def pressed(update: Update, context: BKMContext) -> None:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    person_id, now = context.person.id, context.clock.now()
    db = context.db
    tr = context.tr
    if len(parts) == 4 and parts[1] == "set" and parts[2] in TOPICS and parts[3] in ("0", "1"):
        sub = await db.write(subscriptions.set_topic, person_id, parts[2], parts[3] == "1", now)
    elif len(parts) == 3 and parts[1] == "t":
        # an old toggle button (it did not say which state it asked for): show the list anew
        await stale_button(update, context)
        await show(update, context)
        return
    elif parts[1:] == ["stop"]:
        sub = await db.write(subscriptions.set_stopped, person_id, True, now)
    elif parts[1:] == ["resume"]:
        sub = await db.write(subscriptions.set_stopped, person_id, False, now)
    elif parts[1:] == ["now"]:
        sub = await db.write(subscriptions.set_digest_time, person_id, None, now)
    elif len(parts) == 3 and parts[1] == "at" and f"{parts[2][:2]}:{parts[2][2:]}" in DIGEST_TIMES:
        clock = f"{parts[2][:2]}:{parts[2][2:]}"
        sub = await db.write(subscriptions.set_digest_time, person_id, clock, now)
    else:
        await stale_button(update, context)
        return
    await answer(update, context, tr._("Saved."))
    await show(update, context, sub)


# ---- the daily-digest time: a preset button or a typed time -----------------------------------
class Step(IntEnum):
    TIME = 1


async def daily_begin(update: Update, context: BKMContext) -> Step:
    await answer(update, context)
    await flows.save_step(update, context, TIME_FLOW, Step.TIME, {})
    await reply(
        update,
        context,
        context.tr._(
            "At what time should your daily digest of broadcasts arrive? "
            "Choose one, or type a time such as 19:30."
        ),
        reply_markup=keyboard([[(t, f"sub:at:{t.replace(':', '')}") for t in DIGEST_TIMES]]),
    )
    return Step.TIME


async def _save_time(update: Update, context: BKMContext, clock: str) -> int:
    person_id, now = context.person.id, context.clock.now()
    key = flows.conversation_key_of(update)

    def save(conn: Any) -> Subscription:
        sub = subscriptions.set_digest_time(conn, person_id, clock, now)
        flow_rows.end(conn, person_id=person_id, flow=TIME_FLOW, conversation_key=key, keep=False)
        return sub

    sub = await context.db.write(save)
    await answer(update, context, context.tr._("Saved."))
    await show(update, context, sub)
    return flows.END


async def typed_time(update: Update, context: BKMContext) -> int | None:
    try:
        clock = parse_clock(update.message.text or "")  # type: ignore[union-attr]
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    return await _save_time(update, context, f"{clock.hour:02d}:{clock.minute:02d}")


async def preset_time(update: Update, context: BKMContext) -> int | None:
    raw = (update.callback_query.data or "").removeprefix("sub:at:")  # type: ignore[union-attr]
    clock = f"{raw[:2]}:{raw[2:]}"
    if clock not in DIGEST_TIMES:
        await stale_button(update, context)
        return None
    return await _save_time(update, context, clock)


async def time_cancel(update: Update, context: BKMContext) -> int:
    await flows.end_flow(update, context, TIME_FLOW, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nothing was changed."))
    return flows.END


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    daily = ConversationHandler(
        name=TIME_FLOW,
        persistent=True,
        entry_points=[CallbackQueryHandler(daily_begin, pattern=r"^sub:daily$")],
        states={
            Step.TIME: [
                CallbackQueryHandler(preset_time, pattern=r"^sub:at:"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed_time),
            ]
        },
        fallbacks=[CommandHandler(["batal", "cancel"], time_cancel)],
        allow_reentry=True,
    )
    return [
        daily,
        CommandHandler(["langganan", "subscribe"], subscribe),
        CommandHandler(["berhenti", "unsubscribe"], unsubscribe),
        CallbackQueryHandler(subscribe, pattern=r"^menu:subscribe$"),
        CallbackQueryHandler(pressed, pattern=r"^sub:"),
    ]


def _export(conn: Any, person_id: int) -> dict[str, object]:
    return {
        **subscriptions.export_person(conn, person_id),
        **deliveries.export_person(conn, person_id),
    }


def _erase(conn: Any, person_id: int, now: Any) -> None:
    subscriptions.erase_person(conn, person_id, now)
    deliveries.erase_person(conn, person_id)


def _merge(conn: Any, keep: int, drop: int) -> None:
    subscriptions.merge_people(conn, keep, drop)
    deliveries.merge_people(conn, keep, drop)


FEATURE = Feature(
    name="subscriptions",
    order=61,
    handlers=_handlers,
    commands=(
        Command("langganan", "subscribe", N_("Choose which broadcasts you receive")),
        Command("berhenti", "unsubscribe", N_("Stop all broadcasts")),
    ),
    main_menu=(MenuItem("subscribe", N_("Broadcasts I receive"), order=85),),
    personal_data=(PersonalData("subscriptions", _export, _erase, _merge),),
)
