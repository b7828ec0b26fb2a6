"""The Easybill order source: open invoices in, payments out (``POST /document-payments``)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx

from paymatch import MoneyError, Order, PaymentCode
from paymatch.connectors.interfaces import (
    ConnectorKind,
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TargetStatus,
    WriteOutcome,
)
from paymatch.core.money import parse_amount, to_minor_units
from paymatch_easybill import documents
from paymatch_easybill.client import (
    PLUGIN_NAME,
    EasybillClient,
    EasybillError,
    UnsupportedWriteError,
)
from paymatch_easybill.documents import EASYBILL_TIME_ZONE, DocumentError
from paymatch_easybill.settings import EasybillSettings, parse_settings

# GET /documents filters for the open listing. Each leaves out invoices of the derived statuses
# named (documents.status_of); it is sent only while none of them is open under the mapping in
# force, so a merchant who counts, say, archived invoices as open gets them listed.
_INVOICES = {"type": "INVOICE"}
_NARROWING: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("is_draft", "0", frozenset({documents.DRAFT})),
    ("cancel_id", "null", frozenset({documents.CANCELLED})),
    ("paid_at", "null", frozenset({documents.DRAFT, documents.CANCELLED, documents.PAID})),
    (
        "is_archive",
        "0",
        frozenset({documents.DRAFT, documents.CANCELLED, documents.PAID, documents.ARCHIVED}),
    ),
)
_MAX_INT32 = 2**31 - 1  # DocumentPayment.amount is an int32 of cents


class EasybillSource(OrderSource):
    """The invoices of one Easybill account, read and paid through the REST API v1."""

    PLUGIN_NAME: ClassVar[str] = PLUGIN_NAME
    KIND: ClassVar[ConnectorKind] = ConnectorKind.INVOICING
    PUSH: ClassVar[bool] = False

    def __init__(
        self,
        settings: EasybillSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._client = EasybillClient(settings, sleep=sleep, transport=transport)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> EasybillSource:
        """Build the connector from a source's settings (see :class:`EasybillSettings`)."""
        return cls(parse_settings(settings))

    def __repr__(self) -> str:
        return f"EasybillSource(base_url={self.settings.base_url!r})"

    def close(self) -> None:
        self._client.close()

    def default_mapping(self) -> StatusMapping:
        return StatusMapping(
            payment_methods={documents.PAYMENT_METHOD: PaymentCode.INVOICE},
            open_statuses=dict.fromkeys(PaymentCode, documents.OPEN_STATUSES),
            paid_status=dict.fromkeys(PaymentCode, documents.PAID),
            cancelled_status={},  # Easybill cancels by issuing a document: not written (README)
        )

    # -- reading ---------------------------------------------------------------------------------

    def list_open_orders(self) -> Iterator[Order | OrderProblem]:
        """Every invoice open under the mapping in force: the complete listing is read before the
        first one is handed out (or an exception raised)."""
        raws = self._client.list_all("/documents", open_invoice_filters(self.mapping))
        return self._orders(raws, open_only=True)

    def list_changed_since(self, since: datetime) -> Iterator[Order | OrderProblem]:
        """Invoices (open or not) edited at or after ``since``.

        Easybill filters ``edited_at`` by whole days (Berlin time), so the connector asks for the
        days from ``since`` to tomorrow and keeps the documents edited at or after ``since``.
        """
        if since.tzinfo is None:
            raise ValueError("since must carry a time zone")
        start = since.astimezone(EASYBILL_TIME_ZONE)
        tomorrow = datetime.now(EASYBILL_TIME_ZONE).date() + timedelta(days=1)
        params = {
            "type": "INVOICE",
            "is_draft": "0",
            "edited_at": f"{start.date().isoformat()},{max(tomorrow, start.date()).isoformat()}",
        }
        raws = self._client.list_all("/documents", params)
        # Easybill keeps whole seconds: an edit in the second of ``since`` counts as after it.
        second = since.replace(microsecond=0)
        return self._orders([raw for raw in raws if _edited_since(raw, second)], open_only=False)

    def get_order(self, order_id: str) -> Order | None:
        raw = self._document(order_id)
        if raw is None:
            return None
        order = documents.to_order(raw, source=self.PLUGIN_NAME, customer=_Customers(self._client))
        if isinstance(order, OrderProblem):
            raise EasybillError(order.reason, code="invalid_document")
        return order

    def _orders(
        self, raws: list[dict[str, Any]], *, open_only: bool
    ) -> Iterator[Order | OrderProblem]:
        customers = _Customers(self._client)
        for raw in raws:
            order = documents.to_order(raw, source=self.PLUGIN_NAME, customer=customers)
            if open_only and isinstance(order, Order) and not self.mapping.is_open(order):
                continue  # e.g. fully paid by amount while paid_at is still empty
            yield order

    def _document(self, order_id: str) -> dict[str, Any] | None:
        """The invoice with this id; ``None`` if there is none (or the id is no Easybill id)."""
        if not (order_id.isascii() and order_id.isdigit()):
            return None
        raw = self._client.get(f"/documents/{int(order_id)}", missing_ok=True)
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise EasybillError(
                f"GET /documents/{order_id}: not a document", code="invalid_response"
            )
        return raw if raw.get("type") == documents.INVOICE else None

    # -- writing ---------------------------------------------------------------------------------

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        """Record paymatch's payment on the invoice, once.

        Paid: reads the invoice and its payments first; ``ALREADY_DONE`` if the invoice is paid
        or a payment with this write's reference exists, ``NOT_OPEN`` if it is unknown, a draft,
        cancelled or archived; otherwise ``POST /document-payments``. Cancelled: Easybill cancels
        an invoice by issuing a cancellation document, which paymatch does not do:
        ``ALREADY_DONE``/``NOT_OPEN`` where that is the case, else :class:`UnsupportedWriteError`.
        """
        raw = self._document(write.order_id)
        if raw is None:
            return WriteOutcome.NOT_OPEN
        try:
            status = documents.status_of(raw)
        except DocumentError as error:
            raise EasybillError(
                f"Easybill document {write.order_id}: {error}", code="invalid_document"
            ) from None
        if write.target is TargetStatus.CANCELLED:
            return self._cancel(write, status)
        if status == documents.PAID:
            return WriteOutcome.ALREADY_DONE
        if not self._open(status, write):
            return WriteOutcome.NOT_OPEN
        reference = payment_reference(write.reference)
        payments = self._client.list_all("/document-payments", {"document_id": write.order_id})
        if any(payment.get("reference") == reference for payment in payments):
            return WriteOutcome.ALREADY_DONE
        body = self._payment(write, raw, reference)
        params = {"paid": "true"} if self.settings.mark_paid else None
        try:
            self._client.post("/document-payments", body, params)
        except EasybillError as error:
            if error.http_status == 404:  # deleted since we read it
                return WriteOutcome.NOT_OPEN
            raise
        return WriteOutcome.WRITTEN

    def _open(self, status: str, write: StatusWrite) -> bool:
        """Whether an invoice in ``status`` is open under the mapping in force (for the code
        the mapping gives Easybill's invoices, else the write's)."""
        mapping = self.mapping
        code = mapping.payment_methods.get(documents.PAYMENT_METHOD) or write.payment_code
        return status in mapping.open_statuses.get(code, frozenset())

    def _cancel(self, write: StatusWrite, status: str) -> WriteOutcome:
        if status == documents.CANCELLED:
            return WriteOutcome.ALREADY_DONE
        if not self._open(status, write):
            return WriteOutcome.NOT_OPEN
        raise UnsupportedWriteError(
            f"invoice {write.order_id} cannot be cancelled by paymatch: Easybill cancels an "
            "invoice by issuing a cancellation document (Storno); do that in Easybill",
            code="cancel_not_supported",
        )

    def _payment(
        self, write: StatusWrite, raw: Mapping[str, Any], reference: str
    ) -> dict[str, Any]:
        currency = documents.currency_of(raw) if raw.get("currency") else None
        if currency != write.currency:
            raise EasybillError(
                f"invoice {write.order_id} is in {currency}, the payment in {write.currency}",
                code="currency_mismatch",
            )
        try:
            cents = to_minor_units(parse_amount(write.amount, write.currency), write.currency)
        except MoneyError as error:
            raise EasybillError(
                f"invoice {write.order_id}: {error}", code="invalid_amount"
            ) from None
        if not 0 < cents <= _MAX_INT32:
            raise EasybillError(
                f"invoice {write.order_id}: payment amount {write.amount} {write.currency} is "
                "not one Easybill can record",
                code="invalid_amount",
            )
        paid_on = write.paid_on or datetime.now(EASYBILL_TIME_ZONE).date()
        return {
            "document_id": int(write.order_id),
            "amount": cents,
            "payment_at": paid_on.isoformat(),
            "type": self.settings.payment_type,
            "provider": self.settings.payment_provider,
            "reference": reference,
            "notice": f"paymatch {write.reference}",
            "is_overdue_fee": False,
        }


