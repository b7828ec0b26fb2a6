"""Reference patterns and ignore rules, the shapes of the matching extensions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.core.models import Order, Posting
from paymatch.rules.extensions import (
    FunctionIgnoreRule,
    IgnoreRule,
    IgnoreVerdict,
    ReferenceKind,
    ReferencePattern,
    as_ignore_rule,
    first_ignore_verdict,
)


def _posting(**fields: Any) -> Posting:
    base = {"id": "p1", "booking_date": "2026-11-20", "amount": "49.90", "currency": "EUR"}
    return Posting(**(base | fields))


@pytest.mark.parametrize(
    ("regex", "text", "found"),
    [
        (r"\bEX-\d{4}\b", "Bestellung EX-1001, EX-1002", ["EX-1001", "EX-1002"]),
        (r"\bEX-(\d{4})\b", "Bestellung EX-1001", ["1001"]),
        (r"(INV|RE)-(?P<ref>\d+)", "RE-77 und INV-78", ["77", "78"]),
        (r"(?i)\bex ?(\d{4,})", "ex 1001 Ex12345", ["1001", "12345"]),
        (r"\bEX-\d{4}\b", "nothing here", []),
    ],
)
def test_findall_takes_the_reference_group(regex: str, text: str, found: list[str]) -> None:
    assert ReferencePattern("p", regex, "order_number").findall(text) == found


def test_a_compiled_regex_is_kept_with_its_flags() -> None:
    pattern = ReferencePattern("p", re.compile(r"ab(\d+)", re.I), ReferenceKind.CUSTOMER_NUMBER)
    assert pattern.findall("AB12") == ["12"]
    assert pattern.refers_to is ReferenceKind.CUSTOMER_NUMBER


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "p", "regex": r"\d*", "refers_to": "order_number"}, "matches the empty text"),
        ({"name": "p", "regex": r"(a)(b)", "refers_to": "order_number"}, "(?P<ref>"),
        ({"name": "Bad Name", "regex": r"a", "refers_to": "order_number"}, "lower case"),
        ({"name": "p", "regex": r"a", "refers_to": "order"}, "is not a valid ReferenceKind"),
    ],
)
def test_unusable_patterns_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError)) as raised:
        ReferencePattern(**kwargs)
    assert message in str(raised.value)


def test_bytes_regex_is_refused() -> None:
    with pytest.raises(TypeError, match="str regex"):
        ReferencePattern("p", re.compile(rb"a"), "order_number")  # type: ignore[arg-type]


def test_every_reference_kind_names_an_order_field() -> None:
    for kind in ReferenceKind:
        assert kind.order_field in Order.model_fields


_filler = st.text(alphabet="abcdefghijklmnopqrstuvwxyz äöü.,:", max_size=20).map(lambda t: f" {t} ")


@given(
    numbers=st.lists(st.integers(min_value=1000, max_value=99999999), max_size=6),
    fillers=st.lists(_filler, min_size=7, max_size=7),
)
def test_findall_finds_exactly_the_references_written_into_any_text(
    numbers: list[int], fillers: list[str]
) -> None:
    pattern = ReferencePattern("ex", r"\bEX-(?P<ref>\d{4,})\b", "order_number")
    text = fillers[0] + "".join(f"EX-{n}{fillers[i + 1]}" for i, n in enumerate(numbers))
    assert pattern.findall(text) == [str(n) for n in numbers]


# -- ignore rules ----------------------------------------------------------------------------------


def paypal_transfer(posting: Posting) -> str | None:
    """Transfers from the merchant's PayPal account."""
    return "PayPal transfer" if "PAYPAL" in (posting.counterparty_name or "").upper() else None


def test_a_function_becomes_a_named_rule() -> None:
    rule = as_ignore_rule(paypal_transfer)
    assert isinstance(rule, FunctionIgnoreRule)
    assert rule.name == "paypal-transfer"
    assert rule.description == "Transfers from the merchant's PayPal account."
    assert rule.why_ignored(_posting(counterparty_name="PayPal Europe")) == "PayPal transfer"
    assert as_ignore_rule(rule) is rule


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (lambda posting: None, "has no name"),
        (IgnoreRule, "must be an IgnoreRule object or a function"),
        ("paypal", "must be an IgnoreRule object or a function"),
    ],
)
def test_what_cannot_be_a_rule(value: Any, message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        as_ignore_rule(value)


def test_first_rule_that_answers_wins_in_the_given_order() -> None:
    def first(posting: Posting) -> str | None:
        return "first" if posting.amount < 0 else None

    def second(posting: Posting) -> str | None:
        return "second"

    rules = [as_ignore_rule(first), as_ignore_rule(second)]
    assert first_ignore_verdict(rules, _posting(amount="-1.00")) == IgnoreVerdict("first", "first")
    assert first_ignore_verdict(rules, _posting()) == IgnoreVerdict("second", "second")
    assert first_ignore_verdict([], _posting()) is None


@pytest.mark.parametrize("answer", [True, "", "   ", 1])
def test_a_rule_must_say_why(answer: Any) -> None:
    def sloppy(posting: Posting) -> Any:
        return answer

    with pytest.raises(TypeError, match="'sloppy' answered"):
        first_ignore_verdict([as_ignore_rule(sloppy)], _posting())
