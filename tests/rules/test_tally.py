"""rules/tally.py and rules/paper.py: plain rules, tested directly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import paper, pollform
from rules.tally import marks_of, mask_of, percent, positions_of, positions_of_mask, tally
from rules.validate import Invalid

LABELS = ("A", "B", "C")


def test_counts_percentages_turnout_and_a_winner() -> None:
    result = tally(LABELS, ["1000000000", "0100000000", "0100000000"], voters=3, eligible=8)
    assert [o.votes for o in result.options] == [1, 2, 0]
    assert [o.percent for o in result.options] == [Decimal("33.3"), Decimal("66.7"), 0]
    assert result.turnout == Decimal("37.5") and result.ballots == 3
    assert result.winners == (2,) and not result.is_tie
    assert result.quorum_met is None


def test_a_tie_is_a_tie_and_names_no_winner() -> None:
    result = tally(LABELS, ["1000000000", "0010000000"], voters=2, eligible=2)
    assert result.is_tie and result.tied == (1, 3) and result.winners == ()


def test_quorum_is_turnout_at_least_the_minimum() -> None:
    met = tally(LABELS, ["1000000000"], voters=5, eligible=10, quorum=50)
    missed = tally(LABELS, ["1000000000"], voters=4, eligible=10, quorum=50)
    assert met.quorum_met is True and missed.quorum_met is False


def test_no_votes_and_no_eligible_people() -> None:
    result = tally(LABELS, ["0000000000"], voters=0, eligible=0)
    assert result.ballots == 0 and result.turnout == 0 and result.winners == ()
    assert not result.is_tie


def test_multiple_choice_winners_and_a_tie_at_the_last_place() -> None:
    ballots = ["1100000000", "1010000000", "1001000000"]
    result = tally(("A", "B", "C", "D"), ballots, voters=3, eligible=3, max_choices=2)
    assert result.winners == (1,) and result.tied == (2, 3, 4)
    clear = tally(("A", "B", "C"), ["1100000000", "1100000000", "0010000000"], voters=3,
                  eligible=3, max_choices=2)  # fmt: skip
    assert clear.winners == (1, 2) and not clear.is_tie
    # percentages are of ballots, so they may add up to more than 100 with several choices
    assert [o.percent for o in clear.options] == [
        Decimal("66.7"),
        Decimal("66.7"),
        Decimal("33.3"),
    ]


def test_percent_rounds_half_up() -> None:
    assert percent(1, 8) == Decimal("12.5") and percent(1, 3) == Decimal("33.3")
    assert percent(2, 3) == Decimal("66.7") and percent(0, 0) == 0


@given(st.sets(st.integers(1, 10), min_size=1))
def test_marks_and_masks_round_trip(positions: set[int]) -> None:
    assert positions_of(marks_of(positions)) == sorted(positions)
    assert positions_of_mask(mask_of(positions)) == sorted(positions)


@given(st.lists(st.sets(st.integers(1, 4), min_size=1, max_size=2), max_size=60))
def test_counts_add_up(ballots: list[set[int]]) -> None:
    result = tally(("A", "B", "C", "D"), [marks_of(b) for b in ballots], voters=len(ballots),
                   eligible=60, max_choices=2)  # fmt: skip
    assert sum(o.votes for o in result.options) == sum(len(b) for b in ballots)
    assert result.ballots == len(ballots)
    assert not (set(result.winners) & set(result.tied))


def test_paper_person_numbers() -> None:
    assert paper.person_numbers("12, 15 17;18") == [12, 15, 17, 18]
    for bad in ("", "Mbah Karto", "12, 12", "12,,x"):
        with pytest.raises(Invalid):
            paper.person_numbers(bad)


def test_paper_secret_and_open_ballots() -> None:
    assert paper.secret_ballots("1\n\n2\n1, 3", 3, 2) == [[1], [2], [1, 3]]
    with pytest.raises(Invalid) as too_many:
        paper.secret_ballots("1,2", 3, 1)
    assert too_many.value.fields["line"] == 1
    with pytest.raises(Invalid):
        paper.secret_ballots("4", 3, 1)
    assert paper.open_ballots("12: 1\n15 = 2,3", 3, 2) == [(12, [1]), (15, [2, 3])]
    for bad in ("12 1", "12: 1\n12: 2", "x: 1", "12: 0"):
        with pytest.raises(Invalid):
            paper.open_ballots(bad, 3, 2)


def test_poll_form_options_rw_and_quorum() -> None:
    assert pollform.parse_options("- Ya\n\n• Tidak\n") == ["Ya", "Tidak"]
    for bad in ("Ya", "Ya\nYA", "\n".join(str(i) for i in range(11)), "a\n" + "b" * 101):
        with pytest.raises(Invalid):
            pollform.parse_options(bad)
    assert pollform.parse_rw("RW 05") == 5 and pollform.parse_rw("rw.7") == 7
    assert pollform.parse_quorum("50%") == 50
    for bad in ("0", "101", "lima puluh", "-5"):
        with pytest.raises(Invalid):
            pollform.parse_quorum(bad)
    with pytest.raises(Invalid):
        pollform.parse_rw("RW 0")
