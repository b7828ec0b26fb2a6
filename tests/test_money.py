from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.core.errors import MoneyError
from paymatch.core.money import (
    currency_exponent,
    from_minor_units,
    normalize_currency,
    parse_amount,
    to_minor_units,
)


@pytest.mark.parametrize(
    ("currency", "exponent"), [("EUR", 2), ("CHF", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)]
)
def test_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize("code", ["EUX", "XAU", "EU", "EURO", "xts"])
def test_unknown_or_non_money_codes_are_refused(code: str) -> None:
    with pytest.raises(MoneyError, match="ISO 4217"):
        normalize_currency(code)


def test_currency_is_normalized() -> None:
    assert normalize_currency(" eur ") == "EUR"


def test_float_is_refused_with_a_hint() -> None:
    with pytest.raises(MoneyError, match="decimal strings"):
        parse_amount(12.5, "EUR")


def test_bool_is_not_an_amount() -> None:
    with pytest.raises(MoneyError):
        parse_amount(True, "EUR")


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("12.5", "EUR", "12.50"),
        (" 7 ", "EUR", "7.00"),
        (1200, "JPY", "1200"),
        ("-0.10", "EUR", "-0.10"),
    ],
)
def test_amounts_are_quantized_to_the_currency(value: object, currency: str, expected: str) -> None:
    result = parse_amount(value, currency)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "currency"), [("12.345", "EUR"), ("1.5", "JPY"), ("0.0001", "KWD")]
)
def test_more_places_than_the_currency_has_is_an_error(value: str, currency: str) -> None:
    with pytest.raises(MoneyError, match="decimal places"):
        parse_amount(value, currency)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "1,50", ""])
def test_non_numbers_are_refused(value: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(value, "EUR")


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_minor_units_round_trip(units: int, currency: str) -> None:
    amount = from_minor_units(units, currency)
    assert to_minor_units(amount, currency) == units
    assert parse_amount(str(amount), currency) == amount


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    )
)
def test_parse_is_idempotent(value: Decimal) -> None:
    once = parse_amount(str(value), "EUR")
    assert parse_amount(once, "EUR") == once
    assert str(parse_amount(str(once), "EUR")) == str(once)


@pytest.mark.parametrize("value", ["1" + "0" * 27, Decimal("9" * 30), 10**40])
def test_amounts_beyond_decimal_precision_are_a_money_error(value: object) -> None:
    with pytest.raises(MoneyError, match="too large"):
        parse_amount(value, "EUR")
