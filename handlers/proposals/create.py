"""The /usul flow: a resident's proposal step by step, filing on behalf, and revising.

Declared with the flow runner (bot/flowrunner.py) as its steps: `USUL` below lists, for each
step, its question (questions.py), what it accepts and what each answer does. The flow's
name, its states' values and step names are those saved by earlier versions, so a proposal
left half-way before an upgrade resumes after it.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot import flows
from bot.access import answer, board_only, draft_flag, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.flowrunner import (
    END,
    TEXT,
    Answer,
    Ask,
    Cancel,
    Flow,
    Take,
    Turn,
    Unusable,
    edit,
    message,
    press,
    text,
    unusable,
)
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from handlers.proposals import browse as proposals_browse
from handlers.proposals import buttons
from handlers.proposals.questions import (
    BACK,
    EDITABLE,
    FLOW,
    MAX_PHOTOS,
    Step,
    ask_change,
    ask_channel,
    ask_cost,
    ask_description,
    ask_field,
    ask_location,
    ask_name,
    ask_photos,
    ask_resident,
    ask_similar,
    ask_summary,
    ask_title,
    location_buttons,
    new_draft,
)
from rules.amounts import parse_amount
from rules.proposal_status import InvalidTransition
from rules.rtrw import parse_rtrw
from rules.validate import person_name, text_length
from storage import proposals
from storage.flows import steps as flow_rows

# The steps in the order they are asked (filing on behalf starts at CHANNEL, a resident at
# FIELD); SIMILAR comes between TITLE and DESCRIPTION only when similar proposals exist.
ORDER = (
    Step.CHANNEL,
    Step.RESIDENT,
    Step.FIELD,
    Step.TITLE,
    Step.DESCRIPTION,
    Step.LOCATION,
    Step.COST,
    Step.PHOTOS,
    Step.NAME,
    Step.SUMMARY,
)


def following(turn: Turn[Step]) -> Step:
    """The step after the one answered (the summary while changing one answer from it)."""
    return turn.then(ORDER[ORDER.index(turn.step) + 1])


# ---- entry ----------------------------------------------------------------------------------
@private_only("usul")
async def begin(update: Update, context: BKMContext) -> int:
    """/usul: start a proposal, or offer the unfinished draft back."""
    tr = context.tr
    if await flows.load(context, FLOW) is not None:
        await reply(
            update,
            context,
            tr._("You have an unfinished proposal. Continue where you stopped?"),
            reply_markup=keyboard(
                [
                    [
                        (tr._("Continue"), buttons.RESUME.data),
                        (tr._("Start over"), buttons.RESTART.data),
                    ]
                ]
            ),
        )
        return END
    return await USUL.go(update, context, Step.FIELD, new_draft())


async def resume(update: Update, context: BKMContext) -> int:
    resumed = await USUL.resume(update, context)
    if resumed is None:
        await stale_button(update, context)
        return END
    return resumed


async def restart(update: Update, context: BKMContext) -> int:
    draft = await flows.load(context, FLOW)
    if draft is None:
        await stale_button(update, context)
        return END
    behalf = bool(draft.data.get("behalf")) and context.person.is_board
    first = Step.CHANNEL if behalf else Step.FIELD
    return await USUL.go(update, context, first, new_draft(behalf=behalf))


@board_only
@private_only("admin")
async def begin_on_behalf(update: Update, context: BKMContext) -> int:
    """/admin → file a proposal for a resident who came in person, by phone, box or SMS."""
    return await USUL.go(update, context, Step.CHANNEL, new_draft(behalf=True))


async def begin_revision(update: Update, context: BKMContext) -> int:
    """The proposer revises a proposal the board sent back ("perlu revisi")."""
    proposal = await _own_revisable(update, context)
    if proposal is None:
        await stale_button(update, context)
        return END
    unfinished = await flows.load(context, FLOW)
    if unfinished is not None and unfinished.data.get("revise") != proposal.id:
        await answer(
            update,
            context,
            context.tr._(
                "You have an unfinished proposal. Send /usul to finish it, or /batal "
                "there to drop it, then revise this one."
            ),
            alert=True,
        )
        return END
    return await USUL.go(update, context, Step.SUMMARY, revision_draft(proposal))


def revision_draft(proposal: proposals.Proposal) -> dict[str, Any]:
    """The proposal's answers as a draft, shown at the summary to change one by one."""
    data = new_draft()
    data.update(
        revise=proposal.id,
        reference=proposal.reference,
        editing=True,
        field=proposal.field,
        title=proposal.title,
        description=proposal.description,
        rt=proposal.rt,
        rw=proposal.rw,
        lat=proposal.latitude,
        lon=proposal.longitude,
        cost=proposal.estimated_cost,
        photos=list(proposal.photos),
        show_name=proposal.show_name,
    )
    return data


