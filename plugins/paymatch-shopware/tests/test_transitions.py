"""Choosing the next transition from what Shopware allows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paymatch_shopware.client import Transition
from paymatch_shopware.fake import TransactionStateMachine
from paymatch_shopware.fake.state_machine import ALLOWED_ACTIONS
from paymatch_shopware.transitions import next_transition


def _allowed(state: str, *, legacy: bool = True) -> list[Transition]:
    machine = TransactionStateMachine(legacy=legacy)
    return [Transition(r.action, r.from_state, r.to_state) for r in machine.available(state)]


def test_the_action_named_like_the_target_comes_first() -> None:
    step = next_transition(_allowed("open"), "paid")
    assert step == Transition("paid", "open", "paid")


def test_another_action_into_the_target_is_taken_when_the_named_one_is_missing() -> None:
    assert next_transition(_allowed("reminded"), "paid") == Transition("pay", "reminded", "paid")


def test_without_a_direct_way_a_waiting_state_bridges() -> None:
    step = next_transition(_allowed("reminded", legacy=False), "paid")
    assert step == Transition("reopen", "reminded", "open")
    step = next_transition(_allowed("reminded", legacy=False), "paid", visited={"reminded", "open"})
    assert step == Transition("do_pay", "reminded", "in_progress")


def test_cancelling_never_bridges() -> None:
    assert next_transition(_allowed("refunded_partially"), "cancelled", allow_bridge=False) == (
        Transition("cancel", "refunded_partially", "cancelled")
    )
    assert next_transition(_allowed("paid"), "open", allow_bridge=False) is not None
    only_bridge = [Transition("reopen", "x", "open")]
    assert next_transition(only_bridge, "cancelled", allow_bridge=False) is None


def test_nothing_allowed_means_no_step() -> None:
    assert next_transition(_allowed("refunded"), "paid") is None
    assert next_transition([], "paid") is None


@given(
    state=st.sampled_from(sorted(ALLOWED_ACTIONS)),
    target=st.sampled_from(sorted(ALLOWED_ACTIONS)),
    legacy=st.booleans(),
    visited=st.sets(st.sampled_from(sorted(ALLOWED_ACTIONS))),
)
def test_the_step_is_always_an_allowed_one(
    state: str, target: str, legacy: bool, visited: set[str]
) -> None:
    available = _allowed(state, legacy=legacy)
    step = next_transition(available, target, visited=visited)
    if step is not None:
        assert step in available
        assert step.to_state == target or step.to_state not in visited
    direct = [t for t in available if t.to_state == target]
    if direct:
        assert step is not None
        assert step.to_state == target


@pytest.mark.parametrize("legacy", [True, False])
@pytest.mark.parametrize(
    "start",
    [
        "open",
        "reminded",
        "paid_partially",
        "in_progress",
        "authorized",
        "unconfirmed",
        "failed",
        "chargeback",
        "cancelled",
    ],
)
def test_paid_is_reached_within_three_steps_on_a_default_install(start: str, legacy: bool) -> None:
    machine = TransactionStateMachine(legacy=legacy)
    state, visited = start, set()
    for _ in range(3):
        if state == "paid":
            break
        visited.add(state)
        allowed = [Transition(r.action, r.from_state, r.to_state) for r in machine.available(state)]
        step = next_transition(allowed, "paid", visited=visited)
        assert step is not None
        state = machine.destination(state, step.action)
    assert state == "paid"
