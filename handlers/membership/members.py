"""/admin › Members: list and search, revoke, move RW, merge accounts, erase on request.

Promotion and demotion (the member card's board buttons) are in handlers/board_roles.py.
"""

from __future__ import annotations

import html
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot import confirm, flows, personal
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.features import AdminItem, Feature
from bot.flowrunner import END, Ask, Cancel, Flow, Lapse, Turn, text
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from handlers.membership import buttons as btn
from rules.rtrw import RtRw, parse_rtrw
from rules.validate import clean_text, text_length
from storage import board, people
from storage.flows import steps as flow_rows
from storage.people import Person

FLOW = "members_admin"
ROLE_LABELS = {"warga": N_("resident"), "anggota": N_("member"), "pengurus": N_("board member")}


class Step(IntEnum):
    SEARCH = 1
    RTRW = 2
    REASON = 3
    MERGE = 4


def _line(tr: Translator, person: Person) -> str:
    name = person.full_name or person.display_name or tr._("resident")
    where = str(RtRw(person.rt, person.rw)) if person.rt and person.rw else "-"
    return f"{name} · {where}"


def card(tr: Translator, person: Person) -> str:
    return tr._("<b>No. {id}</b>\nName: {name}\nAddress: {rtrw}\nRole: {role}").format(
        id=person.id,
        name=html.escape(person.full_name or person.display_name or "-"),
        rtrw=str(RtRw(person.rt, person.rw)) if person.rt and person.rw else "-",
        role=tr._(ROLE_LABELS[person.role.value]),
    )


async def _show_list(update: Update, context: BKMContext, query: str, offset: int) -> None:
    tr = context.tr
    found, total = await context.db.read(board.members, query, offset)
    if not found:
        text = tr._("No members found.")
    else:
        text = tr.ngettext("{n} member.", "{n} members.", total).format(n=tr.number(total))
    buttons = [(_line(tr, p)[:60], btn.Show(p.id).data) for p in found]
    if not query and offset + board.PAGE < total:
        buttons.append((tr._("Next page"), btn.Page(offset + board.PAGE).data))
    buttons.append((tr._("Search by name"), btn.FIND.data))
    await reply(update, context, text, reply_markup=column(buttons))


@board_only
@private_only("admin")
async def list_members(update: Update, context: BKMContext) -> None:
    """/admin › Members: the first page, alphabetically."""
    page = btn.Page.of(update)
    offset = page.offset if page is not None else 0
    await answer(update, context)
    await _show_list(update, context, "", offset)


@board_only
@private_only("admin")
async def search_begin(update: Update, context: BKMContext) -> Step:
    return await MEMBERS_FLOW.go(update, context, Step.SEARCH, {})


async def ask_search(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, context.tr._("Type a part of the member's name."))


async def take_search(turn: Turn[Step]) -> int | None:
    query = clean_text(turn.value)[:64]
    if len(query) < 2:
        await reply(turn.update, turn.context, turn.tr._("Please type at least 2 letters."))
        return None
    await turn.flow.end(turn.update, turn.context)
    await _show_list(turn.update, turn.context, query, 0)
    return END


async def target_member(update: Update, context: BKMContext, person_id: int) -> Person | None:
    """The member a button names, or None after the stale-button answer."""
    person = await context.db.read(people.by_id, person_id) if person_id else None
    if person is None or not person.is_member:
        await stale_button(update, context)
        return None
    return person


@board_only
@private_only("admin")
async def show_member(update: Update, context: BKMContext) -> None:
    """A member's card with the actions the board may take."""
    person = await target_member(update, context, btn.Show.pressed(update).person)
    if person is None:
        return
    tr = context.tr
    await answer(update, context)
    revoke = "" if person.is_board else await confirm.issue(context, confirm.REVOKE, person.id)
    rows = [
        [(tr._("Move to another RT/RW"), btn.Move(person.id).data)],
        [(tr._("Merge another account into this one"), btn.Merge(person.id).data)],
    ]
    if person.is_board:
        rows.append([(tr._("Take off the board"), btn.Demote(person.id).data)])
    else:
        rows.append([(tr._("Propose for the board"), btn.Propose(person.id).data)])
        rows.append([(tr._("Revoke membership"), btn.Revoke(person.id, revoke).data)])
        rows.append([(tr._("Erase personal data (on request)"), btn.Erase(person.id).data)])
    await reply(update, context, card(tr, person), reply_markup=keyboard(rows))


