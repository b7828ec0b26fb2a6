"""Who paid: the payer's IBAN and name against the customer behind an order.

Names are compared as sets of normalised words, because banks and payers write them every way:
``MUELLER, JANA``, ``Jana Müller``, ``J. Muller``, ``Hans u. Maria Schmidt``,
``Müller Haustechnik GmbH``. Normalisation folds case, reduces umlauts and their spellings to
the plain vowel (``Müller``, ``Mueller`` and ``Muller`` are all ``muller``: banks write all
three), ``ß`` to ``ss``, drops other accents, punctuation, legal forms (GmbH, UG, e.K., AG, ...),
titles and the words joining couples. Each word of the customer's name is then looked for among
the payer's words: equal, an initial of it, or a near spelling (rapidfuzz Levenshtein, for
``Muller``/``Mueller`` and typos). The similarity is the share of the customer's words found;
at least one full word must be among them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from pydantic import BaseModel, Field
from rapidfuzz.distance import Levenshtein


class PartyRules(BaseModel):
    """How the payer's account and name count."""

    iban_m: float = Field(
        0.7, gt=0, le=1, description="Share of payments of a known customer from a known IBAN."
    )
    iban_u: float = Field(
        1e-6,
        gt=0,
        lt=1,
        description="Chance that an unrelated payment comes from an IBAN known for the customer.",
    )
    name_m: float = Field(
        0.8, gt=0, le=1, description="Share of payments whose payer name is the customer's."
    )
    name_strong: float = Field(
        0.9, gt=0, le=1, description="Similarity from which a name counts as the customer's."
    )
    name_weak: float = Field(
        0.75,
        gt=0,
        le=1,
        description="Similarity from which a name counts as probably the customer's.",
    )
    name_u: float = Field(
        1e-5,
        gt=0,
        lt=1,
        description="Chance that the payer of a posting that pays no open order has a given "
        "full name (first and last name, or a company name).",
    )
    third_party_lr: float = Field(
        0.1,
        gt=0,
        le=1,
        description="Likelihood ratio when the payer's name matches neither customer nor company "
        "(somebody else paid: a partner, parent, employer).",
    )
    tie_margin: float = Field(
        0.02,
        ge=0,
        description="Two customers whose names match the payer within this margin are a tie: "
        "no name signal.",
    )


_LEGAL_FORMS = frozenset(
    """gmbh mbh ug haftungsbeschraenkt ag kg ohg gbr kgaa se ek ekfr ekfm ekkfm ev eg partg co ltd
    limited inc llc plc sarl sas sa bv nv srl spa ab as oy aps gesmbh und""".split()
)
_TITLES = frozenset(
    "herr herrn frau hr fr dr prof dipl ing mag familie fam eheleute firma fa mr mrs ms".split()
)
_JOINERS = frozenset({"u", "and", "et", "y"})
_DROP_WRITTEN = _LEGAL_FORMS | _TITLES | _JOINERS
_FOLD = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ß", "ss"), ("æ", "a"), ("ø", "o"), ("ł", "l"))
# Everything but ASCII letters and digits to spaces, in one C-level pass over bytes.
_SPACES = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))
_UMLAUT_SPELLING = re.compile(r"(?<=[aou])e+")
# Legal forms written with dots and spaces, before punctuation is dropped: e.K., e.V., & Co. KG
_DOTTED_FORMS = re.compile(r"\b(?:e\s?\.\s?(?:k|v|g)\b\.?|e\.\s?kfm\.?|e\.\s?kfr\.?)", re.I)


@lru_cache(maxsize=1 << 16)
def normalize_name(name: str) -> tuple[str, ...]:
    """The words of a name that identify it, normalised (see the module docstring)."""
    text = name.casefold()
    if "." in text:
        text = _DOTTED_FORMS.sub(" ", text)
    return tuple(_respell(word) for word in _split(_fold(text)) if word not in _DROP)


