"""The Reconciler with paymatch's own matcher and lifecycle decides as the matcher in memory does.

The store builds its match index straight from the stored order documents (no ``Order`` models);
this checks that the decisions are the same as those of ``Matcher().index(orders)``.
"""

from __future__ import annotations

import gc
import random
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from conftest_helpers import order, posting
from doubles import FakeLifecycle, FakeMatcher
from paymatch.connectors.memory import MemorySource
from paymatch.core import reconciler as reconciler_module
from paymatch.core.clock import FixedClock
from paymatch.core.errors import PaymatchError
from paymatch.core.ledger import order_row
from paymatch.core.lifecycle_adapter import StoreLifecycle
from paymatch.core.matcher import Matcher
from paymatch.core.models import Decision, Order, PaymentCode, Posting
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import config_from_dict
from paymatch.core.store import Store, schema
from paymatch.rules import payment_reference

NOW = datetime(2026, 11, 11, tzinfo=UTC)
NAMES = ["Jana Müller", "Peter Schmidt", "Anna Weber", "Lukas Becker", "Eva Koch"]


def _shop(seed: int) -> tuple[list[Order], list[Posting]]:
    rng = random.Random(seed)
    orders = [
        Order(
            id=f"o{n}",
            source="shop",
            number=str(20000 + n),
            customer_number=f"K{n % 7}",
            customer_name=rng.choice(NAMES),
            email=f"c{n % 5}@example.org" if n % 3 else None,
            amount=Decimal(rng.choice([1990, 2500, 4990, 12000])) / 100,
            currency="EUR",
            payment_code=rng.choice(list(PaymentCode)),
            status="open",
            created_at=datetime(2026, 11, 1, 9, 0),
            known_ibans=("DE89370400440532013000",) if n % 4 == 0 else (),
        )
        for n in range(60)
    ]
    postings = []
    for n in range(40):
        order = rng.choice(orders)
        text = rng.choice(
            [f"Bestellung {order.number}", order.customer_name or "", "Danke", f"@{order.id}@"]
        )
        amount = rng.choice([order.amount, order.amount / 2, Decimal("25.00")])
        postings.append(
            Posting(
                id=f"p{n:03d}",
                account_iban="DE02120300000000202051",
                booking_date="2026-11-10",
                amount=amount.quantize(Decimal("0.01")),
                currency="EUR",
                counterparty_name=rng.choice([order.customer_name, "Someone Else"]),
                counterparty_iban=rng.choice([None, "DE89370400440532013000"]),
                remittance=text,
            )
        )
    return orders, postings


def _outline(decision: Decision, names: dict[str, str] | None = None) -> Any:
    def name(key: str) -> str:
        return names[key] if names else key

    return (
        decision.posting_id,
        str(decision.decision),
        [(name(a.order_id), a.amount) for a in decision.assignments],
        [name(c.order_id) for c in decision.candidates],
        decision.reason,
    )


def _accounted_reconciler(store_url: str) -> Reconciler:
    """paymatch's own matcher and lifecycle on one in-memory source and one bank account; the
    clock before the orders arrive (see :func:`_take_in`)."""
    config = config_from_dict(
        {
            "sources": {"shop": {"connector": "memory"}},
            "accounts": [{"iban": "DE02120300000000202051", "currency": "EUR"}],
        }
    )
    return Reconciler(
        Store.open(store_url),
        config=config,
        sources={"shop": MemorySource()},
        matcher=Matcher(),
        lifecycle=StoreLifecycle(),
        clock=FixedClock(datetime(2026, 10, 1, tzinfo=UTC)),
        worker_id="test",
    )


def _take_in(
    reconciler: Reconciler, orders: list[Order], postings: list[Posting]
) -> tuple[dict[str, int], dict[str, str], list[Posting]]:
    """Connect the source and push ``orders``; then the clock is at NOW. Returns each order's
    store key, its payment reference, and ``postings`` with the ``@order@`` placeholders
    replaced by the reference (paymatch issues each order one; some payers quote it)."""
    reconciler.connect_source("shop")
    reconciler.sync_engine.receive(
        "shop", reconciler.mapping("shop"), list(orders), now=NOW, mode="push"
    )
    with reconciler.store.reading() as conn:
        keys = dict(conn.execute(select(schema.orders.c.order_id, schema.orders.c.id)).all())
    references = {o.id: payment_reference.generate(keys[o.id]) for o in orders}
    quoting = [
        p.model_copy(
            update={"remittance": re.sub(r"@(\w+)@", lambda m: references[m[1]], p.remittance)}
        )
        for p in postings
    ]
    reconciler.clock = FixedClock(NOW)
    return keys, references, quoting


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_store_decisions_equal_in_memory_decisions(store_url: str, seed: int) -> None:
    orders, postings = _shop(seed)
    reconciler = _accounted_reconciler(store_url)
    try:
        keys, references, postings = _take_in(reconciler, orders, postings)
        report = reconciler.import_postings(postings, keep_decisions=len(postings))
    finally:
        reconciler.close()
    # In memory under the store's keys: ties between candidates are broken by the key.
    index = Matcher().index(
        o.model_copy(update={"id": str(keys[o.id]), "payment_reference": references[o.id]})
        for o in orders
    )
    names = {str(pk): order_id for order_id, pk in keys.items()}
    expected = [_outline(index.match(p), names) for p in postings]
    assert [_outline(d) for d in report.decisions] == expected
    assert report.assigned + report.partial > 0
    assert report.suggested > 0


class _RefusingLifecycle(FakeLifecycle):
    """Refuses every payment for an order of 13.00 (as a state that takes none would)."""

    def apply(self, snapshot: Any, event: str, **kwargs: Any) -> Any:
        if event == "payment_assigned" and snapshot["amount"] == "13.00":
            raise PaymatchError("this order takes no payment")
        return super().apply(snapshot, event, **kwargs)


