"""Synchronisation with order sources: first connection, intake, change detection, removal.

Sources are called outside any database transaction (they may be slow); what they returned is
then written under the ledger lock, one savepoint per order, so that one bad order never stops
the rest of the batch and nothing is half-written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import select, update

from paymatch.connectors.interfaces import OrderProblem, OrderSource, StatusMapping
from paymatch.core.errors import PaymatchError
from paymatch.core.ledger import LedgerBatch, LedgerWriter, stored_order
from paymatch.core.models import Order
from paymatch.core.ports import Step
from paymatch.core.records import SyncReport
from paymatch.core.store import Ledger, Store
from paymatch.core.store.codec import content_hash, order_document, utc
from paymatch.core.store.schema import orders, sources

# What makes an order "open" at the source; a change here is re-evaluated against the mapping.
_STATUS_FIELDS = ("status", "payment_code", "payment_method")


class SourceSync:
    def __init__(
        self,
        store: Store,
        writer: LedgerWriter,
        *,
        currencies: dict[str, set[str]],
        tracked_states: frozenset[str],
    ) -> None:
        self.store = store
        self.writer = writer
        self.currencies = currencies
        """Per source the currencies its accounts take; a source missing here takes any."""
        self.tracked_states = tracked_states

    # ---------------------------------------------------------------------------------------

    def connect(
        self, name: str, connector: OrderSource, mapping: StatusMapping, now: datetime
    ) -> SyncReport:
        """First connection: record ``connected_at``; open orders become ``not_managed``."""
        with self.store.reading() as conn:
            connected = conn.execute(
                select(sources.c.connected_at).where(sources.c.name == name)
            ).scalar_one()
        if connected is not None:
            return SyncReport(source=name, mode="connect")
        listed = list(connector.list_open_orders())
        with self.store.ledger() as ledger:
            connected = ledger.conn.execute(
                select(sources.c.connected_at).where(sources.c.name == name).with_for_update()
            ).scalar_one()
            if connected is not None:  # another worker connected it meanwhile
                return SyncReport(source=name, mode="connect")
            ledger.conn.execute(
                update(sources)
                .where(sources.c.name == name)
                .values(
                    connected_at=utc(now),
                    changed_cursor=utc(now),
                    last_full_at=utc(now),
                    last_new_at=utc(now),
                    last_poll_at=utc(now),
                )
            )
            # Everything listed now existed before the connection: not managed.
            return self._ingest(
                ledger,
                name,
                mapping,
                listed,
                now=now,
                mode="connect",
                connected_at=now,
                complete=False,
            )

    def receive(
        self,
        name: str,
        mapping: StatusMapping,
        found: Iterable[Order | OrderProblem],
        *,
        now: datetime,
        mode: str,
        complete: bool = False,
    ) -> SyncReport:
        """Write what a source reported (push, changed-since or the complete open list)."""
        listed = list(found)
        with self.store.ledger() as ledger:
            connected = ledger.conn.execute(
                select(sources.c.connected_at).where(sources.c.name == name)
            ).scalar_one()
            if connected is None:
                raise PaymatchError(f"source {name!r} is not connected yet (connect it first)")
            return self._ingest(
                ledger,
                name,
                mapping,
                listed,
                now=now,
                mode=mode,
                connected_at=connected,
                complete=complete,
            )

    def removal(self, name: str, order_id: str, *, now: datetime, actor: str) -> SyncReport:
        """The source deleted an order."""
        with self.store.ledger() as ledger:
            batch = self.writer.batch(ledger, now)
            pk = batch.load_source_orders(name, [order_id]).get(order_id)
            if pk is None:
                return SyncReport(source=name, mode="removal")
            removed = self._remove(batch, pk, "deleted", actor=actor)
            batch.flush()
            return SyncReport(source=name, mode="removal", removed=int(removed))

    # ---------------------------------------------------------------------------------------

    def _ingest(
        self,
        ledger: Ledger,
        name: str,
        mapping: StatusMapping,
        listed: list[Order | OrderProblem],
        *,
        now: datetime,
        mode: str,
        connected_at: datetime | None,
        complete: bool,
    ) -> SyncReport:
        counts: Counter[str] = Counter()
        problems = [item for item in listed if isinstance(item, OrderProblem)]
        candidates = [item for item in listed if isinstance(item, Order)]
        # An id reported twice is ambiguous: neither record is used.
        ids = Counter(order.id for order in candidates)
        for order_id in sorted(i for i, n in ids.items() if n > 1):
            problems.append(
                OrderProblem(order_id=order_id, reason=f"order id reported {ids[order_id]} times")
            )
        seen: set[str] = {p.order_id for p in problems if p.order_id is not None}
        allowed = self.currencies.get(name)
        batch = self.writer.batch(ledger, now)
        existing = batch.load_source_orders(name, ids)
        new: list[tuple[str, Order, Step]] = []
        for reported in candidates:
            if ids[reported.id] > 1:
                continue
            seen.add(reported.id)
            order = reported.model_copy(update={"source": name})
            if allowed is not None and order.currency not in allowed:
                problems.append(
                    OrderProblem(
                        order_id=order.id,
                        reason=f"currency {order.currency} is not taken by any account of "
                        f"source {name!r} ({', '.join(sorted(allowed))})",
                    )
                )
                continue
            pk = existing.get(order.id)
            point = batch.checkpoint([pk] if pk is not None else [])
            try:
                outcome = self._one(
                    batch,
                    name,
                    mapping,
                    order,
                    pk=pk,
                    new=new,
                    mode=mode,
                    connected_at=connected_at,
                )
            except (PaymatchError, ValidationError, ValueError) as error:
                batch.rollback(point)
                problems.append(OrderProblem(order_id=order.id, reason=str(error)))
                continue
            counts[outcome] += 1
        batch.insert_orders(new, actor=f"source:{name}")
        if complete:
            counts["not_tracked"] += self._not_tracked(batch, name, seen)
        batch.flush()
        return SyncReport(
            source=name,
            mode=mode,
            new=counts["new"],
            not_managed=counts["not_managed"],
            changed=counts["changed"],
            unchanged=counts["unchanged"],
            closed_skipped=counts["closed"],
            unmanaged_skipped=counts["unmanaged"],
            removed=counts["removed"],
            not_tracked=counts["not_tracked"],
            problems=problems,
        )

    def _one(
        self,
        batch: LedgerBatch,
        name: str,
        mapping: StatusMapping,
        order: Order,
        *,
        pk: int | None,
        new: list[tuple[str, Order, Step]],
        mode: str,
        connected_at: datetime | None,
    ) -> str:
        code = mapping.payment_code(order)
        if code is not None and order.payment_code is None:
            order = order.model_copy(update={"payment_code": code})
        actor = f"source:{name}"
        if pk is None:
            if code is None:
                return "unmanaged"
            if not mapping.is_open(order):
                return "closed"
            step = batch.create_step(
                name,
                order,
                connected_at=connected_at,
                existed_before_connection=mode == "connect",
            )
            new.append((name, order, step))
            return "not_managed" if step.state == "not_managed" else "new"
        row = batch.order(pk)
        if row["content_hash"] == content_hash(order_document(order)):
            return "unchanged"
        before = stored_order(row)
        batch.save_content(pk, order)
        if order.amount != before.amount:
            batch.apply(
                pk, "amount_changed", actor=actor, amount=order.amount, previous=before.amount
            )
        if order.email != before.email and order.email:
            batch.apply(pk, "email_changed", actor=actor, email=order.email)
        if order.due_date != before.due_date and order.due_date is not None:
            batch.apply(pk, "due_date_changed", actor=actor, due_date=order.due_date)
        if any(getattr(order, f) != getattr(before, f) for f in _STATUS_FIELDS):
            if code is None:
                removed = self._remove(batch, pk, "payment_code_not_managed", actor=actor)
                return "removed" if removed else "changed"
            if not mapping.is_open(order):
                removed = self._remove(batch, pk, "status_not_open", actor=actor)
                return "removed" if removed else "changed"
            if order.payment_code != before.payment_code:
                batch.apply(pk, "payment_code_changed", actor=actor, payment_code=code)
            if batch.order(pk)["state"] in ("removed_externally", "not_tracked"):
                batch.apply(pk, "reopened_at_source", actor=actor)
        return "changed"

    def _remove(self, batch: LedgerBatch, pk: int, reason: str, *, actor: str) -> bool:
        if batch.order(pk)["state"] == "removed_externally":
            return False
        point = batch.checkpoint([pk])
        try:
            batch.apply(pk, "removed_externally", actor=actor, reason=reason)
        except PaymatchError:
            batch.rollback(point)
            return False  # e.g. already closed here: nothing to stop
        return True

    def _not_tracked(self, batch: LedgerBatch, name: str, listed: set[str]) -> int:
        rows = batch.conn.execute(
            select(orders.c.id, orders.c.order_id).where(
                orders.c.source == name, orders.c.state.in_(sorted(self.tracked_states))
            )
        ).all()
        missing = [pk for pk, order_id in rows if order_id not in listed]
        batch.load_orders(missing)
        count = 0
        for pk in missing:
            point = batch.checkpoint([pk])
            try:
                batch.apply(pk, "not_tracked", actor=f"source:{name}")
            except PaymatchError:
                batch.rollback(point)
                continue
            count += 1
        return count
