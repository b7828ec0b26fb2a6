"""Fixtures: the fake shop on 127.0.0.1, orders cloned from the real serialized Shopware order in
``connector-specs/shopware-payment-fixture.json``, and clocks that make waiting instant."""

from __future__ import annotations

import copy
import itertools
import json
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from paymatch_shopware import ShopwareSource
from paymatch_shopware.fake import FakeShopware, ManualClock, shopware_time
from paymatch_shopware.fake.jsontext import clone

FIXTURE = "shopware-payment-fixture.json"
HANDLERS = "Shopware\\Core\\Checkout\\Payment\\Cart\\PaymentHandler\\"
METHODS = {
    "prepayment": ("payment_prepayment", HANDLERS + "PrePayment", "Paid in advance"),
    "invoice": ("payment_invoicepayment", HANDLERS + "InvoicePayment", "Invoice"),
    "cod": ("payment_cashpayment", HANDLERS + "CashPayment", "Cash on delivery"),
    "debit": ("payment_debitpayment", HANDLERS + "DebitPayment", "Direct Debit"),
}


class WallClock:
    """The fake shop's calendar time, for createdAt/updatedAt stamps."""

    def __init__(self) -> None:
        self.current = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture(scope="session")
def fixture_document(connector_specs: Path) -> dict[str, Any]:
    """The real payload, parsed with exact decimals."""
    text = (connector_specs / FIXTURE).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)  # type: ignore[no-any-return]


@pytest.fixture
def fixture_order(fixture_document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(fixture_document["order"])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def sleeps(clock: ManualClock) -> list[float]:
    """Every wait the connector asked for, in seconds."""
    return clock.sleeps


@pytest.fixture
def fake(clock: ManualClock, wall: WallClock) -> Iterator[FakeShopware]:
    with FakeShopware(clock=clock, now=wall) as server:
        yield server


@pytest.fixture
def connect(
    fake: FakeShopware, clock: ManualClock, sleeps: list[float]
) -> Iterator[Callable[..., ShopwareSource]]:
    """Build a connector for the fake; settings may be overridden. Waiting is instant."""
    made: list[ShopwareSource] = []

    def make(target: FakeShopware | None = None, **overrides: Any) -> ShopwareSource:
        server = target or fake
        source = ShopwareSource(
            server.settings(**overrides),
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(7),
        )
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


@pytest.fixture
def source(connect: Callable[..., ShopwareSource]) -> ShopwareSource:
    return connect()


class OrderFactory:
    """Orders of exactly the fixture's shape, with fresh ids and the given facts."""

    def __init__(self, template: dict[str, Any], wall: WallClock) -> None:
        self.template = template
        self.wall = wall
        self.numbers = itertools.count(20001)

    def __call__(
        self,
        *,
        amount: str | Decimal = "100.00",
        currency: str = "EUR",
        method: str = "prepayment",
        state: str = "open",
        order_state: str = "open",
        created_at: datetime | None = None,
        number: str | None = None,
        email: str | None = None,
        documents: list[dict[str, Any]] | None = None,
        extra_transactions: Sequence[tuple[str, datetime]] = (),
    ) -> dict[str, Any]:
        order = clone(self.template)
        order_id = uuid.uuid4().hex
        created = created_at or self.wall()
        self.wall.advance(seconds=1)
        value = Decimal(amount)
        order.update(
            id=order_id,
            _uniqueIdentifier=order_id,
            orderNumber=number or str(next(self.numbers)),
            amountTotal=value,
            amountNet=value,
            positionPrice=value,
            createdAt=shopware_time(created),
            orderDateTime=shopware_time(created),
            updatedAt=None,
        )
        order["price"].update(netPrice=value, totalPrice=value, positionPrice=value, rawTotal=value)
        order["currency"]["isoCode"] = currency
        order["currency"]["shortName"] = currency
        customer_id = uuid.uuid4().hex
        order["orderCustomer"].update(id=customer_id, _uniqueIdentifier=customer_id)
        order["orderCustomer"]["orderId"] = order_id
        if email is not None:
            order["orderCustomer"]["email"] = email
        order["billingAddress"]["id"] = uuid.uuid4().hex
        order["billingAddress"]["orderId"] = order_id
        order["stateMachineState"]["technicalName"] = order_state
        order["documents"] = documents
        base = order["transactions"][0]
        transactions = [
            self._transaction(
                base, order_id=order_id, value=value, method=method, state=state, created=created
            )
        ]
        for extra_state, extra_created in extra_transactions:
            transactions.append(
                self._transaction(
                    base,
                    order_id=order_id,
                    value=value,
                    method=method,
                    state=extra_state,
                    created=extra_created,
                )
            )
        order["transactions"] = transactions
        return order

    @staticmethod
    def active(order: dict[str, Any]) -> str:
        """The id of the order's active (newest) transaction."""
        newest = max(order["transactions"], key=lambda t: t["createdAt"])
        return str(newest["id"])

    def _transaction(
        self,
        base: dict[str, Any],
        *,
        order_id: str,
        value: Decimal,
        method: str,
        state: str,
        created: datetime,
    ) -> dict[str, Any]:
        transaction = clone(base)
        transaction_id = uuid.uuid4().hex
        transaction.update(
            id=transaction_id,
            _uniqueIdentifier=transaction_id,
            orderId=order_id,
            createdAt=shopware_time(created),
            updatedAt=None,
        )
        transaction["amount"].update(unitPrice=value, totalPrice=value)
        transaction["stateMachineState"]["technicalName"] = state
        if method in METHODS:
            technical, handler, name = METHODS[method]
            payment = transaction["paymentMethod"]
            payment.update(handlerIdentifier=handler, name=name, technicalName=technical)
            payment["appPaymentMethod"] = None
        return transaction


@pytest.fixture
def make_order(fixture_order: dict[str, Any], wall: WallClock) -> OrderFactory:
    return OrderFactory(fixture_order, wall)
