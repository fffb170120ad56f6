"""Grievances and polls in a person's data: /datasaya holds their named reports, open-ballot
votes and the polls they voted in; /hapusdata keeps the reports as "warga (dihapus)" and the
votes counted, with no name or Telegram id left in the database file or its WAL; merging two
accounts that both voted in one open poll leaves one vote."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.grievances import file_report, reference
from tests.support.polls import create_poll
from tests.support.privacy import NAME, RESIDENT, become_member, needles, raw
from tests.support.proposals import MEMBER, PROPOSER, make_members, person_id, rows, texts

OPEN_LIVE = {
    "ballot": "Pemungutan suara terbuka",
    "results": "Selama pemungutan suara (langsung)",
}
NAMED_TEXT = "Lampu jalan di gang Mawar mati sejak seminggu, gelap sekali."
ANON_TEXT = "Iuran kebersihan dipungut dua kali bulan ini oleh petugas yang sama."


async def test_my_data_and_erasure_with_grievances_and_polls(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER])
    await become_member(bot)
    named = reference(
        await file_report(bot, RESIDENT, identity="Terbuka", description=NAMED_TEXT, public=True)
    )
    anonymous = reference(
        await file_report(bot, RESIDENT, identity="Anonim", description=ANON_TEXT)
    )
    _poll, poll_ref, _ = await create_poll(bot, **OPEN_LIVE)
    await bot.send(RESIDENT, "/polling")
    await bot.press(RESIDENT, "2. Penerangan jalan")
    await bot.send(PROPOSER, "/polling")
    await bot.press(PROPOSER, "2. Penerangan jalan")
    public = texts(await bot.send(PROPOSER, "/transparansi"))
    assert f"{named} · Infrastruktur · diterima · {NAME}" in public

    await bot.send(RESIDENT, "/datasaya")
    [upload] = [u for u in bot.api.uploads if u.method == "sendDocument"]
    data = json.loads(upload.content)
    [report] = data["grievances"]  # the named one only: nothing leads to the anonymous one
    assert (report["ref"], report["description"], report["identity"]) == (
        named,
        NAMED_TEXT,
        "terbuka",
    )
    assert anonymous not in upload.content.decode() and ANON_TEXT not in upload.content.decode()
    [vote] = data["polls"]["voted"]
    assert (vote["poll"], vote["ballot"], vote["options"]) == (poll_ref, "open", [2])

    await bot.send(RESIDENT, "/hapusdata")
    assert "telah dihapus" in texts(await bot.press(RESIDENT, "Ya, hapus data saya"))

    public = texts(await bot.send(PROPOSER, "/transparansi"))
    assert f"{named} · Infrastruktur · diterima · warga (dihapus)" in public
    assert NAME not in public
    await bot.send(BOARD_ID, "/pengaduan")
    card = texts(await bot.press(BOARD_ID, named))
    assert "warga (dihapus)" in card and NAME not in card and NAMED_TEXT in card
    # her vote still counts
    await bot.send(BOARD_ID, "/hasil")
    live = texts(await bot.press(BOARD_ID, 1))
    assert "2. Penerangan jalan: 2 suara (100%)" in live
    assert rows(settings.database, "SELECT COUNT(*) FROM poll_roll") == [(2,)]
    data_bytes = raw(settings.database)
    for needle in needles():
        assert needle not in data_bytes, needle


async def test_merging_two_accounts_that_both_voted_in_one_open_poll(
    bot: Simulator, settings: Settings
) -> None:
    other = 303
    make_members(settings.database, [PROPOSER, MEMBER, other])
    poll_id, _ref, _ = await create_poll(bot, **OPEN_LIVE)
    for user, option in ((MEMBER, "1. Drainase RW 03"), (other, "3. Sumur resapan")):
        await bot.send(user, "/polling")
        await bot.press(user, option)
    await bot.send(PROPOSER, "/polling")
    await bot.press(PROPOSER, "1. Drainase RW 03")
    keep, drop = person_id(settings.database, MEMBER), person_id(settings.database, other)

    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Anggota dan pengurus")
    [card] = [b for b in bot.buttons(BOARD_ID) if f"Anggota Nomor {MEMBER}" in b["text"]]
    await bot.press(BOARD_ID, card["text"])
    await bot.press(BOARD_ID, "Gabungkan akun lain ke akun ini")
    await bot.send(BOARD_ID, str(drop))
    assert "Digabungkan" in texts(await bot.press(BOARD_ID, "Gabungkan"))

    proposer = person_id(settings.database, PROPOSER)
    votes = rows(
        settings.database, "SELECT person_id, marks FROM poll_votes WHERE poll_id = ?", (poll_id,)
    )
    assert sorted(votes) == sorted([(keep, "1000000000"), (proposer, "1000000000")])
    assert rows(
        settings.database, "SELECT COUNT(*) FROM poll_roll WHERE person_id = ?", (drop,)
    ) == [(0,)]
    await bot.send(BOARD_ID, "/hasil")
    live = texts(await bot.press(BOARD_ID, 1))
    assert "1. Drainase RW 03: 2 suara (100%)" in live and "3. Sumur resapan: 0 suara" in live
