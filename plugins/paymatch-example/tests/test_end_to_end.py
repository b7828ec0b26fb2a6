"""End to end: paymatch imports the shop's open orders, a bank statement pays one, the shop is
told once. Runs on an SQLite file and on PostgreSQL (``paymatch_store_url``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paymatch import FixedClock, PaymatchConfig, Reconciler
from paymatch.testing import Credit, camt053

IBAN = "DE89370400440532013000"


@pytest.fixture
def clock():
    return FixedClock(datetime(2025, 3, 3, 8, 0, tzinfo=UTC))


@pytest.fixture
def reconciler(example_shop, paymatch_store_url, clock):
    shop, url = example_shop
    config = PaymatchConfig.model_validate(
        {
            "store": {"url": paymatch_store_url},
            "accounts": [{"iban": IBAN, "currency": "EUR"}],
            "sources": {
                "shop": {
                    "connector": "example",
                    "settings": {"base_url": url, "api_token": shop.token},
                }
            },
        }
    )
    reconciler = Reconciler.from_config(config, clock=clock)
    yield reconciler
    reconciler.close()


def add_order(shop, clock, number, total):
    now = clock.now().isoformat()
    return str(
        shop.add(
            {
                "number": number,
                "status": "awaiting_payment",
                "payment_method": "bank_transfer",
                "total": total,
                "currency": "EUR",
                "customer": {"name": "Jana Müller", "email": "jana@example.org"},
                "created_at": now,
                "updated_at": now,
            }
        )
    )


def test_a_paid_order_is_written_back_once(example_shop, reconciler, clock, tmp_path):
    shop, _ = example_shop
    reconciler.connect_source("shop")
    clock.advance(timedelta(hours=1))
    paid = add_order(shop, clock, "EX-1017", "49.90")
    other = add_order(shop, clock, "EX-1018", "120.00")
    reconciler.tick(clock.advance(timedelta(minutes=31)))  # imports the new orders
    assert reconciler.order(paid).state == "open"

    statement = tmp_path / "statement.xml"
    credit = Credit("49.90", "EX 1017 Jana Mueller", payer="Jana Mueller")
    statement.write_bytes(camt053(IBAN, [credit], booked=clock.now().date()))
    assert reconciler.import_statement(statement).assigned == 1
    reconciler.tick(clock.advance(timedelta(minutes=1)))  # the outbox writes "paid"
    assert shop.status_posts == [(int(paid), "paid")]

    # Another tick, the same statement again: nothing more reaches the shop.
    assert reconciler.import_statement(statement).new == 0
    reconciler.tick(clock.advance(timedelta(hours=13)))
    assert shop.status_posts == [(int(paid), "paid")]
    assert reconciler.order(other).state == "open"
