"""The Store's notification records, rendered and delivered: the Reconciler's messenger.

The Reconciler's ledger writes one ``notifications`` row and one outbox item per message, in the
same transaction as the change that causes it; the outbox worker hands each due item to
:class:`StoreMessenger`, which

1. reads the notification and its order as they are *now* (address, language, state);
2. drops a customer message that is no longer due (``obsolete``: the order was paid, cancelled,
   removed meanwhile; :func:`~paymatch.notify.compose.obsolete_reason`);
3. renders it (:class:`~paymatch.notify.compose.Composer`); a message that cannot be made (no
   address, no account) has ``failed``;
4. hands it over at most once (:func:`~paymatch.notify.handover.hand_over_once`, with the
   row's journal columns): the plugin hook first, then the configured sender;
5. records the outcome on the row: ``delivered`` / ``recorded`` / ``obsolete`` / ``failed``,
   or leaves it ``pending`` for a retry; a failed message queues a ``delivery_failed`` notice to
   the merchant (once, keyed by the failed notification).

The outbox worker then completes, reschedules or gives up the outbox item.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from paymatch.core.errors import ConfigError, InputError, PaymatchError
from paymatch.core.events import (
    HandOverToCollection,
    NotifyMerchant,
    SendPaymentInformation,
    SendReminder,
    load_effect,
)
from paymatch.core.ledger import NOTIFY, notify, order_row, stored_order
from paymatch.core.models import Order
from paymatch.core.notifications import Notification
from paymatch.core.outbox_worker import MessengerOutcome
from paymatch.core.policy import PolicyConfig
from paymatch.core.settings import PaymatchConfig
from paymatch.core.store import Store
from paymatch.core.store.codec import utc
from paymatch.core.store.schema import notifications, orders, outbox, postings
from paymatch.notify.accounts import accounts_from_config
from paymatch.notify.compose import Composer, ExtraNotice, Undeliverable, check_templates
from paymatch.notify.config import NotifyConfig
from paymatch.notify.delivery import Deliverer, DeliveryResult, Outcome
from paymatch.notify.handover import HandoverRecord, hand_over_once
from paymatch.notify.templates import TemplateError

_CUSTOMER_EFFECTS = (SendPaymentInformation, SendReminder)
_MERCHANT_EFFECTS = (NotifyMerchant, HandOverToCollection)


class StoreJournal:
    """The hand-over journal in the ``notifications`` row (each call its own transaction)."""

    def __init__(self, store: Store, notification_id: int) -> None:
        self.store = store
        self.pk = notification_id

    def get(self, notification_id: str) -> HandoverRecord | None:
        with self.store.reading() as conn:
            row = (
                conn.execute(select(notifications).where(notifications.c.id == self.pk))
                .mappings()
                .one()
            )
        if row["handover_started_at"] is None:
            return None
        return HandoverRecord(
            notification_id,
            row["message_id"],
            row["handover_started_at"],
            row["handed_over_at"],
            row["channel"],
            row["receipt"],
            row["interrupted"],
        )

    def begin(self, notification_id: str, message_id: str | None, at: datetime) -> None:
        with self.store.transaction() as conn:
            started = conn.execute(
                select(notifications.c.handover_started_at).where(notifications.c.id == self.pk)
            ).scalar()
            values: dict[str, Any] = {"message_id": message_id, "handover_started_at": utc(at)}
            if started is not None:  # began before and never finished: the window
                values["interrupted"] = notifications.c.interrupted + 1
            conn.execute(update(notifications).where(notifications.c.id == self.pk).values(values))

    def finish(
        self, notification_id: str, *, channel: str | None, receipt: str | None, at: datetime
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                update(notifications)
                .where(notifications.c.id == self.pk)
                .values(
                    handed_over_at=utc(at),
                    channel=channel,
                    receipt=(receipt or "")[:2000],
                    status="delivered",
                    delivered_at=utc(at),
                )
            )


class StoreMessenger:
    """Renders and delivers the store's notifications (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        composer: Composer,
        deliverer: Deliverer,
        *,
        connectors: Mapping[str, str] | None = None,
        payment_information_sources: Collection[str] | None = None,
        retry_for: timedelta | None = None,
    ) -> None:
        self.store = store
        self.composer = composer
        self.deliverer = deliverer
        self.connectors = dict(connectors or {})
        self.payment_information_sources = (
            None if payment_information_sources is None else set(payment_information_sources)
        )
        """Sources for which paymatch sends payment information (``send_payment_information``);
        ``None``: every source."""
        self.retry_for = retry_for

    @classmethod
    def from_config(
        cls,
        store: Store,
        config: PaymatchConfig,
        *,
        connectors: Mapping[str, str] | None = None,
        payment_information_sources: Collection[str] | None = None,
        deliverer: Deliverer | None = None,
        now: datetime,
    ) -> StoreMessenger:
        """The messenger of a configuration: ``[notify]``, ``[[accounts]]``, ``[policy]``.
        The templates are checked here, so a broken override fails at start-up."""
        notify_config = NotifyConfig.from_table(config.notify, where="[notify]")
        composer = Composer(
            notify_config,
            accounts_from_config(config.accounts, where="[[accounts]]"),
            PolicyConfig.from_table(config.policy, where="[policy]"),
        )
        try:
            check_templates(composer, now=now)
        except Undeliverable as error:
            raise ConfigError(str(error), where="[notify]") from None
        return cls(
            store,
            composer,
            deliverer or Deliverer.from_config(notify_config),
            connectors=connectors,
            payment_information_sources=payment_information_sources,
            retry_for=config.schedules.write_back_retry_for,
        )

    # the outbox worker's entry points -----------------------------------------------------

    def queue_due(self, now: datetime) -> int:
        """Queue ``posting_unassigned`` notices (``[notify] unassigned_after_days``)."""
        days = self.composer.config.unassigned_after_days
        if days is None:
            return 0
        return queue_unassigned_notices(
            self.store, days=days, now=now, retry_for=self.retry_for or timedelta(days=7)
        )

    def deliver(
        self, notification_id: int, *, attempt: int, first_attempt_at: datetime, now: datetime
    ) -> MessengerOutcome:
        with self.store.reading() as conn:
            row = dict(
                conn.execute(select(notifications).where(notifications.c.id == notification_id))
                .mappings()
                .one()
            )
            order_record = order_row(conn, row["order_pk"]) if row["order_pk"] else None
            order = stored_order(order_record) if order_record is not None else None
            state = order_record["state"] if order_record is not None else None
        if row["handed_over_at"] is not None:  # handed over, then the worker died: not again
            return MessengerOutcome("delivered")
        ident = f"{notification_id}"
        try:
            message = self._render(row, ident, order, state, now)
        except (Undeliverable, TemplateError, PaymatchError, ValueError) as error:
            return self._failed(row, None, str(error), attempt, now)
        if message is None:
            self._status(notification_id, "obsolete", now)
            return MessengerOutcome("obsolete")
        result: DeliveryResult = hand_over_once(
            StoreJournal(self.store, notification_id),
            self.deliverer,
            message,
            attempt=attempt,
            now=now,
            first_attempt_at=first_attempt_at,
        )
        if result.outcome is Outcome.DELIVERED:
            return MessengerOutcome("delivered")
        if result.outcome is Outcome.RECORDED:
            self._status(notification_id, "recorded", now, error=result.error)
            return MessengerOutcome("recorded")
        if result.outcome is Outcome.RETRY:
            self._status(notification_id, "pending", None, error=result.error)
            return MessengerOutcome("retry", retry_at=result.retry_at, error=result.error)
        return self._failed(row, message, result.error or "failed", attempt, now)

    # rendering ----------------------------------------------------------------------------

    def _render(
        self,
        row: Mapping[str, Any],
        ident: str,
        order: Order | None,
        state: str | None,
        now: datetime,
    ) -> Notification | None:
        data = dict(row["data"] or {})
        created = row["created_at"]  # naive UTC in the store
        created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
        source = data.get("source") or (order.source if order else None)
        connector = self.connectors.get(source) if source else None
        effect_data = {k: v for k, v in data.items() if k not in ("source", "order_id")}
        effect = load_effect(effect_data) if "kind" in effect_data else None
        if isinstance(effect, _CUSTOMER_EFFECTS):
            if order is None or state is None:
                raise Undeliverable("a customer message without its order")
            wanted = self.payment_information_sources
            if isinstance(effect, SendPaymentInformation) and (
                wanted is not None and source not in wanted
            ):
                return None  # the shop sends its own (send_payment_information = false)
            return self.composer.message_for_effect(
                effect,
                order,
                state=state,
                id=ident,
                now=now,
                created_at=created,
                connector=connector,
            )
        if isinstance(effect, _MERCHANT_EFFECTS) and order is not None:
            return self.composer.effect_notice(
                effect, order, id=ident, created_at=created, connector=connector
            )
        return self.composer.merchant_notice(
            str(row["kind"]),
            id=ident,
            order=order,
            source=source,
            data=data,
            state=state,
            created_at=created,
            connector=connector,
        )

    # outcomes -----------------------------------------------------------------------------

    def _status(
        self, pk: int, status: str, at: datetime | None, *, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "error": error}
        if at is not None:
            values["delivered_at"] = utc(at)
        with self.store.transaction() as conn:
            conn.execute(update(notifications).where(notifications.c.id == pk).values(values))

    def _failed(
        self,
        row: Mapping[str, Any],
        message: Notification | None,
        error: str,
        attempts: int,
        now: datetime,
    ) -> MessengerOutcome:
        """Mark the row failed and queue one ``delivery_failed`` notice (never for a failed
        notice of that kind, which would loop)."""
        data = dict(row["data"] or {})
        key = f"notify:delivery_failed:{row['id']}"
        with self.store.transaction() as conn:
            conn.execute(
                update(notifications)
                .where(notifications.c.id == row["id"])
                .values(status="failed", error=error[:2000])
            )
            queued = conn.execute(select(outbox.c.id).where(outbox.c.key == key)).first()
            if row["kind"] != ExtraNotice.DELIVERY_FAILED and queued is None:
                notify(
                    conn,
                    kind=ExtraNotice.DELIVERY_FAILED.value,
                    recipient="merchant",
                    order_pk=row["order_pk"],
                    posting_id=None,
                    data={
                        "source": data.get("source"),
                        "order_id": data.get("order_id"),
                        "failed_kind": message.kind if message else row["kind"],
                        "failed_id": row["id"],
                        "recipient": message.recipient if message else None,
                        "error": error,
                        "attempts": attempts,
                    },
                    now=now,
                    deadline=now + (self.retry_for or timedelta(days=7)),
                    key=key,
                )
        return MessengerOutcome("failed", error=error)


