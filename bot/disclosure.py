"""Public numbers that never single anyone out: groups under 5 people are shown as "< 5"."""

from __future__ import annotations

import html
from typing import Any

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
    # proposals: the board's status changes (audited as proposal.<new status>) and progress
    "proposal.submitted": N_("A proposal was recorded"),
    "proposal.terverifikasi": N_("A proposal was verified"),
    "proposal.diterima": N_("A proposal was accepted into the priority list"),
    "proposal.didanai": N_("A proposal was marked as funded"),
    "proposal.dikerjakan": N_("Work on a proposal started"),
    "proposal.selesai": N_("A proposal was marked as completed"),
    "proposal.ditolak": N_("A proposal was rejected"),
    "proposal.perlu_revisi": N_("A proposal was sent back for revision"),
    "proposal.progress": N_("Progress on a proposal was posted"),
    # grievances: status changes (audited as grievance.<action>), replies, the level raised;
    # never a reference or anything else about the report or its reporter
    "grievance.verify": N_("A grievance was verified"),
    "grievance.process": N_("A grievance is being handled"),
    "grievance.resolve": N_("A grievance was resolved"),
    "grievance.reject": N_("A grievance was rejected"),
    "grievance.replied": N_("The board replied to a grievance"),
    "grievance.level_raised": N_("A grievance was raised to a higher level"),
    "grievance.public_hidden": N_("Public content was hidden by the board"),
    # polls
    "poll.published": N_("A poll was published"),
    "poll.closed": N_("A poll closed"),
    "poll.closed_early": N_("A poll was closed early"),
    "poll.in_person_recorded": N_("In-person ballots were recorded"),
    # budget
    "budget.imported": N_("The budget of a year was imported"),
    "budget.realised": N_("A realisation was entered in the budget"),
    # moderation (and the proposals' own hide of before the moderation seam)
    "moderation.hidden": N_("Public content was hidden by the board"),
    "moderation.shown": N_("Hidden content was shown again"),
    "proposal.hidden": N_("Public content was hidden by the board"),
    "proposal.progress_hidden": N_("Public content was hidden by the board"),
}

# What a board member does as a resident (supporting a proposal) is not a board action; a
# grievance the board files for a resident is the resident's report (when someone complained
# is theirs to tell), so it is not shown either.
NOT_BOARD_ACTIONS = frozenset(
    {"proposal.endorsed", "proposal.endorsement_withdrawn", "grievance.filed"}
)

# Object types whose ids are public references (USL-2026-0001, USL-2026-0001/2, a budget
# year; a poll by its reference POL-2026-0001): the page names them with the action. Others
# (a person, a grievance, a budget line) are never named.
PUBLIC_OBJECTS = frozenset({"proposal", "proposal_progress", "budget_year", "poll"})

# Actions whose audit row carries a count the public may see: (key in `after`, label).
COUNTED = {"poll.in_person_recorded": "count"}

GENDER_LABELS = {
    "female": N_("women"),
    "male": N_("men"),
    "unspecified": N_("not stated"),
}


def count(tr: Translator, n: int) -> str:
    """A count for the public: exact from 5 up, "< 5" below (0 included, so absence shows too)."""
    return tr.number(n) if n >= SMALL_GROUP else "&lt; 5"


def action_label(tr: Translator, action: str) -> str:
    label = ACTION_LABELS.get(action)
    return tr._(label) if label else action


def public_action(
    tr: Translator,
    action: str,
    object_type: str,
    object_id: str | None,
    after: Any = None,
) -> str:
    """One line of the public board actions: the label, the reference when it is public (a
    poll's id is given here already turned into its reference), and a count when it has one
    (in-person ballots: how many, never whose)."""
    text = action_label(tr, action)
    key = COUNTED.get(action)
    if key and isinstance(after, dict) and isinstance(after.get(key), int):
        text += f": {tr.number(after[key])}"
    if object_type in PUBLIC_OBJECTS and object_id:
        text += f" ({html.escape(object_id)})"
    return text


def participation(
    tr: Translator,
    heading_rw: str,
    heading_gender: str,
    by_rw: list[tuple[int, int]],
    by_gender: list[tuple[str, int]],
) -> str | None:
    """People per RW and per gender, every count through `count` (the public page's block
    for members, proposers, voters, reporters alike). Headings are translated already."""
    if not by_rw and not by_gender:
        return None
    lines = [heading_rw]
    lines += [f"RW {rw:02d}: {count(tr, n)}" for rw, n in by_rw]
    lines.append(heading_gender)
    lines += [
        f"{tr._(GENDER_LABELS.get(gender, gender))}: {count(tr, n)}" for gender, n in by_gender
    ]
    return "\n".join(lines)


def person_label(tr: Translator, person: Person | None) -> str:
    """A person's name for a record (HTML-escaped); "warga (dihapus)" once erased."""
    if person is None or person.erased:
        return tr._("resident (erased)")
    return html.escape(person.full_name or person.display_name or tr._("resident"))
