"""Evaluating one posting: find candidate orders, weigh every signal, compute probabilities.

The weights are log10 likelihood ratios: how much more often a signal is seen when the posting
pays the order than when it pays no open order at all. They add up per candidate, together with
the prior odds that a posting pays one particular open order. Signals that measure the same
thing (the payer's IBAN, name and customer number all say *who* paid) count once, by the
strongest. The probabilities of all candidates, of "no open order" and of "an order not looked
at one by one" sum to one. See docs/matching.md.

The candidates themselves come from :mod:`paymatch.core.candidates`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import attrs

from paymatch.core.candidates import (
    CandidateFinder,
    Ev,
    OrderCandidate,
    PostingView,
    payer_similarity,
)
from paymatch.core.models import EvidenceKind, Posting
from paymatch.core.money import currency_exponent, quantize, to_minor_units
from paymatch.core.order_index import OrderEntry, OrderIndex
from paymatch.rules import amounts, dates, parties
from paymatch.rules.collective import subsets_with_sum
from paymatch.rules.extensions import ReferencePattern

_IDENTIFYING = frozenset(EvidenceKind) - {EvidenceKind.AMOUNT, EvidenceKind.DATE}
"""Evidence that names the order or the payer; amount and date only corroborate it."""

_MAX_LOG_ODDS = 300.0


@attrs.define(slots=True)
class Hypothesis:
    """The posting pays these orders (one, or several at once), with the evidence for it."""

    entries: tuple[OrderEntry, ...]
    assign: tuple[Decimal, ...]
    write_offs: tuple[tuple[Decimal, str | None], ...]
    evidence: list[Ev]
    log_odds: float
    """log10 odds against "the posting pays no open order", prior included."""
    strength: float
    """Sum of the evidence weights (log10 likelihood ratio), prior excluded."""
    versions: tuple[int, ...]
    probability: float = 0.0
    blocked: str | None = None
    """Why this hypothesis may be suggested but never assigned automatically."""
    overpaid: bool = False
    """The posting is more than the order's open amount (beyond the tolerance)."""

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(entry.id for entry in self.entries)

    def is_stale(self) -> bool:
        return any(
            entry.version != version or not entry.alive
            for entry, version in zip(self.entries, self.versions, strict=True)
        )


@attrs.define(slots=True)
class Evaluation:
    """All hypotheses for one posting, most likely first."""

    hypotheses: list[Hypothesis]
    background: float


_Assignable = Callable[[list[Hypothesis]], bool]


def _never(_ranked: list[Hypothesis]) -> bool:
    return False


