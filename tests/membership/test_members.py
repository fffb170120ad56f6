"""/admin › Members: lifecycle, two-person promotion, last board member, merging accounts."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.features import Feature, PersonalData, Registry, discover
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part

SECOND = 1002
MEMBER = 301
OTHER = 302


def texts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def alerts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(str(c.params.get("text")) for c in calls if c.method == "answerCallbackQuery")


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def person_id(path: Path, telegram_id: int) -> int:
    return int(rows(path, f"SELECT id FROM people WHERE telegram_id = {telegram_id}")[0][0])


async def member(bot: Simulator, user: int, name: str, rtrw: str = "RT 3 RW 5") -> None:
    await bot.send(user, "/daftar")
    await bot.send(user, name)
    await bot.send(user, rtrw)
    await bot.press(user, "Perempuan")
    await bot.press(user, "Kirim")
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Verifikasi anggota")
    await bot.press(BOARD_ID, "Setujui")


async def open_card(bot: Simulator, board_user: int, label_part: str) -> list:  # type: ignore[type-arg]
    await bot.send(board_user, "/admin")
    await bot.press(board_user, "Anggota dan pengurus")
    [button] = [b for b in bot.buttons(board_user) if label_part in b["text"]]
    return await bot.press(board_user, button["text"])


def two_admins(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, admins=frozenset({BOARD_ID, SECOND}))


async def test_promotion_takes_effect_only_when_a_second_board_member_confirms(
    make_bot, settings: Settings
) -> None:
    bot = make_bot(two_admins(settings))
    async with running(bot.application):
        await bot.send(SECOND, "/start")
        await member(bot, MEMBER, "Siti Aminah")
        card = await open_card(bot, BOARD_ID, "Siti")
        assert "Siti Aminah" in texts(card) and tr_id("member") in texts(card)
        proposed = await bot.press(BOARD_ID, "Usulkan menjadi pengurus")
        assert tr_id(
            "Proposed. {name} joins the board when another board member confirms.",
            name="Siti Aminah",
        ) in texts(proposed)
        assert rows(settings.database, f"SELECT role FROM people WHERE telegram_id={MEMBER}") == [
            ("anggota",)
        ]
        [note] = [c for c in proposed if c.chat_id == SECOND]
        [confirm] = note.buttons
        message_id = note.result["message_id"]
        # the proposer cannot confirm their own proposal, even with a forged press
        forged = await bot.press_data(BOARD_ID, confirm["callback_data"], message_id)
        assert tr_id("A second board member must confirm this.") in alerts(forged)
        assert rows(settings.database, f"SELECT role FROM people WHERE telegram_id={MEMBER}") == [
            ("anggota",)
        ]
        # a resident cannot either
        refused = await bot.press_data(MEMBER, confirm["callback_data"], message_id)
        assert tr_id("Sorry, this is only for the BKM board.") in alerts(refused)
        done = await bot.press(SECOND, "Konfirmasi")
        assert tr_id("Confirmed: {name} is now a board member.", name="Siti Aminah") in texts(done)
        assert any(c.chat_id == MEMBER and "/admin" in c.text for c in done)
        assert rows(settings.database, f"SELECT role FROM people WHERE telegram_id={MEMBER}") == [
            ("pengurus",)
        ]
        # a second press of the same button is stale
        again = await bot.press_data(SECOND, confirm["callback_data"], message_id)
        assert tr_id("This button is no longer valid.") in alerts(again)
    actions = [r[0] for r in rows(settings.database, "SELECT action FROM audit ORDER BY id")]
    assert "board.promotion_proposed" in actions and "board.promoted" in actions


async def test_config_admins_and_the_last_board_member_stay(make_bot, settings: Settings) -> None:
    bot = make_bot(two_admins(settings))
    async with running(bot.application):
        await bot.send(SECOND, "/start")
        board_id = person_id(settings.database, BOARD_ID)
        second_id = person_id(settings.database, SECOND)
        calls = await bot.press_data(BOARD_ID, f"mbr:dm:{second_id}", 1)
        assert tr_id(
            "This board member is set in BKM_ADMINS; "
            "only the server configuration can change that."
        ) in alerts(calls)
    # after a restart without BKM_ADMINS, both stay on the board (never demoted by a restart)
    from dataclasses import replace

    bot = make_bot(replace(settings, admins=frozenset()))
    async with running(bot.application):
        calls = await bot.press_data(BOARD_ID, f"mbr:dm:{second_id}", 1)
        assert tr_part("{name} is no longer on the board (still a member).") in texts(calls)
        calls = await bot.press_data(BOARD_ID, f"mbr:dm:{board_id}", 1)
        assert tr_id("The last board member cannot be removed.") in alerts(calls)
    assert rows(settings.database, "SELECT COUNT(*) FROM people WHERE role='pengurus'") == [(1,)]


async def test_revoke_with_a_reason_and_move_rw(bot: Simulator, settings: Settings) -> None:
    await member(bot, MEMBER, "Siti O'Neil-Aminah")
    await open_card(bot, BOARD_ID, "Siti")
    await bot.press(BOARD_ID, "Pindah ke RT/RW lain")
    assert tr_id("I could not read that RT/RW. Write it like this: RT 3 RW 5, or 03/05.") in texts(
        await bot.send(BOARD_ID, "RW lima")
    )
    moved = await bot.send(BOARD_ID, "RT 7 RW 2")
    assert "RT 07/RW 02" in texts(moved)
    assert "Siti O&#x27;Neil-Aminah" in moved[-1].params["text"]  # escaped, shown back exactly

    await open_card(bot, BOARD_ID, "Siti")
    await bot.press(BOARD_ID, "Cabut keanggotaan")
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await bot.send(BOARD_ID, "x")
    )
    calls = await bot.send(BOARD_ID, "Pindah keluar kelurahan'; DROP TABLE people; --")
    assert tr_id("Membership revoked. The person has been told.") in texts(calls)
    [told] = [c for c in calls if c.chat_id == MEMBER]
    assert "DROP TABLE people" in told.text
    assert rows(settings.database, f"SELECT role, rw FROM people WHERE telegram_id={MEMBER}") == [
        ("warga", 2)
    ]
    actions = [r[0] for r in rows(settings.database, "SELECT action FROM audit")]
    assert "member.moved" in actions and "membership.revoked" in actions
    assert "DROP" not in str(rows(settings.database, "SELECT * FROM audit"))


async def test_search_and_refusals(bot: Simulator, settings: Settings) -> None:
    await member(bot, MEMBER, "Siti Aminah")
    await member(bot, OTHER, "Budi Santoso", "RT 1 RW 2")
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Anggota dan pengurus")
    await bot.press(BOARD_ID, "Cari nama")
    found = await bot.send(BOARD_ID, "bud%")
    assert tr_id("No members found.") in texts(found)  # % is a letter here, not a wildcard
    await bot.press(BOARD_ID, "Cari nama")
    found = await bot.send(BOARD_ID, "budi")
    assert found[-1].buttons[0]["text"].startswith("Budi Santoso")
    # a resident pressing board buttons, and forged ids
    assert tr_id("Sorry, this is only for the BKM board.") in alerts(
        await bot.press_data(OTHER, "mbr:v:1", 1)
    )
    assert tr_id("This button is no longer valid.") in alerts(
        await bot.press_data(BOARD_ID, "mbr:v:99999", 1)
    )
    assert tr_id("This button is no longer valid.") in alerts(
        await bot.press_data(BOARD_ID, "mbr:mgok:1:x", 1)
    )


def registry_with_votes() -> Registry:
    """A feature that stores votes, as polls will: one row per (poll, person)."""

    def export(conn: sqlite3.Connection, pid: int) -> object:
        return [r[0] for r in conn.execute("SELECT poll FROM t_votes WHERE person=?", (pid,))]

    def erase(conn: sqlite3.Connection, pid: int, now: datetime) -> None:
        """Votes stay counted."""

    def merge(conn: sqlite3.Connection, keep: int, drop: int) -> None:
        conn.execute("UPDATE OR IGNORE t_votes SET person = ? WHERE person = ?", (keep, drop))
        conn.execute("DELETE FROM t_votes WHERE person = ?", (drop,))

    feature = Feature(
        name="t_votes", order=50, personal_data=(PersonalData("votes", export, erase, merge),)
    )
    found = discover()
    return Registry((*found.features, feature))


async def test_merge_moves_everything_without_counting_a_vote_twice(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry_with_votes()
    )
    async with running(app):
        bot = Simulator(app, api)
        await member(bot, MEMBER, "Siti Aminah")
        await bot.send(OTHER, "/start")  # her second Telegram account, a resident
        keep, drop = person_id(settings.database, MEMBER), person_id(settings.database, OTHER)
        conn = sqlite3.connect(settings.database)
        conn.execute("CREATE TABLE t_votes (poll INTEGER, person INTEGER, UNIQUE (poll, person))")
        conn.executemany(
            "INSERT INTO t_votes VALUES (?, ?)", [(1, keep), (1, drop), (2, drop), (3, keep)]
        )
        conn.commit()
        conn.close()

        await open_card(bot, BOARD_ID, "Siti")
        await bot.press(BOARD_ID, "Gabungkan akun lain ke akun ini")
        assert tr_id("There is no other account with that number. Send a number.") in texts(
            await bot.send(BOARD_ID, str(keep))
        )
        confirm = await bot.send(BOARD_ID, str(drop))
        assert tr_part(
            "<b>Merge these accounts?</b>\nKeep:\n{keep}\n\nMerge into it and close:\n{drop}"
        ) in texts(confirm)
        merged = await bot.press(BOARD_ID, "Gabungkan")
        assert tr_id("Merged.") in texts(merged)
    assert rows(settings.database, "SELECT poll, COUNT(*) FROM t_votes GROUP BY poll") == [
        (1, 1),
        (2, 1),
        (3, 1),
    ]
    assert rows(settings.database, "SELECT DISTINCT person FROM t_votes") == [(keep,)]
    assert rows(
        settings.database, f"SELECT role, merged_into, telegram_id FROM people WHERE id={drop}"
    ) == [("warga", keep, None)]
    assert rows(settings.database, f"SELECT role FROM people WHERE id={keep}") == [("anggota",)]
    actions = rows(settings.database, "SELECT action, object_id, after FROM audit")
    assert ("person.merged", str(keep), f'{{"merged":{drop}}}') in actions


async def test_transparency_shows_participation_with_small_groups_hidden(
    bot: Simulator, settings: Settings
) -> None:
    for n in range(6):
        await member(bot, 400 + n, f"Ratna Satu {'abcdef'[n]}", "RT 1 RW 1")
    await member(bot, 410, "Ratna Dua", "RT 2 RW 2")
    page = "\n".join(c.text for c in await bot.send(MEMBER, "/transparansi"))
    assert "RW 01: 6" in page and "RW 02: < 5" in page
    assert "perempuan: 7" in page
    assert tr_id("A membership application was approved") in page
    assert "Ratna" not in page  # no names on the public page
    conn = sqlite3.connect(settings.database)
    head = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    conn.close()
    assert head[:16] in page


async def test_the_board_erases_a_resident_registered_in_person_on_request(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Daftarkan warga secara langsung")
    await bot.send(BOARD_ID, "Mbah Sarinem")
    await bot.send(BOARD_ID, "RT 4 RW 6")
    await bot.press(BOARD_ID, "Perempuan")
    await open_card(bot, BOARD_ID, "Mbah")
    asked = await bot.press(BOARD_ID, "Hapus data pribadi (atas permintaan)")
    assert tr_id(
        "Erase this person's personal data at their request? Their records stay, "
        "shown as “resident (erased)”. This cannot be undone."
    ) in texts(asked)
    assert tr_id("The personal data was erased.") in texts(await bot.press(BOARD_ID, "Hapus"))
    assert b"Sarinem" not in settings.database.read_bytes()
    [(role, after)] = rows(
        settings.database, "SELECT actor_role, after FROM audit WHERE action = 'person.erased'"
    )
    assert role == "pengurus" and "request_in_person" in str(after)
    # the card's button pressed again: the person is no longer a member, nothing happens
    again = await bot.press_data(BOARD_ID, asked[-1].buttons[0]["callback_data"], 1)
    assert tr_id("This button is no longer valid.") in alerts(again)
