"""Load a generated data set through paymatch's own readers and run the matcher on it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from paymatch import Matcher
from paymatch.interchange import read_orders, read_postings

from .metrics import Outcome, Truth


@dataclass(slots=True)
class Loaded:
    orders: list[Any]  # paymatch Order
    postings: list[Any]  # paymatch Posting
    history: dict[str, list[str]]
    truths: dict[str, Truth]


def read_truths(path: Path) -> dict[str, Truth]:
    truths: dict[str, Truth] = {}
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            truths[record["posting_id"]] = Truth(
                posting_id=record["posting_id"],
                case=record["case"],
                assignments=tuple(
                    (a["order_id"], Decimal(a["amount"])) for a in record["assignments"]
                ),
                determinable=bool(record["determinable"]),
                tags=tuple(record.get("tags", ())),
                interchangeable_with=tuple(record.get("interchangeable_with", ())),
                reason=record.get("reason", ""),
            )
    return truths


def load(folder: Path) -> Loaded:
    history = json.loads((folder / "history.json").read_text(encoding="utf-8"))
    return Loaded(
        orders=read_orders(folder / "orders.jsonl"),
        postings=read_postings(folder / "postings.jsonl"),
        history=history,
        truths=read_truths(folder / "truth.jsonl"),
    )


def outcome(decision: Any) -> Outcome:
    """paymatch's ``Decision`` as the metrics see it."""
    return Outcome(
        posting_id=decision.posting_id,
        decision=str(
            decision.decision.value if hasattr(decision.decision, "value") else decision.decision
        ),
        assignments=tuple((a.order_id, Decimal(a.amount)) for a in decision.assignments),
        candidates=tuple(c.order_id for c in decision.candidates),
    )


def arrival_order(postings: Iterable[Any]) -> list[Any]:
    """Postings as they arrive at an incremental matcher: by booking date, then id."""
    return sorted(postings, key=lambda p: (p.booking_date, p.id))


def run_batch(data: Loaded) -> list[Any]:
    return list(Matcher().match(data.postings, data.orders, history=data.history))


def run_incremental(data: Loaded) -> list[Any]:
    index = Matcher().index(data.orders, history=data.history)
    return [index.match(posting) for posting in arrival_order(data.postings)]