async def _own_revisable(update: Update, context: BKMContext) -> proposals.Proposal | None:
    proposal_id = buttons.Revise.pressed(update).proposal
    proposal = await context.db.read(proposals.get, proposal_id)
    if proposal is None or proposal.proposer_id != context.person.id:
        return None
    return proposal if proposal.status.value == "perlu_revisi" else None


# ---- the answers ----------------------------------------------------------------------------
async def take_channel(turn: Turn[Step]) -> Step | None:
    if not turn.context.person.is_board:
        await stale_button(turn.update, turn.context)
        return None
    turn.data["channel"] = buttons.Channel.pressed(turn.update).code
    return following(turn)


async def take_resident(turn: Turn[Step]) -> Step:
    turn.data["resident_name"] = person_name(turn.value)  # or Invalid: said, asked again
    return following(turn)


async def skip_resident(turn: Turn[Step]) -> Step:
    turn.data["resident_name"] = None
    return following(turn)


async def take_field(turn: Turn[Step]) -> Step:
    turn.data["field"] = buttons.Field.pressed(turn.update).code
    return following(turn)


async def take_title(turn: Turn[Step]) -> Step:
    data = turn.data
    data["title"] = text_length(turn.value.replace("\n", " "), 5, 120)
    if turn.editing:
        return Step.SUMMARY
    found = await turn.context.db.read(proposals.similar, data["title"])
    found = [p for p in found if p.id != data.get("revise")]
    if found:
        data["similar"] = [{"id": p.id, "reference": p.reference, "title": p.title} for p in found]
        return Step.SIMILAR
    data.pop("similar", None)
    return Step.DESCRIPTION


async def own_proposal(turn: Turn[Step]) -> Step:
    turn.data.pop("similar", None)
    return Step.DESCRIPTION


async def support_similar(turn: Turn[Step]) -> int | None:
    """Support an existing proposal instead of filing a new one: the draft is discarded."""
    update, context, data = turn.update, turn.context, turn.data
    proposal_id = buttons.Similar.pressed(update).proposal
    offered = {item["id"]: item["reference"] for item in data.get("similar", [])}
    if proposal_id not in offered:
        await stale_button(update, context)
        return None
    if data.get("behalf"):
        await answer(
            update, context, turn.tr._("Only members endorse for themselves."), alert=True
        )
        return None
    if not await proposals_browse.endorse_and_tell(update, context, proposal_id):
        return None
    await flows.end_flow(update, context, FLOW, keep=False)
    await reply(
        update,
        context,
        turn.tr._("Thank you. You support {ref}; your own draft was discarded.").format(
            ref=offered[proposal_id]
        ),
    )
    return END


async def take_description(turn: Turn[Step]) -> Step:
    turn.data["description"] = text_length(turn.value, 20, 2000)
    return following(turn)


async def take_location(turn: Turn[Step]) -> Step | None:
    """RT/RW typed or a location shared; both may be given before pressing Next."""
    update, context, data, tr = turn.update, turn.context, turn.data, turn.tr
    shared = turn.message.location
    if shared is not None:
        data["lat"], data["lon"] = shared.latitude, shared.longitude
        got = tr._("Location received.")
    else:
        parsed = parse_rtrw(turn.value)
        if parsed is None:
            example = tr._("Write it like this: RT 3 RW 5, or 03/05.")
            await reply(update, context, tr._("I could not read that RT/RW.") + " " + example)
            return None
        data["rt"], data["rw"] = parsed.rt, parsed.rw
        got = tr._("{rtrw} received.").format(rtrw=str(parsed))
    if data.get("rt") and data.get("lat") is not None:
        await reply(update, context, got)
        return following(turn)
    # one of the two so far: kept, and the other offered (the step stays)
    await flows.save_step(update, context, FLOW, Step.LOCATION, data)
    other = (
        tr._("You may also share a map location.")
        if data.get("rt")
        else tr._("You may also write the RT and RW.")
    )
    await reply(update, context, f"{got} {other}", reply_markup=location_buttons(tr))
    return None


async def location_done(turn: Turn[Step]) -> Step | None:
    if not turn.data.get("rt") and turn.data.get("lat") is None:
        await answer(
            turn.update,
            turn.context,
            turn.tr._("Write the RT and RW or share a location first."),
            alert=True,
        )
        return None
    return following(turn)


