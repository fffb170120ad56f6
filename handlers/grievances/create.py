"""/lapor: a resident reports a problem; a board member files one on a resident's behalf.

The flow is declared as its steps (bot.flowrunner): each answer is committed before the next
question, and the next question is the first one the draft has not answered yet
(`questions.next_step`), so a changed category or identity asks only what then applies.
For an anonymous report the draft necessarily lives under the person's key while they
type; Kirim deletes it in the same transaction that files the report (secure_delete zeroes
it), and the WAL is then checkpointed and truncated, so no copy of the link between person
and report remains.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import flows
from bot.access import answer, board_only, draft_flag, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery.outbox import Outgoing
from bot.flowrunner import (
    END,
    TEXT,
    Answer,
    Ask,
    Callback,
    Cancel,
    Flow,
    Question,
    Turn,
    message,
    press,
    text,
    unusable,
)
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from handlers.grievances import buttons as btn
from handlers.grievances.questions import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    EDITABLE,
    EXPECTED_MAX,
    KEYS,
    Step,
    applies,
    ask_amount,
    ask_category,
    ask_channel,
    ask_confirm,
    ask_description,
    ask_evidence,
    ask_exclude,
    ask_expected,
    ask_identity,
    ask_name,
    ask_public,
    ask_where,
    evidence_of,
    next_step,
    skip_row,
)
from handlers.grievances.view import arm_all, category, chat_hash, deadlines, reminders, tell_board
from rules import workdays
from rules.amounts import parse_amount
from rules.rtrw import parse_rtrw
from rules.validate import person_name, text_length
from storage import people
from storage.flows import steps as flow_rows
from storage.grievances import registry
from storage.grievances import reports as store

log = logging.getLogger(__name__)

REPORT = "grievance_report"
MEDIA = filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.Document.ALL


# ---- entering the flow -----------------------------------------------------------------------
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
        return END
    draft = await flows.load(context, REPORT)
    if draft is not None and not draft.data.get("on_behalf"):
        await reply(
            update,
            context,
            tr._("You have an unfinished report. Continue where you stopped?"),
            reply_markup=keyboard(
                [[(tr._("Continue"), btn.RESUME.data), (tr._("Start over"), btn.RESTART.data)]]
            ),
        )
        return END
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
        started: int = await begin(update, context)
        return started
    return await advance(update, context, dict(draft.data))


async def restart(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    return await advance(update, context, {})


async def advance(update: Update, context: BKMContext, data: dict[str, Any]) -> Step:
    """Save the draft at its first unanswered question, and ask it."""
    return await REPORT_FLOW.go(update, context, next_step(data), data)


# ---- the answers -------------------------------------------------------------------------------
# Each take records its answer; the flow then goes to the first question still unanswered.
async def take_channel(turn: Turn[Step]) -> Step:
    turn.data["channel"] = btn.Channel.pressed(turn.update).code
    return next_step(turn.data)


async def take_category(turn: Turn[Step]) -> Step:
    turn.data["category"] = btn.Category.pressed(turn.update).code
    return next_step(turn.data)


async def take_description(turn: Turn[Step]) -> Step:
    turn.data["description"] = text_length(turn.value, DESCRIPTION_MIN, DESCRIPTION_MAX)
    return next_step(turn.data)


async def take_amount(turn: Turn[Step]) -> Step:
    turn.data["amount"] = parse_amount(turn.value, turn.tr.language)
    return next_step(turn.data)


async def take_expected(turn: Turn[Step]) -> Step:
    turn.data["expected"] = text_length(turn.value, 3, EXPECTED_MAX)
    return next_step(turn.data)


async def skip_expected(turn: Turn[Step]) -> Step:
    turn.data["expected"] = None
    return next_step(turn.data)


async def take_rtrw(turn: Turn[Step]) -> Step | None:
    parsed = parse_rtrw(turn.value)
    if parsed is None:
        tr = turn.tr
        await reply(
            turn.update,
            turn.context,
            tr._("I could not read that RT/RW. Write it like this: RT 3 RW 5, or 03/05."),
            reply_markup=keyboard([skip_row(tr)]),
        )
        return None
    turn.data.update(rt=parsed.rt, rw=parsed.rw, latitude=None, longitude=None, where="rtrw")
    return next_step(turn.data)


async def take_location(turn: Turn[Step]) -> Step:
    location = turn.message.location
    assert location is not None
    turn.data.update(
        latitude=location.latitude, longitude=location.longitude, rt=None, rw=None, where="map"
    )
    return next_step(turn.data)


async def skip_where(turn: Turn[Step]) -> Step:
    turn.data["where"] = "none"
    return next_step(turn.data)


async def take_evidence(turn: Turn[Step]) -> Step | None:
    """One piece of evidence: kept, and more asked for until the most a report holds."""
    item = evidence_of(turn.message)
    tr, data = turn.tr, turn.data
    if item is None:  # MEDIA messages carry one; nothing else is evidence
        await reply(turn.update, turn.context, tr._("Please answer the question above first."))
        await ask_evidence(turn.update, turn.context, data)
        return None
    items = [*(data.get("evidence") or []), list(item)]
    data["evidence"] = items[: store.MAX_EVIDENCE]
    if len(items) >= store.MAX_EVIDENCE:
        data["evidence_done"] = True
        await reply(
            turn.update,
            turn.context,
            tr._("Received {n} of {n}: that is the most one report can hold.").format(
                n=store.MAX_EVIDENCE
            ),
        )
        return next_step(data)
    # the step stays (its question is not asked again): the draft is saved here
    await flows.save_step(turn.update, turn.context, REPORT, Step.EVIDENCE, data)
    await reply(
        turn.update,
        turn.context,
        tr._("Received ({n} of {most}). Send more, or press Done.").format(
            n=len(items), most=store.MAX_EVIDENCE
        ),
        reply_markup=keyboard([[(tr._("Done"), btn.EVIDENCE_DONE.data)]]),
    )
    return None


async def evidence_done(turn: Turn[Step]) -> Step:
    turn.data["evidence_done"] = True
    return next_step(turn.data)


async def skip_evidence(turn: Turn[Step]) -> Step:
    turn.data["evidence"] = []
    turn.data["evidence_done"] = True
    return next_step(turn.data)


async def take_identity(turn: Turn[Step]) -> Step:
    turn.data["identity"] = btn.Identity.pressed(turn.update).code
    return next_step(turn.data)


async def take_name(turn: Turn[Step]) -> Step:
    turn.data["reporter_name"] = person_name(turn.value)
    return next_step(turn.data)


async def toggle_exclude(turn: Turn[Step]) -> Step | None:
    """A board member's name: hidden from them, or not (the state the button asks for)."""
    update, context, data = turn.update, turn.context, turn.data
    pressed = btn.Exclude.pressed(update)
    if pressed.hide is None:  # an old toggle (no state asked): the buttons anew
        await stale_button(update, context)
        await ask_exclude(update, context, data)
        return None
    member = await context.db.read(people.by_id, pressed.member)
    if member is None or not member.is_board or member.id == context.person.id:
        await stale_button(update, context)
        return None
    chosen = set(data.get("exclude") or [])
    if pressed.hide:  # pressed twice, the same
        chosen.add(member.id)
    else:
        chosen.discard(member.id)
    data["exclude"] = sorted(chosen)
    return Step.EXCLUDE  # saved, and the list shown anew


