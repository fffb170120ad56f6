"""Proposals (usulan warga): the feature as a whole, and the /usul conversation's wiring.

The resident's flow is in proposals_flow.py (questions in proposals_questions.py), browsing
and endorsing in proposals_browse.py, the board's review in proposals_review.py, and how a
proposal looks in proposals_view.py.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import BoardConversation, draft_flag
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
from handlers.proposals.create import (
    back,
    begin,
    begin_on_behalf,
    begin_revision,
    cancel,
    channel_chosen,
    cost_given,
    description_given,
    edit_field,
    edit_menu,
    field_chosen,
    location_done,
    location_given,
    name_chosen,
    photo_given,
    photos_done,
    resident_named,
    restart,
    resume,
    similar_continue,
    similar_endorse,
    submit,
    title_given,
    want_button,
    want_photo,
    want_text,
)
from handlers.proposals.questions import FLOW, Step
from storage import proposal_records, proposals
from storage.demo import proposals as proposals_demo
from storage.people import Role

# ---- wiring ---------------------------------------------------------------------------------
TEXT = filters.TEXT & ~filters.COMMAND
NOT_TEXT = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
CANCEL = ["batal", "cancel"]


def _flow() -> ConversationHandler[Any]:
    back_button = CallbackQueryHandler(back, pattern=r"^usl:back$")

    def typed(callback: Any) -> list[BaseHandler[Any, Any, Any]]:
        return [MessageHandler(TEXT, callback), MessageHandler(NOT_TEXT, want_text), back_button]

    return BoardConversation(
        board_step=draft_flag(FLOW, "behalf"),  # filing for a resident is a board flow
        name=FLOW,
        persistent=True,
        entry_points=[
            CommandHandler(["usul", "propose"], begin),
            CommandHandler("start", begin, filters=filters.Regex(r"^/start usul$")),
            CallbackQueryHandler(begin, pattern=r"^menu:propose$"),
            CallbackQueryHandler(resume, pattern=r"^usl:resume$"),
            CallbackQueryHandler(restart, pattern=r"^usl:restart$"),
            CallbackQueryHandler(begin_on_behalf, pattern=r"^adm:proposal_behalf$"),
            CallbackQueryHandler(begin_revision, pattern=r"^usl:rev:"),
        ],
        states={
            Step.CHANNEL: [
                CallbackQueryHandler(channel_chosen, pattern=r"^usl:ch:"),
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.RESIDENT: [
                CallbackQueryHandler(resident_named, pattern=r"^usl:res:skip$"),
                *typed(resident_named),
            ],
            Step.FIELD: [
                CallbackQueryHandler(field_chosen, pattern=r"^usl:f:"),
                back_button,
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.TITLE: typed(title_given),
            Step.SIMILAR: [
                CallbackQueryHandler(similar_endorse, pattern=r"^usl:sim:"),
                CallbackQueryHandler(similar_continue, pattern=r"^usl:go$"),
                back_button,
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.DESCRIPTION: typed(description_given),
            Step.LOCATION: [
                MessageHandler(TEXT | filters.LOCATION, location_given),
                CallbackQueryHandler(location_done, pattern=r"^usl:loc:next$"),
                MessageHandler(NOT_TEXT, want_text),
                back_button,
            ],
            Step.COST: [
                CallbackQueryHandler(cost_given, pattern=r"^usl:cost:unknown$"),
                *typed(cost_given),
            ],
            Step.PHOTOS: [
                MessageHandler(filters.PHOTO, photo_given),
                CallbackQueryHandler(photos_done, pattern=r"^usl:ph:done$"),
                back_button,
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, want_photo),
            ],
            Step.NAME: [
                CallbackQueryHandler(name_chosen, pattern=r"^usl:nm:"),
                back_button,
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.SUMMARY: [
                CallbackQueryHandler(submit, pattern=r"^usl:send:"),
                CallbackQueryHandler(edit_menu, pattern=r"^usl:edit:"),
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
            Step.EDIT: [
                CallbackQueryHandler(edit_field, pattern=r"^usl:e:"),
                MessageHandler(filters.ALL & ~filters.COMMAND, want_button),
            ],
        },
        fallbacks=[
            CommandHandler(CANCEL, cancel),
            CallbackQueryHandler(cancel, pattern=r"^usl:cancel$"),
        ],
        allow_reentry=True,
    )


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [_flow(), *proposals_review.handlers(), *proposals_browse.handlers()]


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
