"""Membership: /daftar, verification by the board, and registration in person."""

from __future__ import annotations

import html
import logging
from datetime import datetime
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    filters,
)

from bot import confirm, flows
from bot.access import (
    answer,
    board_only,
    private_only,
    remove_buttons,
    reply,
)
from bot.buttons import on
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
from bot.flowrunner import TEXT, Ask, Cancel, Flow, Turn, press, text, unusable
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from handlers.membership import buttons as btn
from rules.rtrw import RtRw, parse_rtrw
from rules.validate import person_name, text_length
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


async def ask_name(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, context.tr._("What is your full name (as on your KTP)?"))


async def ask_rtrw(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(update, context, tr._("Which RT and RW do you live in?") + "\n" + rtrw_example(tr))


async def ask_gender(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    options = [(tr._(label), btn.Gender(code).data) for code, label in GENDER_LABELS.items()]
    await reply(
        update,
        context,
        tr._(
            "Gender? It is only used to count participation (never shown by name). "
            "You may choose not to say."
        ),
        reply_markup=column(options),
    )


async def ask_confirm(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        summary(tr, data),
        reply_markup=keyboard(
            [
                [(tr._("Submit"), btn.SEND.data)],
                [(tr._("Change"), btn.RESTART.data), (tr._("Cancel"), btn.CANCEL.data)],
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


async def take_name(turn: Turn[Step]) -> Step:
    turn.data["full_name"] = person_name(turn.value)  # or Invalid: the reason, asked again
    return Step.RTRW


async def take_rtrw(turn: Turn[Step]) -> Step | None:
    parsed = parse_rtrw(turn.value)
    if parsed is None:
        tr = turn.tr
        text = tr._("I could not read that RT/RW.") + " " + rtrw_example(tr)
        await reply(turn.update, turn.context, text)
        return None
    turn.data["rt"], turn.data["rw"] = parsed.rt, parsed.rw
    return Step.GENDER


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
                [[(tr._("Continue"), btn.RESUME.data), (tr._("Start over"), btn.RESTART.data)]]
            ),
        )
        return flows.END
    return await APPLY_FLOW.go(update, context, Step.NAME, {})


async def apply_resume(update: Update, context: BKMContext) -> int:
    resumed = await APPLY_FLOW.resume(update, context)
    return resumed if resumed is not None else await apply_begin(update, context)


async def apply_restart(update: Update, context: BKMContext) -> int:
    return await APPLY_FLOW.go(update, context, Step.NAME, {})


async def apply_submit(turn: Turn[Step]) -> int:
    update, context, data = turn.update, turn.context, turn.data
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
                        (tr._("Approve"), btn.Approve(application.id).data),
                        (
                            tr._("Reject"),
                            btn.Reject(application.id, rejects[str(application.id)]).data,
                        ),
                    ]
                ]
            ),
        )


@board_only
@private_only("admin")
async def approve(update: Update, context: BKMContext) -> None:
    query = update.callback_query
    assert query is not None
    application_id = btn.Approve.pressed(update).application
    try:
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
    application_id = btn.Reject.pressed(update).application
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
    return await REJECT_FLOW.go(update, context, Step.REASON, {"application_id": application.id})


async def ask_reason(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._("Why is it rejected? Your reason is sent to the applicant."),
    )


async def reject_reason(turn: Turn[Step]) -> int:
    update, context, data = turn.update, turn.context, turn.data
    reason = text_length(turn.value, 3, 500)  # or Invalid: the reason, asked again
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


# ---- board: registration in person ----
@board_only
@private_only("admin")
async def in_person_begin(update: Update, context: BKMContext) -> int:
    return await IN_PERSON_FLOW.go(update, context, Step.NAME, {})


async def ask_in_person_name(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._(
            "Registering a resident in person (without Telegram). "
            "What is the resident's full name (as on the KTP)?"
        ),
    )


async def in_person_gender(turn: Turn[Step]) -> int:
    update, context, data, gender = turn.update, turn.context, turn.data, turn.value
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


# ---- wiring -----------------------------------------------------------------------------------
# Typed text where a button is expected: say so, and ask the step's question again
BUTTONS = [unusable(TEXT, N_("Please choose one of the buttons."), ask_again=True)]


async def apply_gender(turn: Turn[Step]) -> Step:
    turn.data["gender"] = turn.value
    return Step.CONFIRM


APPLY_FLOW: Flow[Step] = Flow(
    APPLY,
    [
        Ask(Step.NAME, ask_name, [text(take_name)]),
        Ask(Step.RTRW, ask_rtrw, [text(take_rtrw)]),
        Ask(Step.GENDER, ask_gender, [press(btn.Gender, apply_gender, GENDER_LABELS)], BUTTONS),
        # "Change" (reg:restart) is an entry point: it starts again from any step
        Ask(Step.CONFIRM, ask_confirm, [press(btn.SEND, apply_submit)], BUTTONS),
    ],
    entry=[
        CommandHandler(["daftar", "register"], apply_begin),
        CommandHandler("start", apply_begin, filters=filters.Regex(r"^/start daftar$")),
        on(btn.REGISTER, apply_begin),
        on(btn.RESUME, apply_resume),
        on(btn.RESTART, apply_restart),
    ],
    cancel=Cancel(N_("Cancelled. Nothing was sent."), pattern=btn.CANCEL),
)
REJECT_FLOW: Flow[Step] = Flow(
    REJECT,
    [Ask(Step.REASON, ask_reason, [text(reject_reason)])],
    entry=[on(btn.Reject, reject_begin)],
    cancel=Cancel(N_("Cancelled. The application is still waiting.")),
    board=True,
)
IN_PERSON_FLOW: Flow[Step] = Flow(
    IN_PERSON,
    [
        Ask(Step.NAME, ask_in_person_name, [text(take_name)]),
        Ask(Step.RTRW, ask_rtrw, [text(take_rtrw)]),
        Ask(Step.GENDER, ask_gender, [press(btn.Gender, in_person_gender, GENDER_LABELS)]),
    ],
    entry=[on(btn.REGISTER_PERSON, in_person_begin)],
    cancel=Cancel(N_("Cancelled. Nobody was registered.")),
    board=True,
)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        APPLY_FLOW.handler(),
        REJECT_FLOW.handler(),
        IN_PERSON_FLOW.handler(),
        on(btn.PENDING, list_pending),
        on(btn.Approve, approve),
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