def test_a_refused_assignment_rebuilds_the_index_after_its_chunk_only(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One posting per step: postings after the refusal are matched after it was applied.
    monkeypatch.setattr(reconciler_module, "MATCH_STEP", 1)
    matcher = FakeMatcher()
    source = MemorySource()
    reconciler = Reconciler(
        Store.open(store_url),
        config=config_from_dict({"sources": {"shop": {"connector": "memory"}}}),
        sources={"shop": source},
        matcher=matcher,
        lifecycle=_RefusingLifecycle(),
        clock=FixedClock(NOW),
        worker_id="test",
    )
    try:
        reconciler.connect_source("shop")
        for item in (order("A", "10001", "13.00"), order("B", "10002", "20.00")):
            source.put(item.model_copy(update={"created_at": datetime(2026, 11, 12)}))
            reconciler.receive_order("shop", source.orders[item.id])
        reconciler.import_postings(
            [
                posting("p1", "10001", "13.00"),
                posting("p2", "10001", "13.00"),
                posting("p3", "10002", "20.00"),
            ]
        )
        # The index still counts A as paid by the refused share until the chunk is committed:
        # p2 finds no open order instead of one the unflushed chunk has not paid.
        statuses = [reconciler.posting(p).status for p in ("p1", "p2", "p3")]
        assert statuses == ["suggested", "unmatched", "assigned"]
        assert "automatic assignment refused" in (reconciler.posting("p1").reason or "")
        assert matcher.builds == 1
        reconciler.import_postings([posting("p4", "10001", "13.00")])
        assert matcher.builds == 2  # rebuilt from the store: A is open again
        assert "automatic assignment refused" in (reconciler.posting("p4").reason or "")
        assert [a.order_id for a in reconciler.assignments()] == ["B"]
    finally:
        reconciler.close()


def _shop_reconciler(store_url: str) -> Reconciler:
    """paymatch's own matcher and lifecycle on one in-memory source, clock at NOW."""
    return Reconciler(
        Store.open(store_url),
        config=config_from_dict({"sources": {"shop": {"connector": "memory"}}}),
        sources={"shop": MemorySource()},
        matcher=Matcher(),
        lifecycle=StoreLifecycle(),
        clock=FixedClock(NOW),
        worker_id="test",
    )


def test_matching_thaws_the_heap_it_froze_also_on_error(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders, postings = _shop(1)
    reconciler = _shop_reconciler(store_url)
    frozen_while_matching = []
    real_apply = reconciler_module.Reconciler._apply_decision

    def watching(self: Reconciler, *args: Any) -> str:
        frozen_while_matching.append(gc.get_freeze_count())
        return real_apply(self, *args)

    monkeypatch.setattr(reconciler_module.Reconciler, "_apply_decision", watching)
    try:
        reconciler.connect_source("shop")
        reconciler.sync_engine.receive(
            "shop", reconciler.mapping("shop"), orders, now=NOW, mode="push"
        )
        reconciler.import_postings(postings[:20])
        assert frozen_while_matching
        assert min(frozen_while_matching) > 0
        assert gc.get_freeze_count() == 0

        def failing(self: Reconciler, *args: Any) -> str:
            assert gc.get_freeze_count() > 0
            raise RuntimeError("crash while matching")

        monkeypatch.setattr(reconciler_module.Reconciler, "_apply_decision", failing)
        with pytest.raises(RuntimeError):
            reconciler.import_postings(postings[20:])
        assert gc.get_freeze_count() == 0
    finally:
        reconciler.close()


def test_order_rows_loaded_for_matching_equal_the_rows_read_one_by_one(store_url: str) -> None:
    orders, postings = _shop(2)
    reconciler = _shop_reconciler(store_url)
    try:
        reconciler.connect_source("shop")
        reconciler.sync_engine.receive(
            "shop", reconciler.mapping("shop"), orders, now=NOW, mode="push"
        )
        reconciler.import_postings(postings)  # some orders paid: lifecycle snapshots with payments
        with reconciler.store.ledger() as ledger:
            pks = list(ledger.conn.execute(select(schema.orders.c.id)).scalars())
            batch = reconciler.writer.batch(ledger, NOW)
            batch.load_orders(pks)
            for pk in pks:
                assert batch.orders[pk] == dict(order_row(ledger.conn, pk))
    finally:
        reconciler.close()


def _import_and_dump(url: str, seed: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table after an intake and an import on the store at ``url``."""
    orders, postings = _shop(seed)
    reconciler = _accounted_reconciler(url)
    try:
        _, _, postings = _take_in(reconciler, orders, postings)
        reconciler.import_postings(postings[:25], name="first")
        reconciler.import_postings(postings[15:], name="second")  # ten known again
        with reconciler.store.reading() as conn:
            return {
                table.name: [
                    tuple(row)
                    for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in schema.metadata.sorted_tables
            }
    finally:
        reconciler.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_an_import_stores_the_same_rows_on_sqlite_and_postgresql(
    tmp_path: Any, postgres_url: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # several chunks and steps, so that the writes of one are read back by the next
    monkeypatch.setattr(reconciler_module, "MATCH_CHUNK", 7)
    monkeypatch.setattr(reconciler_module, "MATCH_STEP", 3)
    on_sqlite = _import_and_dump(f"sqlite:///{tmp_path / 'store.db'}", seed)
    on_postgresql = _import_and_dump(postgres_url, seed)
    assert on_sqlite["assignments"]
    assert on_sqlite["review_items"]
    assert on_sqlite["outbox"]
    for name, rows in on_sqlite.items():
        assert on_postgresql[name] == rows, name
