"""/siaran (/broadcast), board only: compose (formatted text, photo or document with a
caption), choose the audience and when (now, at a time, recurring), preview exactly as
recipients will see it, confirm. Delivery goes through the engine (bot/delivery/)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    filters,
)

from bot import confirm as tokens
from bot import flows, scheduling
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import engine, outbox
from bot.delivery.outbox import Outgoing
from bot.features import AdminItem, Command, Feature
from bot.flowrunner import (
    TEXT,
    Ask,
    Cancel,
    Flow,
    Lapse,
    Turn,
    message,
    press,
    text,
    unusable,
)
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from handlers.broadcasts import buttons as btn
from handlers.broadcasts.manage import (
    ACTION,
    AUDIENCE_LABELS,
    WEEKDAYS,
    audience_text,
    cancel_scheduled,
    list_broadcasts,
    payload,
    recurrence_text,
    resend_uncertain,
)
from handlers.subscriptions import TOPIC_LABELS
from handlers.transparency import digest
from rules.recurrence import Recurrence, next_daily, next_firing
from rules.when import parse_clock, parse_future
from storage import broadcasts, schedules
from storage.flows import steps as flow_rows
from storage.people import Role
from storage.subscriptions import TOPICS

FLOW = "broadcast_compose"
CONTENT = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL
# Typed text where a button is expected
BUTTONS = [unusable(TEXT, N_("Please choose one of the buttons."))]


class Step(IntEnum):
    CONTENT = 1
    AUDIENCE = 2
    RW = 3
    TOPIC = 4
    WHEN = 5
    AT = 6
    REPEAT = 7
    WEEKDAY = 8
    MONTHDAY = 9
    CLOCK = 10
    CONFIRM = 11


def outgoing(data: dict[str, Any]) -> Outgoing:
    """The broadcast exactly as every recipient receives it."""
    kind, media = data.get("media_kind"), data.get("media_id")
    return Outgoing(
        data["text"],
        photo=media if kind == "photo" else None,
        document=media if kind == "document" else None,
    )


def when_text(tr: Translator, data: dict[str, Any]) -> str:
    if data.get("recurrence"):
        return recurrence_text(tr, data["recurrence"], data["at_time"])
    if data.get("due_at"):
        return tr.datetime(datetime.fromisoformat(data["due_at"]))
    return tr._("now")


# ---- questions --------------------------------------------------------------------------------
async def ask_content(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Send the broadcast as residents should see it: text (bold, italic and links "
            "are kept), or a photo or document with a caption. /batal to stop."
        ),
        reply_markup=keyboard([[(tr._("Scheduled and recent broadcasts"), btn.LIST.data)]]),
    )


async def ask_audience(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Who should receive it?"),
        reply_markup=column(
            [(tr._(label), btn.Audience(key).data) for key, label in AUDIENCE_LABELS.items()]
        ),
    )


async def ask_rw(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, context.tr._("Which RW? Write its number, for example 5."))


async def ask_topic(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Subscribers of which topic?"),
        reply_markup=column([(tr._(TOPIC_LABELS[t]), btn.Topic(t).data) for t in TOPICS]),
    )


async def ask_when(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("When should it go out?"),
        reply_markup=column(
            [
                (tr._("Now"), btn.When("now").data),
                (tr._("At a date and time"), btn.When("at").data),
                (tr._("Repeating"), btn.When("repeat").data),
            ]
        ),
    )


async def ask_at(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(update, context, tr._("When? For example: 30/11 19:00, besok 08:00, or 2 jam."))


async def ask_repeat(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("How often?"),
        reply_markup=column(
            [
                (tr._("Every day"), btn.Repeat("daily").data),
                (tr._("Every week"), btn.Repeat("weekly").data),
                (tr._("Every month"), btn.Repeat("monthly").data),
            ]
        ),
    )


async def ask_weekday(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("On which day of the week?"),
        reply_markup=column([(tr._(day), btn.Weekday(n).data) for n, day in enumerate(WEEKDAYS)]),
    )


async def ask_monthday(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._(
            "On which day of the month (1–31)? In shorter months, 31 means the last day."
        ),
    )


async def ask_clock(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    zone = context.settings.timezone.key
    question = context.tr._("At what time (in {zone})? For example 19:00.")
    await reply(update, context, question.format(zone=zone))


def draft_id(data: dict[str, Any]) -> str:
    """What the confirm token is bound to: this draft's content, audience and time, so an
    older draft's "Send now" can never send the draft composed after it."""
    content = {k: v for k, v in data.items() if k != flows.UPDATE_KEY}
    encoded = json.dumps(content, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


async def confirm_prompt(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    chat = update.effective_chat
    assert chat is not None
    await answer(update, context)
    await reply(update, context, tr._("Preview: residents will receive exactly this."))
    await outbox.send_outgoing(context.application, chat.id, outgoing(data))
    size = await context.db.read(
        broadcasts.audience_size, data["audience"], data.get("rw"), data["topic"]
    )
    go = tr._("Send now") if data["when"] == "now" else tr._("Schedule")
    token = await tokens.issue(context, tokens.BROADCAST_SEND, draft_id(data))
    await reply(
        update,
        context,
        tr._("<b>To:</b> {audience} ({n} people now)\n<b>When:</b> {when}\n\nSend it?").format(
            audience=audience_text(tr, data["audience"], data.get("rw"), data["topic"]),
            n=tr.number(size),
            when=when_text(tr, data),
        ),
        reply_markup=keyboard([[(go, btn.Send(token).data)], [(tr._("Cancel"), btn.CANCEL.data)]]),
    )


# ---- answers ----------------------------------------------------------------------------------
@board_only
@private_only("siaran")
async def begin(update: Update, context: BKMContext) -> Step:
    """/siaran: start composing."""
    return await COMPOSE.go(update, context, Step.CONTENT, {})


async def take_content(turn: Turn[Step]) -> Step | None:
    message, data = turn.message, turn.data
    if message.photo:
        data.update(media_kind="photo", media_id=message.photo[-1].file_id)
        data["text"] = message.caption_html or ""
    elif message.document is not None:
        data.update(media_kind="document", media_id=message.document.file_id)
        data["text"] = message.caption_html or ""
    else:
        data.update(media_kind=None, media_id=None)
        data["text"] = message.text_html or ""
        if not (message.text or "").strip():
            await reply(
                turn.update, turn.context, turn.tr._("The message is empty. Send the text.")
            )
            return None
    return Step.AUDIENCE


async def take_audience(turn: Turn[Step]) -> Step:
    turn.data.update(audience=turn.value, topic="pengumuman", rw=None)
    if turn.value == "rw":
        return Step.RW
    if turn.value == "topic":
        return Step.TOPIC
    return Step.WHEN


async def take_rw(turn: Turn[Step]) -> Step | None:
    found = re.fullmatch(r"\s*(?:rw\s*)?0*(\d{1,3})\s*", turn.value, re.I)
    rw = int(found[1]) if found else 0
    if not 1 <= rw <= 999:
        await reply(
            turn.update, turn.context, turn.tr._("Write the RW as a number, for example 5.")
        )
        return None
    turn.data["rw"] = rw
    return Step.WHEN


async def take_topic(turn: Turn[Step]) -> Step:
    turn.data["topic"] = turn.value
    return Step.WHEN


async def take_when(turn: Turn[Step]) -> Step:
    turn.data.update(when=turn.value, due_at=None, recurrence=None, at_time=None)
    if turn.value == "now":
        return Step.CONFIRM
    return Step.AT if turn.value == "at" else Step.REPEAT


async def take_at(turn: Turn[Step]) -> Step:
    settings = turn.context.settings
    due = parse_future(turn.value, turn.context.clock.now(), settings.timezone)  # or Invalid
    turn.data["due_at"] = due.isoformat()
    return Step.CONFIRM


async def take_repeat(turn: Turn[Step]) -> Step:
    turn.data["recurrence"] = turn.value
    if turn.value == "weekly":
        return Step.WEEKDAY
    if turn.value == "monthly":
        return Step.MONTHDAY
    return Step.CLOCK


async def take_weekday(turn: Turn[Step]) -> Step | None:
    if turn.data.get("recurrence") != "weekly":
        await stale_button(turn.update, turn.context)
        return None
    turn.data["recurrence"] = f"weekly:{btn.Weekday.pressed(turn.update).day}"
    return Step.CLOCK


async def take_monthday(turn: Turn[Step]) -> Step | None:
    text = turn.value.strip()
    day = int(text) if text.isdigit() and len(text) <= 2 else 0
    if not 1 <= day <= 31:
        await reply(turn.update, turn.context, turn.tr._("Write a day of the month from 1 to 31."))
        return None
    turn.data["recurrence"] = f"monthly:{day}"
    return Step.CLOCK


async def take_clock(turn: Turn[Step]) -> Step:
    data, context = turn.data, turn.context
    clock = parse_clock(turn.value)  # or Invalid: its reason is said, the step stays
    data["at_time"] = f"{clock.hour:02d}:{clock.minute:02d}"
    rule = Recurrence.from_code(data["recurrence"], data["at_time"])
    data["due_at"] = next_firing(rule, context.clock.now(), context.settings.timezone).isoformat()
    return Step.CONFIRM


async def confirm(turn: Turn[Step]) -> int | None:
    update, context, data = turn.update, turn.context, turn.data
    if "when" not in data or "audience" not in data:
        await stale_button(update, context)
        return None
    bound_to = draft_id(data)
    now, tz = context.clock.now(), context.settings.timezone
    due = datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None
    if due is not None and due <= now:  # the draft sat too long: a one-off time has passed
        if not data.get("recurrence"):
            await reply(update, context, context.tr._("That time has passed. Choose another."))
            return Step.AT
        rule = Recurrence.from_code(data["recurrence"], data["at_time"])
        due = next_firing(rule, now, tz)
    key = flows.conversation_key_of(update)
    author = context.person.id
    grace = context.settings.misfire_grace_hours

    def store(conn: Any) -> tuple[broadcasts.Broadcast, int, Any]:
        item = broadcasts.create(
            conn, author_id=author, text=data["text"], media_kind=data.get("media_kind"),
            media_id=data.get("media_id"), audience=data["audience"], rw=data.get("rw"),
            topic=data["topic"], recurrence=data.get("recurrence"),
            at_time=data.get("at_time"), due_at=due, now=now,
        )  # fmt: skip
        queued, row = 0, None
        if due is None:
            _, queued = broadcasts.fire(
                conn, item, now, hold_until=lambda clock: next_daily(clock, now, tz)
            )
        else:
            row = schedules.put(
                conn, kind=broadcasts.KIND, object_id=item.id, due_at=due,
                payload=payload(tz, grace),
            )  # fmt: skip
        flow_rows.end(conn, person_id=author, flow=FLOW, conversation_key=key, keep=False)
        return item, queued, row

    try:  # the one-time token of the confirm step that showed exactly this draft
        item, queued, row = await tokens.write(
            update, context, tokens.BROADCAST_SEND, bound_to, store
        )
    except tokens.Refused:
        return None
    await answer(update, context)
    tr = context.tr
    if row is not None:
        scheduling.arm(context.application, row)
        await reply(
            update,
            context,
            tr._("Scheduled as {ref}: {when}. /siaran lists and cancels it.").format(
                ref=item.ref, when=when_text(tr, data)
            ),
        )
    else:
        engine.wake(context.application)
        await reply(
            update,
            context,
            tr.ngettext(
                "Sending {ref} to {n} person. You will get a report when it is done.",
                "Sending {ref} to {n} people. You will get a report when it is done.",
                queued,
            ).format(ref=item.ref, n=tr.number(queued)),
        )
    return flows.END


COMPOSE: Flow[Step] = Flow(
    FLOW,
    [
        Ask(
            Step.CONTENT,
            ask_content,
            [message(CONTENT, take_content)],
            # a sticker, voice note, location…: say what can be broadcast
            [
                unusable(
                    ~filters.COMMAND,
                    N_("A broadcast can be text, a photo or a document. Send one of those."),
                )
            ],
        ),
        Ask(
            Step.AUDIENCE,
            ask_audience,
            [press(btn.Audience, take_audience)],
            BUTTONS,
        ),
        Ask(Step.RW, ask_rw, [text(take_rw)]),
        Ask(Step.TOPIC, ask_topic, [press(btn.Topic, take_topic)], BUTTONS),
        Ask(Step.WHEN, ask_when, [press(btn.When, take_when)], BUTTONS),
        Ask(Step.AT, ask_at, [text(take_at)]),
        Ask(
            Step.REPEAT,
            ask_repeat,
            [press(btn.Repeat, take_repeat)],
            BUTTONS,
        ),
        Ask(Step.WEEKDAY, ask_weekday, [press(btn.Weekday, take_weekday)], BUTTONS),
        Ask(Step.MONTHDAY, ask_monthday, [text(take_monthday)]),
        Ask(Step.CLOCK, ask_clock, [text(take_clock)]),
        Ask(Step.CONFIRM, confirm_prompt, [press(btn.Send, confirm)], BUTTONS),
    ],
    entry=[
        CommandHandler(["siaran", "broadcast"], begin),
        CommandHandler("start", begin, filters=filters.Regex(r"^/start siaran$")),
        on(btn.BROADCAST, begin),
    ],
    cancel=Cancel(N_("Cancelled. Nothing was sent."), pattern=btn.CANCEL),
    lapse=Lapse(N_("This broadcast draft has lapsed. Start again with /siaran."), keep=False),
    board=True,
)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        COMPOSE.handler(),
        on(btn.LIST, list_broadcasts),
        on(btn.CancelScheduled, cancel_scheduled),
        on(btn.Resend, resend_uncertain),
    ]


PART = Feature(
    name="broadcasts",
    order=60,
    handlers=_handlers,
    commands=(
        Command("siaran", "broadcast", N_("Send or schedule a broadcast"), role=Role.BOARD),
    ),
    admin_menu=(AdminItem("broadcast", N_("Broadcast to residents"), order=30),),
    schedules=(ACTION, digest.ACTION),
)
