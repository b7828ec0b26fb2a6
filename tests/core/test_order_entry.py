"""The matcher's entry built from an order's stored JSON equals the one built from the Order.

The store indexes a million orders without building pydantic models (``OrderEntry.from_json``);
this keeps that shortcut in step with what validating the document would give.
"""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta, timezone
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from paymatch.core.models import CashDiscount, Order, PaymentCode
from paymatch.core.money import from_minor_units
from paymatch.core.order_index import OrderEntry
from paymatch.core.store.codec import load_order_document, order_document

words = st.text(alphabet="abcXYZ 0123-#äß", min_size=0, max_size=10)
text = st.none() | words
zones = st.none() | st.sampled_from([UTC, timezone(timedelta(hours=2))])


@st.composite
def orders(draw: st.DrawFn) -> Order:
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    units = draw(st.integers(min_value=-(10**9), max_value=10**9))
    return Order(
        id="x",
        source=draw(st.sampled_from(["default", "shop", "market"])),
        number=draw(text),
        invoice_number=draw(text),
        customer_number=draw(text),
        payment_reference=draw(st.none() | st.sampled_from(["RF18539007547034", "ab 12"])),
        customer_name=draw(text),
        company=draw(text),
        email=draw(st.none() | st.sampled_from([" A@B.de ", "x@y.org"])),
        currency=currency,
        amount=from_minor_units(units, currency),
        payment_code=draw(st.none() | st.sampled_from(PaymentCode)),
        created_at=draw(st.none() | st.datetimes(timezones=zones)),
        due_date=draw(st.none() | st.dates(min_value=date(1990, 1, 1))),
        known_ibans=draw(st.lists(st.sampled_from(["de89 3704 0044 0532 0130 00", "AT61"]))),
        cash_discount=draw(
            st.none()
            | st.builds(
                CashDiscount,
                percent=st.integers(1, 9).map(Decimal),
                until=st.none() | st.dates(),
            )
        ),
    )


@given(orders(), st.integers(min_value=0, max_value=10**6))
def test_entry_from_stored_json_equals_entry_from_the_validated_order(
    order: Order, paid_units: int
) -> None:
    document = json.loads(json.dumps(order_document(order)))  # as the store keeps it
    open_amount = max(order.amount - from_minor_units(paid_units, order.currency), 0)
    open_amount = from_minor_units(0, order.currency) if open_amount == 0 else open_amount
    validated = Order.model_validate({**document, "id": "7", "open_amount": str(open_amount)})
    fast = OrderEntry.from_json(document, id="7", amount=order.amount, open=open_amount)
    slow = OrderEntry.of(validated)
    assert attrs.asdict(fast, recurse=False) == attrs.asdict(slow, recurse=False)
    for field in ("amount", "open", "created_at"):  # equal values, different forms
        assert str(getattr(fast, field)) == str(getattr(slow, field))


def _numbers(value: object) -> list[object]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


@given(orders())
def test_stored_document_reads_back_the_same_through_orjson(order: Order) -> None:
    # load_order_document (orjson) is exact only because the document holds no JSON numbers
    text = json.dumps(order_document(order))
    assert _numbers(json.loads(text)) == []
    assert load_order_document(text) == json.loads(text)


@given(orders(), st.none() | st.integers(min_value=0, max_value=10**6))
def test_entry_of_an_order_holds_the_orders_own_values(
    order: Order, open_units: int | None
) -> None:
    # OrderEntry.of reads the model's __dict__ directly: it must read what the attributes say
    if open_units is not None:
        order = order.model_copy(
            update={"open_amount": from_minor_units(open_units, order.currency)}
        )
    entry = OrderEntry.of(order)
    assert entry.open is order.due_amount
    for field in attrs.fields(OrderEntry):
        if field.name in ("open", "keys", "version", "alive", "details"):
            continue
        assert getattr(entry, field.name) is getattr(order, field.name), field.name