class Scorer:
    """Evaluates postings against an :class:`OrderIndex`."""

    def __init__(self, index: OrderIndex, patterns: tuple[ReferencePattern, ...] = ()) -> None:
        self.index = index
        self.config = index.config
        self.patterns = patterns
        self.finder = CandidateFinder(index)

    def evaluate(self, posting: Posting, *, assignable: _Assignable) -> list[Hypothesis]:
        """Every hypothesis worth considering, most likely first, with probabilities.

        ``assignable`` tells whether a ranking decides the posting; if the primary candidates
        do not, the orders found by amount alone are weighed too.

        A posting the bank has not booked (a ``status`` other than ``BOOK``: pending, or one a
        profile does not know) is weighed like any other but never assigned: the bank may still
        drop or change it, and its booking arrives later as a posting of its own.
        """
        if posting.booked:
            return self._evaluate(posting, assignable=assignable)
        hypotheses = self._evaluate(posting, assignable=_never)
        why = f"the bank has not booked the posting (status {posting.status})"
        for hypothesis in hypotheses:
            hypothesis.blocked = hypothesis.blocked or why
        return hypotheses

    def _evaluate(self, posting: Posting, *, assignable: _Assignable) -> list[Hypothesis]:
        index, config = self.index, self.config
        view = PostingView.of(
            posting,
            config,
            own_references=bool(index.by_own_reference),
            patterns=self.patterns,
            codes=index.by_key if index.code_count else None,
        )
        primary = self.finder.primary(view)
        secondary = self.finder.secondary(view, primary)
        if secondary and view.references:
            # an order with the amount whose number is one typo from the text is no bystander
            for entry in [e for e in secondary if self.finder.typo_of(view, e)]:
                secondary.remove(entry)
                primary[entry.id] = OrderCandidate(entry, index.details(entry))
        if not primary and not secondary:
            return []
        p0 = config.decision.unrelated_share
        prior = math.log10((1 - p0) / (p0 * max(index.open_count[posting.currency], 1)))
        background = self._background(view, prior)
        hypotheses = self._hypotheses(view, list(primary.values()), prior, assignable, background)
        if secondary:
            aside = 10 ** (prior + self._amount_only_weight(view))
            ranked = _rank(hypotheses, background + aside * len(secondary))
            if ranked and assignable(ranked):
                return ranked
            bystanders = [OrderCandidate(entry, index.details(entry)) for entry in secondary]
            hypotheses += self._hypotheses(view, bystanders, prior, assignable, background)
        return _rank(hypotheses, background)

    # -- weighing ---------------------------------------------------------------------------

    def _hypotheses(
        self,
        view: PostingView,
        candidates: list[OrderCandidate],
        prior: float,
        assignable: _Assignable,
        background: float,
    ) -> list[Hypothesis]:
        party_weights = self._party_weights(view, candidates)
        hypotheses = [
            self._single(view, candidate, prior, party_weights.get(candidate.entry.id))
            for candidate in candidates
        ]
        referenced = sum(1 for c in candidates if c.reference is not None)
        if referenced >= 2:
            for hypothesis in hypotheses:
                if hypothesis.overpaid and not hypothesis.blocked:
                    hypothesis.blocked = (
                        "the text refers to other orders too, and the amount is more than this "
                        "one's: probably a payment for several"
                    )
        hypotheses.extend(self._named_collective(view, candidates, prior, party_weights))
        # A payer's orders are searched for a matching sum only when no single order, and no
        # collective named in the text, explains the posting.
        if not assignable(_rank(list(hypotheses), background)):
            hypotheses.extend(self._payer_subsets(view, candidates, prior, party_weights))
        return hypotheses

    def _amount_only_weight(self, view: PostingView) -> float:
        """Weight of an order that has the posting's exact amount and nothing else for it."""
        rules = self.config
        weight = math.log10(rules.amounts.exact_m / rules.amounts.amount_u_floor)
        if view.payer_words:
            weight += math.log10(rules.parties.third_party_lr)
        return weight

    def _background(self, view: PostingView, prior: float) -> float:
        """Odds (against "no open order") that the posting pays an order that is not weighed
        one by one: orders no signal points to, orders sharing the posting's amount beyond the
        bucket limit, and the orders set aside while finding candidates (``view.aside``)."""
        config = self.config
        p0 = config.decision.unrelated_share
        background = config.decision.unseen_share * (1 - p0) / p0
        posting = view.posting
        same = self.index.amount_bucket_size(posting.currency, posting.amount)
        if same > config.decision.amount_bucket_limit:
            background += same * 10 ** (prior + self._amount_only_weight(view))
        return background + view.aside * 10**prior

    def _party_weights(
        self, view: PostingView, candidates: list[OrderCandidate]
    ) -> dict[str, tuple[float, Ev]]:
        """The strongest evidence of who paid, per candidate order; the name tie rule applied."""
        rules = self.config.parties
        result: dict[str, tuple[float, Ev]] = {}
        best_per_party: dict[str, float] = {}
        if view.payer_words:
            for candidate in candidates:
                if candidate.similarity is None:
                    candidate.similarity = payer_similarity(view.payer_words, candidate.details)
                if candidate.similarity >= rules.name_weak:
                    party = candidate.details.party
                    best_per_party[party] = max(
                        best_per_party.get(party, 0.0), candidate.similarity
                    )
        tied = _tied_parties(best_per_party, rules.tie_margin)
        iban_customers = None
        for candidate in candidates:
            entry = candidate.entry
            options: list[tuple[float, Ev]] = []
            if view.iban and self._iban_known(view.iban, entry):
                if iban_customers is None:
                    iban_customers = self._customers_with(view.iban)
                weight = parties.iban_weight(iban_customers, rules)
                options.append(
                    (
                        weight,
                        (
                            EvidenceKind.IBAN,
                            weight,
                            "the payer's account paid this customer before",
                        ),
                    )
                )
            if candidate.customer_number is not None:
                options.append((candidate.customer_number[1], candidate.customer_number))
            if candidate.similarity is not None:
                name_weight = parties.name_weight(candidate.similarity, rules)
                if name_weight is not None and candidate.details.party in tied:
                    # The name says "one of these customers", never which: it tells them apart
                    # from strangers, shared out between them, and leaves the rest to the amount.
                    shared = name_weight - math.log10(len(tied))
                    options.append((shared, _tie_evidence(view, len(tied), shared)))
                elif name_weight is not None and name_weight < 0:
                    options.append((name_weight, _third_party(view, candidate, name_weight)))
                elif name_weight is not None:
                    options.append((name_weight, _name_evidence(view, candidate, name_weight)))
            if options:
                result[entry.id] = max(options, key=lambda option: option[0])
        return result

    def _iban_known(self, iban: str, entry: OrderEntry) -> bool:
        if iban in entry.known_ibans:
            return True
        number = entry.customer_number
        return number is not None and number.strip().upper() in self.index.customers_of_iban(iban)

    def _customers_with(self, iban: str) -> int:
        known = len(self.index.customers_of_iban(iban))
        listed = {self.index.details(entry).party for entry in self.index.by_iban.get(iban, ())}
        return max(known, len(listed), 1)

    def _single(
        self,
        view: PostingView,
        candidate: OrderCandidate,
        prior: float,
        party: tuple[float, Ev] | None,
    ) -> Hypothesis:
        entry, details = candidate.entry, candidate.details
        posting = view.posting
        evidence: list[Ev] = []
        reference = candidate.reference
        if reference is None and view.references:
            reference = candidate.reference = self.finder.near_miss_of(view, entry)
        if reference is not None:
            evidence.append(reference)
        blocked = None
        overpaid = False
        write_off: tuple[Decimal, str | None]
        if entry.open <= 0:
            weight = math.log10(self.config.amounts.large_over_m / 0.5)
            shown = entry.number or entry.id
            evidence.append(
                (EvidenceKind.AMOUNT, weight, f"order {shown} is paid already: nothing is open")
            )
            blocked = "the order is paid already"
            assign, write_off = Decimal(0), (Decimal(0), None)
        else:
            fit = amounts.fit(
                posting.amount,
                entry.open,
                posting.currency,
                order_amount=entry.amount,
                booking_date=posting.booking_date,
                rules=self.config.amounts,
                cash_discount=details.cash_discount,
                instructed_amount=posting.instructed_amount
                if posting.instructed_currency in (None, posting.currency)
                else None,
                charges=posting.charges,
                foreign_payer=view.foreign,
                same_amount=self.index.amount_bucket_size(posting.currency, entry.open),
            )
            evidence.append((EvidenceKind.AMOUNT, fit.weight, fit.text))
            overpaid = fit.relation is amounts.AmountRelation.OVER
            if fit.large:
                blocked = "the posting is much more than the order's open amount"
            assign = fit.assign
            write_off = (fit.write_off, fit.relation.value) if fit.write_off else (Decimal(0), None)
        if party is not None:
            evidence.append(party[1])
        when = dates.weigh(posting.booking_date, details.created, entry.due_date, self.config.dates)
        if when is not None:
            evidence.append((EvidenceKind.DATE, when[0], when[1]))
            if when[0] <= math.log10(self.config.dates.before_order_lr):
                blocked = blocked or "booked before the order was placed"
        if not self.config.decision.amount_alone_assigns and not any(
            kind in _IDENTIFYING and weight > 0 for kind, weight, _text in evidence
        ):
            blocked = (
                blocked or "only the amount points to this order (no reference, no known payer)"
            )
        strength = sum(item[1] for item in evidence)
        return Hypothesis(
            entries=(entry,),
            assign=(assign,),
            write_offs=(write_off,),
            evidence=evidence,
            log_odds=prior + strength,
            strength=strength,
            versions=(entry.version,),
            blocked=blocked,
            overpaid=overpaid,
        )

    # -- collective payments ----------------------------------------------------------------

    def _named_collective(
        self,
        view: PostingView,
        candidates: list[OrderCandidate],
        prior: float,
        party_weights: dict[str, tuple[float, Ev]],
    ) -> list[Hypothesis]:
        """Orders the text refers to (exactly or by a near miss) whose open amounts add up to
        the posting: all of them, or, when the text names more, the subsets that fit."""
        posting = view.posting
        config = self.config
        currency = posting.currency
        referenced = [c for c in candidates if c.reference is not None and c.entry.open > 0]
        if len(referenced) < 2:
            return []
        # the best-referenced few, in a fixed order (the search is bounded)
        referenced = sorted(
            sorted(referenced, key=lambda c: (-c.reference[1] if c.reference else 0.0, c.entry.id))[
                : config.collective.max_orders
            ],
            key=lambda c: c.entry.id,
        )
        values = [to_minor_units(c.entry.open, currency) for c in referenced]
        tolerance = to_minor_units(quantize(config.amounts.tolerance, currency), currency)
        size = min(len(referenced), max(config.collective.max_subset, 2))
        subsets = subsets_with_sum(
            values, to_minor_units(posting.amount, currency), max_size=size, tolerance=tolerance
        )
        tried = sum(math.comb(len(referenced), k) for k in range(2, size + 1))
        amount_weight = math.log10(
            config.collective.collective_m
            * config.amounts.exact_m
            / min(1.0, config.amounts.amount_u_floor * tried)
        )
        result = []
        for subset in subsets:
            members = [referenced[i] for i in subset]
            references = [c.reference for c in members if c.reference is not None]
            weakest = min(item[1] for item in references)
            evidence: list[Ev] = [*references]
            evidence.append(
                (
                    EvidenceKind.COLLECTIVE,
                    amount_weight,
                    f"the amount is the sum of the open amounts of the {len(members)} orders "
                    "the text refers to",
                )
            )
            options = [party_weights[c.entry.id] for c in members if c.entry.id in party_weights]
            party = max(options, key=lambda option: option[0]) if options else None
            if party is not None:
                evidence.append(party[1])
            strength = weakest + amount_weight + (party[0] if party else 0.0)
            result.append(
                _collective([c.entry for c in members], posting.amount, evidence, prior, strength)
            )
        return result

    def _payer_subsets(
        self,
        view: PostingView,
        candidates: list[OrderCandidate],
        prior: float,
        party_weights: dict[str, tuple[float, Ev]],
    ) -> list[Hypothesis]:
        """Subsets of one identified payer's open orders whose amounts sum to the posting."""
        posting = view.posting
        config = self.config
        payers: dict[str, tuple[tuple[float, Ev], list[OrderEntry]]] = {}
        for candidate in candidates:
            party = party_weights.get(candidate.entry.id)
            if party is None or party[0] < config.collective.min_party_evidence:
                continue
            key = candidate.details.party
            if key in payers:
                known, orders = payers[key]
                if party[0] > known[0]:
                    payers[key] = (party, orders)
                if candidate.entry not in orders:
                    orders.append(candidate.entry)
                continue
            payers[key] = (party, self.index.customer_orders(candidate.entry))
        result: list[Hypothesis] = []
        currency = posting.currency
        target = to_minor_units(posting.amount, currency)
        tolerance_amount = quantize(config.amounts.tolerance, currency)
        tolerance = to_minor_units(tolerance_amount, currency)
        exponent = currency_exponent(currency)
        for key in sorted(payers):
            party, pool = payers[key]
            orders = sorted(
                (e for e in pool if e.is_open and e.currency == currency),
                key=lambda e: e.id,
            )
            if not 2 <= len(orders) <= config.collective.max_orders:
                continue
            if any(abs(entry.open - posting.amount) <= tolerance_amount for entry in orders):
                continue  # one order fits alone: that is the simpler explanation
            values = [to_minor_units(entry.open, currency) for entry in orders]
            subsets = subsets_with_sum(
                values, target, max_size=config.collective.max_subset, tolerance=tolerance
            )
            if not subsets:
                continue
            tried = sum(
                math.comb(len(orders), size)
                for size in range(2, min(config.collective.max_subset, len(orders)) + 1)
            )
            amount_weight = math.log10(
                config.collective.collective_m
                * config.amounts.exact_m
                / min(1.0, config.amounts.amount_u_floor * tried)
            )
            for subset in subsets:
                chosen = [orders[i] for i in subset]
                numbers = ", ".join(entry.number or entry.id for entry in chosen)
                evidence: list[Ev] = [
                    party[1],
                    (
                        EvidenceKind.COLLECTIVE,
                        amount_weight,
                        f"amount {posting.amount:.{exponent}f} {currency} is the sum of this "
                        f"customer's open orders {numbers}",
                    ),
                ]
                result.append(
                    _collective(chosen, posting.amount, evidence, prior, party[0] + amount_weight)
                )
        return result


