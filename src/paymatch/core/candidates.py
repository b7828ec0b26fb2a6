"""Finding the orders a posting may pay, before any of them is weighed.

Candidates come in two tiers. *Primary* candidates are pointed to by a reference, the payer's
IBAN or the payer's name. Orders found by their amount alone are *secondary*: as long as a
primary candidate decides the posting they only count in the background; otherwise they are
weighed one by one, to be suggested (see :mod:`paymatch.core.scoring`).

Where one signal points to more orders than can be weighed one by one (a common name, a
customer with many open orders, a dense numbering), only the orders the posting may pay in full
are kept; the rest are counted in :attr:`PostingView.aside`, the background.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Container
from typing import Protocol

import attrs
from rapidfuzz.distance import OSA

from paymatch.core.config import MatchConfig
from paymatch.core.models import EvidenceKind, Posting
from paymatch.core.order_index import KEY_KINDS, Details, OrderEntry, OrderIndex
from paymatch.rules import creditor_reference, parties, payment_reference
from paymatch.rules.extensions import ReferencePattern
from paymatch.rules.parties import quick_words
from paymatch.rules.references import (
    ReferenceKind,
    TextReference,
    code_key,
    exact_weight,
    near_miss,
    near_miss_variants,
    near_miss_weight,
    printed_key,
    reference_key,
    reference_prefix,
    scan,
    scan_codes,
    serial_groups,
)

Ev = tuple[EvidenceKind, float, str]
"""One piece of evidence: kind, weight (log10 likelihood ratio), sentence."""

_OWN_REFERENCE_WEIGHT = math.log10(0.95 / 1e-9)


@attrs.define(slots=True)
class PostingView:
    """What the matcher reads from a posting, computed once."""

    posting: Posting
    references: tuple[TextReference, ...]
    tries: Counter[int]
    """How many numbers of each key length the text offered (chances of a coincidental hit)."""
    code_tries: Counter[int]
    """How many letter codes of each length the text names: every word of a text could be a
    code, so what counts as a chance is a code found (more words around it change nothing)."""
    own_references: list[str]
    payer_words: tuple[str, ...]
    iban: str | None
    foreign: bool
    aside: float = 0.0
    """Likelihood ratios, summed, of orders a signal points to but which were not weighed one
    by one (too many, and the posting cannot pay them in full): they count in the background.
    See :meth:`CandidateFinder._sift`."""

    @classmethod
    def of(
        cls,
        posting: Posting,
        config: MatchConfig,
        *,
        own_references: bool,
        patterns: tuple[ReferencePattern, ...] = (),
        codes: Container[str] | None = None,
    ) -> PostingView:
        """``codes``: the index's keys where it holds letter codes (``None``: it holds none)."""
        text = posting.remittance
        if posting.end_to_end_id:
            text = f"{text} {posting.end_to_end_id}"
        references = scan(text, min_length=config.references.min_key_length)
        if codes is not None:
            references += scan_codes(text, codes, min_length=config.references.min_code_length)
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
            # a serial read with other padding is no further chance: it names only a number
            # with the same groups
            tries=Counter(
                len(r.key) for r in references if r.groups is None and not r.key.isalpha()
            ),
            code_tries=Counter(len(r.key) for r in references if r.key.isalpha()),
            own_references=own,
            payer_words=parties.normalize_name(name) if name else (),
            iban=iban,
            foreign=foreign,
        )

    def tries_of(self, key: str) -> int:
        """The chances the text had of offering ``key`` by coincidence: numbers of its length,
        or letter strings of its length for a letter code."""
        return max(1, (self.code_tries if key.isalpha() else self.tries)[len(key)])


@attrs.define(slots=True, eq=False)
class OrderCandidate:
    entry: OrderEntry
    details: Details
    reference: Ev | None = None
    customer_number: Ev | None = None
    named: bool = False
    """Its order or invoice number (or own reference) is written in the text, exactly."""
    similarity: float | None = None


class _Take(Protocol):
    def __call__(self, entry: OrderEntry, *, named: bool = False) -> OrderCandidate | None: ...


