"""Random event sequences, with time passing through ``due_events``, against the invariants.

The machine keeps its own ledger of what was assigned and refunded, and after every step checks:

- the paid amount equals the assignments minus the unassignments, per posting and in total;
- the state agrees with the amounts (``NET_KEPT``; paid means settled; partially paid and
  partially refunded mean not settled; collection is never settled);
- an illegal event raises ``IllegalTransition`` and changes nothing;
- an order that is (or was, before the event) not managed gets no customer effect, and no
  write-back goes out for an order that is not managed, removed or not tracked;
- the dunning level stays within 0..5 and only rises through ``reminder_issued``, by one;
- money stays ``Decimal`` in the order's currency with its number of decimal places;
- every transition is one the table's ``reachable`` (the state diagram) allows;
- ``due_events`` returns events that apply, and nothing more once they are applied.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import hypothesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from paymatch.connectors.interfaces import TargetStatus
from paymatch.core.errors import IllegalTransition
from paymatch.core.events import (
    AmountChanged,
    Collected,
    DeadlineReached,
    DueDateChanged,
    EmailChanged,
    Event,
    EventKind,
    HandedToCollection,
    ManualCancel,
    ManualSetPaid,
    ManualSetUnpaid,
    NotTracked,
    OrderRegistered,
    PaymentAssigned,
    PaymentCodeChanged,
    PaymentUnassigned,
    RefundBooked,
    ReminderIssued,
    RemovalReason,
    RemovedExternally,
    ReopenedAtSource,
    WriteBack,
    dump_effect,
    dump_event,
    load_effect,
    load_event,
)
from paymatch.core.lifecycle import (
    NET_KEPT,
    TRANSITIONS,
    OrderSnapshot,
    OrderState,
    Outcome,
    apply,
    register,
)
from paymatch.core.models import AssignmentMethod, PaymentCode
from paymatch.core.money import currency_exponent, from_minor_units
from paymatch.core.policy import (
    CollectionMode,
    CollectionPolicy,
    LatePayment,
    LifecyclePolicy,
    PaymentCodePolicy,
    ReferenceDate,
    ReminderPolicy,
)
from paymatch.core.schedule import due_events, next_due_at

S = OrderState
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
RULES = {rule.name: rule for rule in TRANSITIONS}
POSTINGS = ("p1", "p2", "p3", "p4")
CURRENCIES = ("EUR", "JPY", "KWD")
OUT = {S.NOT_MANAGED, S.REMOVED_EXTERNALLY, S.NOT_TRACKED}


@st.composite
def code_policies(draw: st.DrawFn) -> PaymentCodePolicy:
    levels = draw(st.integers(1, 2) | st.integers(1, 5))
    reminders = ReminderPolicy(
        enabled=draw(st.sampled_from([True, True, False])),
        first_after_days=draw(st.integers(0, 20)),
        interval_days=draw(st.integers(1, 10)),
        levels=levels,
        fees={"EUR": tuple(str(fee) for fee in draw(st.lists(st.integers(0, 9), max_size=levels)))},
    )
    mode = draw(st.sampled_from(CollectionMode)) if reminders.enabled else CollectionMode.OFF
    return PaymentCodePolicy(
        deadline_days=draw(st.none() | st.integers(0, 30)),
        reference=draw(st.sampled_from(ReferenceDate)),
        reminders=reminders,
        collection=CollectionPolicy(mode=mode, after_days=draw(st.integers(0, 10))),
        payment_information=draw(st.booleans()),
        late_payment=draw(st.sampled_from(LatePayment)),
        write_back_on_deadline=draw(st.booleans()),
    )


policies = st.builds(
    LifecyclePolicy,
    zero_amount_is_paid=st.booleans(),
    refund_cap_factor=st.sampled_from([Decimal(1), Decimal(2), Decimal("2.5")]),
    prepayment=code_policies(),
    invoice=code_policies(),
    cod=code_policies(),
)
minor_units = st.integers(min_value=1, max_value=30_000)


class LifecycleMachine(RuleBasedStateMachine):
    policy: LifecyclePolicy
    snapshot: OrderSnapshot
    currency: str
    now: datetime

    # -- set-up --------------------------------------------------------------------------------

    @initialize(
        policy=policies,
        code=st.sampled_from(PaymentCode),
        currency=st.sampled_from(CURRENCIES),
        units=st.integers(-500, 30_000),
        existed_before=st.sampled_from([False, False, True]),
        due_in=st.none() | st.integers(-5, 40),
    )
    def start(
        self,
        *,
        policy: LifecyclePolicy,
        code: PaymentCode,
        currency: str,
        units: int,
        existed_before: bool,
        due_in: int | None,
    ) -> None:
        self.policy = policy
        self.currency = currency
        self.now = T0
        self.ledger: dict[str, Decimal] = {}
        self.refunds = Decimal(0)
        created = T0 - timedelta(days=2) if existed_before else T0
        event = OrderRegistered(
            at=T0,
            payment_code=code,
            currency=currency,
            amount=from_minor_units(units, currency),
            created_at=created,
            due_date=None if due_in is None else (T0 + timedelta(days=due_in)).date(),
            connected_at=T0 - timedelta(days=1),
        )
        outcome = register(event, policy)
        self._check_outcome(None, event, outcome)
        self.snapshot = outcome.snapshot
        assert self.snapshot.managed is not existed_before

    # -- helpers -------------------------------------------------------------------------------

    def money(self, units: int) -> Decimal:
        return from_minor_units(units, self.currency)

    def attempt(self, event: Event) -> Outcome | None:
        before = self.snapshot
        frozen = before.model_dump()
        try:
            outcome = apply(before, event, self.policy)
        except IllegalTransition as error:
            refused = error
        else:
            self._check_outcome(before, event, outcome)
            self.snapshot = outcome.snapshot
            return outcome
        assert refused.reasons
        assert refused.event == event.kind
        assert before.model_dump() == frozen  # nothing changed
        return None

    def _check_outcome(self, before: OrderSnapshot | None, event: Event, out: Outcome) -> None:
        after = out.snapshot
        row = RULES[out.rule]
        hypothesis.event(f"rule {out.rule}")  # see --hypothesis-show-statistics
        assert row.event == event.kind
        source = None if before is None else before.state
        assert source in row.sources
        assert after.state in row.reachable(source), (out.rule, source, after.state)
        # never a customer message for an order that was or is not managed
        was_managed = after.managed if before is None else before.managed
        if not (was_managed and after.managed):
            assert not any(effect.to_customer for effect in out.effects), out
        # never a write-back for an order that is not managed, removed or not tracked
        if any(isinstance(effect, WriteBack) for effect in out.effects):
            assert after.managed
            assert after.state not in OUT
            assert after.reported is [e for e in out.effects if isinstance(e, WriteBack)][-1].status
        if any(isinstance(e, WriteBack) and e.status is TargetStatus.PAID for e in out.effects):
            assert after.state is S.PAID
        # the dunning level only rises through reminders, one level at a time
        if before is not None:
            if event.kind == EventKind.REMINDER_ISSUED:
                assert after.dunning_level == before.dunning_level + 1
            else:
                assert after.dunning_level == before.dunning_level
            assert before.managed <= after.managed  # once managed, always managed
        # money in the order's currency, exact
        exponent = -currency_exponent(self.currency)
        for effect in out.effects:
            data = effect.model_dump()
            if "currency" in data:
                assert data["currency"] == self.currency
            for key in ("open_amount", "previous_amount", "fee", "amount"):
                value = data.get(key)
                if value is not None:
                    assert isinstance(value, Decimal)
                    assert value.as_tuple().exponent == exponent, (key, value)
            assert load_effect(dump_effect(effect)) == effect
        assert load_event(dump_event(event)) == event

    # -- events --------------------------------------------------------------------------------

    @rule(posting=st.sampled_from(POSTINGS), units=minor_units, manual=st.booleans())
    def pay(self, posting: str, units: int, manual: bool) -> None:
        method = AssignmentMethod.MANUAL if manual else AssignmentMethod.AUTO
        event = PaymentAssigned(
            at=self.now,
            posting_id=posting,
            currency=self.currency,
            amount=self.money(units),
            method=method,
        )
        if self.attempt(event):
            self.ledger[posting] = self.ledger.get(posting, Decimal(0)) + event.amount

    @rule(posting=st.sampled_from(POSTINGS), units=minor_units, whole=st.booleans())
    def unpay(self, posting: str, units: int, whole: bool) -> None:
        share = self.ledger.get(posting, Decimal(0))
        value = share if whole and share > 0 else self.money(units)
        event = PaymentUnassigned(
            at=self.now, posting_id=posting, currency=self.currency, amount=value
        )
        if self.attempt(event):
            self.ledger[posting] -= value
            assert self.ledger[posting] >= 0

    @rule(units=st.integers(-500, 30_000))
    def change_amount(self, units: int) -> None:
        self.attempt(AmountChanged(at=self.now, currency=self.currency, amount=self.money(units)))

    @rule(units=minor_units)
    def wrong_currency(self, units: int) -> None:
        other = next(c for c in ("CHF", "USD") if c != self.currency)
        event = PaymentAssigned(
            at=self.now,
            posting_id="p1",
            currency=other,
            amount=from_minor_units(units, other),
            method=AssignmentMethod.AUTO,
        )
        assert self.attempt(event) is None

    @rule(units=minor_units, whole=st.booleans())
    def refund(self, units: int, whole: bool) -> None:
        value = self.snapshot.net if whole and self.snapshot.net > 0 else self.money(units)
        if self.attempt(RefundBooked(at=self.now, currency=self.currency, amount=value)):
            self.refunds += value

    @rule(
        kind=st.sampled_from(
            [
                EventKind.EMAIL_CHANGED,
                EventKind.NOT_TRACKED,
                EventKind.REOPENED_AT_SOURCE,
                EventKind.DEADLINE_REACHED,
                EventKind.HANDED_TO_COLLECTION,
                EventKind.COLLECTED,
                EventKind.MANUAL_SET_PAID,
                EventKind.MANUAL_SET_UNPAID,
                EventKind.MANUAL_CANCEL,
            ]
        )
    )
    def plain_event(self, kind: EventKind) -> None:
        event: Any = {
            EventKind.EMAIL_CHANGED: EmailChanged,
            EventKind.NOT_TRACKED: NotTracked,
            EventKind.REOPENED_AT_SOURCE: ReopenedAtSource,
            EventKind.DEADLINE_REACHED: DeadlineReached,
            EventKind.HANDED_TO_COLLECTION: HandedToCollection,
            EventKind.COLLECTED: Collected,
            EventKind.MANUAL_SET_PAID: ManualSetPaid,
            EventKind.MANUAL_SET_UNPAID: ManualSetUnpaid,
            EventKind.MANUAL_CANCEL: ManualCancel,
        }[kind]
        self.attempt(event(at=self.now))

    @rule()
    def hand_over(self) -> None:
        self.attempt(HandedToCollection(at=self.now))

    @rule()
    def collected(self) -> None:
        self.attempt(Collected(at=self.now))

    @rule(reason=st.sampled_from(RemovalReason))
    def remove(self, reason: RemovalReason) -> None:
        self.attempt(RemovedExternally(at=self.now, reason=reason))

    @rule(code=st.sampled_from(PaymentCode))
    def change_payment_code(self, code: PaymentCode) -> None:
        self.attempt(PaymentCodeChanged(at=self.now, payment_code=code))

    @rule(days=st.none() | st.integers(-10, 40))
    def change_due_date(self, days: int | None) -> None:
        due = None if days is None else (self.now + timedelta(days=days)).date()
        self.attempt(DueDateChanged(at=self.now, due_date=due))

    @rule(level=st.none() | st.integers(1, 5))
    def remind_by_hand(self, level: int | None) -> None:
        """``None``: the next level (legal where reminders are due at all)."""
        if level is None:
            level = min(self.snapshot.dunning_level + 1, 5)
        self.attempt(ReminderIssued(at=self.now, level=level))

    @rule(days=st.integers(0, 40), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.now += timedelta(days=days, hours=hours)
        due = due_events(self.snapshot, self.policy, self.now)
        for event in due:
            before = self.snapshot
            outcome = apply(before, event, self.policy)  # must never be illegal
            self._check_outcome(before, event, outcome)
            self.snapshot = outcome.snapshot
        assert due_events(self.snapshot, self.policy, self.now) == ()
        wake = next_due_at(self.snapshot, self.policy)
        assert wake is None or wake > self.now

    @precondition(lambda self: next_due_at(self.snapshot, self.policy) is not None)
    @rule()
    def jump_to_next_due(self) -> None:
        wake = next_due_at(self.snapshot, self.policy)
        assert wake is not None
        assert due_events(self.snapshot, self.policy, wake - timedelta(microseconds=1)) == ()
        self.now = max(self.now, wake)
        assert due_events(self.snapshot, self.policy, self.now) != ()
        self.time_passes(0, 0)

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def paid_is_the_sum_of_assignments(self) -> None:
        snapshot = self.snapshot
        assert snapshot.paid == sum(self.ledger.values(), Decimal(0))
        for posting, amount in self.ledger.items():
            assert snapshot.share(posting) == amount
        assert snapshot.refunded == self.refunds

    @invariant()
    def state_agrees_with_amounts(self) -> None:
        snapshot = self.snapshot
        settled = snapshot.is_settled(self.policy)
        assert (snapshot.net > 0) in NET_KEPT[snapshot.state]
        assert snapshot.net >= 0
        if snapshot.state is S.PAID:
            assert settled
        if snapshot.state in {S.OPEN, S.PARTIALLY_PAID, S.COLLECTION, S.PARTIALLY_REFUNDED}:
            assert not settled
        if snapshot.state is S.REFUNDED:
            assert snapshot.refunded > 0
        if snapshot.state is S.NOT_MANAGED:
            assert not snapshot.managed
            assert snapshot.paid == 0

    @invariant()
    def money_is_exact(self) -> None:
        snapshot = self.snapshot
        exponent = -currency_exponent(self.currency)
        assert snapshot.currency == self.currency
        for value in (
            snapshot.amount,
            snapshot.paid,
            snapshot.refunded,
            snapshot.settled_amount,
            snapshot.net,
            snapshot.surplus,
            snapshot.open_amount,
            *(share.amount for share in snapshot.payments),
        ):
            assert isinstance(value, Decimal)
            assert value.as_tuple().exponent == exponent
        assert 0 <= snapshot.dunning_level <= 5
        assert OrderSnapshot.model_validate(snapshot.model_dump(mode="json")) == snapshot
        # the store keeps the snapshot as its JSON text (JsonDocument): the same document
        text = snapshot.model_dump_json()
        assert OrderSnapshot.model_validate_json(text) == snapshot
        assert json.loads(text) == snapshot.model_dump(mode="json")


LifecycleMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("PAYMATCH_LIFECYCLE_EXAMPLES", "200")),
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLifecycle = LifecycleMachine.TestCase


# -- due_events on its own: idempotence and monotonicity in time ---------------------------------


@st.composite
def scheduled_orders(draw: st.DrawFn) -> tuple[OrderSnapshot, LifecyclePolicy]:
    """A snapshot anywhere in its time-driven life, with a policy."""
    rules = draw(policies)
    code = draw(st.sampled_from(PaymentCode))
    state = draw(
        st.sampled_from(
            [S.OPEN, S.PARTIALLY_PAID, S.OVERDUE, S.CANCELLED, S.PAID, S.NOT_MANAGED, S.COLLECTION]
        )
    )
    created = T0 + timedelta(hours=draw(st.integers(-2000, 2000)))
    level = draw(st.integers(0, 5)) if state is not S.NOT_MANAGED else 0
    paid = {S.PARTIALLY_PAID: "40.00", S.PAID: "100.00"}.get(state)
    if state in {S.OVERDUE, S.CANCELLED, S.COLLECTION} and draw(st.booleans()):
        paid = "40.00"
    snapshot = OrderSnapshot(
        state=state,
        managed=state is not S.NOT_MANAGED,
        payment_code=code,
        currency="EUR",
        amount="100.00",
        payments=() if paid is None else ({"posting_id": "p1", "amount": paid},),
        dunning_level=level,
        last_reminder_at=created + timedelta(hours=draw(st.integers(0, 2000))) if level else None,
        created_at=created,
        due_date=draw(st.none() | st.dates(created.date(), (created + timedelta(days=60)).date())),
        adopted_at=draw(st.none() | st.just(created + timedelta(days=3))),
    )
    return snapshot, rules


instants = st.integers(0, 200 * 24).map(lambda hours: T0 + timedelta(hours=hours))
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


def _tick(snapshot: OrderSnapshot, policy: LifecyclePolicy, now: datetime) -> OrderSnapshot:
    for event in due_events(snapshot, policy, now):
        snapshot = apply(snapshot, event, policy).snapshot
    return snapshot


@PROPERTY_SETTINGS
@given(scheduled_orders(), instants)
def test_due_events_are_idempotent(
    order: tuple[OrderSnapshot, LifecyclePolicy], now: datetime
) -> None:
    snapshot, policy = order
    due = due_events(snapshot, policy, now)
    assert all(event.at == now for event in due)
    after = _tick(snapshot, policy, now)  # every event applies: no IllegalTransition
    assert due_events(after, policy, now) == ()
    assert _tick(after, policy, now) == after


@PROPERTY_SETTINGS
@given(scheduled_orders(), instants, instants)
def test_once_due_stays_due(
    order: tuple[OrderSnapshot, LifecyclePolicy], a: datetime, b: datetime
) -> None:
    snapshot, policy = order
    early, late = sorted((a, b))
    if due_events(snapshot, policy, early):
        assert due_events(snapshot, policy, late)
    wake = next_due_at(snapshot, policy)
    for now in (early, late):
        assert bool(due_events(snapshot, policy, now)) is (wake is not None and now >= wake)
    if wake is not None:
        assert due_events(snapshot, policy, wake)
        assert not due_events(snapshot, policy, wake - timedelta(microseconds=1))


@PROPERTY_SETTINGS
@given(scheduled_orders(), st.lists(st.integers(0, 30 * 24), min_size=1, max_size=8))
def test_time_only_moves_forward(
    order: tuple[OrderSnapshot, LifecyclePolicy], steps: list[int]
) -> None:
    """Ticking at growing times never lowers the dunning level, never re-opens an order and
    never produces a customer message for an order that is not managed."""
    snapshot, policy = order
    later = {S.OVERDUE: 1, S.CANCELLED: 2, S.COLLECTION: 2}
    now = T0
    for hours in steps:
        now += timedelta(hours=hours)
        for event in due_events(snapshot, policy, now):
            outcome = apply(snapshot, event, policy)
            if not snapshot.managed:
                assert not any(effect.to_customer for effect in outcome.effects)
            assert outcome.snapshot.dunning_level >= snapshot.dunning_level
            assert later.get(outcome.snapshot.state, 0) >= later.get(snapshot.state, 0)
            snapshot = outcome.snapshot
