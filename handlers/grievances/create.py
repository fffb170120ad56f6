"""/lapor: a resident reports a problem; a board member files one on a resident's behalf.

Each answer is committed before the next question (bot.flows). For an anonymous report the
draft necessarily lives under the person's key while they type; Kirim deletes it in the
same transaction that files the report (secure_delete zeroes it), and the WAL is then
checkpointed and truncated, so no copy of the link between person and report remains.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, time
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import flows
from bot.access import (
    BoardConversation,
    answer,
    board_only,
    draft_flag,
    private_only,
    reply,
    stale_button,
)
from bot.context import BKMContext
from bot.delivery.outbox import Outgoing
from bot.i18n import Translator
from bot.keyboards import column, keyboard
from handlers.grievances.questions import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    EDITABLE,
    EXPECTED_MAX,
    IDENTITY_LABELS,
    KEYS,
    Step,
    applies,
    ask,
    ask_exclude,
    evidence_of,
    next_step,
    skip_row,
)
from handlers.grievances.view import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    arm_all,
    category,
    chat_hash,
    deadlines,
    reminders,
    tell_board,
)
from rules import workdays
from rules.amounts import parse_amount
from rules.rtrw import parse_rtrw
from rules.validate import Invalid, person_name, text_length
from storage import people
from storage.flows import steps as flow_rows
from storage.grievances import registry
from storage.grievances import reports as store

log = logging.getLogger(__name__)

REPORT = "grievance_report"


# ---- moving through the flow -----------------------------------------------------------------


async def advance(update: Update, context: BKMContext, data: dict[str, Any]) -> Step:
    step = next_step(data)
    await flows.save_step(update, context, REPORT, step, data)
    await ask(update, context, step, data)
    return step


async def limit_reached(update: Update, context: BKMContext) -> bool:
    """BKM_GRIEVANCE_DAILY_LIMIT new reports per person per (local) day, anonymous included."""
    tz = context.settings.timezone
    today = workdays.local_date(context.clock.now(), tz)
    since = datetime.combine(today, time(0), tzinfo=tz)
    named = await context.db.read(registry.named_since, context.person.id, since)
    chat = update.effective_chat
    assert chat is not None
    day, digest = chat_hash(context, chat.id)
    anonymous = await context.db.read(registry.anonymous_count, day, digest)
    limit = context.settings.grievance_daily_limit
    if named + anonymous < limit:
        return False
    await reply(
        update,
        context,
        context.tr.ngettext(
            "You have sent {n} report today, the most allowed in one day. "
            "Please send a new one tomorrow; /laporanku shows the ones you sent.",
            "You have sent {n} reports today, the most allowed in one day. "
            "Please send a new one tomorrow; /laporanku shows the ones you sent.",
            limit,
        ).format(n=limit),
    )
    return True


@private_only("lapor")
async def begin(update: Update, context: BKMContext) -> int:
    """/lapor: start (or offer to resume) a report."""
    tr = context.tr
    if await limit_reached(update, context):
        return flows.END
    draft = await flows.load(context, REPORT)
    if draft is not None and not draft.data.get("on_behalf"):
        await reply(
            update,
            context,
            tr._("You have an unfinished report. Continue where you stopped?"),
            reply_markup=keyboard(
                [[(tr._("Continue"), "grv:r:resume"), (tr._("Start over"), "grv:r:restart")]]
            ),
        )
        return flows.END
    return await advance(update, context, {})


@board_only
@private_only("admin")
async def begin_on_behalf(update: Update, context: BKMContext) -> int:
    """A board member files a report for a resident who came in person, phoned, or wrote."""
    await answer(update, context)
    return await advance(update, context, {"on_behalf": True})


async def resume(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    draft = await flows.load(context, REPORT)
    if draft is None:
        return await begin(update, context)
    return await advance(update, context, dict(draft.data))


async def restart(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    return await advance(update, context, {})


def _tail(update: Update, prefix: str) -> str:
    query = update.callback_query
    return (query.data or "").removeprefix(prefix) if query else ""


async def choose(update: Update, context: BKMContext) -> int | None:
    """Every button of the flow: channel, category, skip, done, identity, exclusions, public."""
    data = await flows.current_draft(update, context, REPORT)
    if data is None:
        return flows.END
    step = next_step(data)
    raw = _tail(update, "grv:r:")
    kind, _, value = raw.partition(":")
    if kind == "ch" and step is Step.CHANNEL and value in CHANNEL_LABELS and value != "telegram":
        data["channel"] = value
    elif kind == "cat" and step is Step.CATEGORY and value in CATEGORY_LABELS:
        data["category"] = value
    elif kind == "skip" and step is Step.EXPECTED:
        data["expected"] = None
    elif kind == "skip" and step is Step.WHERE:
        data["where"] = "none"
    elif kind in ("skip", "evdone") and step is Step.EVIDENCE:
        if kind == "skip":
            data["evidence"] = []
        data["evidence_done"] = True
    elif kind == "id" and step is Step.IDENTITY and value in IDENTITY_LABELS:
        data["identity"] = value
    elif kind == "ex" and step is Step.EXCLUDE and value.isdigit():
        await stale_button(update, context)  # an old toggle (no state asked): buttons anew
        await ask_exclude(update, context, data)
        return None
    elif kind == "ex" and step is Step.EXCLUDE and re.fullmatch(r"\d{1,11}:[01]", value):
        member_id, _, flag = value.partition(":")
        member = await context.db.read(people.by_id, int(member_id))
        if member is None or not member.is_board or member.id == context.person.id:
            await stale_button(update, context)
            return None
        chosen = set(data.get("exclude") or [])
        if flag == "1":  # the button says which state it asks for: pressed twice, the same
            chosen.add(member.id)
        else:
            chosen.discard(member.id)
        data["exclude"] = sorted(chosen)
        await answer(update, context)
        await flows.save_step(update, context, REPORT, step, data)
        await ask_exclude(update, context, data)
        return step
    elif kind == "exdone" and step is Step.EXCLUDE:
        data["exclude_done"] = True
    elif kind == "pub" and step is Step.PUBLIC and value in ("0", "1"):
        data["public"] = value == "1"
    else:
        await stale_button(update, context)
        return None
    await answer(update, context)
    return await advance(update, context, data)


async def typed(update: Update, context: BKMContext) -> int | None:
    """A typed answer: description, amount, expected outcome, RT/RW, the resident's name."""
    assert update.message is not None
    data = await flows.current_draft(update, context, REPORT)
    if data is None:
        return flows.END
    step = next_step(data)
    tr = context.tr
    text = update.message.text or ""
    try:
        if step is Step.DESCRIPTION:
            data["description"] = text_length(text, DESCRIPTION_MIN, DESCRIPTION_MAX)
        elif step is Step.AMOUNT:
            data["amount"] = parse_amount(text, tr.language)
        elif step is Step.EXPECTED:
            data["expected"] = text_length(text, 3, EXPECTED_MAX)
        elif step is Step.WHERE:
            parsed = parse_rtrw(text)
            if parsed is None:
                await reply(
                    update,
                    context,
                    tr._("I could not read that RT/RW. Write it like this: RT 3 RW 5, or 03/05."),
                    reply_markup=keyboard([skip_row(tr)]),
                )
                return None
            data.update(rt=parsed.rt, rw=parsed.rw, latitude=None, longitude=None, where="rtrw")
        elif step is Step.NAME:
            data["reporter_name"] = person_name(text)
        else:
            await reply(update, context, tr._("Please choose one of the buttons."))
            await ask(update, context, step, data)
            return None
    except Invalid as exc:
        await reply(update, context, exc.text(tr))
        return None
    return await advance(update, context, data)


