"""Proposals (usulan warga): the feature as a whole.

The /usul flow is declared in create.py (its questions in questions.py), browsing and
endorsing are in browse.py, the board's review in review.py, how a proposal looks in view.py,
and every button's data in buttons.py.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

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
from bot.i18n import N_
from bot.moderation import Moderatable
from handlers.proposals import browse as proposals_browse
from handlers.proposals import review as proposals_review
from handlers.proposals.create import USUL
from storage import proposal_records, proposals
from storage.demo import proposals as proposals_demo
from storage.people import Role


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [USUL.handler(), *proposals_review.handlers(), *proposals_browse.handlers()]


# Hidden through /admin › Hide public content or the detail view's buttons (one mechanism).
# A progress note's number is the one shown before it in the proposal's detail view.
_MODERATABLE = (
    Moderatable(
        proposals.PROPOSAL_TYPE,
        N_("Proposal"),
        proposals.find_proposal,
        "USL-2026-0001",
        proposals.owners,
    ),
    Moderatable(
        proposals.PROGRESS_TYPE,
        N_("Progress note of a proposal"),
        proposals.find_progress,
        "USL-2026-0001/2",  # written by the board: nobody else to tell
    ),
)

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
    transparency=(
        Section("proposer_participation", 12, proposals_browse.participation_section),
        Section("proposals", 30, proposals_browse.transparency_section),
    ),
    digest=(Section("proposals", 30, proposals_browse.digest_section),),
    exports=(Exporter("proposals", proposal_records.EXPORT_HEADER, proposal_records.export_rows),),
    demo=(DemoSeeder(30, proposals_demo.seed),),
    personal_data=(
        PersonalData(
            "proposals",
            proposal_records.export_person,
            proposal_records.erase_person,
            proposal_records.merge_people,
        ),
    ),
    moderatable=_MODERATABLE,
)