def payment_reference(key: str) -> str:
    """The ``reference`` a payment carries: the write's idempotency key, or, if that does not
    fit Easybill's 255 characters (or holds a comma, which Easybill's filters split on), a
    stable digest of it."""
    if 0 < len(key) <= 255 and key.isprintable() and "," not in key:
        return key
    return "paymatch:sha256:" + hashlib.sha256(key.encode()).hexdigest()


def open_invoice_filters(mapping: StatusMapping) -> dict[str, str]:
    """The ``GET /documents`` query of the open listing under ``mapping``."""
    open_statuses = frozenset().union(*mapping.open_statuses.values())
    query = dict(_INVOICES)
    for name, value, leaves_out in _NARROWING:
        if not open_statuses & leaves_out:
            query[name] = value
    return query


def _edited_since(raw: Mapping[str, Any], since: datetime) -> bool:
    try:
        edited = documents.local_datetime(raw.get("edited_at"), "edited_at")
    except DocumentError:
        return True  # let the parser report the document; Easybill said it matches
    return edited is None or edited >= since


class _Customers:
    """``GET /customers/{id}`` for documents without a customer snapshot, once per customer."""

    def __init__(self, client: EasybillClient) -> None:
        self._client = client
        self._seen: dict[int, Mapping[str, Any] | None] = {}

    def __call__(self, customer_id: int) -> Mapping[str, Any] | None:
        if customer_id not in self._seen:
            raw = self._client.get(f"/customers/{customer_id}", missing_ok=True)
            self._seen[customer_id] = raw if isinstance(raw, dict) else None
        return self._seen[customer_id]
