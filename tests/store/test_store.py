from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError

from paymatch.core.errors import ConfigError
from paymatch.core.store import Store
from paymatch.core.store import outbox as ob
from paymatch.core.store.engine import create_store_engine, current_revision, head_revision
from paymatch.core.store.schema import metadata, order_events, outbox

NOW = datetime(2026, 11, 2, 9, 0)


def test_open_applies_migrations_and_matches_the_tables(store_url: str) -> None:
    with Store.open(store_url) as store:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert set(inspect(store.engine).get_table_names()) >= set(metadata.tables)
    # Opening again is a no-op, and the schema is current without migrating.
    Store.open(store_url, migrate=False).close()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'x.db'}") as store, store.reading() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 50_000


def test_unmigrated_store_is_refused_without_migrate(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    create_store_engine(url).dispose()
    with pytest.raises(ConfigError, match="not current"):
        Store.open(url, migrate=False)


def test_unsupported_database_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unsupported database"):
        Store.open("mysql://localhost/x")


def test_ledger_counter_rises_and_rolls_back(store_url: str) -> None:
    with Store.open(store_url) as store:
        before = store.ledger_seq()
        with store.ledger() as ledger:
            assert ledger.seq == before + 1
        assert store.ledger_seq() == before + 1
        with pytest.raises(RuntimeError), store.ledger():
            raise RuntimeError("boom")
        assert store.ledger_seq() == before + 1


def test_outbox_enqueue_is_idempotent_and_claims_are_exclusive(store_url: str) -> None:
    with Store.open(store_url) as store:
        with store.transaction() as conn:
            for n in range(3):
                assert ob.enqueue(
                    conn,
                    kind="write",
                    key=f"k{n}",
                    payload={"n": n},
                    now=NOW,
                    deadline=NOW + timedelta(days=7),
                )
            assert not ob.enqueue(conn, kind="write", key="k1", payload={}, now=NOW, deadline=NOW)
        lease = timedelta(minutes=5)
        first = ob.claim(store, worker="a", now=NOW, lease=lease, limit=2)
        second = ob.claim(store, worker="b", now=NOW, lease=lease, limit=10)
        assert [i.payload["n"] for i in first] == [0, 1]
        assert [i.payload["n"] for i in second] == [2]
        assert ob.claim(store, worker="c", now=NOW, lease=lease) == []
        # a lease that ran out may be claimed again; the old holder can no longer complete
        third = ob.claim(store, worker="c", now=NOW + lease + timedelta(seconds=1), lease=lease)
        assert {i.payload["n"] for i in third} == {0, 1, 2}
        with store.transaction() as conn:
            assert not ob.complete(conn, first[0], worker="a", outcome="written", now=NOW)
            assert ob.complete(conn, third[0], worker="c", outcome="written", now=NOW)
            assert ob.retry_later(
                conn, third[1], worker="c", error="503", at=NOW + timedelta(hours=1)
            )
        assert ob.release(store, "c") == 1
        later = ob.claim(store, worker="d", now=NOW + timedelta(hours=2), lease=lease)
        assert sorted(i.payload["n"] for i in later) == [1, 2]
        assert all(i.attempts == 3 for i in later if i.payload["n"] == 1)
        with store.reading() as conn:
            done = ob.items(conn, status=ob.DONE)
            assert [(i.payload["n"], i.outcome) for i in done] == [(0, "written")]
            assert (
                conn.execute(select(outbox.c.last_error).where(outbox.c.key == "k1")).scalar()
                == "503"
            )


def test_foreign_keys_are_enforced(store_url: str) -> None:
    with Store.open(store_url) as store, pytest.raises(IntegrityError), store.transaction() as conn:
        conn.execute(
            insert(order_events).values(
                order_pk=999, at=NOW, event="x", state_after="open", actor="t", details={}
            )
        )
