"""Polls across the upgrade to the flow runner and typed buttons (issue 14).

Residents hold ballots sent before it, and the database holds conversations saved mid-way by
the code before it. The button data and the rows below were captured from that code (commit
7d36e6b): its buttons still work (a vote counts once) or get the polite stale answer, and
its flows resume at the step they were saved at and complete.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.buttons import kind_of
from bot.clock import FakeClock
from bot.config import Settings
from bot.context import services_of
from bot.i18n import Translator
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from handlers.polls import buttons
from tests.conftest import BOARD_ID
from tests.support.polls import add_people, create_poll, person_id, raw_rows, texts
from tests.support.saved_steps import write_saved_step

MEMBERS = [301, 302, 303]

# Callback data the code before the upgrade put on its buttons, and the kind that takes each
TODAYS_DATA: dict[str, object] = {
    "menu:polls": buttons.VOTE,
    "menu:results": buttons.RESULTS,
    "adm:poll_new": buttons.NEW,
    "adm:poll_paper": buttons.PAPER,
    "adm:poll_close": buttons.CLOSE,
    "pol:n:resume": buttons.RESUME,
    "pol:n:restart": buttons.RESTART,
    "pol:n:cancel": buttons.CANCEL,
    "pol:n:publish": buttons.PUBLISH,
    "pol:n:q:none": buttons.NO_QUORUM,
    "pol:n:aud:residents": buttons.Audience,
    "pol:n:aud:members": buttons.Audience,
    "pol:n:aud:rw": buttons.Audience,
    "pol:n:bal:secret": buttons.Ballot,
    "pol:n:bal:open": buttons.Ballot,
    "pol:n:k:1": buttons.Choices,
    "pol:n:k:3": buttons.Choices,
    "pol:n:res:live": buttons.Shown,
    "pol:n:res:after": buttons.Shown,
    "pol:o:1": buttons.Card,
    "pol:v:2:1": buttons.Single,
    "pol:v:2:3": buttons.Single,
    "pol:t:3:0:1": buttons.Toggle,
    "pol:t:3:3:2": buttons.Toggle,
    "pol:k:3:0": buttons.Submit,
    "pol:k:3:3": buttons.Submit,
    "pol:ok:2:1": buttons.Confirm,
    "pol:r:1": buttons.Results,
    "pol:x:1:Z_ykYs7hCGmC": buttons.Close,
    "pol:x:1": buttons.Close,  # without its token: refused by bot.confirm, not stale
    "pol:p:1": buttons.Paper,
    "pol:p:save": buttons.SAVE_PAPER,
    "pol:p:cancel": buttons.CANCEL_PAPER,
}


@pytest.mark.parametrize("data", sorted(TODAYS_DATA))
def test_todays_button_data_decodes_to_its_kind_and_back(data: str) -> None:
    kind = TODAYS_DATA[data]
    assert kind_of(data) is kind
    if isinstance(kind, type):  # a kind with fields: the same data is made again
        typed: Any = kind.unpack(data)
        assert typed is not None and typed.data == data


def ids(bot: Simulator) -> Translator:
    return services_of(bot.application).tr("id")


async def test_a_vote_with_todays_data_counts_once_and_forged_data_is_stale(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, MEMBERS)
    tr = ids(bot)
    secret_id, _, _ = await create_poll(bot)
    open_id, _, _ = await create_poll(
        bot,
        question="Jadwal kerja bakti?",
        ballot="Pemungutan suara terbuka",
        results="Setelah ditutup",
    )
    # the confirm button of a secret ballot, pressed twice (a double tap, a redelivery)
    first = texts(await bot.press_data(MEMBERS[0], f"pol:ok:{secret_id}:2", 1))
    assert tr._("Vote recorded.") in first
    again = texts(await bot.press_data(MEMBERS[0], f"pol:ok:{secret_id}:2", 1))
    assert tr._("You have already voted in this poll.") in again
    # an open ballot's option button from an invitation
    assert tr._("Vote recorded.") in texts(
        await bot.press_data(MEMBERS[1], f"pol:v:{open_id}:3", 1)
    )
    # the ballot card button of an invitation or a reminder
    card = await bot.press_data(MEMBERS[2], f"pol:o:{open_id}", 1)
    assert [b["callback_data"] for b in card[-1].buttons] == [
        f"pol:v:{open_id}:1",
        f"pol:v:{open_id}:2",
        f"pol:v:{open_id}:3",
    ]
    voter = await person_id(bot, MEMBERS[0])
    assert raw_rows(
        settings.database, "SELECT poll_id, person_id FROM poll_roll ORDER BY poll_id"
    ) == [(secret_id, voter), (open_id, await person_id(bot, MEMBERS[1]))]
    assert raw_rows(
        settings.database,
        "SELECT COUNT(*) FROM poll_ballots WHERE poll_id = ? AND marks != '0000000000'",
        (secret_id,),
    ) == [(1,)]
    # data no kind decodes: a field that is not a number, one field too many, an unknown verb
    stale = tr._("This button is no longer valid.")
    for data in (f"pol:v:{open_id}:x", f"pol:o:{open_id}:1", f"pol:zz:{open_id}", "pol:n:k:"):
        assert stale in texts(await bot.press_data(MEMBERS[2], data, 1)), data


# ---- flows saved mid-way by the code before the upgrade (tests/support/saved_steps) ----
async def test_poll_flows_saved_before_the_upgrade_resume_and_complete(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    first = make_bot(settings)
    async with running(first.application):  # the people and a poll, as the earlier code made them
        await first.send(BOARD_ID, "/start")
        await add_people(first, MEMBERS)
        closing_id, _, _ = await create_poll(first, question="Ditutup lebih awal?")
    update, at = api.last_update_id, clock.now().isoformat()
    # /buatpolling at "Secret or open ballot?" (the buttons on the board member's screen)
    write_saved_step(
        settings, "poll_create", 5, "BALLOT",
        f'{{"_update":{update},"audience":"members","options":["A","B","C"],'
        '"question":"Prioritas BLM tahun depan?"}',
        BOARD_ID, at,
    )  # fmt: skip
    clock.advance(timedelta(minutes=5))
    second = make_bot(settings)
    async with running(second.application):
        tr = ids(second)
        # text where a button is expected: said, and the buttons shown again
        typed = await second.send(BOARD_ID, "terbuka")
        assert tr._("Please choose one of the buttons.") in texts(typed)
        assert [b["callback_data"] for b in typed[-1].buttons] == [
            "pol:n:bal:secret",
            "pol:n:bal:open",
        ]
        await second.press_data(BOARD_ID, "pol:n:bal:open", 1)  # the button shown before
        await second.press(BOARD_ID, "Paling banyak 2 pilihan")
        await second.send(BOARD_ID, "3 hari")
        await second.press(BOARD_ID, "Setelah ditutup")
        await second.press(BOARD_ID, "Tanpa kuorum")
        assert "POL-" in texts(await second.press(BOARD_ID, "Terbitkan"))
        assert raw_rows(
            settings.database,
            "SELECT question, ballot, max_choices, results FROM polls WHERE question LIKE 'Prio%'",
        ) == [("Prioritas BLM tahun depan?", "open", 2, "after")]
    # the early close waiting for its reason (its token was consumed by the press)
    update, at = api.last_update_id, clock.now().isoformat()
    write_saved_step(
        settings, "poll_close", 1, "REASON", f'{{"_update":{update},"poll_id":{closing_id}}}',
        BOARD_ID, at,
    )  # fmt: skip
    third = make_bot(settings)
    async with running(third.application):
        done = texts(await third.send(BOARD_ID, "Rapat sudah memutuskan"))
        assert "POL-" in done
    assert raw_rows(
        settings.database, "SELECT status, close_reason FROM polls WHERE id = ?", (closing_id,)
    ) == [("closed", "Rapat sudah memutuskan")]
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM conversations") == [(0,)]


async def test_paper_ballots_saved_before_the_upgrade_resume_with_roll_and_box_apart(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
        await add_people(first, MEMBERS)
        poll_id, reference, _ = await create_poll(first)
        voters = sorted([await person_id(first, m) for m in MEMBERS[:2]])
    # the roll was taken; the ballots from the box were asked next
    write_saved_step(
        settings, "poll_paper", 2, "BALLOTS",
        f'{{"_update":{api.last_update_id},"poll_id":{poll_id},"voters":[{voters[0]},{voters[1]}]}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    second = make_bot(settings)
    async with running(second.application):
        await second.send(BOARD_ID, "3\n1")
        saved = await second.press(BOARD_ID, "Simpan")
        recorded = ids(second).ngettext(
            "{n} paper ballot recorded in poll {ref}.",
            "{n} paper ballots recorded in poll {ref}.",
            2,
        )
        assert recorded.format(n=2, ref=reference) in texts(saved)
    assert raw_rows(
        settings.database, "SELECT person_id, channel FROM poll_roll ORDER BY person_id"
    ) == [(voters[0], "in_person"), (voters[1], "in_person")]
    assert sorted(
        raw_rows(
            settings.database,
            "SELECT marks FROM poll_ballots WHERE poll_id = ? AND marks != '0000000000'",
            (poll_id,),
        )
    ) == [("0010000000",), ("1000000000",)]
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
