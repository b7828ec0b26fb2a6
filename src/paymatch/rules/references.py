"""References in remittance text: order, invoice and customer numbers.

Payers write references in every possible way: ``Bestellung 10023``, ``SW-10023``, ``#10023``,
``Best.Nr.:10023``, ``10 023``, ``RE 2026 00123``, ``1OO23`` (letter O for zero), ``010023``.
Both sides are reduced to a *key*: upper case, separators removed, the letter prefix dropped
(``SW``, ``RE``, ``NR``, ...), then look-alike letters inside the number read as digits
(``O``->0, ``I``/``L``->1) and leading zeros removed. ``SW-10023`` and ``sw 1OO23`` both give
``10023``; ``RE-2026-00123`` gives ``202600123``. Payers drop or add the zero padding of a
year-and-serial number (``RE-2026-123``): the scan also offers the serial padded to other widths,
each naming only an order whose number has the same year and serial (:func:`serial_groups`). A
number written with the leading zeros the shop prints (``000000123``) weighs as the whole of it
(:func:`printed_key`).

Some shops number their orders with *letter codes*, without any digit (pretix's ``XKPRT``,
shown to customers as ``DUMMY-XKPRT``). Such a code's key is its letters in upper case; texts are
searched for letter codes only where the index holds some, and only exactly (a near miss of a
random letter code is no evidence a person would act on). See :func:`code_key` and
:func:`scan_codes`.

A *near miss* is a key one swapped pair, one dropped or one doubled/extra character away from an
order's key: payers mistype, but a near miss is much weaker evidence than an exact hit, since
many more numbers are one typo away from some order.

How much a hit weighs depends on how likely it is to happen by chance in an unrelated text:
longer keys are rarer, a key after a word such as ``Bestellung`` or ``#`` is more likely meant
as a reference. See :func:`exact_weight` and :func:`near_miss_weight`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Iterator
from enum import StrEnum

import attrs
from pydantic import BaseModel, Field


class ReferenceKind(StrEnum):
    """What a reference refers to: which field of the order it is compared with."""

    ORDER_NUMBER = "order_number"
    INVOICE_NUMBER = "invoice_number"
    CUSTOMER_NUMBER = "customer_number"
    PAYMENT_REFERENCE = "payment_reference"
    """A reference paymatch (or the merchant) issued for the order, e.g. on payment information."""

    @property
    def order_field(self) -> str:
        """The :class:`~paymatch.core.models.Order` attribute this kind is matched against."""
        return "number" if self is ReferenceKind.ORDER_NUMBER else self.value

    @property
    def label(self) -> str:
        """How evidence sentences name it: ``order number``."""
        return self.value.replace("_", " ")


class ReferenceRules(BaseModel):
    """How references in remittance text count."""

    order_number_m: float = Field(
        0.8, gt=0, le=1, description="Share of payments for an order that quote its order number."
    )
    invoice_number_m: float = Field(
        0.8, gt=0, le=1, description="Share of invoice payments that quote the invoice number."
    )
    customer_number_m: float = Field(
        0.2, gt=0, le=1, description="Share of payments that quote the customer number."
    )
    near_miss_m: float = Field(
        0.03,
        gt=0,
        le=1,
        description="Share of payments whose reference has one swapped, dropped or doubled digit.",
    )
    anchor_factor: float = Field(
        10.0,
        ge=1,
        description="How much rarer a number after a reference word (Bestellung, Rechnung, #, "
        "Nr.) is in unrelated texts than a bare number.",
    )
    min_key_length: int = Field(
        3, ge=1, description="Keys shorter than this are not looked for in texts."
    )
    near_miss_min_length: int = Field(
        4, ge=2, description="Keys shorter than this get no near-miss search."
    )
    min_code_length: int = Field(
        5,
        ge=3,
        description="Order and invoice numbers without any digit (letter codes such as "
        "`XKPRT`) are looked for in texts when they have at least this many letters (shorter "
        "ones only where a plugin's reference pattern finds them); customer numbers without a "
        "digit never are (they are often a name).",
    )
    near_miss_neighbours: int = Field(
        3,
        ge=0,
        description="A written number one typo from more orders than this: only those whose "
        "amount the posting may pay in full are weighed one by one.",
    )


_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_LEADING_LETTERS = re.compile(r"^[A-Z]+")
_SLIPS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_DIGITS = "0123456789"

# Words after which a number is meant as a reference (upper case, without dots).
ANCHORS = frozenset(
    """BESTELLUNG BESTELLUNGEN BESTELLNR BESTELLNUMMER BEST BESTNR AUFTRAG AUFTRAGS AUFTRAGSNR
    AUFTRAGSNUMMER ORDER ORDERNR ORDERNO RECHNUNG RECHNUNGEN RECHNUNGSNR RECHNUNGSNUMMER RE RG
    RGNR RENR RECHNR INVOICE INV NR NO NUMMER KD KDNR KUNDE KUNDENNR KUNDENNUMMER VORGANG BELEG
    REF REFERENZ VERWENDUNGSZWECK ZAHLUNG""".split()
)

# A run: digit-bearing words joined by single spaces, dashes, dots or slashes ("10 023",
# "RE-2026-00123", "Best.Nr.10023" is the run "Nr.10023"? no: letters-only words end a run).
_RUN = re.compile(r"[0-9A-Za-z]*[0-9][0-9A-Za-z]*(?:[ \-./][0-9A-Za-z]*[0-9][0-9A-Za-z]*)*")
_ATOM = re.compile(r"[0-9A-Za-z]+")
# What may stand right before a reference: an anchor word or "#", then a few non-word characters.
_ANCHOR_BEFORE = re.compile(
    r"(?:#|\b(?:bestell\w*|best|auftrag\w*|order\w*|rechnung\w*|re|rg|rgnr|renr|rechnr|"
    r"invoice|inv|nr|no|nummer|kd|kdnr|kunde\w*|vorgang|beleg|ref|referenz|zahlung))\W{0,3}$",
    re.IGNORECASE,
)
_PREFIX_BEFORE = re.compile(r"(?:^|[^0-9A-Za-z])([A-Za-z]{1,4})[ \-./]?$")
_HAS_DIGIT = re.compile(r"[0-9]")
_SIMPLE = re.compile(r"[A-Za-z#]*[ \-]?([0-9]+)")
# Dates (12.11., 12.11.2026) are never references: they would only add chances of a coincidence.
# A year inside a longer number (RE-2026-00123) is no reference of its own.
_YEAR = re.compile(r"(?:19[5-9]|20[0-9])[0-9]")
_DATE = re.compile(r"(?:0?[1-9]|[12][0-9]|3[01])\.(?:0?[1-9]|1[0-2])\.(?:(?:19|20)?[0-9]{2})?")
_MAX_RUN = 4
_LOOK_BACK = 30


def reference_key(value: str) -> str | None:
    """The key of a reference as it is written; ``None`` if it has no digit."""
    if value.isdigit():  # the common case, fast
        return value.lstrip("0") or None
    simple = _SIMPLE.fullmatch(value)  # SW10023, K-4711, #10023
    if simple is not None:
        return simple.group(1).lstrip("0") or None
    compact = _NON_ALNUM.sub("", value.upper())
    if _HAS_DIGIT.search(compact) is None:
        return None
    core = _LEADING_LETTERS.sub("", compact).translate(_SLIPS).lstrip("0")
    # "0E": its only digits were leading zeros; no number, and no letter code either
    return core if _HAS_DIGIT.search(core) else None


# A letter code as a shop writes it: ASCII letters, words joined by single separators.
_CODE = re.compile(r"[A-Za-z]+(?:[ \-./_][A-Za-z]+)*")
# Letter words in a text, joined by single separators, not touching a digit (``DUMMY1Z3AS`` is a
# number with a letter prefix, the digit scan's business).
_CODE_RUN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]+(?:[ \-./_][A-Za-z]+)*(?![0-9A-Za-z])")
_LETTERS = re.compile(r"[A-Za-z]+")


def code_key(value: str) -> str | None:
    """The key of a letter code (an order or invoice number without any digit): its letters in
    upper case (``DUMMY-XKPRT`` -> ``DUMMYXKPRT``); ``None`` for anything else. Letter keys never
    meet digit keys: every key :func:`reference_key` gives has a digit."""
    text = value.strip()
    if not text.isascii() or _CODE.fullmatch(text) is None:
        return None
    return "".join(_LETTERS.findall(text)).upper()


def scan_codes(text: str, codes: Container[str], *, min_length: int) -> tuple[TextReference, ...]:
    """The letter codes among ``codes`` written in ``text``.

    Tried are the words of each run of letter words and the runs of up to four of them
    (``DUMMY-XKPRT``, ``dummy xkprt``), and the endings of a long word, for a code glued to a
    prefix (``DUMMYXKPRT`` names ``XKPRT``). Case does not matter.
    """
    found: dict[str, TextReference] = {}
    for run in _CODE_RUN.finditer(text):
        offset = run.start()
        atoms = [(atom.start(), atom.end()) for atom in _LETTERS.finditer(run.group())]
        for first in range(len(atoms)):
            for last in range(first, min(len(atoms), first + _MAX_RUN)):
                start, end = offset + atoms[first][0], offset + atoms[last][1]
                written = text[start:end]
                key = "".join(_LETTERS.findall(written)).upper()
                # a single word: also its endings, shortest last
                cut_from = range(len(key) - min_length + 1) if first == last else range(1)
                for cut in cut_from:
                    ending = key[cut:]
                    if len(ending) < min_length:
                        break
                    if ending not in codes:
                        continue
                    before = text[max(0, start + cut - _LOOK_BACK) : start + cut]
                    anchored = _ANCHOR_BEFORE.search(before) is not None
                    known = found.get(ending)
                    if known is None or (anchored and not known.anchored):
                        found[ending] = TextReference(
                            ending, written[cut:], "", anchored, span=(start + cut, end)
                        )
    return tuple(found.values())


def reference_prefix(value: str) -> str:
    """The letter prefix of a reference (``SW`` of ``SW-10023``), upper case."""
    match = _LEADING_LETTERS.match(_NON_ALNUM.sub("", value.upper()))
    return match.group() if match else ""


@attrs.frozen(slots=True)
class TextReference:
    """A number found in a text, with what surrounds it."""

    key: str
    written: str
    """As it stands in the text (for the evidence sentence)."""
    prefix: str
    """Letters written right before or at the start of the number (``SW``, ``RE``)."""
    anchored: bool
    """A reference word or ``#`` stands right before it."""
    kind: ReferenceKind | None = None
    """Only compared with order references of this kind (a plugin's pattern says which)."""
    span: tuple[int, int] = (0, 0)
    """Where it stands in the text: a part of a longer number counts only when the whole does
    not (``2026-30338`` is one invoice number, not also the order number ``30338``)."""
    groups: tuple[str, ...] | None = None
    """Set for a key read with its serial padded (see :func:`serial_groups`): it names only an
    order whose number has these digit groups, leading zeros aside."""

    def within(self, other: TextReference) -> bool:
        """Whether this reference is a proper part of ``other`` in the text."""
        return (
            other.span[0] <= self.span[0]
            and self.span[1] <= other.span[1]
            and self.span != other.span
        )


