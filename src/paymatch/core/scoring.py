"""Evaluating one posting: find candidate orders, weigh every signal, compute probabilities.

The weights are log10 likelihood ratios: how much more often a signal is seen when the posting
pays the order than when it pays no open order at all. They add up per candidate, together with
the prior odds that a posting pays one particular open order. Signals that measure the same
thing (the payer's IBAN, name and customer number all say *who* paid) count once, by the
strongest. The probabilities of all candidates, of "no open order" and of "an order not looked
at one by one" sum to one. See docs/matching.md.

Candidates come in two tiers. *Primary* candidates are pointed to by a reference, the payer's
IBAN or the payer's name. Orders found by their amount alone are *secondary*: as long as a
primary candidate decides the posting they only count in the background; otherwise they are
weighed one by one, to be suggested.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

import attrs
from rapidfuzz.distance import OSA

from paymatch.core.config import MatchConfig
from paymatch.core.models import EvidenceKind, Posting
from paymatch.core.money import currency_exponent, quantize, to_minor_units
from paymatch.core.order_index import Details, OrderEntry, OrderIndex
from paymatch.rules import amounts, creditor_reference, dates, parties, payment_reference
from paymatch.rules.collective import subsets_with_sum
from paymatch.rules.extensions import ReferencePattern
from paymatch.rules.parties import quick_words
from paymatch.rules.references import (
    ReferenceKind,
    TextReference,
    exact_weight,
    near_miss,
    near_miss_variants,
    near_miss_weight,
    reference_key,
    reference_prefix,
    scan,
)

Ev = tuple[EvidenceKind, float, str]
"""One piece of evidence: kind, weight (log10 likelihood ratio), sentence."""

_OWN_REFERENCE_WEIGHT = math.log10(0.95 / 1e-9)
_MAX_LOG_ODDS = 300.0


@attrs.define(slots=True)
class PostingView:
    """What the matcher reads from a posting, computed once."""

    posting: Posting
    references: tuple[TextReference, ...]
    tries: Counter[int]
    own_references: list[str]
    payer_words: tuple[str, ...]
    iban: str | None
    foreign: bool
    aside: float = 0.0
    """Likelihood ratios, summed, of orders a signal points to but which were not weighed one
    by one (too many, and the posting cannot pay them in full): they count in the background.
    See :meth:`Scorer._sift`."""

    @classmethod
    def of(
        cls,
        posting: Posting,
        config: MatchConfig,
        *,
        own_references: bool,
        patterns: tuple[ReferencePattern, ...] = (),
    ) -> PostingView:
        text = posting.remittance
        if posting.end_to_end_id:
            text = f"{text} {posting.end_to_end_id}"
        references = scan(text, min_length=config.references.min_key_length)
        own: list[str] = []
        if own_references:
            own = payment_reference.find_in_text(text)
        if patterns:
            references = _with_patterns(text, references, patterns, own)
        if "rf" in text.lower():
            own += creditor_reference.find_in_text(text)
        structured = posting.creditor_reference
        if structured:
            compact = "".join(structured.split()).upper()
            if creditor_reference.is_valid(compact) or payment_reference.is_valid(compact):
                own.append(compact)
            elif not compact.startswith("RF"):
                # A structured reference that is not RF is the creditor's own: look it up.
                references += scan(compact, min_length=config.references.min_key_length)
        iban = posting.counterparty_iban
        # an account number that is no IBAN at all comes from outside SEPA
        country = (iban[:2] if iban[:2].isalpha() else "??") if iban else None
        foreign = bool(
            posting.instructed_currency and posting.instructed_currency != posting.currency
        ) or (country is not None and country not in config.amounts.home_countries)
        name = posting.counterparty_name
        return cls(
            posting=posting,
            references=references,
            tries=Counter(len(reference.key) for reference in references),
            own_references=own,
            payer_words=parties.normalize_name(name) if name else (),
            iban=iban,
            foreign=foreign,
        )


@attrs.define(slots=True, eq=False)
class _Candidate:
    entry: OrderEntry
    details: Details
    reference: Ev | None = None
    customer_number: Ev | None = None
    named: bool = False
    """Its order or invoice number (or own reference) is written in the text, exactly."""
    similarity: float | None = None


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


class _Take(Protocol):
    def __call__(self, entry: OrderEntry, *, named: bool = False) -> _Candidate | None: ...


_Assignable = Callable[[list[Hypothesis]], bool]


class Scorer:
    """Evaluates postings against an :class:`OrderIndex`."""

    def __init__(self, index: OrderIndex, patterns: tuple[ReferencePattern, ...] = ()) -> None:
        self.index = index
        self.config = index.config
        self.patterns = patterns

    def evaluate(self, posting: Posting, *, assignable: _Assignable) -> list[Hypothesis]:
        """Every hypothesis worth considering, most likely first, with probabilities.

        ``assignable`` tells whether a ranking decides the posting; if the primary candidates
        do not, the orders found by amount alone are weighed too.
        """
        index, config = self.index, self.config
        view = PostingView.of(
            posting, config, own_references=bool(index.by_own_reference), patterns=self.patterns
        )
        primary = self._primary(view)
        secondary = self._secondary(view, primary)
        if secondary and view.references:
            # an order with the amount whose number is one typo from the text is no bystander
            for entry in [e for e in secondary if self._typo_of(view, e)]:
                secondary.remove(entry)
                primary[entry.id] = _Candidate(entry, index.details(entry))
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
            bystanders = [_Candidate(entry, index.details(entry)) for entry in secondary]
            hypotheses += self._hypotheses(view, bystanders, prior, assignable, background)
        return _rank(hypotheses, background)

    # -- candidates -------------------------------------------------------------------------

    def _primary(self, view: PostingView) -> dict[str, _Candidate]:
        index, rules = self.index, self.config.references
        currency = view.posting.currency
        found: dict[str, _Candidate] = {}

        def take(entry: OrderEntry, *, named: bool = False) -> _Candidate | None:
            # An order that is paid already stays a candidate when the text names it: the
            # posting may be a second payment, which no other order may take by its amount.
            if not entry.alive or entry.currency != currency:
                return None
            if entry.open <= 0 and not named:
                return None
            candidate = found.get(entry.id)
            if candidate is None:
                candidate = _Candidate(entry, index.details(entry))
                found[entry.id] = candidate
            return candidate

        for reference in view.own_references:
            for entry in index.by_own_reference.get(reference, ()):
                candidate = take(entry, named=True)
                if candidate is not None:
                    evidence_kind = (
                        EvidenceKind.CREDITOR_REFERENCE
                        if reference.startswith("RF")
                        else EvidenceKind.REFERENCE
                    )
                    candidate.reference = (
                        evidence_kind,
                        _OWN_REFERENCE_WEIGHT,
                        f"payment reference {reference} of this order found",
                    )
                    candidate.named = True

        exact_hit = False
        hitting = [w for w in view.references if w.key in index.by_key]
        for written in hitting:
            if any(written.within(other) for other in hitting):
                continue  # the longer number it is part of names an order already
            hits = [
                (entry, kind)
                for entry, kind in index.by_key.get(written.key, ())
                if written.kind is None or kind is written.kind
            ]
            customers = [entry for entry, kind in hits if kind is ReferenceKind.CUSTOMER_NUMBER]
            if len(customers) > self.config.decision.namesake_limit:
                # a customer number of a customer with many open orders: it says who paid,
                # not which order; only the orders the posting may pay in full come closer
                weight = exact_weight(
                    written.key,
                    ReferenceKind.CUSTOMER_NUMBER,
                    tries=view.tries[len(written.key)],
                    anchored=written.anchored,
                    rules=rules,
                )
                kept = {id(entry) for entry in self._sift(view, customers, weight)}
                hits = [
                    (entry, kind)
                    for entry, kind in hits
                    if kind is not ReferenceKind.CUSTOMER_NUMBER or id(entry) in kept
                ]
            for entry, kind in hits:
                candidate = take(entry, named=kind is not ReferenceKind.CUSTOMER_NUMBER)
                if candidate is None:
                    continue
                value = _written_value(entry, kind)
                prefix = reference_prefix(value)
                anchored = written.anchored or bool(prefix and written.prefix == prefix)
                weight = exact_weight(
                    written.key,
                    kind,
                    tries=view.tries[len(written.key)],
                    anchored=anchored,
                    rules=rules,
                )
                shown = "" if written.written == value else f" (written {written.written!r})"
                evidence = (
                    EvidenceKind.REFERENCE,
                    weight,
                    f"{kind.label} {value} found in the remittance text{shown}",
                )
                if kind is ReferenceKind.CUSTOMER_NUMBER:
                    known = candidate.customer_number
                    if known is None or weight > known[1]:
                        candidate.customer_number = evidence
                    continue
                exact_hit = True
                candidate.named = True
                if candidate.reference is None or weight > candidate.reference[1]:
                    candidate.reference = evidence

        if not exact_hit:
            self._near_miss_lookups(view, take)
        # With an order named exactly in the text, the payer's other orders only compete if the
        # posting can pay them in full; weighing them one by one would not change the answer.
        sift_all = exact_hit
        if view.iban:
            paid_before = [e for e in index.orders_of_iban(view.iban) if e.id not in found]
            if sift_all or len(paid_before) > self.config.decision.namesake_limit:
                iban_weight = parties.iban_weight(1, self.config.parties)
                paid_before = self._sift(view, paid_before, iban_weight)
            for entry in paid_before:
                take(entry)
        self._name_candidates(view, take, found, sift_all=sift_all)
        return found

    def _sift(
        self, view: PostingView, entries: list[OrderEntry], weight: float
    ) -> list[OrderEntry]:
        """The ``entries`` (all pointed to by one signal of ``weight``) that the posting may pay
        in full; the others are set aside into the background as "paid in part"."""
        kept = []
        partial = math.log10(self.config.amounts.partial_m / 0.5)
        for entry in entries:
            if entry.open <= 0 or not entry.alive or entry.currency != view.posting.currency:
                continue
            if self._amount_may_fit(view.posting, entry):
                kept.append(entry)
            else:
                view.aside += 10 ** (weight + partial)
        return kept

    def _near_miss_lookups(self, view: PostingView, take: _Take) -> None:
        """Orders whose number is one typo from a number in the text.

        In a dense numbering almost every number is one typo from several orders; a near miss
        alone is weak evidence, so where a written number has more than a few such neighbours
        only those whose amount the posting may pay in full are weighed one by one.
        """
        rules = self.config.references
        customer_numbers = {
            written.key
            for written in view.references
            if any(
                kind is ReferenceKind.CUSTOMER_NUMBER
                for _, kind in self.index.by_key.get(written.key, ())
            )
        }
        for written in view.references:
            if len(written.key) < rules.near_miss_min_length or written.key in customer_numbers:
                continue
            hits = [
                (entry, kind, variant, how)
                for variant, how in near_miss_variants(written.key)
                for entry, kind in self.index.by_key.get(variant, ())
                if kind is not ReferenceKind.CUSTOMER_NUMBER
            ]
            if len(hits) > rules.near_miss_neighbours:
                hits = [hit for hit in hits if self._amount_may_fit(view.posting, hit[0])]
            if not hits:
                continue
            weight = near_miss_weight(
                written.key,
                tries=view.tries[len(written.key)],
                anchored=written.anchored,
                rules=rules,
            )
            for entry, kind, _variant, how in hits:
                candidate = take(entry)
                if candidate is None:
                    continue
                if candidate.reference is None or weight > candidate.reference[1]:
                    value = _written_value(entry, kind)
                    candidate.reference = (
                        EvidenceKind.REFERENCE_NEAR,
                        weight,
                        f"{kind.label} {value} is one typo away from "
                        f"{written.written!r} in the text ({how})",
                    )

    def _name_candidates(
        self, view: PostingView, take: _Take, found: dict[str, _Candidate], *, sift_all: bool
    ) -> None:
        """Orders whose customer or company has the payer's name (probably or surely).

        The pool: the orders of customers with exactly the payer's words (any order); else the
        orders sharing the payer's two rarest words; else, for a payer of one word, the orders
        with that word, if they are few. A name that many customers share (Anna Müller) says
        little by itself: from a large pool only the orders whose amount fits are weighed one by
        one, and the rest count in the background as namesakes.
        """
        words = {word for word in view.payer_words if len(word) > 2}
        if not words:
            return
        rules = self.config.decision
        limit = rules.name_bucket_limit
        pool: list[OrderEntry] = []
        name = view.posting.counterparty_name
        if name and len(words) > 1:
            pool = self.index.by_name.get(tuple(sorted(quick_words(name))), [])
        if not pool:
            by_word = self.index.by_word
            buckets = sorted(
                (bucket for bucket in (by_word.get(word) for word in words) if bucket), key=len
            )
            if not buckets:
                return
            if len(buckets) > 1 and len(buckets[0]) <= limit:
                second = {id(entry) for entry in buckets[1]}
                pool = [entry for entry in buckets[0] if id(entry) in second]
            elif len(buckets) > 1:
                # too common to intersect cheaply: estimate the namesakes instead
                open_orders = max(self.index.open_count[view.posting.currency], 1)
                namesakes = len(buckets[0]) * len(buckets[1]) / open_orders
                partial = math.log10(self.config.amounts.partial_m / 0.5)
                weight = math.log10(self.config.parties.name_m / self.config.parties.name_u)
                view.aside += namesakes * 10 ** (weight + partial)
                return
            if not pool and len(buckets[0]) <= limit // 4:
                pool = buckets[0]
        name_weight = math.log10(self.config.parties.name_m / self.config.parties.name_u)
        if len(pool) > limit:
            view.aside += len(pool) * 10 ** (
                name_weight + math.log10(self.config.amounts.partial_m / 0.5)
            )
            return
        pool = [entry for entry in pool if entry.id not in found]
        if sift_all or len(pool) > rules.namesake_limit:
            pool = self._sift(view, pool, name_weight)
        weak = self.config.parties.name_weak
        for entry in pool:
            if entry.open <= 0 or not entry.alive:
                continue
            similarity = _similarity(view.payer_words, self.index.details(entry))
            if similarity >= weak:
                candidate = take(entry)
                if candidate is not None:
                    candidate.similarity = similarity

    def _amount_may_fit(self, posting: Posting, entry: OrderEntry) -> bool:
        """Whether the posting could pay the order in full: exactly, within the tolerance, less
        a cash discount (at most ``amounts.max_discount_share``) or less a bank fee."""
        rules = self.config.amounts
        due, paid = entry.open, posting.amount
        if abs(due - paid) <= rules.tolerance:
            return True
        return paid < due and (
            due - paid <= rules.fee_limit or paid >= due * (1 - rules.max_discount_share)
        )

    def _secondary(self, view: PostingView, primary: dict[str, _Candidate]) -> list[OrderEntry]:
        """Orders with exactly the posting's amount open that no other signal points to."""
        posting = view.posting
        limit = self.config.decision.amount_bucket_limit
        if self.index.amount_bucket_size(posting.currency, posting.amount) > 2 * limit:
            return []
        same = self.index.with_amount(posting.currency, posting.amount)
        if not same or len(same) > limit:
            return []
        return [entry for entry in same if entry.id not in primary]

    # -- weighing ---------------------------------------------------------------------------

    def _hypotheses(
        self,
        view: PostingView,
        candidates: list[_Candidate],
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
        bucket limit, and the payer's namesakes set aside (see :meth:`_name_candidates`)."""
        config = self.config
        p0 = config.decision.unrelated_share
        background = config.decision.unseen_share * (1 - p0) / p0
        posting = view.posting
        same = self.index.amount_bucket_size(posting.currency, posting.amount)
        if same > config.decision.amount_bucket_limit:
            background += same * 10 ** (prior + self._amount_only_weight(view))
        return background + view.aside * 10**prior

    def _party_weights(
        self, view: PostingView, candidates: list[_Candidate]
    ) -> dict[str, tuple[float, Ev]]:
        """The strongest evidence of who paid, per candidate order; the name tie rule applied."""
        rules = self.config.parties
        result: dict[str, tuple[float, Ev]] = {}
        best_per_party: dict[str, float] = {}
        if view.payer_words:
            for candidate in candidates:
                if candidate.similarity is None:
                    candidate.similarity = _similarity(view.payer_words, candidate.details)
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
        candidate: _Candidate,
        prior: float,
        party: tuple[float, Ev] | None,
    ) -> Hypothesis:
        entry, details = candidate.entry, candidate.details
        posting = view.posting
        evidence: list[Ev] = []
        reference = candidate.reference
        if reference is None and view.references:
            reference = candidate.reference = self._near_miss_of(view, entry)
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

    def _typo_of(self, view: PostingView, entry: OrderEntry) -> bool:
        """Whether a written reference is one typo away from one of the order's numbers."""
        minimum = self.config.references.near_miss_min_length
        for key, kind in entry.keys:
            if kind is ReferenceKind.CUSTOMER_NUMBER:
                continue
            for written in view.references:
                if (
                    len(written.key) >= minimum
                    and OSA.distance(written.key, key, score_cutoff=1) == 1
                ):
                    return near_miss(written.key, key) is not None
        return False

    def _near_miss_of(self, view: PostingView, entry: OrderEntry) -> Ev | None:
        """A near miss between a written reference and one of this candidate's keys."""
        rules = self.config.references
        for key, kind in entry.keys:
            if kind is ReferenceKind.CUSTOMER_NUMBER:
                continue
            for written in view.references:
                if len(written.key) < rules.near_miss_min_length:
                    continue
                if OSA.distance(written.key, key, score_cutoff=1) > 1:
                    continue
                how = near_miss(written.key, key)
                if how is None:
                    continue
                weight = near_miss_weight(
                    written.key,
                    tries=view.tries[len(written.key)],
                    anchored=written.anchored,
                    rules=rules,
                )
                return (
                    EvidenceKind.REFERENCE_NEAR,
                    weight,
                    f"{kind.label} {_written_value(entry, kind)} is one typo away from "
                    f"{written.written!r} in the text ({how})",
                )
        return None

    # -- collective payments ----------------------------------------------------------------

    def _named_collective(
        self,
        view: PostingView,
        candidates: list[_Candidate],
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
        candidates: list[_Candidate],
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


def _with_patterns(
    text: str,
    references: tuple[TextReference, ...],
    patterns: tuple[ReferencePattern, ...],
    own: list[str],
) -> tuple[TextReference, ...]:
    """Add what plugins' reference patterns find; where a pattern says what a number is, the
    same number found by the generic scan is dropped (the pattern knows better)."""
    typed: dict[str, TextReference] = {}
    for pattern in patterns:
        for value in pattern.findall(text):
            if pattern.refers_to is ReferenceKind.PAYMENT_REFERENCE:
                own.append("".join(value.split()).upper())
                continue
            key = reference_key(value)
            if key is not None:
                typed[key] = TextReference(
                    key, value, reference_prefix(value), True, pattern.refers_to
                )
    generic = tuple(reference for reference in references if reference.key not in typed)
    return generic + tuple(typed.values())


def _written_value(entry: OrderEntry, kind: ReferenceKind) -> str:
    """The order's reference of ``kind`` as the source wrote it."""
    value: str | None = getattr(entry, kind.order_field)
    return value or ""


def _similarity(payer: tuple[str, ...], details: Details) -> float:
    return max(
        parties.name_similarity(payer, details.name_words),
        parties.name_similarity(payer, details.company_words),
    )


def _name_evidence(view: PostingView, candidate: _Candidate, weight: float) -> Ev:
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


def _third_party(view: PostingView, candidate: _Candidate, weight: float) -> Ev:
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
