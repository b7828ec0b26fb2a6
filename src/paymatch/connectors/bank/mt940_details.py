"""The ``:86:`` field of MT940: German structured subfields, SEPA tags, Dutch ``/CODE/`` pairs.

German banks (DK "MT940 Deutschland") write ``GGG?00Buchungstext?10Primanota?20..?29 purpose
?30 BLZ/BIC ?31 account/IBAN ?32?33 name ?34 Textschlüsselergänzung ?60..?63 more purpose``. The
subfields are cut at a fixed width and wrapped at 65 characters, so line breaks are removed and
the purpose parts are joined without a separator before the SEPA tags (``EREF+``, ``SVWZ+``, ...)
are split out; a tag may also be broken across two subfields (``S`` | ``VWZ+``).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter

_STRUCTURED = re.compile(r"^(\d{3})\s*([?>])")
# Applied after the line breaks are removed, so a marker broken across lines is whole again.
_SUBFIELD = {"?": re.compile(r"\?(\d\d)"), ">": re.compile(r">(\d\d)")}
PURPOSE_KEYS = tuple(f"{n:02d}" for n in [*range(20, 30), *range(60, 64)])
_PURPOSE_SET = frozenset(PURPOSE_KEYS)

SEPA_TAGS = (
    "EREF",
    "KREF",
    "MREF",
    "CRED",
    "DEBT",
    "COAM",
    "OAMT",
    "SVWZ",
    "ABWA",
    "ABWE",
    "IBAN",
    "BIC",
    "BREF",
    "RREF",
    "PURP",
    "MDAT",
    "SQTP",
    "ORCR",
    "ORMR",
    "DDAT",
)
_TAG = re.compile(r"(" + "|".join(SEPA_TAGS) + r")\+")

# Dutch and other "/CODE/value" structures (ING, ABN AMRO, Rabobank, Mollie, Danske Bank).
DUTCH_CODES = (
    "EREF",
    "PREF",
    "MARF",
    "CSID",
    "CNTP",
    "REMI",
    "PURP",
    "ULTC",
    "ULTD",
    "ORDP",
    "BENM",
    "NAME",
    "IBAN",
    "BIC",
    "ADDR",
    "TRTP",
    "RTRN",
    "ISDT",
    "SVCL",
    "USTD",
    "STRD",
    "CUR",
    "CDTRREFTP",
    "CDTRREF",
    "CD",
    "ISSR",
    "ACCW",
    "TRCD",
    "BUSP",
    "OCMT",
    "FX",
    "CHGS",
)
_DUTCH = re.compile(r"/(" + "|".join(sorted(DUTCH_CODES, key=len, reverse=True)) + r")/")


@dataclass(slots=True)
class Details:
    """What the ``:86:`` field says, parsed. ``raw`` is the field as the bank wrote it."""

    raw: str
    structured: bool = False
    gvc: str | None = None
    """Geschäftsvorfallcode (German business transaction code), 3 digits."""
    posting_text: str | None = None
    primanota: str | None = None
    purpose: str = ""
    """Purpose subfields ?20-?29 and ?60-?63 joined (or the whole text when unstructured)."""
    counterparty_bank: str | None = None
    """?30: BIC, or a German bank code (BLZ) on old postings."""
    counterparty_account: str | None = None
    """?31: IBAN, or a legacy account number."""
    counterparty_name: str | None = None
    text_key_extension: str | None = None
    subfields: dict[str, str] = field(default_factory=dict)
    sepa: dict[str, str] = field(default_factory=dict)
    """SEPA tags found in the purpose, e.g. ``{"EREF": "...", "SVWZ": "..."}``."""
    untagged: str = ""
    """Purpose text that stands before the first SEPA tag."""
    codes: dict[str, str] = field(default_factory=dict)
    """``/CODE/value`` pairs of Dutch-style structures."""

    @property
    def remittance(self) -> str:
        if "SVWZ" in self.sepa:
            return self.sepa["SVWZ"]
        if "REMI" in self.codes:
            return self.codes["REMI"]
        return self.untagged


def _join_wrapped(lines: list[str]) -> str:
    """Unstructured text: a line cut at full width continues the word; a short line ends it."""
    out = ""
    for i, line in enumerate(lines):
        if i and len(lines[i - 1]) < 65:
            out += " "
        out += line
    return out


def split_sepa(purpose: str, boundaries: Container[int] = ()) -> tuple[str, dict[str, str]]:
    """Split the joined purpose at SEPA tags. A tag starts at the beginning, after a space or
    punctuation, or where a subfield started (``boundaries``: offsets in ``purpose``)."""
    if "+" not in purpose:
        return purpose.strip(), {}
    # [text, tag, text, tag, text, ...]: the pieces put together are the purpose again
    pieces = _TAG.split(purpose)
    untagged = pieces[0]
    segments: list[tuple[str, str]] = []  # (tag, its value) in order
    name = value = ""
    position = len(untagged)  # where the tag at ``index`` starts in ``purpose``
    for index in range(1, len(pieces), 2):
        tag = pieces[index]
        text = pieces[index + 1]
        before = pieces[index - 1]  # empty: the tag is at the start or follows another "+"
        if before and before[-1].isalnum() and position not in boundaries:
            # a tag glued to the previous value is only a tag at a subfield boundary
            if name:
                value = f"{value}{tag}+{text}"
            else:
                untagged = f"{untagged}{tag}+{text}"
        else:
            if name:
                segments.append((name, value))
            name, value = tag, text
        position += len(tag) + 1 + len(text)
    if not name:
        return purpose.strip(), {}
    segments.append((name, value))
    tags: dict[str, str] = {}
    for name, value in segments:
        if name in tags:  # a repeated tag continues its value
            tags[name] = f"{tags[name]} {value.strip()}".strip()
        else:
            tags[name] = value.strip()
    return untagged.strip(), tags


def _split_codes(text: str) -> dict[str, str]:
    flat = text.replace("\r", "").replace("\n", "")
    matches = list(_DUTCH.finditer(flat))
    if not matches or matches[0].start() > 3:
        return {}
    codes: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(flat)
        value = flat[match.end() : end].strip().rstrip("/")
        codes.setdefault(match.group(1), value)
    if "REMI" in codes:
        # ING writes /REMI/USTD//text/ or /REMI/STRD/CUR/ref/
        remi = codes["REMI"]
        for prefix in ("USTD//", "USTD/"):
            if remi.startswith(prefix):
                codes["REMI"] = remi[len(prefix) :].strip()
                break
    if "USTD" in codes and not codes.get("REMI"):
        codes["REMI"] = codes["USTD"].lstrip("/").strip()
    return codes


def parse_details(lines: list[str]) -> Details:
    while len(lines) > 1 and not lines[-1].strip():
        lines = lines[:-1]  # blank lines before the next field are not part of this one
    raw = "\n".join(lines)
    first = raw.lstrip()
    match = _STRUCTURED.match(first)
    if not match:
        details = Details(raw=raw)
        text = _join_wrapped([line.rstrip("\r") for line in lines])
        details.codes = _split_codes(raw)
        if details.codes:
            details.untagged = details.codes.get("REMI", "")
            details.purpose = text
            name = details.codes.get("NAME")
            cntp = details.codes.get("CNTP") or details.codes.get("BENM") or ""
            parts = cntp.split("/")
            if parts and parts[0]:
                details.counterparty_account = details.codes.get("IBAN") or parts[0]
            else:
                details.counterparty_account = details.codes.get("IBAN")
            if len(parts) > 1 and parts[1]:
                details.counterparty_bank = parts[1]
            else:
                details.counterparty_bank = details.codes.get("BIC")
            details.counterparty_name = name or (parts[2] if len(parts) > 2 and parts[2] else None)
            return details
        details.purpose = text
        details.untagged, details.sepa = split_sepa(text)
        return details
    return _structured(raw, first, match)


def _structured(raw: str, first: str, match: re.Match[str]) -> Details:
    """The German ``GGG?00...?63`` structure (the hot path of a German statement)."""
    gvc, separator = match.groups()
    # Line breaks inside the field are wrapping, not content.
    body = first[match.end(1) :]
    if "\n" in body or "\r" in body:
        body = body.replace("\r", "").replace("\n", "")
    if body.endswith(("?", ">")):
        body = body.rstrip("?>")  # a bare marker at the end
    pieces = _SUBFIELD[separator].split(body)
    # pieces: [text before the first marker, key, value, key, value, ...]
    keys = pieces[1::2]
    values = pieces[2::2]
    sub = dict(zip(keys, values, strict=True))
    if len(sub) == len(keys):
        # ?20-?29 then ?60-?63, also where a bank writes them out of order (the keys sort as
        # numbers do)
        parts = [sub[key] for key in sorted(sub) if key in _PURPOSE_SET]
    else:  # a repeated subfield continues its value
        sub = {}
        for key, value in zip(keys, values, strict=True):
            sub[key] = sub.get(key, "") + value
        # the sort is stable: parts of a repeated key stay in file order
        pairs = [pair for pair in zip(keys, values, strict=True) if pair[0] in _PURPOSE_SET]
        pairs.sort(key=itemgetter(0))
        parts = [value for _, value in pairs]
    purpose = "".join(parts)
    stripped = purpose.lstrip()
    shift = len(purpose) - len(stripped)
    stripped = stripped.rstrip()
    if "+" in stripped:
        # where each subfield started, in the stripped purpose: a SEPA tag may start there
        boundaries = tuple(accumulate(map(len, parts[:-1]), initial=-shift))
        untagged, sepa = split_sepa(stripped, boundaries)
    else:
        untagged, sepa = stripped, {}
    get = sub.get
    bank = get("30", "").strip() or sepa.get("BIC")
    account = (get("31", "") or get("38", "")).strip() or sepa.get("IBAN")
    return Details(
        raw=raw,
        structured=True,
        gvc=gvc,
        posting_text=get("00", "").strip() or None,
        primanota=get("10", "").strip() or None,
        purpose=stripped,
        counterparty_bank=bank or None,
        counterparty_account=account or None,
        counterparty_name=(get("32", "") + get("33", "")).strip() or None,
        text_key_extension=get("34", "").strip() or None,
        subfields=sub,
        sepa=sepa,
        untagged=untagged,
    )
