"""The accuracy metrics on hand-made decisions, so that the metric itself cannot be wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.metrics import (
    Outcome,
    Truth,
    align_interchangeable,
    evaluate,
    in_top,
    is_correct,
    is_harmful,
)


def truth(
    posting_id: str,
    *assignments: tuple[str, str],
    case: str = "exact",
    determinable: bool = True,
    twins: tuple[str, ...] = (),
) -> Truth:
    return Truth(
        posting_id=posting_id,
        case=case,
        assignments=tuple((order, Decimal(amount)) for order, amount in assignments),
        determinable=determinable,
        interchangeable_with=twins,
    )


def assigned(
    posting_id: str, *assignments: tuple[str, str], candidates: tuple[str, ...] = ()
) -> Outcome:
    pairs = tuple((order, Decimal(amount)) for order, amount in assignments)
    return Outcome(posting_id, "assigned", pairs, candidates or tuple(o for o, _ in pairs))


def suggested(posting_id: str, *candidates: str) -> Outcome:
    return Outcome(posting_id, "suggested", (), candidates)


def test_correct_needs_same_orders_and_amounts() -> None:
    t = truth("p1", ("o1", "49.90"))
    assert is_correct(assigned("p1", ("o1", "49.90")), t)
    assert is_correct(assigned("p1", ("o1", "49.9")), t)  # the same amount, written shorter
    assert not is_correct(assigned("p1", ("o2", "49.90")), t)
    assert not is_correct(assigned("p1", ("o1", "50.00")), t)
    assert not is_correct(assigned("p1", ("o1", "49.90"), ("o2", "0.10")), t)
    assert not is_correct(suggested("p1", "o1"), t)


def test_collective_is_compared_as_a_whole_in_any_order() -> None:
    t = truth("p1", ("o1", "10.00"), ("o2", "20.00"), case="collective")
    assert is_correct(assigned("p1", ("o2", "20.00"), ("o1", "10.00")), t)
    half = assigned("p1", ("o1", "10.00"))
    assert not is_correct(half, t)  # half of it is not right ...
    assert not is_harmful(half, t)  # ... but credits no order with money not its own
    assert is_harmful(assigned("p1", ("o1", "30.00")), t)
    assert is_harmful(assigned("p1", ("o1", "10.00"), ("o3", "20.00")), t)
    assert not is_harmful(assigned("p1", ("o2", "20.00"), ("o1", "10.00")), t)
    assert is_harmful(assigned("p2", ("o1", "5.00")), truth("p2", case="debit"))


def test_any_automatic_assignment_of_a_posting_that_pays_nothing_is_wrong() -> None:
    t = truth("p1", case="debit")
    assert not is_correct(assigned("p1", ("o1", "5.00")), t)
    result = evaluate([assigned("p1", ("o1", "5.00"))], {"p1": t})
    assert result.overall.wrong == 1
    assert result.overall.precision == 0.0
    assert result.errors[0][1] is not None


def test_top_three_and_collective_needs_every_order_shown() -> None:
    t = truth("p1", ("o1", "1.00"))
    assert in_top(suggested("p1", "o9", "o8", "o1"), t)
    assert not in_top(suggested("p1", "o9", "o8", "o7", "o1"), t)
    collective = truth("p2", ("a", "1.00"), ("b", "1.00"), ("c", "1.00"), ("d", "1.00"))
    assert in_top(suggested("p2", "d", "c", "b", "a", "x"), collective)
    assert not in_top(suggested("p2", "d", "c", "x", "b", "a"), collective)
    assert not in_top(suggested("p3", "o1"), truth("p3"))  # no true order: no recall to have


def test_headline_figures_on_a_small_hand_made_set() -> None:
    truths = {
        "p1": truth("p1", ("o1", "10.00")),  # assigned right
        "p2": truth("p2", ("o2", "20.00")),  # assigned wrong order
        "p3": truth("p3", ("o3", "30.00")),  # suggested, truth second
        "p4": truth("p4", ("o4", "40.00"), determinable=False, case="twins"),  # lucky auto
        "p5": truth("p5", case="debit"),  # ignored
        "p6": truth("p6", ("o6", "60.00")),  # unmatched
    }
    outcomes = [
        assigned("p1", ("o1", "10.00")),
        assigned("p2", ("o9", "20.00"), candidates=("o9", "o2")),
        suggested("p3", "o7", "o3"),
        assigned("p4", ("o4", "40.00")),
        Outcome("p5", "ignored"),
        Outcome("p6", "unmatched"),
    ]
    result = evaluate(outcomes, truths)
    overall = result.overall
    assert (overall.automatic, overall.correct, overall.wrong, overall.harmful) == (3, 2, 1, 1)
    assert overall.precision == pytest.approx(2 / 3)
    # Determinable with a true order: p1, p2, p3, p6; only p1 was assigned correctly.
    assert overall.determinable == 4
    assert overall.automatic_share == pytest.approx(1 / 4)
    # With a true order: p1..p4 and p6; in the top 3: p1, p2 (second candidate), p3, p4.
    assert overall.assignable == 5
    assert overall.suggestion_recall == pytest.approx(4 / 5)
    assert overall.auto_undeterminable == 1
    assert [o.posting_id for o, _ in result.errors] == ["p2"]
    # Missed: determinable, not assigned at all (wrong ones are listed as errors instead).
    assert [o.posting_id for o, _ in result.missed] == ["p3", "p6"]
    assert result.by_case["twins"].correct == 1
    assert result.by_case["debit"].decisions["ignored"] == 1


def test_interchangeable_duplicates_may_swap_who_pays() -> None:
    truths = {
        "p1": truth("p1", ("o1", "9.99"), case="duplicate", twins=("p2",)),
        "p2": truth("p2", case="duplicate", twins=("p1",)),
    }
    # The matcher credited the second transfer and left the first for a person: fine.
    swapped = {"p1": Outcome("p1", "suggested", (), ("o1",)), "p2": assigned("p2", ("o1", "9.99"))}
    aligned = align_interchangeable(swapped, truths)
    assert aligned["p2"].assignments == (("o1", Decimal("9.99")),)
    assert aligned["p1"].assignments == ()
    assert evaluate(swapped.values(), truths).overall.wrong == 0
    # Crediting both is one wrong assignment, whichever way round.
    both = [assigned("p1", ("o1", "9.99")), assigned("p2", ("o1", "9.99"))]
    assert evaluate(both, truths).overall.wrong == 1


def test_every_posting_needs_a_decision() -> None:
    with pytest.raises(ValueError, match="no decision"):
        evaluate([], {"p1": truth("p1", ("o1", "1.00"))})
    with pytest.raises(ValueError, match="unknown posting"):
        evaluate([Outcome("p9", "unmatched")], {})


_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2)
_truths = st.lists(
    st.tuples(
        st.booleans(), st.lists(st.tuples(st.sampled_from("abcdefgh"), _amounts), max_size=3)
    ),
    min_size=1,
    max_size=30,
)


@given(_truths)
def test_a_perfect_matcher_scores_one_everywhere(
    rows: list[tuple[bool, list[tuple[str, Decimal]]]],
) -> None:
    truths = {
        f"p{i}": Truth(f"p{i}", "x", tuple(pairs), determinable)
        for i, (determinable, pairs) in enumerate(rows)
    }
    outcomes = [
        Outcome(t.posting_id, "assigned", t.assignments, tuple(o for o, _ in t.assignments))
        if t.assignable and t.determinable
        else Outcome(t.posting_id, "suggested", (), tuple(o for o, _ in t.assignments))
        for t in truths.values()
    ]
    overall = evaluate(outcomes, truths).overall
    assert overall.wrong == 0
    assert overall.precision in (None, 1.0)
    assert overall.automatic_share in (None, 1.0)
    assert overall.suggestion_recall in (None, 1.0)


@given(_truths, st.randoms(use_true_random=False))
def test_figures_do_not_depend_on_the_order_of_decisions(
    rows: list[tuple[bool, list[tuple[str, Decimal]]]], rng: object
) -> None:
    truths = {
        f"p{i}": Truth(f"p{i}", "x", tuple(pairs), determinable)
        for i, (determinable, pairs) in enumerate(rows)
    }
    outcomes = [
        Outcome(t.posting_id, "assigned" if i % 2 else "suggested", t.assignments[:1], ("a", "b"))
        for i, t in enumerate(truths.values())
    ]
    shuffled = list(outcomes)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = evaluate(outcomes, truths).overall, evaluate(shuffled, truths).overall
    assert (first.correct, first.wrong, first.recall_hits) == (
        second.correct,
        second.wrong,
        second.recall_hits,
    )
    assert first.correct + first.wrong == first.automatic
