"""Membership: /daftar, verification by the board, and registration in person."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
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

from bot import confirm, flows
from bot.access import (
    BoardConversation,
    answer,
    board_only,
    private_only,
    remove_buttons,
    reply,
    stale_button,
)
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.features import (
    AdminItem,
    Command,
    DemoSeeder,
    Exporter,
    Feature,
    MenuItem,
    Section,
)
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from rules.rtrw import RtRw, parse_rtrw
from rules.validate import Invalid, person_name, text_length
from storage import membership, people
from storage.db import Database
from storage.demo import people as demo
from storage.flows import steps as flow_rows
from storage.people import Role

log = logging.getLogger(__name__)

APPLY = "membership_apply"
IN_PERSON = "membership_in_person"
REJECT = "membership_reject"

GENDER_LABELS = {
    "female": N_("Female"),
    "male": N_("Male"),
    "unspecified": N_("Prefer not to say"),
}


class Step(IntEnum):
    NAME = 1
    RTRW = 2
    GENDER = 3
    CONFIRM = 4
    REASON = 5


# ---- shared questions -----------------------------------------------------------------------
def rtrw_example(tr: Translator) -> str:
    return tr._("Write it like this: RT 3 RW 5, or 03/05.")


async def ask(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> None:
    tr = context.tr
    if step is Step.NAME:
        await reply(update, context, tr._("What is your full name (as on your KTP)?"))
    elif step is Step.RTRW:
        await reply(
            update, context, tr._("Which RT and RW do you live in?") + "\n" + rtrw_example(tr)
        )
    elif step is Step.GENDER:
        options = [(tr._(label), f"reg:g:{code}") for code, label in GENDER_LABELS.items()]
        await reply(
            update,
            context,
            tr._(
                "Gender? It is only used to count participation (never shown by name). "
                "You may choose not to say."
            ),
            reply_markup=column(options),
        )
    elif step is Step.CONFIRM:
        await reply(
            update,
            context,
            summary(tr, data),
            reply_markup=keyboard(
                [
                    [(tr._("Submit"), "reg:send")],
                    [(tr._("Change"), "reg:restart"), (tr._("Cancel"), "reg:cancel")],
                ]
            ),
        )


def summary(tr: Translator, data: dict[str, Any]) -> str:
    gender = data.get("gender")
    return tr._(
        "<b>Your membership application</b>\nName: {name}\nAddress: {rtrw}\nGender: {gender}\n\n"
        "Send it to the BKM board for verification?"
    ).format(
        name=html.escape(data.get("full_name", "")),
        rtrw=str(RtRw(data.get("rt", 0), data.get("rw", 0))),
        gender=tr._(GENDER_LABELS[gender]) if gender in GENDER_LABELS else "-",
    )


async def take_name(update: Update, context: BKMContext, data: dict[str, Any]) -> bool:
    """Store a valid name into data, or re-ask with the reason. True when accepted."""
    assert update.message is not None
    try:
        data["full_name"] = person_name(update.message.text or "")
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return False
    return True


async def take_rtrw(update: Update, context: BKMContext, data: dict[str, Any]) -> bool:
    assert update.message is not None
    parsed = parse_rtrw(update.message.text or "")
    if parsed is None:
        tr = context.tr
        await reply(update, context, tr._("I could not read that RT/RW.") + " " + rtrw_example(tr))
        return False
    data["rt"], data["rw"] = parsed.rt, parsed.rw
    return True


def gender_from(update: Update) -> str | None:
    query = update.callback_query
    code = (query.data or "").removeprefix("reg:g:") if query else ""
    return code if code in GENDER_LABELS else None


# ---- /daftar ----------------------------------------------------------------------------------
@private_only("daftar")
async def apply_begin(update: Update, context: BKMContext) -> int:
    """/daftar: start (or offer to resume) a membership application."""
    tr = context.tr
    person = context.person
    if person.is_member:
        await reply(update, context, tr._("You are already a verified member. Thank you!"))
        return flows.END
    if await context.db.read(membership.pending_for, person.id) is not None:
        await reply(
            update,
            context,
            tr._("Your application is waiting for the board. You will hear from us."),
        )
        return flows.END
    draft = await flows.load(context, APPLY)
    if draft is not None:
        await reply(
            update,
            context,
            tr._("You have an unfinished application. Continue where you stopped?"),
            reply_markup=keyboard(
                [[(tr._("Continue"), "reg:resume"), (tr._("Start over"), "reg:restart")]]
            ),
        )
        return flows.END
    await flows.save_step(update, context, APPLY, Step.NAME, {})
    await ask(update, context, Step.NAME, {})
    return Step.NAME


async def apply_resume(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    draft = await flows.load(context, APPLY)
    if draft is None:
        return await apply_begin(update, context)
    step = Step[draft.step]
    await flows.save_step(update, context, APPLY, step, draft.data)
    await ask(update, context, step, draft.data)
    return step


async def apply_restart(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.save_step(update, context, APPLY, Step.NAME, {})
    await ask(update, context, Step.NAME, {})
    return Step.NAME


def answer_step(
    flow: str,
    take: Callable[[Update, BKMContext, dict[str, Any]], Awaitable[bool]],
    next_step: Step,
) -> Callable[[Update, BKMContext], Awaitable[int | None]]:
    """A typed-answer step: check it (re-asking on a bad one), commit, ask the next question."""

    async def handle(update: Update, context: BKMContext) -> int | None:
        data = await flows.current_draft(update, context, flow)
        if data is None:
            return flows.END
        if not await take(update, context, data):
            return None
        await flows.save_step(update, context, flow, next_step, data)
        await ask(update, context, next_step, data)
        return next_step

    return handle


apply_name = answer_step(APPLY, take_name, Step.RTRW)
apply_rtrw = answer_step(APPLY, take_rtrw, Step.GENDER)
in_person_name = answer_step(IN_PERSON, take_name, Step.RTRW)
in_person_rtrw = answer_step(IN_PERSON, take_rtrw, Step.GENDER)


async def apply_gender(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, APPLY)
    if data is None:
        return flows.END
    gender = gender_from(update)
    if gender is None:
        await stale_button(update, context)
        return None
    await answer(update, context)
    data["gender"] = gender
    await flows.save_step(update, context, APPLY, Step.CONFIRM, data)
    await ask(update, context, Step.CONFIRM, data)
    return Step.CONFIRM


async def apply_submit(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, APPLY)
    if data is None:
        return flows.END
    await answer(update, context)
    person = context.person
    key = flows.conversation_key_of(update)

    def submit_and_close(conn: Any) -> membership.Application:
        application = membership.submit(
            conn,
            person_id=person.id,
            full_name=data["full_name"],
            rt=data["rt"],
            rw=data["rw"],
            gender=data.get("gender"),
            now=context.clock.now(),
        )
        flow_rows.end(conn, person_id=person.id, flow=APPLY, conversation_key=key, keep=False)
        return application

    try:
        await context.db.write(submit_and_close)
    except (membership.AlreadyMember, membership.AlreadyPending):
        await flows.end_flow(update, context, APPLY, keep=False)
        await reply(update, context, context.tr._("Your application is already with the board."))
        return flows.END
    await reply(
        update,
        context,
        context.tr._(
            "Sent. The BKM board will check your details and tell you here. "
            "Until then you can use everything residents can."
        ),
    )
    await tell_board_new_application(context)
    return flows.END


async def remind_buttons(update: Update, context: BKMContext) -> int | None:
    """Typed text where a button is expected: show the question again."""
    draft = await flows.load(context, APPLY)
    if draft is None:
        return flows.END
    await reply(update, context, context.tr._("Please choose one of the buttons."))
    await ask(update, context, Step[draft.step], draft.data)
    return None


async def apply_cancel(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.end_flow(update, context, APPLY, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nothing was sent."))
    return flows.END


async def tell_board_new_application(context: BKMContext) -> None:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(tr._("A new membership application is waiting. Open /admin to verify it."))

    await outbox.notify_board(context.application, render, kind="membership.applied")


# ---- board: verification -----------------------------------------------------------------------
@board_only
@private_only("admin")
async def list_pending(update: Update, context: BKMContext) -> None:
    tr = context.tr
    await answer(update, context)
    waiting, total = await context.db.read(membership.pending, 10)
    if not waiting:
        await reply(update, context, tr._("No membership applications are waiting."))
        return
    await reply(
        update,
        context,
        tr.ngettext("{n} application is waiting.", "{n} applications are waiting.", total).format(
            n=total
        ),
    )
    rejects = await confirm.issue_many(context, confirm.MEMBERSHIP_REJECT, [a.id for a in waiting])
    for application in waiting:
        await reply(
            update,
            context,
            tr._("Application {ref}\nName: {name}\nAddress: {rtrw}").format(
                ref=application.id,
                name=html.escape(application.full_name),
                rtrw=str(RtRw(application.rt, application.rw)),
            ),
            reply_markup=keyboard(
                [
                    [
                        (tr._("Approve"), f"mem:ok:{application.id}"),
                        (
                            tr._("Reject"),
                            confirm.data(f"mem:no:{application.id}", rejects[str(application.id)]),
                        ),
                    ]
                ]
            ),
        )


def _application_id(update: Update, position: int = -1) -> int | None:
    data = update.callback_query.data if update.callback_query else None
    parts = (data or "").split(":")
    tail = parts[position] if -len(parts) <= position < len(parts) else ""
    return int(tail) if tail.isdigit() and len(tail) < 12 else None


@board_only
@private_only("admin")
async def approve(update: Update, context: BKMContext) -> None:
    query = update.callback_query
    assert query is not None
    application_id = _application_id(update)
    try:
        if application_id is None:
            raise membership.NotPending
        _, applicant = await context.db.write(
            membership.decide,
            application_id=application_id,
            board_id=context.person.id,
            approve=True,
            reason=None,
            now=context.clock.now(),
        )
    except membership.NotPending:
        await answer(
            update, context, context.tr._("This application was already decided."), alert=True
        )
        return
    await answer(update, context, context.tr._("Approved."))
    await remove_buttons(update)
    await reply(update, context, context.tr._("Approved. The applicant has been told."))
    await tell_applicant(context, applicant, approved=True, reason=None)


@board_only
@private_only("admin")
async def reject_begin(update: Update, context: BKMContext) -> int | None:
    query = update.callback_query
    assert query is not None
    application_id = _application_id(update, 2)
    application = await context.db.read(membership.get, application_id) if application_id else None
    if application is None or application.status != "pending":
        await answer(
            update, context, context.tr._("This application was already decided."), alert=True
        )
        return flows.END
    try:  # the list's one-time token; the typed reason rejects only the draft's application
        await confirm.consume(update, context, confirm.MEMBERSHIP_REJECT, application.id)
    except confirm.Refused:
        return None  # a step of this flow that was waiting keeps waiting
    await answer(update, context)
    await flows.save_step(update, context, REJECT, Step.REASON, {"application_id": application.id})
    await reply(
        update,
        context,
        context.tr._("Why is it rejected? Your reason is sent to the applicant."),
    )
    return Step.REASON


async def reject_reason(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await flows.current_draft(update, context, REJECT)
    if data is None:
        return flows.END
    try:
        reason = text_length(update.message.text or "", 3, 500)
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    key = flows.conversation_key_of(update)
    board_id = context.person.id

    def decide_and_close(conn: Any) -> Any:
        result = membership.decide(
            conn,
            application_id=data["application_id"],
            board_id=board_id,
            approve=False,
            reason=reason,
            now=context.clock.now(),
        )
        flow_rows.end(conn, person_id=board_id, flow=REJECT, conversation_key=key, keep=False)
        return result

    try:
        _, applicant = await context.db.write(decide_and_close)
    except membership.NotPending:
        await flows.end_flow(update, context, REJECT, keep=False)
        await reply(update, context, context.tr._("This application was already decided."))
        return flows.END
    await reply(update, context, context.tr._("Rejected. The applicant has been told why."))
    await tell_applicant(context, applicant, approved=False, reason=reason)
    return flows.END


async def tell_applicant(
    context: BKMContext, applicant: people.Person, *, approved: bool, reason: str | None
) -> None:
    """A notification in the applicant's own language."""

    def render(tr: Translator) -> Outgoing:
        if approved:
            return Outgoing(
                tr._("Good news: the BKM board verified your membership. Welcome, member!")
            )
        return Outgoing(
            tr._(
                "The BKM board did not approve your membership application.\nReason: {reason}\n"
                "You may apply again with /daftar."
            ).format(reason=html.escape(reason or ""))
        )

    await outbox.notify(context.application, [applicant.id], render, kind="membership.decided")