async def take_cost(turn: Turn[Step]) -> Step:
    context = turn.context
    ceiling = context.settings.cost_ceiling
    turn.data["cost"] = parse_amount(turn.value, context.tr.language, ceiling=ceiling)
    return following(turn)


async def cost_unknown(turn: Turn[Step]) -> Step:
    turn.data["cost"] = None
    return following(turn)


async def take_photo(turn: Turn[Step]) -> Step | None:
    photos = list(turn.data.get("photos", []))
    if len(photos) >= MAX_PHOTOS:
        await reply(turn.update, turn.context, turn.tr._("That is enough photos: at most 3."))
        return None
    photos.append(turn.message.photo[-1].file_id)
    turn.data["photos"] = photos
    return following(turn) if len(photos) >= MAX_PHOTOS else Step.PHOTOS


async def photos_done(turn: Turn[Step]) -> Step:
    return following(turn)


async def take_show_name(turn: Turn[Step]) -> Step:
    turn.data["show_name"] = buttons.ShowName.pressed(turn.update).answer == "y"
    return Step.SUMMARY


async def change(turn: Turn[Step]) -> Step | None:
    """Ubah on the summary: the list of answers to change."""
    if buttons.Change.pressed(turn.update).draft != turn.data.get("v"):
        await stale_button(turn.update, turn.context)  # an older summary's button
        return None
    return Step.EDIT


def forget_photos(key: str, data: dict[str, Any]) -> None:
    """Changing the photos starts them again."""
    if key == "photos":
        data["photos"] = []


change_one = edit(
    {**{key: step for key, _, step in EDITABLE}, "summary": Step.SUMMARY}, forget_photos
)


async def back(turn: Turn[Step]) -> Step:
    """Kembali: the step before (the summary while changing one answer from it)."""
    if turn.editing:
        return Step.SUMMARY
    if turn.step is Step.FIELD and turn.data.get("behalf"):
        return Step.RESIDENT
    return BACK.get(turn.step, turn.step)


# ---- sending ----------------------------------------------------------------------------------
async def submit(turn: Turn[Step]) -> int | None:
    """Kirim: save the proposal (committed, with the draft's end, before the confirmation)."""
    update, context, data = turn.update, turn.context, turn.data
    if buttons.Send.pressed(update).draft != data.get("v"):
        await stale_button(update, context)  # an older summary's button
        return None
    await answer(update, context)
    person = context.person
    key = flows.conversation_key_of(update)
    now = context.clock.now()
    year = now.astimezone(context.settings.timezone).year
    behalf = bool(data.get("behalf")) and person.is_board

    def save_and_close(conn: Any) -> proposals.Proposal:
        if data.get("revise"):
            saved = proposals.revise(
                conn,
                proposal_id=data["revise"],
                person_id=person.id,
                changes=changes(data),
                now=now,
            )
        else:
            saved = proposals.create(
                conn, **new_proposal(data, person.id, behalf), now=now, year=year
            )
        flow_rows.end(conn, person_id=person.id, flow=FLOW, conversation_key=key, keep=False)
        return saved

    try:
        saved = await context.db.write(save_and_close)
    except (InvalidTransition, proposals.NotFound):
        await flows.end_flow(update, context, FLOW, keep=False)
        await reply(update, context, context.tr._("This proposal can no longer be changed."))
        return END
    await reply(
        update,
        context,
        confirmation(context, saved, revised=bool(data.get("revise"))),
        reply_markup=keyboard([[(context.tr._("View proposal"), buttons.View(saved.id).data)]]),
    )
    await tell_board(context, saved)
    return END


def changes(data: dict[str, Any]) -> dict[str, Any]:
    """A revision's answers, as storage names them."""
    return {
        "field": data["field"],
        "title": data["title"],
        "description": data["description"],
        "rt": data.get("rt"),
        "rw": data.get("rw"),
        "latitude": data.get("lat"),
        "longitude": data.get("lon"),
        "estimated_cost": data.get("cost"),
        "photos": data.get("photos", []),
        "show_name": data.get("show_name", False),
    }


def new_proposal(data: dict[str, Any], person_id: int, behalf: bool) -> dict[str, Any]:
    """A new proposal's answers, as storage names them; who proposed it and how."""
    return {
        **changes(data),
        "show_name": bool(data.get("show_name")),
        "proposer_id": None if behalf else person_id,
        "filed_by": person_id if behalf else None,
        "channel": data.get("channel", "telegram") if behalf else "telegram",
        "proposer_name": data.get("resident_name") if behalf else None,
    }


