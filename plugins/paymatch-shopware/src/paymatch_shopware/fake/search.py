"""The fake's Admin API search: criteria validation, filters, sorting, paging, associations and
includes, following Shopware's ``RequestCriteriaBuilder`` and DAL semantics.

- ``limit`` (default 500, at most 500) and 1-based ``page``; offset = ``limit * (page - 1)``.
- ``total-count-mode``: 0/"none" (rows on this page), 1/"exact" (all), 2/"next-pages"
  (up to ``limit * 6 + 1`` rows from the offset); anything else means none.
- Filters ``equals``, ``equalsAny``, ``contains``, ``prefix``, ``suffix``, ``range``, ``not`` and
  ``multi`` on dotted paths; a path through a to-many association matches if any element does.
  Date-times compare as instants (ISO 8601 with offset, or Shopware's UTC storage form).
- Associations that are not requested come back as ``null`` (only ``stateMachineState`` loads by
  itself); to-many associations may carry their own ``filter``, ``sort`` and ``limit``.
- ``includes`` keep, per apiAlias, only the listed fields (and ``apiAlias``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_LIMIT = 500

# apiAlias -> association field -> apiAlias of the associated entity
ASSOCIATIONS: dict[str, dict[str, str]] = {
    "order": {
        "orderCustomer": "order_customer",
        "currency": "currency",
        "language": "language",
        "salesChannel": "sales_channel",
        "addresses": "order_address",
        "billingAddress": "order_address",
        "deliveries": "order_delivery",
        "lineItems": "order_line_item",
        "transactions": "order_transaction",
        "documents": "document",
        "tags": "tag",
        "stateMachineState": "state_machine_state",
        "createdBy": "user",
        "updatedBy": "user",
    },
    "order_customer": {"customer": "customer", "salutation": "salutation", "order": "order"},
    "order_address": {
        "country": "country",
        "countryState": "country_state",
        "salutation": "salutation",
        "order": "order",
        "orderDeliveries": "order_delivery",
    },
    "order_transaction": {
        "paymentMethod": "payment_method",
        "stateMachineState": "state_machine_state",
        "order": "order",
        "captures": "order_transaction_capture",
    },
    "order_delivery": {
        "shippingOrderAddress": "order_address",
        "shippingMethod": "shipping_method",
        "stateMachineState": "state_machine_state",
        "positions": "order_delivery_position",
        "order": "order",
    },
    "order_line_item": {
        "cover": "media",
        "product": "product",
        "parent": "order_line_item",
        "children": "order_line_item",
        "order": "order",
        "orderDeliveryPositions": "order_delivery_position",
        "downloads": "order_line_item_download",
        "promotion": "promotion",
    },
    "language": {
        "locale": "locale",
        "translationCode": "locale",
        "parent": "language",
        "children": "language",
    },
    "payment_method": {
        "appPaymentMethod": "app_payment_method",
        "media": "media",
        "plugin": "plugin",
        "availabilityRule": "rule",
    },
    "document": {"documentType": "document_type", "order": "order", "documentMediaFile": "media"},
    "currency": {},
    "country": {"states": "country_state"},
    "state_machine_state": {"stateMachine": "state_machine"},
}
AUTOLOADED: dict[str, frozenset[str]] = {
    "order": frozenset({"stateMachineState"}),
    "order_transaction": frozenset({"stateMachineState"}),
    "order_delivery": frozenset({"stateMachineState"}),
}


class SearchError(Exception):
    """A 400 answer: one or more Shopware error objects."""

    def __init__(self, errors: list[dict[str, Any]], status: int = 400) -> None:
        self.errors = errors
        self.status = status
        super().__init__("; ".join(str(error.get("detail")) for error in errors))


def error(
    code: str, detail: str, *, pointer: str | None = None, **parameters: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "status": "400",
        "code": code,
        "title": "Bad Request",
        "detail": detail,
        "meta": {"parameters": parameters},
    }
    if pointer is not None:
        item["source"] = {"pointer": pointer}
    return item


@dataclass
class Criteria:
    limit: int | None = MAX_LIMIT
    offset: int = 0
    total_count_mode: int = 0
    ids: list[str] | None = None
    filters: list[dict[str, Any]] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    associations: dict[str, Criteria] = field(default_factory=dict)
    includes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SearchResult:
    rows: list[dict[str, Any]]
    total: int
    mode: int


def parse_criteria(payload: Any, alias: str, *, top: bool = True, pointer: str = "") -> Criteria:
    """Validate a criteria document, collecting every error as Shopware does."""
    if not isinstance(payload, dict):
        raise SearchError([error("FRAMEWORK__INVALID_CRITERIA", "The criteria must be an object.")])
    errors: list[dict[str, Any]] = []
    criteria = Criteria(limit=MAX_LIMIT if top else None)
    if "ids" in payload:
        ids = payload["ids"]
        criteria.ids = [i for i in (ids.split("|") if isinstance(ids, str) else ids) if i]
        criteria.limit = None
    else:
        criteria.total_count_mode = _count_mode(payload.get("total-count-mode"))
        if "limit" in payload:
            criteria.limit = _limit(payload["limit"], errors, pointer)
        if "page" in payload:
            page = _page(payload["page"], errors, pointer)
            if page is not None:
                criteria.offset = (criteria.limit or 0) * (page - 1)
    for key in ("filter", "post-filter"):
        if key in payload:
            filters = payload[key]
            if not isinstance(filters, list):
                errors.append(
                    error(
                        "FRAMEWORK__INVALID_FILTER_QUERY",
                        "The filter parameter has to be a list of filters.",
                        pointer=f"{pointer}/{key}",
                    )
                )
                continue
            for index, item in enumerate(filters):
                _check_filter(item, alias, errors, f"{pointer}/{key}/{index}")
            criteria.filters.extend(item for item in filters if isinstance(item, dict))
    for index, item in enumerate(payload.get("sort") or []):
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            errors.append(
                error(
                    "FRAMEWORK__INVALID_SORT_QUERY",
                    "A sorting needs a field.",
                    pointer=f"{pointer}/sort/{index}",
                )
            )
            continue
        descending = str(item.get("order", "ASC")).lower() == "desc"
        criteria.sort.append((_strip_root(item["field"], alias), descending))
    associations = payload.get("associations") or {}
    if not isinstance(associations, dict):
        associations = {}
    for name, nested in associations.items():
        known = ASSOCIATIONS.get(alias, {})
        if name not in known:
            raise SearchError(
                [
                    error(
                        "FRAMEWORK__ASSOCIATION_NOT_FOUND",
                        f"Can not find association by name {name}",
                        association=name,
                    )
                ]
            )
        criteria.associations[name] = parse_criteria(
            nested or {}, known[name], top=False, pointer=f"{pointer}/associations/{name}"
        )
    includes = payload.get("includes") or {}
    if isinstance(includes, dict):
        criteria.includes = {
            str(key): [str(name) for name in value]
            for key, value in includes.items()
            if isinstance(value, list)
        }
    if errors:
        raise SearchError(errors)
    return criteria


def _count_mode(value: Any) -> int:
    names = {"none": 0, "exact": 1, "next-pages": 2}
    if isinstance(value, str) and value in names:
        return names[value]
    try:
        mode = int(value)
    except (TypeError, ValueError):
        return 0
    return mode if mode in (0, 1, 2) else 0


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | Decimal):
        return True
    return isinstance(value, str) and value.strip().lstrip("-").isdigit()


def _limit(value: Any, errors: list[dict[str, Any]], pointer: str) -> int | None:
    if not _is_number(value) or int(value) <= 0:
        errors.append(
            error(
                "FRAMEWORK__INVALID_LIMIT_QUERY",
                "The limit parameter must be a positive integer greater or equals than 1. "
                f"Given: {value}",
                pointer=f"{pointer}/limit",
                limit=value,
            )
        )
        return None
    limit = int(value)
    if limit > MAX_LIMIT:
        errors.append(
            error(
                "FRAMEWORK__QUERY_LIMIT_EXCEEDED",
                f"The limit must be lower than or equal to MAX_LIMIT(={MAX_LIMIT}). Given: {limit}",
                pointer=f"{pointer}/limit",
                maxLimit=MAX_LIMIT,
                limit=limit,
            )
        )
        return None
    return limit


def _page(value: Any, errors: list[dict[str, Any]], pointer: str) -> int | None:
    if not _is_number(value) or int(value) <= 0:
        errors.append(
            error(
                "FRAMEWORK__INVALID_PAGE_QUERY",
                f"The page parameter must be a positive integer. Given: {value}",
                pointer=f"{pointer}/page",
                page=value,
            )
        )
        return None
    return int(value)


_FILTER_TYPES = {"equals", "equalsany", "contains", "prefix", "suffix", "range", "not", "multi"}
_MULTI_ALIASES = {"and": "and", "or": "or", "nand": "and", "nor": "or"}


def _check_filter(item: Any, alias: str, errors: list[dict[str, Any]], pointer: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        errors.append(
            error("FRAMEWORK__INVALID_FILTER_QUERY", "A filter needs a type.", pointer=pointer)
        )
        return
    kind = item["type"].lower()
    if kind in _MULTI_ALIASES:
        kind = "multi"
    if kind not in _FILTER_TYPES:
        errors.append(
            error(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                f"Unsupported filter type: {item['type']}",
                pointer=pointer,
            )
        )
        return
    if kind in ("not", "multi"):
        queries = item.get("queries")
        if not isinstance(queries, list):
            errors.append(
                error(
                    "FRAMEWORK__INVALID_FILTER_QUERY",
                    'Parameter "queries" for multi filter is missing.',
                    pointer=f"{pointer}/queries",
                )
            )
            return
        for index, nested in enumerate(queries):
            _check_filter(nested, alias, errors, f"{pointer}/queries/{index}")
        return
    if not isinstance(item.get("field"), str) or not item["field"]:
        errors.append(
            error(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                f'Parameter "field" for {kind} filter is missing.',
                pointer=f"{pointer}/field",
            )
        )
        return
    if kind == "range" and not isinstance(item.get("parameters"), dict):
        errors.append(
            error(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                'Parameter "parameters" for range filter is missing.',
                pointer=f"{pointer}/parameters",
            )
        )
    elif kind != "range" and "value" not in item:
        errors.append(
            error(
                "FRAMEWORK__INVALID_FILTER_QUERY",
                f'Parameter "value" for {kind} filter is missing.',
                pointer=f"{pointer}/value",
            )
        )


# -- evaluation ---------------------------------------------------------------------------------


def _strip_root(path: str, alias: str) -> str:
    prefix = alias + "."
    return path[len(prefix) :] if path.startswith(prefix) else path


def resolve(entity: dict[str, Any], path: str) -> list[Any]:
    """The values at ``path``; through lists (to-many) every element counts."""
    values: list[Any] = [entity]
    segments = path.split(".")
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        found: list[Any] = []
        for value in values:
            if not isinstance(value, dict) or segment not in value:
                continue
            item = value[segment]
            if isinstance(item, list) and not last:
                found.extend(item)
            elif item is not None or last:
                found.append(item)
        values = found
    return values


def _as_instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10 or value[4] != "-":
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _comparable(value: Any) -> Any:
    instant = _as_instant(value)
    if instant is not None:
        return instant
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return value


def _equal(left: Any, right: Any) -> bool:
    a, b = _comparable(left), _comparable(right)
    if isinstance(a, Decimal) and isinstance(right, str):
        try:
            return a == Decimal(right)
        except InvalidOperation:
            return False
    return bool(a == b)


def _ordered(left: Any, right: Any, test: Callable[[Any, Any], bool]) -> bool:
    a, b = _comparable(left), _comparable(right)
    if isinstance(a, Decimal) and isinstance(b, str):
        try:
            b = Decimal(b)
        except InvalidOperation:
            return False
    try:
        return test(a, b)
    except TypeError:
        return False


_RANGE_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def matches(item: dict[str, Any], entity: dict[str, Any], alias: str) -> bool:
    kind = item["type"].lower()
    if kind in _MULTI_ALIASES or kind in ("not", "multi"):
        operator = str(item.get("operator", "and")).lower()
        if kind in _MULTI_ALIASES:
            operator = _MULTI_ALIASES[kind]
        results = [matches(query, entity, alias) for query in item["queries"]]
        combined = any(results) if operator == "or" else all(results)
        negate = kind == "not" or kind in ("nand", "nor")
        return not combined if negate else combined
    values = resolve(entity, _strip_root(item["field"], alias))
    expected = item.get("value")
    if kind == "equals":
        if expected is None:
            return not values or any(value is None for value in values)
        return any(_equal(value, expected) for value in values)
    if kind == "equalsany":
        options = expected.split("|") if isinstance(expected, str) else list(expected or [])
        return any(_equal(value, option) for value in values for option in options)
    if kind in ("contains", "prefix", "suffix"):
        needle = str(expected).casefold()
        texts = [str(value).casefold() for value in values if value is not None]
        if kind == "contains":
            return any(needle in text for text in texts)
        if kind == "prefix":
            return any(text.startswith(needle) for text in texts)
        return any(text.endswith(needle) for text in texts)
    parameters = item["parameters"]
    return any(
        value is not None
        and all(
            _ordered(value, bound, _RANGE_TESTS[name])
            for name, bound in parameters.items()
            if name in _RANGE_TESTS
        )
        for value in values
    )


class _Descending:
    """Inverts the order of a sort key (for ``DESC``)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.key < self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and bool(self.key == other.key)

    __hash__ = None  # type: ignore[assignment]


