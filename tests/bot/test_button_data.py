"""Typed button data (issue 14): the format, the 64-byte check at build, unique prefixes, and
buttons made by the code before the renovation pressed against the real Application."""

from __future__ import annotations

import enum
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from bot import buttons
from bot.buttons import Button, ButtonError, Static, kind_of
from bot.config import Settings
from bot.simulator import Simulator, running
from tests.conftest import BOARD_ID

TOKEN = "AbCdEfGhIj-_"  # the shape of a confirm token: 12 URL-safe characters

# Callback data exactly as the code before issue 14 built it (one or more per button kind,
# copied from the f-strings of handlers/*.py at commit 5d7545e). Residents hold messages
# with these buttons: each must still decode, or (OLD_ONLY) get the polite stale answer.
BEFORE = [
    # core, transparency, admin
    "menu:language", "menu:help", "lang:id", "lang:en", "menu:transparency", "menu:admin",
    # membership, members admin, board roles
    "menu:register", "reg:resume", "reg:restart", "reg:g:female", "reg:g:unspecified",
    "reg:send", "reg:cancel", f"mem:no:3:{TOKEN}", "adm:register_person", "adm:members",
    "mem:ok:3", "mbr:find", "mbr:mv:5", f"mbr:rv:5:{TOKEN}", "mbr:mg:5", "adm:mlist",
    "mbr:p:20", "mbr:v:5", f"mbr:mgok:5:6:{TOKEN}", "mbr:x", "mbr:er:5", f"mbr:erok:5:{TOKEN}",
    "mbr:pr:5", "mbr:cf:7", "mbr:dm:5",
    # privacy, operations, moderation
    "menu:privacy", f"pdp:erase:{TOKEN}", "pdp:keep", "adm:status", "adm:hide",
    "mod:k:proposal", "mod:k:grievance",
    # subscriptions
    "menu:subscribe", "sub:set:pengumuman:0", "sub:set:laporan_bulanan:1", "sub:now",
    "sub:daily", "sub:resume", "sub:stop", "sub:at:0700",
    # budget
    "menu:budget", "bud:ask", "bud:y:2025", "bud:q:1:MjAyNnwzfHx8amFsYW4", "bud:rw:2026",
    "bud:pg:2026:0", "bud:pn:2026:2", "bud:ln:2026", "bud:ch:f:2026", "bud:ch:r:2026",
    "bud:l:3", "bud:r:3", "adm:budget_import", "bud:imp:ok", "bud:imp:no",
    "adm:budget_realise", "bud:rl:3", "bud:rd:today", "bud:rp:none", "bud:re:ok", "bud:re:no",
    # polls
    "menu:polls", "pol:o:3", "pol:v:3:1", "pol:t:3:0:1", "pol:k:3:5", "pol:ok:3:5",
    "menu:results", "pol:r:3", "adm:poll_close", f"pol:x:3:{TOKEN}", "adm:poll_paper",
    "pol:p:3", "pol:p:save", "pol:p:cancel", "adm:poll_new", "pol:n:resume", "pol:n:restart",
    "pol:n:aud:residents", "pol:n:aud:members", "pol:n:aud:rw", "pol:n:bal:secret",
    "pol:n:bal:open", "pol:n:k:1", "pol:n:k:3", "pol:n:res:live", "pol:n:res:after",
    "pol:n:q:none", "pol:n:publish", "pol:n:cancel",
    # grievances
    "menu:report", "menu:myreports", "grv:behalf", "grv:r:resume", "grv:r:restart",
    "grv:r:cancel", "grv:r:ch:phone", "grv:r:cat:keuangan", "grv:r:skip", "grv:r:evdone",
    "grv:r:id:anonim", "grv:r:ex:5:1", "grv:r:exdone", "grv:r:pub:1", "grv:r:pub:0",
    "grv:r:send", "grv:r:edit", "grv:r:e:DESCRIPTION", "grv:f:add:12",
    "grv:f:add:a:TOKEN1", "grv:f:fix0:12", "grv:f:fix1:12", "grv:f:show:3",
    "grv:f:rate4:12", "adm:grievances", "grv:q:open:all:0:0",
    "grv:q:selesai:keuangan:1:2", "grv:b:3", "grv:ev:3", "grv:lvl:3", "grv:up:3:2", "grv:asg:3",
    "grv:do:verify:3", "grv:do:take:3", "grv:do:resolve:3", f"grv:do:reject:3:{TOKEN}",
    "grv:do:reply:3", "grv:do:hide:3", "grv:do:to5:3",
    # proposals
    "menu:propose", "menu:proposals", "adm:proposal_behalf", "adm:review", "usl:resume",
    "usl:restart", "usl:back", "usl:cancel", "usl:rev:3", "usl:ch:kotak_saran",
    "usl:res:skip", "usl:f:sosial", "usl:sim:3", "usl:go", "usl:loc:next",
    "usl:cost:unknown", "usl:ph:done", "usl:nm:y", "usl:nm:n", "usl:send:7", "usl:edit:7",
    "usl:e:title", "usl:e:summary", "usl:l:0:-:-", "usl:l:2:sosial:diterima", "usl:lf:-:-",
    "usl:ls:sosial:-", "usl:m:1", "usl:v:3", "usl:ph:3", "usl:d:3", "usl:u:3",
    "usl:t:3:ditolak:baru", f"usl:t:3:ditolak:baru:{TOKEN}", "usl:p:3", "usl:h:USL-2026-0001",
    "usl:h:USL-2026-0001/2", "usl:rc:same", "usl:pp:skip", "usl:q:1",
    # broadcasts and delivery
    "adm:broadcast", "sb:list", "sb:a:all", "sb:a:topic", "sb:tp:polling", "sb:w:now",
    "sb:w:at", "sb:w:repeat", "sb:r:daily", "sb:r:monthly", "sb:wd:0", f"sb:go:{TOKEN}",
    "sb:cancel", "sb:x:4", "dlv:re:9", "sb:a:members", "sb:a:rw", "sb:tp:pengumuman",
    "sb:r:weekly", "sb:wd:6",
]  # fmt: skip
# Buttons of even older code that a handler already answered as no longer valid.
OLD_ONLY = ["sub:t:pengumuman", "pdp:erase", "mem:no:3", "mbr:rv:5", "mbr:erok:5", "sb:go"]
FORGED = [
    "", "x", "menu:nothing", "mem:ok:", "mem:ok:abc", "mem:ok:3:4:5", "mbr:p:-1", "lang:xx",
    "bud:q:1:!!!", "pol:t:3:x:1", "grv:q:open:nope:0:0", "usl:l:0", "sub:set:nope:1",
    "grv:f:rate9:LPR-2026-0001", "mbr:v:" + "9" * 40, "é" * 40, "usl:v:3\n", "sub:",
    "sb:a:nobody", "sb:tp:nope", "sb:w:later", "sb:wd:7", "sb:go:a:b", "sb:x:abc",
    "dlv:re:abc", "dlv:re:1:2",
]  # fmt: skip


