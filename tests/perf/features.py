"""Feature updates beside bare PTB: a vote press, a proposal-flow step, a budget query.

Both targets run in this process on the offline transport, through update_queue:
- bkm: `build_application()` as `bkm-bot run` builds it, on a real SQLite file (with the
  10,000 budget lines of tests/perf/budget.py imported), members already in `people`;
- bare: a bare python-telegram-bot Application with one handler that REPLAYS the Telegram
  calls the BKM bot made for the same kind of update (learned from one update of each
  workload during this run: same methods, texts, keyboards; only the chat, the callback
  query and the pressed message are the presser's own). No database, no persistence.

Workloads (people are members; every measured update comes from a distinct person):
- "vote press": `pol:v:<poll>:<option>` on an open-ballot poll's invitation (the vote, its
  audit row, answerCallbackQuery and the confirmation edit). A fresh poll per batch, so
  every press is a first vote; the bare bot gets the same invitation messages to edit;
- "proposal title step": the title typed in /usul (length check, similar-title lookup,
  the draft and conversation state saved, the next question sent). People are brought to
  the title step (/usul, the field button) before the clock starts;
- "budget query": `/anggaran drainase RW 5` over 10,000 lines (filters, totals, first page).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults, TypeHandler

from bot.app import MAX_CONCURRENT_UPDATES, OFFLINE_TOKEN, build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.context import services_of
from bot.simulator import running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from bot.transport.offline import OfflineTransport
from tests.perf.budget import import_once
from tests.perf.harness import (
    BenchmarkError,
    CountingUpdateProcessor,
    Figure,
    People,
    Row,
    RunContext,
    Target,
    summary_ms,
)
from tests.perf.polls import add_members, invite, publish

BUDGET_QUERY = "/anggaran drainase RW 5"
FIELD_BUTTON = "usl:f:lingkungan"

# ---- the bare reference: replays the BKM bot's calls --------------------------------------
Call = tuple[str, dict[str, Any]]


def workload_of(update: Update) -> str:
    if update.callback_query is not None:
        return "vote press"
    text = update.message.text if update.message is not None else ""
    return "budget query" if (text or "").startswith("/anggaran") else "proposal title step"


def learned(calls: list[ApiCall]) -> list[Call]:
    return [(call.method, dict(call.params)) for call in calls if call.method != "getMe"]


def _snake(method: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


def build_replayer(scripts: dict[str, list[Call]], transport: OfflineTransport) -> Any:
    async def replay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        query = update.callback_query
        for method, template in scripts[workload_of(update)]:
            params = dict(template)
            if "chat_id" in params:
                params["chat_id"] = chat.id
            if "callback_query_id" in params and query is not None:
                params["callback_query_id"] = query.id
            if "message_id" in params and query is not None and query.message is not None:
                params["message_id"] = query.message.message_id
            if "reply_markup" in params:
                params["reply_markup"] = InlineKeyboardMarkup.de_json(params["reply_markup"], None)
            # the typed method, as a handler would call it (it also builds the result object)
            await getattr(context.bot, _snake(method))(**params)

    application = (
        Application.builder()
        .token(OFFLINE_TOKEN)
        .request(transport)
        .get_updates_request(transport)
        .concurrent_updates(CountingUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .build()
    )
    application.add_handler(TypeHandler(Update, replay))
    return application


# ---- preparing people -----------------------------------------------------------------------
@dataclass
class Stand:
    """Both targets and what preparing a batch needs."""

    bkm: Target
    bare: Target | None
    clock: FakeClock
    board_id: int
    people: People
    members: list[int] = field(default_factory=list)  # known members, for /anggaran

    async def new_members(self, n: int) -> list[int]:
        ids = self.people.take(n)
        await add_members(self.bkm, ids, self.clock.now())
        if self.bare is not None:
            for who in ids:
                self.bare.api.known_chats[who] = {"id": who, "type": "private", "first_name": "W"}
        return ids

    async def votes(self, name: str, n: int) -> list[Update]:
        # earlier batches leave the member roll, so each poll's roll (taken at publishing)
        # and invitation hold this batch only: setup stays linear in the batch size
        await services_of(self.bkm.application).db.write(
            lambda conn: (
                conn.execute("UPDATE people SET role = 'warga' WHERE role = 'anggota'").rowcount
            )
        )
        ids = await self.new_members(n)
        target = self.bkm if name == "bkm" else self.bare
        assert target is not None
        poll_id = await publish(self.bkm, self.board_id, "open", self.clock.now())
        if name == "bkm":
            shown = await invite(self.bkm, poll_id, ids)
        else:
            shown = {}
            for who in ids:
                sent = await target.application.bot.send_message(who, "Polling baru")
                shown[who] = sent.message_id
            target.api.calls.clear()
        return [target.press(who, shown[who], f"pol:v:{poll_id}:{i % 4 + 1}") for i, who in
                enumerate(ids)]  # fmt: skip

    async def titles(self, name: str, n: int) -> list[Update]:
        ids = await self.new_members(n)
        if name == "bkm":
            await self.bkm.run((self.bkm.message(who, "/usul") for who in ids), "/usul")
            shown = {
                who: self.bkm.api.last_buttons(who) for who in ids
            }  # the field question's message
            presses = []
            for who, found in shown.items():
                if found is None:
                    raise BenchmarkError("/usul asked no field")
                presses.append(self.bkm.press(who, found[0], FIELD_BUTTON))
            await self.bkm.run(presses, "field")
        target = self.bkm if name == "bkm" else self.bare
        assert target is not None
        return [target.message(who, f"Perbaikan saluran air gang {who}") for who in ids]

    async def queries(self, name: str, n: int) -> list[Update]:
        if len(self.members) < n:
            self.members += await self.new_members(n - len(self.members))
        target = self.bkm if name == "bkm" else self.bare
        assert target is not None
        return [target.message(who, BUDGET_QUERY) for who in self.members[:n]]


@dataclass
class Results:
    per_second: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    loaded: list[float] = field(default_factory=list)


async def run(ctx: RunContext) -> list[Row]:
    database = ctx.workdir / "bkm.sqlite3"
    ctx.progress("importing 10,000 budget lines")
    from tests.perf.budget import budget_csv

    import_once(database, budget_csv())
    clock = FakeClock(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))
    api = FakeBotAPI()
    settings = Settings(database=database, admins=frozenset({1}))
    bkm_app = build_application(settings, transport=OfflineTransport(api), clock=clock)
    async with running(bkm_app):
        bkm = Target("bkm", bkm_app, api)
        api.known_chats[1] = {"id": 1, "type": "private", "first_name": "Pengurus"}
        await bkm.run([bkm.message(1, "/start")], "board")
        board_id = await services_of(bkm_app).db.read(
            lambda conn: conn.execute("SELECT id FROM people WHERE telegram_id = 1").fetchone()[0]
        )
        stand = Stand(bkm, None, clock, board_id, People())
        makers: dict[str, Callable[[str, int], Any]] = {
            "vote press": stand.votes,
            "proposal title step": stand.titles,
            "budget query": stand.queries,
        }
        scripts: dict[str, list[Call]] = {}
        for workload, make in makers.items():
            [update] = await make("bkm", 1)
            scripts[workload] = learned(await bkm.run([update], f"learning {workload}"))
            if not scripts[workload]:
                raise BenchmarkError(f"{workload}: the BKM bot made no call")
        bare_api = FakeBotAPI()
        bare_app = build_replayer(scripts, OfflineTransport(bare_api))
        async with running(bare_app):
            stand.bare = Target("bare", bare_app, bare_api)
            return await _measure(ctx, stand, makers, scripts)


async def _measure(
    ctx: RunContext,
    stand: Stand,
    makers: dict[str, Callable[[str, int], Any]],
    scripts: dict[str, list[Call]],
) -> list[Row]:
    sizes = ctx.sizes
    n = sizes.throughput_updates
    per_round = math.ceil(sizes.latency_updates / sizes.rounds)
    assert stand.bare is not None
    targets = {"bkm": stand.bkm, "bare": stand.bare}
    rows: list[Row] = []
    for workload, make in makers.items():
        final = scripts[workload][-1][0]
        for target in targets.values():
            target.final_method = final
        ctx.progress(f"{workload}: warming up")
        for name, target in targets.items():
            await target.throughput(await make(name, sizes.warmup_updates), "warm-up")
            await target.latency(await make(name, sizes.warmup_updates // 4), 1, "warm-up")
        results = {name: Results() for name in targets}
        for round_no in range(sizes.rounds):
            ctx.progress(f"{workload}: round {round_no + 1}/{sizes.rounds}")
            order = list(targets) if round_no % 2 == 0 else list(reversed(targets))
            for name in order:
                target, result = targets[name], results[name]
                what = f"{workload} round {round_no + 1}"
                measured = await target.throughput(await make(name, n), what)
                result.per_second.append(measured.per_second)
                result.loaded.extend(measured.loaded_latencies)
                result.latencies.extend(await target.latency(await make(name, per_round), 1, what))
            stand.clock.advance(timedelta(minutes=2))
        by_target: dict[str, Row] = {}
        for name in targets:
            result = results[name]
            latency = summary_ms(result.latencies)
            by_target[name] = Row(
                name=f"{name} {workload}",
                updates_per_s=statistics.median(result.per_second),
                p50_ms=latency["p50_ms"],
                p99_ms=latency["p99_ms"],
                details={
                    "target": name,
                    "workload": workload,
                    "bot_api_calls_per_update": [method for method, _ in scripts[workload]],
                    "updates_per_s_each_round": [round(x, 1) for x in result.per_second],
                    "latency_one_at_a_time": latency,
                    "latency_under_throughput_burst": summary_ms(result.loaded),
                },
            )
        rows.append(by_target["bkm"].compared_to(by_target["bare"]))
        rows.append(by_target["bare"])
    return rows


FIGURE = Figure(
    name="features",
    title="feature updates, offline transport: vote press, proposal step, budget query vs bare",
    run=run,
    order=20,
)
