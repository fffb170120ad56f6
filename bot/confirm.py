"""Destructive presses need the confirmation step's one-time token.

Erase my data, erase on request, revoke, merge, reject (membership, proposal, grievance),
close a poll early, send a broadcast: the step that shows the button calls `issue` (or
`issue_many`) and puts the token in the `token` field of the button's kind (bot.buttons:
the end of its callback_data). The press hands its update to `write`, which consumes the
token in the same transaction as the destructive write, or to `consume`, when the press only
starts a typed step (a reason) whose write is bound to the draft that press saved. A forged,
replayed, expired or someone else's token changes nothing: the press is answered "This
button is no longer valid." and the handler gets `Refused`.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Update

from bot import buttons
from bot.access import answer
from bot.buttons import Button
from bot.context import BKMContext
from storage import confirm_tokens

T = TypeVar("T")

TTL = timedelta(minutes=10)  # by the app's Clock
TOKEN_BYTES = 9  # 12 URL-safe characters: 72 random bits, short enough for 64-byte data
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{12}$")

# The destructive actions (the `action` column); one name per kind of write.
ERASE_SELF = "pdp.erase"
ERASE_PERSON = "member.erase"
REVOKE = "member.revoke"
MERGE = "member.merge"
MEMBERSHIP_REJECT = "membership.reject"
PROPOSAL_REJECT = "proposal.reject"
GRIEVANCE_REJECT = "grievance.reject"
POLL_CLOSE = "poll.close_early"
BROADCAST_SEND = "broadcast.send"


class Refused(Exception):
    """The press carried no valid token; it was answered and nothing changed."""


def token_of(update: Update) -> str | None:
    """The token the pressed button carries (the `token` field of its kind, bot.buttons), or
    None: data of no kind, a kind without a token, or a token that is not one's shape."""
    query = update.callback_query
    data = query.data if query is not None else None
    kind = buttons.kind_of(data)
    pressed = kind.unpack(data) if isinstance(kind, type) and issubclass(kind, Button) else None
    token = getattr(pressed, "token", None)
    return token if isinstance(token, str) and _TOKEN.match(token) else None


async def issue(context: BKMContext, action: str, object_id: object) -> str:
    """A new token for this person, this action and this object, valid for TTL."""
    return (await issue_many(context, action, [object_id]))[str(object_id)]


async def issue_many(
    context: BKMContext, action: str, object_ids: Iterable[object]
) -> dict[str, str]:
    """One token per object (a list of buttons), in one transaction: {str(object): token}."""
    now = context.clock.now()
    person_id = context.person.id
    tokens = {str(o): secrets.token_urlsafe(TOKEN_BYTES) for o in object_ids}

    def store(conn: sqlite3.Connection) -> None:
        for object_id, token in tokens.items():
            confirm_tokens.issue(
                conn, token=token, person_id=person_id, action=action, object_id=object_id,
                now=now, expires_at=now + TTL,
            )  # fmt: skip

    if tokens:
        await context.db.write(store)
    return tokens


async def refuse(update: Update, context: BKMContext) -> None:
    """The polite answer to a press whose token is not valid."""
    await answer(update, context, context.tr._("This button is no longer valid."), alert=True)


async def write(
    update: Update,
    context: BKMContext,
    action: str,
    object_id: object,
    fn: Callable[..., T],
    *args: Any,
    **kwargs: Any,
) -> T:
    """Run fn(conn, *args, **kwargs) as one write transaction that first consumes the
    press's token; without a valid token nothing is written and Refused is raised (after
    answering the press)."""
    token = token_of(update)
    person_id, now = context.person.id, context.clock.now()

    def guarded(conn: sqlite3.Connection) -> T:
        confirm_tokens.require(
            conn, token=token or "", person_id=person_id, action=action,
            object_id=str(object_id), now=now,
        )  # fmt: skip
        return fn(conn, *args, **kwargs)

    try:
        if token is None:
            raise confirm_tokens.NotConfirmed
        return await context.db.write(guarded)
    except confirm_tokens.NotConfirmed:
        await refuse(update, context)
        raise Refused from None


async def consume(update: Update, context: BKMContext, action: str, object_id: object) -> None:
    """For a press that starts a typed step: consume its token now (the typed answer then
    acts only on the object of the draft this press saves); Refused when it is not valid."""
    await write(update, context, action, object_id, lambda conn: None)
