"""The report a message's author receives when it has nothing left to send (the engine's
`on_settled` hook, registered by bot/delivery/lifecycle.py)."""

from __future__ import annotations

from typing import Any

from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.i18n import Translator
from storage.deliveries import Figures

AnyApplication = Any


def duration(tr: Translator, seconds: int) -> str:
    if seconds < 120:
        return tr.ngettext("{n} second", "{n} seconds", seconds).format(n=seconds)
    minutes = round(seconds / 60)
    return tr.ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def reference(figures: Figures) -> str:
    """How a board member recognises a broadcast: SRN-<id> for /siaran, else the message id."""
    if figures.broadcast_id is not None:
        return f"SRN-{figures.broadcast_id:04d}"
    return f"#{figures.message_id}"


def figures_text(tr: Translator, figures: Figures) -> str:
    lines = [
        tr._("Delivered: {n}").format(n=tr.number(figures.sent)),
        tr._("Unreachable (blocked the bot or left Telegram): {n}").format(
            n=tr.number(figures.unreachable)
        ),
        tr._("Failed: {n}").format(n=tr.number(figures.failed)),
        tr._("Uncertain (the bot stopped while sending): {n}").format(
            n=tr.number(figures.uncertain)
        ),
    ]
    if figures.held:
        lines.append(
            tr._("Waiting for the recipient's daily digest time: {n}").format(
                n=tr.number(figures.held)
            )
        )
    if figures.cancelled:
        lines.append(tr._("Not sent (stopped): {n}").format(n=tr.number(figures.cancelled)))
    return "\n".join(lines)


def report(tr: Translator, figures: Figures) -> Outgoing:
    text = tr._("<b>Broadcast {ref}: report</b>").format(ref=reference(figures)) + "\n"
    if figures.status == "stopped":
        text += (
            tr._(
                "Telegram refused this message (its formatting or size), so sending was "
                "stopped. Fix it and send it again with /siaran."
            )
            + "\n"
        )
    text += figures_text(tr, figures)
    text += "\n" + tr._("Time taken: {time}").format(time=duration(tr, figures.seconds))
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
    if figures.uncertain:
        text += "\n\n" + tr._(
            "Uncertain means the message may or may not have arrived. Resending may give "
            "some of them a second copy."
        )
        label = tr.ngettext(
            "Resend {n} uncertain", "Resend {n} uncertain", figures.uncertain
        ).format(n=figures.uncertain)
        buttons = (((label, f"dlv:re:{figures.message_id}"),),)
    return Outgoing(text, buttons)


async def send_report(application: AnyApplication, figures: Figures) -> None:
    if figures.author_id is None:
        return
    # queued without waiting: this runs inside the engine's recorder
    await outbox.enqueue(
        application,
        [figures.author_id],
        outbox.render_all(application, lambda tr: report(tr, figures)),
        kind="broadcast.report",
        topic=None,
        author_id=None,
    )
