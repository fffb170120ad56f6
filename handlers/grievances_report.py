"""/lapor: a resident reports a problem; a board member files one on a resident's behalf.

Each answer is committed before the next question (bot.flows). For an anonymous report the
draft necessarily lives under the person's key while they type; Kirim deletes it in the
same transaction that files the report (secure_delete zeroes it), and the WAL is then
checkpointed and truncated, so no copy of the link between person and report remains.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, time
from enum import IntEnum
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import flows, workdays
from bot.access import answer, board_only, private_only, reply
from bot.amounts import parse_amount
from bot.context import BKMContext
from bot.i18n import Translator
from bot.keyboards import column, keyboard
from bot.outbox import Outgoing
from bot.rtrw import RtRw, parse_rtrw
from bot.validate import Invalid, person_name, text_length
from handlers.core import stale_button
from handlers.grievances_common import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    EVIDENCE_LABELS,
    IDENTITY_LABELS,
    arm_all,
    category,
    chat_hash,
    deadlines,
    reminders,
    tell_board,
)
from storage import flows as flow_rows
from storage import grievances as store
from storage import people

log = logging.getLogger(__name__)

REPORT = "grievance_report"
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 4000
EXPECTED_MAX = 1000


class Step(IntEnum):
    CHANNEL = 1
    CATEGORY = 2
    DESCRIPTION = 3
    AMOUNT = 4
    EXPECTED = 5
    WHERE = 6
    EVIDENCE = 7
    IDENTITY = 8
    NAME = 9
    EXCLUDE = 10
    PUBLIC = 11
    CONFIRM = 12


KEYS = {
    Step.CHANNEL: "channel",
    Step.CATEGORY: "category",
    Step.DESCRIPTION: "description",
    Step.AMOUNT: "amount",
    Step.EXPECTED: "expected",
    Step.WHERE: "where",
    Step.EVIDENCE: "evidence_done",
    Step.IDENTITY: "identity",
    Step.NAME: "reporter_name",
    Step.EXCLUDE: "exclude_done",
    Step.PUBLIC: "public",
}
# parts of the summary a person can change with Ubah
EDITABLE = (
    Step.CATEGORY,
    Step.DESCRIPTION,
    Step.EXPECTED,
    Step.WHERE,
    Step.EVIDENCE,
    Step.IDENTITY,
    Step.PUBLIC,
)


def applies(step: Step, data: dict[str, Any]) -> bool:
    if step is Step.CHANNEL:
        return bool(data.get("on_behalf"))
    if step is Step.AMOUNT:
        return data.get("category") == "keuangan"
    if step is Step.NAME:
        return bool(data.get("on_behalf")) and data.get("identity") not in (None, "anonim")
    if step is Step.EXCLUDE:
        return data.get("category") == "perilaku"
    if step is Step.PUBLIC:
        return not (data.get("category") == "perilaku" and data.get("exclude"))
    return True


def next_step(data: dict[str, Any]) -> Step:
    """The first question still unanswered, else the summary (also after Ubah)."""
    for step in Step:
        if step is Step.CONFIRM:
            break
        if applies(step, data) and KEYS[step] not in data:
            return step
    return Step.CONFIRM


# ---- the questions ---------------------------------------------------------------------------
def skip_row(tr: Translator) -> list[tuple[str, str]]:
    return [(tr._("Skip"), "grv:r:skip")]


async def ask(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> None:
    tr = context.tr
    if step is Step.CHANNEL:
        options = [
            (tr._(label), f"grv:r:ch:{code}")
            for code, label in CHANNEL_LABELS.items()
            if code != "telegram"
        ]
        text = tr._("Filing a report for a resident. How did the resident bring it?")
        await reply(update, context, text, reply_markup=column(options))
    elif step is Step.CATEGORY:
        options = [(tr._(label), f"grv:r:cat:{code}") for code, label in CATEGORY_LABELS.items()]
        await reply(
            update, context, tr._("What is the report about?"), reply_markup=column(options)
        )
    elif step is Step.DESCRIPTION:
        await reply(
            update,
            context,
            tr._(
                "What happened? Describe it in your own words: what, where, since when "
                "({minimum}–{maximum} characters)."
            ).format(minimum=DESCRIPTION_MIN, maximum=tr.number(DESCRIPTION_MAX)),
        )
    elif step is Step.AMOUNT:
        await reply(
            update,
            context,
            tr._("How much money is involved? For example: 1,5 juta or 750rb."),
        )
    elif step is Step.EXPECTED:
        await reply(
            update,
            context,
            tr._("What outcome do you expect? (optional)"),
            reply_markup=keyboard([skip_row(tr)]),
        )
    elif step is Step.WHERE:
        await reply(
            update,
            context,
            tr._(
                "Where is it? Write the RT/RW (for example RT 3 RW 5), share a location "
                "with the paperclip button, or skip."
            ),
            reply_markup=keyboard([skip_row(tr)]),
        )
    elif step is Step.EVIDENCE:
        await reply(
            update,
            context,
            tr._(
                "Evidence: send up to {n} photos, voice notes, videos or documents, "
                "one by one. Press Done when finished, or Skip."
            ).format(n=store.MAX_EVIDENCE),
            reply_markup=keyboard([[(tr._("Done"), "grv:r:evdone")], skip_row(tr)]),
        )
    elif step is Step.IDENTITY:
        await reply(
            update,
            context,
            identity_question(tr),
            reply_markup=column(
                [(tr._(label), f"grv:r:id:{code}") for code, label in IDENTITY_LABELS.items()]
            ),
        )
    elif step is Step.NAME:
        await reply(update, context, tr._("What is the resident's full name?"))
    elif step is Step.EXCLUDE:
        await ask_exclude(update, context, data)
    elif step is Step.PUBLIC:
        await reply(
            update,
            context,
            tr._(
                "May this report be listed publicly in /transparansi (category, status and "
                "a short summary)?"
            ),
            reply_markup=keyboard(
                [[(tr._("Yes, list it"), "grv:r:pub:1"), (tr._("No"), "grv:r:pub:0")]]
            ),
        )
    elif step is Step.CONFIRM:
        await reply(
            update,
            context,
            summary(tr, data),
            reply_markup=keyboard(
                [
                    [(tr._("Submit"), "grv:r:send")],
                    [(tr._("Change"), "grv:r:edit"), (tr._("Cancel"), "grv:r:cancel")],
                ]
            ),
        )


def identity_question(tr: Translator) -> str:
    return tr._(
        "Who may know that you reported this?\n"
        "• <b>Open</b>: the board sees your name; if the report is listed publicly, "
        "your name is shown there too.\n"
        "• <b>Confidential</b>: the board sees your name; it is never shown anywhere else.\n"
        "• <b>Anonymous</b>: nothing that identifies you is stored. You get a number and a "
        "secret code and follow the report with /cek. Anonymous reports get no messages "
        "from the bot: you check them yourself."
    )


async def ask_exclude(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    chosen = set(data.get("exclude") or [])
    board = [p for p in await context.db.read(people.board_members) if p.id != context.person.id]
    rows = [
        [
            (
                ("✅ " if member.id in chosen else "") + (member.full_name or member.display_name
                                                         or tr._("board member")),
                f"grv:r:ex:{member.id}",
            )
        ]
        for member in board[:90]
    ]  # fmt: skip
    rows.append([(tr._("Continue"), "grv:r:exdone")])
    await reply(
        update,
        context,
        tr._(
            "Are there board members who must not see this report? Tap their names "
            "(tap again to undo), then Continue. They will not see it in any list, "
            "reminder or export."
        ),
        reply_markup=keyboard(rows),
    )


def summary(tr: Translator, data: dict[str, Any]) -> str:
    lines = [tr._("<b>Your report</b>")]
    if data.get("on_behalf"):
        lines.append(
            tr._("Brought: {channel}").format(channel=tr._(CHANNEL_LABELS[data["channel"]]))
        )
    lines.append(tr._("Category: {category}").format(category=category(tr, data["category"])))
    if data.get("category") == "keuangan" and data.get("amount"):
        lines.append(tr._("Amount involved: {amount}").format(amount=tr.money(data["amount"])))
    if data.get("rt"):
        where = str(RtRw(data["rt"], data["rw"]))
    elif data.get("latitude") is not None:
        where = tr._("shared location")
    else:
        where = "-"
    lines.append(tr._("Location: {where}").format(where=where))
    evidence = data.get("evidence") or []
    kinds = ", ".join(tr._(EVIDENCE_LABELS[kind]) for kind, _ in evidence) or "-"
    lines.append(tr._("Evidence: {kinds}").format(kinds=kinds))
    identity = data["identity"]
    lines.append(tr._("Identity: {identity}").format(identity=tr._(IDENTITY_LABELS[identity])))
    if data.get("on_behalf") and identity != "anonim" and data.get("reporter_name"):
        lines.append(tr._("Resident: {name}").format(name=html.escape(data["reporter_name"])))
    if data.get("category") == "perilaku" and data.get("exclude"):
        lines.append(
            tr.ngettext(
                "Hidden from {n} board member",
                "Hidden from {n} board members",
                len(data["exclude"]),
            ).format(n=len(data["exclude"]))
        )
    public = bool(data.get("public")) and applies(Step.PUBLIC, data)
    lines.append(tr._("Listed publicly: {answer}").format(answer=tr._("yes") if public else "-"))
    lines.append("")
    lines.append(tr._("<b>What happened</b>"))
    lines.append(html.escape(data["description"]))
    if data.get("expected"):
        lines.append(tr._("<b>Expected outcome</b>"))
        lines.append(html.escape(data["expected"]))
    lines.append("")
    lines.append(tr._("Send it to the BKM board?"))
    return "\n".join(lines)


# ---- moving through the flow -----------------------------------------------------------------
async def current(update: Update, context: BKMContext) -> dict[str, Any] | None:
    draft = await flows.load(context, REPORT)
    if draft is not None and not flows.is_idle(context, draft):
        return dict(draft.data)
    await flows.end_flow(update, context, REPORT, keep=draft is not None)
    await reply(
        update,
        context,
        context.tr._(
            "You were away for a while, so I paused. Your answers are kept: "
            "send the command again to continue."
        ),
    )
    return None


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
    named = await context.db.read(store.named_since, context.person.id, since)
    chat = update.effective_chat
    assert chat is not None
    day, digest = chat_hash(context, chat.id)
    anonymous = await context.db.read(store.anonymous_count, day, digest)
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
    data = await current(update, context)
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
    elif kind == "ex" and step is Step.EXCLUDE and value.isdigit() and len(value) < 12:
        member = await context.db.read(people.by_id, int(value))
        if member is None or not member.is_board or member.id == context.person.id:
            await stale_button(update, context)
            return None
        chosen = set(data.get("exclude") or [])
        chosen ^= {member.id}
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
    data = await current(update, context)
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
    data = await current(update, context)
    if data is None:
        return flows.END
    if next_step(data) is not Step.WHERE:
        await reply(update, context, context.tr._("Please answer the question above first."))
        return None
    location = update.message.location
    data.update(
        latitude=location.latitude, longitude=location.longitude, rt=None, rw=None, where="map"
    )
    return await advance(update, context, data)


def evidence_of(message: Message) -> tuple[str, str] | None:
    """(kind, file_id) of a photo, voice note, video or document; None for anything else."""
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.voice:
        return "voice", message.voice.file_id
    if message.video:
        return "video", message.video.file_id
    if message.document:
        return "document", message.document.file_id
    return None


async def evidence_sent(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await current(update, context)
    if data is None:
        return flows.END
    tr = context.tr
    item = evidence_of(update.message)
    if next_step(data) is not Step.EVIDENCE or item is None:
        await reply(update, context, tr._("Please answer the question above first."))
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
    data = await current(update, context)
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
    data = await current(update, context)
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
    data = await current(update, context)
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
        )
        if counter is not None:
            filed.schedules.append(store.count_anonymous(conn, *counter, wipe_at=midnight))
        flow_rows.end(conn, person_id=person.id, flow=REPORT, conversation_key=key, keep=False)
        return filed

    filed = await context.db.write(file_and_close)
    if anonymous:
        await context.db.read(checkpoint)
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
    )
    return flows.END


def checkpoint(conn: Any) -> None:
    """Copy the WAL into the database and truncate it: old pages holding the deleted draft
    and conversation key go. Best effort: a reader elsewhere may hold the WAL a moment."""
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("WAL checkpoint after an anonymous report was blocked; it will run later")


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
MEDIA = filters.PHOTO | filters.VOICE | filters.VIDEO | filters.Document.ALL


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
        ConversationHandler(
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
