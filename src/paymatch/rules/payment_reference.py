"""paymatch's own payment reference: short, with a check character, no easily confused characters.

A reference looks like ``PM4KX7T9C``: the prefix ``PM``, six payload characters and one check
character, all from a 23-character alphabet without the look-alikes ``0 O Q``, ``1 I L``,
``2 Z``, ``5 S``, ``8 B`` and ``U``. The check character is a weighted sum modulo 23 (a prime,
with distinct non-zero weights), so every single wrong character and every swap of two
neighbouring characters is detected. Payers may write it in lower case, with spaces or dashes,
or without the ``PM`` prefix.

Like the modules of python-stdnum: :func:`compact`, :func:`calc_check_character`,
:func:`validate`, :func:`is_valid`, :func:`format`; plus :func:`generate` to issue one.
"""

from __future__ import annotations

import re

from paymatch.core.errors import InputError

ALPHABET = "34679ACDEFGHJKMNPRTVWXY"
PREFIX = "PM"
PAYLOAD_LENGTH = 6
_VALUES = {character: value for value, character in enumerate(ALPHABET)}
_MODULUS = len(ALPHABET)  # 23, prime
_SPACE = _MODULUS**PAYLOAD_LENGTH
# Multiplying by a unit modulo 23**6 spreads consecutive numbers over the whole space, so issued
# references do not look sequential (and neighbouring orders do not differ in one character).
_SPREAD = 40_507_447
_OFFSET = 1_000_003

_SEPARATORS = re.compile(r"[\s\-./]")
# A reference written into free text: PM prefix optional, separators allowed between characters.
_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:[Pp][\s-]?[Mm][\s-]?)?(?:[34679ACDEFGHJKMNPRTVWXYacdefghjkmnprtvwxy][\s-]?){6}"
    r"[34679ACDEFGHJKMNPRTVWXYacdefghjkmnprtvwxy](?![0-9A-Za-z])"
)


class InvalidPaymentReference(InputError):
    """Not a valid paymatch payment reference (wrong length, character or check character)."""


def compact(reference: str) -> str:
    """Upper case, no separators, with the ``PM`` prefix."""
    text = _SEPARATORS.sub("", reference).upper()
    if len(text) == PAYLOAD_LENGTH + 1:
        text = PREFIX + text
    return text


def calc_check_character(payload: str) -> str:
    """The check character of six payload characters."""
    total = sum((weight + 1) * _VALUES[character] for weight, character in enumerate(payload))
    return ALPHABET[-total % _MODULUS]


def validate(reference: str) -> str:
    """Return the compact reference, or raise :class:`InvalidPaymentReference` saying why."""
    text = compact(reference)
    if len(text) != len(PREFIX) + PAYLOAD_LENGTH + 1 or not text.startswith(PREFIX):
        raise InvalidPaymentReference(f"{reference!r} is not of the form PM + 7 characters")
    body = text[len(PREFIX) :]
    wrong = [character for character in body if character not in _VALUES]
    if wrong:
        raise InvalidPaymentReference(f"{reference!r} contains characters not used: {wrong}")
    if calc_check_character(body[:-1]) != body[-1]:
        raise InvalidPaymentReference(f"{reference!r} has a wrong check character")
    return text


def is_valid(reference: str) -> bool:
    try:
        validate(reference)
    except InvalidPaymentReference:
        return False
    return True


def format(reference: str) -> str:
    """Grouped for people: ``PM-4KX7-T9C``."""
    text = validate(reference)
    return f"{text[:2]}-{text[2:6]}-{text[6:]}"


def generate(number: int) -> str:
    """The ``number``-th reference paymatch issues; unique for numbers below 23**6 (148,035,889)."""
    if number < 0:
        raise ValueError("number must not be negative")
    # Unrolled: a store issues one per order each time it indexes them (a million at a time).
    value = ((number + _OFFSET) * _SPREAD) % _SPACE
    value, a = divmod(value, _MODULUS)
    value, b = divmod(value, _MODULUS)
    value, c = divmod(value, _MODULUS)
    value, d = divmod(value, _MODULUS)
    f, e = divmod(value, _MODULUS)
    check = -(a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f) % _MODULUS  # as calc_check_character
    x = ALPHABET
    return f"{PREFIX}{x[a]}{x[b]}{x[c]}{x[d]}{x[e]}{x[f]}{x[check]}"


def find_in_text(text: str) -> list[str]:
    """Every valid reference written in ``text`` (compact), in order of appearance."""
    found = []
    for match in _IN_TEXT.finditer(text):
        candidate = compact(match.group())
        if is_valid(candidate) and candidate not in found:
            found.append(candidate)
    return found
