"""Stable posting identity, so that overlapping or repeated statements never duplicate a posting.

The identity is a hash of a documented key (docs/formats.md, "Posting identity"):

* where the bank gives its own reference for the booking (CAMT ``AcctSvcrRef``, the MT940 bank
  reference; not ``NONREF``), the key is account, bank reference, booking date, amount, currency
  and end-to-end id: the same booking exported twice carries the same bank reference;
* otherwise the key is account, booking and value date, amount, currency, counterparty account
  and name, end-to-end id and the remittance text with its whitespace collapsed.

Two bookings that are identical in every keyed field (two equal transfers from the same payer on
the same day) are told apart by their occurrence number within one statement: the second one is
``#2`` in every export that contains both, so re-importing either statement adds nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal

_NO_REFERENCE = {"", "NONREF", "NOTPROVIDED", "NONE", "N/A"}


def _clean(value: str | None) -> str:
    return " ".join(value.split()).upper() if value else ""


def real_reference(value: str | None) -> str | None:
    """``value``, or ``None`` where it is a placeholder for "no reference" (``NOTPROVIDED``,
    ``NONREF``, ...). Dropping these never changes a posting's id: the key ignores them too."""
    return None if _clean(value) in _NO_REFERENCE else value


def identity_key(
    *,
    account: str | None,
    booking_date: date,
    value_date: date | None,
    amount: Decimal,
    currency: str,
    bank_reference: str | None = None,
    counterparty_account: str | None = None,
    counterparty_name: str | None = None,
    end_to_end_id: str | None = None,
    remittance: str | None = None,
) -> str:
    """The de-duplication key of one booking, before occurrence numbering."""
    # _clean written out: this runs for every posting of every import
    end_to_end = " ".join(end_to_end_id.split()).upper() if end_to_end_id else ""
    if end_to_end in _NO_REFERENCE:
        end_to_end = ""
    reference = " ".join(bank_reference.split()).upper() if bank_reference else ""
    account_key = " ".join(account.split()).upper() if account else ""
    if reference not in _NO_REFERENCE:
        parts = [
            "ref",
            account_key,
            reference,
            booking_date.isoformat(),
            str(amount),
            currency,
            end_to_end,
        ]
    else:
        parts = [
            "txt",
            account_key,
            booking_date.isoformat(),
            value_date.isoformat() if value_date else "",
            str(amount),
            currency,
            _clean(counterparty_account),
            _clean(counterparty_name),
            end_to_end,
            _clean(remittance),
        ]
    return "\x1f".join(parts)


class PostingIdentities:
    """Hands out posting ids for the bookings of one statement, numbering exact repeats."""

    def __init__(self) -> None:
        # Keyed by the key's 128-bit digest, not the key itself: a statement with a million
        # bookings keeps a million small entries, not a million remittance texts.
        self._seen: set[bytes] = set()
        self._repeats: Counter[bytes] = Counter()

    def next_id(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).digest()[:16]
        if digest not in self._seen:
            self._seen.add(digest)
            return "pm-" + digest.hex()
        self._repeats[digest] += 1
        occurrence = self._repeats[digest] + 1
        material = f"{key}\x1f#{occurrence}"
        return "pm-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]
