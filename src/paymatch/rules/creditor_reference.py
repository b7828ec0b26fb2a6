"""ISO 11649 structured creditor references (``RF18 5390 0754 7034``), checksum verified.

The check digits are validated by python-stdnum's ``iso11649``; a reference with wrong check
digits is never a hit. paymatch's own payment reference has an RF form too
(:func:`from_payment_reference`), so a bank that carries the reference in the structured field
(CAMT ``CdtrRefInf/Ref``) and a payer who types it into the text both match.
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

# ISO 7064 MOD 97-10 reads A as 10, B as 11, ... Z as 35 (digits stay themselves).
_BASE10 = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})
# RF, two check digits, then 1-21 alphanumerics, possibly grouped by spaces (as printed).
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])RF\s?\d\d(?:\s?[0-9A-Za-z]){1,21}(?![0-9A-Za-z])", re.I)


def compact(reference: str) -> str:
    return str(iso11649.compact(reference))


def is_valid(reference: str) -> bool:
    # Cheap exact pre-check (most order references are plain numbers): stdnum's compact form
    # only drops separators, maps look-alike characters to ASCII punctuation or digits and upper
    # cases, so its "RF" prefix needs an R and an F in ``reference.upper()``.
    upper = reference.upper()
    if "R" not in upper or "F" not in upper:
        return False
    return bool(iso11649.is_valid(reference))


def format(reference: str) -> str:
    return str(iso11649.format(reference))


def inner(reference: str) -> str:
    """The creditor's own reference inside an RF reference (after ``RF`` and the check digits)."""
    return compact(reference)[4:]


def from_payment_reference(reference: str) -> str:
    """The RF form of any alphanumeric reference (e.g. paymatch's own ``PM...``)."""
    body = "".join(reference.split()).upper()
    if body.isascii() and body.isalnum():
        # what stdnum's mod_97_10.calc_check_digits computes, without its per-character loop
        check = f"{98 - int((body + 'RF00').translate(_BASE10)) % 97:02d}"
    else:  # anything else: stdnum decides (and raises) as it always did
        check = mod_97_10.calc_check_digits(body + "RF")
    return f"RF{check}{body}"


def find_in_text(text: str) -> list[str]:
    """Every RF reference with valid check digits in ``text`` (compact), in order of appearance.

    A printed reference is grouped by spaces, so the pattern may swallow the next word
    (``RF18 5390 0754 7034 Danke``): shorter word prefixes are tried until the check digits fit.
    """
    found: list[str] = []
    for match in _IN_TEXT.finditer(text):
        words = match.group().split()
        for end in range(len(words), 0, -1):
            candidate = compact("".join(words[:end]))
            if is_valid(candidate):
                if candidate not in found:
                    found.append(candidate)
                break
    return found
