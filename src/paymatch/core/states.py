"""The lifecycle states of an order (DESIGN.md, "Order lifecycle").

Kept apart from :mod:`paymatch.core.lifecycle` so that events, effects and the Store can name a
state without importing the transition machinery.
"""

from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    """Where an order stands. The dunning level is a counter beside the state, not a state."""

    NOT_MANAGED = "not_managed"
    """Open before its source was first connected: paymatch keeps its hands off (no messages, no
    write-back) until a payment is assigned to it."""
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    """Fully paid, also when overpaid (the surplus is kept on the snapshot)."""
    OVERDUE = "overdue"
    """Invoice or COD still unpaid after the policy's days (Komfortkasse: CANCELLED, "overdue")."""
    CANCELLED = "cancelled"
    """Prepayment unpaid after the policy's days, or cancelled by a person."""
    COLLECTION = "collection"
    """Handed to debt collection after the last reminder."""
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REMOVED_EXTERNALLY = "removed_externally"
    """The source no longer reports the order open, or deleted it: no reminders, no write-back."""
    NOT_TRACKED = "not_tracked"
    """Missing from a complete list of the source's open orders."""


class Settlement(StrEnum):
    """Why an order counts as paid beyond its assigned postings."""

    MANUAL = "manual"
    """A person set it paid (money received outside the bank postings)."""
    COLLECTION = "collection"
    """The collection partner collected it."""