def _sort_key(row: dict[str, Any], sort: list[tuple[str, bool]]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for path, descending in sort:
        values = resolve(row, path)
        value = _comparable(values[0]) if values else None
        # MySQL: NULL sorts before everything in ascending order.
        key = (0,) if value is None else (1, value)
        parts.append(_Descending(key) if descending else key)
    return tuple(parts)


def select(
    entities: list[dict[str, Any]], criteria: Criteria, alias: str
) -> tuple[list[dict[str, Any]], int]:
    """Filter, sort and page ``entities``; returns the page and the count for ``total``."""
    rows = [
        entity
        for entity in entities
        if (criteria.ids is None or entity.get("id") in criteria.ids)
        and all(matches(item, entity, alias) for item in criteria.filters)
    ]
    if criteria.sort:
        rows.sort(key=lambda row: _sort_key(row, criteria.sort))
    start = criteria.offset
    if criteria.limit is None:
        return rows[start:], len(rows)
    page = rows[start : start + criteria.limit]
    if criteria.total_count_mode == 1:
        total = len(rows)
    elif criteria.total_count_mode == 2:
        total = max(0, min(len(rows) - start, criteria.limit * 6 + 1))
    else:
        total = len(page)
    return page, total


def shape(
    entity: dict[str, Any],
    criteria: Criteria,
    alias: str,
    includes: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A copy of ``entity`` as Shopware serializes it for ``criteria``: unrequested associations
    unloaded (``null``), nested criteria applied, and only the ``includes`` fields kept."""
    includes = includes or {}
    keep = includes.get(alias)
    known = ASSOCIATIONS.get(alias, {})
    out: dict[str, Any] = {}
    for name, value in entity.items():
        if keep is not None and name not in keep and name != "apiAlias":
            continue
        target = known.get(name)
        if target is None:
            out[name] = apply_includes(value, includes)
            continue
        nested = criteria.associations.get(name)
        if nested is None and name in AUTOLOADED.get(alias, frozenset()):
            nested = Criteria(limit=None)
        if nested is None or value is None:
            out[name] = None
        elif isinstance(value, list):
            page, _ = select(value, nested, target)
            out[name] = [shape(element, nested, target, includes) for element in page]
        else:
            out[name] = shape(value, nested, target, includes)
    return out


def apply_includes(value: Any, includes: dict[str, list[str]]) -> Any:
    if isinstance(value, list):
        return [apply_includes(item, includes) for item in value]
    if not isinstance(value, dict):
        return value
    alias = value.get("apiAlias")
    keep = includes.get(alias) if isinstance(alias, str) else None
    result = {}
    for key, item in value.items():
        if keep is not None and key not in keep and key != "apiAlias":
            continue
        result[key] = apply_includes(item, includes)
    return result
