"""In-person ballots recorded by the board: the roll and the box apart, audited as a count."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.polls import add_people, create_poll, person_id, raw_rows, run_due, texts

MEMBERS = [301, 302]


async def paper_people(bot: Simulator) -> list[int]:
    """Three members registered in person (no Telegram), plus two with Telegram."""
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, MEMBERS)
    services = bot.application.services

    def insert(conn):  # type: ignore[no-untyped-def]
        return [
            conn.execute(
                "INSERT INTO people (full_name, rt, rw, role, language, created_at)"
                " VALUES (?, 1, 1, 'anggota', 'id', '2026-11-01T00:00:00+00:00') RETURNING id",
                (name,),
            ).fetchone()[0]
            for name in ("Mbah Karto", "Bu Inah", "Pak Darmo")
        ]

    return await services.db.write(insert)


async def test_secret_paper_ballots_roll_and_box_apart(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    paper = await paper_people(bot)
    poll_id, _reference, _ = await create_poll(bot)
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Catat surat suara kertas")
    assert tr_part(
        "Paper ballots for secret poll {ref}.\nFirst, who voted "
        "on paper: write their person numbers, for example 12, "
        "15, 17. The ballots come next, separately."
    ) in texts(await bot.press(BOARD_ID, 1))
    assert tr_id(
        "Write the person numbers separated by commas, for example: 12, 15, 17."
    ) in texts(await bot.send(BOARD_ID, "Mbah Karto"))
    assert "Tidak ada dalam daftar" in texts(await bot.send(BOARD_ID, f"{paper[0]}, 99999"))
    asked = await bot.send(BOARD_ID, f"{paper[0]}, {paper[1]} {paper[2]}")
    assert "3 pemilih" in texts(asked)
    assert tr_part(
        "{ballots} ballots for {voters} voters: the numbers must match. Write the ballots again."
    ) in texts(await bot.send(BOARD_ID, "1\n2"))
    assert "Baris 2" in texts(await bot.send(BOARD_ID, "1\n4\n2"))
    assert "Baris 3" in texts(await bot.send(BOARD_ID, "1\n2\n1,2"))  # single choice
    confirm = await bot.send(BOARD_ID, "2\n2\n3")
    assert "Catat 3 surat suara kertas" in texts(confirm)
    assert "3 surat suara kertas tercatat" in texts(await bot.press(BOARD_ID, "Simpan"))

    assert raw_rows(
        settings.database, "SELECT person_id, channel FROM poll_roll ORDER BY person_id"
    ) == [(p, "in_person") for p in sorted(paper)]
    assert sorted(
        raw_rows(settings.database, "SELECT marks FROM poll_ballots WHERE marks != '0000000000'")
    ) == [("0010000000",), ("0100000000",), ("0100000000",)]
    # audited once, as a count: no person, no choice
    [(_actor, after)] = raw_rows(
        settings.database,
        "SELECT actor_id, after FROM audit WHERE action = 'poll.in_person_recorded'",
    )
    assert after == '{"count":3}'
    # someone on the paper roll cannot vote again on paper
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Catat surat suara kertas")
    await bot.press(BOARD_ID, 1)
    assert tr_part("Already voted in this poll: {numbers}. Nothing was recorded.") in texts(
        await bot.send(BOARD_ID, str(paper[0]))
    )
    await bot.send(BOARD_ID, "/batal")
    # chat voters and paper voters together
    await bot.press_data(MEMBERS[0], f"pol:ok:{poll_id}:1", 1)
    clock.advance(timedelta(days=3))
    await run_due(bot)
    [full] = [
        c.text
        for c in bot.api.calls
        if c.chat_id == MEMBERS[1] and "Tingkat partisipasi" in c.text
    ]
    assert "2. Penerangan jalan: 2 suara (50%)" in full
    assert "Tingkat partisipasi: 4 dari 6 dalam daftar" in full


async def test_open_paper_ballots_with_the_voter_and_no_chat_vote_after(
    bot: Simulator, settings: Settings
) -> None:
    paper = await paper_people(bot)
    member = await person_id(bot, MEMBERS[0])
    poll_id, _, _ = await create_poll(
        bot, ballot="Pemungutan suara terbuka", results="Setelah ditutup"
    )
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Catat surat suara kertas")
    assert "nomor warga, titik dua" in texts(await bot.press(BOARD_ID, 1))
    assert "Baris 1" in texts(await bot.send(BOARD_ID, f"{paper[0]} 1"))
    await bot.send(BOARD_ID, f"{paper[0]}: 1\n{member}: 3")
    await bot.press(BOARD_ID, "Simpan")
    assert raw_rows(
        settings.database, "SELECT person_id, marks FROM poll_votes ORDER BY person_id"
    ) == sorted([(paper[0], "1000000000"), (member, "0010000000")])
    # the member who voted on paper cannot also vote by chat
    calls = await bot.press_data(MEMBERS[0], f"pol:v:{poll_id}:2", 1)
    assert "sudah memberi suara" in texts(calls)
    assert raw_rows(
        settings.database, "SELECT marks FROM poll_votes WHERE person_id = ?", (member,)
    ) == [("0010000000",)]
    # nor change it: the card offers no buttons
    shown = await bot.send(MEMBERS[0], "/polling")
    assert not shown[-1].buttons
