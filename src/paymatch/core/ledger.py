"""Order rows, assignments and lifecycle events, written under the ledger lock.

Every function here runs inside :meth:`Store.ledger` and leaves the store consistent when its
transaction commits: an order's ``paid_minor`` is the sum of its active assignments, a posting's
``assigned_minor`` likewise, every lifecycle step is in ``order_events`` and every effect of it
is in the outbox (or ``notifications``) of the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from paymatch.core.config import Schedules
from paymatch.core.models import Order
from paymatch.core.ports import Effect, LifecyclePort, OrderFacts, Step
from paymatch.core.store import Ledger
from paymatch.core.store import outbox as outbox_queue
from paymatch.core.store.codec import content_hash, minor, money, order_document, utc
from paymatch.core.store.schema import (
    assignments,
    notifications,
    order_events,
    orders,
    payer_history,
    postings,
)

WRITE_STATUS = "write_status"
NOTIFY = "notify"


def facts(order: Order, source: str) -> OrderFacts:
    return OrderFacts(
        amount=order.amount,
        currency=order.currency,
        payment_code=order.payment_code,
        created_at=order.created_at,
        due_date=order.due_date,
        source=source,
    )


def order_row(conn: Connection, pk: int, *, lock: bool = False) -> RowMapping:
    query = select(orders).where(orders.c.id == pk)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().one()


def find_order(conn: Connection, source: str, order_id: str) -> RowMapping | None:
    return (
        conn.execute(select(orders).where(orders.c.source == source, orders.c.order_id == order_id))
        .mappings()
        .first()
    )


def stored_order(row: RowMapping) -> Order:
    return Order.model_validate(row["data"])


class LedgerWriter:
    """Applies events to orders and persists the lifecycle's effects."""

    def __init__(self, lifecycle: LifecyclePort, schedules: Schedules) -> None:
        self.lifecycle = lifecycle
        self.schedules = schedules

    # orders -------------------------------------------------------------------------------

    def insert_order(
        self,
        ledger: Ledger,
        source: str,
        order: Order,
        *,
        connected_at: datetime | None,
        now: datetime,
        actor: str,
        existed_before_connection: bool = False,
    ) -> Step:
        """Register a new order. An order listed at the source's first connection existed
        before it, whatever its ``created_at`` says, so the lifecycle sees it created earlier."""
        document = order_document(order)
        order_facts = facts(order, source)
        if existed_before_connection and connected_at is not None:
            before = connected_at - timedelta(microseconds=1)
            created = order_facts.created_at
            if created is not None and created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            order_facts = attrs.evolve(
                order_facts, created_at=before if created is None else min(created, before)
            )
        step = self.lifecycle.create(order_facts, connected_at=connected_at, now=now)
        pk = ledger.conn.execute(
            insert(orders)
            .values(
                source=source,
                order_id=order.id,
                number=order.number,
                currency=order.currency,
                amount_minor=minor(order.amount, order.currency),
                paid_minor=0,
                payment_code=order.payment_code.value if order.payment_code else None,
                state=step.state,
                dunning_level=step.dunning_level,
                lifecycle=dict(step.snapshot),
                content_hash=content_hash(document),
                data=document,
                created_at=utc(order.created_at) if order.created_at else None,
                first_seen_at=utc(now),
                updated_at=utc(now),
                state_changed_at=utc(now),
                next_due_at=utc(step.next_due_at) if step.next_due_at else None,
                seq=ledger.seq,
            )
            .returning(orders.c.id)
        ).scalar_one()
        event_id = self._record(
            ledger.conn,
            pk,
            "created",
            before=None,
            step=step,
            now=now,
            actor=actor,
            details={"rule": step.rule} if step.rule else {},
        )
        self._persist_effects(
            ledger.conn,
            pk,
            source=source,
            order=order,
            effects=step.effects,
            event_id=event_id,
            now=now,
        )
        return step

    def save_content(self, ledger: Ledger, row: RowMapping, order: Order, *, now: datetime) -> None:
        """Keep what the source now reports (without any lifecycle consequence)."""
        document = order_document(order)
        ledger.conn.execute(
            update(orders)
            .where(orders.c.id == row["id"])
            .values(
                number=order.number,
                amount_minor=minor(order.amount, order.currency),
                currency=order.currency,
                payment_code=order.payment_code.value if order.payment_code else None,
                content_hash=content_hash(document),
                data=document,
                updated_at=utc(now),
                seq=ledger.seq,
            )
        )

    def apply(
        self,
        ledger: Ledger,
        pk: int,
        event: str,
        *,
        now: datetime,
        actor: str,
        **details: Any,
    ) -> Step:
        """Apply one lifecycle event to the order; an illegal one raises and changes nothing."""
        row = order_row(ledger.conn, pk)
        step = self.lifecycle.apply(
            row["lifecycle"], event, source=row["source"], now=now, **details
        )
        self.persist_step(ledger, row, event, step, now=now, actor=actor, details=details)
        return step

    def persist_step(
        self,
        ledger: Ledger,
        row: RowMapping,
        event: str,
        step: Step,
        *,
        now: datetime,
        actor: str,
        details: Mapping[str, Any],
    ) -> None:
        """Store a lifecycle step of the order in ``row``: snapshot, history, effects."""
        pk = row["id"]
        values: dict[str, Any] = {
            "lifecycle": dict(step.snapshot),
            "state": step.state,
            "dunning_level": step.dunning_level,
            "seq": ledger.seq,
            "updated_at": utc(now),
            "next_due_at": utc(step.next_due_at) if step.next_due_at else None,
        }
        if step.state != row["state"]:
            values["state_changed_at"] = utc(now)
        ledger.conn.execute(update(orders).where(orders.c.id == pk).values(values))
        event_id = self._record(
            ledger.conn,
            pk,
            event,
            before=row["state"],
            step=step,
            now=now,
            actor=actor,
            details=_json_safe({**details, "rule": step.rule} if step.rule else details),
        )
        self._persist_effects(
            ledger.conn,
            pk,
            source=row["source"],
            order=stored_order(row),
            effects=step.effects,
            event_id=event_id,
            now=now,
        )

    def _record(
        self,
        conn: Connection,
        pk: int,
        event: str,
        *,
        before: str | None,
        step: Step,
        now: datetime,
        actor: str,
        details: dict[str, Any],
    ) -> int:
        return int(
            conn.execute(
                insert(order_events)
                .values(
                    order_pk=pk,
                    at=utc(now),
                    event=event,
                    state_before=before,
                    state_after=step.state,
                    actor=actor,
                    details=details,
                )
                .returning(order_events.c.id)
            ).scalar_one()
        )

    def _persist_effects(
        self,
        conn: Connection,
        pk: int,
        *,
        source: str,
        order: Order,
        effects: Sequence[Effect],
        event_id: int,
        now: datetime,
    ) -> None:
        deadline = now + self.schedules.write_back_retry_for
        for number, effect in enumerate(effects):
            if effect.kind == "write_back":
                outbox_queue.enqueue(
                    conn,
                    kind=WRITE_STATUS,
                    key=f"write:{pk}:{effect.target}:{event_id}",
                    payload={"order_pk": pk, "target": effect.target or "paid"},
                    now=now,
                    deadline=deadline,
                )
            elif effect.kind == "notify":
                notify(
                    conn,
                    kind=effect.notification or "notice",
                    recipient=effect.recipient or "merchant",
                    order_pk=pk,
                    posting_id=None,
                    data={"source": source, "order_id": order.id, **_json_safe(effect.data)},
                    now=now,
                    deadline=deadline,
                    key=f"notify:{pk}:{event_id}:{number}",
                )

    # assignments --------------------------------------------------------------------------

    def assign(
        self,
        ledger: Ledger,
        posting: RowMapping,
        pk: int,
        amount_minor: int,
        *,
        method: str,
        evidence: list[dict[str, Any]],
        by: str,
        note: str | None,
        now: datetime,
    ) -> Step:
        conn = ledger.conn
        row = order_row(conn, pk)
        currency = row["currency"]
        conn.execute(
            insert(assignments).values(
                posting_id=posting["id"],
                order_pk=pk,
                currency=currency,
                amount_minor=amount_minor,
                method=method,
                evidence=evidence,
                note=note,
                created_at=utc(now),
                created_by=by,
            )
        )
        paid = row["paid_minor"] + amount_minor
        conn.execute(update(orders).where(orders.c.id == pk).values(paid_minor=paid))
        assigned = posting["assigned_minor"] + amount_minor
        status = "assigned" if assigned >= posting["amount_minor"] else "partial"
        conn.execute(
            update(postings)
            .where(postings.c.id == posting["id"])
            .values(
                assigned_minor=postings.c.assigned_minor + amount_minor,
                status=status,
                decided_at=utc(now),
            )
        )
        self._remember_payer(conn, posting, row, now)
        return self.apply(
            ledger,
            pk,
            "payment_assigned",
            now=now,
            actor=by,
            amount=money(amount_minor, currency),
            paid=money(paid, currency),
            posting_id=posting["id"],
            method=method,
        )

    def unassign(
        self,
        ledger: Ledger,
        assignment: RowMapping,
        *,
        by: str,
        reason: str,
        now: datetime,
    ) -> Step:
        conn = ledger.conn
        conn.execute(
            update(assignments)
            .where(assignments.c.id == assignment["id"])
            .values(unassigned_at=utc(now), unassigned_by=by, unassign_reason=reason)
        )
        amount = assignment["amount_minor"]
        row = order_row(conn, assignment["order_pk"])
        paid = row["paid_minor"] - amount
        conn.execute(update(orders).where(orders.c.id == row["id"]).values(paid_minor=paid))
        remaining = conn.execute(
            select(func.coalesce(func.sum(assignments.c.amount_minor), 0)).where(
                assignments.c.posting_id == assignment["posting_id"],
                assignments.c.unassigned_at.is_(None),
            )
        ).scalar_one()
        conn.execute(
            update(postings)
            .where(postings.c.id == assignment["posting_id"])
            .values(
                assigned_minor=remaining,
                status="partial" if remaining else "unmatched",
                decided_at=utc(now),
            )
        )
        return self.apply(
            ledger,
            row["id"],
            "payment_unassigned",
            now=now,
            actor=by,
            amount=money(amount, row["currency"]),
            paid=money(paid, row["currency"]),
            posting_id=assignment["posting_id"],
            reason=reason,
        )

    def _remember_payer(
        self, conn: Connection, posting: RowMapping, row: RowMapping, now: datetime
    ) -> None:
        iban = (posting["data"] or {}).get("counterparty_iban")
        customer = (row["data"] or {}).get("customer_number")
        if not iban or not customer:
            return
        known = conn.execute(
            select(payer_history.c.iban).where(
                payer_history.c.iban == iban,
                payer_history.c.source == row["source"],
                payer_history.c.customer_number == customer,
            )
        ).first()
        if known is None:
            conn.execute(
                insert(payer_history).values(
                    iban=iban,
                    source=row["source"],
                    customer_number=customer,
                    first_seen_at=utc(now),
                )
            )


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
    """Record a notification and queue its delivery (the notifier hook) in the outbox."""
    notification_id = int(
        conn.execute(
            insert(notifications)
            .values(
                kind=kind,
                recipient=recipient,
                order_pk=order_pk,
                posting_id=posting_id,
                data=dict(data),
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


def _json_safe(details: Mapping[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = {}
    for key, value in details.items():
        if value is None or isinstance(value, bool | int | float | str):
            safe[key] = value
        elif isinstance(value, Mapping):
            safe[key] = _json_safe(value)
        elif isinstance(value, list | tuple):
            safe[key] = [str(v) for v in value]
        else:
            safe[key] = str(value)
    return safe