@board_only
@private_only("admin")
async def erase_ask(update: Update, context: BKMContext) -> None:
    """A resident without Telegram asks the board in person to erase their data."""
    person = await target_member(update, context, btn.Erase.pressed(update).person)
    if person is None or person.is_board:
        await stale_button(update, context)
        return
    tr = context.tr
    await answer(update, context)
    token = await confirm.issue(context, confirm.ERASE_PERSON, person.id)
    await reply(
        update,
        context,
        card(tr, person)
        + "\n\n"
        + tr._(
            "Erase this person's personal data at their request? Their records stay, "
            "shown as “resident (erased)”. This cannot be undone."
        ),
        reply_markup=keyboard(
            [
                [
                    (tr._("Erase"), btn.EraseConfirmed(person.id, token).data),
                    (tr._("Cancel"), btn.DISMISS.data),
                ]
            ]
        ),
    )


@board_only
@private_only("admin")
async def erase_confirmed(update: Update, context: BKMContext) -> None:
    pressed = btn.EraseConfirmed.pressed(update)
    person = await target_member(update, context, pressed.person)
    if person is None or person.is_board:
        await stale_button(update, context)
        return
    try:
        await confirm.write(
            update,
            context,
            confirm.ERASE_PERSON,
            person.id,
            personal.erase_everything,
            personal.parts(context.services.registry),
            person.id,
            context.clock.now(),
            actor_id=context.person.id,
            actor_role="pengurus",
            reason="request_in_person",
        )
    except confirm.Refused:
        return
    await context.db.checkpoint()
    await answer(update, context)
    await reply(update, context, context.tr._("The personal data was erased."))


# ---- typed answers: new RT/RW, revocation reason, the other account's number ----------------
def _asker(
    step: Step,
    kind: type[btn.Move] | type[btn.Revoke] | type[btn.Merge],
    action: str | None = None,
) -> Any:
    """The press that asks for a typed answer; with `action`, a destructive one: its button
    carries a confirm token (bot/confirm.py), consumed here, and the typed answer acts only
    on the member of the draft this press saves."""

    @board_only
    @private_only("admin")
    async def begin(update: Update, context: BKMContext) -> int | None:
        person = await target_member(update, context, kind.pressed(update).person)
        if person is None:
            return END
        if action is not None:
            try:
                await confirm.consume(update, context, action, person.id)
            except confirm.Refused:
                return None  # a step of this flow that was waiting keeps waiting
        return await MEMBERS_FLOW.go(update, context, step, {"person_id": person.id})

    return begin


def _question(question: str) -> Any:
    """The member's card and `question` (a msgid)."""

    async def ask(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
        person = await context.db.read(people.by_id, data["person_id"])
        shown = "" if person is None else card(context.tr, person) + "\n\n"
        await reply(update, context, shown + context.tr._(question))

    return ask


ask_rtrw = _question(N_("Which RT and RW does the member live in now? E.g. RT 3 RW 5."))
ask_reason = _question(N_("Why is the membership revoked? The member is told this reason."))
ask_merge = _question(
    N_(
        "Send the number (No.) of the other account of the same person. Its data and "
        "activity move into this one; votes and endorsements are never counted twice."
    )
)
move_begin = _asker(Step.RTRW, btn.Move)
revoke_begin = _asker(Step.REASON, btn.Revoke, confirm.REVOKE)
merge_begin = _asker(Step.MERGE, btn.Merge)


async def take_move(turn: Turn[Step]) -> int | None:
    update, context, data = turn.update, turn.context, turn.data
    parsed = parse_rtrw(turn.value)
    if parsed is None:
        await reply(
            update,
            context,
            context.tr._("I could not read that RT/RW. Write it like this: RT 3 RW 5, or 03/05."),
        )
        return None
    key, board_id, now = flows.conversation_key_of(update), context.person.id, context.clock.now()

    def move_and_close(conn: Any) -> Person:
        moved = board.move(
            conn, person_id=data["person_id"], board_id=board_id, rt=parsed.rt, rw=parsed.rw,
            now=now,
        )  # fmt: skip
        flow_rows.end(conn, person_id=board_id, flow=FLOW, conversation_key=key, keep=False)
        return moved

    try:
        moved = await context.db.write(move_and_close)
    except board.NotFound:
        await turn.flow.end(update, context)
        await reply(update, context, context.tr._("That member no longer exists."))
        return END
    await reply(update, context, context.tr._("Moved.") + "\n" + card(context.tr, moved))
    return END


async def take_reason(turn: Turn[Step]) -> int | None:
    update, context, data = turn.update, turn.context, turn.data
    reason = text_length(turn.value, 3, 500)  # or Invalid: its reason is said, the step stays
    key, board_id, now = flows.conversation_key_of(update), context.person.id, context.clock.now()

    def revoke_and_close(conn: Any) -> Person:
        revoked = board.revoke(
            conn, person_id=data["person_id"], board_id=board_id, reason=reason, now=now
        )
        flow_rows.end(conn, person_id=board_id, flow=FLOW, conversation_key=key, keep=False)
        return revoked

    try:
        revoked = await context.db.write(revoke_and_close)
    except (board.NotFound, board.IsBoard):
        await turn.flow.end(update, context)
        await reply(update, context, context.tr._("That membership cannot be revoked now."))
        return END
    await reply(update, context, context.tr._("Membership revoked. The person has been told."))

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "The BKM board ended your membership.\nReason: {reason}\n"
                "You can still use everything residents can, and apply again with /daftar."
            ).format(reason=html.escape(reason))
        )

    await outbox.notify(context.application, [revoked.id], render, kind="membership.revoked")
    return END


