"""Proposals and personal data: /datasaya holds a person's proposals and endorsements;
/hapusdata keeps them as records of "warga (dihapus)" with counts intact and the person's
name and Telegram id gone from the file; merging two accounts never doubles an endorsement."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.privacy import NAME, RESIDENT, become_member, needles, raw
from tests.support.proposals import (
    MEMBER,
    PROPOSER,
    add_proposal,
    make_members,
    person_id,
    propose,
    rows,
    texts,
    write,
)

OTHER = 303


def endorsements(settings: Settings) -> dict[str, int]:
    return dict(  # type: ignore[arg-type]
        rows(
            settings.database,
            "SELECT p.reference, COUNT(e.person_id) FROM proposals p"
            " LEFT JOIN proposal_endorsements e ON e.proposal_id = p.id GROUP BY p.id",
        )
    )


async def test_my_data_and_erasure_with_proposals(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await become_member(bot)
    theirs = await propose(bot, PROPOSER, title="Posyandu lansia di balai RW 05")
    mine = await propose(
        bot,
        RESIDENT,
        title="Lampu jalan gang mawar",
        description="Gang mawar gelap sekali setiap malam, warga takut lewat.",
        show_name=True,
    )
    await bot.send(RESIDENT, f"/usulan {theirs}")
    await bot.press(RESIDENT, "Dukung (0)")
    await bot.send(MEMBER, f"/usulan {mine}")
    await bot.press(MEMBER, "Dukung (0)")
    assert NAME in texts(await bot.send(MEMBER, f"/usulan {mine}"))  # she chose to show it

    await bot.send(RESIDENT, "/datasaya")
    [upload] = [u for u in bot.api.uploads if u.method == "sendDocument"]
    data = json.loads(upload.content)["proposals"]
    [own] = data["proposals"]
    assert (own["reference"], own["title"], own["show_name"]) == (
        mine,
        "Lampu jalan gang mawar",
        1,
    )
    assert own["hidden_by_board_reason"] is None
    assert [e["reference"] for e in data["endorsements"]] == [theirs]

    await bot.send(RESIDENT, "/hapusdata")
    assert "telah dihapus" in texts(await bot.press(RESIDENT, "Ya, hapus data saya"))

    detail = texts(await bot.send(MEMBER, f"/usulan {mine}"))
    assert "Diusulkan oleh: warga (dihapus)" in detail and NAME not in detail
    assert "Lampu jalan gang mawar" in detail  # the proposal stays as a record
    listing = texts(await bot.send(MEMBER, "/usulan"))
    assert "Diusulkan oleh: warga (dihapus)" in listing and NAME not in listing
    assert "Diusulkan oleh: warga RT 03/RW 05" in listing  # the other proposer, as before
    assert endorsements(settings) == {theirs: 1, mine: 1}  # her support still counts
    assert "1 dukungan" in texts(await bot.send(MEMBER, f"/usulan {theirs}"))
    data = raw(settings.database)
    for needle in needles():
        assert needle not in data, needle
    [(proposer, erased)] = rows(
        settings.database,
        "SELECT proposer_id, proposer_erased FROM proposals WHERE reference = ?",
        (mine,),
    )
    assert (proposer, erased) == (None, 1)


async def test_merging_two_accounts_that_both_supported_a_proposal(
    bot: Simulator, settings: Settings
) -> None:
    """Siti endorsed USL-0001 from both her accounts; her second account also endorsed her
    own USL-0002 (filed from the first). After the merge: one endorsement each, none own."""
    make_members(settings.database, [PROPOSER, MEMBER, OTHER])
    first = await propose(bot, PROPOSER)
    own = await propose(bot, MEMBER, title="Posyandu lansia di balai RW 05")
    for user in (MEMBER, OTHER, BOARD_ID):
        await bot.send(user, f"/usulan {first}")
        await bot.press(user, "Dukung (0)" if user == MEMBER else 1)
    await bot.send(OTHER, f"/usulan {own}")
    await bot.press(OTHER, 1)
    assert endorsements(settings) == {first: 3, own: 1}

    keep, drop = person_id(settings.database, MEMBER), person_id(settings.database, OTHER)
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Anggota dan pengurus")
    [card] = [b for b in bot.buttons(BOARD_ID) if f"Anggota Nomor {MEMBER}" in b["text"]]
    await bot.press(BOARD_ID, card["text"])
    await bot.press(BOARD_ID, "Gabungkan akun lain ke akun ini")
    assert tr_part(
        "<b>Merge these accounts?</b>\nKeep:\n{keep}\n\nMerge into it and close:\n{drop}"
    ) in texts(await bot.send(BOARD_ID, str(drop)))
    assert "Digabungkan" in texts(await bot.press(BOARD_ID, "Gabungkan"))

    assert endorsements(settings) == {first: 2, own: 0}  # Siti once; the board member once
    assert rows(
        settings.database,
        "SELECT person_id FROM proposal_endorsements ORDER BY person_id",
    ) == sorted([(keep,), (person_id(settings.database, BOARD_ID),)])
    assert "2 dukungan" in texts(await bot.send(PROPOSER, f"/usulan {first}"))
    # the kept account lists her proposal as her own
    mine = texts(await bot.send(MEMBER, "/usulanku"))
    assert own in mine and first not in mine


async def test_limits_during_a_proposal_keep_the_draft(
    make_bot, settings: Settings, clock: FakeClock
) -> None:
    """Text over 4096 characters mid-flow is refused politely and the flow goes on; a member
    mashing Dukung meets the flood limit, and the endorsement still counts once."""
    bot = make_bot(settings, flood_limit=(6, 10))
    async with running(bot.application):
        make_members(settings.database, [PROPOSER, MEMBER])
        await bot.send(PROPOSER, "/usul")
        await bot.press(PROPOSER, "Lingkungan / infrastruktur")
        refused = texts(await bot.send(PROPOSER, "Saluran " * 600))  # 4,800 characters
        assert (
            tr_id("That message is too long for me. Please send at most 4096 characters.")
            in refused
            and "4096" in refused
        )
        clock.advance(timedelta(seconds=11))
        asked = texts(await bot.send(PROPOSER, "Perbaikan saluran air RT 03"))
        assert (
            tr_id("Describe the problem and what should be done (20 to 2000 characters).") in asked
        )  # the title step took the next answer
        await bot.send(PROPOSER, "/batal")
        proposer = person_id(settings.database, PROPOSER)
        reference = (await write(bot, add_proposal, proposer)).reference
        await bot.send(MEMBER, f"/usulan {reference}")
        presses = [await bot.press_data(MEMBER, "usl:d:1", 1) for _ in range(12)]
        warned = [
            c for r in presses for c in r if "terlalu cepat" in str(c.params.get("text", ""))
        ]
        assert len(warned) == 1
    assert endorsements(settings) == {reference: 1}
    assert rows(settings.database, "SELECT COUNT(*) FROM audit WHERE action LIKE '%endorsed'") == [
        (1,)
    ]