async def exclude_done(turn: Turn[Step]) -> Step:
    turn.data["exclude_done"] = True
    return next_step(turn.data)


async def take_public(turn: Turn[Step]) -> Step:
    turn.data["public"] = btn.Public.pressed(turn.update).listed
    return next_step(turn.data)


# ---- changing an answer from the summary -----------------------------------------------------
async def edit_menu(turn: Turn[Step]) -> None:
    """The summary's Change: which answer to change (the flow stays where it is)."""
    await answer(turn.update, turn.context)
    tr = turn.tr
    labels = {
        Step.CATEGORY: tr._("Category"),
        Step.DESCRIPTION: tr._("What happened"),
        Step.EXPECTED: tr._("Expected outcome"),
        Step.WHERE: tr._("Location"),
        Step.EVIDENCE: tr._("Evidence"),
        Step.IDENTITY: tr._("Identity"),
        Step.PUBLIC: tr._("Public listing"),
    }
    options = [(labels[s], btn.Change(s.name).data) for s in EDITABLE if applies(s, turn.data)]
    await reply(
        turn.update,
        turn.context,
        tr._("What do you want to change?"),
        reply_markup=column(options),
    )
    return None


async def edit_part(turn: Turn[Step]) -> Step | None:
    """One answer forgotten (with those that depend on it): asked again, then the rest that
    is unanswered, then the summary."""
    data = turn.data
    step = Step.__members__.get(btn.Change.pressed(turn.update).part)
    if step is None or step not in EDITABLE or not applies(step, data):
        await stale_button(turn.update, turn.context)
        return None
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
    return next_step(data)


# ---- sending ---------------------------------------------------------------------------------
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


async def submit(turn: Turn[Step]) -> int | None:
    update, context = turn.update, turn.context
    if next_step(turn.data) is not Step.CONFIRM:
        await stale_button(update, context)
        return None
    on_behalf = bool(turn.data.get("on_behalf"))
    if not on_behalf and await limit_reached(update, context):
        return await flows.end_flow(update, context, REPORT, keep=True)
    await answer(update, context)
    data = clean(turn.data)
    anonymous = data["identity"] == "anonim"
    filed = await file(update, context, data, anonymous=anonymous, on_behalf=on_behalf)
    if anonymous and not await context.db.checkpoint():
        log.warning("WAL checkpoint after an anonymous report was blocked; it will run later")
    arm_all(context.application, filed.schedules)
    await reply(update, context, confirmation(context.tr, filed, on_behalf=on_behalf))
    await tell_board_filed(
        context, filed.grievance, data, anonymous=anonymous, on_behalf=on_behalf
    )
    return END


