"""Budget questions as residents type them, in Indonesian and English; spending dates."""

from __future__ import annotations

from datetime import date

import pytest

from rules.budget_query import Question, parse_question, parse_spent_on, suggestions
from rules.validate import Invalid

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("jalan RW 5 2026", Question(2026, 5, None, None, ("jalan",))),
        ("posyandu", Question(None, None, None, None, ("posyandu",))),
        ("berapa dana BLM tahun ini", Question(2026, None, None, "BLM", ())),
        ("dana swadaya tahun lalu rw05", Question(2025, 5, None, "swadaya", ())),
        ("bidang lingkungan RW.12", Question(None, 12, "lingkungan", None, ())),
        (
            "Sosial APBD 2025 pelatihan menjahit",
            Question(2025, None, "sosial", "APBD", ("pelatihan", "menjahit")),
        ),
        (
            "how much went to drainage in RW 05 this year",
            Question(2026, 5, None, None, ("drainage",)),
        ),
        ("economic CSR budget 2024", Question(2024, None, "ekonomi", "CSR", ())),
        ("berapa anggaran yang sudah terpakai?", Question()),
        ("", Question()),
    ],
)
def test_questions_are_read_into_filters(typed: str, expected: Question) -> None:
    found = parse_question(typed, TODAY)
    assert (found.year, found.rw, found.field, found.source, found.keywords) == (
        expected.year,
        expected.rw,
        expected.field,
        expected.source,
        expected.keywords,
    )


def test_the_question_says_which_filters_it_used() -> None:
    found = parse_question("jalan RW 5 2026 BLM", TODAY)
    assert set(found.used) == {"keywords", "rw", "year", "source"}
    assert parse_question("posyandu", TODAY).used == ("keywords",)
    assert parse_question("berapa?", TODAY).empty


def test_odd_input_never_breaks_the_parser() -> None:
    for typed in (
        "'; DROP TABLE budget_lines; --",
        "🚧 jalan 🚧",
        "שלום RW",
        "<b>x</b>",
        "rw 0",
        "x" * 5000,
    ):
        found = parse_question(typed, TODAY)
        assert len(found.keywords) <= 5
        assert all(len(k) <= 40 for k in found.keywords)
    assert parse_question("rw 0", TODAY).rw is None  # RW 0 does not exist
    assert "drop" in parse_question("'; DROP TABLE budget_lines; --", TODAY).keywords


def test_nearest_names_are_suggested() -> None:
    names = ["Drainase", "Posyandu", "Perbaikan jalan lingkungan", "MCK komunal"]
    assert suggestions(["drainage"], names)[0] == "Drainase"
    assert suggestions(["posyandi"], names) == ["Posyandu"]
    assert "Perbaikan jalan lingkungan" in suggestions(["jalann"], names)
    assert suggestions(["zzzz"], names) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12/11/2026", date(2026, 11, 12)),
        ("12-11-26", date(2026, 11, 12)),
        ("1.3", date(2026, 3, 1)),
        ("hari ini", TODAY),
        ("Today", TODAY),
        ("kemarin", date(2026, 11, 27)),
        ("30/12", date(2025, 12, 30)),  # typed without a year: the past one
    ],
)
def test_spending_days(typed: str, expected: date) -> None:
    assert parse_spent_on(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["31/02/2026", "besok lusa", "", "1/1/2027", "13/13"])
def test_bad_or_future_days_are_refused(typed: str) -> None:
    with pytest.raises(Invalid):
        parse_spent_on(typed, TODAY)
