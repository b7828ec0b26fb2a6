"""Collective payments: one posting for several orders of one payer.

When a payer settles several open orders with one transfer and does not name them, the orders
are found by a bounded search for subsets of that payer's open orders whose open amounts add up
to the posting amount. The search is bounded (number of orders, subset size) so that it stays
fast, and it reports whether the subset is unique: two subsets with the same sum are a question
for a person, not an assignment.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field


class CollectiveRules(BaseModel):
    """Bounds and likelihood of the collective-payment search."""

    max_orders: int = Field(
        12, ge=2, le=24, description="Search only payers with at most this many open orders."
    )
    max_subset: int = Field(5, ge=2, description="Largest number of orders one posting may pay.")
    collective_m: float = Field(
        0.05, gt=0, le=1, description="Share of payments that pay several orders at once."
    )
    min_party_evidence: float = Field(
        2.0,
        description="Search only when the payer is identified at least this well (log10 "
        "likelihood ratio of the IBAN, customer number or name).",
    )


def subsets_with_sum(
    amounts: Sequence[int], target: int, *, max_size: int, tolerance: int = 0, limit: int = 2
) -> list[tuple[int, ...]]:
    """Index tuples of 2..``max_size`` amounts whose sum is within ``tolerance`` of ``target``.

    Amounts are positive integers (minor units). At most ``limit`` subsets are returned, in a
    deterministic order, so that the caller can tell a unique subset from an ambiguous one.
    """
    order = sorted(range(len(amounts)), key=lambda i: (amounts[i], i))
    values = [amounts[i] for i in order]
    found: list[tuple[int, ...]] = []

    def search(start: int, chosen: list[int], total: int) -> None:
        if len(found) >= limit:
            return
        if len(chosen) >= 2 and abs(total - target) <= tolerance:
            found.append(tuple(sorted(order[i] for i in chosen)))
            return
        if len(chosen) == max_size:
            return
        for i in range(start, len(values)):
            if total + values[i] > target + tolerance:
                break  # values are sorted: every later one is too large as well
            chosen.append(i)
            search(i + 1, chosen, total + values[i])
            chosen.pop()
            if len(found) >= limit:
                return

    search(0, [], 0)
    return found