def _fold(text: str) -> str:
    """Umlauts and their spellings to plain vowels, other accents dropped (lower-case input)."""
    if not text.isascii():
        for special, plain in _FOLD:
            if special in text:
                text = text.replace(special, plain)
        if not text.isascii():
            decomposed = unicodedata.normalize("NFKD", text)
            text = "".join(c for c in decomposed if not unicodedata.combining(c))
            text = text.encode("ascii", "replace").decode("ascii")
    return text


def _respell(word: str) -> str:
    """``ue`` written for ``ü`` (Mueller, Goethe) read as ``u``; a short word (Zoe, Joe, Uwe)
    is left as it is, since it is a name of its own rather than a spelling."""
    if len(word) > 3 and ("ae" in word or "oe" in word or "ue" in word):
        return _UMLAUT_SPELLING.sub("", word)
    return word


# The words to drop, spelt as normalisation spells them (haftungsbeschraenkt -> haftungsbeschrankt).
_DROP = frozenset(_respell(_fold(word)) for word in _DROP_WRITTEN)


def _split(text: str) -> list[str]:
    """Words of an ASCII text: runs of letters and digits."""
    return text.encode("ascii").translate(_SPACES).decode("ascii").split()


_QUICK_CACHE: dict[str, tuple[str, ...]] = {}
_QUICK_CACHE_SIZE = 1 << 19


def quick_words(name: str) -> list[str]:
    """Cheap lookup words of a name for the index: the words of :func:`normalize_name` that
    have three letters or more (legal forms and titles are kept; they are never looked up).

    Names repeat their words endlessly (Müller, Thomas, GmbH), so the work is done once per
    distinct word.
    """
    words: list[str] = []
    for raw in name.lower().split():
        folded = _QUICK_CACHE.get(raw)
        if folded is None:
            if len(_QUICK_CACHE) >= _QUICK_CACHE_SIZE:
                _QUICK_CACHE.clear()
            folded = tuple(_respell(word) for word in _split(_fold(raw)) if len(word) > 2)
            _QUICK_CACHE[raw] = folded
        words.extend(folded)
    return words


def _word_match(customer_word: str, payer_word: str) -> tuple[float, bool]:
    """Similarity of two words, and whether it is a full-word match (not an initial)."""
    if customer_word == payer_word:
        return 1.0, len(customer_word) > 1
    if len(customer_word) == 1 or len(payer_word) == 1:
        return (0.85 if customer_word[0] == payer_word[0] else 0.0), False
    if min(len(customer_word), len(payer_word)) >= 4:
        similarity = Levenshtein.normalized_similarity(customer_word, payer_word, score_cutoff=0.8)
        return similarity, similarity > 0
    return 0.0, False


@lru_cache(maxsize=1 << 16)
def name_similarity(payer: tuple[str, ...], customer: tuple[str, ...]) -> float:
    """Share of the customer's words found among the payer's words (0 to 1).

    Cached: it is pure, and the same names meet again and again (a payer's name against the
    candidates' names of every posting of that payer, common names everywhere).
    """
    if not payer or not customer:
        return 0.0
    total = 0.0
    full = False
    for word in customer:
        best, best_full = 0.0, False
        for candidate in payer:
            similarity, is_full = _word_match(word, candidate)
            if similarity > best:
                best, best_full = similarity, is_full
        total += best
        full = full or best_full
    return total / len(customer) if full else 0.0


def name_weight(similarity: float, rules: PartyRules) -> float | None:
    """log10 likelihood ratio of a payer name with this similarity to the customer's; ``None``
    when it says nothing either way (only a family name in common)."""
    if similarity >= rules.name_strong:
        return math.log10(rules.name_m / rules.name_u)
    if similarity >= rules.name_weak:
        # probably the customer (an initial, a typo): seen less often, by chance more often
        return math.log10(rules.name_m * 0.3 / (10 * rules.name_u))
    if similarity >= 0.5:
        return None
    return math.log10(rules.third_party_lr)


def iban_weight(customers_with_iban: int, rules: PartyRules) -> float:
    """log10 likelihood ratio of a payer IBAN known for the customer (shared by
    ``customers_with_iban`` customers, e.g. a family account)."""
    return math.log10(rules.iban_m / (rules.iban_u * max(customers_with_iban, 1)))
