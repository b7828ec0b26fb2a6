"""Order rows, assignments and lifecycle events, written under the ledger lock.

A :class:`LedgerBatch` is the unit of work of one ledger transaction. It loads the order and
posting rows it touches once, applies lifecycle events to them in memory, and collects every
write (assignments, order updates, events, notifications, outbox items, posting updates, review
items) to send them in bulk when it is flushed, just before the transaction commits. Nothing is
written before the lifecycle accepted an event, so a refused event leaves nothing behind; and a
:meth:`checkpoint` lets a caller take back a group of steps (one posting's shares, one order of
a batch) when a later one is refused.

When the transaction commits: an order's ``paid_minor`` is the sum of its active assignments, a
posting's ``assigned_minor`` likewise, every lifecycle step is in ``order_events`` and every effect
of it is in the outbox (or ``notifications``) of the same transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import attrs
from sqlalchemy import Text, bindparam, cast, insert, select, tuple_, update
from sqlalchemy.engine import Connection, RowMapping

from paymatch.core.models import Order
from paymatch.core.ports import Effect, JsonDocument, LifecyclePort, OrderFacts, Step
from paymatch.core.settings import Schedules
from paymatch.core.store import Ledger, bulk, reading
from paymatch.core.store import outbox as outbox_queue
from paymatch.core.store.codec import (
    content_hash,
    load_order_document,
    minor,
    money,
    order_document,
    utc,
)
from paymatch.core.store.schema import (
    assignments,
    notifications,
    order_events,
    orders,
    outbox,
    payer_history,
    postings,
    review_items,
)
from paymatch.rules import payment_reference

WRITE_STATUS = "write_status"
NOTIFY = "notify"
_CHUNK = 5000

_ORDER_STATE = (
    "paid_minor",
    "state",
    "dunning_level",
    "lifecycle",
    "updated_at",
    "state_changed_at",
    "next_due_at",
    "seq",
)
"""What lifecycle steps and assignments change; the content columns change only with the source."""
_ORDER_CONTENT = ("number", "currency", "amount_minor", "payment_code", "content_hash", "data")
_POSTING_UPDATE = ("assigned_minor", "status", "reason", "decided_at")


def facts(order: Order, source: str) -> OrderFacts:
    return OrderFacts(
        amount=order.amount,
        currency=order.currency,
        payment_code=order.payment_code,
        created_at=order.created_at,
        due_date=order.due_date,
        source=source,
    )


def order_row(conn: Connection, pk: int) -> RowMapping:
    return conn.execute(select(orders).where(orders.c.id == pk)).mappings().one()


def stored_order(row: Any) -> Order:
    return Order.model_validate(with_payment_reference(row["data"], row["id"]))


def with_payment_reference(data: Mapping[str, Any], pk: int) -> Mapping[str, Any]:
    """The order document with paymatch's own payment reference where the source gave none:
    ``payment_reference.generate`` of the order's row id, so it is unique in the store, issued
    without a write, and the same for the matcher and for the messages that quote it."""
    if data.get("payment_reference"):
        return data
    return {**data, "payment_reference": order_payment_reference(data, pk)}


def order_payment_reference(data: Mapping[str, Any], pk: int) -> str:
    """The payment reference of the order: the source's, else paymatch's own (see above)."""
    return str(data.get("payment_reference") or payment_reference.generate(pk))


# Every column of an order row; its two documents as text, read by load_order_document (faster:
# matching loads the row of every order it assigns to).
_ORDER_ROW = [
    cast(column, Text).label(column.name) if column.name in ("data", "lifecycle") else column
    for column in orders.c
]


class LedgerWriter:
    """Makes :class:`LedgerBatch` objects; holds what they share (lifecycle, schedules)."""

    def __init__(self, lifecycle: LifecyclePort, schedules: Schedules) -> None:
        self.lifecycle = lifecycle
        self.schedules = schedules

    def batch(self, ledger: Ledger, now: datetime) -> LedgerBatch:
        return LedgerBatch(self, ledger, now)


K = TypeVar("K")


class _Marks(Generic[K]):
    """A set of keys that remembers the order they were first added in.

    A checkpoint is then just its length, and a rollback drops the keys added later: copying
    the sets at every checkpoint (one per posting) made a chunk quadratic in its size.
    """

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: dict[K, None] = {}

    def add(self, key: K) -> None:
        self._keys[key] = None  # a key added again keeps its first place

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        self._keys.clear()

    def truncate(self, length: int) -> None:
        """Forget every key added after the first ``length``."""
        for key in list(self._keys)[length:]:
            del self._keys[key]


@attrs.define
class _Checkpoint:
    orders: dict[int, dict[str, Any]]
    postings: dict[str, dict[str, Any]]
    lengths: tuple[int, ...]
    marks: tuple[int, int, int]
    """Lengths of ``dirty_orders``, ``changed_content`` and ``dirty_postings``."""


class LedgerBatch:
    def __init__(self, writer: LedgerWriter, ledger: Ledger, now: datetime) -> None:
        self.lifecycle = writer.lifecycle
        self.schedules = writer.schedules
        self.ledger = ledger
        self.conn = ledger.conn
        self.now = now
        self.moment = utc(now)
        self.orders: dict[int, dict[str, Any]] = {}
        self.labels: dict[int, tuple[str, str, str | None]] = {}
        self.postings: dict[str, dict[str, Any]] = {}
        self.dirty_orders: _Marks[int] = _Marks()
        self.changed_content: _Marks[int] = _Marks()
        self.dirty_postings: _Marks[str] = _Marks()
        self.new_assignments: list[dict[str, Any]] = []
        self.unassigned: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.effects: list[tuple[int, Effect]] = []
        self.notices: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.resolved: list[dict[str, Any]] = []
        self.payers: list[tuple[str, str, str]] = []
        self._effect_number = 0

    # loading ------------------------------------------------------------------------------

    def load_orders(self, pks: Iterable[int]) -> None:
        missing = sorted({pk for pk in pks if pk not in self.orders})
        for start in range(0, len(missing), _CHUNK):
            part = missing[start : start + _CHUNK]
            query = select(*_ORDER_ROW).where(reading.key_in(self.conn, orders.c.id, part))
            for row in self.conn.execute(query).mappings():
                loaded = dict(row)
                loaded["data"] = load_order_document(loaded["data"])
                # kept as its text: the lifecycle reads it from there (see JsonDocument)
                loaded["lifecycle"] = JsonDocument(loaded["lifecycle"])
                self.orders[row["id"]] = loaded

    def load_labels(self, pks: Iterable[int]) -> None:
        """Load what names an order to a person (source, order id, number): cheap, for
        candidates that are shown but not changed."""
        missing = sorted({pk for pk in pks if pk not in self.labels and pk not in self.orders})
        columns = (orders.c.id, orders.c.source, orders.c.order_id, orders.c.number)
        for start in range(0, len(missing), _CHUNK):
            part = missing[start : start + _CHUNK]
            for pk, source, order_id, number in self.conn.execute(
                select(*columns).where(reading.key_in(self.conn, orders.c.id, part))
            ):
                self.labels[pk] = (source, order_id, number)

    def label(self, pk: int) -> tuple[str, str, str | None]:
        """(source, order id, number) of the order ``pk``."""
        row = self.orders.get(pk)
        if row is not None:
            return row["source"], row["order_id"], row["number"]
        if pk not in self.labels:
            self.load_labels([pk])
        return self.labels[pk]

    def load_source_orders(self, source: str, order_ids: Iterable[str]) -> dict[str, int]:
        """Load the rows of the source's orders among ``order_ids``; their keys by order id."""
        wanted = sorted(set(order_ids))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            part = wanted[start : start + _CHUNK]
            query = select(orders).where(orders.c.source == source, orders.c.order_id.in_(part))
            for row in self.conn.execute(query).mappings():
                self.orders.setdefault(row["id"], dict(row))
                found[row["order_id"]] = row["id"]
        return found

    def order(self, pk: int) -> dict[str, Any]:
        if pk not in self.orders:
            self.load_orders([pk])
        return self.orders[pk]

    def posting(self, posting_id: str, row: Any = None) -> dict[str, Any]:
        if posting_id not in self.postings:
            if row is None:
                row = (
                    self.conn.execute(select(postings).where(postings.c.id == posting_id))
                    .mappings()
                    .one()
                )
            self.postings[posting_id] = dict(row)
        return self.postings[posting_id]

    # checkpoints --------------------------------------------------------------------------

    def checkpoint(self, pks: Iterable[int] = (), posting_ids: Iterable[str] = ()) -> _Checkpoint:
        return _Checkpoint(
            orders={pk: copy.copy(self.orders[pk]) for pk in pks if pk in self.orders},
            postings={p: copy.copy(self.postings[p]) for p in posting_ids if p in self.postings},
            lengths=self._lengths(),
            marks=(len(self.dirty_orders), len(self.changed_content), len(self.dirty_postings)),
        )

    def _lengths(self) -> tuple[int, ...]:
        return tuple(len(x) for x in self._lists())

    def _lists(self) -> tuple[list[Any], ...]:
        return (
            self.new_assignments,
            self.unassigned,
            self.events,
            self.effects,
            self.notices,
            self.reviews,
            self.resolved,
            self.payers,
        )

    def rollback(self, point: _Checkpoint) -> None:
        """Take back everything done since ``point`` to the orders and postings it covers."""
        self.orders.update(point.orders)
        self.postings.update(point.postings)
        for items, length in zip(self._lists(), point.lengths, strict=True):
            del items[length:]
        orders, content, postings_ = point.marks
        self.dirty_orders.truncate(orders)
        self.changed_content.truncate(content)
        self.dirty_postings.truncate(postings_)

    # orders -------------------------------------------------------------------------------

    def insert_orders(self, new: Sequence[tuple[str, Order, Step]], *, actor: str) -> list[int]:
        """Insert new orders with their first lifecycle step (already computed); their keys."""
        if not new:
            return []
        rows = []
        for source, order, step in new:
            document = order_document(order)
            rows.append(
                {
                    "source": source,
                    "order_id": order.id,
                    "number": order.number,
                    "currency": order.currency,
                    "amount_minor": minor(order.amount, order.currency),
                    "paid_minor": 0,
                    "payment_code": order.payment_code.value if order.payment_code else None,
                    "state": step.state,
                    "dunning_level": step.dunning_level,
                    "lifecycle": _kept(step.snapshot),
                    "content_hash": content_hash(document),
                    "data": document,
                    "created_at": utc(order.created_at) if order.created_at else None,
                    "first_seen_at": self.moment,
                    "updated_at": self.moment,
                    "state_changed_at": self.moment,
                    "next_due_at": utc(step.next_due_at) if step.next_due_at else None,
                    "seq": self.ledger.seq,
                }
            )
        pks = bulk.insert_rows_returning_ids(self.conn, orders, rows)
        for pk, row, (_source, _order, step) in zip(pks, rows, new, strict=True):
            self.orders[pk] = {"id": pk, **row}
            details = {"rule": step.rule} if step.rule else {}
            self._event(pk, "created", None, step, actor=actor, details=details)
        return pks

    def create_step(
        self,
        source: str,
        order: Order,
        *,
        connected_at: datetime | None,
        existed_before_connection: bool = False,
    ) -> Step:
        """The lifecycle's first step of a new order (pure: nothing is written).

        An order listed at the source's first connection existed before it, whatever its
        ``created_at`` says, so the lifecycle sees it created just before ``connected_at``.
        """
        order_facts = facts(order, source)
        if existed_before_connection and connected_at is not None:
            before = connected_at - timedelta(microseconds=1)
            created = order_facts.created_at
            if created is not None and created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            order_facts = attrs.evolve(
                order_facts, created_at=before if created is None else min(created, before)
            )
        return self.lifecycle.create(order_facts, connected_at=connected_at, now=self.now)

    def save_content(self, pk: int, order: Order) -> None:
        """Keep what the source now reports (without any lifecycle consequence)."""
        row = self.order(pk)
        document = order_document(order)
        row.update(
            number=order.number,
            amount_minor=minor(order.amount, order.currency),
            currency=order.currency,
            payment_code=order.payment_code.value if order.payment_code else None,
            content_hash=content_hash(document),
            data=document,
            updated_at=self.moment,
            seq=self.ledger.seq,
        )
        self.dirty_orders.add(pk)
        self.changed_content.add(pk)

    def apply(self, pk: int, event: str, *, actor: str, **details: Any) -> Step:
        """Apply one lifecycle event to the order; an illegal one raises and changes nothing."""
        row = self.order(pk)
        step = self.lifecycle.apply(
            row["lifecycle"], event, source=row["source"], now=self.now, **details
        )
        self.record(pk, event, step, actor=actor, details=details)
        return step

    def record(
        self, pk: int, event: str, step: Step, *, actor: str, details: Mapping[str, Any]
    ) -> None:
        """Keep a lifecycle step of the order: snapshot, history, effects."""
        row = self.order(pk)
        before = row["state"]
        row.update(
            lifecycle=_kept(step.snapshot),
            state=step.state,
            dunning_level=step.dunning_level,
            seq=self.ledger.seq,
            updated_at=self.moment,
            next_due_at=utc(step.next_due_at) if step.next_due_at else None,
        )
        if step.state != before:
            row["state_changed_at"] = self.moment
        self.dirty_orders.add(pk)
        merged = {**details, "rule": step.rule} if step.rule else dict(details)
        self._event(pk, event, before, step, actor=actor, details=_json_safe(merged))

    def _event(
        self,
        pk: int,
        event: str,
        before: str | None,
        step: Step,
        *,
        actor: str,
        details: dict[str, Any],
    ) -> None:
        self.events.append(
            {
                "order_pk": pk,
                "at": self.moment,
                "event": event,
                "state_before": before,
                "state_after": step.state,
                "actor": actor,
                "details": details,
            }
        )
        self.effects.extend((pk, effect) for effect in step.effects)

    # assignments --------------------------------------------------------------------------

    def assign(
        self,
        posting_id: str,
        pk: int,
        amount_minor: int,
        *,
        method: str,
        evidence: list[dict[str, Any]],
        by: str,
        note: str | None,
    ) -> Step:
        """Assign part of a posting to an order; the lifecycle decides what follows."""
        posting = self.posting(posting_id)
        row = self.order(pk)
        currency = row["currency"]
        paid = row["paid_minor"] + amount_minor
        step = self.lifecycle.apply(
            row["lifecycle"],
            "payment_assigned",
            source=row["source"],
            now=self.now,
            amount=money(amount_minor, currency),
            posting_id=posting_id,
            method=method,
        )
        self.new_assignments.append(
            {
                "posting_id": posting_id,
                "order_pk": pk,
                "currency": currency,
                "amount_minor": amount_minor,
                "method": method,
                "evidence": evidence,
                "note": note,
                "created_at": self.moment,
                "created_by": by,
            }
        )
        row["paid_minor"] = paid
        assigned = posting["assigned_minor"] + amount_minor
        posting.update(
            assigned_minor=assigned,
            status="assigned" if assigned >= posting["amount_minor"] else "partial",
            decided_at=self.moment,
        )
        self.dirty_postings.add(posting_id)
        iban = (posting["data"] or {}).get("counterparty_iban")
        customer = (row["data"] or {}).get("customer_number")
        if iban and customer:
            self.payers.append((iban, row["source"], customer))
        self.record(
            pk,
            "payment_assigned",
            step,
            actor=by,
            details={
                "amount": money(amount_minor, currency),
                "paid": money(paid, currency),
                "posting_id": posting_id,
                "method": method,
            },
        )
        return step

    def unassign(self, assignment: Any, *, by: str, reason: str) -> Step:
        amount = assignment["amount_minor"]
        row = self.order(assignment["order_pk"])
        currency = row["currency"]
        step = self.lifecycle.apply(
            row["lifecycle"],
            "payment_unassigned",
            source=row["source"],
            now=self.now,
            amount=money(amount, currency),
            posting_id=assignment["posting_id"],
            method="manual",
        )
        self.unassigned.append(
            {
                "_id": assignment["id"],
                "unassigned_at": self.moment,
                "unassigned_by": by,
                "unassign_reason": reason,
            }
        )
        row["paid_minor"] -= amount
        posting = self.posting(assignment["posting_id"])
        posting["assigned_minor"] -= amount
        posting.update(
            status="partial" if posting["assigned_minor"] else "unmatched",
            decided_at=self.moment,
        )
        self.dirty_postings.add(assignment["posting_id"])
        self.record(
            assignment["order_pk"],
            "payment_unassigned",
            step,
            actor=by,
            details={
                "amount": money(amount, currency),
                "paid": money(row["paid_minor"], currency),
                "posting_id": assignment["posting_id"],
                "reason": reason,
            },
        )
        return step

    # postings and review ------------------------------------------------------------------

    def decide(self, posting_id: str, status: str, reason: str | None) -> None:
        posting = self.posting(posting_id)
        posting.update(status=status, reason=reason, decided_at=self.moment)
        self.dirty_postings.add(posting_id)

    def review(self, posting_id: str, candidates: list[dict[str, Any]], reason: str | None) -> None:
        self.reviews.append(
            {
                "posting_id": posting_id,
                "candidates": candidates,
                "reason": reason,
                "created_at": self.moment,
            }
        )
        self.decide(posting_id, "suggested", reason)

    def resolve_review(self, posting_id: str, resolution: str, by: str) -> None:
        self.resolved.append(
            {
                "_posting": posting_id,
                "resolved_at": self.moment,
                "resolution": resolution,
                "resolved_by": by,
            }
        )

    def notice(
        self,
        *,
        kind: str,
        recipient: str,
        order_pk: int | None,
        posting_id: str | None,
        data: Mapping[str, Any],
    ) -> None:
        """A notification that is not a lifecycle effect (e.g. a write-back that gave up)."""
        self.notices.append(
            {
                "kind": kind,
                "recipient": recipient,
                "order_pk": order_pk,
                "posting_id": posting_id,
                "data": _json_safe(data),
            }
        )

    # flushing -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Send every collected write to the database (still inside the transaction)."""
        conn = self.conn
        for columns, keys in (
            (_ORDER_STATE + _ORDER_CONTENT, self.changed_content),
            (_ORDER_STATE, [pk for pk in self.dirty_orders if pk not in self.changed_content]),
        ):
            if not keys:
                continue
            rows = [{"_id": pk, **{c: self.orders[pk][c] for c in columns}} for pk in sorted(keys)]
            bulk.update_rows(conn, orders, columns, rows)
        bulk.insert_rows(conn, assignments, self.new_assignments)
        if self.unassigned:
            statement = (
                update(assignments)
                .where(assignments.c.id == bindparam("_id"))
                .values(
                    unassigned_at=bindparam("unassigned_at"),
                    unassigned_by=bindparam("unassigned_by"),
                    unassign_reason=bindparam("unassign_reason"),
                )
            )
            _many(conn, statement, self.unassigned)
        bulk.insert_rows(conn, order_events, self.events)
        self._flush_effects()
        if self.dirty_postings:
            rows = [
                {"_id": p, **{c: self.postings[p][c] for c in _POSTING_UPDATE}}
                for p in sorted(self.dirty_postings)
            ]
            bulk.update_rows(conn, postings, _POSTING_UPDATE, rows)
        bulk.insert_rows(conn, review_items, self.reviews)
        if self.resolved:
            statement = (
                update(review_items)
                .where(
                    review_items.c.posting_id == bindparam("_posting"),
                    review_items.c.resolved_at.is_(None),
                )
                .values(
                    resolved_at=bindparam("resolved_at"),
                    resolution=bindparam("resolution"),
                    resolved_by=bindparam("resolved_by"),
                )
            )
            _many(conn, statement, self.resolved)
        self._flush_payers()
        # Ready for more work in the same transaction; the loaded rows stay valid.
        for items in self._lists():
            items.clear()
        self.dirty_orders.clear()
        self.changed_content.clear()
        self.dirty_postings.clear()

    def _flush_effects(self) -> None:
        deadline = utc(self.now + self.schedules.write_back_retry_for)
        jobs: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = list(self.notices)
        for pk, effect in self.effects:
            self._effect_number += 1
            key = f"{pk}:{self.ledger.seq}:{self._effect_number}"
            if effect.kind == "write_back":
                jobs.append(
                    _job(
                        WRITE_STATUS,
                        f"write:{effect.target}:{key}",
                        {"order_pk": pk, "target": effect.target or "paid"},
                        self.moment,
                        deadline,
                    )
                )
            elif effect.kind == "notify":
                row = self.orders[pk]
                notes.append(
                    {
                        "kind": effect.notification or "notice",
                        "recipient": effect.recipient or "merchant",
                        "order_pk": pk,
                        "posting_id": None,
                        "data": {
                            "source": row["source"],
                            "order_id": row["order_id"],
                            **_json_safe(effect.data),
                        },
                    }
                )
        if notes:
            rows = [{**n, "created_at": self.moment, "status": "pending"} for n in notes]
            ids = bulk.insert_rows_returning_ids(self.conn, notifications, rows)
            jobs += [
                _job(NOTIFY, f"notify:{i}", {"notification_id": i}, self.moment, deadline)
                for i in ids
            ]
        bulk.insert_rows(self.conn, outbox, jobs)

    def _flush_payers(self) -> None:
        wanted = sorted(set(self.payers))
        if not wanted:
            return
        known: set[tuple[str, str, str]] = set()
        key = tuple_(payer_history.c.iban, payer_history.c.source, payer_history.c.customer_number)
        for start in range(0, len(wanted), 1000):
            part = wanted[start : start + 1000]
            known.update(
                (a, b, c)
                for a, b, c in self.conn.execute(
                    select(
                        payer_history.c.iban,
                        payer_history.c.source,
                        payer_history.c.customer_number,
                    ).where(key.in_(part))
                )
            )
        new = [
            {"iban": a, "source": b, "customer_number": c, "first_seen_at": self.moment}
            for a, b, c in wanted
            if (a, b, c) not in known
        ]
        bulk.insert_rows(self.conn, payer_history, new)


