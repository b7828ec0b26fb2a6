"""Search criteria for ``POST /api/search/order``: filters, associations and includes.

Only what the connector reads is requested: the associations it needs (everything else stays
unloaded) and, through ``includes`` keyed by apiAlias, only the fields it parses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

Filter = dict[str, Any]

# Transactions newest first, so that the active one (the newest by createdAt) comes first.
ORDER_ASSOCIATIONS: dict[str, Any] = {
    "currency": {},
    "language": {"associations": {"locale": {}}},
    "orderCustomer": {},
    "billingAddress": {"associations": {"country": {}}},
    "stateMachineState": {},
    "transactions": {
        "sort": [{"field": "createdAt", "order": "DESC"}],
        "associations": {"paymentMethod": {}, "stateMachineState": {}},
    },
    "documents": {
        "filter": [{"type": "equals", "field": "documentType.technicalName", "value": "invoice"}],
        "sort": [{"field": "createdAt", "order": "DESC"}],
        "associations": {"documentType": {}},
    },
}

ORDER_INCLUDES: dict[str, list[str]] = {
    "order": [
        "id",
        "orderNumber",
        "orderDateTime",
        "createdAt",
        "updatedAt",
        "amountTotal",
        "currency",
        "language",
        "orderCustomer",
        "billingAddress",
        "stateMachineState",
        "transactions",
        "documents",
        "primaryOrderTransactionId",
    ],
    "currency": ["isoCode"],
    "language": ["locale"],
    "locale": ["code"],
    "order_customer": ["email", "firstName", "lastName", "company", "customerNumber"],
    "order_address": ["firstName", "lastName", "company", "country"],
    "country": ["iso"],
    "order_transaction": ["id", "createdAt", "amount", "paymentMethod", "stateMachineState"],
    "calculated_price": ["totalPrice"],
    "payment_method": ["id", "technicalName", "handlerIdentifier", "name"],
    "state_machine_state": ["technicalName"],
    "document": ["documentNumber", "config", "createdAt", "documentType"],
    "document_type": ["technicalName"],
}

# Sorting for keyset paging: createdAt never changes; id makes the order total.
KEYSET_SORT: list[dict[str, str]] = [
    {"field": "createdAt", "order": "ASC"},
    {"field": "id", "order": "ASC"},
]

# Shopware's integer code for total-count-mode "exact". Older releases cast the value to int
# (so the string "exact" would become 0, "none"); the integer works on every 6.x release.
TOTAL_COUNT_EXACT = 1


def storage_datetime(moment: datetime) -> str:
    """``moment`` in Shopware's storage format (UTC, milliseconds) for range filters.

    Shopware keeps date-times as UTC ``DATETIME(3)`` and hands filter values to the database as
    they come; this plain form compares correctly on every supported MySQL and MariaDB. A naive
    ``moment`` is taken to be UTC. Sub-millisecond digits are cut, which only widens a ``gte``.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def open_orders_filter(open_states: Iterable[str]) -> list[Filter]:
    """Orders with a transaction in one of ``open_states`` that are not cancelled themselves.

    The database can only say that *some* transaction is open; the connector then keeps the
    orders whose *active* (newest) transaction is open.
    """
    return [
        {
            "type": "equalsAny",
            "field": "transactions.stateMachineState.technicalName",
            "value": sorted(set(open_states)),
        },
        {
            "type": "not",
            "operator": "or",
            "queries": [
                {"type": "equals", "field": "stateMachineState.technicalName", "value": "cancelled"}
            ],
        },
    ]


# A change to an order's payment shows on the transaction, not on the order row; new orders have
# no updatedAt. Any of these at or after ``since`` makes the order "changed".
CHANGE_FIELDS = (
    "createdAt",
    "updatedAt",
    "orderDateTime",
    "transactions.createdAt",
    "transactions.updatedAt",
    "orderCustomer.updatedAt",
    "billingAddress.updatedAt",
    "documents.createdAt",  # a new invoice brings the invoice number customers quote
)


def changed_since_filter(since: datetime) -> list[Filter]:
    value = storage_datetime(since)
    return [
        {
            "type": "multi",
            "operator": "or",
            "queries": [
                {"type": "range", "field": field, "parameters": {"gte": value}}
                for field in CHANGE_FIELDS
            ],
        }
    ]


def after(cursor: str | None, seen_at_cursor: Sequence[str]) -> list[Filter]:
    """The keyset condition of the next page: createdAt >= cursor, minus what was seen there.

    Ids are compared with ``equalsAny`` (which Shopware converts to binary ids); a range on ids
    would compare hex text with binary columns.
    """
    if cursor is None:
        return []
    condition: list[Filter] = [
        {"type": "range", "field": "createdAt", "parameters": {"gte": cursor}}
    ]
    if seen_at_cursor:
        condition.append(
            {
                "type": "not",
                "operator": "or",
                "queries": [{"type": "equalsAny", "field": "id", "value": list(seen_at_cursor)}],
            }
        )
    return condition


def by_id_filter(order_id: str) -> list[Filter]:
    # A filter rather than ``ids``: older releases read ``ids`` as a "|"-separated string.
    return [{"type": "equals", "field": "id", "value": order_id}]


def search_body(
    filters: Sequence[Filter], *, limit: int, extra: Sequence[Filter] = ()
) -> dict[str, Any]:
    """A complete order search on page 1 (keyset paging moves the filter, not the page)."""
    return {
        "page": 1,
        "limit": limit,
        "total-count-mode": TOTAL_COUNT_EXACT,
        "filter": [*filters, *extra],
        "sort": KEYSET_SORT,
        "associations": ORDER_ASSOCIATIONS,
        "includes": ORDER_INCLUDES,
    }
