"""Exact money: ``Decimal`` amounts with an ISO 4217 currency, never ``float``.

Every amount that enters paymatch passes :func:`parse_amount`, which rejects floats, checks the
number of decimal places against the currency's minor unit (EUR 2, JPY 0, KWD 3, ...) and returns
the amount quantized to exactly that many places, so that equal amounts compare and hash equal.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

import pycountry

from paymatch.core.errors import MoneyError

# ISO 4217 minor units that differ from 2. Source: the ISO 4217 list (SIX Interbank Clearing),
# amendment 179. Currencies without a minor unit in the list (gold, SDR, ...) are not money here.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    # no minor unit
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # thousandths
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # ten-thousandths (units of account)
    "CLF": 4,
    "UYW": 4,
}
# Withdrawn ISO 4217 currencies that old bank statements still carry (the euro's predecessors,
# e.g. a 1995 MT940 in DEM), with their minor units from ISO 4217 list three.
_HISTORIC: dict[str, int] = {
    "ATS": 2,
    "BEF": 0,
    "DEM": 2,
    "ESP": 0,
    "FIM": 2,
    "FRF": 2,
    "GRD": 0,
    "IEP": 2,
    "ITL": 0,
    "LUF": 0,
    "NLG": 2,
    "PTE": 0,
}
# ISO 4217 codes without a minor unit ("N.A."): metals, SDR, test and no-currency codes.
_NOT_MONEY = {
    "XAG",
    "XAU",
    "XBA",
    "XBB",
    "XBC",
    "XBD",
    "XDR",
    "XPD",
    "XPT",
    "XSU",
    "XTS",
    "XUA",
    "XXX",
}


@cache
def currency_exponent(currency: str) -> int:
    """Number of decimal places of ``currency`` (an upper-case ISO 4217 code).

    Raises :class:`MoneyError` for codes that are not ISO 4217 currencies.
    """
    if currency in _EXPONENT_EXCEPTIONS:
        return _EXPONENT_EXCEPTIONS[currency]
    if currency in _HISTORIC:
        return _HISTORIC[currency]
    if (
        len(currency) != 3
        or currency in _NOT_MONEY
        or pycountry.currencies.get(alpha_3=currency) is None
    ):
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code")
    return 2


def normalize_currency(value: object) -> str:
    """Upper-case, strip and validate an ISO 4217 currency code."""
    if not isinstance(value, str):
        raise MoneyError(f"currency must be a three-letter code, not {type(value).__name__}")
    code = value.strip().upper()
    currency_exponent(code)
    return code


@cache
def _quantum(exponent: int) -> Decimal:
    return Decimal(1).scaleb(-exponent)


def parse_amount(value: object, currency: str) -> Decimal:
    """Turn ``value`` (decimal string, ``int`` or ``Decimal``) into an exact amount in ``currency``.

    Floats are refused because they cannot represent most cent amounts exactly. Strings use a dot
    as the decimal separator (the interchange formats are machine formats; bank files with comma
    decimals are converted by their importers). The result has exactly the currency's number of
    decimal places; more places than the currency has is an error, never a silent rounding.
    """
    if isinstance(value, bool | float):
        raise MoneyError(
            f"amount {value!r} is a {type(value).__name__}; write amounts as decimal strings "
            f'such as "12.50" (floats cannot hold cents exactly)'
        )
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"amount {value!r} is not a decimal number") from None
    else:
        raise MoneyError(f"amount must be a decimal string, not {type(value).__name__}")
    if not amount.is_finite():
        raise MoneyError(f"amount {value!r} is not a finite number")
    exponent = currency_exponent(currency)
    try:
        quantized = amount.quantize(_quantum(exponent))
    except InvalidOperation:  # more digits than the decimal context holds (28)
        raise MoneyError(f"amount {str(value)!r} is too large") from None
    if quantized != amount:
        raise MoneyError(
            f"amount {str(value)!r} has more decimal places than {currency} allows ({exponent})"
        )
    return quantized


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round a computed amount (a discount, a share) half-even to the currency's minor unit."""
    return amount.quantize(_quantum(currency_exponent(currency)))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Amount as an integer count of the currency's minor unit (cents for EUR)."""
    return int(amount.scaleb(currency_exponent(currency)))


def from_minor_units(units: int, currency: str) -> Decimal:
    """Inverse of :func:`to_minor_units`."""
    return Decimal(units).scaleb(-currency_exponent(currency))
