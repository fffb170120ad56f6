"""The /usul flow's steps and questions: what is asked at each step, and where Back leads."""

from __future__ import annotations

import html
import secrets
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.access import reply
from bot.context import BKMContext
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from handlers.proposals import buttons
from handlers.proposals.view import CHANNEL_LABELS, FIELD_LABELS, cost_text, field_label, rtrw_text

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
    return [(tr._("Back"), buttons.BACK.data), (tr._("Cancel"), buttons.CANCEL.data)]


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


# ---- each step's question (the flow runner asks it: on the way, after Back, again after an
# answer it cannot use) ---------------------------------------------------------------------------
async def ask_channel(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    options = [
        (tr._(label), buttons.Channel(code).data)
        for code, label in CHANNEL_LABELS.items()
        if code != "telegram"
    ]
    await reply(
        update,
        context,
        tr._("Filing a proposal for a resident. How did it reach the board?"),
        reply_markup=column(options),
    )


async def ask_resident(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("The resident's full name? It is shown only if they agree (asked later)."),
        reply_markup=keyboard([[(tr._("Skip"), buttons.SKIP_RESIDENT.data)], back_row(tr)]),
    )


async def ask_field(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    options = [[(tr._(label), buttons.Field(code).data)] for code, label in FIELD_LABELS.items()]
    last = back_row(tr) if data.get("behalf") else [(tr._("Cancel"), buttons.CANCEL.data)]
    await reply(
        update,
        context,
        tr._("Which field (bidang) is the proposal about?"),
        reply_markup=keyboard([*options, last]),
    )


async def ask_title(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Give it a short title (5 to 120 characters), "
            "for example: Perbaikan saluran air RT 03."
        ),
        reply_markup=keyboard([back_row(tr)]),
    )


async def ask_similar(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    lines = [tr._("Similar proposals already exist. You can support one instead:")]
    rows = []
    for item in data.get("similar", []):
        lines.append(f"<b>{item['reference']}</b> — {html.escape(item['title'])}")
        label = tr._("Support {ref} instead").format(ref=item["reference"])
        rows.append([(label, buttons.Similar(item["id"]).data)])
    rows.append([(tr._("Continue with my own proposal"), buttons.OWN_PROPOSAL.data)])
    rows.append(back_row(tr))
    await reply(update, context, "\n".join(lines), reply_markup=keyboard(rows))


async def ask_description(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Describe the problem and what should be done (20 to 2000 characters)."),
        reply_markup=keyboard([back_row(tr)]),
    )


def location_buttons(tr: Translator) -> InlineKeyboardMarkup:
    return keyboard([[(tr._("Next"), buttons.LOCATION_DONE.data)], back_row(tr)])


async def ask_location(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Where is it? Write the RT and RW (for example RT 3 RW 5), share a location "
            "(📎 → Location), or both. Press Next when done."
        ),
        reply_markup=location_buttons(tr),
    )


async def ask_cost(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Estimated cost? For example 1.500.000, 1,5 juta or 750 ribu."),
        reply_markup=keyboard([[(tr._("I don't know"), buttons.COST_UNKNOWN.data)], back_row(tr)]),
    )


async def ask_photos(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    have = len(data.get("photos", []))
    text = tr._("Send up to {n} photos, or skip.").format(n=MAX_PHOTOS)
    if have:
        text += " " + tr._("{have} of {n} received.").format(have=have, n=MAX_PHOTOS)
    done = tr._("Done") if have else tr._("Skip")
    await reply(
        update,
        context,
        text,
        reply_markup=keyboard([[(done, buttons.PHOTOS_DONE.data)], back_row(tr)]),
    )


async def ask_name(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Show the proposer's name publicly? If not, the public sees only "
            '"resident of RT x/RW y".'
        ),
        reply_markup=keyboard(
            [
                [(tr._("No, keep the name hidden"), buttons.ShowName("n").data)],
                [(tr._("Yes, show the name"), buttons.ShowName("y").data)],
                back_row(tr),
            ]
        ),
    )


async def ask_summary(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    version = data.get("v", "")
    await reply(
        update,
        context,
        summary_text(tr, data) + "\n\n" + tr._("Send it to the BKM board?"),
        reply_markup=keyboard(
            [
                [(tr._("Submit"), buttons.Send(version).data)],
                [
                    (tr._("Change"), buttons.Change(version).data),
                    (tr._("Cancel"), buttons.CANCEL.data),
                ],
            ]
        ),
    )


async def ask_change(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    rows = [[(tr._(label), buttons.ChangeField(key).data)] for key, label, _ in EDITABLE]
    rows.append([(tr._("Back to the summary"), buttons.ChangeField("summary").data)])
    await reply(update, context, tr._("What do you want to change?"), reply_markup=keyboard(rows))


def new_draft(*, behalf: bool = False) -> dict[str, Any]:
    return {"v": secrets.token_hex(4), "photos": [], "show_name": False, "behalf": behalf}