def scan(text: str, *, min_length: int = 3) -> tuple[TextReference, ...]:
    """Every candidate reference in ``text``: digit-bearing words, and runs of them joined by a
    single space, dash, dot or slash (``10 023``, ``RE-2026-00123``), as keys."""
    found: dict[str, TextReference] = {}
    for run in _RUN.finditer(text):
        if _DATE.fullmatch(run.group()):
            continue
        before = text[max(0, run.start() - _LOOK_BACK) : run.start()]
        anchored = _ANCHOR_BEFORE.search(before) is not None
        separate = _PREFIX_BEFORE.search(before)
        separate_prefix = separate.group(1).upper() if separate else ""
        own_prefix = reference_prefix(run.group())
        if own_prefix in ANCHORS:
            anchored = True
        atoms = [(atom.start(), atom.end()) for atom in _ATOM.finditer(run.group())]
        offset = run.start()
        for first in range(len(atoms)):
            for last in range(first, min(len(atoms), first + _MAX_RUN)):
                start, end = offset + atoms[first][0], offset + atoms[last][1]
                written = text[start:end]
                if first == last and len(atoms) > 1 and _YEAR.fullmatch(written):
                    continue
                key = reference_key(written)
                if key is None or len(key) < min_length:
                    continue
                prefix = reference_prefix(written) or (separate_prefix if first == 0 else "")
                known = found.get(key)
                if known is None or (anchored and not known.anchored):
                    found[key] = TextReference(key, written, prefix, anchored, span=(start, end))
                if last > first:
                    # the letters before the number count for its shape: "RE 26-123"
                    shape = written if written[0].isalpha() else prefix + written
                    for padded, groups in _padded_serials(shape, key):
                        if padded not in found:
                            found[padded] = TextReference(
                                padded, written, prefix, anchored, span=(start, end), groups=groups
                            )
    return tuple(found.values())