def queue_unassigned_notices(
    store: Store, *, days: int, now: datetime, retry_for: timedelta, limit: int = 1000
) -> int:
    """Queue a ``posting_unassigned`` notice for every credit that has waited ``days`` days
    since its import without being assigned (unmatched or waiting for review), once per
    posting. Returns how many were queued."""
    cutoff = utc(now - timedelta(days=days))
    noticed = (
        select(notifications.c.id)
        .where(
            notifications.c.kind == ExtraNotice.POSTING_UNASSIGNED.value,
            notifications.c.posting_id == postings.c.id,
        )
        .exists()
    )
    query = (
        select(postings.c.id, postings.c.data, postings.c.status, postings.c.imported_at)
        .where(
            postings.c.status.in_(("unmatched", "suggested")),
            postings.c.amount_minor > 0,
            postings.c.imported_at <= cutoff,
            ~noticed,
        )
        .order_by(postings.c.imported_at, postings.c.id)
        .limit(limit)
    )
    count = 0
    with store.transaction() as conn:
        for posting_id, data, status, _imported in conn.execute(query).all():
            key = f"notify:unassigned:{posting_id}"
            if conn.execute(select(outbox.c.id).where(outbox.c.key == key)).first():
                continue
            notify(
                conn,
                kind=ExtraNotice.POSTING_UNASSIGNED.value,
                recipient="merchant",
                order_pk=None,
                posting_id=posting_id,
                data={
                    "posting_id": posting_id,
                    "status": status,
                    "days": days,
                    "amount": data.get("amount"),
                    "currency": data.get("currency"),
                    "booking_date": data.get("booking_date"),
                    "counterparty_name": data.get("counterparty_name"),
                    "remittance": data.get("remittance"),
                },
                now=now,
                deadline=now + retry_for,
                key=key,
            )
            count += 1
    return count


__all__ = ["NOTIFY", "StoreJournal", "StoreMessenger", "queue_unassigned_notices"]


def find_stored_order(store: Store, key: str, *, source: str | None = None) -> Order:
    """The stored order whose id (or, failing that, number) is ``key``, as messages see it
    (with the payment reference the store issued). For the preview command."""
    with store.reading() as conn:
        query = select(orders).where(orders.c.order_id == key)
        if source is not None:
            query = query.where(orders.c.source == source)
        rows = list(conn.execute(query).mappings())
        if not rows:
            scan = select(orders)
            if source is not None:
                scan = scan.where(orders.c.source == source)
            rows = [
                row
                for row in conn.execute(scan.execution_options(yield_per=1000)).mappings()
                if (row["data"] or {}).get("number") == key
            ]
    if not rows:
        raise InputError(f"no stored order with id or number {key!r}", where="store")
    if len(rows) > 1:
        raise InputError(f"{key!r} names several orders; choose one with --source", where="store")
    return stored_order(rows[0])
