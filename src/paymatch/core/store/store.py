"""The Store: the system of record. Opening, transactions and the ledger lock.

What is stored where is in :mod:`.schema`; the queries live next to the code that needs them
(:mod:`.outbox` here, the reconciler's modules in ``paymatch.core``). This class only hands out
transactions with the right locking, so that every writer follows the same protocol.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import Connection

from paymatch.core.errors import ConfigError
from paymatch.core.store import engine as engines
from paymatch.core.store.schema import locks

LEDGER = "ledger"


class Ledger:
    """A transaction that holds the ledger lock; ``seq`` stamps every order changed in it."""

    __slots__ = ("conn", "seq")

    def __init__(self, conn: Connection, seq: int) -> None:
        self.conn = conn
        self.seq = seq


class Store:
    """Durable state of paymatch on SQLite (embedded default) or PostgreSQL (production)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, echo: bool = False) -> Self:
        """Open the store at ``url``, creating it or applying pending migrations first.

        ``sqlite:///path/file.db`` is the embedded default, ``postgresql+psycopg://…`` the
        production store. With ``migrate=False`` a store whose schema is not current is an error.
        """
        engine = engines.create_store_engine(url, echo=echo)
        if migrate:
            engines.upgrade(engine)
        elif engines.current_revision(engine) != engines.head_revision():
            engine.dispose()
            raise ConfigError(
                "the store's schema is not current; open it with migrate=True",
                field="store.url",
            )
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A writing transaction: committed when the block ends, rolled back on an exception."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction (on SQLite it does not take the write lock)."""
        with (
            self.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        """A writing transaction under the ledger lock (docs/guide.md, "One ledger lock").

        Raising the change counter takes the lock row for the rest of the transaction, so two
        ledger transactions never interleave, on PostgreSQL as on SQLite.
        """
        with self.engine.begin() as conn:
            seq = conn.execute(
                update(locks)
                .where(locks.c.name == LEDGER)
                .values(seq=locks.c.seq + 1)
                .returning(locks.c.seq)
            ).scalar_one()
            yield Ledger(conn, seq)

    def ledger_seq(self, conn: Connection | None = None) -> int:
        """The change counter as last committed."""
        query = select(locks.c.seq).where(locks.c.name == LEDGER)
        if conn is not None:
            return int(conn.execute(query).scalar_one())
        with self.reading() as reader:
            return int(reader.execute(query).scalar_one())
