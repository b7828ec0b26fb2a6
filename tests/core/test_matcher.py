"""The matcher's decisions on the cases merchants meet every day."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from paymatch import (
    ConfigError,
    DecisionKind,
    EvidenceKind,
    InputError,
    MatchConfig,
    Matcher,
    Order,
    Posting,
)
from paymatch.core.candidates import PostingView
from paymatch.rules import creditor_reference, payment_reference
from paymatch.rules.extensions import ReferencePattern


def order(id: str, **fields: Any) -> Order:
    base = {"id": id, "currency": "EUR", "created_at": "2026-11-01", "amount": "49.90"}
    return Order.model_validate(base | fields)


def posting(id: str = "p", **fields: Any) -> Posting:
    base = {"id": id, "currency": "EUR", "booking_date": "2026-11-20", "amount": "49.90"}
    return Posting.model_validate(base | fields)


SHOP = [
    order("o1", number="10023", customer_name="Jana Müller", customer_number="K1"),
    order("o2", number="10024", customer_name="Peter Schulz", customer_number="K2"),
    order("o3", number="10025", amount="19.99", customer_name="Peter Schulz", customer_number="K2"),
    order("o4", number="10026", amount="120.00", customer_name="Eva Braun", customer_number="K3"),
    order("t1", number="20001", amount="30.00", customer_name="Karl Klein", customer_number="K4"),
    order("t2", number="20002", amount="30.00", customer_name="Karl Klein", customer_number="K4"),
    order(
        "i1",
        number="30001",
        invoice_number="RE-2026-00123",
        amount="100.00",
        company="Meier Bau GmbH",
        customer_name="Hans Meier",
        customer_number="K5",
        cash_discount={"percent": "2", "until": "2026-11-25"},
        payment_code="invoice",
    ),
    order("f1", number="40001", amount="250.00", customer_name="John Smith", customer_number="K6"),
    order("y1", number="50001", amount="5000", currency="JPY", customer_name="Aiko Sato"),
]


def decide(*postings: Posting, orders: list[Order] = SHOP, **kwargs: Any):  # type: ignore[no-untyped-def]
    return Matcher(**kwargs).match(list(postings), orders)


def assigned(decision: Any) -> list[tuple[str, Decimal]]:
    return [(a.order_id, a.amount) for a in decision.assignments]


def test_exact_reference_amount_and_name() -> None:
    (decision,) = decide(
        posting(remittance="Bestellung SW-10023", counterparty_name="MUELLER JANA")
    )
    assert decision.decision is DecisionKind.ASSIGNED
    assert assigned(decision) == [("o1", Decimal("49.90"))]
    kinds = {evidence.kind for evidence in decision.candidates[0].evidence}
    assert {EvidenceKind.REFERENCE, EvidenceKind.AMOUNT, EvidenceKind.NAME} <= kinds
    assert all(evidence.text for evidence in decision.candidates[0].evidence)


def test_reference_and_amount_without_payer_name() -> None:
    (decision,) = decide(posting(remittance="Bestellung 10023"))
    assert assigned(decision) == [("o1", Decimal("49.90"))]


def test_twins_are_suggested_not_assigned() -> None:
    (decision,) = decide(posting(amount="30.00", counterparty_name="KLEIN KARL", remittance="x"))
    assert decision.decision is DecisionKind.SUGGESTED
    assert {c.order_id for c in decision.candidates[:2]} == {"t1", "t2"}
    assert decision.candidates[0].score == pytest.approx(decision.candidates[1].score)


def test_twins_with_a_reference_are_told_apart() -> None:
    (decision,) = decide(
        posting(amount="30.00", counterparty_name="KLEIN KARL", remittance="Best. 20002")
    )
    assert assigned(decision) == [("t2", Decimal("30.00"))]


def test_partial_payment_with_reference_is_assigned_as_partial() -> None:
    (decision,) = decide(
        posting(amount="50.00", remittance="Anzahlung 10026", counterparty_name="Eva Braun")
    )
    assert assigned(decision) == [("o4", Decimal("50.00"))]


def test_several_postings_complete_one_order_in_a_batch() -> None:
    first = posting("a", amount="50.00", remittance="Anzahlung 10026", counterparty_name="E Braun")
    rest = posting("b", amount="70.00", remittance="Rest", counterparty_name="Eva Braun")
    decisions = decide(first, rest)
    assert [assigned(d) for d in decisions] == [
        [("o4", Decimal("50.00"))],
        [("o4", Decimal("70.00"))],
    ]


def test_incremental_form_updates_open_amounts() -> None:
    index = Matcher().index(SHOP)
    first = index.match(posting("a", amount="50.00", remittance="10026", counterparty_name="Braun"))
    assert assigned(first) == [("o4", Decimal("50.00"))]
    assert index.open_amount("o4") == Decimal("70.00")
    second = index.match(posting("b", amount="70.00", remittance="Bestellung 10026"))
    assert assigned(second) == [("o4", Decimal("70.00"))]
    assert index.open_amount("o4") == 0


def test_an_order_is_not_paid_twice() -> None:
    decisions = decide(
        posting("a", remittance="Bestellung 10023", counterparty_name="Jana Müller"),
        posting("b", remittance="Bestellung 10023", counterparty_name="Jana Müller"),
    )
    assert [d.decision for d in decisions].count(DecisionKind.ASSIGNED) == 1
    total = sum(a.amount for d in decisions for a in d.assignments if a.order_id == "o1")
    assert total == Decimal("49.90")


def test_overpayment_assigns_the_open_amount_and_says_so() -> None:
    (decision,) = decide(
        posting(amount="52.00", remittance="Bestellung 10023", counterparty_name="Jana Müller")
    )
    assert assigned(decision) == [("o1", Decimal("49.90"))]
    assert decision.reason is not None
    assert "2.10 EUR" in decision.reason


def test_cash_discount_is_written_off() -> None:
    (decision,) = decide(
        posting(amount="98.00", remittance="RE 2026 00123", counterparty_name="MEIER BAU GMBH")
    )
    (assignment,) = decision.assignments
    assert (assignment.order_id, assignment.amount, assignment.write_off) == (
        "i1",
        Decimal("98.00"),
        Decimal("2.00"),
    )
    assert assignment.write_off_reason == "cash discount"


def test_cash_discount_from_config_for_invoices() -> None:
    plain = order(
        "i2", number="777001", amount="200.00", payment_code="invoice", created_at="2026-11-15"
    )
    config = MatchConfig.model_validate({"amounts": {"cash_discount_percent": "3"}})
    (decision,) = Matcher(config).match([posting(amount="194.00", remittance="777001")], [plain])
    assert decision.assignments[0].write_off == Decimal("6.00")


def test_bank_fee_on_a_foreign_transfer() -> None:
    (decision,) = decide(
        posting(
            amount="241.50",
            remittance="order 40001",
            counterparty_name="JOHN SMITH",
            counterparty_iban="GB33BUKB20201555555555",
        )
    )
    (assignment,) = decision.assignments
    assert (assignment.amount, assignment.write_off, assignment.write_off_reason) == (
        Decimal("241.50"),
        Decimal("8.50"),
        "bank fee",
    )


def test_collective_payment_named_in_the_text() -> None:
    (decision,) = decide(
        posting(amount="69.89", remittance="Bestellungen 10024 und 10025", counterparty_name="x")
    )
    assert sorted(assigned(decision)) == [("o2", Decimal("49.90")), ("o3", Decimal("19.99"))]
    assert decision.candidates[0].together_with


def test_collective_payment_of_one_payer_found_by_sum() -> None:
    (decision,) = decide(
        posting(amount="69.89", remittance="danke", counterparty_name="Schulz, Peter")
    )
    assert sorted(assigned(decision)) == [("o2", Decimal("49.90")), ("o3", Decimal("19.99"))]


def test_near_miss_never_beats_an_exact_hit_that_agrees() -> None:
    # 10024 is o2's number; 10042 would be a swapped-digit near miss of it, 10024 itself
    # is also one swap away from nothing else here. The text names o1 exactly.
    lookalike = order("o9", number="10032", customer_name="Jana Müller", customer_number="K1")
    (decision,) = decide(
        posting(remittance="Bestellung 10023", counterparty_name="Jana Müller"),
        orders=[*SHOP, lookalike],
    )
    assert assigned(decision) == [("o1", Decimal("49.90"))]
    near = [c for c in decision.candidates if c.order_id == "o9"]
    for candidate in near:
        assert candidate.score < 0.01


def test_near_miss_alone_with_amount_and_name_is_found() -> None:
    (decision,) = decide(posting(remittance="Bestellung 10032", counterparty_name="Jana Müller"))
    assert decision.candidates[0].order_id == "o1"
    assert decision.candidates[0].evidence[0].kind is EvidenceKind.REFERENCE_NEAR


def test_debit_reversal_zero_and_other_currency() -> None:
    debit, reversal, zero, dollars = decide(
        posting("d", amount="-49.90", remittance="Bestellung 10023"),
        posting("r", reversal=True, remittance="Bestellung 10023"),
        posting("z", amount="0", remittance="Bestellung 10023"),
        posting("u", currency="USD", remittance="Bestellung 10023"),
    )
    for decision in (debit, reversal, zero, dollars):
        assert decision.decision is DecisionKind.UNMATCHED
        assert not decision.assignments
    assert debit.reason is not None
    assert "debit" in debit.reason


def test_yen_orders_match_yen_postings() -> None:
    (decision,) = decide(posting(amount="5000", currency="JPY", counterparty_name="SATO AIKO"))
    assert assigned(decision) == [("y1", Decimal("5000"))]


def test_payment_service_provider_payout_is_ignored() -> None:
    (decision,) = decide(posting(counterparty_name="PayPal Europe", remittance="10023"))
    assert decision.decision is DecisionKind.IGNORED
    assert decision.reason is not None
    assert "PayPal" in decision.reason


def test_own_payment_reference_and_its_rf_form() -> None:
    reference = payment_reference.generate(1)
    own = order("r1", number="90001", amount="75.00", payment_reference=reference)
    orders = [*SHOP, own]
    typed, structured = decide(
        posting("a", amount="10.00", remittance=f"Zahlung {payment_reference.format(reference)}"),
        posting(
            "b",
            amount="65.00",
            creditor_reference=creditor_reference.from_payment_reference(reference),
        ),
        orders=orders,
    )
    assert assigned(typed) == [("r1", Decimal("10.00"))]
    assert assigned(structured) == [("r1", Decimal("65.00"))]


def test_wrong_check_character_is_not_a_reference() -> None:
    reference = payment_reference.generate(1)
    wrong = reference[:-1] + ("X" if reference[-1] != "X" else "Y")
    own = order("r1", number="90001", amount="75.00", payment_reference=reference)
    (decision,) = decide(posting(amount="75.00", remittance=wrong), orders=[own])
    assert not any(
        e.kind is EvidenceKind.REFERENCE for c in decision.candidates for e in c.evidence
    )


def test_known_iban_and_history() -> None:
    iban = "DE02120300000000202051"
    known = order(
        "k1", number="60001", amount="33.00", customer_name="Lena Vogel", known_ibans=[iban]
    )
    history = order("k2", number="60002", amount="44.00", customer_number="K77")
    matcher = Matcher()
    by_known, by_history = matcher.match(
        [
            posting("a", amount="33.00", counterparty_iban=iban, counterparty_name="Papa Vogel"),
            posting("b", amount="44.00", counterparty_iban="DE44500105175407324931"),
        ],
        [known, history],
        history={"DE44500105175407324931": ["K77"]},
    )
    assert assigned(by_known) == [("k1", Decimal("33.00"))]
    assert assigned(by_history) == [("k2", Decimal("44.00"))]


def test_payment_before_the_order_is_not_assigned() -> None:
    late = order("l1", number="70001", amount="88.00", created_at="2026-12-01")
    (decision,) = decide(posting(amount="88.00", remittance="70001"), orders=[late])
    assert decision.decision is not DecisionKind.ASSIGNED


def test_a_tie_between_two_parties_does_not_tell_them_apart() -> None:
    orders = [
        order(
            "a", number="81001", amount="10.00", customer_name="Jana Müller", customer_number="A"
        ),
        order(
            "b", number="81002", amount="10.00", customer_name="Jörg Müller", customer_number="B"
        ),
    ]
    (decision,) = decide(posting(amount="10.00", counterparty_name="J. Müller"), orders=orders)
    assert decision.decision is DecisionKind.SUGGESTED
    first, second = decision.candidates[:2]
    assert first.score == pytest.approx(second.score)
    names = [
        e
        for candidate in (first, second)
        for e in candidate.evidence
        if e.kind is EvidenceKind.NAME
    ]
    assert len({e.weight for e in names}) == 1
    assert all("does not tell them apart" in e.text for e in names)


def test_namesakes_are_told_apart_by_the_amount_not_by_the_name() -> None:
    orders = [
        order("a", number="82001", amount="523.97", customer_name="Frank Müller", email="a@x.de"),
        order("b", number="82002", amount="89.00", customer_name="Frank Müller", email="b@x.de"),
    ]
    (decision,) = decide(
        posting(amount="523.97", counterparty_name="FRANK MUELLER", remittance="Einkauf"),
        orders=orders,
    )
    assert assigned(decision) == [("a", Decimal("523.97"))]


def test_unmatched_when_nothing_fits() -> None:
    (decision,) = decide(posting(amount="12.34", remittance="Miete", counterparty_name="Niemand"))
    assert decision.decision is DecisionKind.UNMATCHED


def test_duplicate_posting_ids_in_a_batch_are_an_error() -> None:
    with pytest.raises(InputError, match="occurs twice"):
        decide(posting("x"), posting("x"))


def test_duplicate_order_ids_are_an_error() -> None:
    with pytest.raises(InputError, match="indexed twice"):
        Matcher().index([order("o1"), order("o1")])


def test_config_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "paymatch.toml"
    path.write_text(
        '[match.amounts]\ntolerance = "0.10"\n[match.decision]\nassign_threshold = 0.999\n'
    )
    config = MatchConfig.from_toml(path)
    assert config.amounts.tolerance == Decimal("0.10")
    assert config.decision.assign_threshold == 0.999


def test_bad_config_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "paymatch.toml"
    path.write_text("[match.decision]\nassign_threshold = 2\n")
    with pytest.raises(ConfigError, match=r"decision\.assign_threshold"):
        MatchConfig.from_toml(path)
    path.write_text("[match]\nunknown = 1\n")
    with pytest.raises(ConfigError, match="unknown"):
        MatchConfig.from_toml(path)


def test_reference_patterns_from_plugins() -> None:
    amazon = ReferencePattern("amazon-order-id", r"\b(\d{3}-\d{7}-\d{7})\b", "order_number")
    orders = [
        order("a1", number="302-1234567-1234567", amount="23.00", customer_name="A"),
        order("a2", invoice_number="30212345671234567", amount="23.00", customer_name="B"),
    ]
    text = "Amazon 302-1234567-1234567"
    (plain,) = Matcher().match([posting(amount="23.00", remittance=text)], orders)
    assert plain.decision is DecisionKind.SUGGESTED  # the key fits both orders' references
    (decision,) = Matcher(reference_patterns=[amazon]).match(
        [posting(amount="23.00", remittance=text)], orders
    )
    assert assigned(decision) == [("a1", Decimal("23.00"))]


@pytest.mark.parametrize(
    ("payer", "identified"),
    [("Müller & Müller", True), ("MUELLER U. MUELLER", True), ("Ab Ab", False), ("& &", False)],
)
def test_payer_names_with_one_distinct_word_are_weighed_like_any_other(
    payer: str, identified: bool
) -> None:
    # An earlier matcher raised IndexError when a payer's name repeated its only long word.
    shop = [
        order("m1", number="60001", amount="77.00", company="Müller & Müller GmbH"),
        order("m2", number="60002", amount="12.00", customer_name="Jana Müller"),
    ]
    [decision] = decide(posting(amount="77.00", counterparty_name=payer), orders=shop)
    if identified:
        assert assigned(decision) == [("m1", Decimal("77.00"))]
    else:
        assert decision.decision is DecisionKind.SUGGESTED
    [with_reference] = decide(
        posting(amount="77.00", counterparty_name=payer, remittance="Bestellung 60001"),
        orders=shop,
    )
    assert assigned(with_reference) == [("m1", Decimal("77.00"))]


@pytest.mark.parametrize("payer", [None, "Karl Schmidt", "Gartenbau Lehmann KG"])
def test_the_amount_alone_never_assigns_however_few_orders_are_open(payer: str | None) -> None:
    shop = [order("m1", number="60001", amount="77.00", customer_name="Eva Braun")]
    lone = posting(amount="77.00", counterparty_name=payer, remittance="Danke")
    [decision] = decide(lone, orders=shop)
    assert decision.decision is DecisionKind.SUGGESTED
    assert [c.order_id for c in decision.candidates] == ["m1"]
    assert "only the amount points to this order" in decision.reason
    config = MatchConfig.from_mapping({"decision": {"amount_alone_assigns": True}})
    [allowed] = Matcher(config).match([lone], shop)
    assert assigned(allowed) == [("m1", Decimal("77.00"))]


def test_index_build_pauses_the_collector_and_restores_it() -> None:
    import gc  # noqa: PLC0415

    seen: list[bool] = []

    class Watching(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            for item in super().__iter__():
                seen.append(gc.isenabled())
                yield item

    assert gc.isenabled()
    Matcher().index(Watching(SHOP))
    assert seen
    assert not any(seen)
    assert gc.isenabled()

    def broken():  # type: ignore[no-untyped-def]
        yield SHOP[0]
        raise RuntimeError("source gone")

    with pytest.raises(RuntimeError):
        Matcher().index(broken())
    assert gc.isenabled()
    gc.disable()
    try:
        Matcher().index(SHOP)
        assert not gc.isenabled()  # the host's choice stands
    finally:
        gc.enable()


def test_index_build_moves_its_objects_to_the_oldest_generation() -> None:
    import gc  # noqa: PLC0415

    assert len(Matcher().index(SHOP)) == len(SHOP)
    # what the build created waits in no young generation (the paused collector left it all in
    # generation 0, for the next young collections to walk), and nothing stays frozen
    assert gc.get_count()[0] < 5
    assert gc.get_freeze_count() == 0


def test_index_build_leaves_a_hosts_frozen_objects_frozen() -> None:
    import gc  # noqa: PLC0415

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        Matcher().index(SHOP)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_batch_holds_back_full_collections_and_restores_the_thresholds() -> None:
    import gc  # noqa: PLC0415

    seen: list[tuple[int, int, int]] = []

    def watched(*postings: Posting):  # type: ignore[no-untyped-def]
        for item in postings:
            seen.append(gc.get_threshold())
            yield item

    before = gc.get_threshold()
    index = Matcher().index(SHOP)
    [decision] = index.match_batch(watched(posting(amount="49.90", remittance="Bestellung 10023")))
    assert decision.decision is DecisionKind.ASSIGNED
    # young collections as before; the oldest generation is never due during the batch
    assert seen
    assert all(t[:2] == before[:2] and t[2] >= 10**9 for t in seen)
    assert gc.get_threshold() == before
    with pytest.raises(InputError, match="occurs twice"):
        index.match_batch(watched(posting("p1", amount="1"), posting("p1", amount="2")))
    assert gc.get_threshold() == before


@pytest.mark.parametrize("status", ["PDNG", "INFO", "Vorgemerkt"])
def test_a_posting_the_bank_has_not_booked_is_suggested_never_assigned(status: str) -> None:
    pending = posting(remittance="Bestellung 10023", status=status)
    for decision in (
        Matcher().match([pending], SHOP)[0],
        Matcher().index(SHOP).match(pending),
    ):
        assert decision.decision is DecisionKind.SUGGESTED
        assert decision.candidates[0].order_id == "o1"
        assert f"not booked the posting (status {status})" in (decision.reason or "")


@pytest.mark.parametrize("status", [None, "BOOK", "book"])
def test_a_booked_posting_is_assigned(status: str | None) -> None:
    booked = posting(remittance="Bestellung 10023", status=status)
    (decision,) = Matcher().match([booked], SHOP)
    assert [a.order_id for a in decision.assignments] == ["o1"]


# 300 open orders of the same amount: only the number can tell them apart.
MANY = [
    order(f"m{i}", number=f"{200 + i:09d}", invoice_number=f"RE-2026-{200 + i:05d}")
    for i in range(300)
]


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"invoice_number": "RE-2026-00123"}, "Rechnung RE-2026-123"),
        ({"invoice_number": "RE-2026-00123"}, "re 2026 000123"),
        ({"invoice_number": "2026/00123"}, "RG 2026-123"),
        ({"invoice_number": "RE26-00123"}, "RE 26-123"),  # a two-digit year
        ({"number": "000000123"}, "Bestellung 000000123"),  # Magento's numbering
    ],
)
def test_zero_padding_as_the_shop_prints_it_or_dropped(fields: dict[str, str], text: str) -> None:
    (decision,) = Matcher().match([posting(remittance=text)], [order("t", **fields), *MANY])
    assert [a.order_id for a in decision.assignments] == ["t"]


def test_a_serial_read_with_other_padding_names_no_other_number() -> None:
    # 2026-123 padded reads 202600123, which here is an order number, not a year and serial
    orders = [order("t", number="202600123"), *MANY]
    (decision,) = Matcher().match([posting(remittance="Termin 2026-123")], orders)
    named = [c for c in decision.candidates if c.order_id == "t"]
    assert not any(e.kind is EvidenceKind.REFERENCE for c in named for e in c.evidence)


def test_serials_read_with_other_padding_are_no_further_chances() -> None:
    # Only the numbers written count as chances of a coincidence: the padded readings of
    # RE-2026-123 name nothing but a number with that year and serial.
    config = MatchConfig()
    alone = PostingView.of(posting(remittance="SW10023"), config, own_references=False)
    both = PostingView.of(posting(remittance="SW10023 RE-2026-123"), config, own_references=False)
    padded = [r for r in both.references if r.groups is not None]
    assert padded
    assert both.tries - alone.tries == {len("2026123"): 1, len("123"): 1}
