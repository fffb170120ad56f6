"""The moderation seam: what the board can hide from the public, and how it then reads.

A feature whose public content the board may hide (a proposal, a grievance summary, a
progress note) lists it in its FEATURE (`Feature.moderatable`); /admin › Hide public
content finds it in the registry. When rendering for the public
the feature asks `storage.moderation.hidden(conn, object_type, ids)` and shows
`hidden_text(tr, reason)` instead of the content. A feature's own "Hide" button asks
`handlers.moderation.ask_reason` and finishes with `handlers.moderation.hide_with_reason`.
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from bot.i18n import Translator


@dataclass(frozen=True)
class Moderatable:
    """One kind of public content: `find(conn, reference)` turns what the board typed
    (e.g. "USL-2026-0001") into the object id, or None when there is no such object."""

    object_type: str
    label: str  # an N_() msgid, e.g. N_("Proposal")
    find: Callable[[sqlite3.Connection, str], str | None]
    example: str = ""  # what a reference looks like, e.g. "USL-2026-0001" (not translated)
    # Whom to tell that it was hidden, and why (e.g. the proposer): internal person ids.
    owners: Callable[[sqlite3.Connection, str], list[int]] | None = None


def hidden_text(tr: Translator, reason: str) -> str:
    """What the public sees instead of hidden content."""
    return tr._("<i>hidden by the board</i>: {reason}").format(reason=html.escape(reason))
