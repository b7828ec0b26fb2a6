"""Spelling as banks produce it, and the keys a careful person uses to compare names.

The keys here belong to the *truth* side (who a person would recognise), not to any matcher:
they decide which other customers a person would also have to consider for a payer name.
"""

from __future__ import annotations

import unicodedata

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ẞ": "SS"}
)
_LOSSY = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "A", "Ö": "O", "Ü": "U"})
_DOTLESS = str.maketrans({"ı": "i", "İ": "I", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O"})


def strip_accents(text: str) -> str:
    """é → e, ş → s, ç → c, ı → i; what the SEPA character set leaves of foreign letters."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_DOTLESS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def transliterate(text: str) -> str:
    """German bank spelling: ä → ae, ß → ss, other accents dropped (SEPA Latin subset)."""
    return strip_accents(text.translate(_GERMAN))


def lossy(text: str) -> str:
    """What some older systems do: the umlaut loses its dots (ü → u)."""
    return strip_accents(text.translate(_LOSSY))


def question_marks(text: str) -> str:
    """Systems that cannot encode umlauts replace them with '?' (still seen in MT940 exports)."""
    return "".join(ch if ord(ch) < 128 else "?" for ch in text)


def name_key(text: str) -> str:
    """A person's comparison key for one name part: case, umlaut spelling and accents ignored."""
    folded = transliterate(text).lower()
    # "Muller" and "Mueller" are the same name to a careful reader.
    folded = folded.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return "".join(ch for ch in folded if ch.isalnum())


def company_key(core: str) -> str:
    """Comparison key of a company name without its legal form."""
    return " ".join(name_key(word) for word in core.split() if name_key(word))


_LEGAL_TOKENS = {
    "gmbh",
    "g.m.b.h.",
    "ag",
    "a.g.",
    "ug",
    "(haftungsbeschrankt)",
    "(haftungsbeschraenkt)",
    "haftungsbeschr.",
    "(hb)",
    "e.k.",
    "ek",
    "e.",
    "k.",
    "gbr",
    "g.b.r.",
    "ohg",
    "o.h.g.",
    "kg",
    "co.",
    "co",
    "co.kg",
    "&",
    "+",
    "u.",
    "e.v.",
    "ev",
    "v.",
    "ggmbh",
}


def strip_legal_form(name: str) -> str:
    """``Müller Haustechnik GmbH & Co. KG`` → ``Müller Haustechnik`` (trailing forms removed)."""
    words = name.split()
    while words and transliterate(words[-1]).lower() in _LEGAL_TOKENS:
        words.pop()
    return " ".join(words)
