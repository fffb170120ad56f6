"""The proposal status state machine, for every pair of statuses and both actors."""

from __future__ import annotations

import itertools

import pytest

from rules.proposal_status import (
    Actor,
    InvalidTransition,
    Status,
    allowed,
    check,
    is_final,
    needs_plan,
    needs_reason,
)

S = Status
BOARD_MOVES = {
    (S.NEW, S.VERIFIED),
    (S.NEW, S.REJECTED),
    (S.NEW, S.REVISION),
    (S.VERIFIED, S.ACCEPTED),
    (S.VERIFIED, S.REJECTED),
    (S.VERIFIED, S.REVISION),
    (S.ACCEPTED, S.FUNDED),
    (S.FUNDED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.COMPLETED),
}
PROPOSER_MOVES = {(S.REVISION, S.NEW)}
ALL_PAIRS = list(itertools.product(Status, Status))


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_pair_for_the_board(current: Status, target: Status) -> None:
    if (current, target) in BOARD_MOVES:
        check(current, target, Actor.BOARD)
        assert target in allowed(current, Actor.BOARD)
    else:
        with pytest.raises(InvalidTransition):
            check(current, target, Actor.BOARD)
        assert target not in allowed(current, Actor.BOARD)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_pair_for_the_proposer(current: Status, target: Status) -> None:
    if (current, target) in PROPOSER_MOVES:
        check(current, target, Actor.PROPOSER)
        assert allowed(current, Actor.PROPOSER) == [target]
    else:
        with pytest.raises(InvalidTransition):
            check(current, target, Actor.PROPOSER)


def test_the_board_cannot_do_the_proposers_move_and_back() -> None:
    with pytest.raises(InvalidTransition):
        check(S.REVISION, S.NEW, Actor.BOARD)
    with pytest.raises(InvalidTransition):
        check(S.NEW, S.VERIFIED, Actor.PROPOSER)


def test_reasons_plans_and_final_statuses() -> None:
    assert {s for s in Status if needs_reason(s)} == {S.REJECTED, S.REVISION}
    assert {s for s in Status if needs_plan(s)} == {S.ACCEPTED}
    assert {s for s in Status if is_final(s)} == {S.REJECTED, S.COMPLETED}


def test_buttons_follow_the_order_of_the_path() -> None:
    assert allowed(S.NEW, Actor.BOARD) == [S.VERIFIED, S.REJECTED, S.REVISION]
    assert allowed(S.VERIFIED, Actor.BOARD) == [S.ACCEPTED, S.REJECTED, S.REVISION]
