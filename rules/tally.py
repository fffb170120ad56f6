"""Poll results as plain arithmetic: counts, percentages, turnout, quorum, ties. No I/O.

Ballots are given as marks strings ('0100000000': the second option marked), the way
storage keeps them, one per ballot; a blank one (no mark) is not a ballot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MAX_OPTIONS = 10
BLANK = "0" * MAX_OPTIONS


def marks_of(positions: Iterable[int]) -> str:
    """Option positions (1-based) as a marks string."""
    chosen = set(positions)
    if not chosen or not all(1 <= p <= MAX_OPTIONS for p in chosen):
        raise ValueError(f"positions must be 1..{MAX_OPTIONS}: {sorted(chosen)}")
    return "".join("1" if p in chosen else "0" for p in range(1, MAX_OPTIONS + 1))


def positions_of(marks: str) -> list[int]:
    return [i + 1 for i, mark in enumerate(marks) if mark == "1"]


def mask_of(positions: Iterable[int]) -> int:
    """Positions as a bit mask (bit 0 = option 1), for callback data."""
    return sum(1 << (p - 1) for p in set(positions))


def positions_of_mask(mask: int) -> list[int]:
    return [bit + 1 for bit in range(MAX_OPTIONS) if mask >> bit & 1]


def percent(part: int, whole: int) -> Decimal:
    """part of whole in percent, one decimal, half up; 0 when whole is 0."""
    if whole <= 0:
        return Decimal("0.0")
    value = Decimal(part) * 100 / Decimal(whole)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OptionResult:
    position: int
    label: str
    votes: int
    percent: Decimal  # of the ballots cast


@dataclass(frozen=True)
class Tally:
    options: tuple[OptionResult, ...]
    ballots: int  # ballots cast (each may mark up to max_choices options)
    voters: int  # people on the roll
    eligible: int  # people on the fixed list at publish
    turnout: Decimal  # voters / eligible, percent
    quorum: int | None  # minimum turnout in percent, or None
    max_choices: int
    winners: tuple[int, ...]  # positions that are chosen (up to max_choices), none on a tie
    tied: tuple[int, ...]  # positions tied for the last winning place

    @property
    def quorum_met(self) -> bool | None:
        return None if self.quorum is None else self.turnout >= self.quorum

    @property
    def is_tie(self) -> bool:
        return bool(self.tied)


def tally(
    labels: Sequence[str],
    ballots: Iterable[str],
    *,
    voters: int,
    eligible: int,
    quorum: int | None = None,
    max_choices: int = 1,
) -> Tally:
    """Count the ballots. Winners are the max_choices options with most votes; when the last
    winning place is shared (a tie), the tied options are named and not counted as winners."""
    counts = [0] * len(labels)
    cast = 0
    for marks in ballots:
        marked = [p for p in positions_of(marks) if p <= len(labels)]
        if not marked:
            continue
        cast += 1
        for position in marked:
            counts[position - 1] += 1
    options = tuple(
        OptionResult(i + 1, label, counts[i], percent(counts[i], cast))
        for i, label in enumerate(labels)
    )
    ranked = sorted(options, key=lambda o: (-o.votes, o.position))
    places = min(max_choices, len(options))
    winners: tuple[int, ...] = ()
    tied: tuple[int, ...] = ()
    if cast and places:
        cutoff = ranked[places - 1].votes
        if cutoff > 0:
            above = [o.position for o in ranked if o.votes > cutoff]
            at_cutoff = [o.position for o in ranked if o.votes == cutoff]
            if len(above) + len(at_cutoff) <= places:
                winners = tuple(sorted(above + at_cutoff))
            else:
                winners = tuple(sorted(above))
                tied = tuple(sorted(at_cutoff))
        else:  # fewer options got votes than there are places: every voted one wins
            winners = tuple(sorted(o.position for o in ranked if o.votes > 0))
    return Tally(
        options=options,
        ballots=cast,
        voters=voters,
        eligible=eligible,
        turnout=percent(voters, eligible),
        quorum=quorum,
        max_choices=max_choices,
        winners=winners,
        tied=tied,
    )
