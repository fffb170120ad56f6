"""Interactive updates: /start and a language button press, the BKM bot against bare PTB.

Both run in this process on the offline transport, through update_queue:
- bkm: `build_application()` as `bkm-bot run` builds it, on a real SQLite file in a temp
  directory, with its per-person update processor and its persistence;
- bare: tests/perf/bare.py, which makes the same Telegram calls with nothing else.

Workloads:
- /start from people the bot has never seen (a new row in `people` for each);
- a press of `lang:en` / `lang:id` on the /bahasa message, each person alternating, so
  every press really changes their language: in the BKM bot that is the identify write,
  the language write, answerCallbackQuery, the per-chat menu (setMyCommands or
  deleteMyCommands, because the chosen language now differs from, or again matches, the
  client's), the menu-key write and sendMessage. The bare bot makes the same three
  Telegram calls. Before the presses every person sent /start and /bahasa (unmeasured).

The two targets take turns, round by round, so drift hits both alike.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.simulator import running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from bot.transport.offline import OfflineTransport
from tests.perf.bare import Reply, Script, build_bare
from tests.perf.harness import (
    BenchmarkError,
    Figure,
    People,
    Row,
    RunContext,
    Target,
    person_name,
    summary_ms,
)


# ---- learning what the BKM bot sends, so the bare bot can send the same -------------------
def _only(calls: list[ApiCall], method: str, what: str) -> ApiCall:
    found = [call for call in calls if call.method == method]
    if len(found) != 1:
        methods = [call.method for call in calls]
        raise BenchmarkError(f"{what}: expected one {method}, the BKM bot made {methods}")
    return found[0]


def _has_language_buttons(call: ApiCall) -> bool:
    return call.method == "sendMessage" and any(
        button.get("callback_data") == "lang:en" for button in call.buttons
    )


async def learn_script(bkm: Target, people: People) -> Script:
    """One person's /start, /bahasa, lang:en, lang:id on the BKM bot, recorded."""
    [who] = people.take(1)
    start = await bkm.run([bkm.message(who, "/start")], "learning /start")
    start_reply = Reply.learned(_only(start, "sendMessage", "/start").params, person_name(who))
    shown = await bkm.run([bkm.message(who, "/bahasa")], "learning /bahasa")
    language = _only(shown, "sendMessage", "/bahasa")
    if not _has_language_buttons(language):
        raise BenchmarkError("/bahasa: no lang:en button on the BKM bot's reply")
    message_id = int(language.result["message_id"])
    chosen: dict[str, Reply] = {}
    chat_menu: dict[str, list[dict[str, str]] | None] = {}
    for code in ("en", "id"):
        calls = await bkm.run([bkm.press(who, message_id, f"lang:{code}")], "learning a press")
        chosen[code] = Reply.learned(_only(calls, "sendMessage", f"lang:{code}").params)
        for call in calls:
            if call.method == "setMyCommands":
                chat_menu[code] = [dict(c) for c in call.params["commands"]]
            elif call.method == "deleteMyCommands":
                chat_menu[code] = None
    return Script(
        start=start_reply,
        language=Reply.learned(language.params),
        chosen=chosen,
        chat_menu=chat_menu,
    )


def _signature(call: ApiCall) -> dict[str, Any]:
    """A call with whatever differs per person taken out (ids; text reduced to its length)."""
    params = {k: v for k, v in call.params.items() if k not in ("chat_id", "callback_query_id")}
    if "text" in params:
        params["text"] = len(str(params["text"]))
    scope = params.get("scope")
    if isinstance(scope, dict):
        params["scope"] = {k: v for k, v in scope.items() if k != "chat_id"}
    return {"method": call.method, **params}


async def check_same_calls(targets: dict[str, Target], people: People) -> list[list[str]]:
    """Both targets make the same calls for /start, /bahasa and both presses; returns them."""
    [who] = people.take(1)  # the same id on both: separate APIs, separate databases
    conversations: dict[str, list[list[dict[str, Any]]]] = {}
    for name, target in targets.items():
        steps = [await target.run([target.message(who, "/start")], "checking /start")]
        shown = await target.run([target.message(who, "/bahasa")], "checking /bahasa")
        steps.append(shown)
        message_id = int(_only(shown, "sendMessage", "/bahasa").result["message_id"])
        for code in ("en", "id"):
            update = target.press(who, message_id, f"lang:{code}")
            steps.append(await target.run([update], "checking a press"))
        conversations[name] = [[_signature(call) for call in step] for step in steps]
    first, *others = conversations.values()
    for name, conversation in zip(list(conversations)[1:], others, strict=True):
        if conversation != first:
            raise BenchmarkError(
                f"the {name} target's calls differ from the BKM bot's:\n"
                f"  bkm:  {first}\n  {name}: {conversation}"
            )
    return [[call["method"] for call in step] for step in first]


