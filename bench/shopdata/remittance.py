"""Remittance texts (Verwendungszweck) as they reach the merchant, with where each reference sits.

A text is built from pieces; a piece that names an order, an invoice or a customer is a
*mention*, and its position is kept through every transformation (upper-casing by the bank,
SEPA field junk, the 140-character cut), so the truth knows which references survived.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import text

SEPA_LIMIT = 140


@dataclass(slots=True)
class Mention:
    """A reference in the text: what it points to (for the truth) and what a reader reads."""

    key: str  # N:10023, RE:2026:123, C:4711, EMAIL:..., NAME:last:first
    kind: str  # exact, format, slip, near (see numbers.py); "exact" for e-mails and names
    order_id: str | None  # the order the payer meant, if the mention names an order
    start: int = 0
    end: int = 0


Piece = str | tuple[str, Mention]


@dataclass(slots=True)
class Remittance:
    text: str
    mentions: list[Mention]
    truncated: bool


def compose(pieces: list[Piece], rng: random.Random, *, upper: float, wrapper: float) -> Remittance:
    """Join pieces with spaces, let the bank transform the text, and cut it at 140 characters."""
    if rng.random() < wrapper:
        pieces = _sepa_wrapper(pieces, rng)
    shout = rng.random() < upper
    parts: list[str] = []
    mentions: list[Mention] = []
    position = 0
    for piece in pieces:
        body, mention = (piece, None) if isinstance(piece, str) else piece
        # Banks transliterate umlauts before upper-casing (so lengths stay put: ß → ss first).
        body = text.transliterate(body).upper() if shout else body
        if not body:
            continue
        if parts:
            position += 1
        if mention is not None:
            mention.start, mention.end = position, position + len(body)
            mentions.append(mention)
        parts.append(body)
        position += len(body)
    full = " ".join(parts)
    truncated = len(full) > SEPA_LIMIT
    if truncated:
        full = full[:SEPA_LIMIT].rstrip()
        mentions = [m for m in mentions if m.end <= len(full)]
    return Remittance(full, mentions, truncated)


def _sepa_wrapper(pieces: list[Piece], rng: random.Random) -> list[Piece]:
    """The SEPA field tags some banks leave in the text (MT940 ?20.. subfields, camt exports)."""
    eref = rng.choice(
        ("NOTPROVIDED", f"{rng.randrange(10**11, 10**12)}", f"ZV{rng.randrange(10**13):013d}")
    )
    style = rng.random()
    if style < 0.5:
        return [f"EREF+{eref}", "SVWZ+", *pieces]
    if style < 0.8:
        return [f"EREF+{eref} SVWZ+", *pieces, f"DATUM {rng.randrange(1, 29):02d}.11.2026"]
    return ["SVWZ+", *pieces, f"ABWA+{rng.choice(('', 'Online-Banking', 'App'))}".rstrip("+")]


# --- the sentences payers write ------------------------------------------------------------

ORDER_TEMPLATES = (
    "{ref}",
    "Bestellung {ref}",
    "Bestellung Nr. {ref}",
    "Bestellnummer {ref}",
    "Bestellnr. {ref} {name}",
    "Best.-Nr. {ref}",
    "Bestellung {ref} vom {day}",
    "Auftrag {ref}",
    "Auftragsnummer {ref} {name}",
    "{ref} {name}",
    "{name} {ref}",
    "Order {ref}",
    "Ihre Bestellung {ref}",
    "Zahlung Bestellung {ref}",
    "Kaufpreis Bestellung {ref} Danke",
    "{ref} Vielen Dank",
    "Bestellung {ref} {email}",
    "Bestellung {ref} Kd-Nr {cust}",
)
INVOICE_TEMPLATES = (
    "{ref}",
    "Rechnung {ref}",
    "RE {ref} Kd-Nr {cust}",
    "{ref} Kd-Nr {cust}",
    "Rechnungsnr. {ref} Kundennr. {cust}",
    "Rechnung {ref} vom {date}",
    "Rechnung Nr. {ref} {company}",
    "{company} Rechnung {ref}",
    "Re.-Nr. {ref}",
    "Ausgleich Rechnung {ref}",
)
NO_REFERENCE_TEXTS = (
    "",
    "{name}",
    "Bestellung vom {day}",
    "Zahlung",
    "Danke",
    "Ueberweisung",
    "Kaufpreis",
    "Online-Bestellung",
    "Ware",
    "Geschenk fuer Mama",
    "{name} Bestellung",
    "Bestellung",
    "Rechnung",
    "Einkauf",
    "Zahlung Onlineshop",
    "{email}",
    "Bezahlung meiner Bestellung",
)
CHATTY_OPENINGS = (
    "Hallo liebes Team, vielen Dank fuer die schnelle Antwort, anbei wie besprochen der Betrag",
    "Guten Tag, hiermit ueberweise ich den offenen Betrag fuer meine Bestellung von letzter Woche",
    "Sehr geehrte Damen und Herren, bitte entschuldigen Sie die Verspaetung der Zahlung",
    "Hallo, hier die Zahlung fuer die Bestellung meiner Tochter, bitte schnell versenden, danke",
)