# ---- the mechanism ----------------------------------------------------------------------------
class Shade(enum.Enum):
    DARK = "d"
    LIGHT = "l"


@dataclass(frozen=True)
class Sample(Button, prefix="zz:s"):
    number: int
    word: str
    op: Literal["ok", "no"]
    shade: Shade | None = None
    flag: bool = False
    token: str = ""


@dataclass(frozen=True)
class OldSample(Button, prefix="zz:new", legacy=("zz:old",)):
    number: int


STATIC = Static("zz:static")


@dataclass(frozen=True)
class Narrow(Button, prefix="zz:narrow"):
    topic: str

    def valid(self) -> bool:
        return self.topic in ("a", "b")


def test_a_kind_narrows_its_values_at_build_and_at_decode() -> None:
    assert Narrow.unpack("zz:narrow:a") == Narrow("a")
    assert Narrow.unpack("zz:narrow:c") is None
    with pytest.raises(ButtonError):
        Narrow("c")


def test_round_trip_of_every_field_type() -> None:
    press = Sample(12, "LPR-2026-0001", "ok", Shade.DARK, True, TOKEN)
    assert press.data == f"zz:s:12:LPR-2026-0001:ok:d:1:{TOKEN}"
    assert Sample.unpack(press.data) == press
    assert Sample(3, "w", "no", None, False, TOKEN).data == f"zz:s:3:w:no:-:0:{TOKEN}"
    assert Sample.unpack(f"zz:s:3:w:no:-:0:{TOKEN}") == Sample(3, "w", "no", None, False, TOKEN)


def test_trailing_defaults_are_left_out_and_may_be_missing() -> None:
    assert Sample(3, "w", "no").data == "zz:s:3:w:no"
    assert Sample.unpack("zz:s:3:w:no") == Sample(3, "w", "no")
    assert Sample.unpack("zz:s:3:w:no:l") == Sample(3, "w", "no", Shade.LIGHT)


@pytest.mark.parametrize(
    "data",
    [
        "zz:s", "zz:s:3", "zz:s:3:w", "zz:s:x:w:ok", "zz:s:3:w:maybe", "zz:s:3:w:ok:z",
        "zz:s:3:w:ok:d:2", "zz:s:3:w:ok:d:1:t:extra", "zz:sx:3:w:ok", "zz:s:-3:w:ok",
        "zz:s:3:w:ok:d:1:" + "t" * 60, "", None, 12, "zz:static:1",
    ],
)  # fmt: skip
def test_malformed_data_decodes_to_none(data: object) -> None:
    assert Sample.unpack(data) is None
    assert not Sample.matches(data)


