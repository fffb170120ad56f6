"""Voting: /polling lists the open polls a person may vote in; a ballot card per poll;
presses cast (open: changeable; secret: confirmed first, final, with a receipt)."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.access import answer, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery.outbox import Outgoing
from bot.keyboards import column, keyboard
from handlers.polls import buttons
from handlers.polls.buttons import Card, Confirm, Single, Submit, Toggle
from handlers.polls.view import (
    card_buttons,
    card_text,
    chosen_labels,
    read_tally,
    results_text,
    shorten,
)
from rules.tally import MAX_OPTIONS, marks_of, positions_of_mask
from storage import polls
from storage.polls import Poll


@private_only("polling")
async def list_open(update: Update, context: BKMContext) -> None:
    """/polling: the open polls this person may vote in."""
    tr = context.tr
    found = await context.db.read(polls.open_for, context.person.id, context.clock.now())
    if not found:
        await reply(update, context, tr._("There is no open poll for you right now."))
        return
    if len(found) == 1:
        await show_card(update, context, found[0])
        return
    await reply(
        update,
        context,
        tr.ngettext(
            "{n} open poll for you. Choose one:", "{n} open polls for you. Choose one:", len(found)
        ).format(n=len(found)),
        reply_markup=column(
            [(f"{p.reference}: {shorten(p.question, 40)}", Card(p.id).data) for p in found[:50]]
        ),
    )


async def show_card(update: Update, context: BKMContext, poll: Poll) -> None:
    """The ballot for this person: buttons only when they may (still) vote."""
    found = await context.db.read(polls.voter_state, poll.id, context.person.id)
    tr = context.tr
    text = card_text(tr, poll, voted=found.marks, has_voted=found.channel is not None)
    open_now = poll.is_open and context.clock.now() < poll.closes_at
    if not open_now:
        await reply(update, context, text + "\n\n" + tr._("This poll is closed. See /hasil."))
        return
    if found.refusal is not None:
        await reply(update, context, text + "\n\n" + _not_eligible(context, poll, found.refusal))
        return
    may_vote = found.channel is None or (not poll.secret and found.channel == "chat")
    markup = None
    if may_vote:
        markup = Outgoing("", buttons=card_buttons(tr, poll)).markup()
    await reply(update, context, text, reply_markup=markup)


def _not_eligible(context: BKMContext, poll: Poll, refusal: str) -> str:
    """Why this person may not vote: not on the list, or on it (they voted) but no longer a
    member (of the poll's RW), so a vote cast before cannot be changed."""
    tr = context.tr
    if refusal == polls.NOT_QUALIFIED and poll.audience == "rw":
        return tr._(
            "You can no longer vote in this poll: it is only for registered residents of "
            "RW {rw}. A vote you cast before stays counted."
        ).format(rw=f"{poll.audience_rw:02d}")
    if refusal == polls.NOT_QUALIFIED and poll.audience == "members":
        return tr._(
            "You can no longer vote in this poll: it is only for registered residents. A vote "
            "you cast before stays counted."
        )
    return tr._(
        "You are not on this poll's list of voters. It was fixed when the poll was "
        "published; a person whose membership ended or who moved to another RW since is "
        "taken off it."
    )


async def open_card(update: Update, context: BKMContext) -> None:
    """The ballot of one poll (from the list, an invitation or a reminder)."""
    poll = await context.db.read(polls.get, Card.pressed(update).poll)
    if poll is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    await show_card(update, context, poll)


@private_only("polling")
async def deep_link(update: Update, context: BKMContext) -> None:
    """/start pol_POL-2026-0001: the ballot of that poll."""
    assert update.message is not None
    reference = (update.message.text or "").partition(" pol_")[2].strip()
    poll = await context.db.read(polls.by_reference, reference[:20]) if reference else None
    if poll is None:
        await reply(update, context, context.tr._("I do not know that poll."))
        return
    await show_card(update, context, poll)


# ---- presses ------
async def _checked(update: Update, context: BKMContext, poll_id: int, mask: int) -> Poll | None:
    """The poll of a press, with a clear refusal (an alert) when the press cannot count."""
    poll, refusal = await context.db.read(polls.for_voter, poll_id, context.person.id)
    if poll is None or mask <= 0 or mask >= 1 << len(poll.options):
        await stale_button(update, context)
        return None
    if not poll.is_open or context.clock.now() >= poll.closes_at:
        await _refuse_closed(update, context)
        return None
    if refusal is not None:
        await answer(update, context, _not_eligible(context, poll, refusal), alert=True)
        return None
    if len(positions_of_mask(mask)) > poll.max_choices:
        await _refuse_too_many(update, context, poll.max_choices)
        return None
    return poll


async def _refuse_closed(update: Update, context: BKMContext) -> None:
    text = context.tr._("This poll is closed. Your press was not counted.")
    await answer(update, context, text, alert=True)


async def _refuse_too_many(update: Update, context: BKMContext, maximum: int) -> None:
    text = context.tr.ngettext(
        "You may choose at most {n} option.", "You may choose at most {n} options.", maximum
    ).format(n=maximum)
    await answer(update, context, text, alert=True)


async def press_single(update: Update, context: BKMContext) -> None:
    """An option of a single-choice ballot: open ballot casts at once; secret asks to confirm
    first."""
    press = Single.pressed(update)
    if not 1 <= press.position <= MAX_OPTIONS:
        await stale_button(update, context)
        return
    mask = 1 << (press.position - 1)
    poll = await _checked(update, context, press.poll, mask)
    if poll is None:
        return
    if poll.max_choices != 1:
        await stale_button(update, context)
        return
    if poll.secret:
        await confirm_secret(update, context, poll, mask)
        return
    await cast(update, context, poll.id, mask, secret=False)


async def press_toggle(update: Update, context: BKMContext) -> None:
    """Tick or untick an option of a multiple-choice ballot."""
    press = Toggle.pressed(update)
    if not 1 <= press.position <= MAX_OPTIONS:
        await stale_button(update, context)
        return
    new_mask = press.mask ^ (1 << (press.position - 1))
    poll = await context.db.read(polls.get, press.poll)
    if poll is None or poll.max_choices == 1 or new_mask >= 1 << len(poll.options):
        await stale_button(update, context)
        return
    if new_mask and await _checked(update, context, poll.id, new_mask) is None:
        return
    await answer(update, context)
    query = update.callback_query
    assert query is not None
    markup = Outgoing("", buttons=card_buttons(context.tr, poll, mask=new_mask)).markup()
    with contextlib.suppress(BadRequest):  # the same keyboard again (a double press)
        await query.edit_message_reply_markup(reply_markup=markup)


async def press_submit(update: Update, context: BKMContext) -> None:
    """Send a multiple-choice ballot."""
    press = Submit.pressed(update)
    mask = press.mask
    if mask == 0:
        await answer(update, context, context.tr._("Tick at least one option first."), alert=True)
        return
    poll = await _checked(update, context, press.poll, mask)
    if poll is None:
        return
    if poll.secret:
        await confirm_secret(update, context, poll, mask)
        return
    await cast(update, context, poll.id, mask, secret=False)


async def confirm_secret(update: Update, context: BKMContext, poll: Poll, mask: int) -> None:
    tr = context.tr
    if await context.db.read(polls.has_voted, poll.id, context.person.id):
        await answer(update, context, tr._("You have already voted in this poll."), alert=True)
        return
    await reply(
        update,
        context,
        tr._(
            "You chose: {options}\n\nThis is a secret ballot: once sent, your vote cannot "
            "be changed. Send it?"
        ).format(options=chosen_labels(poll, mask)),
        reply_markup=keyboard(
            [
                [(tr._("Yes, send my vote"), Confirm(poll.id, mask).data)],
                [(tr._("Choose again"), Card(poll.id).data)],
            ]
        ),
    )


async def press_confirm(update: Update, context: BKMContext) -> None:
    """The confirmed secret vote. Every check happens in the one write (the busiest press of a
    poll: one database hop)."""
    press = Confirm.pressed(update)
    if not 0 < press.mask < 1 << MAX_OPTIONS:
        await stale_button(update, context)
        return
    await cast(update, context, press.poll, press.mask, secret=True)


async def cast(
    update: Update, context: BKMContext, poll_id: int, mask: int, *, secret: bool
) -> None:
    """Record the vote (secret: only if the poll is secret) and confirm it."""
    tr = context.tr
    try:
        done = await context.db.write(
            polls.cast,
            poll_id=poll_id,
            person_id=context.person.id,
            marks=marks_of(positions_of_mask(mask)),
            now=context.clock.now(),
            secret=secret,
        )
    except polls.AlreadyVoted:
        await answer(update, context, tr._("You have already voted in this poll."), alert=True)
        return
    except polls.PollClosed:
        await _refuse_closed(update, context)
        return
    except polls.NotEligible as exc:
        qualified = not isinstance(exc, polls.NoLongerQualified)
        refusal = polls.NOT_LISTED if qualified else polls.NOT_QUALIFIED
        refused = await context.db.read(polls.get, poll_id)
        assert refused is not None
        await answer(update, context, _not_eligible(context, refused, refusal), alert=True)
        return
    except polls.TooManyChoices as exc:
        await _refuse_too_many(update, context, exc.maximum)
        return
    except (polls.BadChoice, polls.NoSuchPoll, ValueError):
        await stale_button(update, context)
        return
    poll = done.poll
    await answer(update, context, tr._("Vote recorded."))
    query = update.callback_query
    if query is not None and poll.secret:
        with contextlib.suppress(BadRequest):  # the confirm buttons must not be pressed again
            await query.edit_message_reply_markup(reply_markup=InlineKeyboardMarkup([]))
    lines = [
        (
            tr._("Your vote in poll {ref} was changed to: {options}")
            if done.changed
            else tr._("Your vote in poll {ref} is recorded: {options}")
        ).format(ref=poll.reference, options=chosen_labels(poll, mask))
    ]
    if done.receipt is not None:
        lines.append(
            tr._(
                "Your receipt code: <code>{code}</code>\nAfter closing, /hasil lists every "
                "receipt code of this poll: find yours to see that your ballot is in the box. "
                "The code does not show your choice, to anyone."
            ).format(code=done.receipt)
        )
    elif not poll.secret:
        lines.append(tr._("You may change your vote until closing."))
    if poll.live:
        current, result, _ = await read_tally(context, poll.id)
        lines.append("")
        lines.append(results_text(tr, current, result, receipts=None))
    await reply(update, context, "\n".join(lines))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler(["polling", "polls"], list_open),
        CommandHandler("start", list_open, filters=filters.Regex(r"^/start polling$")),
        CommandHandler("start", deep_link, filters=filters.Regex(r"^/start pol_")),
        on(buttons.VOTE, list_open),
        on(Card, open_card),
        on(Single, press_single),
        on(Toggle, press_toggle),
        on(Submit, press_submit),
        on(Confirm, press_confirm),
    ]
