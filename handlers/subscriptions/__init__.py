"""/langganan (/subscribe): broadcast topics and how often; /berhenti (/unsubscribe).

Notifications (a person's own business) always arrive; these choices only shape broadcasts.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import flows
from bot.access import answer, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.features import Command, Feature, MenuItem, PersonalData
from bot.flowrunner import END, Ask, Cancel, Flow, Lapse, Turn, press, text
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from handlers.subscriptions import buttons as btn
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
        rows.append([(label, btn.SetTopic(t, not on).data)])
    if sub.digest_time:
        rows.append([(tr._("Deliver immediately"), btn.NOW.data)])
    else:
        rows.append([(tr._("Once a day instead"), btn.DAILY.data)])
    if sub.stopped:
        rows.append([(tr._("Receive broadcasts again"), btn.RESUME.data)])
    else:
        rows.append([(tr._("Stop all broadcasts"), btn.STOP.data)])
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


async def _saved(update: Update, context: BKMContext, sub: Subscription) -> None:
    await answer(update, context, context.tr._("Saved."))
    await show(update, context, sub)


async def set_topic(update: Update, context: BKMContext) -> None:
    press = btn.SetTopic.pressed(update)
    sub = await context.db.write(
        subscriptions.set_topic, context.person.id, press.topic, press.on, context.clock.now()
    )
    await _saved(update, context, sub)


async def old_toggle(update: Update, context: BKMContext) -> None:
    """An old toggle button (it did not say which state it asked for): show the list anew."""
    await stale_button(update, context)
    await show(update, context)


async def stop(update: Update, context: BKMContext) -> None:
    now = context.clock.now()
    sub = await context.db.write(subscriptions.set_stopped, context.person.id, True, now)
    await _saved(update, context, sub)


async def resume(update: Update, context: BKMContext) -> None:
    now = context.clock.now()
    sub = await context.db.write(subscriptions.set_stopped, context.person.id, False, now)
    await _saved(update, context, sub)


async def immediately(update: Update, context: BKMContext) -> None:
    now = context.clock.now()
    sub = await context.db.write(subscriptions.set_digest_time, context.person.id, None, now)
    await _saved(update, context, sub)


async def time_pressed(update: Update, context: BKMContext) -> None:
    """A preset time pressed outside the time question (the question was left)."""
    raw = btn.At.pressed(update).hhmm
    clock = f"{raw[:2]}:{raw[2:]}"
    if clock not in DIGEST_TIMES:
        await stale_button(update, context)
        return
    sub = await context.db.write(
        subscriptions.set_digest_time, context.person.id, clock, context.clock.now()
    )
    await _saved(update, context, sub)


# ---- the daily-digest time: a preset button or a typed time -----------------------------------
class Step(IntEnum):
    TIME = 1


async def daily_begin(update: Update, context: BKMContext) -> Step:
    return await DAILY.go(update, context, Step.TIME, {})


async def ask_time(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._(
            "At what time should your daily digest of broadcasts arrive? "
            "Choose one, or type a time such as 19:30."
        ),
        reply_markup=keyboard([[(t, btn.At(t.replace(":", "")).data) for t in DIGEST_TIMES]]),
    )


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
    return END


async def typed_time(turn: Turn[Step]) -> int:
    clock = parse_clock(turn.value)  # or Invalid: its reason is said, the step stays
    return await _save_time(turn.update, turn.context, f"{clock.hour:02d}:{clock.minute:02d}")


async def preset_time(turn: Turn[Step]) -> int:
    raw = btn.At.pressed(turn.update).hhmm
    return await _save_time(turn.update, turn.context, f"{raw[:2]}:{raw[2:]}")


DAILY: Flow[Step] = Flow(
    TIME_FLOW,
    [
        Ask(
            Step.TIME,
            ask_time,
            # a preset time other than these is stale (the press is answered so)
            [
                press(btn.At, preset_time, [t.replace(":", "") for t in DIGEST_TIMES]),
                text(typed_time),
            ],
        )
    ],
    entry=[on(btn.DAILY, daily_begin)],
    cancel=Cancel(N_("Cancelled. Nothing was changed.")),
    lapse=Lapse(N_("That took too long. Please start again."), keep=False),
)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        DAILY.handler(),
        CommandHandler(["langganan", "subscribe"], subscribe),
        CommandHandler(["berhenti", "unsubscribe"], unsubscribe),
        on(btn.SUBSCRIBE, subscribe),
        on(btn.SetTopic, set_topic),
        on(btn.OldToggle, old_toggle),
        on(btn.STOP, stop),
        on(btn.RESUME, resume),
        on(btn.NOW, immediately),
        on(btn.At, time_pressed),
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
