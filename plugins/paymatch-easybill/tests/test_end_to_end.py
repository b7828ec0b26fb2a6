"""End to end: the fake account's open invoices, a CAMT statement, a match, one payment record.

The Reconciler builds the connector from its configuration (as a merchant's paymatch.toml
would) and runs on a store (an SQLite file, and PostgreSQL: ``paymatch_store_url`` from
``paymatch.testing``) with a fixed clock; the invoices carry that clock's times.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from paymatch import FixedClock, PaymatchConfig, Reconciler
from paymatch.testing import Credit, camt053

from .conftest import FakeEasybill, berlin

IBAN = "DE89370400440532013000"
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def reconciler(
    easybill: FakeEasybill,
    easybill_server: tuple[FakeEasybill, str],
    paymatch_store_url: str,
    clock: FixedClock,
) -> Iterator[Reconciler]:
    settings = {"api_key": easybill.api_key, "base_url": easybill_server[1], "backoff": 0}
    config = PaymatchConfig.model_validate(
        {
            "store": {"url": paymatch_store_url},
            "accounts": [{"iban": IBAN, "currency": "EUR"}],
            "sources": {"invoices": {"connector": "easybill", "settings": settings}},
        }
    )
    built = Reconciler.from_config(config, clock=clock, worker_id="e2e")
    yield built
    built.close()


def invoice(easybill: FakeEasybill, clock: FixedClock, cents: int, number: str) -> str:
    """An issued invoice, created and last edited now (by the test's clock)."""
    first, last = {"RE-10017": ("Jana", "Müller")}.get(number, ("Karl", "Schmidt"))
    customer = easybill.add_customer(first_name=first, last_name=last, emails=["j@example.org"])
    stamp = berlin(clock.now())
    document = easybill.add_invoice(
        amount=cents,
        customer=customer,
        number=number,
        created_at=stamp,
        edited_at=stamp,
        document_date=stamp[:10],
        due_date=stamp[:10],
    )
    return str(document["id"])


def test_the_payment_arrives_at_easybill_exactly_once(
    easybill: FakeEasybill, reconciler: Reconciler, clock: FixedClock, tmp_path: Path
) -> None:
    before = invoice(easybill, clock, 1500, "RE-10001")
    assert reconciler.connect_source("invoices").not_managed == 1
    clock.advance(timedelta(hours=1))
    paid = invoice(easybill, clock, 4990, "RE-10017")
    other = invoice(easybill, clock, 12000, "RE-10018")
    clock.advance(timedelta(minutes=31))
    reconciler.tick()  # the scheduled comparison of new invoices imports both
    assert reconciler.order(paid).state == "open"
    assert reconciler.order(other).state == "open"
    assert reconciler.order(before).state == "not_managed"

    statement = tmp_path / "statement.xml"
    statement.write_bytes(
        camt053(
            IBAN,
            [Credit("49.90", "Rechnung RE-10017 Kd. Mueller", payer="Jana Mueller")],
            booked=clock.now().date(),
        )
    )
    imported = reconciler.import_statement(statement)
    assert (imported.new, imported.assigned) == (1, 1)
    assert reconciler.order(paid).state == "paid"
    assert easybill.payment_posts == [], "nothing is written before the outbox runs"

    reconciler.tick(clock.advance(timedelta(minutes=1)))
    [payment] = easybill.payment_posts
    assert payment["document_id"] == int(paid)
    assert payment["amount"] == 4990
    assert payment["payment_at"] == clock.now().date().isoformat()
    assert easybill.documents[int(paid)]["paid_at"] is not None

    # A second tick, the same statement again, a full comparison: nothing more reaches Easybill.
    reconciler.tick(clock.advance(timedelta(minutes=5)))
    again = reconciler.import_statement(statement)
    assert (again.new, again.duplicates, again.assigned) == (0, 1, 0)
    reconciler.tick(clock.advance(timedelta(hours=13)))
    assert len(easybill.payment_posts) == 1
    assert reconciler.order(paid).state == "paid"
    assert reconciler.order(other).state == "open"
    assert easybill.documents[int(other)]["paid_at"] is None
    outcomes: list[Any] = [i.outcome for i in reconciler.outbox() if i.kind == "write_status"]
    assert outcomes == ["written"]
