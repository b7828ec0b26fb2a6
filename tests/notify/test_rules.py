"""Reminders and payment information end to end: lifecycle -> effects -> this layer.

Random event sequences run through the real lifecycle (``register``, ``apply``, ``due_events``);
every customer effect goes through :meth:`Composer.message_for_effect`, both at once and after
later events (a message waiting in the outbox while the order changes). Checked: no message for
an order that is not managed, removed, not tracked, paid, cancelled, with collection or refunded;
no COD reminder unless COD reminders are enabled; every reminder level is one the policy has.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from notify_helpers import ACCOUNTS, make_order, notify_config

from paymatch.core.errors import IllegalTransition
from paymatch.core.events import (
    AmountChanged,
    EmailChanged,
    ManualCancel,
    NotTracked,
    OrderRegistered,
    PaymentAssigned,
    RemovalReason,
    RemovedExternally,
    ReopenedAtSource,
    SendPaymentInformation,
    SendReminder,
)
from paymatch.core.lifecycle import OrderSnapshot, apply, register
from paymatch.core.models import PaymentCode
from paymatch.core.policy import PolicyConfig, parse_policy_config
from paymatch.core.schedule import due_events
from paymatch.core.states import OrderState
from paymatch.notify.compose import WAITING_FOR_MONEY, Composer

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
COD_ON = """
[policy.cod]
payment_information = true
[policy.cod.reminders]
enabled = true
first_after_days = 3
levels = 2
"""

steps = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.integers(1, 20)),
        st.tuples(st.just("pay"), st.integers(1, 6000)),
        st.tuples(st.just("amount"), st.integers(1, 9000)),
        st.tuples(st.sampled_from(["email", "remove", "untrack", "reopen", "cancel"]), st.just(0)),
    ),
    max_size=25,
)


def _event(kind: str, value: int, at: datetime, count: int) -> object:
    if kind == "pay":
        return PaymentAssigned(
            at=at,
            posting_id=f"p{count}",
            currency="EUR",
            amount=Decimal(value) / 100,
            method="auto",
        )
    if kind == "amount":
        return AmountChanged(at=at, currency="EUR", amount=Decimal(value) / 100)
    return {
        "email": EmailChanged(at=at),
        "remove": RemovedExternally(at=at, reason=RemovalReason.DELETED),
        "untrack": NotTracked(at=at),
        "reopen": ReopenedAtSource(at=at),
        "cancel": ManualCancel(at=at),
    }[kind]


@settings(max_examples=60, deadline=None)
@given(
    code=st.sampled_from(PaymentCode),
    managed=st.booleans(),
    cod_on=st.booleans(),
    plan=steps,
)
def test_customer_messages_only_while_the_order_waits_for_money(
    code: PaymentCode, managed: bool, cod_on: bool, plan: list[tuple[str, int]]
) -> None:
    policies: PolicyConfig = parse_policy_config(COD_ON) if cod_on else PolicyConfig()
    policy = policies.for_source("shop")
    composer = Composer(notify_config(), ACCOUNTS, policies)
    order = make_order(payment_code=code.value, amount="50.00", created_at=T0)
    outcome = register(
        OrderRegistered(
            at=T0,
            payment_code=code,
            currency="EUR",
            amount="50.00",
            created_at=T0,
            connected_at=T0 - timedelta(days=1) if managed else T0 + timedelta(days=1),
        ),
        policy,
    )
    snapshot: OrderSnapshot = outcome.snapshot
    waiting: list[SendPaymentInformation | SendReminder] = []
    now, count = T0, 0

    def take(effects: tuple[object, ...], before: OrderSnapshot, after: OrderSnapshot) -> None:
        for effect in effects:
            if not isinstance(effect, SendPaymentInformation | SendReminder):
                continue
            assert before.managed
            assert after.managed
            message = composer.message_for_effect(
                effect, order, state=after.state, id=f"n{count}", now=now
            )
            assert message is not None, (effect, after.state)  # due when emitted
            assert after.state in WAITING_FOR_MONEY
            if isinstance(effect, SendReminder):
                assert code is not PaymentCode.COD or cod_on
                assert 1 <= effect.level <= policy.for_code(code).reminders.levels
                assert message.level == effect.level
            waiting.append(effect)

    take(outcome.effects, snapshot, snapshot)
    for kind, value in plan:
        count += 1
        if kind == "wait":
            now += timedelta(days=value)
            for event in due_events(snapshot, policy, now):
                result = apply(snapshot, event, policy)
                take(result.effects, snapshot, result.snapshot)
                snapshot = result.snapshot
            continue
        try:
            result = apply(snapshot, _event(kind, value, now, count), policy)  # type: ignore[arg-type]
        except IllegalTransition:
            continue
        take(result.effects, snapshot, result.snapshot)
        snapshot = result.snapshot
        # messages still in the outbox: none goes out once the order stopped waiting for money
        for effect in waiting:
            message = composer.message_for_effect(
                effect, order, state=snapshot.state, id="late", now=now
            )
            if snapshot.state not in WAITING_FOR_MONEY:
                assert message is None
    if snapshot.state in {
        OrderState.NOT_MANAGED,
        OrderState.REMOVED_EXTERNALLY,
        OrderState.NOT_TRACKED,
        OrderState.PAID,
        OrderState.CANCELLED,
    }:
        for effect in waiting:
            assert (
                composer.message_for_effect(effect, order, state=snapshot.state, id="x", now=now)
                is None
            )


def test_cod_reminders_follow_the_policy() -> None:
    effect = SendReminder(level=1, currency="EUR", open_amount="50.00")
    order = make_order(payment_code="cod")
    off = Composer(notify_config(), ACCOUNTS, PolicyConfig())
    on = Composer(notify_config(), ACCOUNTS, parse_policy_config(COD_ON))
    assert off.message_for_effect(effect, order, state="overdue", id="r", now=T0) is None
    assert on.message_for_effect(effect, order, state="overdue", id="r", now=T0) is not None
