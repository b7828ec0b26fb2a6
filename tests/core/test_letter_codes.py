"""Orders numbered with letter codes (no digit at all, as pretix's ``XKPRT``): found in the text
exactly, never by a near miss, and never for a customer "number" that is a name."""

from typing import Any

import pytest

from paymatch import DecisionKind, EvidenceKind, MatchConfig, Matcher, Order, Posting
from paymatch.rules.extensions import ReferencePattern


def order(id: str, **fields: Any) -> Order:
    base = {"id": id, "currency": "EUR", "created_at": "2026-11-01", "amount": "23.00"}
    return Order.model_validate(base | fields)


def posting(remittance: str, amount: str = "23.00", **fields: Any) -> Posting:
    base = {"id": "p", "currency": "EUR", "booking_date": "2026-11-20", "amount": amount}
    return Posting.model_validate(base | {"remittance": remittance} | fields)


# Two orders of the same amount: only the code in the text tells them apart.
SHOP = [order("o1", number="XKPRT"), order("o2", number="HNWQZ"), order("o3", number="10023")]


def decide(text: str, amount: str = "23.00", orders: list[Order] = SHOP, **options: Any) -> Any:
    (decision,) = Matcher(**options).match([posting(text, amount)], orders)
    return decision


@pytest.mark.parametrize(
    "text", ["Bestellung DUMMY-XKPRT", "DUMMYXKPRT", "dummy xkprt vielen Dank", "XKPRT"]
)
def test_a_letter_code_in_the_text_names_its_order(text: str) -> None:
    decision = decide(text)
    assert decision.decision is DecisionKind.ASSIGNED
    assert [a.order_id for a in decision.assignments] == ["o1"]
    evidence = decision.candidates[0].evidence
    assert any(e.kind is EvidenceKind.REFERENCE and "XKPRT" in e.text for e in evidence)


def test_a_code_written_with_its_prefix_matches_an_order_numbered_so() -> None:
    orders = [order("o1", number="DUMMY-XKPRT"), order("o2", number="DUMMY-HNWQZ")]
    assert [a.order_id for a in decide("Ticket dummy xkprt", orders=orders).assignments] == ["o1"]


def test_a_partial_payment_with_a_code_is_assigned_as_with_a_number() -> None:
    by_code = decide("Bestellung XKPRT", amount="22.50")
    by_number = decide("Bestellung 10023", amount="22.50")
    assert by_code.decision is by_number.decision is DecisionKind.ASSIGNED
    assert [(a.order_id, str(a.amount)) for a in by_code.assignments] == [("o1", "22.50")]


def test_a_code_one_typo_away_is_no_evidence() -> None:
    decision = decide("Bestellung XKPTR")  # two letters swapped
    assert decision.decision is DecisionKind.SUGGESTED
    kinds = {e.kind for c in decision.candidates for e in c.evidence}
    assert EvidenceKind.REFERENCE not in kinds
    assert EvidenceKind.REFERENCE_NEAR not in kinds


def test_a_short_code_counts_only_from_the_configured_length() -> None:
    orders = [order("o1", number="XKP"), order("o2", number="HNW")]
    assert decide("Bestellung XKP", orders=orders).decision is DecisionKind.SUGGESTED
    config = MatchConfig.from_mapping({"references": {"min_code_length": 3}})
    decision = decide("Bestellung XKP", orders=orders, config=config)
    assert [a.order_id for a in decision.assignments] == ["o1"]


def test_a_customer_number_of_letters_is_no_reference() -> None:
    # Matchcodes such as MUELLER name the customer; the payer's name is no customer number.
    orders = [
        order("o1", number="10023", customer_number="MUELLER", customer_name="Jana Müller"),
        order("o2", number="10024", customer_number="MUELLER", customer_name="Jana Müller"),
    ]
    decision = decide("MUELLER", orders=orders)
    assert decision.decision is DecisionKind.SUGGESTED
    kinds = {e.kind for c in decision.candidates for e in c.evidence}
    assert EvidenceKind.REFERENCE not in kinds


def test_a_plugin_pattern_may_name_letter_codes() -> None:
    pattern = ReferencePattern("pretix", r"\bDUMMY-(?P<ref>[A-Z]{3})\b", "order_number")
    orders = [order("o1", number="XKP"), order("o2", number="HNW")]
    decision = decide("Ticket DUMMY-XKP", orders=orders, reference_patterns=[pattern])
    assert [a.order_id for a in decision.assignments] == ["o1"]


def test_two_codes_in_one_text_are_weighed_as_two_numbers_are() -> None:
    decision = decide("Bestellung XKPRT HNWQZ")  # pays one of them, or half of both
    assert decision.decision is DecisionKind.SUGGESTED
    assert {c.order_id for c in decision.candidates[:2]} == {"o1", "o2"}


def test_a_code_weighs_what_a_number_of_its_length_weighs() -> None:
    # Texts are made of words and a code may read like one (DANKE): a five-letter code is no
    # rarer by chance than a five-digit number, so the same shop numbered either way decides
    # the same. Here 3,000 open orders of three amounts: the text alone is not enough.
    letters, amounts = "BCDFGHJKLMNPQRSTVWXZ", ["23.00", "49.90", "12.00"]
    codes = sorted({"".join(letters[(i // 20**j) % 20] for j in range(5)) for i in range(3000)})
    numbers = [str(10000 + 29 * i) for i in range(3000)]
    decisions = []
    for names in (codes, numbers):
        orders = [order(f"o{i}", number=n, amount=amounts[i % 3]) for i, n in enumerate(names)]
        decisions.append(decide(f"Vielen Dank {names[0]}", orders=orders).decision)
    assert decisions == [DecisionKind.SUGGESTED, DecisionKind.SUGGESTED]
