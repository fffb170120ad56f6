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
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import confirm as tokens
from bot import flows, scheduling
from bot.access import BoardConversation, answer, board_only, private_only, reply, stale_button
from bot.context import BKMContext
from bot.delivery import engine, outbox
from bot.delivery.outbox import Outgoing
from bot.features import AdminItem, Command, Feature
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
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
from rules.validate import Invalid
from rules.when import parse_clock, parse_future
from storage import broadcasts, schedules
from storage.flows import steps as flow_rows
from storage.people import Role
from storage.subscriptions import TOPICS

FLOW = "broadcast_compose"
TEXT = filters.TEXT & ~filters.COMMAND
CONTENT = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL


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


async def ask(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> None:
    tr = context.tr
    if step is Step.CONTENT:
        await reply(
            update,
            context,
            tr._(
                "Send the broadcast as residents should see it: text (bold, italic and links "
                "are kept), or a photo or document with a caption. /batal to stop."
            ),
            reply_markup=keyboard([[(tr._("Scheduled and recent broadcasts"), "sb:list")]]),
        )
    elif step is Step.AUDIENCE:
        await reply(
            update,
            context,
            tr._("Who should receive it?"),
            reply_markup=column(
                [(tr._(label), f"sb:a:{key}") for key, label in AUDIENCE_LABELS.items()]
            ),
        )
    elif step is Step.RW:
        await reply(update, context, tr._("Which RW? Write its number, for example 5."))
    elif step is Step.TOPIC:
        await reply(
            update,
            context,
            tr._("Subscribers of which topic?"),
            reply_markup=column([(tr._(TOPIC_LABELS[t]), f"sb:tp:{t}") for t in TOPICS]),
        )
    elif step is Step.WHEN:
        await reply(
            update,
            context,
            tr._("When should it go out?"),
            reply_markup=column(
                [
                    (tr._("Now"), "sb:w:now"),
                    (tr._("At a date and time"), "sb:w:at"),
                    (tr._("Repeating"), "sb:w:repeat"),
                ]
            ),
        )
    elif step is Step.AT:
        await reply(
            update, context, tr._("When? For example: 30/11 19:00, besok 08:00, or 2 jam.")
        )
    elif step is Step.REPEAT:
        await reply(
            update,
            context,
            tr._("How often?"),
            reply_markup=column(
                [
                    (tr._("Every day"), "sb:r:daily"),
                    (tr._("Every week"), "sb:r:weekly"),
                    (tr._("Every month"), "sb:r:monthly"),
                ]
            ),
        )
    elif step is Step.WEEKDAY:
        await reply(
            update,
            context,
            tr._("On which day of the week?"),
            reply_markup=column([(tr._(day), f"sb:wd:{n}") for n, day in enumerate(WEEKDAYS)]),
        )
    elif step is Step.MONTHDAY:
        await reply(
            update,
            context,
            tr._("On which day of the month (1–31)? In shorter months, 31 means the last day."),
        )
    elif step is Step.CLOCK:
        await reply(update, context, tr._("At what time (in {zone})? For example 19:00.").format(
            zone=context.settings.timezone.key))  # fmt: skip
    elif step is Step.CONFIRM:
        await confirm_prompt(update, context, data)


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
        reply_markup=keyboard(
            [[(go, tokens.data("sb:go", token))], [(tr._("Cancel"), "sb:cancel")]]
        ),
    )


