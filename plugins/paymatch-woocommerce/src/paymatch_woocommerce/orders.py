"""A WooCommerce order (REST v3 JSON, also the webhook payload) as a :class:`paymatch.Order`.

Money arrives as decimal strings (``"total": "29.35"``) and is parsed exactly against the order's
currency; dates come without an offset, the ``*_gmt`` ones in UTC. An order paymatch cannot use
becomes an :class:`OrderProblem` with the reason, so the rest of a batch proceeds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from paymatch import InputError, Order
from paymatch.connectors.interfaces import OrderProblem


def parse_datetime_gmt(value: Any, name: str = "date") -> datetime | None:
    """``2017-03-22T19:28:02`` (UTC, no offset) as an aware datetime; ``None`` when absent."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not an ISO 8601 date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _meta(data: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    entries = data.get("meta_data")
    if not isinstance(entries, list):
        return None
    values = {
        entry.get("key"): entry.get("value") for entry in entries if isinstance(entry, Mapping)
    }
    for key in keys:
        text = _text(values.get(key))
        if text:
            return text
    return None


def _money(value: Any) -> str | int | Decimal:
    """The raw total as exact input for :class:`Order` (string, int or Decimal, never float)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"total {value!r} is not a decimal string")
    return value


def order_id_of(data: Any) -> str | None:
    order_id = data.get("id") if isinstance(data, Mapping) else None
    if isinstance(order_id, int) and not isinstance(order_id, bool) and order_id > 0:
        return str(order_id)
    return None


def modified_at(data: Mapping[str, Any]) -> datetime | None:
    """When WooCommerce last changed the order (``date_modified_gmt``); ``None`` if unknown."""
    try:
        return parse_datetime_gmt(data.get("date_modified_gmt"))
    except ValueError:
        return None


def parse_order(
    data: Any,
    *,
    source: str = "woocommerce",
    invoice_number_meta_keys: Iterable[str] = ("_wcpdf_invoice_number",),
    language_meta_keys: Iterable[str] = ("wpml_language",),
) -> Order | OrderProblem:
    """One order from its REST JSON; an :class:`OrderProblem` says why it cannot be used."""
    order_id = order_id_of(data)
    if order_id is None:
        return OrderProblem(order_id=None, reason="order without a positive integer id")
    billing = data.get("billing")
    if not isinstance(billing, Mapping):
        billing = {}
    try:
        total = _money(data.get("total"))
        status = _text(data.get("status"))
        if status is None:
            raise ValueError("order without a status")
        customer_id = data.get("customer_id")
        name = " ".join(
            part
            for part in (_text(billing.get("first_name")), _text(billing.get("last_name")))
            if part
        )
        order = Order(
            id=order_id,
            source=source,
            number=_text(data.get("number")) or order_id,
            invoice_number=_meta(data, invoice_number_meta_keys),
            customer_number=str(customer_id)
            if isinstance(customer_id, int) and customer_id > 0
            else None,
            customer_name=name or None,
            company=_text(billing.get("company")),
            email=_text(billing.get("email")),
            currency=data.get("currency"),
            amount=total,
            created_at=parse_datetime_gmt(data.get("date_created_gmt"), "date_created_gmt"),
            country=_text(billing.get("country")),
            language=_meta(data, language_meta_keys),
            status=status,
            payment_method=_text(data.get("payment_method")),
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        field = {"amount": "total"}.get(field, field)
        reason = first["msg"].removeprefix("Value error, ")
        return OrderProblem(order_id=order_id, reason=f"field {field!r}: {reason}")
    except (ValueError, InputError) as error:
        return OrderProblem(order_id=order_id, reason=str(error))
    if order.amount < 0:
        return OrderProblem(order_id=order_id, reason=f"negative total {order.amount}")
    return order
