"""`bkm-bot shell`: chat with the real bot in a terminal, offline, no token needed.

Buttons are printed numbered; type the number to press one (a leading backslash sends the
text as typed, e.g. `\\3`). `/as N` becomes person N, `/group` toggles the group chat,
`/quit` (or end of input) leaves. Piped input is read one message per line.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from dataclasses import replace
from typing import TextIO

from bot.app import BKMApplication, build_application
from bot.clock import Clock
from bot.config import Settings
from bot.context import services_of
from bot.flows import UPDATE_KEY
from bot.simulator import GROUP_CHAT_ID, NoSuchButton, Simulator, running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from bot.transport.offline import OfflineTransport
from storage import ops
from storage.demo import people as demo_data
from storage.flows import drafts

# The newest update id a shell run handed out, kept in the database (ops_state): the next
# run on the same file numbers its updates after it, and after every update id a flow step
# kept in its draft, so the redelivery guard (bot.flows.redelivered) drops none of them.
LAST_UPDATE = "shell_last_update_id"

SHOWN = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageReplyMarkup"}


def render(call: ApiCall, viewer_chat: int) -> str:
    """How a call looks in the terminal: the text, then numbered buttons."""
    if call.error is not None:
        return f"[Telegram refused {call.method}: {call.error.description}]"
    if call.method == "answerCallbackQuery":
        return f"  ({call.params['text']})" if call.params.get("text") else ""
    if call.method not in SHOWN:
        return ""
    chat = call.chat_id
    if chat == viewer_chat:
        who = "bot"
    elif chat == GROUP_CHAT_ID:
        who = "bot → group"
    else:
        who = f"bot → person {chat}"
    prefix = "(edited) " if call.method.startswith("edit") else ""
    lines = [f"{who}> {prefix}{call.text}".rstrip()] if call.text else [f"{who}> {prefix}"]
    for number, button in enumerate(call.buttons, start=1):
        link = f" → {button['url']}" if "url" in button else ""
        lines.append(f"   [{number}] {button.get('text', '')}{link}")
    return "\n".join(lines)


async def run_shell(
    settings: Settings,
    *,
    user_id: int | None,
    admin: bool,
    demo: bool,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    clock: Clock | None = None,
) -> int:
    source = stdin or sys.stdin
    out = stdout or sys.stdout
    person = user_id if user_id is not None else 1
    if admin:
        settings = replace(settings, admins=settings.admins | {person})
    api = FakeBotAPI()
    application = build_application(settings, transport=OfflineTransport(api), clock=clock)
    services = services_of(application)
    simulator = Simulator(application, api)
    interactive = source.isatty()
    state = {"person": person, "group": False}

    def show(call: ApiCall) -> None:
        viewer = GROUP_CHAT_ID if state["group"] else state["person"]
        text = render(call, viewer)
        if text:
            print(text, file=out, flush=True)

    async with running(application):
        api.continue_update_ids_after(await services.db.read(last_update_id))
        if demo:
            used = await _seed_demo(application)
            if used is None:
                print(
                    "Demo kelurahan ready: person 1 is a board member, 2–7 members, "
                    "8–10 residents.",
                    file=out,
                )
            else:
                print(
                    f"Demo not seeded: {settings.database} already holds data ({used}); "
                    "nothing was changed. Use --database with a new file for the demo.",
                    file=out,
                )
        print(
            f"BKM Bot shell (offline) — you are person {person}. "
            "Type a message; a number presses a button; /as N switches person; /quit leaves.",
            file=out,
            flush=True,
        )
        api.listeners.append(show)
        while True:
            if interactive:
                where = "group" if state["group"] else "private"
                print(f"person {state['person']} ({where})> ", end="", file=out, flush=True)
            line = await asyncio.to_thread(source.readline)
            if not line:
                break
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            if not interactive:
                print(f"person {state['person']}> {text}", file=out, flush=True)
            if text.strip() in ("/quit", "/exit"):
                break
            if text.startswith("/as"):
                parts = text.split()
                if len(parts) == 2 and parts[1].isdigit():
                    state["person"] = int(parts[1])
                    print(f"(now person {state['person']})", file=out, flush=True)
                else:
                    print("(usage: /as N)", file=out, flush=True)
                continue
            if text.strip() == "/group":
                state["group"] = not state["group"]
                print(
                    "(in the group chat)" if state["group"] else "(in the private chat)",
                    file=out,
                    flush=True,
                )
                continue
            await _say(simulator, state, text, out)
            await _keep_last_update(application, api)
    return 0


def last_update_id(conn: sqlite3.Connection) -> int:
    """The newest update id this database saw: the shell's own mark, or a draft's."""
    kept = ops.get(conn, LAST_UPDATE)
    mark = int(kept[0]) if kept is not None and kept[0].isdigit() else 0
    return max(mark, drafts.highest_number(conn, UPDATE_KEY))


async def _keep_last_update(application: BKMApplication, api: FakeBotAPI) -> None:
    services = services_of(application)
    newest = api.last_update_id
    if newest and newest > await services.db.read(last_update_id):
        await services.db.write(ops.put, LAST_UPDATE, str(newest), services.clock.now())


async def _say(simulator: Simulator, state: dict[str, int | bool], text: str, out: TextIO) -> None:
    person = int(state["person"])
    chat = GROUP_CHAT_ID if state["group"] else person
    if text.startswith("\\"):
        await simulator.send(person, text[1:], group=bool(state["group"]))
        return
    if text.strip().isdigit() and simulator.buttons(person, chat):
        try:
            await simulator.press(person, int(text.strip()), chat_id=chat)
        except NoSuchButton as exc:
            print(f"({exc})", file=out, flush=True)
        return
    await simulator.send(person, text, group=bool(state["group"]))


async def _seed_demo(application: BKMApplication) -> str | None:
    """Seed the demo into an empty database; otherwise change nothing and say what is there."""
    services = services_of(application)
    now = services.clock.now()
    admins = services.settings.admins

    def seed_all(conn: sqlite3.Connection) -> str | None:
        used = demo_data.in_use(conn, admins)
        if used is not None:
            return used
        for seeder in services.registry.demo:
            seeder.seed(conn, now)
        return None

    return await services.db.write(seed_all)