async def reject_cancel(update: Update, context: BKMContext) -> int:
    await flows.end_flow(update, context, REJECT, keep=False)
    await reply(update, context, context.tr._("Cancelled. The application is still waiting."))
    return flows.END


# ---- board: registration in person ----
@board_only
@private_only("admin")
async def in_person_begin(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.save_step(update, context, IN_PERSON, Step.NAME, {})
    await reply(
        update,
        context,
        context.tr._(
            "Registering a resident in person (without Telegram). "
            "What is the resident's full name (as on the KTP)?"
        ),
    )
    return Step.NAME


async def in_person_gender(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, IN_PERSON)
    if data is None:
        return flows.END
    gender = gender_from(update)
    if gender is None:
        await stale_button(update, context)
        return None
    await answer(update, context)
    key = flows.conversation_key_of(update)
    board_id = context.person.id

    def register_and_close(conn: Any) -> people.Person:
        person = people.register_in_person(
            conn,
            board_id=board_id,
            full_name=data["full_name"],
            rt=data["rt"],
            rw=data["rw"],
            gender=gender,
            now=context.clock.now(),
        )
        flow_rows.end(conn, person_id=board_id, flow=IN_PERSON, conversation_key=key, keep=False)
        return person

    person = await context.db.write(register_and_close)
    await reply(
        update,
        context,
        context.tr._("Registered as a member: {name}, {rtrw} (person no. {id}).").format(
            name=html.escape(person.full_name or ""),
            rtrw=str(RtRw(person.rt or 0, person.rw or 0)),
            id=person.id,
        ),
    )
    return flows.END


async def in_person_cancel(update: Update, context: BKMContext) -> int:
    await flows.end_flow(update, context, IN_PERSON, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nobody was registered."))
    return flows.END


# ---- wiring -----------------------------------------------------------------------------------
TEXT = filters.TEXT & ~filters.COMMAND
CANCEL = ["batal", "cancel"]


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    apply = ConversationHandler(
        name=APPLY,
        persistent=True,
        entry_points=[
            CommandHandler(["daftar", "register"], apply_begin),
            CommandHandler("start", apply_begin, filters=filters.Regex(r"^/start daftar$")),
            CallbackQueryHandler(apply_begin, pattern=r"^menu:register$"),
            CallbackQueryHandler(apply_resume, pattern=r"^reg:resume$"),
            CallbackQueryHandler(apply_restart, pattern=r"^reg:restart$"),
        ],
        states={
            Step.NAME: [MessageHandler(TEXT, apply_name)],
            Step.RTRW: [MessageHandler(TEXT, apply_rtrw)],
            Step.GENDER: [
                CallbackQueryHandler(apply_gender, pattern=r"^reg:g:"),
                MessageHandler(TEXT, remind_buttons),
            ],
            Step.CONFIRM: [
                CallbackQueryHandler(apply_submit, pattern=r"^reg:send$"),
                CallbackQueryHandler(apply_restart, pattern=r"^reg:restart$"),
                MessageHandler(TEXT, remind_buttons),
            ],
        },
        fallbacks=[
            CommandHandler(CANCEL, apply_cancel),
            CallbackQueryHandler(apply_cancel, pattern=r"^reg:cancel$"),
        ],
        allow_reentry=True,
    )
    reject = BoardConversation(
        name=REJECT,
        persistent=True,
        entry_points=[CallbackQueryHandler(reject_begin, pattern=r"^mem:no:")],
        states={Step.REASON: [MessageHandler(TEXT, reject_reason)]},
        fallbacks=[CommandHandler(CANCEL, reject_cancel)],
        allow_reentry=True,
    )
    in_person = BoardConversation(
        name=IN_PERSON,
        persistent=True,
        entry_points=[CallbackQueryHandler(in_person_begin, pattern=r"^adm:register_person$")],
        states={
            Step.NAME: [MessageHandler(TEXT, in_person_name)],
            Step.RTRW: [MessageHandler(TEXT, in_person_rtrw)],
            Step.GENDER: [CallbackQueryHandler(in_person_gender, pattern=r"^reg:g:")],
        },
        fallbacks=[CommandHandler(CANCEL, in_person_cancel)],
        allow_reentry=True,
    )
    return [
        apply,
        reject,
        in_person,
        CallbackQueryHandler(list_pending, pattern=r"^adm:members$"),
        CallbackQueryHandler(approve, pattern=r"^mem:ok:"),
    ]


async def members_section(db: Database, tr: Translator, now: datetime) -> str:
    counts = await db.read(people.count_by_role)
    members = counts[Role.MEMBER] + counts[Role.BOARD]
    residents = sum(counts.values())
    return tr._(
        "<b>Participation</b>\nResidents using the bot: {residents}\nVerified members: {members}"
    ).format(residents=tr.number(residents), members=tr.number(members))


def participation_rows(conn: Any) -> list[tuple[Any, ...]]:
    return people.participation_by_rw(conn)


PART = Feature(
    name="membership",
    order=10,
    handlers=_handlers,
    commands=(Command("daftar", "register", N_("Apply to become a member")),),
    main_menu=(MenuItem("register", N_("Become a member"), order=80),),
    admin_menu=(
        AdminItem("members", N_("Verify members"), order=10),
        AdminItem("register_person", N_("Register a resident in person"), order=11),
    ),
    transparency=(Section("members", 10, members_section),),
    digest=(Section("members", 10, members_section),),
    exports=(Exporter("participation", ("rw", "residents", "members"), participation_rows),),
    demo=(DemoSeeder(0, demo.seed_people),),
)