# A number with a year and a serial: RE-2026-00123, AU2026-0001, 2026/00123, RE26-00123. A
# two-digit year only after a letter prefix: any "12-345" would else be read as one (and every
# such run costs padded readings on the matcher's hot path).
_YEAR_SERIAL = re.compile(
    r"(?:[A-Za-z]{0,4}[ \-./]?(?:19[5-9]|20[0-9])[0-9]|[A-Za-z]{1,4}[ \-./]?[0-9]{2})"
    r"(?:[ \-./][0-9]+)+"
)
_DIGIT_GROUP = re.compile(r"[0-9]+")
_SERIAL_WIDTH = 8


def serial_groups(value: str) -> tuple[str, ...] | None:
    """The digit groups of a year-and-serial number (a year of four digits first, or of two after
    a letter prefix) without their leading zeros (``RE-2026-00123`` -> ``("2026", "123")``),
    ``None`` for any other."""
    digits = _serial_digits(value)
    return None if digits is None else tuple(group.lstrip("0") or "0" for group in digits)


def _serial_digits(value: str) -> list[str] | None:
    """The digit groups of a year-and-serial number as written, ``None`` for any other."""
    if _YEAR_SERIAL.fullmatch(value.strip()) is None:
        return None
    return _DIGIT_GROUP.findall(value)