async def take_merge(turn: Turn[Step]) -> int | None:
    update, context, tr = turn.update, turn.context, turn.tr
    raw = clean_text(turn.value).lstrip("#").removeprefix("No.").strip()
    other_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    keep_id = turn.data["person_id"]

    def both(conn: Any) -> tuple[Person, Person] | None:
        if other_id is None:
            return None
        try:
            return board.check_mergeable(conn, keep_id, other_id)
        except (board.NotFound, board.SamePerson):
            return None

    found = await context.db.read(both)
    if found is None:
        await reply(
            update, context, tr._("There is no other account with that number. Send a number.")
        )
        return None
    keep, drop = found
    await turn.flow.end(update, context)
    token = await confirm.issue(context, confirm.MERGE, f"{keep.id}:{drop.id}")
    await reply(
        update,
        context,
        tr._(
            "<b>Merge these accounts?</b>\nKeep:\n{keep}\n\nMerge into it and close:\n{drop}"
        ).format(keep=card(tr, keep), drop=card(tr, drop)),
        reply_markup=keyboard(
            [
                [
                    (tr._("Merge"), btn.MergeConfirmed(keep.id, drop.id, token).data),
                    (tr._("Cancel"), btn.DISMISS.data),
                ]
            ]
        ),
    )
    return END


@board_only
@private_only("admin")
async def merge_confirmed(update: Update, context: BKMContext) -> None:
    pressed = btn.MergeConfirmed.pressed(update)
    keep_id, drop_id = pressed.keep, pressed.drop
    items = personal.parts(context.services.registry)
    try:
        await confirm.write(
            update,
            context,
            confirm.MERGE,
            f"{keep_id}:{drop_id}",
            personal.merge_accounts,
            items,
            keep=keep_id,
            drop=drop_id,
            board_id=context.person.id,
            now=context.clock.now(),
        )
    except confirm.Refused:
        return
    except (board.NotFound, board.SamePerson):
        await stale_button(update, context)
        return
    await context.db.checkpoint()
    await answer(update, context, context.tr._("Merged."))
    merged = await context.db.read(people.by_id, keep_id)
    assert merged is not None
    await reply(update, context, context.tr._("Merged.") + "\n" + card(context.tr, merged))


async def dismiss(update: Update, context: BKMContext) -> None:
    await answer(update, context)
    await reply(update, context, context.tr._("Nothing was changed."))


MEMBERS_FLOW: Flow[Step] = Flow(
    FLOW,
    [
        Ask(Step.SEARCH, ask_search, [text(take_search)]),
        Ask(Step.RTRW, ask_rtrw, [text(take_move)]),
        Ask(Step.REASON, ask_reason, [text(take_reason)]),
        Ask(Step.MERGE, ask_merge, [text(take_merge)]),
    ],
    entry=[
        on(btn.FIND, search_begin),
        on(btn.Move, move_begin),
        on(btn.Revoke, revoke_begin),
        on(btn.Merge, merge_begin),
    ],
    cancel=Cancel(N_("Cancelled. Nothing was changed.")),
    lapse=Lapse(N_("That took too long. Please start again."), keep=False),
    board=True,
)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        MEMBERS_FLOW.handler(),
        on(btn.MEMBERS, list_members),
        on(btn.Page, list_members),
        on(btn.Show, show_member),
        on(btn.MergeConfirmed, merge_confirmed),
        on(btn.DISMISS, dismiss),
        on(btn.Erase, erase_ask),
        on(btn.EraseConfirmed, erase_confirmed),
    ]


PART = Feature(
    name="members_admin",
    order=11,
    handlers=_handlers,
    admin_menu=(AdminItem("mlist", N_("Members and board"), order=12),),
)
