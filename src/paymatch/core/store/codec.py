"""Conversions between the domain models and the store's columns: money, times, content hashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from paymatch.core.models import CashDiscount, Order, PaymentCode
from paymatch.core.money import from_minor_units, to_minor_units

__all__ = ["content_hash", "from_minor_units", "minor", "money", "to_minor_units", "utc"]


def utc(moment: datetime) -> datetime:
    """``moment`` as naive UTC, the store's representation; naive input is taken as UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def minor(amount: Decimal, currency: str) -> int:
    return to_minor_units(amount, currency)


def money(units: int, currency: str) -> Decimal:
    return from_minor_units(units, currency)


def order_document(order: Order) -> dict[str, Any]:
    """The order as JSON-safe data (amounts as decimal strings), as kept in ``orders.data``."""
    document: dict[str, Any] = order.model_dump(mode="json", exclude_none=True)
    return document


# How each Order field comes back from its JSON form (``order_document``). Fields not listed are
# strings as stored. tests/store/test_codec.py checks that this covers every field of Order.
ORDER_FIELD_TYPES: dict[str, Callable[[Any], Any]] = {
    "amount": Decimal,
    "open_amount": Decimal,
    "payment_code": PaymentCode,
    "created_at": datetime.fromisoformat,
    "due_date": date.fromisoformat,
    "known_ibans": tuple,
    "cash_discount": CashDiscount.model_validate,
}
ORDER_TEXT_FIELDS = frozenset(
    {
        "id",
        "source",
        "number",
        "invoice_number",
        "customer_number",
        "payment_reference",
        "customer_name",
        "company",
        "email",
        "currency",
        "country",
        "language",
        "status",
        "payment_method",
    }
)


def order_from_document(document: dict[str, Any]) -> Order:
    """The Order back from what ``order_document`` stored, without validating it again.

    The document was written from a validated Order, so the hot path (building a match index
    over a million stored orders) only converts the typed fields. A document with a field this
    function does not know is validated the slow way.
    """
    if not document.keys() <= ORDER_TEXT_FIELDS | ORDER_FIELD_TYPES.keys():
        return Order.model_validate(document)
    values = {
        key: ORDER_FIELD_TYPES[key](value)
        if key in ORDER_FIELD_TYPES and value is not None
        else value
        for key, value in document.items()
    }
    return Order.model_construct(**values)


def content_hash(document: dict[str, Any]) -> str:
    """A stable hash of an order's content, so that an unchanged order is recognised cheaply."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
