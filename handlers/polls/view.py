"""How polls look: the ballot card, the results text and chart, shared by the poll handlers."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

from telegram import Update

from bot import charts, confirm
from bot.access import answer, reply
from bot.charts import Series
from bot.context import BKMContext
from bot.i18n import N_, Translator
from bot.keyboards import column
from handlers.polls.buttons import Single, Submit, Toggle
from rules.tally import Tally, positions_of, positions_of_mask, tally
from storage import polls
from storage.polls import Counts, Poll

AUDIENCE_LABELS = {
    "residents": N_("all residents"),
    "members": N_("members"),
}
CHART_LABEL = 40  # characters of an option shown on the chart


def audience_text(tr: Translator, poll: Poll | dict[str, Any]) -> str:
    audience = poll.audience if isinstance(poll, Poll) else poll["audience"]
    rw = poll.audience_rw if isinstance(poll, Poll) else poll.get("rw")
    if audience == "rw":
        return tr._("members of RW {rw}").format(rw=f"{rw:02d}")
    return tr._(AUDIENCE_LABELS[audience])


def rules_text(tr: Translator, *, secret: bool, max_choices: int, live: bool) -> str:
    lines = [
        tr._("Secret ballot: nobody can see who chose what.")
        if secret
        else tr._("Open ballot: votes are recorded with the voter's name.")
    ]
    if max_choices == 1:
        lines.append(tr._("Choose one option."))
    else:
        lines.append(
            tr.ngettext(
                "Choose up to {n} option.", "Choose up to {n} options.", max_choices
            ).format(n=max_choices)
        )
    lines.append(
        tr._("Results are shown while voting.") if live else tr._("Results after closing.")
    )
    return "\n".join(lines)


def card_text(tr: Translator, poll: Poll, *, voted: str | None, has_voted: bool) -> str:
    """The ballot: question, numbered options, rules, closing time, the person's own vote."""
    lines = [
        tr._("<b>Poll {ref}</b>").format(ref=poll.reference),
        html.escape(poll.question),
        "",
    ]
    lines += [f"{i}. {html.escape(label)}" for i, label in enumerate(poll.options, start=1)]
    lines += [
        "",
        rules_text(tr, secret=poll.secret, max_choices=poll.max_choices, live=poll.live),
        tr._("Closes: {when}").format(when=tr.datetime(poll.closes_at)),
    ]
    if voted is not None:
        chosen = ", ".join(str(p) for p in positions_of(voted))
        lines.append(
            tr._("Your vote: {options}. You may change it until closing.").format(options=chosen)
        )
    elif has_voted:
        lines.append(tr._("You have voted in this poll. Thank you!"))
    return "\n".join(lines)


def card_buttons(
    tr: Translator, poll: Poll, *, mask: int = 0
) -> tuple[tuple[tuple[str, str], ...], ...]:
    """One button per option; for multiple choice, toggles that carry the selection so far
    and a Kirim button."""
    rows: list[tuple[tuple[str, str], ...]] = []
    for position, label in enumerate(poll.options, start=1):
        short = label if len(label) <= 60 else label[:59] + "…"
        if poll.max_choices == 1:
            rows.append(((f"{position}. {short}", Single(poll.id, position).data),))
        else:
            ticked = "✅ " if mask >> (position - 1) & 1 else ""
            toggle = Toggle(poll.id, mask, position).data
            rows.append(((f"{ticked}{position}. {short}", toggle),))
    if poll.max_choices > 1:
        rows.append(((tr._("Submit"), Submit(poll.id, mask).data),))
    return tuple(rows)


def chosen_labels(poll: Poll, mask: int) -> str:
    return ", ".join(
        f"{p}. {html.escape(poll.options[p - 1])}"
        for p in positions_of_mask(mask)
        if p <= len(poll.options)
    )


def tally_of(found: Counts) -> Tally:
    poll = found.poll
    return tally(
        poll.options,
        found.ballots,
        voters=found.voters,
        eligible=found.eligible,
        quorum=poll.quorum,
        max_choices=poll.max_choices,
    )


