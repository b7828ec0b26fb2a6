from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.rules.amounts import AmountRelation, AmountRules, CashDiscountTerms, fit

RULES = AmountRules()
DAY = date(2026, 11, 20)


def _fit(paid: str, due: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return fit(
        Decimal(paid),
        Decimal(due),
        "EUR",
        order_amount=Decimal(due),
        booking_date=DAY,
        rules=RULES,
        **kwargs,  # type: ignore[arg-type]
    )


def test_exact() -> None:
    result = _fit("49.90", "49.90")
    assert result.relation is AmountRelation.EXACT
    assert result.assign == Decimal("49.90")
    assert result.write_off == 0


def test_tolerance_short_is_written_off() -> None:
    result = _fit("49.87", "49.90")
    assert result.relation is AmountRelation.TOLERANCE
    assert (result.assign, result.write_off) == (Decimal("49.87"), Decimal("0.03"))


def test_tolerance_over_assigns_the_open_amount() -> None:
    result = _fit("49.92", "49.90")
    assert (result.relation, result.assign) == (AmountRelation.TOLERANCE, Decimal("49.90"))


def test_cash_discount_within_period() -> None:
    terms = CashDiscountTerms(Decimal(2), date(2026, 11, 18))
    result = _fit("98.00", "100.00", cash_discount=terms)
    assert result.relation is AmountRelation.CASH_DISCOUNT
    assert result.write_off == Decimal("2.00")


def test_cash_discount_after_period_and_grace_is_partial() -> None:
    terms = CashDiscountTerms(Decimal(2), date(2026, 11, 1))
    assert _fit("98.00", "100.00", cash_discount=terms).relation is AmountRelation.PARTIAL


def test_fee_reported_by_the_bank_counts_like_exact() -> None:
    reported = _fit("241.50", "250.00", instructed_amount=Decimal("250.00"))
    assert reported.relation is AmountRelation.BANK_FEE
    assert reported.weight == _fit("250.00", "250.00").weight


def test_foreign_shortfall_is_a_fee_domestic_is_partial() -> None:
    assert _fit("241.50", "250.00", foreign_payer=True).relation is AmountRelation.BANK_FEE
    assert _fit("241.50", "250.00").relation is AmountRelation.PARTIAL
    assert _fit("200.00", "250.00", foreign_payer=True).relation is AmountRelation.PARTIAL


def test_overpayment_assigns_only_what_is_open_and_large_ones_weigh_less() -> None:
    small = _fit("50.90", "49.90")
    large = _fit("99.80", "49.90")
    assert small.relation is large.relation is AmountRelation.OVER
    assert small.assign == large.assign == Decimal("49.90")
    assert large.weight < small.weight < 0


def test_partial_weighs_less_than_exact() -> None:
    assert _fit("20.00", "49.90").weight < 0 < _fit("49.90", "49.90").weight


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@given(amounts, amounts)
def test_never_assigns_more_than_paid_or_open(paid: Decimal, due: Decimal) -> None:
    result = fit(paid, due, "EUR", order_amount=due, booking_date=DAY, rules=RULES)
    assert 0 < result.assign <= min(paid, due)
    assert result.write_off >= 0
    assert result.assign + result.write_off <= due


@pytest.mark.parametrize("currency", ["JPY", "KWD"])
def test_other_currencies(currency: str) -> None:
    due = Decimal("1000") if currency == "JPY" else Decimal("10.000")
    result = fit(due, due, currency, order_amount=due, booking_date=DAY, rules=RULES)
    assert result.relation is AmountRelation.EXACT
