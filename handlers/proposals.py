"""Proposals (usulan warga): the resident's /usul flow, filing on behalf, and revising.

Browsing and endorsing are in proposals_browse.py, the board's review in proposals_review.py;
this module hands over the whole feature.
"""

from __future__ import annotations

import html
import secrets
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

from bot import flows, outbox
from bot.access import answer, board_only, private_only, reply
from bot.amounts import parse_amount
from bot.context import BKMContext
from bot.features import (
    AdminItem,
    Command,
    DemoSeeder,
    Exporter,
    Feature,
    MenuItem,
    PersonalData,
    Section,
)
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from bot.outbox import Outgoing
from bot.proposal_status import InvalidTransition
from bot.rtrw import parse_rtrw
from bot.validate import Invalid, person_name, text_length
from handlers import proposals_browse, proposals_review
from handlers.core import stale_button
from handlers.membership import current_draft
from handlers.proposals_view import CHANNEL_LABELS, FIELD_LABELS, cost_text, field_label, rtrw_text
from storage import flows as flow_rows
from storage import proposals, proposals_demo
from storage.people import Role

FLOW = "proposal_submit"
MAX_PHOTOS = 3


class Step(IntEnum):
    FIELD = 1
    TITLE = 2
    SIMILAR = 3
    DESCRIPTION = 4
    LOCATION = 5
    COST = 6
    PHOTOS = 7
    NAME = 8
    SUMMARY = 9
    EDIT = 10
    CHANNEL = 11
    RESIDENT = 12


# Where "Back" leads from each step (on behalf, FIELD goes back to the resident's name).
BACK = {
    Step.TITLE: Step.FIELD,
    Step.SIMILAR: Step.TITLE,
    Step.DESCRIPTION: Step.TITLE,
    Step.LOCATION: Step.DESCRIPTION,
    Step.COST: Step.LOCATION,
    Step.PHOTOS: Step.COST,
    Step.NAME: Step.PHOTOS,
    Step.SUMMARY: Step.NAME,
    Step.RESIDENT: Step.CHANNEL,
}
# What "Change" offers on the summary: (key, label, step).
EDITABLE = (
    ("field", N_("Field"), Step.FIELD),
    ("title", N_("Title"), Step.TITLE),
    ("description", N_("Description"), Step.DESCRIPTION),
    ("location", N_("Location"), Step.LOCATION),
    ("cost", N_("Estimated cost"), Step.COST),
    ("photos", N_("Photos"), Step.PHOTOS),
    ("name", N_("Show name"), Step.NAME),
)


def back_row(tr: Translator) -> list[tuple[str, str]]:
    return [(tr._("Back"), "usl:back"), (tr._("Cancel"), "usl:cancel")]


def summary_text(tr: Translator, data: dict[str, Any]) -> str:
    lines = [tr._("<b>Your proposal</b>")]
    if data.get("behalf"):
        lines.append(
            tr._("Filed on behalf of: {name} (via {channel})").format(
                name=html.escape(data.get("resident_name") or tr._("resident")),
                channel=tr._(CHANNEL_LABELS.get(data.get("channel", ""), "-")),
            )
        )
    places = [rtrw_text(data["rt"], data["rw"])] if data.get("rt") else []
    if data.get("lat") is not None:
        places.append(tr._("Map location shared"))
    location = " · ".join(places) or "-"
    lines += [
        tr._("Field: {field}").format(field=field_label(tr, data.get("field", ""))),
        tr._("Title: {title}").format(title=html.escape(data.get("title", ""))),
        tr._("Description: {text}").format(text=html.escape(data.get("description", ""))),
        tr._("Location: {rtrw}").format(rtrw=location),
        tr._("Estimated cost: {cost}").format(cost=cost_text(tr, data.get("cost"))),
        tr.ngettext("{n} photo", "{n} photos", len(data.get("photos", []))).format(
            n=len(data.get("photos", []))
        ),
        tr._("Name shown publicly: {answer}").format(
            answer=tr._("yes") if data.get("show_name") else tr._("no")
        ),
    ]
    return "\n".join(lines)


