"""JSON text with exact numbers: ``Decimal`` values are written digit for digit.

Shopware (PHP, ``serialize_precision=-1``) writes money as plain JSON numbers such as ``395.01``.
The fake keeps amounts as ``Decimal`` and must write them back the same way; the standard
``json`` module cannot write a ``Decimal`` as a number, so each one is written as a marked string
first and the marks are then replaced by the digits.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0001decimal:"
_MARKED = re.compile(r'"\\u0001decimal:([^"]*)"')


def dumps(value: Any) -> str:
    """Compact JSON (as Shopware writes it) with each ``Decimal`` as a plain JSON number."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_decimal)
    return _MARKED.sub(lambda match: match.group(1), text)


def _decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return _MARK + str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def clone(value: Any) -> Any:
    """A deep copy of a JSON-like value (much faster than ``copy.deepcopy``); floats refused."""
    if isinstance(value, dict):
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item) for item in value]
    if isinstance(value, float):
        raise TypeError("the fake keeps numbers as Decimal, never float")
    return value


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)
