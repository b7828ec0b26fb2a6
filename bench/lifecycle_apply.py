"""How fast is the pure lifecycle? Events applied per second on one core.

Registers N orders (mixed payment codes, some created before the connection), assigns a payment
to each (partial, exact or over), then ticks every order at three later times with ``due_events``
(deadlines, reminders). Prints events per second for each phase. No storage: this is the cost
the Store and the Reconciler add their own to.

    .venv/bin/python bench/lifecycle_apply.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from paymatch.core.events import OrderRegistered, PaymentAssigned
from paymatch.core.lifecycle import OrderSnapshot, apply, register
from paymatch.core.policy import LifecyclePolicy
from paymatch.core.schedule import due_events, next_due_at

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def main(count: int) -> None:
    rng = random.Random(7)
    policy = LifecyclePolicy()
    codes = ("prepayment", "invoice", "cod")
    registrations = [
        OrderRegistered(
            at=T0,
            payment_code=codes[i % 3],
            currency="EUR",
            amount=Decimal(rng.randint(100, 50_000)).scaleb(-2),
            created_at=T0 - timedelta(days=rng.randint(0, 3)),
            connected_at=T0 - timedelta(days=1),
        )
        for i in range(count)
    ]
    start = time.perf_counter()
    snapshots: list[OrderSnapshot] = [register(event, policy).snapshot for event in registrations]
    report("register", count, time.perf_counter() - start)

    payments = []
    for i, snapshot in enumerate(snapshots):
        share = rng.choice((Decimal("0.5"), Decimal(1), Decimal("1.1")))
        amount = max(Decimal("0.01"), (snapshot.amount * share).quantize(Decimal("0.01")))
        payments.append(
            PaymentAssigned(
                at=T0 + timedelta(days=1),
                posting_id=f"p{i}",
                currency="EUR",
                amount=amount,
                method="auto",
            )
        )
    start = time.perf_counter()
    snapshots = [apply(s, p, policy).snapshot for s, p in zip(snapshots, payments, strict=True)]
    report("payment_assigned", count, time.perf_counter() - start)

    applied = 0
    start = time.perf_counter()
    for days in (8, 15, 40):
        now = T0 + timedelta(days=days)
        for i, before in enumerate(snapshots):
            after = before
            for event in due_events(before, policy, now):
                after = apply(after, event, policy).snapshot
                applied += 1
            snapshots[i] = after
    elapsed = time.perf_counter() - start
    report(f"tick: order-ticks (due_events + apply of {applied} events)", 3 * count, elapsed)

    start = time.perf_counter()
    for snapshot in snapshots:
        next_due_at(snapshot, policy)
    report("next_due_at", count, time.perf_counter() - start)


def report(what: str, count: int, seconds: float) -> None:
    print(f"{what:55s} {count:>8d} in {seconds:6.2f} s = {count / seconds:>9,.0f} /s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
