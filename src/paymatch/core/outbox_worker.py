"""Carrying out the outbox: status write-backs to sources and notification delivery.

Each claimed item is done outside any transaction, then its outcome is recorded. A failure is
retried with exponential backoff until the item's deadline (7 days by default); then the item
expires and, for a write-back, the merchant is notified. A write-back the source refuses with a
*final* :class:`ConnectorError` (``error.final``: trying again cannot help, e.g. a cancellation
the system cannot take) is not retried: the item fails at once and the merchant is notified.
Write-back is idempotent at the source (``WriteOutcome.ALREADY_DONE``/``NOT_OPEN``), which is what
makes a repeat after a crash harmless.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import attrs
from sqlalchemy import func, select, update

from paymatch.connectors.interfaces import (
    ConnectorError,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TargetStatus,
    WriteOutcome,
)
from paymatch.core.errors import describe_failure
from paymatch.core.ledger import NOTIFY, WRITE_STATUS, notify, order_row
from paymatch.core.models import PaymentCode
from paymatch.core.records import Notification
from paymatch.core.settings import Schedules
from paymatch.core.store import Store
from paymatch.core.store import outbox as queue
from paymatch.core.store.codec import money, utc
from paymatch.core.store.schema import assignments, notifications, orders, postings

# A paid order in one of these states is never written back (DESIGN.md, "Write-back").
_NO_WRITE_BACK = {"removed_externally", "not_tracked", "not_managed"}


class Notifier(Protocol):
    """The hook for delivering notifications (e-mail, the shop's mailer, a chat message, ...).

    Return True when the notification was delivered, False when this notifier does not handle
    it; raise to have it retried later.
    """

    def __call__(self, notification: Notification) -> bool: ...


@attrs.frozen
class MessengerOutcome:
    """What a :class:`Messenger` made of one attempt."""

    outcome: str
    """``delivered``, ``recorded`` (no channel), ``obsolete`` (no longer due), ``retry`` (at
    ``retry_at``) or ``failed`` (given up; the messenger has told the merchant)."""
    retry_at: datetime | None = None
    error: str | None = None


class Messenger(Protocol):
    """Renders and delivers the store's notification records (``paymatch.notify.worker``).

    It keeps the notification row itself up to date (status, hand-over journal) and tells the
    merchant about a failed message; the outbox worker only schedules the outbox item.
    """

    def deliver(
        self, notification_id: int, *, attempt: int, first_attempt_at: datetime, now: datetime
    ) -> MessengerOutcome: ...

    def queue_due(self, now: datetime) -> int:
        """Queue the notices that time makes due (postings left unassigned); how many."""
        ...


def backoff(attempts: int, schedules: Schedules) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, capped."""
    factor = 2 ** min(max(attempts - 1, 0), 30)
    wait: timedelta = min(schedules.backoff_initial * factor, schedules.backoff_max)
    return wait


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        *,
        worker: str,
        schedules: Schedules,
        connector: Callable[[str], OrderSource | None],
        mapping: Callable[[str], StatusMapping],
        notifiers: Sequence[Notifier],
        messenger: Messenger | None = None,
    ) -> None:
        self.store = store
        self.worker = worker
        self.schedules = schedules
        self.connector = connector
        self.mapping = mapping
        self.notifiers = notifiers
        self.messenger = messenger

    def run(self, now: datetime, *, limit: int = 1000) -> Counter[str]:
        """Do the due work (up to ``limit`` items); the outcome of each, counted."""
        outcomes: Counter[str] = Counter()
        while sum(outcomes.values()) < limit:
            claimed = queue.claim(
                self.store,
                worker=self.worker,
                now=now,
                lease=self.schedules.claim_lease,
                limit=min(50, limit - sum(outcomes.values())),
            )
            if not claimed:
                break
            for item in claimed:
                outcomes[self._one(item, now)] += 1
        return outcomes

    def _one(self, item: queue.OutboxItem, now: datetime) -> str:
        try:
            if item.kind == WRITE_STATUS:
                outcome = self._write_status(item)
            elif item.kind == NOTIFY and self.messenger is not None:
                return self._message(item, now)
            elif item.kind == NOTIFY:
                outcome = self._notify(item, now)
            else:
                outcome = "unknown_kind"
        except ConnectorError as error:
            if item.kind == WRITE_STATUS and error.final:
                return self._refused(item, error, now)
            return self._failed(item, describe_failure(error), now)
        except Exception as error:  # anything else may be mended (a deploy, the settings): retry
            return self._failed(item, describe_failure(error), now)
        with self.store.transaction() as conn:
            queue.complete(conn, item, worker=self.worker, outcome=outcome, now=now)
        return outcome

    def _refused(self, item: queue.OutboxItem, error: ConnectorError, now: datetime) -> str:
        """The source refused the write for good: no retry; the merchant is told now."""
        with self.store.transaction() as conn:
            if queue.give_up(
                conn,
                item,
                worker=self.worker,
                error=describe_failure(error),
                now=now,
                status=queue.FAILED,
            ):
                self._tell_merchant(
                    conn,
                    item,
                    now,
                    error=describe_failure(error),
                    final=True,
                    code=error.code,
                    http_status=error.http_status,
                )
        return "failed"

    def _failed(self, item: queue.OutboxItem, error: str, now: datetime) -> str:
        with self.store.transaction() as conn:
            if utc(now) >= item.deadline:
                if queue.give_up(conn, item, worker=self.worker, error=error, now=now) and (
                    item.kind == WRITE_STATUS
                ):
                    self._tell_merchant(conn, item, now, error=error, final=False)
                return "expired"
            queue.retry_later(
                conn,
                item,
                worker=self.worker,
                error=error,
                at=now + backoff(item.attempts, self.schedules),
            )
        return "retry"

    def _tell_merchant(
        self, conn: Any, item: queue.OutboxItem, now: datetime, *, error: str, **details: Any
    ) -> None:
        """A ``write_back_failed`` notice: the source was not told the order's new status."""
        pk = item.payload["order_pk"]
        row = order_row(conn, pk)
        notify(
            conn,
            kind="write_back_failed",
            recipient="merchant",
            order_pk=pk,
            posting_id=None,
            data={
                "source": row["source"],
                "order_id": row["order_id"],
                "target": item.payload["target"],
                "error": error,
                "attempts": item.attempts,
                **details,
            },
            now=now,
            deadline=now + self.schedules.write_back_retry_for,
            key=f"notify:write_back_failed:{item.id}",
        )

    # write-back ---------------------------------------------------------------------------

    def _write_status(self, item: queue.OutboxItem) -> str:
        pk = int(item.payload["order_pk"])
        target = TargetStatus(item.payload["target"])
        with self.store.reading() as conn:
            row = order_row(conn, pk)
            last_booking = conn.execute(
                select(func.max(postings.c.booking_date))
                .select_from(assignments.join(postings))
                .where(assignments.c.order_pk == pk, assignments.c.unassigned_at.is_(None))
            ).scalar()
        if row["state"] in _NO_WRITE_BACK:
            return f"skipped_{row['state']}"
        if target is TargetStatus.PAID and row["state"] != "paid":
            return "obsolete"  # unassigned again before the write went out
        connector = self.connector(row["source"])
        if connector is None:
            raise RuntimeError(f"source {row['source']!r} is not configured in this worker")
        mapping = self.mapping(row["source"])
        code = PaymentCode(row["payment_code"]) if row["payment_code"] else PaymentCode.PREPAYMENT
        statuses = mapping.paid_status if target is TargetStatus.PAID else mapping.cancelled_status
        write = StatusWrite(
            order_id=row["order_id"],
            target=target,
            status=statuses.get(code),
            payment_code=code,
            amount=money(row["paid_minor"], row["currency"]),
            currency=row["currency"],
            paid_on=last_booking,
            reference=item.key,
        )
        outcome: WriteOutcome = connector.write_status(write)
        return str(outcome)

    # notifications ------------------------------------------------------------------------

    def _notify(self, item: queue.OutboxItem, now: datetime) -> str:
        notification_id = int(item.payload["notification_id"])
        with self.store.reading() as conn:
            record = load_notification(conn, notification_id)
        for notifier in self.notifiers:
            if notifier(record):
                self._mark(notification_id, "delivered", now)
                return "delivered"
        self._mark(notification_id, "recorded", now)
        return "recorded"

    def _message(self, item: queue.OutboxItem, now: datetime) -> str:
        assert self.messenger is not None
        created = item.created_at  # the store keeps naive UTC
        result = self.messenger.deliver(
            int(item.payload["notification_id"]),
            attempt=item.attempts,
            first_attempt_at=created if created.tzinfo else created.replace(tzinfo=UTC),
            now=now,
        )
        with self.store.transaction() as conn:
            if result.outcome == "retry":
                queue.retry_later(
                    conn,
                    item,
                    worker=self.worker,
                    error=result.error or "retry",
                    at=result.retry_at or now + backoff(item.attempts, self.schedules),
                )
            elif result.outcome == "failed":
                queue.give_up(
                    conn, item, worker=self.worker, error=result.error or "failed", now=now
                )
            else:
                queue.complete(conn, item, worker=self.worker, outcome=result.outcome, now=now)
        return result.outcome

    def _mark(self, notification_id: int, status: str, now: datetime) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                update(notifications)
                .where(notifications.c.id == notification_id)
                .values(status=status, delivered_at=utc(now))
            )


def load_notification(conn: Any, notification_id: int) -> Notification:
    row = (
        conn.execute(
            select(notifications, orders.c.source, orders.c.order_id)
            .select_from(notifications.outerjoin(orders))
            .where(notifications.c.id == notification_id)
        )
        .mappings()
        .one()
    )
    return notification_from_row(row)


def notification_from_row(row: Any) -> Notification:
    return Notification(
        id=row["id"],
        kind=row["kind"],
        recipient=row["recipient"],
        source=row["source"],
        order_id=row["order_id"],
        posting_id=row["posting_id"],
        data=row["data"],
        created_at=row["created_at"],
        status=row["status"],
    )