async def located(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None and update.message.location is not None
    data = await flows.current_draft(update, context, REPORT)
    if data is None:
        return flows.END
    if next_step(data) is not Step.WHERE:
        await reply(update, context, context.tr._("Please answer the question above first."))
        await ask(update, context, next_step(data), data)
        return None
    location = update.message.location
    data.update(
        latitude=location.latitude, longitude=location.longitude, rt=None, rw=None, where="map"
    )
    return await advance(update, context, data)


async def evidence_sent(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await flows.current_draft(update, context, REPORT)
    if data is None:
        return flows.END
    tr = context.tr
    item = evidence_of(update.message)
    if next_step(data) is not Step.EVIDENCE or item is None:
        await reply(update, context, tr._("Please answer the question above first."))
        await ask(update, context, next_step(data), data)
        return None
    items = list(data.get("evidence") or [])
    items.append(list(item))
    data["evidence"] = items[: store.MAX_EVIDENCE]
    if len(items) >= store.MAX_EVIDENCE:
        data["evidence_done"] = True
        await reply(
            update,
            context,
            tr._("Received {n} of {n}: that is the most one report can hold.").format(
                n=store.MAX_EVIDENCE
            ),
        )
        return await advance(update, context, data)
    await flows.save_step(update, context, REPORT, Step.EVIDENCE, data)
    await reply(
        update,
        context,
        tr._("Received ({n} of {most}). Send more, or press Done.").format(
            n=len(items), most=store.MAX_EVIDENCE
        ),
        reply_markup=keyboard([[(tr._("Done"), "grv:r:evdone")]]),
    )
    return Step.EVIDENCE


async def edit_menu(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, REPORT)
    if data is None:
        return flows.END
    await answer(update, context)
    tr = context.tr
    labels = {
        Step.CATEGORY: tr._("Category"),
        Step.DESCRIPTION: tr._("What happened"),
        Step.EXPECTED: tr._("Expected outcome"),
        Step.WHERE: tr._("Location"),
        Step.EVIDENCE: tr._("Evidence"),
        Step.IDENTITY: tr._("Identity"),
        Step.PUBLIC: tr._("Public listing"),
    }
    options = [(labels[s], f"grv:r:e:{s.name}") for s in EDITABLE if applies(s, data)]
    await reply(update, context, tr._("What do you want to change?"), reply_markup=column(options))
    return Step.CONFIRM


async def edit_part(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, REPORT)
    if data is None:
        return flows.END
    name = _tail(update, "grv:r:e:")
    step = Step.__members__.get(name)
    if step not in EDITABLE or not applies(step, data):
        await stale_button(update, context)
        return None
    await answer(update, context)
    data.pop(KEYS[step], None)
    if step is Step.EVIDENCE:
        data["evidence"] = []
    if step is Step.CATEGORY:
        for key in ("amount", "exclude", "exclude_done"):
            data.pop(key, None)
    if step is Step.IDENTITY:
        data.pop("reporter_name", None)
    if step is Step.WHERE:
        data.update(rt=None, rw=None, latitude=None, longitude=None)
    return await advance(update, context, data)


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """What is filed: answers that do not apply to the final category/identity are dropped."""
    out = dict(data)
    if out.get("category") != "keuangan":
        out["amount"] = None
    if out.get("category") != "perilaku":
        out["exclude"] = []
    if not applies(Step.PUBLIC, out):
        out["public"] = False
    if out.get("identity") == "anonim":
        out["reporter_name"] = None
    return out


async def submit(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, REPORT)
    if data is None:
        return flows.END
    if next_step(data) is not Step.CONFIRM:
        await stale_button(update, context)
        return None
    on_behalf = bool(data.get("on_behalf"))
    if not on_behalf and await limit_reached(update, context):
        await flows.end_flow(update, context, REPORT, keep=True)
        return flows.END
    await answer(update, context)
    data = clean(data)
    anonymous = data["identity"] == "anonim"
    person = context.person
    key = flows.conversation_key_of(update)
    now = context.clock.now()
    response_due, resolve_due = deadlines(context, now)
    when = reminders(context, now, response=response_due, resolve=resolve_due)
    year = workdays.local_date(now, context.settings.timezone).year
    chat = update.effective_chat
    assert chat is not None
    counter = chat_hash(context, chat.id) if anonymous and not on_behalf else None
    midnight = workdays.next_midnight(now, context.settings.timezone)

    secret = await asyncio.to_thread(store.new_secret) if anonymous else None

    def file_and_close(conn: Any) -> store.Filed:
        filed = store.create(
            conn,
            data=data,
            reporter_id=None if anonymous or on_behalf else person.id,
            filed_by=person.id if on_behalf else None,
            channel=data["channel"] if on_behalf else "telegram",
            now=now,
            local_year=year,
            response_due=response_due,
            resolve_due=resolve_due,
            reminders=when,
            secret=secret,
        )
        if counter is not None:
            filed.schedules.append(registry.count_anonymous(conn, *counter, wipe_at=midnight))
        flow_rows.end(conn, person_id=person.id, flow=REPORT, conversation_key=key, keep=False)
        return filed

    filed = await context.db.write(file_and_close)
    if anonymous and not await context.db.checkpoint():
        log.warning("WAL checkpoint after an anonymous report was blocked; it will run later")
    arm_all(context.application, filed.schedules)
    await reply(update, context, confirmation(context.tr, filed, on_behalf=on_behalf))
    grievance = filed.grievance

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("New report {ref} ({category}). Open /pengaduan to handle it.").format(
                ref=grievance.ref, category=category(tr, grievance.category)
            )
        )

    await tell_board(
        context.application,
        render,
        exclude=[*data.get("exclude", []), person.id] if on_behalf else data.get("exclude", []),
        kind="grievance.filed",
        discreet=anonymous and not on_behalf,
    )
    return flows.END


def confirmation(tr: Translator, filed: store.Filed, *, on_behalf: bool) -> str:
    grievance = filed.grievance
    if filed.code is None:
        if on_behalf:
            return tr._(
                "Filed as {ref}. Tell the resident this number; the board follows it in "
                "/pengaduan."
            ).format(ref=grievance.ref)
        return tr._(
            "Sent. Your report number is <b>{ref}</b>. You will get a message here whenever "
            "its status changes or the board replies; /laporanku shows your reports."
        ).format(ref=grievance.ref)
    return tr._(
        "Sent. Report number: <b>{ref}</b>\nSecret code: <code>{code}</code>\n\n"
        "Keep both (write them down). Only with them can you follow the report:\n"
        "/cek {ref} {code}\n"
        "Nothing about you is stored, so a lost code cannot be recovered, and the bot will "
        "not message you about this report."
    ).format(ref=grievance.ref, code=filed.code)


async def cancel(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.end_flow(update, context, REPORT, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nothing was sent."))
    return flows.END


# ---- wiring ----------------------------------------------------------------------------------
TEXT = filters.TEXT & ~filters.COMMAND
MEDIA = filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.Document.ALL


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    buttons = CallbackQueryHandler(choose, pattern=r"^grv:r:(ch|cat|skip|evdone|id|ex|exdone|pub)")
    in_flow = [
        buttons,
        CallbackQueryHandler(submit, pattern=r"^grv:r:send$"),
        CallbackQueryHandler(edit_menu, pattern=r"^grv:r:edit$"),
        CallbackQueryHandler(edit_part, pattern=r"^grv:r:e:"),
        MessageHandler(filters.LOCATION, located),
        MessageHandler(MEDIA, evidence_sent),
        MessageHandler(TEXT, typed),
    ]
    return [
        BoardConversation(
            board_step=draft_flag(REPORT, "on_behalf"),  # filing for a resident: a board flow
            name=REPORT,
            persistent=True,
            entry_points=[
                CommandHandler(["lapor", "report"], begin),
                CommandHandler("start", begin, filters=filters.Regex(r"^/start lapor$")),
                CallbackQueryHandler(begin, pattern=r"^menu:report$"),
                CallbackQueryHandler(begin_on_behalf, pattern=r"^grv:behalf$"),
                CallbackQueryHandler(resume, pattern=r"^grv:r:resume$"),
                CallbackQueryHandler(restart, pattern=r"^grv:r:restart$"),
            ],
            states={step: in_flow for step in Step},
            fallbacks=[
                CommandHandler(["batal", "cancel"], cancel),
                CallbackQueryHandler(cancel, pattern=r"^grv:r:cancel$"),
            ],
            allow_reentry=True,
        )
    ]