def _name_evidence(view: PostingView, candidate: OrderCandidate, weight: float) -> Ev:
    order = candidate.entry
    payer = view.posting.counterparty_name
    similarity = candidate.similarity or 0.0
    company = parties.name_similarity(view.payer_words, candidate.details.company_words)
    target = order.company if company >= similarity and order.company else order.customer_name
    return (
        EvidenceKind.NAME,
        weight,
        f"payer name {payer!r} matches {target!r} ({similarity:.0%})",
    )


def _third_party(view: PostingView, candidate: OrderCandidate, weight: float) -> Ev:
    order = candidate.entry
    names = " / ".join(name for name in (order.customer_name, order.company) if name)
    who = f" ({names})" if names else ""
    return (
        EvidenceKind.NAME,
        weight,
        f"payer {view.posting.counterparty_name!r} is not the customer{who}",
    )


def _tie_evidence(view: PostingView, parties_: int, weight: float) -> Ev:
    return (
        EvidenceKind.NAME,
        weight,
        f"payer name {view.posting.counterparty_name!r} fits {parties_} customers equally well: "
        "it does not tell them apart",
    )


def _tied_parties(best_per_party: dict[str, float], margin: float) -> set[str]:
    if len(best_per_party) < 2:
        return set()
    ranked = sorted(best_per_party.items(), key=lambda item: -item[1])
    top = ranked[0][1]
    tied = {party for party, similarity in ranked if top - similarity <= margin}
    return tied if len(tied) >= 2 else set()


