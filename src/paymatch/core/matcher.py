"""The matcher: one :class:`~paymatch.core.models.Decision` per posting.

Two forms share one engine:

* batch: ``Matcher(config).match(postings, orders)`` decides a whole batch; the result does not
  depend on the order of the inputs, and no order's open amount is consumed twice;
* incremental: ``index = Matcher(config).index(orders)`` indexes the open orders once, then
  ``index.match(posting)`` decides each posting as it arrives and updates the open amounts.

A posting is *assigned* only when its best candidate is at least ``assign_threshold`` likely and
leads the runner-up by ``assign_margin``; otherwise up to ``max_candidates`` candidates are
*suggested* with their evidence; with no candidate worth showing it is *unmatched*. Debits,
reversals and postings caught by an ignore rule never reach the candidates.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from paymatch.core.collector import collector_paused, full_collections_deferred
from paymatch.core.config import MatchConfig
from paymatch.core.errors import InputError
from paymatch.core.models import (
    Decision,
    DecisionKind,
    Order,
    Posting,
)
from paymatch.core.money import currency_exponent
from paymatch.core.order_index import OrderEntry, OrderIndex
from paymatch.core.scoring import Hypothesis, Scorer
from paymatch.rules.extensions import IgnoreRule, ReferencePattern
from paymatch.rules.ignore import IgnoreChecker


class Matcher:
    """Matches postings to open orders.

    ``ignore_rules`` and ``reference_patterns`` extend the built-in rules, typically with what
    plugins register (``paymatch.connectors.plugins.ignore_rules()`` and
    ``reference_patterns()``; :meth:`with_plugins` passes both).
    """

    def __init__(
        self,
        config: MatchConfig | None = None,
        *,
        ignore_rules: Iterable[IgnoreRule] = (),
        reference_patterns: Iterable[ReferencePattern] = (),
    ) -> None:
        self.config = config or MatchConfig()
        self._ignore = IgnoreChecker(self.config.ignore, ignore_rules)
        self._patterns = tuple(reference_patterns)

    @classmethod
    def with_plugins(cls, config: MatchConfig | None = None) -> Matcher:
        """A matcher with the ignore rules and reference patterns of the installed plugins."""
        from paymatch.connectors import plugins  # noqa: PLC0415 - core does not load plugins itself

        return cls(
            config,
            ignore_rules=plugins.ignore_rules(),
            reference_patterns=plugins.reference_patterns(),
        )

    def index(
        self, orders: Iterable[Order], *, history: Mapping[str, Iterable[str]] | None = None
    ) -> MatchIndex:
        """Index the open orders for incremental matching.

        ``orders`` may be an iterator (``paymatch.interchange.iter_orders``): each order is
        copied into its entry and not referenced afterwards, so a large file never needs all its
        ``Order`` objects alive at once. ``history`` maps a payer IBAN to the customer numbers it
        paid before (in addition to each order's ``known_ibans``).
        """
        return MatchIndex(self.config, self._ignore, self._patterns, orders, history)

    def index_entries(
        self, entries: Iterable[OrderEntry], *, history: Mapping[str, Iterable[str]] | None = None
    ) -> MatchIndex:
        """Like :meth:`index`, from entries the caller built itself (``OrderEntry.from_json``
        for orders a store validated when it kept them)."""
        index = MatchIndex(self.config, self._ignore, self._patterns, (), history)
        with collector_paused():
            for entry in entries:
                index.add_entry(entry)
        return index

    def match(
        self,
        postings: Iterable[Posting],
        orders: Iterable[Order],
        *,
        history: Mapping[str, Iterable[str]] | None = None,
    ) -> list[Decision]:
        """Decide a batch: one decision per posting, in the order of ``postings``."""
        return self.index(orders, history=history).match_batch(postings)


class MatchIndex:
    """Open orders indexed for matching; each committed assignment updates their open amounts."""

    def __init__(
        self,
        config: MatchConfig,
        ignore: IgnoreChecker,
        patterns: tuple[ReferencePattern, ...],
        orders: Iterable[Order],
        history: Mapping[str, Iterable[str]] | None,
    ) -> None:
        self.config = config
        self._ignore = ignore
        self._orders = OrderIndex(config, history)
        with collector_paused():
            for order in orders:
                self._orders.add(order)
        self._scorer = Scorer(self._orders, patterns)

    # -- keeping the index current ------------------------------------------------------------

    def add(self, order: Order) -> None:
        self._orders.add(order)

    def update(self, order: Order) -> None:
        self._orders.update(order)

    def add_entry(self, entry: OrderEntry) -> None:
        self._orders.add_entry(entry)

    def update_entry(self, entry: OrderEntry) -> None:
        self._orders.update_entry(entry)

    def remove(self, order_id: str) -> None:
        self._orders.remove(order_id)

    def apply(self, order_id: str, amount: Decimal) -> None:
        """Record a payment made outside the matcher (a manual assignment): the open amount drops
        by ``amount``; a negative amount (an unassignment) raises it again."""
        self._orders.apply(order_id, amount)

    def open_amount(self, order_id: str) -> Decimal | None:
        entry = self._orders.entries.get(order_id)
        return entry.open if entry is not None else None

    def __len__(self) -> int:
        return len(self._orders.entries)

    # -- matching -----------------------------------------------------------------------------

    def evaluate(self, posting: Posting) -> Decision:
        """What the matcher would decide for ``posting``, without committing anything."""
        early = self._screen(posting)
        if early is not None:
            return early
        decision, _ = self._decide(
            posting, self._scorer.evaluate(posting, assignable=self._assignable)
        )
        return decision

    def match(self, posting: Posting) -> Decision:
        """Decide ``posting`` and, if it is assigned, reduce the orders' open amounts."""
        early = self._screen(posting)
        if early is not None:
            return early
        decision, chosen = self._decide(
            posting, self._scorer.evaluate(posting, assignable=self._assignable)
        )
        if chosen is not None:
            self._commit(chosen)
        return decision

    def match_batch(self, postings: Iterable[Posting]) -> list[Decision]:
        """Decide several postings as one batch.

        Every posting is first evaluated against the same state. Then decisions are taken best
        first (the most certain assignment, then by booking date and posting id); a posting whose
        candidates changed meanwhile (another posting paid them) is evaluated again before its
        turn. This makes the result independent of the order of ``postings``.
        """
        with full_collections_deferred():
            return self._match_batch(postings)

    def _match_batch(self, postings: Iterable[Posting]) -> list[Decision]:
        batch = list(postings)
        by_id: dict[str, Posting] = {}
        for number, posting in enumerate(batch, start=1):
            if posting.id in by_id:
                raise InputError(f"posting id {posting.id!r} occurs twice", line=number, field="id")
            by_id[posting.id] = posting
        results: dict[str, Decision] = {}
        pending: dict[str, _Waiting] = {}
        heap: list[tuple[int, float, str, str]] = []
        for posting in batch:
            early = self._screen(posting)
            if early is not None:
                results[posting.id] = early
                continue
            hypotheses = self._scorer.evaluate(posting, assignable=self._assignable)
            pending[posting.id] = self._waiting(hypotheses)
            heapq.heappush(heap, self._priority(posting, hypotheses))
        while heap:
            *_, posting_id = heapq.heappop(heap)
            posting = by_id[posting_id]
            waiting = pending[posting_id]
            if waiting.is_stale():
                hypotheses = self._scorer.evaluate(posting, assignable=self._assignable)
                pending[posting_id] = self._waiting(hypotheses)
                heapq.heappush(heap, self._priority(posting, hypotheses))
                continue
            decision, chosen = self._decide(posting, waiting.hypotheses)
            if chosen is not None:
                self._commit(chosen)
            results[posting_id] = decision
        return [results[posting.id] for posting in batch]

    def _waiting(self, hypotheses: list[Hypothesis]) -> _Waiting:
        """What a batch keeps of a posting's evaluation until its turn: the hypotheses
        :meth:`_decide` reads (the best two and the first ``max(2, max_candidates)`` strong
        enough to be shown, in their order) and every order any hypothesis counted on. At 10^6
        orders the rest, with its evidence sentences, was over a gigabyte per 100,000 postings."""
        rules = self.config.decision
        wanted = max(2, rules.max_candidates)
        kept: list[Hypothesis] = []
        strong = 0
        for number, hypothesis in enumerate(hypotheses):
            is_strong = hypothesis.strength >= rules.suggest_min_evidence
            if number < 2 or (is_strong and strong < wanted):
                kept.append(hypothesis)
            strong += is_strong
        return _Waiting(
            kept,
            tuple(entry for hypothesis in hypotheses for entry in hypothesis.entries),
            tuple(version for hypothesis in hypotheses for version in hypothesis.versions),
        )

    def _priority(
        self, posting: Posting, hypotheses: list[Hypothesis]
    ) -> tuple[int, float, str, str]:
        assignable = self._assignable(hypotheses)
        best = hypotheses[0].probability if hypotheses else 0.0
        return (0 if assignable else 1, -best, posting.booking_date.isoformat(), posting.id)

    # -- deciding -----------------------------------------------------------------------------

    def _screen(self, posting: Posting) -> Decision | None:
        """The decision for postings that never reach the candidates, else ``None``."""
        reason = None
        kind = DecisionKind.UNMATCHED
        if posting.reversal:
            reason = "a reversal (return) of an earlier booking never pays an order"
        elif posting.amount < 0:
            reason = "a debit (money going out) never pays an order"
        elif posting.amount == 0:
            reason = "a posting of zero pays nothing"
        else:
            reason = self._ignore.reason(posting)
            if reason is not None:
                kind = DecisionKind.IGNORED
        if reason is None:
            return None
        return Decision(posting_id=posting.id, decision=kind, reason=reason)

    def _assignable(self, hypotheses: list[Hypothesis]) -> bool:
        if not hypotheses:
            return False
        rules = self.config.decision
        best = hypotheses[0]
        if best.blocked or best.probability < rules.assign_threshold:
            return False
        if not all(amount > 0 for amount in best.assign):
            return False
        runner_up = hypotheses[1].log_odds if len(hypotheses) > 1 else None
        return runner_up is None or best.log_odds - runner_up >= rules.assign_margin

    def _decide(
        self, posting: Posting, hypotheses: list[Hypothesis]
    ) -> tuple[Decision, Hypothesis | None]:
        rules = self.config.decision
        assignable = self._assignable(hypotheses)
        # An assignment shows what won and the runner-up it beat; a suggestion the whole list.
        shown = [
            hypothesis
            for hypothesis in hypotheses
            if hypothesis.strength >= rules.suggest_min_evidence
            or (assignable and hypothesis is hypotheses[0])
        ][: 2 if assignable else rules.max_candidates]
        candidates = [_candidate(hypothesis) for hypothesis in shown]
        if assignable:
            best = hypotheses[0]
            assignments = [
                {
                    "order_id": entry.id,
                    "amount": amount,
                    "write_off": write_off if write_off else None,
                    "write_off_reason": why,
                }
                for entry, amount, (write_off, why) in zip(
                    best.entries, best.assign, best.write_offs, strict=True
                )
            ]
            reason = _assigned_reason(posting, best, hypotheses)
            decision = _decision(
                {
                    "posting_id": posting.id,
                    "decision": DecisionKind.ASSIGNED,
                    "assignments": assignments,
                    "candidates": candidates,
                    "reason": reason,
                }
            )
            return decision, best
        if candidates:
            return (
                _decision(
                    {
                        "posting_id": posting.id,
                        "decision": DecisionKind.SUGGESTED,
                        "assignments": (),
                        "candidates": candidates,
                        "reason": _suggested_reason(shown, rules.assign_threshold),
                    }
                ),
                None,
            )
        return (
            Decision(
                posting_id=posting.id,
                decision=DecisionKind.UNMATCHED,
                assignments=(),
                candidates=(),
                reason="no open order fits"
                if not hypotheses
                else "no candidate is likely enough to show",
            ),
            None,
        )

    def _commit(self, hypothesis: Hypothesis) -> None:
        for entry, amount, (write_off, _why) in zip(
            hypothesis.entries, hypothesis.assign, hypothesis.write_offs, strict=True
        ):
            self._orders.apply(entry.id, amount + write_off)


@attrs.define(slots=True)
class _Waiting:
    """A posting's evaluation waiting in a batch (see :meth:`MatchIndex._waiting`)."""

    hypotheses: list[Hypothesis]
    entries: tuple[OrderEntry, ...]
    versions: tuple[int, ...]
    """The version of each of ``entries`` the evaluation saw."""

    def is_stale(self) -> bool:
        """Whether any order a hypothesis counted on changed since (``Hypothesis.is_stale``)."""
        return any(
            entry.version != version or not entry.alive
            for entry, version in zip(self.entries, self.versions, strict=True)
        )


def _decision(fields: dict[str, Any]) -> Decision:
    """The :class:`Decision` of ``fields``, whose candidates, evidence and assignments are
    plain dicts of their models' fields: pydantic-core builds the nested models in the same
    one validation, by the same schemas, without a Python ``__init__`` call each (about seven
    per posting)."""
    decision: Decision = _validate_decision(fields)
    return decision


_validate_decision = Decision.__pydantic_validator__.validate_python


def _candidate(hypothesis: Hypothesis) -> dict[str, Any]:
    """A :class:`Candidate`'s fields (see :func:`_decision`)."""
    return {
        "order_id": hypothesis.entries[0].id,
        "score": round(hypothesis.probability, 4),
        "amount": sum(hypothesis.assign, Decimal(0)),
        "together_with": tuple(entry.id for entry in hypothesis.entries[1:]),
        "evidence": [
            {"kind": kind, "weight": round(weight, 2), "text": text}
            for kind, weight, text in hypothesis.evidence
        ],
    }


def _assigned_reason(posting: Posting, best: Hypothesis, hypotheses: list[Hypothesis]) -> str:
    parts = [f"{best.probability:.2%} likely"]
    if len(hypotheses) > 1:
        parts.append(f"runner-up {hypotheses[1].probability:.2%}")
    rest = posting.amount - sum(best.assign, Decimal(0))
    if rest > 0:
        exponent = currency_exponent(posting.currency)
        parts.append(f"{rest:.{exponent}f} {posting.currency} of the posting stay unassigned")
    return "; ".join(parts)


def _suggested_reason(shown: list[Hypothesis], threshold: float) -> str:
    best = shown[0]
    if best.blocked:
        return f"best candidate not assigned automatically: {best.blocked}"
    if len(shown) > 1 and shown[1].log_odds >= best.log_odds - 0.3:
        return "several candidates are about equally likely"
    return f"best candidate {best.probability:.1%} likely, below the {threshold:.1%} to assign"
