"""Conversions between the domain models and the store's columns: money, times, content hashes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from paymatch.core.models import Order
from paymatch.core.money import from_minor_units, to_minor_units
from paymatch.core.ports import JsonDocument

__all__ = [
    "content_hash",
    "from_minor_units",
    "json_text",
    "load_order_document",
    "minor",
    "money",
    "to_minor_units",
    "utc",
]


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


def order_from_document(document: dict[str, Any]) -> Order:
    """The Order back from what ``order_document`` stored.

    Validation is kept: pydantic-core validates a stored document faster than ``model_construct``
    assembles one in Python, and it keeps old documents readable when the model grows.
    """
    return Order.model_validate(document)


def content_hash(document: dict[str, Any]) -> str:
    """A stable hash of an order's content, so that an unchanged order is recognised cheaply."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_order_document(text: str | bytes) -> dict[str, Any]:
    """An ``orders.data`` or ``orders.lifecycle`` document from its JSON text, as the JSON
    column would read it.

    orjson, three to four times faster than the json module: an index build reads a million.
    Safe here, not for JSON in general: orjson reads integers beyond 64 bits as floats, but these
    documents hold no such numbers (amounts and percentages are decimal strings; the lifecycle
    snapshot's only integer is the dunning level, 0 to 5).
    """
    document: dict[str, Any] = orjson.loads(text)
    return document


# What orjson would write differently from json.dumps (or write where json.dumps refuses) is
# passed back to it, so that json.dumps decides: subclasses of str, int, dict and list (enums),
# datetimes and dataclasses. Integers beyond 64 bits and keys that are not strings make orjson
# refuse; json.dumps writes those too.
_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def json_text(value: Any) -> str:
    """What a JSON column stores for ``value`` (the engines' ``json_serializer``).

    The text of a :class:`~paymatch.core.ports.JsonDocument` as it is; anything else as JSON,
    by orjson (an import writes a few documents per posting, and orjson takes a fifth of the
    time), else by ``json.dumps``, SQLAlchemy's default, which also raises for what JSON cannot
    hold. Both read back to the same value, except NaN and infinities, which JSON cannot hold:
    orjson writes ``null`` for them (json.dumps wrote the non-standard ``NaN``).
    """
    if isinstance(value, JsonDocument):
        return value.text
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value)