def _collective(
    entries: list[OrderEntry],
    amount: Decimal,
    evidence: list[Ev],
    prior: float,
    strength: float,
) -> Hypothesis:
    assign = [entry.open for entry in entries]
    # Within the tolerance the last order takes the difference: never more than it has open.
    difference = amount - sum(assign, Decimal(0))
    write_offs: list[tuple[Decimal, str | None]] = [(Decimal(0), None)] * len(entries)
    if difference < 0:
        assign[-1] += difference
        write_offs[-1] = (-difference, "tolerance")
    return Hypothesis(
        entries=tuple(entries),
        assign=tuple(assign),
        write_offs=tuple(write_offs),
        evidence=evidence,
        log_odds=prior + strength,
        strength=strength,
        versions=tuple(entry.version for entry in entries),
    )


def _rank(hypotheses: list[Hypothesis], background: float) -> list[Hypothesis]:
    """Sort best first (ties by order ids) and give each hypothesis its probability."""
    hypotheses.sort(key=lambda h: (-h.log_odds, h.order_ids))
    if not hypotheses:
        return hypotheses
    top = max(min(hypotheses[0].log_odds, _MAX_LOG_ODDS), -_MAX_LOG_ODDS)
    # relative to the best, to keep the powers of ten in range
    total = (1.0 + background) * 10.0**-top
    relative = [
        10.0 ** (max(min(h.log_odds, _MAX_LOG_ODDS), -_MAX_LOG_ODDS) - top) for h in hypotheses
    ]
    total += sum(relative)
    for hypothesis, weight in zip(hypotheses, relative, strict=True):
        hypothesis.probability = weight / total
    return hypotheses
