"""The index's reference-key lists: one entry per key, its kinds from the entry's own keys."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from paymatch.core.config import MatchConfig
from paymatch.core.models import Order
from paymatch.core.order_index import OrderEntry, OrderIndex
from paymatch.rules.references import ReferenceKind, code_key, reference_key

numbers = st.none() | st.sampled_from(["1", "01", "12", "K-12", "SW12", "7", "x"])


@given(
    st.lists(
        st.tuples(numbers, numbers, numbers, st.sampled_from(["shop", "market"])),
        min_size=1,
        max_size=12,
    ),
    st.sets(st.integers(min_value=0, max_value=11)),
)
def test_keyed_lists_every_order_and_kind_under_a_key_in_indexing_order(
    rows: list[tuple[str | None, str | None, str | None, str]], updated: set[int]
) -> None:
    index = OrderIndex(MatchConfig.from_mapping({"references": {"min_key_length": 1}}))
    added: list[OrderEntry] = []
    for number, (order_number, invoice, customer, source) in enumerate(rows):
        order = Order(
            id=f"o{number}",
            source=source,
            number=order_number,
            invoice_number=invoice,
            customer_number=customer,
            currency="EUR",
            amount="1",
        )
        added.append(index.add(order))
        if number in updated:  # the old entry stays in the lists, dead
            added.append(index.update(order))
    expected: dict[str, list[tuple[OrderEntry, ReferenceKind]]] = {}
    for entry in added:
        for field, kind in (
            ("number", ReferenceKind.ORDER_NUMBER),
            ("invoice_number", ReferenceKind.INVOICE_NUMBER),
            ("customer_number", ReferenceKind.CUSTOMER_NUMBER),
        ):
            value = getattr(entry, field)
            key = reference_key(value) if value else None
            if key is None and value and kind is not ReferenceKind.CUSTOMER_NUMBER:
                key = code_key(value)  # an order or invoice number of letters only
            if key:
                expected.setdefault(key, []).append((entry, kind))
    assert set(index.by_key) == set(expected)
    for key, pairs in expected.items():
        assert index.keyed(key) == pairs
    assert index.keyed("no such key") == []
