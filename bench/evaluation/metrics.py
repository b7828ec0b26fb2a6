"""The accuracy metrics of issue 2, on plain records so that they can be checked by hand.

Definitions (docs/benchmarks.md, "Matching accuracy"):

- An *automatic* assignment is a decision ``assigned``. It is *correct* only if it assigns exactly
  the true orders with exactly the true amounts (as a multiset); an automatic assignment of a
  posting that pays no order is wrong.
- *Precision* = correct automatic / all automatic. Of the wrong ones, those that credit an order
  with money that is not its own are *harmful*; assigning only some of a collective payment's
  orders (each with its true amount) is wrong but leaves the rest to a person.
- *Automatic share* = postings that a careful person could assign with certainty
  (``determinable``) and that have a true order, which the matcher assigned automatically and
  correctly / all such postings.
- *Suggestion recall* = postings with a true order where the truth is among the first
  ``max(3, number of true orders)`` candidates (or was assigned correctly) / all postings with a
  true order.

Postings that are interchangeable (the same payment made twice) may swap their truths: whichever
of them the matcher credits to the order is right, as long as only one of them is.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

ASSIGNED = "assigned"
TOP = 3


@dataclass(frozen=True, slots=True)
class Truth:
    posting_id: str
    case: str
    assignments: tuple[tuple[str, Decimal], ...]
    determinable: bool
    tags: tuple[str, ...] = ()
    interchangeable_with: tuple[str, ...] = ()
    reason: str = ""

    @property
    def assignable(self) -> bool:
        return bool(self.assignments)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the matcher decided for one posting, reduced to what the metrics need."""

    posting_id: str
    decision: str
    assignments: tuple[tuple[str, Decimal], ...] = ()
    candidates: tuple[str, ...] = ()  # order ids, best first

    @property
    def automatic(self) -> bool:
        return self.decision == ASSIGNED


def is_correct(outcome: Outcome, truth: Truth) -> bool:
    """An automatic assignment that matches the truth in orders and amounts."""
    return (
        outcome.automatic
        and truth.assignable
        and Counter(outcome.assignments) == Counter(truth.assignments)
    )


def is_harmful(outcome: Outcome, truth: Truth) -> bool:
    """A wrong automatic assignment that credits an order with money that is not its own: an
    order or an amount beyond the truth. (Assigning only some of a collective payment's orders,
    each with its true amount, is wrong but harmless: the rest stays open for a person.)"""
    if not outcome.automatic or is_correct(outcome, truth):
        return False
    allowed = Counter(truth.assignments)
    given = Counter(outcome.assignments)
    return any(count > allowed.get(pair, 0) for pair, count in given.items()) or not given


def in_top(outcome: Outcome, truth: Truth, top: int = TOP) -> bool:
    """The truth is among the first candidates, or was assigned correctly."""
    if not truth.assignable:
        return False
    if is_correct(outcome, truth):
        return True
    wanted = {order_id for order_id, _ in truth.assignments}
    shown = set(outcome.candidates[: max(top, len(wanted))])
    return wanted <= shown


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(slots=True)
class Tally:
    """Counts over a group of postings (all, one case, one tag)."""

    postings: int = 0
    assignable: int = 0
    determinable: int = 0  # determinable and assignable
    automatic: int = 0
    correct: int = 0
    wrong: int = 0
    harmful: int = 0  # wrong automatic assignments that credit money to the wrong order
    auto_determinable: int = 0  # correct automatic on determinable assignable postings
    auto_undeterminable: int = 0  # correct automatic where a person could not be sure
    recall_hits: int = 0
    decisions: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome, truth: Truth) -> None:
        self.postings += 1
        self.decisions[outcome.decision] += 1
        correct = is_correct(outcome, truth)
        if truth.assignable:
            self.assignable += 1
            if truth.determinable:
                self.determinable += 1
            if in_top(outcome, truth):
                self.recall_hits += 1
        if outcome.automatic:
            self.automatic += 1
            if correct:
                self.correct += 1
                if truth.determinable:
                    self.auto_determinable += 1
                else:
                    self.auto_undeterminable += 1
            else:
                self.wrong += 1
                self.harmful += is_harmful(outcome, truth)

    @property
    def precision(self) -> float | None:
        return ratio(self.correct, self.automatic)

    @property
    def automatic_share(self) -> float | None:
        return ratio(self.auto_determinable, self.determinable)

    @property
    def suggestion_recall(self) -> float | None:
        return ratio(self.recall_hits, self.assignable)


@dataclass(slots=True)
class Evaluation:
    overall: Tally
    by_case: dict[str, Tally]
    by_tag: dict[str, Tally]
    errors: list[tuple[Outcome, Truth]]  # wrong automatic assignments
    missed: list[tuple[Outcome, Truth]]  # determinable, not assigned correctly


def align_interchangeable(
    outcomes: Mapping[str, Outcome], truths: Mapping[str, Truth]
) -> dict[str, Truth]:
    """Let interchangeable postings swap truths where that makes more of them correct."""
    aligned = dict(truths)
    done: set[str] = set()
    for posting_id, truth in truths.items():
        if not truth.interchangeable_with or posting_id in done:
            continue
        group = sorted({posting_id, *truth.interchangeable_with} & set(truths))
        done.update(group)
        if len(group) > 6:  # permutations would explode; such groups do not occur
            continue
        originals = [truths[member] for member in group]

        def score(permutation: tuple[Truth, ...], members: list[str] = group) -> int:
            return sum(
                is_correct(outcomes[m], t)
                for m, t in zip(members, permutation, strict=True)
                if m in outcomes
            )

        best = tuple(originals)
        best_score = score(best)
        for permutation in itertools.permutations(originals):
            if score(permutation) > best_score:
                best, best_score = permutation, score(permutation)
        for member, chosen, original in zip(group, best, originals, strict=True):
            aligned[member] = replace(
                original,
                assignments=chosen.assignments,
                determinable=chosen.determinable,
            )
    return aligned


def evaluate(outcomes: Iterable[Outcome], truths: Mapping[str, Truth]) -> Evaluation:
    """Score the matcher's outcomes against the truth; every posting needs both."""
    by_id = {outcome.posting_id: outcome for outcome in outcomes}
    missing = set(truths) - set(by_id)
    if missing:
        raise ValueError(f"no decision for {len(missing)} posting(s), e.g. {sorted(missing)[0]}")
    extra = set(by_id) - set(truths)
    if extra:
        raise ValueError(f"decision for unknown posting(s), e.g. {sorted(extra)[0]}")
    aligned = align_interchangeable(by_id, truths)
    result = Evaluation(Tally(), {}, {}, [], [])
    for posting_id in sorted(aligned):
        outcome, truth = by_id[posting_id], aligned[posting_id]
        result.overall.add(outcome, truth)
        result.by_case.setdefault(truth.case, Tally()).add(outcome, truth)
        for tag in truth.tags:
            result.by_tag.setdefault(tag, Tally()).add(outcome, truth)
        if outcome.automatic and not is_correct(outcome, truth):
            result.errors.append((outcome, truth))
        elif truth.assignable and truth.determinable and not is_correct(outcome, truth):
            result.missed.append((outcome, truth))
    return result
