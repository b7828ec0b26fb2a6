"""The index's bulk build (``OrderIndex.add_entry``, written out for speed) files every order
exactly where the helpers it stands for say: reference keys by :func:`reference_key` (letter
codes by :func:`code_key`, for order and invoice numbers only), customers
by ``_customer_keys``, open amounts as ``_enter_amount`` does, names by :func:`quick_words`."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from paymatch.core.config import MatchConfig
from paymatch.core.order_index import (
    _NO_KEYS,
    OrderEntry,
    OrderIndex,
    _customer_keys,
    own_reference_forms,
)
from paymatch.rules.parties import quick_words
from paymatch.rules.references import code_key, reference_key

numbers = st.none() | st.one_of(
    st.sampled_from(["1", "01", "007", "0", "000", "12", "K-12", "SW12", "sw 1OO23", "x", "٣٤٥"]),
    st.text(alphabet="0123456789", min_size=1, max_size=6),
    st.text(alphabet="0O1IlSWRE -#.٣", min_size=1, max_size=8),
    st.sampled_from(["XKPRT", "dummy-xkprt", "Abc", "ABCDEFGH", "Müller", "AB CD-EF"]),
)
names = st.none() | st.sampled_from(
    ["Anna Müller", "Müller Anna", "anna mueller", "Jo", "Müller GmbH & Co. KG", "  ", "Ab Cd"]
)
emails = st.none() | st.sampled_from(["a@b.de", "A@B.de", " a@b.de ", "shop#12", "x@y.com"])


@st.composite
def entries(draw: Any, number: int) -> OrderEntry:
    amount = draw(st.sampled_from([Decimal("0.00"), Decimal("-1.00"), Decimal("9.99")]))
    return OrderEntry(
        id=f"o{number}",
        source=draw(st.sampled_from(["shop", "market"])),
        currency=draw(st.sampled_from(["EUR", "CHF"])),
        amount=amount,
        open=amount,
        number=draw(numbers),
        invoice_number=draw(numbers),
        customer_number=draw(numbers),
        customer_name=draw(names),
        company=draw(names),
        email=draw(emails),
        created_at=None,
        due_date=None,
        known_ibans=draw(st.sampled_from([(), ("DE02120300000000202051",)])),
        cash_discount=None,
        payment_code=None,
        payment_reference=draw(st.none() | st.sampled_from(["PM 1234 5678", "RF18539007547034"])),
    )


def reference_index(config: MatchConfig, added: list[OrderEntry]) -> dict[str, Any]:
    """The index as the helpers describe it, built the plain way."""
    by_key: dict[str, list[OrderEntry]] = {}
    keys_of: dict[str, tuple[str | None, ...]] = {}
    by_word: dict[str, list[OrderEntry]] = {}
    by_name: dict[tuple[str, ...], list[OrderEntry]] = {}
    by_customer: dict[str, list[OrderEntry]] = {}
    by_amount: dict[str, dict[Decimal, list[OrderEntry]]] = {}
    by_own: dict[str, list[OrderEntry]] = {}
    by_iban: dict[str, list[OrderEntry]] = {}
    open_count: Counter[str] = Counter()
    for entry in added:
        keys: list[str | None] = []
        for position, value in enumerate(
            (entry.number, entry.invoice_number, entry.customer_number)
        ):
            key = reference_key(value) if value else None
            if key is None and value and position < 2:  # not for customer numbers
                key = code_key(value)
            if key is not None and len(key) < config.references.min_key_length:
                key = None
            if key is not None and key not in keys:
                by_key.setdefault(key, []).append(entry)
            keys.append(key)
        keys_of[entry.id] = tuple(keys) if any(keys) else _NO_KEYS
        for reference in [entry.payment_reference] if entry.payment_reference else []:
            for form in own_reference_forms(reference):
                by_own.setdefault(form, []).append(entry)
        for name in (entry.customer_name, entry.company):
            if name:
                words = quick_words(name)
                for word in dict.fromkeys(words):
                    bucket = by_word.setdefault(word, [])
                    if not bucket or bucket[-1] is not entry:
                        bucket.append(entry)
                if len(words) > 1:
                    by_name.setdefault(tuple(sorted(words)), []).append(entry)
        for iban in entry.known_ibans:
            by_iban.setdefault(iban, []).append(entry)
        for customer in _customer_keys(entry):
            by_customer.setdefault(customer, []).append(entry)
        if entry.open > 0:
            open_count[entry.currency] += 1
            by_amount.setdefault(entry.currency, {}).setdefault(entry.open, []).append(entry)
    return {
        "by_key": by_key,
        "keys": keys_of,
        "by_word": by_word,
        "by_name": by_name,
        "by_customer": by_customer,
        "by_amount": by_amount,
        "by_own_reference": by_own,
        "by_iban": by_iban,
        "open_count": open_count,
    }


@settings(max_examples=300)
@given(st.data(), st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=10))
def test_bulk_build_files_every_order_where_the_helpers_say(
    data: st.DataObject, min_key: int, count: int
) -> None:
    config = MatchConfig.from_mapping({"references": {"min_key_length": min_key}})
    added = [data.draw(entries(number)) for number in range(count)]
    expected = reference_index(config, added)
    index = OrderIndex(config)
    for entry in added:
        index.add_entry(entry)
    by_key = {
        key: bucket if isinstance(bucket, list) else [bucket]
        for key, bucket in index.by_key.items()
    }
    assert by_key == expected["by_key"]
    assert {entry.id: entry.keys for entry in added} == expected["keys"]
    # texts are searched for letter codes exactly when the index holds one
    assert bool(index.code_count) >= any(key.isalpha() for key in expected["by_key"])
    assert all(entry.keys is _NO_KEYS for entry in added if not any(entry.keys))
    assert index.by_word == expected["by_word"]
    assert index.by_name == expected["by_name"]
    assert index.by_customer == expected["by_customer"]
    assert index.by_amount == expected["by_amount"]
    assert index.by_own_reference == expected["by_own_reference"]
    assert index.by_iban == expected["by_iban"]
    assert +index.open_count == expected["open_count"]
    assert list(index.entries.values()) == added