def results_text(tr: Translator, poll: Poll, result: Tally, *, receipts: int | None) -> str:
    """The full results: count and percentage per option, turnout, quorum, winner or tie."""
    closed = not poll.is_open
    lines = [
        (
            tr._("<b>Results of poll {ref}</b>")
            if closed
            else tr._("<b>Results so far of poll {ref}</b> (voting is still open)")
        ).format(ref=poll.reference),
        html.escape(poll.question),
        "",
    ]
    for option in result.options:
        lines.append(
            tr.ngettext(
                "{position}. {label}: {n} vote ({percent}%)",
                "{position}. {label}: {n} votes ({percent}%)",
                option.votes,
            ).format(
                position=option.position,
                label=html.escape(option.label),
                n=tr.number(option.votes),
                percent=tr.number(float(option.percent)),
            )
        )
    lines.append("")
    lines.append(
        tr._("Turnout: {voters} of {eligible} on the list ({percent}%)").format(
            voters=tr.number(result.voters),
            eligible=tr.number(result.eligible),
            percent=tr.number(float(result.turnout)),
        )
    )
    if result.max_choices > 1:
        lines.append(
            tr.ngettext("{n} ballot cast.", "{n} ballots cast.", result.ballots).format(
                n=tr.number(result.ballots)
            )
        )
    if result.quorum is not None:
        lines.append(
            (
                tr._("Quorum of {quorum}% met.")
                if result.quorum_met
                else tr._("Quorum of {quorum}% NOT met.")
            ).format(quorum=result.quorum)
        )
    if closed:
        if result.is_tie:
            tied = ", ".join(str(p) for p in result.tied)
            lines.append(tr._("Tie between options {options}.").format(options=tied))
        elif result.winners:
            chosen = ", ".join(f"{p}. {html.escape(poll.options[p - 1])}" for p in result.winners)
            lines.append(tr._("Chosen: {options}").format(options=chosen))
        else:
            lines.append(tr._("No votes were cast."))
        if poll.closed_early:
            lines.append(
                tr._("Closed early by the board. Reason: {reason}").format(
                    reason=html.escape(poll.close_reason or "-")
                )
            )
    if receipts is not None:
        lines.append(
            tr._(
                "Receipt codes: {receipts}, ballots in the box: {ballots}. "
                "Find your code in the list below."
            ).format(receipts=tr.number(receipts), ballots=tr.number(result.ballots))
        )
    return "\n".join(lines)


def caption_text(tr: Translator, poll: Poll) -> str:
    question = poll.question if len(poll.question) <= 200 else poll.question[:199] + "…"
    return tr._("Results of poll {ref}: {question}").format(
        ref=poll.reference, question=html.escape(question)
    )


def receipt_blocks(tr: Translator, poll: Poll, codes: list[str]) -> list[str]:
    """The receipt codes of a closed secret poll, for bot.paginate."""
    head = tr._("<b>Receipt codes of poll {ref}</b> ({n})").format(
        ref=poll.reference, n=tr.number(len(codes))
    )
    rows = [" ".join(codes[i : i + 4]) for i in range(0, len(codes), 4)]
    return [head, "\n".join(rows) or "-"]


@functools.cache
def _chart_glyphs() -> frozenset[int]:
    """Code points the chart's font can draw (matplotlib warns on any other)."""
    from matplotlib import font_manager, ft2font

    font = ft2font.FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return frozenset(font.get_charmap())


def chart_label(text: str) -> str:
    """An option as the chart can draw it: no glyph the font lacks (emoji), no mathtext."""
    glyphs = _chart_glyphs()
    drawable = "".join(ch for ch in text if ord(ch) in glyphs or ch == " ")
    return " ".join(drawable.split()).replace("$", r"\$") or "…"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def chart(tr: Translator, poll: Poll, result: Tally) -> bytes:
    labels = [
        f"{o.position}. {chart_label(shorten(o.label, CHART_LABEL))}" for o in result.options
    ]
    return await charts.render_bars_async(
        f"{poll.reference}",
        labels,
        [Series(tr._("Votes"), [o.votes for o in result.options])],
        value_label=lambda v: tr.number(int(v)),
    )


async def read_tally(context: BKMContext, poll_id: int) -> tuple[Poll, Tally, int | None]:
    """Counts that may be shown now (closed, or live): never a sealed poll's."""
    found = await context.db.read(polls.counts, poll_id, reveal=False)
    result = tally_of(found)
    receipts = None
    if found.poll.secret and not found.poll.is_open:
        receipts = len(await context.db.read(polls.receipts, poll_id))
    return found.poll, result, receipts


async def offer_open_polls(
    update: Update,
    context: BKMContext,
    question: str,
    button: Callable[[int, str], str],
    confirm_action: str | None = None,
) -> None:
    """The open polls as one button each (`button(poll id, token)`: its data), or "no open
    poll". With `confirm_action` (a destructive press) each button carries its one-time token
    (else the token is "")."""
    await answer(update, context)
    found = await context.db.read(polls.open_polls)
    if not found:
        await reply(update, context, context.tr._("There is no open poll."))
        return
    tokens: dict[str, str] = {}
    if confirm_action is not None:
        tokens = await confirm.issue_many(context, confirm_action, [p.id for p in found])
    buttons = [
        (f"{p.reference}: {shorten(p.question, 40)}", button(p.id, tokens.get(str(p.id), "")))
        for p in found
    ]
    await reply(update, context, question, reply_markup=column(buttons))
