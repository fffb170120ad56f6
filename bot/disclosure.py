"""Public numbers that never single anyone out: groups under 5 people are shown as "< 5"."""

from __future__ import annotations

import html

from bot.i18n import N_, Translator
from storage.people import Person

SMALL_GROUP = 5

# Labels for the audit actions the public page shows; an unknown code is shown as it is.
ACTION_LABELS = {
    "membership.approved": N_("A membership application was approved"),
    "membership.rejected": N_("A membership application was rejected"),
    "membership.revoked": N_("A membership was revoked"),
    "member.registered_in_person": N_("A resident was registered in person"),
    "member.moved": N_("A member moved to another RW"),
    "person.merged": N_("Two accounts of one person were merged"),
    "board.promotion_proposed": N_("A promotion to the board was proposed"),
    "board.promoted": N_("A new board member was confirmed"),
    "board.demoted": N_("A board member left the board"),
}


def count(tr: Translator, n: int) -> str:
    """A count for the public: exact from 5 up, "< 5" below (0 included, so absence shows too)."""
    return tr.number(n) if n >= SMALL_GROUP else "&lt; 5"


def action_label(tr: Translator, action: str) -> str:
    label = ACTION_LABELS.get(action)
    return tr._(label) if label else action


def person_label(tr: Translator, person: Person | None) -> str:
    """A person's name for a record (HTML-escaped); "warga (dihapus)" once erased."""
    if person is None or person.erased:
        return tr._("resident (erased)")
    return html.escape(person.full_name or person.display_name or tr._("resident"))