def test_legacy_prefix_decodes_but_is_never_built() -> None:
    assert OldSample.unpack("zz:old:4") == OldSample(4)
    assert OldSample(4).data == "zz:new:4"
    assert kind_of("zz:old:4") is OldSample


def test_static_matches_only_itself() -> None:
    assert STATIC.data == "zz:static"
    assert STATIC.matches("zz:static")
    assert not STATIC.matches("zz:static:1")
    assert not STATIC.matches("zz:stati")


def test_the_64_byte_limit_is_checked_when_the_button_is_built() -> None:
    assert len(Sample(1, "a" * 54, "ok").data.encode()) == 64  # exactly the limit
    with pytest.raises(ButtonError, match="64 bytes"):
        Sample(1, "a" * 55, "ok")
    with pytest.raises(ButtonError, match="64 bytes"):
        Sample(1, "é" * 28, "ok")  # 56 bytes of UTF-8 in 28 characters
    with pytest.raises(ButtonError):
        Static("zz:" + "x" * 62)


def test_values_the_format_cannot_carry_are_refused_when_built() -> None:
    for bad in (
        lambda: Sample(1, "a:b", "ok"),
        lambda: Sample(-1, "a", "ok"),
        lambda: Sample(1, "a", "yes"),  # type: ignore[arg-type]
        lambda: Sample("1", "a", "ok"),  # type: ignore[arg-type]
    ):
        with pytest.raises(ButtonError):
            bad()


def test_a_prefix_is_declared_once() -> None:
    with pytest.raises(ButtonError, match="twice"):

        @dataclass(frozen=True)
        class Again(Button, prefix="zz:s"):
            number: int

    with pytest.raises(ButtonError, match="twice"):
        Static("zz:old")


def test_the_router_matches_exactly_its_kind() -> None:
    handler = buttons.on(Sample, _noop)
    assert handler.pattern is not None and callable(handler.pattern)
    assert handler.pattern("zz:s:3:w:ok")
    assert not handler.pattern("zz:s:3:w")
    assert not handler.pattern("zz:static")


async def _noop(update: Any, context: Any) -> None:
    return None


# ---- every feature's kinds ------------------------------------------------------------------
def _all_kinds() -> dict[str, buttons.Kind]:
    from bot.features import discover

    for feature in discover("handlers").features:
        feature.handlers()  # kinds made where the handlers are (menu(key), admin(key)) too
    return {p: k for p, k in buttons.REGISTRY.items() if not p.startswith("zz")}


def test_prefixes_are_unique_and_no_data_decodes_as_two_kinds() -> None:
    registry = _all_kinds()
    kinds = set(registry.values())
    for data in BEFORE + OLD_ONLY + FORGED:
        matching = [k for k in kinds if k.matches(data)]
        assert len(matching) <= 1, (data, matching)


def test_buttons_made_before_the_renovation_still_decode() -> None:
    _all_kinds()
    undecoded = [d for d in BEFORE if kind_of(d) is None]
    assert undecoded == []


def test_forged_data_decodes_as_no_kind() -> None:
    _all_kinds()
    assert [d for d in FORGED if kind_of(d) is not None] == []


# ---- pressed against the real Application ----------------------------------------------------
RESIDENT = 770001


def _answers(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.method == "answerCallbackQuery"]


@pytest.mark.parametrize("who", [BOARD_ID, RESIDENT])
async def test_every_old_press_is_answered_once_and_never_fails(
    make_bot: Any, settings: Settings, who: int, caplog: pytest.LogCaptureFixture
) -> None:
    bot = make_bot(settings, flood_limit=(10_000, 1))  # hundreds of presses, none dropped
    async with running(bot.application):
        await bot.send(who, "/start")
        for data in BEFORE + OLD_ONLY + FORGED:
            with caplog.at_level(logging.ERROR):
                calls = await bot.press_data(who, data, message_id=1)
            assert len(_answers(calls)) == 1, data
            assert not any("Maaf, terjadi kesalahan" in c.text for c in calls), data
            assert not [r for r in caplog.records if r.levelno >= logging.ERROR], data


# ---- the action still happens -----------------------------------------------------------------
async def test_an_approval_button_made_before_the_renovation_still_approves(
    bot: Simulator, settings: Settings
) -> None:
    applicant = 201
    await bot.send(BOARD_ID, "/start")
    await bot.send(applicant, "/daftar")
    await bot.send(applicant, "Siti Aminah")
    await bot.send(applicant, "RT 3 RW 5")
    await bot.press(applicant, "Perempuan")
    await bot.press(applicant, "Kirim")
    [(application,)] = _rows(settings, "SELECT id FROM membership_applications")
    calls = await bot.press_data(BOARD_ID, f"mem:ok:{application}", message_id=1)
    assert [c for c in calls if c.method == "sendMessage" and c.chat_id == applicant]
    assert _rows(settings, "SELECT status FROM membership_applications") == [("approved",)]


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(settings.database)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()
