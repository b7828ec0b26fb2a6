"""What payment information says: reference, due date, cash discount, QR code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from notify_helpers import ACCOUNTS, NOW, make_order, notify_config

from paymatch.core.policy import PolicyConfig
from paymatch.notify.config import ReferenceChoice
from paymatch.notify.content import (
    cash_discount_terms,
    choose_reference,
    payment_due_date,
    payment_instructions,
)
from paymatch.rules import creditor_reference, payment_reference


def test_reference_prefers_paymatch_reference_then_invoice_then_order_number() -> None:
    own = payment_reference.generate(7)
    order = make_order(payment_reference=own, invoice_number="RE-2026-5")
    ref = choose_reference(order, ReferenceChoice.PAYMENT_REFERENCE)
    assert ref.compact == own
    assert ref.text == payment_reference.format(own)
    assert ref.rf == creditor_reference.from_payment_reference(own)
    assert creditor_reference.is_valid(ref.rf)
    assert choose_reference(order, ReferenceChoice.INVOICE_NUMBER).compact == "RE-2026-5"
    assert choose_reference(order, ReferenceChoice.ORDER_NUMBER).compact == "10023"
    plain = make_order(payment_reference=None)
    fallback = choose_reference(plain, ReferenceChoice.PAYMENT_REFERENCE)
    assert (fallback.kind, fallback.compact, fallback.rf) == ("order_number", "10023", None)
    rf = choose_reference(
        make_order(payment_reference="RF18 5390 0754 7034"), ReferenceChoice.PAYMENT_REFERENCE
    )
    assert (rf.kind, rf.rf) == ("creditor_reference", "RF18539007547034")


def test_due_date_from_order_or_policy_deadline() -> None:
    policy = PolicyConfig().for_source("shop")
    assert payment_due_date(make_order(), policy) == date(2026, 11, 15)  # prepayment: 14 days
    assert payment_due_date(make_order(due_date="2026-11-30"), policy) == date(2026, 11, 30)
    assert payment_due_date(make_order(payment_code="cod"), policy) == date(2026, 12, 1)
    assert payment_due_date(make_order(), None) is None


def test_cash_discount_applies_until_its_date_and_only_before_any_payment() -> None:
    order = make_order(amount="100.00", cash_discount={"percent": "2.5", "until": "2026-11-10"})
    terms = cash_discount_terms(order, Decimal("100.00"), date(2026, 11, 10))
    assert terms is not None
    assert (terms.discount, terms.discounted) == (Decimal("2.50"), Decimal("97.50"))
    assert cash_discount_terms(order, Decimal("100.00"), date(2026, 11, 11)) is None
    assert cash_discount_terms(order, Decimal("60.00"), date(2026, 11, 1)) is None


def test_instructions_pick_account_payee_and_qr() -> None:
    settings = notify_config().for_source("shop")
    austrian = make_order(country="AT")
    at = payment_instructions(
        austrian,
        amount=Decimal("49.90"),
        accounts=ACCOUNTS,
        settings=settings,
        policy=None,
        now=NOW,
    )
    assert at.account.iban.startswith("AT")
    assert at.payee == "Beispiel AT GmbH"
    assert at.qr is not None
    assert "\nAT611904300234573201\n" in at.qr.payload
    german = payment_instructions(
        make_order(),
        amount=Decimal("49.90"),
        accounts=ACCOUNTS,
        settings=settings,
        policy=None,
        now=NOW,
    )
    assert german.payee == "Beispiel GmbH"
    assert german.account.bic == "COBADEFFXXX"
    assert german.qr is not None
    lines = german.qr.payload.split("\n")
    assert lines[1] == "001"
    assert lines[7] == "EUR49.90"
    assert lines[9] == german.reference.rf


def test_no_qr_for_other_currencies_and_text_remittance_setting() -> None:
    settings = notify_config().for_source("shop")
    swiss = make_order(currency="CHF", country="CH")
    chf = payment_instructions(
        swiss, amount=Decimal("49.90"), accounts=ACCOUNTS, settings=settings, policy=None, now=NOW
    )
    assert chf.qr is None
    assert chf.qr_problem is not None
    assert "CHF" in chf.qr_problem
    text_settings = notify_config(qr_remittance="text", qr_version="002").for_source("shop")
    text = payment_instructions(
        make_order(),
        amount=Decimal("1.00"),
        accounts=ACCOUNTS,
        settings=text_settings,
        policy=None,
        now=NOW,
    )
    assert text.qr is not None
    lines = text.qr.payload.split("\n")
    assert lines[1] == "002"
    assert lines[9] == ""
    assert lines[10] == text.reference.compact
