from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from paymatch import Order, Posting


def test_order_amount_is_exact_and_quantized() -> None:
    order = Order(id="1", amount="12.5", currency="eur")
    assert order.amount == Decimal("12.50")
    assert order.currency == "EUR"
    assert order.due_amount == Decimal("12.50")


def test_open_amount_overrides_amount() -> None:
    order = Order(id="1", amount="20", open_amount="5.10", currency="EUR")
    assert order.due_amount == Decimal("5.10")


def test_float_amount_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        Order.model_validate({"id": "1", "amount": 12.5, "currency": "EUR"})
    assert info.value.errors()[0]["loc"] == ("amount",)
    assert "decimal strings" in str(info.value)


def test_amount_places_are_checked_against_the_currency() -> None:
    with pytest.raises(ValidationError, match="more decimal places than JPY"):
        Order(id="1", amount="10.5", currency="JPY")


def test_ibans_are_compacted() -> None:
    order = Order(id="1", amount="1", currency="EUR", known_ibans=["de89 3704 0044 0532 0130 00"])
    assert order.known_ibans == ("DE89370400440532013000",)


def test_date_only_created_at_is_midnight() -> None:
    order = Order(id="1", amount="1", currency="EUR", created_at="2026-11-01")
    assert order.created_at == datetime(2026, 11, 1)


def test_posting_defaults_and_blank_fields() -> None:
    posting = Posting(
        id="p",
        booking_date="2026-11-02",
        amount="-3.1",
        currency="EUR",
        remittance=None,
        counterparty_name="  ",
        counterparty_iban="",
    )
    assert posting.amount == Decimal("-3.10")
    assert posting.remittance == ""
    assert posting.counterparty_name is None
    assert posting.counterparty_iban is None
    assert not posting.is_credit


def test_unknown_fields_are_ignored() -> None:
    posting = Posting.model_validate(
        {"id": "p", "booking_date": "2026-11-02", "amount": "1", "currency": "EUR", "x": 1}
    )
    assert posting.id == "p"