def _job(
    kind: str, key: str, payload: dict[str, Any], now: datetime, deadline: datetime
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "payload": payload,
        "status": outbox_queue.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "deadline": deadline,
    }


def _many(conn: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        conn.execute(statement, list(rows[start : start + _CHUNK]))


def notify(
    conn: Connection,
    *,
    kind: str,
    recipient: str,
    order_pk: int | None,
    posting_id: str | None,
    data: Mapping[str, Any],
    now: datetime,
    deadline: datetime,
    key: str,
) -> int:
    """Record one notification and queue its delivery (outside a ledger batch)."""
    notification_id = int(
        conn.execute(
            insert(notifications)
            .values(
                kind=kind,
                recipient=recipient,
                order_pk=order_pk,
                posting_id=posting_id,
                data=_json_safe(data),
                created_at=utc(now),
                status="pending",
            )
            .returning(notifications.c.id)
        ).scalar_one()
    )
    outbox_queue.enqueue(
        conn,
        kind=NOTIFY,
        key=key,
        payload={"notification_id": notification_id},
        now=now,
        deadline=deadline,
    )
    return notification_id


def _kept(snapshot: Mapping[str, Any]) -> Mapping[str, Any]:
    """A lifecycle snapshot as the order row keeps it: a JsonDocument as it is (immutable,
    written as its text), any other mapping copied (the lifecycle may reuse its own)."""
    return snapshot if isinstance(snapshot, JsonDocument) else dict(snapshot)


def _json_safe(details: Mapping[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {}
    for key, value in details.items():
        if value is None or isinstance(value, bool | int | float | str):
            safe[key] = value
        elif isinstance(value, Mapping):
            safe[key] = _json_safe(value)
        elif isinstance(value, list | tuple):
            safe[key] = [v if isinstance(v, str | int | bool) else str(v) for v in value]
        else:
            safe[key] = str(value)
    return safe