# ---- workloads -----------------------------------------------------------------------------
@dataclass
class PressPool:
    """People who have the /bahasa message on screen; each press flips their language."""

    target: Target
    ids: list[int]
    message_id: dict[int, int] = field(default_factory=dict)
    language: dict[int, str] = field(default_factory=dict)

    async def prepare(self) -> None:
        target = self.target
        await target.run((target.message(who, "/start") for who in self.ids), "pool /start")
        calls = await target.run((target.message(who, "/bahasa") for who in self.ids), "pool")
        for call in calls:
            if _has_language_buttons(call) and call.chat_id is not None:
                self.message_id[call.chat_id] = int(call.result["message_id"])
        missing = set(self.ids) - set(self.message_id)
        if missing:
            raise BenchmarkError(f"{target.name}: {len(missing)} people got no /bahasa buttons")
        self.language = dict.fromkeys(self.ids, "id")

    def presses(self, ids: list[int]) -> list[Update]:
        updates = []
        for who in ids:
            code = "en" if self.language[who] == "id" else "id"
            self.language[who] = code
            updates.append(self.target.press(who, self.message_id[who], f"lang:{code}"))
        return updates


@dataclass
class Results:
    per_second: list[float] = field(default_factory=list)
    latencies: dict[int, list[float]] = field(default_factory=dict)  # by concurrency
    loaded: list[float] = field(default_factory=list)


async def run(ctx: RunContext) -> list[Row]:
    people = People()
    bkm_api = FakeBotAPI()
    settings = Settings(database=ctx.workdir / "bkm.sqlite3")
    bkm_app = build_application(settings, transport=OfflineTransport(bkm_api))
    async with running(bkm_app):
        bkm = Target("bkm", bkm_app, bkm_api)
        script = await learn_script(bkm, people)
        bare_api = FakeBotAPI()
        bare_app = build_bare(script, OfflineTransport(bare_api))
        async with running(bare_app):
            targets = {"bkm": bkm, "bare": Target("bare", bare_app, bare_api)}
            calls = await check_same_calls(targets, people)
            return await _measure(ctx, targets, people, calls)


async def _measure(
    ctx: RunContext, targets: dict[str, Target], people: People, calls: list[list[str]]
) -> list[Row]:
    sizes = ctx.sizes
    n = sizes.throughput_updates
    per_round = math.ceil(sizes.latency_updates / sizes.rounds)
    levels = sizes.latency_concurrency
    if max(per_round, sizes.warmup_updates) > n:
        raise BenchmarkError("latency and warm-up batches must not exceed the throughput batch")

    ctx.progress(f"preparing {n} people with the /bahasa buttons on each target")
    pool_ids = people.take(n)
    pools = {name: PressPool(target, pool_ids) for name, target in targets.items()}
    for pool in pools.values():
        await pool.prepare()

    def start_updates(target: Target, ids: list[int]) -> list[Update]:
        return [target.message(who, "/start") for who in ids]

    workloads = {
        "/start": lambda name, ids: start_updates(targets[name], ids),
        "press lang:en/id": lambda name, ids: pools[name].presses(ids),
    }
    fresh = {"/start": True, "press lang:en/id": False}  # /start needs people never seen

    def batch(workload: str, name: str, size: int) -> list[Update]:
        ids = people.take(size) if fresh[workload] else pool_ids[:size]
        return workloads[workload](name, ids)

    ctx.progress("warming up")
    for workload in workloads:
        for name, target in targets.items():
            warm = sizes.warmup_updates
            await target.throughput(batch(workload, name, warm), f"warm-up {workload}")
            for level in levels:
                await target.latency(batch(workload, name, warm // 4), level, "warm-up")

    results = {(w, name): Results() for w in workloads for name in targets}
    for round_no in range(sizes.rounds):
        order = list(targets) if round_no % 2 == 0 else list(reversed(targets))
        ctx.progress(f"round {round_no + 1}/{sizes.rounds}")
        for workload in workloads:
            for name in order:
                target, result = targets[name], results[workload, name]
                what = f"{workload} round {round_no + 1}"
                measured = await target.throughput(batch(workload, name, n), what)
                result.per_second.append(measured.per_second)
                result.loaded.extend(measured.loaded_latencies)
                for level in levels:
                    updates = batch(workload, name, per_round)
                    samples = await target.latency(updates, level, what)
                    result.latencies.setdefault(level, []).extend(samples)

    # the Bot API calls one update makes: /start; a press to English, a press back
    methods = {"/start": [calls[0]], "press lang:en/id": calls[2:4]}
    rows = []
    for workload in workloads:
        by_target: dict[str, Row] = {}
        for name in targets:
            result = results[workload, name]
            by_level = {level: summary_ms(result.latencies[level]) for level in levels}
            latency = by_level[levels[0]]
            by_target[name] = Row(
                name=f"{name} {workload}",
                updates_per_s=statistics.median(result.per_second),
                p50_ms=latency["p50_ms"],
                p99_ms=latency["p99_ms"],
                details={
                    "target": name,
                    "workload": workload,
                    "bot_api_calls_per_update": methods[workload],
                    "throughput": {
                        "updates_at_once": n,
                        "rounds": sizes.rounds,
                        "updates_per_s_each_round": [round(x, 1) for x in result.per_second],
                    },
                    "latency_by_concurrency": {str(k): v for k, v in by_level.items()},
                    "latency_under_throughput_burst": summary_ms(result.loaded),
                },
            )
        rows.append(by_target["bkm"].compared_to(by_target["bare"]))
        rows.append(by_target["bare"])
    return rows


FIGURE = Figure(
    name="interactive",
    title="interactive updates, offline transport: BKM bot vs bare PTB",
    run=run,
    order=10,
)
