"""The /usul flow: a resident's proposal step by step, filing on behalf, and revising."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot import flows
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.i18n import Translator
from bot.keyboards import keyboard
from handlers.proposals import browse as proposals_browse
from handlers.proposals.questions import (
    BACK,
    EDITABLE,
    FLOW,
    MAX_PHOTOS,
    Step,
    after,
    ask,
    back_row,
    go,
    new_draft,
)
from handlers.proposals.view import CHANNEL_LABELS, FIELD_LABELS
from rules.amounts import parse_amount
from rules.proposal_status import InvalidTransition
from rules.rtrw import parse_rtrw
from rules.validate import Invalid, person_name, text_length
from storage import proposals
from storage.flows import steps as flow_rows


# ---- entry --------------------------------------------------------------------------------------
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
                [[(tr._("Continue"), "usl:resume"), (tr._("Start over"), "usl:restart")]]
            ),
        )
        return flows.END
    await answer(update, context)
    return await go(update, context, Step.FIELD, new_draft())


async def resume(update: Update, context: BKMContext) -> int:
    draft = await flows.load(context, FLOW)
    if draft is None:
        await stale_button(update, context)
        return flows.END
    await answer(update, context)
    step = Step[draft.step]
    return await go(update, context, step, dict(draft.data))


async def restart(update: Update, context: BKMContext) -> int:
    draft = await flows.load(context, FLOW)
    if draft is None:
        await stale_button(update, context)
        return flows.END
    await answer(update, context)
    behalf = bool(draft.data.get("behalf")) and context.person.is_board
    data = new_draft(behalf=behalf)
    return await go(update, context, Step.CHANNEL if behalf else Step.FIELD, data)


@board_only
@private_only("admin")
async def begin_on_behalf(update: Update, context: BKMContext) -> int:
    """/admin → file a proposal for a resident who came in person, by phone, box or SMS."""
    await answer(update, context)
    return await go(update, context, Step.CHANNEL, new_draft(behalf=True))


async def begin_revision(update: Update, context: BKMContext) -> int:
    """The proposer revises a proposal the board sent back ("perlu revisi")."""
    proposal = await _own_revisable(update, context)
    if proposal is None:
        await stale_button(update, context)
        return flows.END
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
        return flows.END
    await answer(update, context)
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
    return await go(update, context, Step.SUMMARY, data)


async def _own_revisable(update: Update, context: BKMContext) -> proposals.Proposal | None:
    proposal_id = proposals_browse.id_from(update, 2)
    if proposal_id is None:
        return None
    proposal = await context.db.read(proposals.get, proposal_id)
    if proposal is None or proposal.proposer_id != context.person.id:
        return None
    return proposal if proposal.status.value == "perlu_revisi" else None


# ---- steps --------------------------------------------------------------------------------------
async def draft_or_stop(update: Update, context: BKMContext) -> dict[str, Any] | None:
    return await flows.current_draft(update, context, FLOW)


def choice(update: Update, prefix: str) -> str | None:
    query = update.callback_query
    data = query.data if query else None
    return data.removeprefix(prefix) if data and data.startswith(prefix) else None


async def channel_chosen(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    code = choice(update, "usl:ch:")
    if not context.person.is_board or code not in CHANNEL_LABELS or code == "telegram":
        await stale_button(update, context)
        return None
    data["channel"] = code
    return await go(update, context, after(Step.CHANNEL, data), data)


async def resident_named(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    if update.callback_query is None:
        assert update.message is not None
        try:
            data["resident_name"] = person_name(update.message.text or "")
        except Invalid as exc:
            await reply(update, context, exc.text(context.tr))
            return None
    else:
        data["resident_name"] = None
    return await go(update, context, after(Step.RESIDENT, data), data)


async def field_chosen(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    code = choice(update, "usl:f:")
    if code not in FIELD_LABELS:
        await stale_button(update, context)
        return None
    data["field"] = code
    return await go(update, context, after(Step.FIELD, data), data)


async def title_given(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    assert update.message is not None
    try:
        data["title"] = text_length((update.message.text or "").replace("\n", " "), 5, 120)
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    if data.get("editing"):
        return await go(update, context, Step.SUMMARY, data)
    found = await context.db.read(proposals.similar, data["title"])
    found = [p for p in found if p.id != data.get("revise")]
    if found:
        data["similar"] = [{"id": p.id, "reference": p.reference, "title": p.title} for p in found]
        return await go(update, context, Step.SIMILAR, data)
    data.pop("similar", None)
    return await go(update, context, Step.DESCRIPTION, data)


async def similar_continue(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    data.pop("similar", None)
    return await go(update, context, Step.DESCRIPTION, data)


async def similar_endorse(update: Update, context: BKMContext) -> int | None:
    """Support an existing proposal instead of filing a new one: the draft is discarded."""
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    proposal_id = proposals_browse.id_from(update, 2)
    offered = [item["id"] for item in data.get("similar", [])]
    if proposal_id is None or proposal_id not in offered:
        await stale_button(update, context)
        return None
    if data.get("behalf"):
        await answer(
            update, context, context.tr._("Only members endorse for themselves."), alert=True
        )
        return None
    done = await proposals_browse.endorse_and_tell(update, context, proposal_id)
    if not done:
        return None
    await flows.end_flow(update, context, FLOW, keep=False)
    await reply(
        update,
        context,
        context.tr._("Thank you. You support {ref}; your own draft was discarded.").format(
            ref=next(item["reference"] for item in data["similar"] if item["id"] == proposal_id)
        ),
    )
    return flows.END


async def description_given(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    assert update.message is not None
    try:
        data["description"] = text_length(update.message.text or "", 20, 2000)
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    return await go(update, context, after(Step.DESCRIPTION, data), data)


async def location_given(update: Update, context: BKMContext) -> int | None:
    """RT/RW typed or a location shared; both may be given before pressing Next."""
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    tr = context.tr
    message = update.message
    assert message is not None
    if message.location is not None:
        data["lat"], data["lon"] = message.location.latitude, message.location.longitude
        got = tr._("Location received.")
    else:
        parsed = parse_rtrw(message.text or "")
        if parsed is None:
            await reply(
                update,
                context,
                tr._("I could not read that RT/RW.")
                + " "
                + tr._("Write it like this: RT 3 RW 5, or 03/05."),
            )
            return None
        data["rt"], data["rw"] = parsed.rt, parsed.rw
        got = tr._("{rtrw} received.").format(rtrw=str(parsed))
    if data.get("rt") and data.get("lat") is not None:
        await reply(update, context, got)
        return await go(update, context, after(Step.LOCATION, data), data)
    await flows.save_step(update, context, FLOW, Step.LOCATION, data)
    other = (
        tr._("You may also share a map location.")
        if data.get("rt")
        else tr._("You may also write the RT and RW.")
    )
    await reply(
        update,
        context,
        f"{got} {other}",
        reply_markup=keyboard([[(tr._("Next"), "usl:loc:next")], back_row(tr)]),
    )
    return Step.LOCATION


async def location_done(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    if not data.get("rt") and data.get("lat") is None:
        await answer(
            update,
            context,
            context.tr._("Write the RT and RW or share a location first."),
            alert=True,
        )
        return None
    await answer(update, context)
    return await go(update, context, after(Step.LOCATION, data), data)


async def cost_given(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    if update.callback_query is not None:
        data["cost"] = None
    else:
        assert update.message is not None
        try:
            data["cost"] = parse_amount(
                update.message.text or "",
                context.tr.language,
                ceiling=context.settings.cost_ceiling,
            )
        except Invalid as exc:
            await reply(update, context, exc.text(context.tr))
            return None
    return await go(update, context, after(Step.COST, data), data)


async def photo_given(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    assert update.message is not None and update.message.photo
    photos = list(data.get("photos", []))
    if len(photos) >= MAX_PHOTOS:
        await reply(update, context, context.tr._("That is enough photos: at most 3."))
        return None
    photos.append(update.message.photo[-1].file_id)
    data["photos"] = photos
    if len(photos) >= MAX_PHOTOS:
        return await go(update, context, after(Step.PHOTOS, data), data)
    return await go(update, context, Step.PHOTOS, data)


async def photos_done(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    return await go(update, context, after(Step.PHOTOS, data), data)


async def name_chosen(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    code = choice(update, "usl:nm:")
    if code not in ("y", "n"):
        await stale_button(update, context)
        return None
    data["show_name"] = code == "y"
    return await go(update, context, Step.SUMMARY, data)


async def back(update: Update, context: BKMContext) -> int | None:
    draft = await flows.load(context, FLOW)
    if draft is None:
        await stale_button(update, context)
        return flows.END
    data = dict(draft.data)
    step = Step[draft.step]
    if data.get("editing"):
        return await go(update, context, Step.SUMMARY, data)
    target = BACK.get(step, step)
    if step is Step.FIELD and data.get("behalf"):
        target = Step.RESIDENT
    return await go(update, context, target, data)


async def edit_menu(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    if choice(update, "usl:edit:") != data.get("v"):
        await stale_button(update, context)
        return None
    return await go(update, context, Step.EDIT, data)


async def edit_field(update: Update, context: BKMContext) -> int | None:
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    key = choice(update, "usl:e:")
    if key == "summary":
        return await go(update, context, Step.SUMMARY, data)
    step = next((s for k, _, s in EDITABLE if k == key), None)
    if step is None:
        await stale_button(update, context)
        return None
    data["editing"] = True
    if step is Step.PHOTOS:
        data["photos"] = []
    return await go(update, context, step, data)


async def submit(update: Update, context: BKMContext) -> int | None:
    """Kirim: save the proposal (committed before the confirmation is sent)."""
    data = await draft_or_stop(update, context)
    if data is None:
        return flows.END
    if choice(update, "usl:send:") != data.get("v"):
        await stale_button(update, context)
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
                changes={
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
                },
                now=now,
            )
        else:
            saved = proposals.create(
                conn,
                proposer_id=None if behalf else person.id,
                filed_by=person.id if behalf else None,
                channel=data.get("channel", "telegram") if behalf else "telegram",
                proposer_name=data.get("resident_name") if behalf else None,
                field=data["field"],
                title=data["title"],
                description=data["description"],
                rt=data.get("rt"),
                rw=data.get("rw"),
                latitude=data.get("lat"),
                longitude=data.get("lon"),
                estimated_cost=data.get("cost"),
                photos=data.get("photos", []),
                show_name=bool(data.get("show_name")),
                now=now,
                year=year,
            )
        flow_rows.end(conn, person_id=person.id, flow=FLOW, conversation_key=key, keep=False)
        return saved

    try:
        saved = await context.db.write(save_and_close)
    except (InvalidTransition, proposals.NotFound):
        await flows.end_flow(update, context, FLOW, keep=False)
        await reply(update, context, context.tr._("This proposal can no longer be changed."))
        return flows.END
    tr = context.tr
    text = (
        tr._("Sent again for review. Proposal number: <b>{ref}</b>.")
        if data.get("revise")
        else tr._(
            "Thank you! Your proposal is saved and public. Proposal number: <b>{ref}</b>.\n"
            "The BKM board will review it; you will be told of every change."
        )
    )
    link = f"https://t.me/{context.bot.username}?start=usl_{saved.reference}"
    share = tr._("Share this link so members can support it: {link}").format(link=link)
    await reply(
        update,
        context,
        text.format(ref=saved.reference) + "\n\n" + share,
        reply_markup=keyboard([[(tr._("View proposal"), f"usl:v:{saved.id}")]]),
    )
    await tell_board(context, saved)
    return flows.END


async def tell_board(context: BKMContext, saved: proposals.Proposal) -> None:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("New proposal {ref} is waiting for review. Open /tinjau.").format(
                ref=saved.reference
            ),
            buttons=(((tr._("View proposal"), f"usl:v:{saved.id}"),),),
        )

    await outbox.notify_board(
        context.application, render, kind="proposal.submitted", exclude=(context.person.id,)
    )


async def cancel(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.end_flow(update, context, FLOW, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nothing was sent."))
    return flows.END


async def want_text(update: Update, context: BKMContext) -> int | None:
    """A photo, sticker or file where typed text is expected."""
    draft = await flows.load(context, FLOW)
    if draft is None:
        return flows.END
    await reply(update, context, context.tr._("Please write your answer as text."))
    await ask(update, context, Step[draft.step], draft.data)
    return None


async def want_photo(update: Update, context: BKMContext) -> int | None:
    await reply(
        update, context, context.tr._("Please send a photo, or press Skip / Done to go on.")
    )
    return None


async def want_button(update: Update, context: BKMContext) -> int | None:
    draft = await flows.load(context, FLOW)
    if draft is None:
        return flows.END
    await reply(update, context, context.tr._("Please choose one of the buttons."))
    await ask(update, context, Step[draft.step], draft.data)
    return None