async def step_to(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> Step:
    await answer(update, context)
    await flows.save_step(update, context, FLOW, step, data)
    await ask(update, context, step, data)
    return step


async def current(update: Update, context: BKMContext) -> dict[str, Any] | None:
    draft = await flows.load(context, FLOW)
    if draft is not None and not flows.is_idle(context, draft):
        return dict(draft.data)
    await flows.end_flow(update, context, FLOW, keep=False)
    await answer(update, context)
    await reply(
        update, context, context.tr._("This broadcast draft has lapsed. Start again with /siaran.")
    )
    return None


# ---- steps ------------------------------------------------------------------------------------
@board_only
@private_only("siaran")
async def begin(update: Update, context: BKMContext) -> Step:
    """/siaran: start composing."""
    return await step_to(update, context, Step.CONTENT, {})


async def take_content(update: Update, context: BKMContext) -> Step | None:
    message = update.message
    assert message is not None
    data = await current(update, context)
    if data is None:
        return flows.END
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
            await reply(update, context, context.tr._("The message is empty. Send the text."))
            return None
    return await step_to(update, context, Step.AUDIENCE, data)


async def take_audience(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    key = (update.callback_query.data or "").removeprefix("sb:a:")  # type: ignore[union-attr]
    if key not in AUDIENCE_LABELS:
        await stale_button(update, context)
        return None
    data.update(audience=key, topic="pengumuman", rw=None)
    if key == "rw":
        return await step_to(update, context, Step.RW, data)
    if key == "topic":
        return await step_to(update, context, Step.TOPIC, data)
    return await step_to(update, context, Step.WHEN, data)


async def take_rw(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    found = re.fullmatch(r"\s*(?:rw\s*)?0*(\d{1,3})\s*", (update.message.text or ""), re.I)  # type: ignore[union-attr]
    rw = int(found[1]) if found else 0
    if not 1 <= rw <= 999:
        await reply(update, context, context.tr._("Write the RW as a number, for example 5."))
        return None
    data["rw"] = rw
    return await step_to(update, context, Step.WHEN, data)


async def take_topic(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    topic = (update.callback_query.data or "").removeprefix("sb:tp:")  # type: ignore[union-attr]
    if topic not in TOPICS:
        await stale_button(update, context)
        return None
    data["topic"] = topic
    return await step_to(update, context, Step.WHEN, data)


async def take_when(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    choice = (update.callback_query.data or "").removeprefix("sb:w:")  # type: ignore[union-attr]
    if choice not in ("now", "at", "repeat"):
        await stale_button(update, context)
        return None
    data.update(when=choice, due_at=None, recurrence=None, at_time=None)
    if choice == "now":
        return await step_to(update, context, Step.CONFIRM, data)
    return await step_to(update, context, Step.AT if choice == "at" else Step.REPEAT, data)


async def take_at(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    try:
        due = parse_future(
            update.message.text or "",
            context.clock.now(),
            context.settings.timezone,  # type: ignore[union-attr]
        )
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    data["due_at"] = due.isoformat()
    return await step_to(update, context, Step.CONFIRM, data)


async def take_repeat(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    kind = (update.callback_query.data or "").removeprefix("sb:r:")  # type: ignore[union-attr]
    if kind not in ("daily", "weekly", "monthly"):
        await stale_button(update, context)
        return None
    data["recurrence"] = kind
    if kind == "weekly":
        return await step_to(update, context, Step.WEEKDAY, data)
    if kind == "monthly":
        return await step_to(update, context, Step.MONTHDAY, data)
    return await step_to(update, context, Step.CLOCK, data)


async def take_weekday(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    day = (update.callback_query.data or "").removeprefix("sb:wd:")  # type: ignore[union-attr]
    if day not in {str(n) for n in range(7)} or data.get("recurrence") != "weekly":
        await stale_button(update, context)
        return None
    data["recurrence"] = f"weekly:{day}"
    return await step_to(update, context, Step.CLOCK, data)


async def take_monthday(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    text = (update.message.text or "").strip()  # type: ignore[union-attr]
    day = int(text) if text.isdigit() and len(text) <= 2 else 0
    if not 1 <= day <= 31:
        await reply(update, context, context.tr._("Write a day of the month from 1 to 31."))
        return None
    data["recurrence"] = f"monthly:{day}"
    return await step_to(update, context, Step.CLOCK, data)


async def take_clock(update: Update, context: BKMContext) -> Step | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    try:
        clock = parse_clock(update.message.text or "")  # type: ignore[union-attr]
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    data["at_time"] = f"{clock.hour:02d}:{clock.minute:02d}"
    rule = Recurrence.from_code(data["recurrence"], data["at_time"])
    data["due_at"] = next_firing(rule, context.clock.now(), context.settings.timezone).isoformat()
    return await step_to(update, context, Step.CONFIRM, data)


async def confirm(update: Update, context: BKMContext) -> int | None:
    data = await current(update, context)
    if data is None:
        return flows.END
    if "when" not in data or "audience" not in data:
        await stale_button(update, context)
        return None
    bound_to = draft_id(data)
    now, tz = context.clock.now(), context.settings.timezone
    due = datetime.fromisoformat(data["due_at"]) if data.get("due_at") else None
    if due is not None and due <= now:  # the draft sat too long: a one-off time has passed
        if not data.get("recurrence"):
            await reply(update, context, context.tr._("That time has passed. Choose another."))
            return await step_to(update, context, Step.AT, data)
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


async def cancel(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.end_flow(update, context, FLOW, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nothing was sent."))
    return flows.END


async def unsupported(update: Update, context: BKMContext) -> None:
    """A sticker, voice note, location…: say what can be broadcast; the flow stays here."""
    await reply(
        update,
        context,
        context.tr._("A broadcast can be text, a photo or a document. Send one of those."),
    )


async def remind(update: Update, context: BKMContext) -> None:
    await reply(update, context, context.tr._("Please choose one of the buttons."))


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    compose = BoardConversation(
        name=FLOW,
        persistent=True,
        entry_points=[
            CommandHandler(["siaran", "broadcast"], begin),
            CommandHandler("start", begin, filters=filters.Regex(r"^/start siaran$")),
            CallbackQueryHandler(begin, pattern=r"^adm:broadcast$"),
        ],
        states={
            Step.CONTENT: [
                MessageHandler(CONTENT, take_content),
                MessageHandler(~filters.COMMAND, unsupported),
            ],
            Step.AUDIENCE: [
                CallbackQueryHandler(take_audience, pattern=r"^sb:a:"),
                MessageHandler(TEXT, remind),
            ],
            Step.RW: [MessageHandler(TEXT, take_rw)],
            Step.TOPIC: [
                CallbackQueryHandler(take_topic, pattern=r"^sb:tp:"),
                MessageHandler(TEXT, remind),
            ],
            Step.WHEN: [
                CallbackQueryHandler(take_when, pattern=r"^sb:w:"),
                MessageHandler(TEXT, remind),
            ],
            Step.AT: [MessageHandler(TEXT, take_at)],
            Step.REPEAT: [
                CallbackQueryHandler(take_repeat, pattern=r"^sb:r:"),
                MessageHandler(TEXT, remind),
            ],
            Step.WEEKDAY: [
                CallbackQueryHandler(take_weekday, pattern=r"^sb:wd:"),
                MessageHandler(TEXT, remind),
            ],
            Step.MONTHDAY: [MessageHandler(TEXT, take_monthday)],
            Step.CLOCK: [MessageHandler(TEXT, take_clock)],
            Step.CONFIRM: [
                CallbackQueryHandler(confirm, pattern=r"^sb:go(:|$)"),
                MessageHandler(TEXT, remind),
            ],
        },
        fallbacks=[
            CommandHandler(["batal", "cancel"], cancel),
            CallbackQueryHandler(cancel, pattern=r"^sb:cancel$"),
        ],
        allow_reentry=True,
    )
    return [
        compose,
        CallbackQueryHandler(list_broadcasts, pattern=r"^sb:list$"),
        CallbackQueryHandler(cancel_scheduled, pattern=r"^sb:x:"),
        CallbackQueryHandler(resend_uncertain, pattern=r"^dlv:re:"),
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
