"""/lapor's questions: the steps, which apply to a draft, how each is asked, the summary."""

from __future__ import annotations

import html
from enum import IntEnum
from typing import Any

from telegram import Message, Update

from bot.access import reply
from bot.context import BKMContext
from bot.i18n import Translator
from bot.keyboards import column, keyboard
from handlers.grievances import buttons as btn
from handlers.grievances.view import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    EVIDENCE_LABELS,
    IDENTITY_LABELS,
    category,
    escaped,
    send_pages,
)
from rules.rtrw import RtRw
from storage import people
from storage.grievances import reports as store

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
    return [(tr._("Skip"), btn.SKIP.data)]


async def ask_channel(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    options = [
        (tr._(label), btn.Channel(code).data)
        for code, label in CHANNEL_LABELS.items()
        if code != "telegram"
    ]
    text = tr._("Filing a report for a resident. How did the resident bring it?")
    await reply(update, context, text, reply_markup=column(options))


async def ask_category(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    options = [(tr._(label), btn.Category(code).data) for code, label in CATEGORY_LABELS.items()]
    await reply(update, context, tr._("What is the report about?"), reply_markup=column(options))


async def ask_description(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "What happened? Describe it in your own words: what, where, since when "
            "({minimum}–{maximum} characters)."
        ).format(minimum=DESCRIPTION_MIN, maximum=tr.number(DESCRIPTION_MAX)),
    )


async def ask_amount(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._("How much money is involved? For example: 1,5 juta or 750rb."),
    )


async def ask_expected(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("What outcome do you expect? (optional)"),
        reply_markup=keyboard([skip_row(tr)]),
    )


async def ask_where(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Where is it? Write the RT/RW (for example RT 3 RW 5), share a location "
            "with the paperclip button, or skip."
        ),
        reply_markup=keyboard([skip_row(tr)]),
    )


async def ask_evidence(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Evidence: send up to {n} photos, voice notes, videos or documents, "
            "one by one. Press Done when finished, or Skip."
        ).format(n=store.MAX_EVIDENCE),
        reply_markup=keyboard([[(tr._("Done"), btn.EVIDENCE_DONE.data)], skip_row(tr)]),
    )


async def ask_identity(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        identity_question(tr),
        reply_markup=column(
            [(tr._(label), btn.Identity(code).data) for code, label in IDENTITY_LABELS.items()]
        ),
    )


async def ask_name(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, context.tr._("What is the resident's full name?"))


async def ask_public(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "May this report be listed publicly in /transparansi (category, status and "
            "a short summary)?"
        ),
        reply_markup=keyboard(
            [
                [
                    (tr._("Yes, list it"), btn.Public(listed=True).data),
                    (tr._("No"), btn.Public(listed=False).data),
                ]
            ]
        ),
    )


async def ask_confirm(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await send_pages(
        update,
        context,
        summary(tr, data),
        keyboard(
            [
                [(tr._("Submit"), btn.SEND.data)],
                [(tr._("Change"), btn.EDIT.data), (tr._("Cancel"), btn.CANCEL.data)],
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
                btn.Exclude(member.id, hide=member.id not in chosen).data,  # the state asked
            )
        ]
        for member in board[:90]
    ]  # fmt: skip
    rows.append([(tr._("Continue"), btn.EXCLUDE_DONE.data)])
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
    lines.append(escaped(data["description"]))
    if data.get("expected"):
        lines.append(tr._("<b>Expected outcome</b>"))
        lines.append(escaped(data["expected"]))
    lines.append("")
    lines.append(tr._("Send it to the BKM board?"))
    return "\n".join(lines)


def evidence_of(message: Message) -> tuple[str, str] | None:
    """(kind, file_id) of a photo, voice note, video or document; None for anything else."""
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.voice:
        return "voice", message.voice.file_id
    if message.audio:
        return "audio", message.audio.file_id
    if message.video:
        return "video", message.video.file_id
    if message.document:
        return "document", message.document.file_id
    return None
