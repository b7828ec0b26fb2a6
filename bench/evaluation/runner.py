"""Load a generated data set through paymatch's own readers and run the matcher on it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from paymatch import MatchConfig, Matcher
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


CRASHED = "crashed"


@dataclass(slots=True)
class Run:
    """The matcher's decisions, and the postings it raised an exception on (never silently)."""

    decisions: list[Any]
    crashes: dict[str, str]  # posting id -> the exception

    def outcomes(self) -> list[Outcome]:
        found = [outcome(decision) for decision in self.decisions]
        return found + [Outcome(posting_id, CRASHED) for posting_id in sorted(self.crashes)]


def run_incremental(data: Loaded, config: MatchConfig | None = None) -> Run:
    index = Matcher(config).index(data.orders, history=data.history)
    decisions, crashes = [], {}
    for posting in arrival_order(data.postings):
        try:
            decisions.append(index.match(posting))
        except Exception as error:  # a crash is a finding to report, not the end of the run
            crashes[posting.id] = f"{type(error).__name__}: {error}"
    return Run(decisions, crashes)


def run_batch(data: Loaded, config: MatchConfig | None = None) -> Run:
    """One batch call. Should the matcher crash on some postings, they are found one by one
    (incremental form), reported, and the batch is run again without them."""
    try:
        decisions = Matcher(config).match(data.postings, data.orders, history=data.history)
        return Run(list(decisions), {})
    except Exception:
        crashes = run_incremental(data, config).crashes
        if not crashes:
            raise
    rest = [posting for posting in data.postings if posting.id not in crashes]
    return Run(list(Matcher(config).match(rest, data.orders, history=data.history)), crashes)
