"""``load_json_line`` (orjson where it reads alike) gives exactly what ``json.loads`` gives:
the same values of the same types, or the same error message."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.interchange import load_json_line

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson would read those as floats
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities: json reads them, orjson refuses them
    | st.text(),  # lone surrogates: json reads them, orjson refuses them
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types throughout (1 == 1.0 is not the same here; NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    return bool(a == b)


def outcome(text: str) -> tuple[str, Any]:
    try:
        return "value", load_json_line(text)
    except json.JSONDecodeError as error:
        return "error", (error.msg, error.pos)


def expected(text: str) -> tuple[str, Any]:
    try:
        return "value", json.loads(text)
    except json.JSONDecodeError as error:
        return "error", (error.msg, error.pos)


@given(json_values, st.booleans())
def test_reads_every_json_value_as_json_loads_does(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only) + "\n"
    kind, got = outcome(text)
    assert kind == "value"
    assert same(got, json.loads(text))


@given(st.text(alphabet='{}[]":,0123456789.eE-+ tnrufalsNIy\\\u00e9', max_size=30))
def test_malformed_text_fails_with_json_loads_message(text: str) -> None:
    (kind, got), (want_kind, want) = outcome(text), expected(text)
    assert kind == want_kind
    assert same(got, want) if kind == "value" else got == want


@pytest.mark.parametrize(
    "text",
    [
        '{"amount": 123456789012345678901234567890}',
        '{"amount": 18446744073709551616, "x": {"y": [1, 2.5]}}',
        '{"amount": NaN}',
        '{"a": 1, "a": 2}',
        '{"name": "\\ud800"}',
        "[1, 2",
    ],
)
def test_where_orjson_differs_json_loads_decides(text: str) -> None:
    (kind, got), (want_kind, want) = outcome(text), expected(text)
    assert kind == want_kind
    assert same(got, want) if kind == "value" else got == want
