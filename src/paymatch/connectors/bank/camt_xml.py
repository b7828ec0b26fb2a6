"""Small, fast helpers to read CAMT elements by local name, and to parse their values.

CAMT files come with the ISO namespace as default namespace, with a prefix, or (Bundesbank
samples) with a prefix that the elements do not use, so they end up in no namespace at all.
Everything here therefore works on *local* names and never on namespaced paths.

Value errors are raised as :class:`CamtValueError` carrying the offending element; the reader
turns them into a :class:`~paymatch.core.errors.StatementError` with file, line and XML path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from decimal import Decimal

from lxml import etree

from paymatch.core.errors import InputError
from paymatch.core.money import normalize_currency, parse_amount

Element = etree._Element

_LOCAL_NAMES: dict[str, str] = {}


def local_name(tag: object) -> str:
    """``{urn:...}Ntry`` -> ``Ntry``; comments and other non-elements give ``""``."""
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 10_000:  # tags come from the file: keep the cache bounded
            _LOCAL_NAMES[tag] = name
    return name


def namespace_of(tag: object) -> str | None:
    """``{urn:...}Ntry`` -> ``urn:...``; ``None`` for elements in no namespace."""
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1 : tag.index("}")]
    return None


class CamtValueError(Exception):
    """A value in the file that cannot be read; ``element`` says where."""

    def __init__(self, reason: str, element: Element | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.element = element


def children(element: Element) -> dict[str, list[Element]]:
    """The element children by local name, in document order."""
    found: dict[str, list[Element]] = {}
    for child in element:
        name = local_name(child.tag)
        if name:
            found.setdefault(name, []).append(child)
    return found


Flat = dict[str, list[Element]]
"""Elements by local-name path below some element (``RltdPties/Dbtr/Nm``), in document order."""

# Where an entry's transaction details sit: in NtryDtls (.001.02 on) or on the entry (.001.01).
_DETAIL_PATHS = ("NtryDtls/TxDtls", "TxDtls")


def index_entry(entry: Element) -> tuple[Flat, list[tuple[Element, Flat]]]:
    """An ``Ntry`` indexed in one pass: (its own elements, each ``TxDtls`` with its elements).

    The entry index holds every element outside the transaction details by its path below
    ``Ntry``; each ``TxDtls`` gets an index of its own, with paths below the ``TxDtls``, so that
    a batch keeps its transactions apart. Details come in file order, those inside ``NtryDtls``
    before any directly on the entry (.001.01).

    This is the hot path of a large import (about 60 elements per entry): ``iter()`` walks the
    subtree in C, and each element costs a few dictionary look-ups (its parent's scope, its
    path) instead of the repeated child scans that ``find`` would make.
    """
    flat: Flat = {}
    nested: list[tuple[Element, Flat]] = []
    direct: list[tuple[Element, Flat]] = []
    # Where each element's children go: (index, path prefix). ``getparent()`` hands back the
    # very proxy object stored here, because this dictionary keeps it alive.
    scopes: dict[Element | None, tuple[Flat, str]] = {entry: (flat, "")}
    steps = _STEPS
    elements = entry.iter()
    next(elements)  # the entry itself
    for item in elements:
        target, prefix = scopes[item.getparent()]
        step = steps.get((prefix, item.tag))
        if step is None:
            step = _step(prefix, item.tag)
            if step is None:  # not an element (the parser drops comments and PIs; a guard)
                continue
        path, child_prefix = step
        bucket = target.get(path)
        if bucket is None:
            target[path] = [item]
        else:
            bucket.append(item)
        if target is flat and path in _DETAIL_PATHS:
            detail: Flat = {}
            (nested if prefix else direct).append((item, detail))
            scopes[item] = (detail, "")
        else:
            scopes[item] = (target, child_prefix)
    return flat, nested + direct


# (parent path prefix, tag) -> (path, prefix for its children): the same few dozen
# combinations recur in every entry, so the strings are built once.
_STEPS: dict[tuple[str, object], tuple[str, str]] = {}


def _step(prefix: str, tag: object) -> tuple[str, str] | None:
    name = local_name(tag)
    if not name:
        return None
    path = prefix + name
    step = (path, path + "/")
    if len(_STEPS) < 10_000:  # paths come from the file: keep the cache bounded
        _STEPS[prefix, tag] = step
    return step


def first(flat: Flat, path: str) -> Element | None:
    """The first element on ``path`` in an index, or ``None``."""
    found = flat.get(path)
    return found[0] if found else None


def text_of(flat: Flat, path: str) -> str | None:
    """The stripped text of the first element on ``path`` (see :func:`text`)."""
    found = flat.get(path)
    return text(found[0]) if found else None


def child(element: Element | None, name: str) -> Element | None:
    """The first child with local name ``name``."""
    if element is None:
        return None
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def find(element: Element | None, *path: str) -> Element | None:
    """Follow ``path`` (local names), always taking the first match."""
    for name in path:
        element = child(element, name)
        if element is None:
            return None
    return element


def find_all(element: Element | None, name: str) -> Iterator[Element]:
    if element is None:
        return
    for item in element:
        if local_name(item.tag) == name:
            yield item


def text(element: Element | None) -> str | None:
    """The stripped text of an element; ``None`` when missing or blank."""
    if element is None:
        return None
    value = element.text
    if value is None:
        return None
    value = value.strip()
    return value or None


def text_at(element: Element | None, *path: str) -> str | None:
    return text(find(element, *path))


# Placeholders that banks and clearing systems put where a reference is not known.
NOT_PROVIDED = frozenset({"NOTPROVIDED", "NOT PROVIDED", "NONREF"})


def reference(value: str | None) -> str | None:
    """A reference value, or ``None`` for the "not provided" placeholders."""
    if value is None or value.upper() in NOT_PROVIDED:
        return None
    return value


def xml_path(element: Element, stop: Element | None, prefix: str) -> str:
    """``prefix/…/Amt`` from ``stop`` (exclusive) down to ``element``, with [n] among siblings."""
    parts: list[str] = []
    current: Element | None = element
    while current is not None and current is not stop:
        name = local_name(current.tag) or "?"
        parent = current.getparent()
        if parent is not None:
            same = [item for item in parent if local_name(item.tag) == name]
            if len(same) > 1:
                name = f"{name}[{same.index(current) + 1}]"
        parts.append(name)
        current = parent
    parts.reverse()
    return "/".join([prefix, *parts]) if prefix else "/".join(parts)


# --- values ------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"\d{1,18}(?:\.\d{1,18})?")
_CURRENCIES: dict[str, str] = {}  # Ccy as written -> the code normalize_currency accepted


def amount(element: Element | None) -> tuple[Decimal, str] | None:
    """An ``Amt Ccy="EUR"`` element as (unsigned amount, currency); ``None`` when absent."""
    if element is None:
        return None
    raw = (element.text or "").strip()
    currency_raw = element.get("Ccy")
    if currency_raw is None:
        raise CamtValueError("amount without a Ccy attribute", element)
    currency = _CURRENCIES.get(currency_raw)
    if currency is None:
        try:
            currency = normalize_currency(currency_raw)
        except InputError as error:
            raise CamtValueError(error.reason, element) from None
        if len(_CURRENCIES) < 1_000:
            _CURRENCIES[currency_raw] = currency
    if not _AMOUNT.fullmatch(raw):
        if raw.startswith("-"):
            reason = f"amount {raw!r} is negative; CAMT amounts are unsigned (see CdtDbtInd)"
        else:
            reason = f"amount {raw!r} is not a decimal number such as 12.50"
        raise CamtValueError(reason, element)
    try:
        return parse_amount(raw, currency), currency
    except InputError as error:
        raise CamtValueError(error.reason, element) from None


def sign(element: Element | None, *, required: bool, context: Element) -> int | None:
    """``CdtDbtInd``: +1 for CRDT, -1 for DBIT."""
    value = text(element)
    if value is None:
        if required:
            raise CamtValueError("missing CdtDbtInd (CRDT or DBIT)", context)
        return None
    upper = value.upper()
    if upper == "CRDT":
        return 1
    if upper == "DBIT":
        return -1
    raise CamtValueError(f"CdtDbtInd {value!r} is neither CRDT nor DBIT", element)


def boolean(element: Element | None) -> bool:
    value = text(element)
    if value is None:
        return False
    lowered = value.lower()
    if lowered in {"true", "1"}:
        return True
    if lowered in {"false", "0"}:
        return False
    raise CamtValueError(f"{value!r} is not a boolean (true/false)", element)


_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?")
_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,12})?)?(Z|[+-]\d{2}:?\d{2})?"
)


def date_value(element: Element, zone: tzinfo | None) -> date:
    """An ISO date or date-time as a date.

    A date-time with a UTC offset is moved into ``zone`` first when one is given (a booking at
    ``2014-01-04T23:00:00Z`` is on 5 January in Amsterdam); otherwise its date is taken as written.
    """
    raw = (element.text or "").strip()
    match = _DATE.fullmatch(raw)
    try:
        if match:
            return date.fromisoformat(match.group(1))
        match = _DATETIME.fullmatch(raw)
        if match:
            if zone is None or match.group(2) is None:
                return date.fromisoformat(match.group(1))
            moment = datetime.fromisoformat(raw.replace(",", "."))
            return moment.astimezone(zone).date()
    except ValueError:
        pass
    raise CamtValueError(f"{raw!r} is not a valid ISO date or date-time", element)


def date_at(flat: Flat, path: str, zone: tzinfo | None) -> date | None:
    """Like :func:`date_choice` for the element on ``path`` of an index (``BookgDt``)."""
    found = flat.get(path + "/Dt") or flat.get(path + "/DtTm")
    if found:
        return date_value(found[0], zone)
    found = flat.get(path)
    if found and text(found[0]) is not None:  # a bare date without the Dt/DtTm wrapper
        return date_value(found[0], zone)
    return None


def date_choice(element: Element | None, zone: tzinfo | None) -> date | None:
    """``BookgDt``/``ValDt``/``Bal/Dt``: a ``Dt`` or a ``DtTm`` child (either accepted)."""
    if element is None:
        return None
    for item in element:
        name = local_name(item.tag)
        if name in {"Dt", "DtTm"}:
            return date_value(item, zone)
    if text(element) is not None:  # a bare date without the Dt/DtTm wrapper
        return date_value(element, zone)
    return None
