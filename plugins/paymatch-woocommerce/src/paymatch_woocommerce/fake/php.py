"""The few PHP behaviours the fake must reproduce byte for byte.

``parse_str`` (how PHP fills ``$_GET``: ``+`` is a space, ``a[]=`` and ``a[k]=`` build arrays),
``rawurlencode`` and ``wp_json_encode`` (compact JSON, ``/`` escaped, non-ASCII as ``\\uXXXX``).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

_BRACKETS = re.compile(r"^([^\[]*)\[([^\]]*)\]")


def rawurlencode(text: str) -> str:
    return quote(text, safe="-_.~")


def rawurldecode(text: str) -> str:
    """Unlike ``urldecode`` it leaves ``+`` alone."""
    return unquote(text)


def urldecode(text: str) -> str:
    return unquote_plus(text)


def parse_str(query: str) -> dict[str, Any]:
    """PHP's ``parse_str``: later keys win, ``k[]`` appends, ``k[x]`` sets; one level deep."""
    result: dict[str, Any] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        key, value = urldecode(raw_key), urldecode(raw_value)
        match = _BRACKETS.match(key)
        if match and match.group(1):
            name, index = match.group(1), match.group(2)
            name = name.replace(".", "_").replace(" ", "_")
            array = result.get(name)
            if not isinstance(array, dict):
                array = {}
                result[name] = array
            if index == "":
                numeric = [k for k in array if isinstance(k, int)]
                array[max(numeric) + 1 if numeric else 0] = value
            else:
                array[int(index) if index.isdigit() else index] = value
        else:
            result[key.replace(".", "_").replace(" ", "_")] = value
    return result


def wp_json_encode(value: Any) -> bytes:
    """What WordPress sends: compact, ASCII only, slashes escaped."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def is_php_empty(value: Any) -> bool:
    return value is None or value is False or value in ("", "0", 0) or value in ({}, [])