async def file(
    update: Update, context: BKMContext, data: dict[str, Any], *, anonymous: bool, on_behalf: bool
) -> store.Filed:
    """File the report and end the draft in one transaction (with the anonymous day count)."""
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

    return await context.db.write(file_and_close)


async def tell_board_filed(
    context: BKMContext,
    grievance: store.Grievance,
    data: dict[str, Any],
    *,
    anonymous: bool,
    on_behalf: bool,
) -> None:
    """The board (minus those excluded, and minus the filer) hears of the new report;
    discreetly when its reporter is anonymous (no time is kept)."""

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("New report {ref} ({category}). Open /pengaduan to handle it.").format(
                ref=grievance.ref, category=category(tr, grievance.category)
            )
        )

    exclude = data.get("exclude", [])
    await tell_board(
        context.application,
        render,
        exclude=[*exclude, context.person.id] if on_behalf else exclude,
        kind="grievance.filed",
        discreet=anonymous and not on_behalf,
    )


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


# ---- the flow ---------------------------------------------------------------------------------
def answered_elsewhere(message_text: str) -> Callback:
    """Input the step cannot use (a location, a file, or text where buttons are offered):
    say `message_text`, then ask the step's question again; the draft is kept."""

    async def handle(update: Update, context: BKMContext) -> int | None:
        data = await REPORT_FLOW.current(update, context)
        if data is None:
            return END
        await reply(update, context, context.tr._(message_text))
        await REPORT_FLOW.steps[next_step(data)].question(update, context, data)
        return None

    return handle


BUTTONS_ONLY = answered_elsewhere(N_("Please choose one of the buttons."))
ABOVE_FIRST = answered_elsewhere(N_("Please answer the question above first."))


def step(
    state: Step, question: Question, answers: list[Answer], *, takes: tuple[str, ...] = ()
) -> Ask[Step]:
    """A step of /lapor: its answers, the summary's Change buttons (they work from any step,
    as before), and a word for input it cannot use. `takes` names what it accepts besides
    buttons ("text", "location", "media")."""
    elsewhere = []
    if "location" not in takes:
        elsewhere.append(unusable(filters.LOCATION, callback=ABOVE_FIRST))
    if "media" not in takes:
        elsewhere.append(unusable(MEDIA, callback=ABOVE_FIRST))
    if "text" not in takes:
        elsewhere.append(unusable(TEXT, callback=BUTTONS_ONLY))
    changes = [press(btn.EDIT, edit_menu), press(btn.Change, edit_part)]
    return Ask(state, question, [*answers, *changes], elsewhere)


REPORT_FLOW: Flow[Step] = Flow(
    REPORT,
    [
        step(Step.CHANNEL, ask_channel, [press(btn.Channel, take_channel)]),
        step(Step.CATEGORY, ask_category, [press(btn.Category, take_category)]),
        step(Step.DESCRIPTION, ask_description, [text(take_description)], takes=("text",)),
        step(Step.AMOUNT, ask_amount, [text(take_amount)], takes=("text",)),
        step(
            Step.EXPECTED,
            ask_expected,
            [text(take_expected), press(btn.SKIP, skip_expected)],
            takes=("text",),
        ),
        step(
            Step.WHERE,
            ask_where,
            [
                message(filters.LOCATION, take_location),
                text(take_rtrw),
                press(btn.SKIP, skip_where),
            ],
            takes=("text", "location"),
        ),
        step(
            Step.EVIDENCE,
            ask_evidence,
            [
                message(MEDIA, take_evidence),
                press(btn.EVIDENCE_DONE, evidence_done),
                press(btn.SKIP, skip_evidence),
            ],
            takes=("media",),
        ),
        step(Step.IDENTITY, ask_identity, [press(btn.Identity, take_identity)]),
        step(Step.NAME, ask_name, [text(take_name)], takes=("text",)),
        step(
            Step.EXCLUDE,
            ask_exclude,
            [press(btn.Exclude, toggle_exclude), press(btn.EXCLUDE_DONE, exclude_done)],
        ),
        step(Step.PUBLIC, ask_public, [press(btn.Public, take_public)]),
        step(Step.CONFIRM, ask_confirm, [press(btn.SEND, submit)]),
    ],
    entry=[
        CommandHandler(["lapor", "report"], begin),
        CommandHandler("start", begin, filters=filters.Regex(r"^/start lapor$")),
        on(btn.REPORT, begin),
        on(btn.BEHALF, begin_on_behalf),
        on(btn.RESUME, resume),
        on(btn.RESTART, restart),
    ],
    cancel=Cancel(N_("Cancelled. Nothing was sent."), pattern=btn.CANCEL.matches),
    board_step=draft_flag(REPORT, "on_behalf"),  # filing for a resident: a board flow
)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [REPORT_FLOW.handler()]
