"""JSON text with exact numbers: ``Decimal`` values are written digit for digit.

Shopware (PHP, ``serialize_precision=-1``) writes money as plain JSON numbers such as ``395.01``.
The fake keeps amounts as ``Decimal`` and must write them back the same way; the standard
``json`` module cannot write a ``Decimal`` as a number, so this small writer does.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(value: Any) -> str:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


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


def _write(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool | str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        out.append(str(value))
    elif isinstance(value, float):
        raise TypeError("the fake keeps numbers as Decimal, never float")
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")
