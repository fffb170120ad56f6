"""Catalogs: Indonesian complete and current; money and times formatted for Indonesia."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot import catalogs
from bot.i18n import LANGUAGES, load_translators, pick_language

# glossary.md: words allowed to stay the same in both catalogs
ALLOWED_SAME = {"BKM", "KSM", "RT", "RW", "BLM", "APBD", "CSR", "OK"}


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with catalogs.po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def _ids(catalog) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_the_committed_template_matches_the_source() -> None:
    with catalogs.POT.open("rb") as handle:
        committed = _ids(read_po(handle))
    extracted = _ids(catalogs.extract())
    assert extracted - committed == set(), "run `python -m bot.catalogs`: new texts"
    assert committed - extracted == set(), "run `python -m bot.catalogs`: removed texts"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_has_every_message(language: str) -> None:
    assert _ids(catalogs.extract()) <= _ids(_catalog(language))


def test_indonesian_is_complete_not_fuzzy_and_translated() -> None:
    problems = []
    for message in _catalog("id"):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"missing: {ids[0]!r}")
        elif strings[0] == ids[0] and ids[0] not in ALLOWED_SAME:
            problems.append(f"untranslated: {ids[0]!r}")
        for msgid in ids:
            wanted = set(re.findall(r"\{(\w+)\}", msgid))
            for text in strings:
                if set(re.findall(r"\{(\w+)\}", text)) != wanted:
                    problems.append(f"placeholders differ: {msgid!r}")
    assert problems == []


def test_translators_speak_both_languages() -> None:
    tr = load_translators(ZoneInfo("Asia/Jakarta"))
    assert tr["id"]._("Cancel") == "Batal"
    assert tr["en"]._("Cancel") == "Cancel"
    n = 3
    assert (
        tr["en"]
        .ngettext("{n} application is waiting.", "{n} applications are waiting.", n)
        .format(n=n)
        == "3 applications are waiting."
    )
    assert (
        tr["id"]
        .ngettext("{n} application is waiting.", "{n} applications are waiting.", n)
        .format(n=n)
        == "3 pendaftaran menunggu."
    )


def test_money_is_whole_rupiah_with_the_indonesian_territory() -> None:
    tr = load_translators(ZoneInfo("Asia/Jakarta"))
    assert tr["id"].money(1_500_000) == "Rp1.500.000"
    assert tr["en"].money(1_500_000).startswith("Rp")
    assert tr["id"].money(5_000_000_000) == "Rp5.000.000.000"


def test_times_are_shown_in_the_configured_zone() -> None:
    moment = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)
    jakarta = load_translators(ZoneInfo("Asia/Jakarta"))["id"]
    assert jakarta.datetime(moment) == "29 November 2026, 03:30 WIB"
    makassar = load_translators(ZoneInfo("Asia/Makassar"))["id"]
    assert makassar.datetime(moment).startswith("29 November 2026, 04:30")


@pytest.mark.parametrize(
    ("code", "expected"), [("id", "id"), ("en-US", "en"), ("EN", "en"), ("fr", "id"), (None, "id")]
)
def test_language_of_a_new_person(code: str | None, expected: str) -> None:
    assert pick_language(code, "id") == expected
