"""The shared amount parser: the forms people type, Babel's own output, and the refusals."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import load_translators
from rules.amounts import parse_amount
from rules.validate import Invalid

TR = load_translators(ZoneInfo("Asia/Jakarta"))


@pytest.mark.parametrize(
    ("text", "rupiah"),
    [
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000", 1_500_000),
        ("rp. 1.500.000", 1_500_000),
        ("1.500.000", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("1500000", 1_500_000),
        ("1,5 juta", 1_500_000),
        ("1.5jt", 1_500_000),
        ("750rb", 750_000),
        ("750 ribu", 750_000),
        ("2 M", 2_000_000_000),
        ("2 miliar", 2_000_000_000),
        ("1.500 juta", 1_500_000_000),
        ("IDR 25.000", 25_000),
        ("Rp 1.500.000,-", 1_500_000),  # how receipts and letters write it
        ("Rp. 750.000,-", 750_000),
        ("  10.000  ", 10_000),
        ("５００００", 50_000),  # full-width digits from some keyboards
    ],
)
def test_indonesian_forms(text: str, rupiah: int) -> None:
    assert parse_amount(text, "id") == rupiah


@pytest.mark.parametrize(
    ("text", "rupiah"),
    [
        ("1,500,000", 1_500_000),
        ("1,500,000.00", 1_500_000),
        ("2m", 2_000_000),
        ("2 million", 2_000_000),
        ("2bn", 2_000_000_000),
        ("1.5 million", 1_500_000),
        ("750k", 750_000),
        ("3 juta", 3_000_000),
    ],
)
def test_english_forms(text: str, rupiah: int) -> None:
    assert parse_amount(text, "en") == rupiah


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-500.000", "negative"),
        ("−500.000", "negative"),
        ("0", "more than zero"),
        ("0,0 juta", "more than zero"),
        ("", "write an amount"),
        ("   ", "write an amount"),
        ("lima ratus ribu", "could not read"),
        ("1.50.000", "could not read"),
        ("12 kg", "could not read"),
        ("1'; DROP TABLE proposals;--", "could not read"),
        ("1.234,56", "whole rupiah"),
        ("6 miliar", "largest amount"),
    ],
)
def test_refusals_say_why(text: str, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_amount(text, "id", ceiling=5_000_000_000)
    english = TR["en"]
    assert reason in refused.value.text(english)


def test_the_ceiling_is_shown_as_money() -> None:
    with pytest.raises(Invalid) as refused:
        parse_amount("6 M", "id", ceiling=5_000_000_000)
    assert "Rp5.000.000.000" in refused.value.text(TR["id"])


@given(st.integers(min_value=1, max_value=10**13))
def test_babel_output_parses_back(rupiah: int) -> None:
    for locale in ("id_ID", "en_ID"):
        assert parse_amount(format_currency(rupiah, "IDR", locale=locale), "id") == rupiah
        assert parse_amount(format_decimal(rupiah, locale=locale), "id") == rupiah
    assert parse_amount(TR["id"].money(rupiah), "id") == rupiah


@given(st.integers(min_value=1, max_value=9_999), st.sampled_from(["rb", "ribu", "jt", "juta"]))
def test_spoken_forms(number: int, unit: str) -> None:
    multiplier = 1_000 if unit in ("rb", "ribu") else 1_000_000
    assert parse_amount(f"{number} {unit}", "id") == number * multiplier
    assert parse_amount(f"{number}{unit}", "en") == number * multiplier
