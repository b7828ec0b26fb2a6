"""Deadlines, reminders and hand-over to collection as the policies describe them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from paymatch.connectors.interfaces import TargetStatus
from paymatch.core.errors import InputError
from paymatch.core.events import (
    DeadlineReached,
    HandedToCollection,
    HandOverToCollection,
    OrderRegistered,
    PaymentAssigned,
    ReminderIssued,
    SendReminder,
    WriteBack,
)
from paymatch.core.lifecycle import OrderSnapshot, OrderState, Outcome, apply, register
from paymatch.core.models import AssignmentMethod
from paymatch.core.policy import LifecyclePolicy
from paymatch.core.schedule import (
    collection_at,
    deadline_at,
    due_events,
    next_due_at,
    next_reminder_at,
)

S = OrderState
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
DEFAULT = LifecyclePolicy()


def policy(**codes: dict[str, Any]) -> LifecyclePolicy:
    data = DEFAULT.model_dump()
    for code, values in codes.items():
        for key, value in values.items():
            if isinstance(value, dict):
                data[code][key].update(value)
            else:
                data[code][key] = value
    return LifecyclePolicy.model_validate(data)


def new_order(code: str, rules: LifecyclePolicy = DEFAULT, **changes: Any) -> OrderSnapshot:
    data: dict[str, Any] = {
        "at": T0,
        "payment_code": code,
        "currency": "EUR",
        "amount": "100.00",
        "created_at": T0,
    }
    data.update(changes)
    return register(OrderRegistered.model_validate(data), rules).snapshot


def tick(
    snapshot: OrderSnapshot, rules: LifecyclePolicy, now: datetime
) -> tuple[OrderSnapshot, list[Outcome]]:
    outcomes = []
    for event in due_events(snapshot, rules, now):
        outcome = apply(snapshot, event, rules)
        outcomes.append(outcome)
        snapshot = outcome.snapshot
    return snapshot, outcomes


def test_prepayment_reminded_then_cancelled() -> None:
    order = new_order("prepayment")
    assert next_due_at(order, DEFAULT) == T0 + 7 * DAY
    assert due_events(order, DEFAULT, T0 + 7 * DAY - timedelta(seconds=1)) == ()
    order, outcomes = tick(order, DEFAULT, T0 + 7 * DAY)
    assert [o.rule for o in outcomes] == ["remind"]
    assert outcomes[0].effects == (SendReminder(level=1, currency="EUR", open_amount="100.00"),)
    assert next_due_at(order, DEFAULT) == T0 + 14 * DAY  # one level only: next is the deadline
    order, outcomes = tick(order, DEFAULT, T0 + 14 * DAY)
    assert [o.rule for o in outcomes] == ["deadline-cancel"]
    assert outcomes[0].effects == (WriteBack(status=TargetStatus.CANCELLED),)
    assert order.state is S.CANCELLED
    assert next_due_at(order, DEFAULT) is None


def test_deadline_first_no_reminder_for_an_order_cancelled_on_the_same_tick() -> None:
    order = new_order("prepayment")
    order, outcomes = tick(order, DEFAULT, T0 + 30 * DAY)
    assert [o.rule for o in outcomes] == ["deadline-cancel"]
    assert order.dunning_level == 0


def test_invoice_overdue_reminders_and_automatic_collection() -> None:
    rules = policy(invoice={"collection": {"mode": "auto", "after_days": 10}})
    order = new_order("invoice", rules)
    order, outcomes = tick(order, rules, T0 + 14 * DAY)
    assert [o.rule for o in outcomes] == ["deadline-overdue"]
    assert outcomes[0].effects == ()  # an overdue invoice is not cancelled at the source
    expected = [21, 35, 49]
    for level, days in enumerate(expected, 1):
        assert next_reminder_at(order, rules) == T0 + days * DAY
        order, outcomes = tick(order, rules, T0 + days * DAY)
        assert [o.rule for o in outcomes] == ["remind"]
        assert order.dunning_level == level
    assert next_reminder_at(order, rules) is None
    assert collection_at(order, rules) == T0 + 59 * DAY
    order, outcomes = tick(order, rules, T0 + 59 * DAY)
    assert [o.rule for o in outcomes] == ["collection"]
    assert outcomes[0].effects == (HandOverToCollection(currency="EUR", open_amount="100.00"),)
    assert order.state is S.COLLECTION
    assert next_due_at(order, rules) is None


def test_manual_collection_is_never_due() -> None:
    rules = policy(invoice={"collection": {"mode": "manual"}})
    order = new_order("invoice", rules)
    for days in (14, 21, 35, 49, 400):
        order, _ = tick(order, rules, T0 + days * DAY)
    assert order.dunning_level == 3
    assert order.state is S.OVERDUE
    assert due_events(order, rules, T0 + 1000 * DAY) == ()
    assert apply(order, HandedToCollection(at=T0), rules).snapshot.state is S.COLLECTION


def test_a_worker_that_was_down_sends_one_reminder_and_keeps_the_interval() -> None:
    order = new_order("invoice")
    late = T0 + 100 * DAY
    order, outcomes = tick(order, DEFAULT, late)
    assert [o.rule for o in outcomes] == ["deadline-overdue", "remind"]
    assert order.last_reminder_at == late
    assert next_due_at(order, DEFAULT) == late + 14 * DAY


def test_cod_has_no_reminders_by_default_and_becomes_overdue() -> None:
    order = new_order("cod")
    assert next_reminder_at(order, DEFAULT) is None
    assert deadline_at(order, DEFAULT) == T0 + 30 * DAY
    order, outcomes = tick(order, DEFAULT, T0 + 365 * DAY)
    assert [o.rule for o in outcomes] == ["deadline-overdue"]


def test_cod_reminders_when_enabled() -> None:
    rules = policy(cod={"reminders": {"enabled": True}})
    order = new_order("cod", rules)
    assert next_reminder_at(order, rules) == T0 + 37 * DAY


def test_due_date_reference() -> None:
    rules = policy(invoice={"reference": "due_date", "deadline_days": 0})
    order = new_order("invoice", rules, due_date=date(2026, 4, 1))
    assert deadline_at(order, rules) == datetime(2026, 4, 1, tzinfo=UTC)
    assert next_reminder_at(order, rules) == datetime(2026, 4, 22, tzinfo=UTC)
    without = new_order("invoice", rules)
    assert deadline_at(without, rules) == T0  # falls back to the order date


def test_adopted_order_counts_from_its_adoption() -> None:
    connected = T0
    order = new_order("prepayment", created_at=T0 - 90 * DAY, connected_at=connected, at=connected)
    assert order.state is S.NOT_MANAGED
    assert next_due_at(order, DEFAULT) is None
    adopted_at = T0 + 5 * DAY
    payment = PaymentAssigned(
        at=adopted_at,
        posting_id="p1",
        currency="EUR",
        amount="10.00",
        method=AssignmentMethod.MANUAL,
    )
    order = apply(order, payment, DEFAULT).snapshot
    assert order.state is S.PARTIALLY_PAID
    assert deadline_at(order, DEFAULT) == adopted_at + 14 * DAY
    assert next_reminder_at(order, DEFAULT) == adopted_at + 7 * DAY


def test_never_deadline() -> None:
    rules = policy(prepayment={"deadline_days": None})
    order = new_order("prepayment", rules)
    order, _ = tick(order, rules, T0 + 999 * DAY)
    assert order.state is S.OPEN
    assert order.dunning_level == 1


@pytest.mark.parametrize(
    "state", [S.PAID, S.CANCELLED, S.REMOVED_EXTERNALLY, S.NOT_TRACKED, S.REFUNDED]
)
def test_nothing_is_due_for_orders_not_waiting_for_money(state: OrderState) -> None:
    paid = state in {S.PAID, S.REFUNDED}
    order = OrderSnapshot(
        state=state,
        payment_code="invoice",
        currency="EUR",
        amount="100.00",
        payments=({"posting_id": "p", "amount": "100.00"},) if paid else (),
        refunded="100.00" if state is S.REFUNDED else "0",
        created_at=T0,
    )
    assert next_due_at(order, DEFAULT) is None
    assert due_events(order, DEFAULT, T0 + 999 * DAY) == ()


def test_settled_overdue_cod_gets_no_reminders() -> None:
    rules = policy(cod={"reminders": {"enabled": True}})
    order = new_order("cod", rules)
    order, _ = tick(order, rules, T0 + 30 * DAY)
    payment = PaymentAssigned(
        at=T0 + 31 * DAY, posting_id="p", currency="EUR", amount="100.00", method="auto"
    )
    order = apply(order, payment, rules).snapshot
    assert order.state is S.OVERDUE  # late_payment = notify
    assert next_due_at(order, rules) is None


def test_reminder_fee_from_policy() -> None:
    rules = policy(invoice={"reminders": {"fees": {"eur": ["0", "2.50", "5"]}}})
    order = new_order("invoice", rules)
    fees = []
    for days in (21, 35, 49):
        order, outcomes = tick(order, rules, T0 + days * DAY)
        fees += [e.fee for o in outcomes for e in o.effects if isinstance(e, SendReminder)]
    assert fees == [Decimal("0.00"), Decimal("2.50"), Decimal("5.00")]


def test_events_carry_now() -> None:
    order = new_order("prepayment")
    now = T0 + 20 * DAY
    assert due_events(order, DEFAULT, now) == (DeadlineReached(at=now),)
    order = new_order("invoice")
    now = T0 + 21 * DAY
    assert due_events(order, DEFAULT, now) == (
        DeadlineReached(at=now),
        ReminderIssued(at=now, level=1),
    )


def test_naive_now_is_refused() -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        due_events(new_order("invoice"), DEFAULT, datetime(2026, 1, 1))
