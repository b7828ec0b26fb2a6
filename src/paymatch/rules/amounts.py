"""How a posting's amount fits an order's open amount.

One posting amount ``P`` against an open amount ``O`` falls in exactly one relation:

* ``exact``: ``P == O``;
* ``cash discount``: ``P`` is ``O`` less the Skonto the order (or the configuration) allows, paid
  within the discount period (plus a few days for the transfer); the difference is written off;
* ``tolerance``: ``P`` is within the configured absolute tolerance of ``O``;
* ``bank fee``: ``P`` is short of ``O`` by charges the bank deducted (the bank reports the
  instructed amount or the charges; or a foreign payer's shortfall within the fee limit);
* ``partial``: ``P < O`` otherwise (the order stays partially paid);
* ``over``: ``P > O`` otherwise (``O`` is assigned, the surplus stays on the posting).

The weight of each relation is a log10 likelihood ratio: how much more often the relation is seen
when the posting pays the order than in a posting that pays no open order. (That many open
orders share a price such as 19.99 does not weaken the signal for one of them; it makes all of
them candidates, and the matcher's probabilities share out between them.)
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

import attrs
from pydantic import BaseModel, Field

from paymatch.core.money import currency_exponent, quantize


class AmountRelation(StrEnum):
    EXACT = "exact"
    CASH_DISCOUNT = "cash discount"
    TOLERANCE = "tolerance"
    BANK_FEE = "bank fee"
    PARTIAL = "partial"
    OVER = "over"


class AmountRules(BaseModel):
    """Tolerances and likelihoods of the amount signal."""

    tolerance: Decimal = Field(
        Decimal("0.05"),
        ge=0,
        description="A payment this close to the open amount counts as exact; a shortfall within "
        "it is written off. In the currency's main unit (rounded to its minor unit).",
    )
    fee_limit: Decimal = Field(
        Decimal("15.00"),
        ge=0,
        description="Largest shortfall that can be a bank fee deducted on a foreign transfer.",
    )
    cash_discount_percent: Decimal | None = Field(
        None,
        gt=0,
        lt=100,
        description="Skonto allowed on every invoice order without its own terms (percent).",
    )
    max_discount_share: Decimal = Field(
        Decimal("0.1"),
        ge=0,
        lt=1,
        description="Largest cash discount any order allows, as a share of the amount (only "
        "used to decide which orders are worth a closer look).",
    )
    cash_discount_days: int = Field(
        14, ge=0, description="Discount period for cash_discount_percent, from the order date."
    )
    cash_discount_grace_days: int = Field(
        5, ge=0, description="Days after the discount period a payment may still be booked."
    )
    home_countries: frozenset[str] = Field(
        frozenset({"DE"}),
        description="Countries of the merchant's accounts; transfers from elsewhere may carry "
        "fees.",
    )
    exact_m: float = Field(0.85, gt=0, le=1, description="Share of payments that pay exactly.")
    cash_discount_m: float = Field(
        0.5, gt=0, le=1, description="Share of payments of discount-eligible orders taking it."
    )
    tolerance_m: float = Field(
        0.01, gt=0, le=1, description="Share of payments off by a few cents."
    )
    fee_m: float = Field(
        0.3, gt=0, le=1, description="Share of foreign payments short by a bank fee."
    )
    partial_m: float = Field(0.03, gt=0, le=1, description="Share of payments that pay part.")
    small_partial_m: float = Field(
        0.002,
        gt=0,
        le=1,
        description="Share of payments that pay less than small_partial_share of what is open: "
        "more often a payment for something else.",
    )
    small_partial_share: Decimal = Field(
        Decimal("0.2"),
        gt=0,
        lt=1,
        description="Below this share of the open amount a partial payment is small.",
    )
    over_m: float = Field(
        0.02, gt=0, le=1, description="Share of payments that pay a little too much."
    )
    large_over_m: float = Field(
        0.001,
        gt=0,
        le=1,
        description="Share of payments that pay more than large_over_share too much: more often a "
        "payment for something else.",
    )
    large_over_share: Decimal = Field(
        Decimal("0.1"),
        gt=0,
        description="From this share of the open amount on, an overpayment is large.",
    )
    amount_u_floor: float = Field(
        1e-4,
        gt=0,
        lt=1,
        description="Chance that a posting paying no open order has a given exact amount.",
    )


@attrs.frozen(slots=True)
class AmountFit:
    relation: AmountRelation
    assign: Decimal
    """What the posting pays on the order (never more than the open amount)."""
    write_off: Decimal
    """Shortfall that counts as settled (discount, fee, tolerance); zero otherwise."""
    weight: float
    text: str
    large: bool = False
    """A large overpayment: more often a payment for more than this order."""


@attrs.frozen(slots=True)
class CashDiscountTerms:
    percent: Decimal
    until: date | None


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.{currency_exponent(currency)}f} {currency}"


def fit(
    posting_amount: Decimal,
    open_amount: Decimal,
    currency: str,
    *,
    order_amount: Decimal,
    booking_date: date,
    rules: AmountRules,
    same_amount: int = 1,
    cash_discount: CashDiscountTerms | None = None,
    instructed_amount: Decimal | None = None,
    charges: Decimal | None = None,
    foreign_payer: bool = False,
) -> AmountFit:
    """The relation of ``posting_amount`` to ``open_amount`` and its weight.

    ``same_amount`` open orders (this one included) have exactly ``posting_amount`` open; it only
    goes into the sentence.
    """
    paid, due = posting_amount, open_amount
    zero = Decimal(0)
    u_exact = rules.amount_u_floor
    shown = _money(paid, currency)
    if paid == due:
        others = {1: "", 2: " (1 other open order has it too)"}.get(
            same_amount, f" ({same_amount - 1} other open orders have it too)"
        )
        weight = math.log10(rules.exact_m / u_exact)
        return AmountFit(
            AmountRelation.EXACT,
            paid,
            zero,
            weight,
            f"amount {shown} equals the open amount{others}",
        )
    shortfall = due - paid
    if cash_discount is not None and shortfall > 0:
        discount = quantize(order_amount * cash_discount.percent / 100, currency)
        quantum = Decimal(1).scaleb(-currency_exponent(currency))
        in_time = cash_discount.until is None or booking_date <= cash_discount.until + timedelta(
            days=rules.cash_discount_grace_days
        )
        if abs(shortfall - discount) <= quantum and in_time:
            return AmountFit(
                AmountRelation.CASH_DISCOUNT,
                paid,
                shortfall,
                math.log10(rules.cash_discount_m / rules.amount_u_floor),
                f"amount {shown} is the open amount less {cash_discount.percent.normalize()} % "
                "cash discount, paid within the discount period",
            )
    tolerance = quantize(rules.tolerance, currency)
    if abs(shortfall) <= tolerance:
        window = 2 * float(tolerance.scaleb(currency_exponent(currency))) + 1
        weight = math.log10(rules.tolerance_m / min(1.0, rules.amount_u_floor * window))
        if shortfall > 0:
            return AmountFit(
                AmountRelation.TOLERANCE,
                paid,
                shortfall,
                weight,
                f"amount {shown} is {_money(shortfall, currency)} short of the open amount, "
                "within the tolerance",
            )
        return AmountFit(
            AmountRelation.TOLERANCE,
            due,
            zero,
            weight,
            f"amount {shown} is {_money(-shortfall, currency)} over the open amount, within the "
            "tolerance",
        )
    if shortfall > 0:
        reported = (instructed_amount is not None and instructed_amount == due) or (
            charges is not None and paid + abs(charges) == due
        )
        if reported:
            return AmountFit(
                AmountRelation.BANK_FEE,
                paid,
                shortfall,
                math.log10(rules.exact_m / u_exact),
                f"the payer sent the open amount; the bank deducted {_money(shortfall, currency)} "
                "in charges",
            )
        if foreign_payer and shortfall <= quantize(rules.fee_limit, currency):
            window = float(quantize(rules.fee_limit, currency).scaleb(currency_exponent(currency)))
            return AmountFit(
                AmountRelation.BANK_FEE,
                paid,
                shortfall,
                math.log10(rules.fee_m / min(1.0, rules.amount_u_floor * window)),
                f"amount {shown} is {_money(shortfall, currency)} short of the open amount: "
                "probably a fee on a foreign transfer",
            )
        small = paid < due * rules.small_partial_share
        return AmountFit(
            AmountRelation.PARTIAL,
            paid,
            zero,
            math.log10((rules.small_partial_m if small else rules.partial_m) / 0.5),
            f"partial payment: {shown} of {_money(due, currency)} open",
        )
    large = -shortfall > due * rules.large_over_share
    return AmountFit(
        AmountRelation.OVER,
        due,
        zero,
        math.log10((rules.large_over_m if large else rules.over_m) / 0.5),
        f"overpayment: {shown} for {_money(due, currency)} open",
        large=large,
    )


def sum_fits(posting_amount: Decimal, total: Decimal, currency: str, rules: AmountRules) -> bool:
    """Whether a collective payment pays a set of orders whose open amounts sum to ``total``."""
    return abs(total - posting_amount) <= quantize(rules.tolerance, currency)
