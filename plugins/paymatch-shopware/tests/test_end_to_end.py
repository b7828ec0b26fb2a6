"""End to end: the fake shop's open orders, a CAMT statement, a match, the paid state once.

The Reconciler builds the connector from its configuration (as a merchant's paymatch.toml
would) and runs on a store (an SQLite file, and PostgreSQL: ``paymatch_store_url`` from
``paymatch.testing``) with a fixed clock that the fake shop shares for its timestamps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from paymatch_shopware.fake import FakeShopware

from paymatch import FixedClock, PaymatchConfig, Reconciler
from paymatch.testing import Credit, camt053

from .conftest import OrderFactory

IBAN = "DE89370400440532013000"
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def shop(clock: FixedClock) -> Iterator[FakeShopware]:
    with FakeShopware(now=clock.now) as server:
        yield server


@pytest.fixture
def reconciler(
    shop: FakeShopware, paymatch_store_url: str, clock: FixedClock
) -> Iterator[Reconciler]:
    config = PaymatchConfig.model_validate(
        {
            "store": {"url": paymatch_store_url},
            "accounts": [{"iban": IBAN, "currency": "EUR"}],
            "sources": {"shop": {"connector": "shopware", "settings": shop.settings()}},
        }
    )
    built = Reconciler.from_config(config, clock=clock, worker_id="e2e")
    yield built
    built.close()


def transitions(shop: FakeShopware) -> list[str]:
    """Every state-change request the shop received (also those that changed nothing)."""
    return [
        r.path
        for r in shop.requests
        if r.method == "POST" and "/_action/order_transaction/" in r.path
    ]


def test_the_paid_state_arrives_at_the_shop_exactly_once(
    shop: FakeShopware,
    reconciler: Reconciler,
    clock: FixedClock,
    make_order: OrderFactory,
    tmp_path: Path,
) -> None:
    before = shop.add_order(make_order(amount="15.00", number="10001", created_at=clock.now()))
    assert reconciler.connect_source("shop").not_managed == 1
    clock.advance(timedelta(hours=1))
    paid_order = make_order(amount="49.90", number="10017", created_at=clock.now())
    transaction = OrderFactory.active(paid_order)
    order = shop.add_order(paid_order)
    other = shop.add_order(make_order(amount="120.00", number="10018", created_at=clock.now()))
    clock.advance(timedelta(minutes=31))
    reconciler.tick()  # the scheduled comparison of new orders imports both
    assert reconciler.order(order).state == "open"
    assert reconciler.order(other).state == "open"
    assert reconciler.order(before).state == "not_managed"

    billing = paid_order["billingAddress"]
    statement = tmp_path / "statement.xml"
    statement.write_bytes(
        camt053(
            IBAN,
            [
                Credit(
                    "49.90",
                    "SW10017 Danke",
                    payer=f"{billing['lastName']}, {billing['firstName']}".upper(),
                )
            ],
            booked=clock.now().date(),
        )
    )
    imported = reconciler.import_statement(statement)
    assert (imported.new, imported.assigned) == (1, 1)
    assert reconciler.order(order).state == "paid"
    assert shop.history == [], "nothing is written before the outbox runs"

    reconciler.tick(clock.advance(timedelta(minutes=1)))
    assert shop.transaction_state(transaction) == "paid"
    assert [(h.transaction_id, h.to_state) for h in shop.history] == [(transaction, "paid")]
    assert len(transitions(shop)) == 1

    # A second tick, the same statement again, a full comparison: nothing more reaches the shop.
    reconciler.tick(clock.advance(timedelta(minutes=5)))
    again = reconciler.import_statement(statement)
    assert (again.new, again.duplicates, again.assigned) == (0, 1, 0)
    reconciler.tick(clock.advance(timedelta(hours=13)))
    assert len(shop.history) == len(transitions(shop)) == 1
    assert reconciler.order(order).state == "paid"
    assert reconciler.order(other).state == "open"
    assert shop.transaction_state(OrderFactory.active(shop.order(other))) == "open"
    assert [i.outcome for i in reconciler.outbox() if i.kind == "write_status"] == ["written"]
