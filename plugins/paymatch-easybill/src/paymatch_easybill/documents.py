"""Easybill documents (invoices) as paymatch orders.

Easybill invoices have no status of their own (``status`` is only used by offers, orders,
deliveries and charges). The connector derives one from the document, in this order:

==================  ===========================================================================
``draft``           ``is_draft`` is true: not yet issued (no number), nothing to pay yet
``cancelled``       ``cancel_id`` is set: a cancellation document (``STORNO``) cancels it
``paid``            ``paid_at`` is set, or nothing is left to pay (``paid_amount >= amount``)
``archived``        ``is_archive`` is true: the merchant put the unpaid invoice away
``partially_paid``  part of ``amount`` is paid (``paid_amount``); the rest is ``open_amount``
``open``            issued, unpaid
==================  ===========================================================================

The default mapping counts ``open`` and ``partially_paid`` as waiting for payment.
Amounts are integers in the currency's minor unit (cents for EUR) and become exact ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from paymatch import CashDiscount, MoneyError, Order
from paymatch.connectors.interfaces import OrderProblem
from paymatch.core.money import from_minor_units, normalize_currency

EASYBILL_TIME_ZONE = ZoneInfo("Europe/Berlin")
"""Easybill's dates and times are local times in Berlin (API description)."""

INVOICE = "INVOICE"
PAYMENT_METHOD = "invoice"
"""What ``Order.payment_method`` says for every Easybill invoice: Easybill documents carry no
payment method, so the default mapping maps this one name (override it to manage invoices as
another payment code)."""

DRAFT = "draft"
CANCELLED = "cancelled"
PAID = "paid"
ARCHIVED = "archived"
PARTIALLY_PAID = "partially_paid"
OPEN = "open"
OPEN_STATUSES = frozenset({OPEN, PARTIALLY_PAID})

# pdf_template: "Default template is null or 'DE', default english is 'EN'" (API spec); the
# numeric ids of a merchant's own templates say nothing about the language.
_TEMPLATE_LANGUAGES = {None: "de", "DE": "de", "EN": "en"}

CustomerLookup = Callable[[int], Mapping[str, Any] | None]


class DocumentError(ValueError):
    """A document the connector cannot turn into an order; the reason names the field."""


def minor_units(raw: Mapping[str, Any], name: str, *, default: int | None = None) -> int:
    """An integer amount field (cents); ``default`` stands in for a missing or null one."""
    value = raw.get(name)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise DocumentError(f"{name} {value!r} is not an integer amount in minor units (cents)")
    return value


def currency_of(raw: Mapping[str, Any]) -> str:
    try:
        return normalize_currency(raw.get("currency"))
    except MoneyError as error:
        raise DocumentError(f"currency: {error}") from None


def local_datetime(value: Any, name: str) -> datetime | None:
    """``Y-m-d H:i:s`` in Berlin time (or ISO 8601 with an offset) as an aware datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DocumentError(f"{name} {value!r} is not a date-time")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DocumentError(f"{name} {value!r} is not a date-time (Y-m-d H:i:s)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=EASYBILL_TIME_ZONE)


def local_date(value: Any, name: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DocumentError(f"{name} {value!r} is not a date")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise DocumentError(f"{name} {value!r} is not a date (Y-m-d)") from None


def status_of(raw: Mapping[str, Any]) -> str:
    """The status the connector derives for an invoice (see the module's table)."""
    if raw.get("is_draft"):
        return DRAFT
    if raw.get("cancel_id") is not None:
        return CANCELLED
    amount = minor_units(raw, "amount")
    paid = minor_units(raw, "paid_amount", default=0)
    if raw.get("paid_at") or paid >= amount:
        return PAID
    if raw.get("is_archive"):
        return ARCHIVED
    return PARTIALLY_PAID if paid > 0 else OPEN


def document_id(raw: Any) -> str | None:
    if isinstance(raw, Mapping):
        value = raw.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def to_order(
    raw: Mapping[str, Any], *, source: str, customer: CustomerLookup | None = None
) -> Order | OrderProblem:
    """The order for one invoice document, or an :class:`OrderProblem` saying what is wrong."""
    order_id = document_id(raw)
    try:
        if order_id is None:
            raise DocumentError(f"id {raw.get('id')!r} is not an Easybill document id")
        if raw.get("type") != INVOICE:
            raise DocumentError(f"type {raw.get('type')!r} is not an invoice")
        return _order(raw, order_id, source, customer)
    except DocumentError as error:
        return OrderProblem(order_id=order_id, reason=f"Easybill document {order_id}: {error}")
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False)
        )
        return OrderProblem(order_id=order_id, reason=f"Easybill document {order_id}: {reasons}")


def _order(
    raw: Mapping[str, Any], order_id: str, source: str, customer: CustomerLookup | None
) -> Order:
    currency = currency_of(raw)
    amount = minor_units(raw, "amount")
    paid = minor_units(raw, "paid_amount", default=0)
    status = status_of(raw)
    address = _mapping(raw.get("address"), "address")
    snapshot = _mapping(raw.get("customer_snapshot"), "customer_snapshot")
    if not snapshot and customer is not None and isinstance(raw.get("customer_id"), int):
        # No snapshot (older or unusual documents): the customer record, fetched once per
        # customer and listing by the caller's lookup.
        snapshot = dict(customer(raw["customer_id"]) or {})
    number = _text(raw.get("number"))
    created = local_datetime(raw.get("created_at"), "created_at")
    document_date = local_date(raw.get("document_date"), "document_date")
    return Order(
        id=order_id,
        source=source,
        number=_text(raw.get("order_number")) or number,
        invoice_number=number,
        customer_number=_text(snapshot.get("number")),
        customer_name=_name(address) or _name(snapshot),
        company=_text(address.get("company_name")) or _text(snapshot.get("company_name")),
        email=_first_email(snapshot.get("emails")),
        currency=currency,
        amount=from_minor_units(amount, currency),
        open_amount=(
            from_minor_units(max(amount - paid, 0), currency) if paid and amount > 0 else None
        ),
        created_at=created or document_date,
        due_date=local_date(raw.get("due_date"), "due_date"),
        country=_text(raw.get("billing_country")) or _text(address.get("country")),
        language=_TEMPLATE_LANGUAGES.get(raw.get("pdf_template")),
        known_ibans=tuple(filter(None, [_text(snapshot.get("bank_iban"))])),
        cash_discount=_cash_discount(raw, document_date),
        status=status,
        payment_method=PAYMENT_METHOD,
    )


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DocumentError(f"{name} is not an object")
    return value


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _name(record: Mapping[str, Any]) -> str | None:
    parts = [_text(record.get("first_name")), _text(record.get("last_name"))]
    return " ".join(part for part in parts if part) or None


def _first_email(value: Any) -> str | None:
    if isinstance(value, list):
        for item in value:
            if text := _text(item):
                return text
    return None


def _cash_discount(raw: Mapping[str, Any], document_date: date | None) -> CashDiscount | None:
    """Skonto from ``cash_allowance`` (percent) within ``cash_allowance_days`` of the date.

    Optional information: a value that does not make sense is left out rather than making the
    whole invoice unusable.
    """
    percent, days = raw.get("cash_allowance"), raw.get("cash_allowance_days")
    if isinstance(percent, bool) or not isinstance(percent, int | Decimal) or not percent:
        return None
    until = None
    if isinstance(days, int) and not isinstance(days, bool) and document_date is not None:
        until = document_date + timedelta(days=days)
    try:
        return CashDiscount(percent=Decimal(percent), until=until)
    except ValidationError:
        return None
