"""Bulk inserts store rows exactly as SQLAlchemy's own insert does, and hand back their keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text, update

from paymatch.core.store import Store, bulk
from paymatch.core.store.schema import notifications

row = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["payment_information", "überzahlung"]),
        "recipient": st.sampled_from(["customer", "merchant"]),
        "order_pk": st.none(),
        "posting_id": st.none(),
        "data": st.dictionaries(
            st.text(max_size=5),
            st.none() | st.integers() | st.text(max_size=8) | st.lists(st.booleans()),
            max_size=3,
        ),
        "created_at": st.datetimes(min_value=datetime(1990, 1, 1)),
        "status": st.just("pending"),
        "delivered_at": st.none() | st.datetimes(min_value=datetime(1990, 1, 1)),
    }
)
rows = st.lists(row, min_size=1, max_size=8)


def _stored(store: Store, ids: list[int]) -> tuple[list[Any], list[Any]]:
    """The rows as SQLAlchemy reads them, and as the database holds them (raw)."""
    columns = [c for c in notifications.c if c.name != "id"]
    names = ", ".join(c.name for c in columns)
    with store.reading() as conn:
        typed = [
            tuple(conn.execute(select(*columns).where(notifications.c.id == i)).one()) for i in ids
        ]
        raw = [
            tuple(
                conn.execute(
                    text(f"SELECT {names} FROM notifications WHERE id = :i"), {"i": i}
                ).one()
            )
            for i in ids
        ]
    return typed, raw


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows)
def test_bulk_insert_stores_what_sqlalchemy_stores(
    store_url: str, batch: list[dict[str, Any]]
) -> None:
    with Store.open(store_url) as store:
        with store.transaction() as conn:
            ids = bulk.insert_rows_returning_ids(conn, notifications, batch)
            plain = [
                conn.execute(
                    insert(notifications).values(row).returning(notifications.c.id)
                ).scalar_one()
                for row in batch
            ]
        assert len(set(ids + plain)) == 2 * len(batch)
        assert _stored(store, ids) == _stored(store, plain)
        with store.transaction() as conn:
            bulk.insert_rows(conn, notifications, batch)
            last = conn.execute(select(notifications.c.id).order_by(notifications.c.id.desc()))
            newest = sorted(last.scalars().all()[: len(batch)])
        assert _stored(store, newest)[0] == _stored(store, plain)[0]


def test_keys_continue_after_the_stored_ones_and_roll_back_with_the_transaction(
    store_url: str,
) -> None:
    row = {
        "kind": "k",
        "recipient": "merchant",
        "order_pk": None,
        "posting_id": None,
        "data": {},
        "created_at": datetime(2026, 1, 1),
        "status": "pending",
        "delivered_at": None,
    }
    with Store.open(store_url) as store:
        with store.transaction() as conn:
            first = bulk.insert_rows_returning_ids(conn, notifications, [row, row])
        try:
            with store.transaction() as conn:
                bulk.insert_rows_returning_ids(conn, notifications, [row] * 3)
                raise RuntimeError("crash")
        except RuntimeError:
            pass
        with store.transaction() as conn:
            second = bulk.insert_rows_returning_ids(conn, notifications, [row])
        with store.reading() as conn:
            stored = conn.execute(select(notifications.c.id).order_by(notifications.c.id))
            assert stored.scalars().all() == first + second
        assert len(first) == 2
        assert second[0] > first[1]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows, st.data())
def test_bulk_update_stores_what_sqlalchemy_stores(
    store_url: str, batch: list[dict[str, Any]], data: st.DataObject
) -> None:
    changes = data.draw(st.lists(row, min_size=len(batch), max_size=len(batch)))
    columns = ["kind", "data", "created_at", "delivered_at"]
    with Store.open(store_url) as store:
        with store.transaction() as conn:
            fast = bulk.insert_rows_returning_ids(conn, notifications, batch)
            slow = bulk.insert_rows_returning_ids(conn, notifications, batch)
            bulk.update_rows(
                conn,
                notifications,
                columns,
                [
                    {"_id": i, **{c: new[c] for c in columns}}
                    for i, new in zip(fast, changes, strict=True)
                ],
            )
            for i, new in zip(slow, changes, strict=True):
                conn.execute(
                    update(notifications)
                    .where(notifications.c.id == i)
                    .values({c: new[c] for c in columns})
                )
        assert _stored(store, fast) == _stored(store, slow)