class CandidateFinder:
    """Finds the candidate orders of a posting in an :class:`OrderIndex`."""

    def __init__(self, index: OrderIndex) -> None:
        self.index = index
        self.config = index.config

    def primary(self, view: PostingView) -> dict[str, OrderCandidate]:
        index, rules = self.index, self.config.references
        currency = view.posting.currency
        found: dict[str, OrderCandidate] = {}

        def take(entry: OrderEntry, *, named: bool = False) -> OrderCandidate | None:
            # An order that is paid already stays a candidate when the text names it: the
            # posting may be a second payment, which no other order may take by its amount.
            if not entry.alive or entry.currency != currency:
                return None
            if entry.open <= 0 and not named:
                return None
            candidate = found.get(entry.id)
            if candidate is None:
                candidate = OrderCandidate(entry, index.details(entry))
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
                for entry, kind in index.keyed(written.key)
                if (written.kind is None or kind is written.kind)
                and (
                    written.groups is None
                    or serial_groups(_written_value(entry, kind)) == written.groups
                )
            ]
            customers = [entry for entry, kind in hits if kind is ReferenceKind.CUSTOMER_NUMBER]
            if len(customers) > self.config.decision.namesake_limit:
                # a customer number of a customer with many open orders: it says who paid,
                # not which order; only the orders the posting may pay in full come closer
                weight = exact_weight(
                    written.key,
                    ReferenceKind.CUSTOMER_NUMBER,
                    tries=view.tries_of(written.key),
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
                    printed_key(written.written, value, written.key),
                    kind,
                    tries=view.tries_of(written.key),
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
        aside = 10 ** (weight + partial)
        currency = view.posting.currency
        pays_in_full = self._pays_in_full(view.posting)
        for entry in entries:
            if entry.open <= 0 or not entry.alive or entry.currency != currency:
                continue
            if pays_in_full(entry):
                kept.append(entry)
            else:
                view.aside += aside
        return kept

    def _near_miss_lookups(self, view: PostingView, take: _Take) -> None:
        """Orders whose number is one typo from a number in the text.

        In a dense numbering almost every number is one typo from several orders; a near miss
        alone is weak evidence, so where a written number has more than a few such neighbours
        only those whose amount the posting may pay in full are weighed one by one.
        """
        rules = self.config.references
        by_key, keyed = self.index.by_key, self.index.keyed
        customer_numbers = {
            written.key
            for written in view.references
            if any(kind is ReferenceKind.CUSTOMER_NUMBER for _, kind in keyed(written.key))
        }
        for written in view.references:
            if (
                len(written.key) < rules.near_miss_min_length
                or written.key in customer_numbers
                or written.key.isalpha()  # letter codes count only exactly
                or written.groups is not None  # a padding read into the text, not written
            ):
                continue
            hits = [
                (entry, kind, variant, how)
                for variant, how in near_miss_variants(written.key)
                if variant in by_key
                for entry, kind in keyed(variant)
                if kind is not ReferenceKind.CUSTOMER_NUMBER
            ]
            if len(hits) > rules.near_miss_neighbours:
                pays_in_full = self._pays_in_full(view.posting)
                hits = [hit for hit in hits if pays_in_full(hit[0])]
            if not hits:
                continue
            weight = near_miss_weight(
                written.key,
                tries=view.tries_of(written.key),
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
        self, view: PostingView, take: _Take, found: dict[str, OrderCandidate], *, sift_all: bool
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
            # smallest first; equal sizes in word order, never in the set's (hash seed) order
            buckets = sorted(
                (bucket for bucket in (by_word.get(word) for word in sorted(words)) if bucket),
                key=len,
            )
            if not buckets:
                return
            if len(buckets) > 1 and len(buckets[0]) <= limit:
                second = set(buckets[1])  # entries hash and compare by identity (eq=False)
                pool = [entry for entry in buckets[0] if entry in second]
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
            similarity = payer_similarity(view.payer_words, self.index.details(entry))
            if similarity >= weak:
                candidate = take(entry)
                if candidate is not None:
                    candidate.similarity = similarity

    def _pays_in_full(self, posting: Posting) -> Callable[[OrderEntry], bool]:
        """Whether the posting could pay an order in full: exactly, within the tolerance, less
        a cash discount (at most ``amounts.max_discount_share``) or less a bank fee.

        A closure with the rules read once: it runs for every namesake of large pools."""
        rules = self.config.amounts
        paid = posting.amount
        tolerance, fee_limit = rules.tolerance, rules.fee_limit
        kept_share = 1 - rules.max_discount_share

        def pays_in_full(entry: OrderEntry) -> bool:
            due = entry.open
            if abs(due - paid) <= tolerance:
                return True
            return paid < due and (due - paid <= fee_limit or paid >= due * kept_share)

        return pays_in_full

    def secondary(self, view: PostingView, primary: dict[str, OrderCandidate]) -> list[OrderEntry]:
        """Orders with exactly the posting's amount open that no other signal points to."""
        posting = view.posting
        limit = self.config.decision.amount_bucket_limit
        if self.index.amount_bucket_size(posting.currency, posting.amount) > 2 * limit:
            return []
        same = self.index.with_amount(posting.currency, posting.amount)
        if not same or len(same) > limit:
            return []
        return [entry for entry in same if entry.id not in primary]

    def typo_of(self, view: PostingView, entry: OrderEntry) -> bool:
        """Whether a written reference is one typo away from one of the order's numbers."""
        minimum = self.config.references.near_miss_min_length
        for key, kind in zip(entry.keys, KEY_KINDS, strict=True):
            if key is None or kind is ReferenceKind.CUSTOMER_NUMBER:
                continue
            for written in view.references:
                if (
                    len(written.key) >= minimum
                    and not written.key.isalpha()
                    and written.groups is None
                    and OSA.distance(written.key, key, score_cutoff=1) == 1
                ):
                    return near_miss(written.key, key) is not None
        return False

    def near_miss_of(self, view: PostingView, entry: OrderEntry) -> Ev | None:
        """A near miss between a written reference and one of this candidate's keys."""
        rules = self.config.references
        for key, kind in zip(entry.keys, KEY_KINDS, strict=True):
            if key is None or kind is ReferenceKind.CUSTOMER_NUMBER:
                continue
            for written in view.references:
                if (
                    len(written.key) < rules.near_miss_min_length
                    or written.key.isalpha()
                    or written.groups is not None
                ):
                    continue
                if OSA.distance(written.key, key, score_cutoff=1) > 1:
                    continue
                how = near_miss(written.key, key)
                if how is None:
                    continue
                weight = near_miss_weight(
                    written.key,
                    tries=view.tries_of(written.key),
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
            key = reference_key(value) or code_key(value)
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


def payer_similarity(payer: tuple[str, ...], details: Details) -> float:
    """How well the payer's name matches the customer's or the company's name (0 to 1)."""
    return max(
        parties.name_similarity(payer, details.name_words),
        parties.name_similarity(payer, details.company_words),
    )
