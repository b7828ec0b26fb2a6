"""Indexing orders as a stream: no Order object outlives its turn, decisions are unchanged.

A shop with a million open orders cannot hold a million pydantic ``Order`` objects besides the
index (they weigh several times what the index does); ``Matcher.index`` and ``paymatch match``
take them one at a time from ``iter_orders``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from pathlib import Path

from paymatch.core.matcher import Matcher
from paymatch.core.models import Order
from paymatch.interchange import iter_orders, read_orders, read_postings

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "paymatch" / "examples"


def test_the_index_keeps_no_order_alive() -> None:
    refs: list[weakref.ref[Order]] = []

    def watched() -> Iterator[Order]:
        for order in iter_orders(EXAMPLES / "orders.jsonl"):
            refs.append(weakref.ref(order))
            yield order

    # No gc.collect(): the orders must go by reference counting alone, the moment they are
    # indexed, not only after a cyclic collection.
    index = Matcher().index(watched(), history={"DE12500105170648489890": ["K-1002"]})
    assert len(index) == len(refs) > 5
    assert [ref for ref in refs if ref() is not None] == []


def test_streamed_and_listed_orders_decide_alike() -> None:
    postings = read_postings(EXAMPLES / "postings.jsonl")
    listed = Matcher().match(postings, read_orders(EXAMPLES / "orders.jsonl"))
    streamed = Matcher().match(postings, iter_orders(EXAMPLES / "orders.jsonl"))
    assert streamed == listed
    assert {decision.decision for decision in listed} >= {"assigned", "suggested"}
