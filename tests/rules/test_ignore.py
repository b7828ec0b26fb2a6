from decimal import Decimal

import pytest

from paymatch import Posting
from paymatch.rules.ignore import IgnoreChecker, IgnoreRules


def posting(**fields: object) -> Posting:
    base = {"id": "p", "booking_date": "2026-11-20", "amount": "49.90", "currency": "EUR"}
    return Posting.model_validate(base | fields)


def test_payment_service_providers_by_default() -> None:
    checker = IgnoreChecker(IgnoreRules())
    assert "PayPal" in (checker.reason(posting(counterparty_name="PayPal (Europe) S.a r.l.")) or "")
    assert checker.reason(posting(counterparty_name="Klarna Bank AB")) is not None
    assert checker.reason(posting(counterparty_name="Jana Müller")) is None


def test_providers_can_be_switched_off() -> None:
    checker = IgnoreChecker(IgnoreRules(payment_service_providers=False))
    assert checker.reason(posting(counterparty_name="PayPal Europe")) is None


def test_keywords_patterns_ibans_names_amounts() -> None:
    rules = IgnoreRules(
        keywords=["Steuererstattung"],
        patterns=[r"^LOHN\b"],
        counterparty_ibans=["DE89 3704 0044 0532 0130 00"],
        counterparty_names=["Finanzamt"],
        max_amount=Decimal("10000"),
    )
    checker = IgnoreChecker(rules)
    assert checker.reason(posting(remittance="STEUERERSTATTUNG 2025")) is not None
    assert checker.reason(posting(remittance="Lohn November")) is not None
    assert checker.reason(posting(remittance="Bezahlung Lohnarbeiten")) is None
    assert checker.reason(posting(counterparty_iban="DE89370400440532013000")) is not None
    assert checker.reason(posting(counterparty_name="FINANZAMT MITTE")) is not None
    assert checker.reason(posting(amount="10000.01")) is not None
    assert checker.reason(posting(amount="9999.99")) is None


def test_extra_rules_from_plugins() -> None:
    checker = IgnoreChecker(IgnoreRules(), [lambda p: "test" if "TEST" in p.remittance else None])
    assert checker.reason(posting(remittance="TEST")) == "test"


def test_bad_regex_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="ignore pattern"):
        IgnoreChecker(IgnoreRules(patterns=["("]))
