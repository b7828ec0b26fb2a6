"""A reproducible workload for the crash and concurrency tests, and the worker that runs it.

Run as a script, it is one worker process: it opens the store, connects the file source, imports
every statement (again: imports are idempotent) and ticks until the outbox is empty, then exits 0.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doubles import FakeLifecycle, FakeMatcher
from paymatch.connectors.files import FileSource
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import config_from_dict
from paymatch.core.store import Store
from paymatch.interchange import read_postings

ACCOUNT = "DE89370400440532013000"


@dataclass
class Workload:
    orders: Path
    statements: list[Path]
    expected_paid: dict[str, Decimal]
    """Order id -> what the postings pay on it (orders paid fully are written back)."""
    amounts: dict[str, Decimal]
    postings: int


def make_workload(
    root: Path, *, orders: int = 120, seed: int = 7, per_statement: int = 30, overlap: int = 10
) -> Workload:
    rng = random.Random(seed)
    lines, amounts = [], {}
    for i in range(orders):
        amount = Decimal(rng.randrange(1000, 20000)) / 100
        amounts[f"o{i}"] = amount
        lines.append(
            json.dumps(
                {
                    "id": f"o{i}",
                    "number": str(100000 + i),
                    "amount": str(amount),
                    "currency": "EUR",
                    "payment_code": "prepayment",
                    "customer_name": f"Customer {i}",
                }
            )
        )
    orders_path = root / "orders.jsonl"
    orders_path.write_text("\n".join(lines) + "\n")
    postings, paid = [], defaultdict(Decimal)
    for i in range(orders):
        number, amount = str(100000 + i), amounts[f"o{i}"]
        kind = i % 6
        if kind in (0, 1, 2):  # paid in full
            postings.append((f"full {number}", amount))
            paid[f"o{i}"] += amount
        elif kind == 3:  # in two parts
            half = (amount / 2).quantize(Decimal("0.01"))
            postings += [(f"part 1 {number}", half), (f"part 2 {number}", amount - half)]
            paid[f"o{i}"] += amount
        elif kind == 4:  # ambiguous: names two orders
            postings.append((f"{number} {100000 + (i + 1) % orders}", amount))
        else:  # nothing recognisable
            postings.append((f"gift {i}", amount))
    rng.shuffle(postings)
    records = [
        {
            "id": f"p{n}",
            "booking_date": f"2026-11-{1 + n % 28:02d}",
            "amount": str(amount),
            "currency": "EUR",
            "remittance": text,
            "account_iban": ACCOUNT,
        }
        for n, (text, amount) in enumerate(postings)
    ]
    statements = []
    step = per_statement - overlap
    for k, start in enumerate(range(0, len(records), step)):
        path = root / f"statement-{k:03d}.jsonl"
        path.write_text(
            "".join(json.dumps(r) + "\n" for r in records[start : start + per_statement])
        )
        statements.append(path)
    return Workload(orders_path, statements, dict(paid), amounts, len(records))


def _lifecycle() -> object:
    """paymatch's own lifecycle where it is installed, else the small stand-in."""
    try:
        from paymatch.core.lifecycle_adapter import StoreLifecycle  # noqa: PLC0415
    except ImportError:
        return FakeLifecycle()
    return StoreLifecycle()


def build(url: str, orders: Path, worker: str) -> Reconciler:
    config = config_from_dict(
        {
            "sources": {"shop": {"connector": "file"}},
            "accounts": [{"iban": ACCOUNT, "currency": "EUR", "sources": ["shop"]}],
            "schedules": {"claim_lease": "30s", "backoff_initial": "1s", "backoff_max": "2s"},
        }
    )
    return Reconciler(
        Store.open(url),
        config=config,
        sources={"shop": FileSource(orders)},
        matcher=FakeMatcher(),
        lifecycle=_lifecycle(),
        worker_id=worker,
    )


def run(url: str, orders: Path, statements: list[Path], worker: str) -> None:
    reconciler = build(url, orders, worker)
    reconciler.connect_source("shop")
    for path in statements:
        reconciler.import_postings(read_postings(path), name=path.name)
        reconciler.tick()
    for _ in range(200):
        reconciler.tick()
        if not reconciler.outbox(status="pending"):
            break
    reconciler.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--orders", required=True, type=Path)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("statements", nargs="+", type=Path)
    args = parser.parse_args()
    statements = list(args.statements)
    if args.seed:
        random.Random(args.seed).shuffle(statements)
    run(args.url, args.orders, statements, args.worker)


if __name__ == "__main__":
    main()
