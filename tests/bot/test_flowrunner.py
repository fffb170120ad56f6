"""The flow runner's promises (bot.flowrunner), on the real Application.

What each feature's own tests already show (/batal, a board member demoted mid-flow, an
answer re-asked) is not repeated here. Here: Back, changing one answer from the summary,
a stale press, the idle timeout and a redelivered update on a flow declared for this test;
the PTB private memory the runner relies on; and a flow saved mid-way by the code before the
runner (rows written as it wrote them) resuming and completing after the upgrade.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler

from bot import ptb_conversations
from bot.access import reply
from bot.app import build_application
from bot.buttons import Button, Static
from bot.clock import FakeClock
from bot.config import Settings
from bot.context import BKMContext
from bot.features import Feature, Registry, discover
from bot.flowrunner import (
    END,
    TEXT,
    Ask,
    Back,
    Cancel,
    Flow,
    Turn,
    edit,
    press,
    text,
    unusable,
)
from bot.keyboards import keyboard
from bot.simulator import Simulator, running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from bot.transport.offline import OfflineTransport
from rules.validate import Invalid
from tests.conftest import BOARD_ID
from tests.support.saved_steps import write_saved_step

RESIDENT = 301


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


# ---- a flow declared for these tests ----------------------------------------------------
class Step(IntEnum):
    NAME = 1
    RW = 2
    KIND = 3
    SUMMARY = 4
    EDIT = 5


async def ask_name(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, "Q-NAME")


async def ask_rw(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, "Q-RW", reply_markup=keyboard([[("Back", "t:back")]]))


async def ask_kind(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    buttons = [[("Red", "t:k:red"), ("Blue", "t:k:blue"), ("Green", "t:k:green")]]
    await reply(update, context, "Q-KIND", reply_markup=keyboard([*buttons, [("Back", "t:back")]]))


async def ask_summary(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        f"SUMMARY name={data.get('name')} rw={data.get('rw')} kind={data.get('kind')}",
        reply_markup=keyboard([[("Send", "t:send"), ("Change", "t:edit")]]),
    )


async def ask_edit(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        "Q-EDIT",
        reply_markup=keyboard([[("Name", "t:e:name"), ("RW", "t:e:rw"), ("None", "t:e:x")]]),
    )


async def take_name(turn: Turn[Step]) -> Step:
    turn.data["name"] = turn.value.strip()
    return turn.then(Step.RW)


async def take_rw(turn: Turn[Step]) -> Step:
    if not re.fullmatch(r"\d{1,3}", turn.value.strip()):
        raise Invalid("RW-AS-NUMBER")
    turn.data["rw"] = int(turn.value)
    return turn.then(Step.KIND)


async def take_kind(turn: Turn[Step]) -> Step:
    turn.data["kind"] = turn.value
    return Step.SUMMARY


async def to_edit_menu(turn: Turn[Step]) -> Step:
    return Step.EDIT


async def send(turn: Turn[Step]) -> int:
    await turn.flow.end(turn.update, turn.context)
    await reply(turn.update, turn.context, f"SENT {turn.data['name']}")
    return END


async def begin(update: Update, context: BKMContext) -> int:
    return await FLOW.go(update, context, Step.NAME, {})


@dataclass(frozen=True)
class Colour(Button, prefix="t:k"):
    colour: str


@dataclass(frozen=True)
class EditField(Button, prefix="t:e"):
    field: str


SEND = Static("t:send")
EDIT = Static("t:edit")
BACK = Static("t:back")


FLOW: Flow[Step] = Flow(
    "runner_test",
    [
        Ask(Step.NAME, ask_name, [text(take_name)]),
        Ask(Step.RW, ask_rw, [text(take_rw)]),
        Ask(
            Step.KIND,
            ask_kind,
            [press(Colour, take_kind, choices={"red", "blue"})],
            unusable=[unusable(TEXT, "PRESS-A-BUTTON", ask_again=True)],
        ),
        Ask(
            Step.SUMMARY,
            ask_summary,
            [press(SEND, send), press(EDIT, to_edit_menu)],
        ),
        Ask(Step.EDIT, ask_edit, [press(EditField, edit({"name": Step.NAME, "rw": Step.RW}))]),
    ],
    entry=[CommandHandler("ujialur", begin)],
    cancel=Cancel("CANCELLED"),
    back=Back(BACK, {Step.RW: Step.NAME, Step.KIND: Step.RW}),
    summary=Step.SUMMARY,
)


@pytest.fixture
async def sim(settings: Settings, api: FakeBotAPI, clock: FakeClock) -> AsyncIterator[Simulator]:
    """The real Application with every feature, and the test flow as one more."""
    test_feature = Feature(name="runner_test", order=999, handlers=lambda: [FLOW.handler()])
    registry = Registry((*discover().features, test_feature))
    application = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry
    )
    async with running(application):
        yield Simulator(application, api)


def draft_of(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(settings.database, "SELECT step, data FROM drafts WHERE flow = 'runner_test'")


async def to_kind(sim: Simulator) -> None:
    await sim.send(RESIDENT, "/ujialur")
    await sim.send(RESIDENT, "Siti")
    assert "Q-KIND" in texts(await sim.send(RESIDENT, "5"))


# ---- Back, Change, stale presses, unusable input -----------------------------------------
async def test_back_goes_to_the_step_before_keeping_every_answer(
    sim: Simulator, settings: Settings
) -> None:
    await to_kind(sim)
    assert "Q-RW" in texts(await sim.press(RESIDENT, "Back"))
    assert "Q-NAME" in texts(await sim.press(RESIDENT, "Back"))
    [(step, data)] = draft_of(settings)
    assert step == "NAME" and '"name":"Siti"' in data and '"rw":5' in data
    await sim.send(RESIDENT, "Sari")
    await sim.send(RESIDENT, "7")
    summary = texts(await sim.press(RESIDENT, "Red"))
    assert "SUMMARY name=Sari rw=7 kind=red" in summary


async def test_changing_one_answer_returns_to_the_summary(
    sim: Simulator, settings: Settings
) -> None:
    await to_kind(sim)
    await sim.press(RESIDENT, "Blue")
    await sim.press(RESIDENT, "Change")
    assert "Q-RW" in texts(await sim.press(RESIDENT, "RW"))
    assert "RW-AS-NUMBER" in texts(await sim.send(RESIDENT, "lima"))  # re-asked, kept
    # after the changed answer: the summary, not the next step (KIND)
    assert "SUMMARY name=Siti rw=9 kind=blue" in texts(await sim.send(RESIDENT, "9"))
    await sim.press(RESIDENT, "Change")
    assert "Q-NAME" in texts(await sim.press(RESIDENT, "Name"))
    summary = await sim.send(RESIDENT, "Sari")
    assert "SUMMARY name=Sari rw=9 kind=blue" in texts(summary)
    done = await sim.press(RESIDENT, "Send")
    assert "SENT Sari" in texts(done)
    assert draft_of(settings) == []
    assert rows(settings.database, "SELECT * FROM conversations WHERE name = 'runner_test'") == []


async def test_a_press_the_step_does_not_offer_is_stale_and_the_step_stays(
    sim: Simulator, settings: Settings
) -> None:
    await to_kind(sim)
    calls = await sim.press(RESIDENT, "Green")  # a value outside the step's choices
    alerts = [c for c in calls if c.method == "answerCallbackQuery"]
    assert alerts and "tidak berlaku" in str(alerts[0].params.get("text"))
    assert [c for c in calls if c.method == "sendMessage"] == []
    # typed text at a button step: the step's own answer, then its question again
    again = texts(await sim.send(RESIDENT, "merah"))
    assert "PRESS-A-BUTTON" in again and "Q-KIND" in again
    assert "SUMMARY name=Siti rw=5 kind=red" in texts(await sim.press(RESIDENT, "Red"))


# ---- idle timeout, redelivery, /batal -----------------------------------------------------
async def test_an_answer_after_the_idle_timeout_is_refused_and_the_draft_kept(
    sim: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await sim.send(RESIDENT, "/ujialur")
    await sim.send(RESIDENT, "Siti")
    clock.advance(timedelta(minutes=31))
    lapsed = texts(await sim.send(RESIDENT, "5"))
    assert "saya hentikan sementara" in lapsed
    [(step, data)] = draft_of(settings)
    assert step == "RW" and '"name":"Siti"' in data and '"rw"' not in data
    # the conversation ended: the same text is no longer taken as an answer
    assert "Q-KIND" not in texts(await sim.send(RESIDENT, "5"))


async def test_an_update_delivered_again_is_answered_once(
    sim: Simulator, settings: Settings
) -> None:
    await sim.send(RESIDENT, "/ujialur")
    name = sim.api.message_update(RESIDENT, "Siti", first_name="Warga", language_code="id")
    for expected in (["Q-RW"], []):
        before = len(sim.api.calls)
        await sim.submit(name)
        await sim.settle()
        sent = [c.text for c in sim.api.calls[before:] if c.method == "sendMessage"]
        assert sent == expected
    assert "Q-KIND" in texts(await sim.send(RESIDENT, "5"))


async def test_cancel_ends_the_flow_and_discards_the_draft(
    sim: Simulator, settings: Settings
) -> None:
    await to_kind(sim)
    assert "CANCELLED" in texts(await sim.send(RESIDENT, "/batal"))
    assert draft_of(settings) == []
    assert "Q-KIND" not in texts(await sim.press(RESIDENT, "Red"))


# ---- PTB's private conversation memory (bot.ptb_conversations) ----------------------------
def conversation(sim: Simulator, name: str) -> ConversationHandler[Any]:
    return next(
        h
        for group in sim.application.handlers.values()
        for h in group
        if isinstance(h, ConversationHandler) and h.name == name
    )


async def test_ptb_conversation_memory_is_read_and_ended_as_the_runner_expects(
    sim: Simulator, settings: Settings
) -> None:
    """Fails if a PTB upgrade changes ConversationHandler's `_get_key`/`_conversations`."""
    handler = conversation(sim, "runner_test")
    assert ptb_conversations.waiting_keys(handler) == []
    await sim.send(RESIDENT, "/ujialur")
    update = Update.de_json(
        sim.api.message_update(RESIDENT, "x", first_name="W", language_code="id"),
        sim.application.bot,
    )
    assert ptb_conversations.key_of(handler, update) == (RESIDENT, RESIDENT)
    assert ptb_conversations.waiting_keys(handler) == [(RESIDENT, RESIDENT)]
    assert ptb_conversations.is_waiting(handler, update)
    assert ptb_conversations.forget(handler, (RESIDENT, RESIDENT))
    assert not ptb_conversations.is_waiting(handler, update)
    assert not ptb_conversations.forget(handler, (RESIDENT, RESIDENT))
    assert "Q-RW" not in texts(await sim.send(RESIDENT, "Siti"))  # no longer at a step
    post = {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "channel"}, "text": "x"}
    no_user = Update.de_json({"update_id": 10**6, "channel_post": post}, sim.application.bot)
    assert ptb_conversations.key_of(handler, no_user) is None


