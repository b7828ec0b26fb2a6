"""Invariants the store must hold after crashes and concurrent workers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from workload import Workload

from paymatch.core.store import Store
from paymatch.core.store.schema import assignments, orders, outbox, postings


def check_invariants(url: str, workload: Workload) -> None:
    store = Store.open(url)
    try:
        with store.reading() as conn:
            ids = list(conn.execute(select(postings.c.id)).scalars())
            assert len(ids) == len(set(ids)) == workload.postings, "postings lost or duplicated"
            active = assignments.c.unassigned_at.is_(None)
            per_posting = dict(
                conn.execute(
                    select(assignments.c.posting_id, func.sum(assignments.c.amount_minor))
                    .where(active)
                    .group_by(assignments.c.posting_id)
                ).all()
            )
            for pid, amount, assigned in conn.execute(
                select(postings.c.id, postings.c.amount_minor, postings.c.assigned_minor)
            ):
                assert assigned == per_posting.get(pid, 0), f"posting {pid} out of step"
                assert assigned <= amount, f"posting {pid} assigned beyond its amount"
            pairs = Counter(
                conn.execute(
                    select(assignments.c.posting_id, assignments.c.order_pk).where(active)
                ).all()
            )
            assert max(pairs.values(), default=1) == 1, "a posting assigned twice to an order"
            per_order = dict(
                conn.execute(
                    select(assignments.c.order_pk, func.sum(assignments.c.amount_minor))
                    .where(active)
                    .group_by(assignments.c.order_pk)
                ).all()
            )
            paid_orders = set()
            for pk, order_id, amount, paid, state in conn.execute(
                select(
                    orders.c.id,
                    orders.c.order_id,
                    orders.c.amount_minor,
                    orders.c.paid_minor,
                    orders.c.state,
                )
            ):
                assert paid == per_order.get(pk, 0), f"order {order_id} out of step"
                assert paid <= amount, f"order {order_id} paid beyond its amount"
                expected = workload.expected_paid.get(order_id)
                assert paid == (int(expected * 100) if expected else 0), order_id
                if state == "paid":
                    paid_orders.add(order_id)
            pending = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status != "done")
            ).scalar_one()
            assert pending == 0, "outbox work left undone"
    finally:
        store.close()
    sidecar = Path(str(workload.orders) + ".status.jsonl")
    written = Counter(
        json.loads(line)["order_id"] for line in sidecar.read_text().splitlines() if line.strip()
    )
    assert set(written) == paid_orders, "write-backs missing or for unpaid orders"
    assert set(written.values()) == {1}, f"written more than once: {written.most_common(3)}"
