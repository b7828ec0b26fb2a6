"""Invariants of the matcher, checked on many small random shops (Hypothesis)."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from paymatch import Decision, DecisionKind, Matcher, Order, Posting

NAMES = ["Jana Müller", "Peter Schulz", "Karl Klein", "Eva Braun", "Jörg Müller", "Anna Weiß"]
PAYERS = [*NAMES, "MUELLER JANA", "SCHULZ, PETER", "Hans Fremd", None]
AMOUNTS = ["19.99", "49.90", "49.90", "100.00", "12.50", "7.00"]
FILLER = ["Danke", "vielen Dank", "Gruss", "Zahlung", "bitte", "Bestellung", "Kunde"]
# Words that say nothing about references (unlike "Bestellung" or "Zahlung", which anchor one).
NOISE = ["Danke", "vielen Dank", "Gruss", "bitte", "Hallo", "MfG", "Lieferung"]

FEW = settings(max_examples=60)


@st.composite
def shops(draw: st.DrawFn) -> tuple[list[Order], list[Posting]]:
    count = draw(st.integers(min_value=1, max_value=7))
    # order numbers, or letter codes as pretix gives (no vowels: no code is a word of the texts)
    number = st.integers(min_value=10000, max_value=99999).map(str)
    code = st.text(alphabet="BCDFGHJKMNPQRSTVWXZ", min_size=5, max_size=6)
    numbers = draw(
        st.lists(draw(st.sampled_from([number, code])), min_size=count, max_size=count, unique=True)
    )
    orders = []
    for i, number in enumerate(numbers):
        orders.append(
            Order(
                id=f"o{i}",
                number=number,
                customer_name=draw(st.sampled_from(NAMES)),
                customer_number=f"K{draw(st.integers(min_value=1, max_value=4))}",
                amount=draw(st.sampled_from(AMOUNTS)),
                currency=draw(st.sampled_from(["EUR", "EUR", "EUR", "USD"])),
                created_at="2026-11-01",
            )
        )
    postings = []
    for j in range(draw(st.integers(min_value=1, max_value=6))):
        target = draw(st.sampled_from(orders))
        words = draw(st.lists(st.sampled_from(FILLER), max_size=2))
        if draw(st.booleans()):
            words.append(draw(st.sampled_from([target.number or "", f"SW-{target.number}"])))
        amount = draw(st.sampled_from([str(target.amount), *AMOUNTS, "69.89", "-49.90", "0"]))
        postings.append(
            Posting(
                id=f"p{j}",
                booking_date="2026-11-20",
                amount=amount,
                currency=draw(st.sampled_from([target.currency, "EUR"])),
                counterparty_name=draw(st.sampled_from(PAYERS)),
                remittance=" ".join(words),
                reversal=draw(st.booleans()) and draw(st.booleans()),
            )
        )
    return orders, postings


def _by_posting(decisions: list[Decision]) -> dict[str, Any]:
    return {d.posting_id: d.model_dump(mode="json") for d in decisions}


@FEW
@given(shops(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(shop: Any, random: Any) -> None:
    orders, postings = shop
    first = _by_posting(Matcher().match(postings, orders))
    shuffled_orders, shuffled_postings = orders[:], postings[:]
    random.shuffle(shuffled_orders)
    random.shuffle(shuffled_postings)
    second = _by_posting(Matcher().match(shuffled_postings, shuffled_orders))
    assert first == second


@FEW
@given(shops())
def test_assignments_respect_money_and_guards(shop: Any) -> None:
    orders, postings = shop
    decisions = Matcher().match(postings, orders)
    by_id = {order.id: order for order in orders}
    settled: dict[str, Decimal] = defaultdict(Decimal)
    for posting, decision in zip(postings, decisions, strict=True):
        assert decision.posting_id == posting.id
        if decision.decision is not DecisionKind.ASSIGNED:
            assert not decision.assignments
            continue
        assert posting.amount > 0
        assert not posting.reversal
        assert sum(a.amount for a in decision.assignments) <= posting.amount
        for assignment in decision.assignments:
            order = by_id[assignment.order_id]
            assert order.currency == posting.currency
            assert assignment.amount > 0
            settled[order.id] += assignment.amount + (assignment.write_off or 0)
    for order_id, total in settled.items():
        assert total <= by_id[order_id].due_amount


@FEW
@given(shops(), st.integers(min_value=10000, max_value=99999), st.sampled_from(AMOUNTS))
def test_an_unrelated_order_does_not_change_a_unique_exact_reference(
    shop: Any, number: int, amount: str
) -> None:
    orders, _ = shop
    target = orders[0]
    assert target.number is not None
    if target.currency != "EUR" or _close(str(number), target.number):
        return
    posting = Posting(
        id="p",
        booking_date="2026-11-20",
        amount=target.amount,
        currency="EUR",
        counterparty_name=target.customer_name,
        remittance=f"Bestellung {target.number}",
    )
    (before,) = Matcher().match([posting], orders)
    if before.decision is not DecisionKind.ASSIGNED or any(
        o.number == target.number for o in orders[1:]
    ):
        return
    stranger = Order(
        id="zz",
        number=str(number),
        customer_name="Fritz Fremd",
        amount=amount,
        currency="EUR",
        created_at="2026-11-01",
    )
    (after,) = Matcher().match([posting], [*orders, stranger])
    assert after.decision is DecisionKind.ASSIGNED
    assert after.assignments == before.assignments


def _close(a: str, b: str) -> bool:
    """Equal or one typo apart: such an order is not unrelated."""
    return bool(OSA.distance(a, b) <= 1)


@FEW
@given(
    shops(),
    st.sampled_from(["upper", "lower", "spaces", "words"]),
    st.lists(st.sampled_from(NOISE), min_size=1, max_size=3),
)
def test_harmless_noise_in_the_text_changes_nothing(
    shop: Any, noise: str, words: list[str]
) -> None:
    orders, postings = shop

    def noisy(text: str) -> str:
        if noise == "upper":
            return text.upper()
        if noise == "lower":
            return text.lower()
        if noise == "spaces":
            return "  " + text.replace(" ", "   ") + " "
        return " ".join([*words, text, *words])

    changed = [p.model_copy(update={"remittance": noisy(p.remittance)}) for p in postings]
    before = Matcher().match(postings, orders)
    after = Matcher().match(changed, orders)
    for one, other in zip(before, after, strict=True):
        assert one.decision == other.decision
        assert one.assignments == other.assignments


@FEW
@given(shops(), st.sampled_from(["Hans Fremd", "Gartenbau Lehmann KG", None]))
def test_a_stranger_without_a_reference_is_never_assigned(shop: Any, payer: str | None) -> None:
    # Nothing names the order or the payer: however well the amount fits, a person decides.
    orders, _ = shop
    postings = [
        Posting(
            id=f"s{i}",
            booking_date="2026-11-20",
            amount=str(order.amount),
            currency=order.currency,
            counterparty_name=payer,
            remittance=" ".join(NOISE[: i % 3]),
        )
        for i, order in enumerate(orders)
    ]
    for decision in Matcher().match(postings, orders):
        assert decision.decision is not DecisionKind.ASSIGNED, decision


@FEW
@given(shops(), st.sampled_from(["PDNG", "INFO", "FUTR"]))
def test_a_posting_not_booked_is_never_assigned(shop: Any, status: str) -> None:
    orders, postings = shop
    pending = [p.model_copy(update={"status": status}) for p in postings]
    for decision in Matcher().match(pending, orders):
        assert decision.decision is not DecisionKind.ASSIGNED
        assert not decision.assignments