def confirmation(context: BKMContext, saved: proposals.Proposal, *, revised: bool) -> str:
    tr = context.tr
    text = (
        tr._("Sent again for review. Proposal number: <b>{ref}</b>.")
        if revised
        else tr._(
            "Thank you! Your proposal is saved and public. Proposal number: <b>{ref}</b>.\n"
            "The BKM board will review it; you will be told of every change."
        )
    )
    link = f"https://t.me/{context.bot.username}?start=usl_{saved.reference}"
    share = tr._("Share this link so members can support it: {link}").format(link=link)
    return text.format(ref=saved.reference) + "\n\n" + share


async def tell_board(context: BKMContext, saved: proposals.Proposal) -> None:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("New proposal {ref} is waiting for review. Open /tinjau.").format(
                ref=saved.reference
            ),
            buttons=(((tr._("View proposal"), buttons.View(saved.id).data),),),
        )

    await outbox.notify_board(
        context.application, render, kind="proposal.submitted", exclude=(context.person.id,)
    )


# ---- the flow -----------------------------------------------------------------------------------
NOT_TEXT = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
WANT_TEXT = unusable(NOT_TEXT, N_("Please write your answer as text."), ask_again=True)
WANT_BUTTON = unusable(
    filters.ALL & ~filters.COMMAND, N_("Please choose one of the buttons."), ask_again=True
)
WANT_PHOTO = unusable(
    ~filters.COMMAND & ~filters.StatusUpdate.ALL,
    N_("Please send a photo, or press Skip / Done to go on."),
)
BACK_PRESS = press(buttons.BACK, back)


def typed(take: Take, *presses: Answer) -> tuple[list[Answer], list[Unusable]]:
    """A step answered by typing (some with a button too), with Back."""
    return [*presses, text(take), BACK_PRESS], [WANT_TEXT]


USUL: Flow[Step] = Flow(
    FLOW,
    [
        Ask(Step.CHANNEL, ask_channel, [press(buttons.Channel, take_channel)], [WANT_BUTTON]),
        Ask(
            Step.RESIDENT,
            ask_resident,
            *typed(take_resident, press(buttons.SKIP_RESIDENT, skip_resident)),
        ),
        Ask(Step.FIELD, ask_field, [press(buttons.Field, take_field), BACK_PRESS], [WANT_BUTTON]),
        Ask(Step.TITLE, ask_title, *typed(take_title)),
        Ask(
            Step.SIMILAR,
            ask_similar,
            [
                press(buttons.Similar, support_similar),
                press(buttons.OWN_PROPOSAL, own_proposal),
                BACK_PRESS,
            ],
            [WANT_BUTTON],
        ),
        Ask(Step.DESCRIPTION, ask_description, *typed(take_description)),
        Ask(
            Step.LOCATION,
            ask_location,
            [
                message(TEXT | filters.LOCATION, take_location),
                press(buttons.LOCATION_DONE, location_done),
                BACK_PRESS,
            ],
            [WANT_TEXT],
        ),
        Ask(Step.COST, ask_cost, *typed(take_cost, press(buttons.COST_UNKNOWN, cost_unknown))),
        Ask(
            Step.PHOTOS,
            ask_photos,
            [
                message(filters.PHOTO, take_photo),
                press(buttons.PHOTOS_DONE, photos_done),
                BACK_PRESS,
            ],
            [WANT_PHOTO],
        ),
        Ask(
            Step.NAME,
            ask_name,
            [press(buttons.ShowName, take_show_name), BACK_PRESS],
            [WANT_BUTTON],
        ),
        Ask(
            Step.SUMMARY,
            ask_summary,
            [press(buttons.Send, submit), press(buttons.Change, change)],
            [WANT_BUTTON],
        ),
        Ask(Step.EDIT, ask_change, [press(buttons.ChangeField, change_one)], [WANT_BUTTON]),
    ],
    entry=[
        CommandHandler(["usul", "propose"], begin),
        CommandHandler("start", begin, filters=filters.Regex(r"^/start usul$")),
        on(buttons.PROPOSE, begin),
        on(buttons.RESUME, resume),
        on(buttons.RESTART, restart),
        on(buttons.ON_BEHALF, begin_on_behalf),
        on(buttons.Revise, begin_revision),
    ],
    cancel=Cancel(N_("Cancelled. Nothing was sent."), pattern=buttons.CANCEL.matches),
    board_step=draft_flag(FLOW, "behalf"),  # filing for a resident is a board flow
    summary=Step.SUMMARY,
)
