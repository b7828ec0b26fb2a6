"""The outbox: work that must reach the outside world exactly once, surviving crashes.

An item is queued in the same transaction as the change that makes it due (an order becoming
paid queues its write-back), under an idempotency ``key`` so that the same work is never queued
twice. Workers *claim* due items in a short transaction: PostgreSQL skips rows another worker has
locked (``FOR UPDATE SKIP LOCKED``), SQLite has a single writer anyway. The claim is a lease until
``claimed_until``: a worker that dies leaves its items to be claimed again once the lease ends,
or at once when it restarts under the same worker id (:func:`release`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, RowMapping

from paymatch.core.store.codec import utc
from paymatch.core.store.schema import outbox
from paymatch.core.store.store import Store

PENDING = "pending"
DONE = "done"
EXPIRED = "expired"
"""Retried until the deadline passed."""
FAILED = "failed"
"""Refused for good (a final connector error): not retried."""


class OutboxItem(BaseModel):
    """One piece of queued work, as the store holds it."""

    model_config = ConfigDict(frozen=True)

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    deadline: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None
    outcome: str | None
    done_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> OutboxItem:
        return cls.model_validate(dict(row))


def enqueue(
    conn: Connection,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
    deadline: datetime,
) -> bool:
    """Queue work under ``key`` unless it was queued before; True when it is new."""
    values = {
        "kind": kind,
        "key": key,
        "payload": payload,
        "status": PENDING,
        "attempts": 0,
        "created_at": utc(now),
        "next_attempt_at": utc(now),
        "deadline": utc(deadline),
    }
    if conn.dialect.name == "postgresql":
        statement: Any = (
            pg_insert(outbox).values(values).on_conflict_do_nothing(index_elements=["key"])
        )
    elif conn.dialect.name == "sqlite":
        statement = (
            sqlite_insert(outbox).values(values).on_conflict_do_nothing(index_elements=["key"])
        )
    else:  # pragma: no cover - Store only opens the two
        statement = insert(outbox).values(values)
    return conn.execute(statement.returning(outbox.c.id)).first() is not None


def claim(
    store: Store,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int = 50,
    kinds: tuple[str, ...] | None = None,
) -> list[OutboxItem]:
    """Claim up to ``limit`` due items for ``worker``; no other worker gets them meanwhile."""
    moment = utc(now)
    due = (
        select(outbox.c.id)
        .where(
            outbox.c.status == PENDING,
            outbox.c.next_attempt_at <= moment,
            or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < moment),
        )
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if kinds is not None:
        due = due.where(outbox.c.kind.in_(kinds))
    with store.transaction() as conn:
        rows = conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(due.scalar_subquery()))
            .values(
                claimed_by=worker,
                claimed_until=moment + lease,
                attempts=outbox.c.attempts + 1,
            )
            .returning(*outbox.c)
        ).mappings()
        items = [OutboxItem.from_row(row) for row in rows]
    return sorted(items, key=lambda item: (item.next_attempt_at, item.id))


def _mine(item_id: int, worker: str) -> Any:
    return and_(outbox.c.id == item_id, outbox.c.claimed_by == worker, outbox.c.status == PENDING)


def complete(
    conn: Connection, item: OutboxItem, *, worker: str, outcome: str, now: datetime
) -> bool:
    """Record that ``item`` is done; False if the claim was lost (another worker took over)."""
    result = conn.execute(
        update(outbox)
        .where(_mine(item.id, worker))
        .values(status=DONE, outcome=outcome, done_at=utc(now), claimed_until=None)
    )
    return bool(result.rowcount)


def retry_later(
    conn: Connection, item: OutboxItem, *, worker: str, error: str, at: datetime
) -> bool:
    """Record a failed attempt; the item is due again at ``at``."""
    result = conn.execute(
        update(outbox)
        .where(_mine(item.id, worker))
        .values(
            last_error=error[:2000], next_attempt_at=utc(at), claimed_by=None, claimed_until=None
        )
    )
    return bool(result.rowcount)


def give_up(
    conn: Connection,
    item: OutboxItem,
    *,
    worker: str,
    error: str,
    now: datetime,
    status: str = EXPIRED,
) -> bool:
    """Stop trying: the deadline passed (``EXPIRED``) or trying again cannot help (``FAILED``).
    The caller tells the merchant."""
    result = conn.execute(
        update(outbox)
        .where(_mine(item.id, worker))
        .values(
            status=status,
            outcome=status,
            last_error=error[:2000],
            done_at=utc(now),
            claimed_until=None,
        )
    )
    return bool(result.rowcount)


def release(store: Store, worker: str) -> int:
    """Give back every claim of ``worker`` (it restarted, so it holds nothing any more)."""
    with store.transaction() as conn:
        result = conn.execute(
            update(outbox)
            .where(outbox.c.claimed_by == worker, outbox.c.status == PENDING)
            .values(claimed_by=None, claimed_until=None)
        )
        return int(result.rowcount)


def items(
    conn: Connection, *, status: str | None = None, kind: str | None = None
) -> list[OutboxItem]:
    query = select(outbox).order_by(outbox.c.id)
    if status is not None:
        query = query.where(outbox.c.status == status)
    if kind is not None:
        query = query.where(outbox.c.kind == kind)
    return [OutboxItem.from_row(row) for row in conn.execute(query).mappings()]
