"""Customers, and their names as the bank statement shows them.

A ``Customer`` is a real person or company (a guest who ordered twice is still one customer).
:func:`payer_name` returns the counterparty name a bank delivers for a payment by that customer,
together with the *identity* a careful person can read from it: which name key to look up, or
nothing (a name that points to nobody in the shop's data).
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field

from . import text, vocab
from .numbers import random_iban

# What a payer name tells a careful reader:
#   ("full", last, first)      a person's full name
#   ("initial", last, i)       surname and first initial
#   ("surname", last)          a family ("Familie Müller", "Eheleute Schmidt")
#   ("couple", last, f1, f2)   two first names and one surname
#   ("company", key)           a company name (legal form ignored)
#   ("none",)                  nothing usable (missing, a carrier, a stranger)
Identity = tuple[str, ...]


@dataclass(slots=True)
class Customer:
    cid: int
    first: str
    last: str
    title: str
    email: str
    country: str
    iban: str
    bic: str | None
    company_core: str = ""
    legal_form: str = ""
    partner_first: str = ""
    numbers: dict[str, str | None] = field(default_factory=dict)
    """Customer number per source; None for guest orders."""

    @property
    def is_company(self) -> bool:
        return bool(self.company_core)

    @property
    def person_name(self) -> str:
        return " ".join(part for part in (self.title, self.first, self.last) if part)

    @property
    def company(self) -> str:
        return f"{self.company_core} {self.legal_form}".strip() if self.company_core else ""

    def person_identity(self) -> Identity:
        return ("full", text.name_key(self.last), text.name_key(self.first))

    def company_identity(self) -> Identity:
        return ("company", text.company_key(self.company_core))


class _Weighted:
    """Fast repeated weighted choice (bisect over cumulative weights)."""

    def __init__(self, items: list[str] | tuple[str, ...], weights: list[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> str:
        point = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_right(self.cumulative, point)]


_SURNAMES = _Weighted(
    [*vocab.SURNAMES, *vocab.SURNAMES_COMPOUND],
    [1 / (rank + 1) ** 0.75 for rank in range(len(vocab.SURNAMES))]
    + [0.01] * len(vocab.SURNAMES_COMPOUND),
)
_FEMALE = _Weighted(vocab.FEMALE, [1 / (r + 1) ** 0.5 for r in range(len(vocab.FEMALE))])
_MALE = _Weighted(vocab.MALE, [1 / (r + 1) ** 0.5 for r in range(len(vocab.MALE))])
_DOMAINS = _Weighted([d for d, _ in vocab.EMAIL_DOMAINS], [w for _, w in vocab.EMAIL_DOMAINS])
_LEGAL = _Weighted([f for f, _ in vocab.LEGAL_FORMS], [w for _, w in vocab.LEGAL_FORMS])
_COUNTRIES = _Weighted(
    ["DE", "AT", "CH", "NL", "FR", "GB", "US", "NO", "CA"],
    [0.88, 0.055, 0.03, 0.01, 0.008, 0.007, 0.004, 0.003, 0.003],
)


def first_name(rng: random.Random) -> str:
    return (_FEMALE if rng.random() < 0.55 else _MALE).pick(rng)


def surname(rng: random.Random) -> str:
    return _SURNAMES.pick(rng)


def _email_local(first: str, last: str, rng: random.Random) -> str:
    first_part = text.transliterate(first).lower().replace(" ", "")
    last_part = text.transliterate(last).lower().replace(" ", "")
    style = rng.random()
    if style < 0.45:
        local = f"{first_part}.{last_part}"
    elif style < 0.65:
        local = f"{first_part[0]}.{last_part}"
    elif style < 0.8:
        local = f"{first_part}{last_part}{rng.randrange(1, 99)}"
    else:
        local = f"{last_part}{rng.randrange(1950, 2010)}"
    return local


def new_customer(cid: int, rng: random.Random, *, company: bool) -> Customer:
    first, last = first_name(rng), surname(rng)
    country = _COUNTRIES.pick(rng)
    account, bic = random_iban(rng, country if country in {"DE", "AT", "CH", "NL"} else "DE")
    if country in {"GB", "NO", "US", "CA", "FR"}:
        account, bic = random_iban(rng, country if country in {"GB", "NO"} else "GB")
    title = rng.choice(vocab.TITLES) if rng.random() < 0.03 else ""
    partner = first_name(rng) if rng.random() < 0.5 else ""
    core = legal = ""
    if company:
        style = rng.random()
        if style < 0.35:
            core = f"{last} {rng.choice(vocab.COMPANY_TRADES)}"
        elif style < 0.55:
            core = f"{rng.choice(vocab.COMPANY_TRADES)} {last}"
        elif style < 0.65:
            core = f"{last} & {surname(rng)}"
        else:
            core = f"{rng.choice(vocab.COMPANY_WORDS)} {rng.choice(vocab.COMPANY_KINDS)}"
        legal = _LEGAL.pick(rng)
        domain = text.transliterate(core.split()[0]).lower().replace("&", "")
        email = f"{rng.choice(('info', 'buchhaltung', 'rechnung', 'einkauf'))}@{domain}-{cid}.de"
    else:
        email = f"{_email_local(first, last, rng)}.{cid}@{_DOMAINS.pick(rng)}"
    return Customer(
        cid=cid,
        first=first,
        last=last,
        title=title,
        email=email,
        country=country,
        iban=account,
        bic=bic,
        company_core=core,
        legal_form=legal,
        partner_first=partner,
    )


# --- names as banks show them ----------------------------------------------------------------


def _bank_case(name: str, rng: random.Random) -> str:
    """Upper case and umlauts spelled out (most banks), or kept as typed (some)."""
    roll = rng.random()
    if roll < 0.45:
        return text.transliterate(name).upper()
    if roll < 0.70:
        return text.transliterate(name)
    if roll < 0.97:
        return name
    if roll < 0.985:
        return text.lossy(name).upper()
    return text.question_marks(name.upper())


def person_payer(customer: Customer, rng: random.Random) -> tuple[str, Identity]:
    """The customer paying from their own account."""
    first, last = customer.first, customer.last
    roll = rng.random()
    full = customer.person_identity()
    if roll < 0.40:
        return _bank_case(f"{first} {last}", rng), full
    if roll < 0.62:
        return _bank_case(f"{last}, {first}", rng), full
    if roll < 0.70:
        return _bank_case(f"{last} {first}", rng), full
    if roll < 0.78:
        initial = ("initial", text.name_key(last), text.name_key(first)[:1])
        shown = f"{first[0]}. {last}" if rng.random() < 0.6 else f"{last} {first[0]}."
        return _bank_case(shown, rng), initial
    if roll < 0.88 and customer.partner_first:
        partner = customer.partner_first
        shown = rng.choice(
            (
                f"{partner} u. {first} {last}",
                f"{first} und {partner} {last}",
                f"{last}, {partner} u. {first}",
                f"{last} {first} u {partner}",
                f"{partner} {last} u. {first} {last}",
            )
        )
        couple = ("couple", text.name_key(last), text.name_key(first), text.name_key(partner))
        return _bank_case(shown, rng), couple
    if roll < 0.91:
        shown = rng.choice((f"Familie {last}", f"Eheleute {last}", f"{last} Fam."))
        return _bank_case(shown, rng), ("surname", text.name_key(last))
    if roll < 0.95 and customer.title:
        return _bank_case(f"{customer.title} {first} {last}", rng), full
    return _bank_case(f"{first} {last}", rng), full


def company_payer(customer: Customer, rng: random.Random) -> tuple[str, Identity]:
    """A company paying (its accounting department's transfer)."""
    core, legal = customer.company_core, customer.legal_form
    identity = customer.company_identity()
    roll = rng.random()
    if legal and roll < 0.70:
        spelling = rng.choice(vocab.LEGAL_FORM_BANK_SPELLINGS[legal])
        spelling = spelling.replace("{owner}", f"{customer.first} {customer.last}")
        shown = f"{core} {spelling}"
    elif roll < 0.85 or not legal:
        shown = core
    else:
        shown = f"{core} {legal}"
    shown = _bank_case(shown, rng)
    if len(shown) > 27 and rng.random() < 0.15:
        shown = shown[:27]  # some banks still cut names at 27 characters (old DTAUS field)
        if text.company_key(text.strip_legal_form(shown)) != identity[1]:
            return shown, ("none",)  # the cut went into the name itself
    return shown, identity


def payer_for(customer: Customer, rng: random.Random) -> tuple[str, Identity]:
    """Who the bank shows as payer when the customer pays: the company, or the person."""
    if customer.is_company and (rng.random() < 0.85 or customer.legal_form in {"e.K.", ""}):
        if customer.legal_form in {"e.K.", ""} and rng.random() < 0.3:
            return person_payer(customer, rng)  # sole traders often pay from the private account
        return company_payer(customer, rng)
    return person_payer(customer, rng)


def stranger_name(rng: random.Random) -> tuple[str, Identity]:
    """Somebody else: a partner with another surname, a friend. Their name is some name."""
    first, last = first_name(rng), surname(rng)
    return _bank_case(f"{first} {last}", rng), ("full", text.name_key(last), text.name_key(first))


def relative_name(customer: Customer, rng: random.Random) -> tuple[str, Identity]:
    """A parent or partner with the same surname and another first name."""
    first = first_name(rng)
    while text.name_key(first) == text.name_key(customer.first):
        first = first_name(rng)
    shown = rng.choice((f"{first} {customer.last}", f"{customer.last}, {first}"))
    return _bank_case(shown, rng), ("full", text.name_key(customer.last), text.name_key(first))


def employer_name(rng: random.Random) -> tuple[str, Identity]:
    template = rng.choice(vocab.EMPLOYERS)
    shown = template.format(
        city=rng.choice(vocab.CITIES),
        word=rng.choice(vocab.COMPANY_WORDS),
        kind=rng.choice(vocab.COMPANY_KINDS),
    )
    return _bank_case(shown, rng), ("company", text.company_key(text.strip_legal_form(shown)))
