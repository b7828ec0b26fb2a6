"""End to end: the fake shop's open orders, a CAMT statement, a match, the paid status once.

The Reconciler runs on a store (an SQLite file, and PostgreSQL: ``paymatch_store_url`` from
``paymatch.testing``) with a fixed clock that the fake shop shares; the shop is the fake
WooCommerce REST API over HTTPS on 127.0.0.1.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from paymatch_woocommerce.fake import FakeWooCommerce

from paymatch import FixedClock, PaymatchConfig, Reconciler
from paymatch.testing import Credit, camt053

from .conftest import CONSUMER_KEY, CONSUMER_SECRET

IBAN = "DE89370400440532013000"
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock(https_shop: FakeWooCommerce) -> FixedClock:
    clock = FixedClock(START)
    https_shop.clock = lambda: clock.now().timestamp()  # the shop stamps orders with it
    return clock


@pytest.fixture
def reconciler(
    https_shop: FakeWooCommerce,
    tls: tuple[ssl.SSLContext, str],
    paymatch_store_url: str,
    clock: FixedClock,
) -> Iterator[Reconciler]:
    config = PaymatchConfig.model_validate(
        {
            "store": {"url": paymatch_store_url},
            "accounts": [{"iban": IBAN, "currency": "EUR"}],
            "sources": {
                "shop": {
                    "connector": "woocommerce",
                    "settings": {
                        "url": https_shop.url,
                        "consumer_key": CONSUMER_KEY,
                        "consumer_secret": CONSUMER_SECRET,
                        "verify": tls[1],
                    },
                }
            },
        }
    )
    built = Reconciler.from_config(config, clock=clock, worker_id="e2e")
    yield built
    built.close()


def test_the_paid_status_arrives_at_the_shop_exactly_once(
    https_shop: FakeWooCommerce, reconciler: Reconciler, clock: FixedClock, tmp_path: Path
) -> None:
    before = https_shop.add_order(status="on-hold", total="15.00", number="40001")
    assert reconciler.connect_source("shop").not_managed == 1
    clock.advance(timedelta(hours=1))
    buyer = {"first_name": "Jana", "last_name": "Müller", "email": "jana@example.org"}
    order = https_shop.add_order(status="on-hold", total="49.90", number="40017", billing=buyer)
    other = https_shop.add_order(
        status="on-hold",
        total="120.00",
        number="40018",
        billing={"first_name": "Karl", "last_name": "Schmidt"},
    )
    clock.advance(timedelta(minutes=31))
    reconciler.tick()  # the scheduled comparison of new orders imports both
    assert reconciler.order(str(order["id"])).state == "open"
    assert reconciler.order(str(other["id"])).state == "open"
    assert reconciler.order(str(before["id"])).state == "not_managed"

    statement = tmp_path / "statement.xml"
    statement.write_bytes(
        camt053(
            IBAN,
            [Credit("49.90", "Bestellung 40017 vielen Dank", payer="MUELLER JANA")],
            booked=clock.now().date(),
        )
    )
    imported = reconciler.import_statement(statement)
    assert (imported.new, imported.assigned) == (1, 1)
    assert reconciler.order(str(order["id"])).state == "paid"

    def puts(order_id: int) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in https_shop.api_requests("PUT", f"/orders/{order_id}")]

    assert puts(order["id"]) == [], "nothing is written before the outbox runs"
    reconciler.tick(clock.advance(timedelta(minutes=1)))
    assert https_shop.order(order["id"])["status"] == "processing"
    assert [put["status"] for put in puts(order["id"])] == ["processing"]

    # A second tick, the same statement again, a full comparison: nothing more reaches the shop.
    reconciler.tick(clock.advance(timedelta(minutes=5)))
    again = reconciler.import_statement(statement)
    assert (again.new, again.duplicates, again.assigned) == (0, 1, 0)
    reconciler.tick(clock.advance(timedelta(hours=13)))
    assert len(puts(order["id"])) == 1
    assert reconciler.order(str(order["id"])).state == "paid"
    assert reconciler.order(str(other["id"])).state == "open"
    assert puts(other["id"]) == []
    assert https_shop.order(other["id"])["status"] == "on-hold"
    assert [i.outcome for i in reconciler.outbox() if i.kind == "write_status"] == ["written"]
