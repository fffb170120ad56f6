"""Budget questions typed in Indonesian or English: which year, RW, field, source, keywords.

"/anggaran jalan RW 5 2026", "berapa dana BLM tahun ini", "drainage in RW 05 this year":
pure functions, no I/O. The answer says which filters were used (`Question.used`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from rules.messages import N_
from rules.validate import Invalid

FIELD_WORDS = {
    "lingkungan": "lingkungan",
    "environment": "lingkungan",
    "environmental": "lingkungan",
    "sosial": "sosial",
    "social": "sosial",
    "ekonomi": "ekonomi",
    "economic": "ekonomi",
    "economy": "ekonomi",
}
SOURCE_WORDS = {
    "blm": "BLM",
    "apbd": "APBD",
    "swadaya": "swadaya",
    "csr": "CSR",
    "lainnya": "lainnya",
}
# Words that carry no filter: question words, "budget", "year", glue.
_STOPWORDS = """
    berapa berapakah brp apa apakah bagaimana gimana dana anggaran anggarannya uang biaya
    untuk utk buat di ke dari pada yang yg dan atau ini itu sudah udah telah sdh belum
    terpakai dipakai digunakan terserap realisasi realisasinya pagu alokasi sumber bidang
    tahun thn tahunnya saja aja dong ya mohon tolong info informasi lihat cek total jumlah
    semua seluruh program kegiatan habis dibelanjakan dialokasikan berapa?
    how much many what which was were is are the a an of to for in on at and or this that
    budget budgets money funds fund funding spent spend allocated allocation year years
    went go goes going show me please total all source field program activity realised
    realized realisation realization did does do has have been so far
    """
STOPWORDS = frozenset(_STOPWORDS.split())
THIS_YEAR = (("tahun", "ini"), ("this", "year"), ("thn", "ini"))
LAST_YEAR = (("tahun", "lalu"), ("last", "year"), ("tahun", "kemarin"), ("thn", "lalu"))
MAX_KEYWORDS = 5

_RW = re.compile(r"^rw\.?0*(\d{1,3})$")
_YEAR = re.compile(r"^(20\d\d)$")
_WORD = re.compile(r"[\w\-/.]+", re.UNICODE)


@dataclass(frozen=True)
class Question:
    """What a typed budget question asks; None means "any" (year None: the caller decides)."""

    year: int | None = None
    rw: int | None = None
    field: str | None = None
    source: str | None = None
    keywords: tuple[str, ...] = ()
    used: tuple[str, ...] = ()  # the kinds of filter the words gave, in their order

    @property
    def empty(self) -> bool:
        return (
            self.year is None
            and self.rw is None
            and self.field is None
            and self.source is None
            and not self.keywords
        )


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return [w.strip(".-/") for w in _WORD.findall(text) if w.strip(".-/")]


def parse_question(text: str, today: date) -> Question:
    """Year, RW, field, source and keywords out of the words; the rest is dropped."""
    words = _words(text)
    year: int | None = None
    rw: int | None = None
    bidang: str | None = None
    source: str | None = None
    keywords: list[str] = []
    used: list[str] = []
    skip = 0
    for index, word in enumerate(words):
        if skip:
            skip -= 1
            continue
        pair = (word, words[index + 1]) if index + 1 < len(words) else None
        if pair in THIS_YEAR or pair in LAST_YEAR:
            year = today.year if pair in THIS_YEAR else today.year - 1
            used.append("year")
            skip = 1
            continue
        if word == "rw" and index + 1 < len(words) and words[index + 1].isdigit():
            number = int(words[index + 1])
            if 1 <= number <= 999:
                rw = number
                used.append("rw")
                skip = 1
                continue
        match = _RW.match(word)
        if match and 1 <= int(match.group(1)) <= 999:
            rw = int(match.group(1))
            used.append("rw")
            continue
        if _YEAR.match(word):
            year = int(word)
            used.append("year")
            continue
        if word in FIELD_WORDS:
            bidang = FIELD_WORDS[word]
            used.append("field")
            continue
        if word in SOURCE_WORDS:
            source = SOURCE_WORDS[word]
            used.append("source")
            continue
        if word in STOPWORDS or len(word) < 2 or word.isdigit():
            continue
        if word not in keywords and len(keywords) < MAX_KEYWORDS:
            keywords.append(word[:40])
    if keywords:
        used.append("keywords")
    return Question(year, rw, bidang, source, tuple(keywords), tuple(dict.fromkeys(used)))


def suggestions(keywords: Iterable[str], names: Iterable[str], n: int = 3) -> list[str]:
    """Nearest program/activity names to the keywords (difflib), best first."""
    names = list(dict.fromkeys(names))
    by_word: dict[str, str] = {}
    for name in names:
        for word in _words(name):
            by_word.setdefault(word, name)
        by_word.setdefault(name.casefold(), name)
    found: list[str] = []
    for keyword in keywords:
        for close in difflib.get_close_matches(keyword, list(by_word), n=n, cutoff=0.75):
            name = by_word[close]
            if name not in found:
                found.append(name)
    return found[:n]


# ---- the day money was spent (realisation entries) ------------------------------------------
_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$")
TODAY_WORDS = {"hari ini", "today", "hariini", "sekarang", "now"}
YESTERDAY_WORDS = {"kemarin", "yesterday"}


def parse_spent_on(text: str, today: date) -> date:
    """A past or present day as people type it: 12/11/2026, 12-11, hari ini, kemarin."""
    value = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    if value in TODAY_WORDS:
        return today
    if value in YESTERDAY_WORDS:
        return today - timedelta(days=1)
    match = _DATE.match(value)
    if match is None:
        raise Invalid(N_("I could not read that date. Write it like 12/11/2026, or: hari ini."))
    day, month, year_text = int(match[1]), int(match[2]), match[3]
    year = today.year if year_text is None else int(year_text)
    if year_text is not None and len(year_text) == 2:
        year += 2000
    try:
        found = date(year, month, day)
    except ValueError:
        raise Invalid(
            N_("I could not read that date. Write it like 12/11/2026, or: hari ini.")
        ) from None
    if year_text is None and found > today:
        found = found.replace(year=found.year - 1)  # "28/12" typed in January: last December
    if found > today:
        raise Invalid(N_("That day has not come yet: spending is recorded after it happens."))
    return found