# ---- a step saved by the code before the runner resumes after the upgrade ----------------
# The rows exactly as the code before the runner (commit 5d7545e) wrote them: the
# conversation state (JSON int, key "[chat id, user id]"), and the draft (step name, JSON
# answers with the update id that saved the step).
BEFORE_RUNNER = {
    "broadcast_compose": (
        "3",
        "RW",
        '{{"_update":{update},"audience":"rw","media_id":null,"media_kind":null,'
        '"rw":null,"text":"Rapat warga Sabtu","topic":"pengumuman"}}',
    ),
    "membership_apply": (
        "3",
        "GENDER",
        '{{"_update":{update},"full_name":"Siti Aminah","rt":3,"rw":5}}',
    ),
}


def write_saved(settings: Settings, flow: str, telegram_id: int, update: int, at: str) -> None:
    state, step, data = BEFORE_RUNNER[flow]
    write_saved_step(settings, flow, state, step, data.format(update=update), telegram_id, at)


async def test_flows_saved_mid_way_before_the_runner_resume_and_complete(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    first = make_bot(settings)
    async with running(first.application):  # the people exist, as the earlier code made them
        await first.send(BOARD_ID, "/start")
        await first.send(201, "/start")
    at = clock.now().isoformat()
    write_saved(settings, "broadcast_compose", BOARD_ID, api.last_update_id, at)
    write_saved(settings, "membership_apply", 201, api.last_update_id, at)
    clock.advance(timedelta(minutes=5))
    second = make_bot(settings)
    async with running(second.application):
        assert "Kapan siaran dikirim" in texts(await second.send(BOARD_ID, "1"))
        preview = await second.press(BOARD_ID, "Sekarang")
        assert "Warga RW 01" in texts(preview)
        done = await second.press(BOARD_ID, "Kirim sekarang")
        assert "Mengirim SRN-0001" in texts(done)
        # the gender buttons were shown before the upgrade: a press of one of them
        summary = texts(await second.press_data(201, "reg:g:female", 1))
        assert "Siti Aminah" in summary and "RT 03/RW 05" in summary
        assert "Terkirim" in texts(await second.press(201, "Kirim"))
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM conversations") == [(0,)]
    assert rows(settings.database, "SELECT full_name, rt, rw FROM membership_applications") == [
        ("Siti Aminah", 3, 5)
    ]
