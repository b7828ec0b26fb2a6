"""Hypothesis: whatever mix of imports and manual work, the ledger stays consistent."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conftest_helpers import order, posting
from doubles import FakeLifecycle, FakeMatcher
from paymatch.connectors.memory import MemorySource
from paymatch.core.clock import FixedClock
from paymatch.core.errors import InputError
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import config_from_dict
from paymatch.core.store import Store
from paymatch.core.store.schema import assignments, orders, postings

from .conftest import START

ORDERS = 4
amounts = st.integers(min_value=1, max_value=9000).map(lambda c: Decimal(c) / 100)
operation = st.one_of(
    st.tuples(st.just("import"), st.integers(0, 11), st.integers(0, ORDERS - 1), amounts),
    st.tuples(
        st.just("assign"), st.integers(0, 11), st.integers(0, ORDERS - 1), st.none() | amounts
    ),
    st.tuples(st.just("unassign"), st.integers(0, 11)),
    st.tuples(st.just("ignore"), st.integers(0, 11)),
)


def _check(store: Store) -> None:
    active = assignments.c.unassigned_at.is_(None)
    with store.reading() as conn:
        per_posting = dict(
            conn.execute(
                select(assignments.c.posting_id, func.sum(assignments.c.amount_minor))
                .where(active)
                .group_by(assignments.c.posting_id)
            ).all()
        )
        for pid, amount, assigned, status in conn.execute(
            select(
                postings.c.id, postings.c.amount_minor, postings.c.assigned_minor, postings.c.status
            )
        ):
            assert assigned == per_posting.get(pid, 0)
            assert 0 <= assigned <= amount
            assert (status in ("assigned", "partial")) == (assigned > 0)
        per_order = dict(
            conn.execute(
                select(assignments.c.order_pk, func.sum(assignments.c.amount_minor))
                .where(active)
                .group_by(assignments.c.order_pk)
            ).all()
        )
        for pk, amount, paid, state in conn.execute(
            select(orders.c.id, orders.c.amount_minor, orders.c.paid_minor, orders.c.state)
        ):
            assert paid == per_order.get(pk, 0)
            assert (state == "paid") == (paid >= amount)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=25))
def test_ledger_stays_consistent(ops: list[tuple]) -> None:
    source = MemorySource([order(str(n), str(10000 + n), "50.00") for n in range(ORDERS)])
    store = Store.open("sqlite://")
    reconciler = Reconciler(
        store,
        config=config_from_dict({"sources": {"shop": {"connector": "memory"}}}),
        sources={"shop": source},
        matcher=FakeMatcher(),
        lifecycle=FakeLifecycle(),
        clock=FixedClock(START),
        worker_id="h",
    )
    reconciler.connect_source("shop")
    for op in ops:
        try:
            if op[0] == "import":
                _, p, o, amount = op
                reconciler.import_postings([posting(f"p{p}", f"pay {10000 + o}", str(amount))])
            elif op[0] == "assign":
                _, p, o, amount = op
                reconciler.assign(f"p{p}", str(o), None if amount is None else str(amount), by="h")
            elif op[0] == "unassign":
                reconciler.unassign(f"p{op[1]}", by="h", reason="test")
            else:
                reconciler.ignore(f"p{op[1]}", by="h", reason="test")
        except InputError:
            pass  # refused, and (checked below) nothing changed half-way
        _check(store)
    reconciler.tick()
    _check(store)
    reconciler.close()
