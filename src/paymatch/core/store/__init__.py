"""Persistence of sources, accounts, orders, postings, assignments and the outbox."""

from paymatch.core.store.store import Ledger, Store

__all__ = ["Ledger", "Store"]
