"""One person's updates in the order sent, different people at the same time, locks freed.

Updates go in through update_queue (Simulator.submit) without waiting in between, as a busy
chat delivers them, so the per-person update processor decides the order.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.context import services_of
from bot.flows import UPDATE_KEY
from bot.processor import PerPersonUpdateProcessor
from bot.simulator import Simulator
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from storage import people
from storage.flows import drafts

ASK_NAME = "Siapa nama lengkap Anda (sesuai KTP)?"
ASK_RTRW = "Anda tinggal di RT dan RW berapa?"
ASK_GENDER = "Jenis kelamin?"
WELCOME = "Selamat datang"
TOO_LONG = re.compile(r"^Terlalu panjang: paling banyak 100 karakter \(Anda menulis (\d+)\)\.$")

PERSON = 777001
OTHERS = [778000 + i for i in range(20)]


def replies_to(bot: Simulator, chat_id: int) -> list[str]:
    return [c.text for c in bot.api.calls if c.method == "sendMessage" and c.chat_id == chat_id]


async def submit_text(bot: Simulator, user_id: int, text: str) -> None:
    await bot.submit(bot.api.message_update(user_id, text, first_name=f"Warga {user_id}"))


async def draft_of(bot: Simulator, telegram_id: int) -> drafts.Draft | None:
    db = services_of(bot.application).db
    person = await db.read(people.by_telegram_id, telegram_id)
    assert person is not None
    draft = await db.read(drafts.get, person.id, "membership_apply")
    if draft is not None:  # the answers, without the update the step was saved for
        draft.data.pop(UPDATE_KEY, None)
    return draft


async def test_a_flow_submitted_back_to_back_is_answered_step_by_step(bot: Simulator) -> None:
    mine = ["/daftar", "Siti Aminah", "RT 3 RW 5"]
    others = iter(OTHERS)
    for text in mine:  # each of the person's updates queued between others' /start
        await submit_text(bot, PERSON, text)
        for _ in range(7):
            other = next(others, None)
            if other is not None:
                await submit_text(bot, other, "/start")
    await bot.settle()

    answers = replies_to(bot, PERSON)
    assert len(answers) == 3, answers
    assert answers[0] == ASK_NAME
    assert answers[1].startswith(ASK_RTRW)
    assert answers[2].startswith(ASK_GENDER)
    draft = await draft_of(bot, PERSON)
    assert draft is not None and draft.step == "GENDER"
    assert draft.data == {"full_name": "Siti Aminah", "rt": 3, "rw": 5}
    for other in OTHERS:
        [welcome] = replies_to(bot, other)
        assert welcome.startswith(WELCOME)
    assert [c for c in bot.api.calls if c.error is not None] == []
    assert bot.processor.active_people == 0


async def test_thirty_updates_from_one_person_come_back_in_the_order_sent(
    bot: Simulator,
) -> None:
    """Each too-long name is answered with its own length, so the order is visible."""
    lengths = list(range(101, 129))
    mine = ["/daftar", *("a" * n for n in lengths), "Siti Aminah"]
    assert len(mine) == 30
    for i, text in enumerate(mine):
        await submit_text(bot, PERSON, text)
        for other in (OTHERS[(2 * i) % 20], OTHERS[(2 * i + 1) % 20]):  # 20 others write too
            await submit_text(bot, other, "/bantuan")
    await bot.settle()

    answers = replies_to(bot, PERSON)
    assert answers[0] == ASK_NAME
    echoed = []
    for answer in answers[1:-1]:
        match = TOO_LONG.match(answer)
        assert match is not None, answer
        echoed.append(int(match.group(1)))
    assert echoed == lengths
    assert answers[-1].startswith(ASK_RTRW)
    draft = await draft_of(bot, PERSON)
    assert draft is not None and draft.step == "RTRW"
    assert draft.data == {"full_name": "Siti Aminah"}
    for other in OTHERS:
        assert len(replies_to(bot, other)) == 3  # three /bantuan each
    assert bot.processor.active_people == 0
    assert bot.processor.processed == bot.submitted == 90


async def test_a_lock_is_freed_even_when_the_handler_fails(bot: Simulator) -> None:
    await bot.send(PERSON, "/start")
    bot.api.inject("internal", method="sendMessage", chat_id=PERSON)  # the /bantuan reply fails
    calls = await bot.send(PERSON, "/bantuan")
    assert [c.error.status for c in calls if c.error is not None] == [500]
    assert calls[-1].text.startswith("Maaf, terjadi kesalahan")  # the error handler answered
    assert bot.processor.active_people == 0
    assert (await bot.send(PERSON, "/bantuan"))[-1].error is None  # the person is not stuck


# ---- the processor class on its own Application ------------------------------------------------
A, B = 11, 22


@pytest.fixture
async def small_app(
    api: FakeBotAPI,
) -> AsyncIterator[Application[object, object, object, object, object, object]]:
    transport = OfflineTransport(api)
    application = (
        Application.builder()
        .token("123456789:processor-test")
        .request(transport)
        .get_updates_request(transport)
        .concurrent_updates(PerPersonUpdateProcessor(8))
        .build()
    )
    async with application:
        await application.start()
        try:
            yield application  # type: ignore[misc]
        finally:
            await application.stop()


async def test_people_are_handled_concurrently_and_each_in_order(
    small_app: Application[object, object, object, object, object, object], api: FakeBotAPI
) -> None:
    processor = small_app.update_processor
    assert isinstance(processor, PerPersonUpdateProcessor)
    release_a = asyncio.Event()
    events: list[tuple[str, int, str]] = []

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.message is not None
        who, text = update.effective_user.id, update.message.text or ""
        events.append(("start", who, text))
        if (who, text) == (A, "first"):
            await release_a.wait()  # A's first update is slow
        events.append(("end", who, text))

    small_app.add_handler(MessageHandler(filters.TEXT, handle))

    async def put(user_id: int, text: str) -> None:
        update = Update.de_json(api.message_update(user_id, text), small_app.bot)
        await small_app.update_queue.put(update)

    await put(A, "first")
    await put(A, "second")
    await put(B, "hello")
    try:
        # B finishes while A's first update still waits: people do not wait for each other.
        await processor.wait_processed(1, timeout=2)
        assert ("end", B, "hello") in events
        assert ("end", A, "first") not in events
        assert ("start", A, "second") not in events  # A's next update waits its turn
        assert processor.active_people == 1
    finally:
        release_a.set()  # never leave the application stopping on a blocked update
    await processor.wait_processed(3, timeout=2)
    mine = [(kind, text) for kind, who, text in events if who == A]
    assert mine == [("start", "first"), ("end", "first"), ("start", "second"), ("end", "second")]
    assert processor.active_people == 0
    assert processor.processed == 3
