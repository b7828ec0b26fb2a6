"""One worker of the Store crash test: intake, payments, reminders, and every message through
the Store's outbox to a real SMTP server. Exits 0 once the outbox is empty.

    store_crash_worker.py URL SMTP_PORT ORDERS
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from paymatch.connectors.memory import MemorySource
from paymatch.core.clock import FixedClock
from paymatch.core.models import Order, Posting
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import config_from_dict
from paymatch.core.store import Store

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ACCOUNT = "DE89370400440532013000"


def orders(count: int) -> list[Order]:
    return [
        Order(
            id=f"o{i}",
            number=str(500000 + i),
            currency="EUR",
            amount=Decimal(1000 + 7 * i).scaleb(-2),
            email=f"c{i}@example.org",
            customer_name=f"Customer {i}",
            language="de" if i % 2 else "en",
            country="DE",
            payment_method="invoice" if i % 3 == 0 else "prepayment",
            status="open",
            created_at=T0 + timedelta(hours=1),
        )
        for i in range(count)
    ]


def postings(count: int) -> list[Posting]:
    """Every second order is paid."""
    return [
        Posting(
            id=f"p{i}",
            account_iban=ACCOUNT,
            booking_date=date(2026, 11, 3),
            currency="EUR",
            amount=Decimal(1000 + 7 * i).scaleb(-2),
            counterparty_name=f"Customer {i}",
            remittance=f"Bestellung {500000 + i}",
        )
        for i in range(0, count, 2)
    ]


def main() -> None:
    url, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    config = config_from_dict(
        {
            "sources": {
                "shop": {"connector": "memory", "push": True, "send_payment_information": True}
            },
            "accounts": [{"iban": ACCOUNT, "bic": "COBADEFFXXX", "holder": "Beispiel GmbH"}],
            "schedules": {"claim_lease": "30s"},
            "notify": {
                "sender": "smtp",
                "from": "Beispiel Shop <billing@shop.example>",
                "merchant": "owner@shop.example",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 10},
            },
            "policy": {"invoice": {"reminders": {"first_after_days": 2, "levels": 2}}},
        }
    )
    clock = FixedClock(T0)
    source = MemorySource()
    reconciler = Reconciler(
        Store.open(url), config=config, sources={"shop": source}, clock=clock, worker_id="crash"
    )
    reconciler.connect_source("shop")  # once: later runs find it connected
    print("ready", flush=True)
    clock.set(T0 + timedelta(hours=2))
    for order in orders(count):
        source.put(order, at=(T0 + timedelta(hours=1)).replace(tzinfo=None))
        reconciler.receive_order("shop", order)  # unchanged on a re-run: nothing new
    reconciler.tick()
    reconciler.import_postings(postings(count), account_iban=ACCOUNT, name="statement")
    for day in (1, 3, 20):  # reminders for the unpaid invoices
        clock.set(T0 + timedelta(days=day, hours=2))
        reconciler.tick()
    for _ in range(100):
        if not reconciler.outbox(status="pending"):
            break
        clock.set(clock.now() + timedelta(hours=1))
        reconciler.tick()
    reconciler.close()


if __name__ == "__main__":
    main()
