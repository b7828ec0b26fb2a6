"""Ignore rules: postings that are not payments for orders, decided before any matching.

A merchant's account also receives payouts from payment service providers (PayPal, Klarna, ...),
refunds, tax credits and the like. Ignore rules recognise them by keyword or regular expression in
the remittance text, by the counterparty's IBAN or name, by amount limits, and (on by default) by
the names of payment service providers. An ignored posting gets decision ``ignored`` and the
reason; it is never assigned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from pydantic import BaseModel, Field

from paymatch.core.models import Posting
from paymatch.rules.parties import normalize_name

DEFAULT_PAYMENT_SERVICE_PROVIDERS = (
    "PayPal",
    "Klarna",
    "Sofort",
    "Stripe",
    "Adyen",
    "Mollie",
    "Amazon Payments",
    "Unzer",
    "Computop",
    "Payone",
    "SumUp",
    "Ratepay",
    "Worldline",
    "Nexi",
    "Braintree",
    "Shopify Payments",
    "Checkout.com",
)


class IgnoreRules(BaseModel):
    """Which postings are not payments for orders."""

    keywords: list[str] = Field(
        default_factory=list, description="Words in the remittance text (any case)."
    )
    patterns: list[str] = Field(
        default_factory=list, description="Regular expressions searched in the remittance text."
    )
    counterparty_ibans: list[str] = Field(default_factory=list)
    counterparty_names: list[str] = Field(
        default_factory=list, description="Payer names (compared after name normalisation)."
    )
    payment_service_providers: bool = Field(
        True, description="Ignore payouts whose payer is a payment service provider."
    )
    provider_names: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PAYMENT_SERVICE_PROVIDERS)
    )
    min_amount: Decimal | None = Field(None, description="Ignore credits below this amount.")
    max_amount: Decimal | None = Field(None, description="Ignore credits above this amount.")


# An extra rule from a plugin: the reason to ignore the posting, or None.
IgnoreRule = Callable[[Posting], str | None]


class IgnoreChecker:
    """The compiled form of :class:`IgnoreRules` plus extra rules; :meth:`reason` is the check."""

    def __init__(self, rules: IgnoreRules, extra: Iterable[IgnoreRule] = ()) -> None:
        self._keywords = [keyword.casefold() for keyword in rules.keywords if keyword.strip()]
        try:
            self._patterns = [re.compile(pattern, re.IGNORECASE) for pattern in rules.patterns]
        except re.error as error:
            raise ValueError(f"ignore pattern {error.pattern!r}: {error}") from None
        self._ibans = {"".join(iban.split()).upper() for iban in rules.counterparty_ibans}
        self._names = [words for words in map(normalize_name, rules.counterparty_names) if words]
        providers = rules.provider_names if rules.payment_service_providers else []
        self._providers = [(name, normalize_name(name)) for name in providers]
        # first words of every name phrase: a payer without any of them needs no closer look
        self._first_words = {words[0] for words in self._names} | {
            words[0] for _, words in self._providers if words
        }
        self._min, self._max = rules.min_amount, rules.max_amount
        self._extra = list(extra)

    def reason(self, posting: Posting) -> str | None:
        """Why ``posting`` is ignored, or ``None``."""
        text = posting.remittance.casefold()
        for keyword in self._keywords:
            if keyword in text:
                return f"remittance contains the ignored keyword {keyword!r}"
        for pattern in self._patterns:
            if pattern.search(posting.remittance):
                return f"remittance matches the ignore pattern {pattern.pattern!r}"
        if posting.counterparty_iban and posting.counterparty_iban in self._ibans:
            return f"payer account {posting.counterparty_iban} is on the ignore list"
        if posting.counterparty_name:
            payer = normalize_name(posting.counterparty_name)
        if posting.counterparty_name and not self._first_words.isdisjoint(payer):
            for words in self._names:
                if _contains(payer, words):
                    return f"payer {posting.counterparty_name!r} is on the ignore list"
            for name, words in self._providers:
                if words and _contains(payer, words):
                    return f"payout from the payment service provider {name}"
        if self._min is not None and posting.amount < self._min:
            return f"amount below the ignore limit {self._min}"
        if self._max is not None and posting.amount > self._max:
            return f"amount above the ignore limit {self._max}"
        for rule in self._extra:
            reason = rule(posting)
            if reason:
                return reason
        return None


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` occurs as consecutive words in ``words``."""
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))
