"""Streamed reads give exactly the rows of a plain query; "key among these" selects like IN."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, TypeDecorator, cast, select, type_coerce

from paymatch.core.store import Store, bulk, reading
from paymatch.core.store.schema import notifications

_COLUMNS = (
    notifications.c.id,
    notifications.c.kind,
    notifications.c.order_pk,
    cast(notifications.c.data, Text).label("data"),
)


def _fill(conn: Any, kinds: list[str]) -> list[int]:
    rows = [
        {
            "kind": kind,
            "recipient": "merchant",
            "order_pk": None,
            "posting_id": None,
            "data": {"n": n, "text": kind},
            "created_at": datetime(2026, 11, 1),
            "status": "pending",
        }
        for n, kind in enumerate(kinds)
    ]
    return bulk.insert_rows_returning_ids(conn, notifications, rows)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(st.sampled_from(["notice", "überzahlung", "x"]), max_size=40),
    batch=st.integers(min_value=1, max_value=7),
    wanted=st.sets(st.sampled_from(["notice", "überzahlung", "x"])),
)
def test_streamed_rows_are_the_rows_of_the_query(
    store_url: str, kinds: list[str], batch: int, wanted: set[str]
) -> None:
    with Store.open(store_url) as store, store.transaction() as conn:
        _fill(conn, kinds)  # not committed: the stream reads inside the same transaction
        query = (
            select(*_COLUMNS)
            .where(notifications.c.kind.in_(sorted(wanted)))
            .order_by(notifications.c.id)
        )
        expected = [tuple(row) for row in conn.execute(query)]
        with reading.stream_rows(conn, query, batch) as rows:
            assert list(rows) == expected
        conn.rollback()


def _fail_while_streaming(store: Store, query: Any) -> None:
    with store.transaction() as conn, reading.stream_rows(conn, query, 10) as rows:
        for _row in rows:
            raise RuntimeError("indexing failed")


def test_a_stream_closed_half_way_leaves_the_transaction_usable(store_url: str) -> None:
    with Store.open(store_url) as store:
        with store.transaction() as conn:
            ids = _fill(conn, ["notice"] * 50)
        with store.transaction() as conn:
            query = select(*_COLUMNS).order_by(notifications.c.id)
            with reading.stream_rows(conn, query, 10) as rows:
                assert next(rows)[0] == ids[0]
            count = conn.execute(select(notifications.c.id)).all()
            assert len(count) == len(ids)
        with pytest.raises(RuntimeError, match="indexing failed"):
            _fail_while_streaming(store, query)
        with store.reading() as conn:  # the failed transaction rolled back cleanly
            assert len(conn.execute(select(notifications.c.id)).all()) == len(ids)


class _Upper(TypeDecorator[str]):
    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> str:
        return str(value).upper()


def test_columns_converted_on_reading_are_refused(store_url: str) -> None:
    with Store.open(store_url) as store, store.reading() as conn:
        query = select(notifications.c.id, type_coerce(notifications.c.kind, _Upper).label("k"))
        with pytest.raises(TypeError, match="column k"), reading.stream_rows(conn, query, 10):
            pass


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(min_value=0, max_value=30), picks=st.lists(st.integers(0, 40)))
def test_key_in_selects_what_in_selects(store_url: str, size: int, picks: list[int]) -> None:
    with Store.open(store_url) as store, store.transaction() as conn:
        ids = _fill(conn, ["notice"] * size)
        keys = [ids[0] + p for p in picks] if ids else picks  # some beyond the stored ones
        found = conn.execute(
            select(notifications.c.id).where(reading.key_in(conn, notifications.c.id, keys))
        )
        plain = conn.execute(select(notifications.c.id).where(notifications.c.id.in_(keys)))
        assert sorted(found.scalars()) == sorted(plain.scalars())
        texts = [f"x{p}" for p in picks]
        found = conn.execute(
            select(notifications.c.id).where(reading.key_in(conn, notifications.c.kind, texts))
        )
        assert found.all() == []
        conn.rollback()


def test_without_chunked_streaming_a_server_side_cursor_reads_the_same_rows(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # psycopg before 3.2, or a libpq before 17
    with Store.open(store_url) as store, store.transaction() as conn:
        _fill(conn, ["notice", "x", "überzahlung"] * 9)
        query = select(*_COLUMNS).order_by(notifications.c.id)
        with reading.stream_rows(conn, query, 4) as rows:
            streamed = list(rows)
        monkeypatch.setattr(reading, "_chunked_streaming", lambda: False)
        with reading.stream_rows(conn, query, 4) as rows:
            assert list(rows) == streamed
        assert len(streamed) == 27
