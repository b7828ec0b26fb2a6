"""The ``determinable`` judgement on hand-built situations whose answer a person knows."""

from __future__ import annotations

import random
from datetime import date, datetime

from shopdata import amounts
from shopdata.cases import PostingRecord
from shopdata.config import GeneratorConfig
from shopdata.numbers import EXACT, NEAR
from shopdata.oracle import Oracle
from shopdata.people import Customer
from shopdata.remittance import Mention, Remittance
from shopdata.world import OrderRecord, World

JANA = Customer(0, "Jana", "Müller", "", "jana@example.org", "DE", "DE02120300000000202051", None)
OTTO = Customer(1, "Otto", "Weiß", "", "otto@example.org", "DE", "DE88100900001234567890", None)


def _order(
    oid: str, customer: Customer, digits: str, cents: int, number: str | None
) -> OrderRecord:
    return OrderRecord(
        id=oid,
        source="shopware",
        customer=customer,
        payment_code="prepayment",
        currency="EUR",
        amount=cents,
        open=cents,
        created=datetime(2026, 11, 1),
        number=f"SW{digits}",
        digits=digits,
        prefix="SW",
        customer_number=number,
    )


def _world(orders: list[OrderRecord], history: dict[str, list[str]]) -> World:
    by_customer: dict[int, list[OrderRecord]] = {}
    for order in orders:
        by_customer.setdefault(order.customer.cid, []).append(order)
    return World(
        config=GeneratorConfig(),
        customers=[JANA, OTTO],
        orders=orders,
        by_id={o.id: o for o in orders},
        by_customer=by_customer,
        history=history,
        catalogue=amounts.Catalogue(random.Random(1)),
        merchant_accounts={"EUR": "DE"},
    )


def _posting(
    cents: int, truth: list[tuple[str, int]], mentions: list[Mention], *, iban: str = "X"
) -> PostingRecord:
    identity = ("full", "muller", "jana")
    return PostingRecord(
        case="exact",
        booking=date(2026, 11, 10),
        amount=cents,
        currency="EUR",
        account="DE",
        name="JANA MUELLER",
        iban=iban,
        bic=None,
        remittance=Remittance("...", mentions, truncated=False),
        identity=identity,
        truth=truth,
    )


def test_a_readable_reference_settles_it_a_near_miss_needs_payer_and_amount() -> None:
    orders = [_order("a", JANA, "10023", 4990, "10001"), _order("b", OTTO, "10032", 1999, None)]
    oracle = Oracle(_world(orders, {}))
    exact = _posting(4990, [("a", 4990)], [Mention("N:10023", EXACT, "a")])
    assert oracle.judge(exact)[0]
    # 10032 is a swap of 10023 and names Otto's order; payer and amount say Jana's.
    near = _posting(4990, [("a", 4990)], [Mention("N:10032", NEAR, "a")])
    assert oracle.judge(near)[0]
    # Paying less with the typo: nothing but the typo points to Jana's order.
    short = _posting(4000, [("a", 4000)], [Mention("N:10032", NEAR, "a")])
    assert not oracle.judge(short)[0]


def test_twins_cannot_be_told_apart() -> None:
    orders = [_order("a", JANA, "10023", 4990, None), _order("b", JANA, "10044", 4990, None)]
    oracle = Oracle(_world(orders, {}))
    determinable, reason = oracle.judge(_posting(4990, [("a", 4990)], []))
    assert not determinable
    assert "2+ orders fit" in reason
    only_one = Oracle(_world(orders[:1], {}))
    assert only_one.judge(_posting(4990, [("a", 4990)], []))[0]


def test_an_iban_leads_only_to_orders_with_the_customer_numbers_it_paid() -> None:
    # Jana ordered once registered (number 10001) and once as a guest; her IBAN paid 10001.
    registered = _order("a", JANA, "10023", 2990, "10001")
    guest = _order("b", JANA, "10044", 899, None)
    history = {JANA.iban: ["10001"]}
    oracle = Oracle(_world([registered, guest], history))
    paying_guest_order = _posting(899, [("b", 899)], [], iban=JANA.iban)
    determinable, reason = oracle.judge(paying_guest_order)
    assert not determinable  # the person cannot see that the guest is the same Jana
    assert "IBAN" in reason
    assert oracle.judge(_posting(2990, [("a", 2990)], [], iban=JANA.iban))[0]


def test_a_text_naming_another_open_order_is_not_certain() -> None:
    orders = [_order("a", JANA, "10023", 4990, None), _order("b", JANA, "10011", 1999, None)]
    oracle = Oracle(_world(orders, {}))
    stale = _posting(4990, [("a", 4990)], [Mention("N:10011", EXACT, None)])
    assert oracle.judge(stale) == (False, "the text names another open order")
    gone = _posting(4990, [("a", 4990)], [Mention("N:9000", EXACT, None)])  # a paid order's number
    assert oracle.judge(gone)[0]


def test_one_combination_of_the_payers_orders_explains_a_collective_payment() -> None:
    orders = [
        _order("a", JANA, "10023", 1000, None),
        _order("b", JANA, "10024", 2500, None),
        _order("c", JANA, "10025", 4000, None),
    ]
    oracle = Oracle(_world(orders, {}))
    assert oracle.judge(_posting(3500, [("a", 1000), ("b", 2500)], []))[0]  # only a + b
    assert oracle.judge(_posting(6500, [("b", 2500), ("c", 4000)], []))[0]  # only b + c
    # With another open order of 35.00, 35.00 is that order alone or a + b: not certain.
    ambiguous = [*orders, _order("d", JANA, "10026", 3500, None)]
    oracle = Oracle(_world(ambiguous, {}))
    assert not oracle.judge(_posting(3500, [("a", 1000), ("b", 2500)], []))[0]
