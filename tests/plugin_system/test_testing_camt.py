"""paymatch.testing's camt.053 builder writes statements paymatch's CAMT reader reads back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paymatch.connectors.bank import read_statement
from paymatch.core.models import BalanceKind
from paymatch.testing import Credit, camt053

IBAN = "DE89370400440532013000"
DAY = date(2026, 11, 3)

texts = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
    max_size=140,
).map(str.strip)
credits = st.builds(
    Credit,
    amount=st.integers(1, 10**9).map(lambda cents: Decimal(cents).scaleb(-2)),
    remittance=texts,
    payer=texts.filter(bool),
    payer_iban=st.sampled_from([None, "DE02120300000000202051", "AT611904300234573201"]),
    booked=st.one_of(st.none(), st.integers(-3, 0).map(lambda d: DAY + timedelta(days=d))),
)


@settings(deadline=None)  # the first call loads the plugins
@given(st.lists(credits, min_size=1, max_size=6))
def test_what_is_written_is_read(given_credits: list[Credit]) -> None:
    statement = read_statement(camt053(IBAN, given_credits, booked=DAY), format="camt")
    assert statement.account_iban == IBAN
    assert len(statement.postings) == len(given_credits)
    assert len({p.id for p in statement.postings}) == len(given_credits)
    for posting, credit in zip(statement.postings, given_credits, strict=True):
        assert posting.amount == credit.amount
        assert posting.currency == "EUR"
        assert posting.booking_date == (credit.booked or DAY)
        assert posting.counterparty_name == credit.payer
        assert posting.counterparty_iban == credit.payer_iban
        assert " ".join(posting.remittance.split()) == " ".join(credit.remittance.split())
    balances = {b.kind: b.amount for b in statement.balances}
    assert balances[BalanceKind.CLOSING] - balances[BalanceKind.OPENING] == sum(
        Decimal(c.amount) for c in given_credits
    )


def test_a_creditor_reference_is_structured() -> None:
    data = camt053(IBAN, [Credit("10.00", creditor_reference="RF18539007547034")], booked=DAY)
    (posting,) = read_statement(data, format="camt").postings
    assert posting.creditor_reference == "RF18539007547034"


def test_the_same_credits_give_the_same_postings() -> None:
    """Re-importing a generated statement must be a duplicate, as a bank's file would be."""
    given_credits = [Credit("49.90", "Bestellung 10023"), Credit("49.90", "Bestellung 10023")]
    first = read_statement(camt053(IBAN, given_credits, booked=DAY), format="camt")
    again = read_statement(camt053(IBAN, given_credits, booked=DAY), format="camt")
    assert [p.id for p in first.postings] == [p.id for p in again.postings]
    assert len({p.id for p in first.postings}) == 2


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "1.005"])
def test_bad_amounts_are_refused(amount: str) -> None:
    with pytest.raises(ValueError, match=r"amount|credit"):
        camt053(IBAN, [Credit(amount)], booked=DAY)