async def ask(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> None:
    """Send the question of a step, with its buttons."""
    tr = context.tr
    if step is Step.CHANNEL:
        options = [(tr._(label), f"usl:ch:{code}") for code, label in CHANNEL_LABELS.items()]
        await reply(
            update,
            context,
            tr._("Filing a proposal for a resident. How did it reach the board?"),
            reply_markup=column([o for o in options if not o[1].endswith("telegram")]),
        )
    elif step is Step.RESIDENT:
        await reply(
            update,
            context,
            tr._("The resident's full name? It is shown only if they agree (asked later)."),
            reply_markup=keyboard([[(tr._("Skip"), "usl:res:skip")], back_row(tr)]),
        )
    elif step is Step.FIELD:
        options = [[(tr._(label), f"usl:f:{code}")] for code, label in FIELD_LABELS.items()]
        rows = options + (
            [back_row(tr)] if data.get("behalf") else [[(tr._("Cancel"), "usl:cancel")]]
        )
        await reply(
            update,
            context,
            tr._("Which field (bidang) is the proposal about?"),
            reply_markup=keyboard(rows),
        )
    elif step is Step.TITLE:
        await reply(
            update,
            context,
            tr._(
                "Give it a short title (5 to 120 characters), "
                "for example: Perbaikan saluran air RT 03."
            ),
            reply_markup=keyboard([back_row(tr)]),
        )
    elif step is Step.SIMILAR:
        found = data.get("similar", [])
        lines = [tr._("Similar proposals already exist. You can support one instead:")]
        rows = []
        for item in found:
            lines.append(f"<b>{item['reference']}</b> — {html.escape(item['title'])}")
            label = tr._("Support {ref} instead").format(ref=item["reference"])
            rows.append([(label, f"usl:sim:{item['id']}")])
        rows.append([(tr._("Continue with my own proposal"), "usl:go")])
        rows.append(back_row(tr))
        await reply(update, context, "\n".join(lines), reply_markup=keyboard(rows))
    elif step is Step.DESCRIPTION:
        await reply(
            update,
            context,
            tr._("Describe the problem and what should be done (20 to 2000 characters)."),
            reply_markup=keyboard([back_row(tr)]),
        )
    elif step is Step.LOCATION:
        await reply(
            update,
            context,
            tr._(
                "Where is it? Write the RT and RW (for example RT 3 RW 5), share a location "
                "(📎 → Location), or both. Press Next when done."
            ),
            reply_markup=keyboard([[(tr._("Next"), "usl:loc:next")], back_row(tr)]),
        )
    elif step is Step.COST:
        await reply(
            update,
            context,
            tr._("Estimated cost? For example 1.500.000, 1,5 juta or 750 ribu."),
            reply_markup=keyboard([[(tr._("I don't know"), "usl:cost:unknown")], back_row(tr)]),
        )
    elif step is Step.PHOTOS:
        have = len(data.get("photos", []))
        await reply(
            update,
            context,
            tr._("Send up to {n} photos, or skip.").format(n=MAX_PHOTOS)
            + (
                " " + tr._("{have} of {n} received.").format(have=have, n=MAX_PHOTOS)
                if have
                else ""
            ),
            reply_markup=keyboard(
                [[(tr._("Done") if have else tr._("Skip"), "usl:ph:done")], back_row(tr)]
            ),
        )
    elif step is Step.NAME:
        await reply(
            update,
            context,
            tr._(
                "Show the proposer's name publicly? If not, the public sees only "
                '"resident of RT x/RW y".'
            ),
            reply_markup=keyboard(
                [
                    [(tr._("No, keep the name hidden"), "usl:nm:n")],
                    [(tr._("Yes, show the name"), "usl:nm:y")],
                    back_row(tr),
                ]
            ),
        )
    elif step is Step.SUMMARY:
        token = data.get("v", "")
        await reply(
            update,
            context,
            summary_text(tr, data) + "\n\n" + tr._("Send it to the BKM board?"),
            reply_markup=keyboard(
                [
                    [(tr._("Submit"), f"usl:send:{token}")],
                    [(tr._("Change"), f"usl:edit:{token}"), (tr._("Cancel"), "usl:cancel")],
                ]
            ),
        )
    elif step is Step.EDIT:
        rows = [[(tr._(label), f"usl:e:{key}")] for key, label, _ in EDITABLE]
        rows.append([(tr._("Back to the summary"), "usl:e:summary")])
        await reply(
            update, context, tr._("What do you want to change?"), reply_markup=keyboard(rows)
        )


async def go(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> int:
    """Commit the answers and the next step, then ask it."""
    await flows.save_step(update, context, FLOW, step, data)
    await ask(update, context, step, data)
    return step


def after(step: Step, data: dict[str, Any]) -> Step:
    """The step that follows a completed one (the summary when changing a single answer)."""
    if data.get("editing"):
        return Step.SUMMARY
    order = [
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
    ]
    return order[order.index(step) + 1]


def new_draft(*, behalf: bool = False) -> dict[str, Any]:
    return {"v": secrets.token_hex(4), "photos": [], "show_name": False, "behalf": behalf}


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
    return await current_draft(update, context, FLOW)


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
    await reply(
        update,
        context,
        text.format(ref=saved.reference),
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


# ---- wiring ---------------------------------------------------------------------------------
TEXT = filters.TEXT & ~filters.COMMAND
NOT_TEXT = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
CANCEL = ["batal", "cancel"]


def _flow() -> ConversationHandler[Any]:
    back_button = CallbackQueryHandler(back, pattern=r"^usl:back$")

    def typed(callback: Any) -> list[BaseHandler[Any, Any, Any]]:
        return [MessageHandler(TEXT, callback), MessageHandler(NOT_TEXT, want_text), back_button]

    return ConversationHandler(
        name=FLOW,
        persistent=True,
        entry_points=[
            CommandHandler(["usul", "propose"], begin),
            CommandHandler("start", begin, filters=filters.Regex(r"^/start usul$")),
            CallbackQueryHandler(begin, pattern=r"^menu:propose$"),
            CallbackQueryHandler(resume, pattern=r"^usl:resume$"),
            CallbackQueryHandler(restart, pattern=r"^usl:restart$"),
            CallbackQueryHandler(begin_on_behalf, pattern=r"^adm:proposal_behalf$"),
            CallbackQueryHandler(begin_revision, pattern=r"^usl:rev:"),
        ],
        states={
            Step.CHANNEL: [
                CallbackQueryHandler(channel_chosen, pattern=r"^usl:ch:"),
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.RESIDENT: [
                CallbackQueryHandler(resident_named, pattern=r"^usl:res:skip$"),
                *typed(resident_named),
            ],
            Step.FIELD: [
                CallbackQueryHandler(field_chosen, pattern=r"^usl:f:"),
                back_button,
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.TITLE: typed(title_given),
            Step.SIMILAR: [
                CallbackQueryHandler(similar_endorse, pattern=r"^usl:sim:"),
                CallbackQueryHandler(similar_continue, pattern=r"^usl:go$"),
                back_button,
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.DESCRIPTION: typed(description_given),
            Step.LOCATION: [
                MessageHandler(TEXT | filters.LOCATION, location_given),
                CallbackQueryHandler(location_done, pattern=r"^usl:loc:next$"),
                MessageHandler(NOT_TEXT, want_text),
                back_button,
            ],
            Step.COST: [
                CallbackQueryHandler(cost_given, pattern=r"^usl:cost:unknown$"),
                *typed(cost_given),
            ],
            Step.PHOTOS: [
                MessageHandler(filters.PHOTO, photo_given),
                CallbackQueryHandler(photos_done, pattern=r"^usl:ph:done$"),
                back_button,
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, want_photo),
            ],
            Step.NAME: [
                CallbackQueryHandler(name_chosen, pattern=r"^usl:nm:"),
                back_button,
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.SUMMARY: [
                CallbackQueryHandler(submit, pattern=r"^usl:send:"),
                CallbackQueryHandler(edit_menu, pattern=r"^usl:edit:"),
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.EDIT: [
                CallbackQueryHandler(edit_field, pattern=r"^usl:e:"),
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
        },
        fallbacks=[
            CommandHandler(CANCEL, cancel),
            CallbackQueryHandler(cancel, pattern=r"^usl:cancel$"),
        ],
        allow_reentry=True,
    )


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [_flow(), *proposals_review.handlers(), *proposals_browse.handlers()]


FEATURE = Feature(
    name="proposals",
    order=30,
    handlers=_handlers,
    commands=(
        Command("usul", "propose", N_("Propose a development activity")),
        Command("usulan", "proposals", N_("Browse residents' proposals"), public=True),
        Command("usulanku", "myproposals", N_("Your own proposals")),
        Command("tinjau", "review", N_("Review proposals"), role=Role.BOARD),
    ),
    main_menu=(
        MenuItem("propose", N_("Make a proposal"), order=20),
        MenuItem("proposals", N_("Residents' proposals"), order=21),
    ),
    admin_menu=(
        AdminItem("review", N_("Review proposals"), order=20),
        AdminItem("proposal_behalf", N_("File a proposal for a resident"), order=21),
    ),
    transparency=(Section("proposals", 30, proposals_browse.transparency_section),),
    digest=(Section("proposals", 30, proposals_browse.digest_section),),
    exports=(Exporter("proposals", proposals.EXPORT_HEADER, proposals.export_rows),),
    demo=(DemoSeeder(30, proposals_demo.seed),),
    personal_data=(
        PersonalData(
            "proposals",
            proposals.export_person,
            proposals.erase_person,
            proposals.merge_people,
        ),
    ),
)