def printed_key(written: str, value: str, key: str) -> str:
    """What to weigh a hit of ``key`` by: the digits as printed, leading zeros included, where
    the text writes the order's number ``value`` with the same leading zeros (``000000123`` is
    far rarer by chance than ``123``); else ``key`` itself."""
    if not key.isdigit():
        return key
    digits = "".join(_DIGIT_GROUP.findall(written))
    if (
        digits != key
        and digits.lstrip("0") == key
        and digits == "".join(_DIGIT_GROUP.findall(value))
    ):
        return digits
    return key


def _padded_serials(written: str, key: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Keys of ``written`` with its serial zero-padded to other widths: payers drop the padding
    the shop prints (``RE-2026-123`` for ``RE-2026-00123``) or add some. Each names only an
    order whose number has the same groups (the ``groups`` of its reference)."""
    digits = _serial_digits(written)
    if digits is None:
        return
    groups = tuple(group.lstrip("0") or "0" for group in digits)
    head = "".join(digits[:-1])
    serial = groups[-1]
    for width in range(len(serial), _SERIAL_WIDTH + 1):
        padded = (head + serial.zfill(width)).lstrip("0")
        if padded != key:
            yield padded, groups


def near_miss_variants(key: str) -> Iterator[tuple[str, str]]:
    """Keys one typo away from ``key`` as written, with the typo that turns them into ``key``:
    swapped neighbours, a doubled or extra character, a dropped digit."""
    seen = {key}
    for i in range(len(key) - 1):
        if key[i] != key[i + 1]:
            variant = key[:i] + key[i + 1] + key[i] + key[i + 2 :]
            if variant not in seen:
                seen.add(variant)
                yield variant, "two digits swapped"
    for i in range(len(key)):
        variant = key[:i] + key[i + 1 :]
        if variant and variant not in seen and variant[0] != "0":
            seen.add(variant)
            doubled = (i > 0 and key[i - 1] == key[i]) or (
                i + 1 < len(key) and key[i + 1] == key[i]
            )
            yield variant, "a digit doubled" if doubled else "an extra digit"
    for i in range(len(key) + 1):
        for digit in _DIGITS:
            variant = key[:i] + digit + key[i:]
            if variant not in seen and variant[0] != "0":
                seen.add(variant)
                yield variant, "a digit dropped"


def _doubled(key: str, i: int) -> bool:
    """Whether ``key[i]`` repeats a neighbour (so deleting it undoes a doubled digit)."""
    return (i > 0 and key[i - 1] == key[i]) or (i + 1 < len(key) and key[i + 1] == key[i])


def near_miss(written_key: str, order_key: str) -> str | None:
    """How ``written_key`` is one typo away from ``order_key``, or ``None`` if it is not."""
    difference = len(written_key) - len(order_key)
    if difference == 0:
        mismatches = [
            i for i, (a, b) in enumerate(zip(written_key, order_key, strict=True)) if a != b
        ]
        if (
            len(mismatches) == 2
            and mismatches[1] == mismatches[0] + 1
            and written_key[mismatches[0]] == order_key[mismatches[1]]
            and written_key[mismatches[1]] == order_key[mismatches[0]]
        ):
            return "two digits swapped"
        return None
    if difference == 1:
        for i in range(len(written_key)):
            if written_key[:i] + written_key[i + 1 :] == order_key:
                return "a digit doubled" if _doubled(written_key, i) else "an extra digit"
        return None
    if difference == -1 and near_miss(order_key, written_key) is not None:
        return "a digit dropped"
    return None


def _key_space(key: str) -> float:
    if key.isalpha():
        # A letter code is counted like a number of its length, not as 26 letters a place:
        # the strings texts are made of are words, and a code may read like one (DANKE).
        return 10.0 ** len(key)
    digits = sum(character.isdigit() for character in key)
    return 10.0**digits * 26.0 ** (len(key) - digits)


def _chance(key: str, tries: int, anchored: bool, rules: ReferenceRules) -> float:
    """Probability that an unrelated text hits this key by chance in ``tries`` attempts."""
    chance = tries / _key_space(key)
    if anchored:
        chance /= rules.anchor_factor
    return min(chance, 0.5)


def kind_m(kind: ReferenceKind, rules: ReferenceRules) -> float:
    if kind is ReferenceKind.ORDER_NUMBER:
        return rules.order_number_m
    if kind is ReferenceKind.INVOICE_NUMBER:
        return rules.invoice_number_m
    return rules.customer_number_m


def exact_weight(
    key: str, kind: ReferenceKind, *, tries: int, anchored: bool, rules: ReferenceRules
) -> float:
    """log10 likelihood ratio of finding an order's ``key`` in the text.

    ``tries`` is the number of candidate keys the text offered (each one a chance of a hit).
    """
    return math.log10(kind_m(kind, rules) / _chance(key, tries, anchored, rules))


def near_miss_weight(key: str, *, tries: int, anchored: bool, rules: ReferenceRules) -> float:
    """log10 likelihood ratio of a near miss: every written key has about 11 x its length
    neighbours, each a chance to hit some order."""
    neighbours = 11 * len(key) + 10
    return math.log10(rules.near_miss_m / _chance(key, tries * neighbours, anchored, rules))
