from __future__ import annotations

import json
from datetime import UTC, date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.core.models import CashDiscount, Order, PaymentCode
from paymatch.core.ports import JsonDocument
from paymatch.core.store.codec import content_hash, json_text, order_document, order_from_document

text = st.none() | st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12
)
cents = st.integers(min_value=-(10**9), max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))


@given(
    number=text,
    name=text,
    amount=cents,
    open_amount=st.none() | cents,
    code=st.none() | st.sampled_from(PaymentCode),
    created=st.none() | st.datetimes(timezones=st.none() | st.just(UTC)),
    due=st.none() | st.dates(min_value=date(1990, 1, 1)),
    ibans=st.lists(st.sampled_from(["DE89370400440532013000", "AT611904300234573201"])),
    discount=st.none() | st.integers(1, 9).map(lambda p: CashDiscount(percent=Decimal(p))),
)
def test_documents_round_trip(
    *, number, name, amount, open_amount, code, created, due, ibans, discount
) -> None:
    order = Order(
        id="o1",
        number=number,
        customer_name=name,
        amount=amount,
        open_amount=open_amount,
        currency="EUR",
        payment_code=code,
        created_at=created,
        due_date=due,
        known_ibans=ibans,
        cash_discount=discount,
    )
    document = order_document(order)
    back = order_from_document(document)
    assert back == Order.model_validate(document)
    assert back == order
    assert order_document(back) == document
    assert content_hash(order_document(back)) == content_hash(document)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)  # beyond 64 bits: json.dumps writes it
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6) | st.integers(-5, 5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_json_columns_read_back_what_json_dumps_wrote(value: object) -> None:
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


def test_json_columns_refuse_what_json_cannot_hold_and_keep_document_text() -> None:
    with pytest.raises(TypeError):
        json_text({"when": date(2026, 1, 1)})
    document = JsonDocument('{"state": "open", "payments": []}')
    assert json_text(document) == document.text
    assert document == {"state": "open", "payments": []}
    assert dict(document) == {"state": "open", "payments": []}
    with pytest.raises(ValueError, match="not a JSON object"):
        dict(JsonDocument("[1, 2]"))
