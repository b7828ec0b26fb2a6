"""Write-back through the order_transaction state machine: allowed transitions read, not assumed;
paid exactly once; ALREADY_DONE and NOT_OPEN where Shopware already shows the answer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paymatch_shopware import (
    IllegalTransitionError,
    NoTransitionPathError,
    ShopwareError,
    ShopwareSource,
    UnsupportedWriteError,
)
from paymatch_shopware.errors import ShopwareAuthError, ShopwareTransientError
from paymatch_shopware.fake import FakeShopware, TransactionStateMachine
from paymatch_shopware.fake.state_machine import ALLOWED_ACTIONS

from paymatch import PaymentCode
from paymatch.connectors.interfaces import StatusWrite, TargetStatus, WriteOutcome

TRANSITION = "/api/_action/order_transaction/"


def _paid(
    order: dict[str, Any], code: PaymentCode = PaymentCode.PREPAYMENT, **extra: Any
) -> StatusWrite:
    values: dict[str, Any] = {
        "order_id": order["id"],
        "target": TargetStatus.PAID,
        "status": "paid",
        "payment_code": code,
        "amount": order["amountTotal"],
        "currency": order["currency"]["isoCode"],
        "reference": f"pm-{order['orderNumber']}",
    }
    values.update(extra)
    return StatusWrite(**values)


def _cancelled(order: dict[str, Any], code: PaymentCode = PaymentCode.PREPAYMENT) -> StatusWrite:
    return _paid(order, code, target=TargetStatus.CANCELLED, status=None)


def _transitions(fake: FakeShopware) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path.startswith(TRANSITION)]


def test_open_to_paid_with_the_paid_action(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order()
    fake.add_order(order)
    transaction = make_order.active(order)
    assert source.write_status(_paid(order)) is WriteOutcome.WRITTEN
    assert fake.transaction_state(transaction) == "paid"
    (entry,) = fake.history
    assert (entry.transaction_id, entry.action, entry.from_state) == (transaction, "paid", "open")
    assert entry.body == {
        "sendMail": True,
        "internalComment": f"paymatch pm-{order['orderNumber']}",
    }
    # The allowed transitions were read before writing.
    reads = [r for r in fake.requests if r.method == "GET" and "state-machine" in r.path]
    assert reads


def test_writing_paid_twice_writes_once(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order()
    fake.add_order(order)
    assert source.write_status(_paid(order)) is WriteOutcome.WRITTEN
    assert source.write_status(_paid(order)) is WriteOutcome.ALREADY_DONE
    assert len(fake.history) == 1
    assert len(_transitions(fake)) == 1


def test_a_repeated_paid_action_is_answered_200_without_change(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    """What Shopware does, and why a retried transition is harmless."""
    order = make_order()
    fake.add_order(order)
    transaction = make_order.active(order)
    client = source._client
    assert client.transition(transaction, "paid", send_mail=False) == "paid"
    assert client.transition(transaction, "paid", send_mail=False) == "paid"
    assert len(fake.history) == 1


def test_an_illegal_transition_is_a_typed_error_with_shopwares_details(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order()
    fake.add_order(order)
    transaction = make_order.active(order)
    with pytest.raises(IllegalTransitionError) as raised:
        source._client.transition(transaction, "refund", send_mail=False)
    error = raised.value
    assert error.code == "SYSTEM__ILLEGAL_STATE_TRANSITION"
    assert error.http_status == 400
    assert error.transition == "refund"
    assert set(error.possible_transitions) == set(ALLOWED_ACTIONS["open"])
    assert 'Illegal transition "refund"' in str(error)
    assert fake.history == []


def test_an_unknown_transaction_is_shopwares_invalid_entity_error(source: ShopwareSource) -> None:
    with pytest.raises(ShopwareError) as raised:
        source._client.available_transitions(uuid.uuid4().hex)
    assert raised.value.code == "SYSTEM__STATE_MACHINE_INVALID_ENTITY_ID"


@pytest.mark.parametrize(
    ("state", "legacy", "actions"),
    [
        ("reminded", True, ["pay"]),  # no "paid" from reminded; the legacy action leads there
        ("reminded", False, ["reopen", "paid"]),
        ("paid_partially", True, ["pay"]),
        ("paid_partially", False, ["reopen", "paid"]),
        ("in_progress", False, ["paid"]),
        ("authorized", False, ["paid"]),
        ("unconfirmed", False, ["paid"]),
    ],
)
def test_the_path_to_paid_follows_the_allowed_transitions(  # noqa: PLR0917
    make_order: Any,
    connect: Callable[..., ShopwareSource],
    clock: Any,
    wall: Any,
    state: str,
    legacy: bool,
    actions: list[str],
) -> None:
    with FakeShopware(clock=clock, now=wall, legacy_actions=legacy) as fake:
        order = make_order(state=state)
        fake.add_order(order)
        source = connect(fake)
        assert source.write_status(_paid(order)) is WriteOutcome.WRITTEN
        assert [entry.action for entry in fake.history] == actions
        assert fake.history[-1].to_state == "paid"
        # Only the final step may mail the customer.
        assert [entry.body["sendMail"] for entry in fake.history] == [False] * (
            len(actions) - 1
        ) + [True]


def test_send_mail_can_be_switched_off(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource]
) -> None:
    order = make_order()
    fake.add_order(order)
    connect(send_mail=False).write_status(_paid(order))
    assert fake.history[0].body["sendMail"] is False


@pytest.mark.parametrize("state", ["paid"])
def test_already_paid_is_already_done_and_nothing_is_posted(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, state: str
) -> None:
    order = make_order(state=state)
    fake.add_order(order)
    assert source.write_status(_paid(order)) is WriteOutcome.ALREADY_DONE
    assert _transitions(fake) == []


@pytest.mark.parametrize(
    "state", ["cancelled", "refunded", "refunded_partially", "failed", "chargeback"]
)
def test_a_payment_no_longer_open_is_not_open_and_nothing_is_posted(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, state: str
) -> None:
    """Shopware would allow cancelled -> paid; paymatch must not pay a cancelled transaction."""
    order = make_order(state=state)
    fake.add_order(order)
    assert source.write_status(_paid(order)) is WriteOutcome.NOT_OPEN
    assert _transitions(fake) == []
    assert fake.transaction_state(make_order.active(order)) == state


def test_a_cancelled_order_is_not_open(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(order_state="cancelled")
    fake.add_order(order)
    assert source.write_status(_paid(order)) is WriteOutcome.NOT_OPEN
    assert _transitions(fake) == []


def test_a_deleted_order_is_not_open(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order()
    fake.add_order(order)
    fake.remove_order(order["id"])
    assert source.write_status(_paid(order)) is WriteOutcome.NOT_OPEN


def test_the_active_transaction_is_the_one_written(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, wall: Any
) -> None:
    order = make_order(
        state="cancelled", extra_transactions=[("open", wall() + timedelta(hours=1))]
    )
    fake.add_order(order)
    assert source.write_status(_paid(order)) is WriteOutcome.WRITTEN
    old, new = order["transactions"]
    assert fake.transaction_state(old["id"]) == "cancelled"
    assert fake.transaction_state(new["id"]) == "paid"


def test_a_state_change_between_reading_and_writing_is_looked_at_again(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order()
    fake.add_order(order)
    transaction = make_order.active(order)

    def refunded_meanwhile(server: FakeShopware, transaction_id: str, action: str) -> None:
        server.on_transition = None
        server.set_transaction_state(transaction_id, "refunded")

    fake.on_transition = refunded_meanwhile
    assert source.write_status(_paid(order)) is WriteOutcome.NOT_OPEN
    assert fake.transaction_state(transaction) == "refunded"


def test_a_person_paying_meanwhile_makes_it_already_done(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(state="reminded")
    fake.add_order(order)

    def paid_meanwhile(server: FakeShopware, transaction_id: str, action: str) -> None:
        server.on_transition = None
        server.set_transaction_state(transaction_id, "paid")

    fake.on_transition = paid_meanwhile
    # "pay" on a paid transaction is unnecessary: 200 without a change, and then it shows paid.
    assert source.write_status(_paid(order)) is WriteOutcome.WRITTEN
    assert fake.history == []


def test_a_transition_refused_again_surfaces_as_illegal_transition(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order()
    fake.add_order(order)
    fake.refuse_actions = {"paid", "pay"}
    with pytest.raises(IllegalTransitionError):
        source.write_status(_paid(order))
    assert fake.history == []


def test_no_allowed_path_is_a_typed_error(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    machine = TransactionStateMachine(legacy=False)
    machine.rows = [r for r in machine.rows if r.action not in {"reopen", "do_pay"}]
    fake.machine = machine
    order = make_order(state="reminded")
    fake.add_order(order)
    with pytest.raises(NoTransitionPathError, match="reminded"):
        source.write_status(_paid(order))
    assert fake.history == []


def test_a_write_for_another_currency_writes_nothing(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(currency="CHF")
    fake.add_order(order)
    with pytest.raises(ShopwareError, match="CHF"):
        source.write_status(_paid(order, currency="EUR"))
    assert _transitions(fake) == []


def test_cancelling_an_unpaid_prepayment_order(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(state="reminded")
    fake.add_order(order)
    assert source.write_status(_cancelled(order)) is WriteOutcome.WRITTEN
    assert [entry.action for entry in fake.history] == ["cancel"]
    assert source.write_status(_cancelled(order)) is WriteOutcome.ALREADY_DONE
    assert len(fake.history) == 1


def test_a_paid_order_is_not_cancelled(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(state="paid")
    fake.add_order(order)
    assert source.write_status(_cancelled(order)) is WriteOutcome.NOT_OPEN
    assert fake.history == []


def test_an_order_cancelled_in_the_shop_is_already_cancelled(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(order_state="cancelled")
    fake.add_order(order)
    assert source.write_status(_cancelled(order)) is WriteOutcome.ALREADY_DONE


def test_invoices_have_no_cancelled_status_by_default(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(method="invoice")
    fake.add_order(order)
    with pytest.raises(UnsupportedWriteError, match="invoice"):
        source.write_status(_cancelled(order, PaymentCode.INVOICE))
    assert _transitions(fake) == []


def test_the_transition_answer_has_the_fixture_state_shape(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, fixture_order: dict[str, Any]
) -> None:
    order = make_order()
    fake.add_order(order)
    token = source._client._access_token()
    response = httpx.post(
        f"{fake.url}{TRANSITION}{make_order.active(order)}/state/paid",
        json={"sendMail": False},
        headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    state = response.json()
    assert state.keys() == fixture_order["transactions"][0]["stateMachineState"].keys()
    assert state["technicalName"] == "paid"
    assert state["apiAlias"] == "state_machine_state"


# -- every starting state -----------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    state=st.sampled_from(sorted(ALLOWED_ACTIONS)),
    legacy=st.booleans(),
    target=st.sampled_from([TargetStatus.PAID, TargetStatus.CANCELLED]),
)
def test_write_back_from_any_state(  # noqa: PLR0917
    fake: FakeShopware,
    make_order: Any,
    source: ShopwareSource,
    state: str,
    legacy: bool,
    target: TargetStatus,
) -> None:
    """Open states reach the target with one history entry into it, others are left untouched;
    a second write never writes again."""
    fake.machine = TransactionStateMachine(legacy=legacy)
    fake.history.clear()
    order = make_order(state=state)
    fake.add_order(order)
    transaction = make_order.active(order)
    write = _paid(order) if target is TargetStatus.PAID else _cancelled(order)
    goal = "paid" if target is TargetStatus.PAID else "cancelled"
    outcome = source.write_status(write)
    open_states = source.mapping.open_statuses[PaymentCode.PREPAYMENT]
    if state == goal:
        assert outcome is WriteOutcome.ALREADY_DONE
        assert fake.history == []
    elif state in open_states:
        assert outcome is WriteOutcome.WRITTEN
        assert fake.transaction_state(transaction) == goal
        assert [e.to_state for e in fake.history].count(goal) == 1
    else:
        assert outcome is WriteOutcome.NOT_OPEN
        assert fake.transaction_state(transaction) == state
        assert fake.history == []
    history = len(fake.history)
    assert source.write_status(write) in (WriteOutcome.ALREADY_DONE, WriteOutcome.NOT_OPEN)
    assert len(fake.history) == history


def test_which_refusals_paymatch_retries() -> None:
    """``final`` tells paymatch's outbox whether trying the write again later can help."""
    race = IllegalTransitionError("moved meanwhile", transition="paid", possible_transitions=[])
    assert not race.final, "the state moved under the write: a later attempt reads it anew"
    assert not ShopwareTransientError("503", http_status=503).final
    assert not ShopwareAuthError("refused", http_status=401).final, "mended in the settings"
    assert NoTransitionPathError("no path").final
    assert UnsupportedWriteError("no cancelled status").final
