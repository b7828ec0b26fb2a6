"""The ``:86:`` field of MT940: German structured subfields, SEPA tags, Dutch ``/CODE/`` pairs.

German banks (DK "MT940 Deutschland") write ``GGG?00Buchungstext?10Primanota?20..?29 purpose
?30 BLZ/BIC ?31 account/IBAN ?32?33 name ?34 Textschlüsselergänzung ?60..?63 more purpose``. The
subfields are cut at a fixed width and wrapped at 65 characters, so line breaks are removed and
the purpose parts are joined without a separator before the SEPA tags (``EREF+``, ``SVWZ+``, ...)
are split out; a tag may also be broken across two subfields (``S`` | ``VWZ+``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_STRUCTURED = re.compile(r"^(\d{3})\s*([?>])")
_SUBFIELD = {
    "?": re.compile(r"\?(?:\r?\n)?(\d)(?:\r?\n)?(\d)"),
    ">": re.compile(r">(?:\r?\n)?(\d)(?:\r?\n)?(\d)"),
}
PURPOSE_KEYS = tuple(f"{n:02d}" for n in [*range(20, 30), *range(60, 64)])

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


def split_sepa(purpose: str, boundaries: tuple[int, ...] = ()) -> tuple[str, dict[str, str]]:
    """Split the joined purpose at SEPA tags. A tag starts at the beginning, after a space or
    punctuation, or where a subfield started (``boundaries``: offsets in ``purpose``)."""
    starts = []
    for match in _TAG.finditer(purpose):
        position = match.start()
        previous = purpose[position - 1] if position else " "
        if position == 0 or not previous.isalnum() or position in boundaries:
            starts.append((position, match.group(1), match.end()))
        elif previous.isalnum():
            # a tag glued to the previous value is only a tag at a subfield boundary
            continue
    if not starts:
        return purpose.strip(), {}
    tags: dict[str, str] = {}
    for index, (_, name, value_start) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(purpose)
        value = purpose[value_start:end].strip()
        if name in tags:  # a repeated tag continues its value
            tags[name] = f"{tags[name]} {value}".strip()
        else:
            tags[name] = value
    return purpose[: starts[0][0]].strip(), tags


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
    details = Details(raw=raw, structured=True, gvc=match.group(1))
    separator = match.group(2)
    # Line breaks inside the field are wrapping, not content.
    body = first[match.end(1) :].replace("\r", "").replace("\n", "")
    body = body.rstrip("?>") if body.endswith(("?", ">")) else body  # a bare marker at the end
    marker = _SUBFIELD[separator]
    pieces = marker.split(body)
    # pieces: [text before first marker, d1, d2, value, d1, d2, value, ...]
    subfields: dict[str, list[str]] = {}
    order: list[str] = []
    for index in range(1, len(pieces) - 2, 3):
        key = pieces[index] + pieces[index + 1]
        value = pieces[index + 2]
        if key not in subfields:
            order.append(key)
        subfields.setdefault(key, []).append(value)
    details.subfields = {key: "".join(values) for key, values in subfields.items()}
    sub = details.subfields
    details.posting_text = sub.get("00", "").strip() or None
    details.primanota = sub.get("10", "").strip() or None
    details.counterparty_bank = sub.get("30", "").strip() or None
    details.counterparty_account = (sub.get("31", "") or sub.get("38", "")).strip() or None
    name = sub.get("32", "") + sub.get("33", "")
    details.counterparty_name = name.strip() or None
    details.text_key_extension = sub.get("34", "").strip() or None
    purpose = ""
    boundaries = []
    for key in PURPOSE_KEYS:
        for value in subfields.get(key, ()):
            boundaries.append(len(purpose))
            purpose += value
    details.purpose = purpose.strip()
    shift = len(purpose) - len(purpose.lstrip())
    details.untagged, details.sepa = split_sepa(
        purpose.strip(), tuple(b - shift for b in boundaries)
    )
    if not details.counterparty_account and details.sepa.get("IBAN"):
        details.counterparty_account = details.sepa["IBAN"]
    if not details.counterparty_bank and details.sepa.get("BIC"):
        details.counterparty_bank = details.sepa["BIC"]
    return details
