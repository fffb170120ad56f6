"""The shared RT/RW parser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.rtrw import RtRw, parse_rtrw


@pytest.mark.parametrize(
    "text",
    ["RT 3 RW 5", "03/05", "rt03 rw05", "RT.003/RW.005", "RT 03 / RW 05", "rt:3 rw:5", " 3/5 "],
)
def test_accepted_spellings(text: str) -> None:
    assert parse_rtrw(text) == RtRw(3, 5)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "RT 3",
        "RW 5",
        "3 5",
        "RT 0 RW 5",
        "RT 3 RW 5 Jl. Mawar",
        "RT 1000 RW 1",
        "３/５",
        "'; DROP TABLE people; --",
        "RT 3 RW -5",
    ],
)
def test_refused(text: str) -> None:
    assert parse_rtrw(text) is None


def test_it_is_shown_with_two_digits() -> None:
    assert str(RtRw(3, 12)) == "RT 03/RW 12"


@given(st.text(max_size=60))
def test_never_raises_and_any_result_is_in_range(text: str) -> None:
    result = parse_rtrw(text)
    if result is not None:
        assert 1 <= result.rt <= 999 and 1 <= result.rw <= 999


@given(st.integers(1, 999), st.integers(1, 999))
def test_round_trip(rt: int, rw: int) -> None:
    assert parse_rtrw(str(RtRw(rt, rw))) == RtRw(rt, rw)
    assert parse_rtrw(f"{rt:03d}/{rw:03d}") == RtRw(rt, rw)
