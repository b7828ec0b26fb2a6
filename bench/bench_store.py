"""Benchmark: import + match + commit of postings against open orders, on SQLite and PostgreSQL.

    python bench/bench_store.py                      # 100,000 postings, 1,000,000 orders
    python bench/bench_store.py --orders 100000 --postings 10000 --backend sqlite

For each backend it measures, each in a fresh process (so that peak memory is its own):

* ``memory``: the matcher alone, in memory: build the index over the open orders, match every
  posting (the baseline);
* ``store``: the Reconciler on a store that already holds the open orders: ``import_postings``
  stores the postings, builds the match index from the store, matches, writes assignments,
  lifecycle steps and outbox items, and commits.

PostgreSQL comes from ``$PAYMATCH_BENCH_POSTGRES_URL`` (a database that may be emptied), or a
throwaway server is started with initdb/pg_ctl. The orders are loaded through the Reconciler's
intake (timed too, reported as "intake").

Each phase reports wall-clock and CPU time (of its own process; a PostgreSQL server's CPU is not
in it) and the load average before and after it: on a machine shared with other work, the CPU
times are the fairer comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the stand-ins of tests/doubles.py

from paymatch.connectors.memory import MemorySource  # noqa: E402
from paymatch.core.clock import FixedClock  # noqa: E402
from paymatch.core.models import Order, PaymentCode, Posting  # noqa: E402
from paymatch.core.settings import config_from_dict  # noqa: E402
from paymatch.rules import payment_reference  # noqa: E402

CONNECTED = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ACCOUNT = "DE02120300000000202051"
FIRST = ["Jana", "Peter", "Anna", "Lukas", "Maria", "Thomas", "Eva", "Jonas", "Lea", "Paul"]
LAST = ["Müller", "Schmidt", "Weber", "Becker", "Koch", "Wolf", "Braun", "Klein", "Hahn", "Vogel"]


def make_orders(count: int, seed: int = 1) -> list[Order]:
    rng = random.Random(seed)
    return [
        Order(
            id=str(100000 + n),
            number=str(100000 + n),
            customer_number=f"K{n % 200000:06d}",
            customer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            amount=Decimal(rng.randrange(500, 50000)) / 100,
            currency="EUR",
            payment_code=PaymentCode.PREPAYMENT,
            status="open",
            created_at=datetime(2026, 11, 1, 9, 0),
        )
        for n in range(count)
    ]


def make_postings(orders: list[Order], count: int, seed: int = 2) -> list[Posting]:
    rng = random.Random(seed)
    picked = rng.sample(range(len(orders)), count)
    postings = []
    for n, index in enumerate(picked):
        order = orders[index]
        kind = n % 10
        amount = order.amount
        text = f"Bestellung {order.number}"
        if kind == 7:
            amount = (order.amount / 2).quantize(Decimal("0.01"))  # partial payment
        elif kind == 8:
            text = f"{order.customer_name} Danke"  # no reference
        elif kind == 9:
            text = f"Rechnung {rng.randrange(10**6)}"  # noise
        postings.append(
            Posting(
                id=f"p{n}",
                account_iban=ACCOUNT,
                booking_date="2026-11-10",
                amount=amount,
                currency="EUR",
                counterparty_name=order.customer_name,
                remittance=text,
            )
        )
    return postings


def _matcher() -> Any:
    try:
        from paymatch import Matcher  # type: ignore[attr-defined]  # noqa: PLC0415

        return Matcher()
    except ImportError:  # the matcher has not landed: the test double stands in
        from doubles import FakeMatcher  # noqa: PLC0415

        return FakeMatcher()


def _lifecycle() -> Any:
    try:
        from paymatch.core.lifecycle_adapter import StoreLifecycle  # noqa: PLC0415

        return StoreLifecycle()
    except ImportError:
        from doubles import FakeLifecycle  # noqa: PLC0415

        return FakeLifecycle()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_memory(orders_n: int, postings_n: int) -> dict[str, Any]:
    orders = make_orders(orders_n)
    postings = make_postings(orders, postings_n)
    # The store issues each order paymatch's own payment reference (from its row id: n + 1 in a
    # fresh store), which the matcher indexes too: the baseline indexes the same orders.
    orders = [
        order.model_copy(update={"payment_reference": payment_reference.generate(n + 1)})
        for n, order in enumerate(orders)
    ]
    matcher = _matcher()
    start, cpu = time.perf_counter(), time.process_time()
    index = matcher.index(orders)
    built = time.perf_counter()
    kinds: dict[str, int] = {}
    for posting in postings:
        kind = str(index.match(posting).decision)
        kinds[kind] = kinds.get(kind, 0) + 1
    done, cpu = time.perf_counter(), time.process_time() - cpu
    return {
        "index_s": built - start,
        "match_s": done - built,
        "total_s": done - start,
        "total_cpu_s": cpu,
        "decisions": kinds,
        "peak_mib": _peak_mib(),
        "matcher": type(matcher).__name__,
    }


def _reconciler(url: str, source: MemorySource) -> Any:
    from paymatch.core.reconciler import Reconciler  # noqa: PLC0415
    from paymatch.core.store import Store  # noqa: PLC0415

    config = config_from_dict(
        {
            "sources": {"shop": {"connector": "memory"}},
            "accounts": [{"iban": ACCOUNT, "currency": "EUR", "sources": ["shop"]}],
        }
    )
    return Reconciler(
        Store.open(url),
        config=config,
        sources={"shop": source},
        matcher=_matcher(),
        lifecycle=_lifecycle(),
        clock=FixedClock(CONNECTED),
        worker_id="bench",
    )


def phase_intake(url: str, orders_n: int) -> dict[str, Any]:
    orders = make_orders(orders_n)
    source = MemorySource()
    reconciler = _reconciler(url, source)
    reconciler.connect_source("shop")  # empty at first: every order below is managed
    start, cpu = time.perf_counter(), time.process_time()
    for begin in range(0, len(orders), 50_000):
        part = orders[begin : begin + 50_000]
        report = reconciler.sync_engine.receive(
            "shop", reconciler.mapping("shop"), part, now=NOW, mode="push"
        )
        assert report.new == len(part), report.problems[:3]
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    reconciler.close()
    return {"intake_s": took, "intake_cpu_s": cpu, "peak_mib": _peak_mib()}


def phase_store(url: str, orders_n: int, postings_n: int) -> dict[str, Any]:
    orders = make_orders(orders_n)
    postings = make_postings(orders, postings_n)
    del orders
    reconciler = _reconciler(url, MemorySource())
    reconciler.clock = FixedClock(NOW)
    start, cpu = time.perf_counter(), time.process_time()
    report = reconciler.import_postings(
        postings, name="bench", account_iban=ACCOUNT, keep_decisions=0
    )
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    reconciler.close()
    return {
        "import_s": took,
        "import_cpu_s": cpu,
        "new": report.new,
        "assigned": report.assigned,
        "partial": report.partial,
        "suggested": report.suggested,
        "unmatched": report.unmatched,
        "peak_mib": _peak_mib(),
    }


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _child(args: list[str]) -> dict[str, Any]:
    before = _load()
    result = subprocess.run(
        [sys.executable, __file__, *args], check=False, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stderr}")
    out = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    out["load"] = f"load average {before} before, {_load()} after"
    return out


def _postgres() -> tuple[str, Any]:
    url = os.environ.get("PAYMATCH_BENCH_POSTGRES_URL")
    if url:
        return url, None
    from paymatch.testing.stores import (  # noqa: PLC0415
        fresh_postgres_database,
        start_postgres_server,
    )

    server, stop = start_postgres_server()
    return fresh_postgres_database(server), stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--phase", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "memory":
            out = phase_memory(args.orders, args.postings)
        elif name == "intake":
            out = phase_intake(rest[0], args.orders)
        else:
            out = phase_store(rest[0], args.orders, args.postings)
        print(json.dumps(out))
        return
    sizes = ["--orders", str(args.orders), "--postings", str(args.postings)]
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; {args.orders:,} orders, {args.postings:,} postings"
    )
    memory = _child([*sizes, "--phase", "memory"])
    print(
        f"in memory ({memory['matcher']}): index {memory['index_s']:.1f} s, match "
        f"{memory['match_s']:.1f} s, total {memory['total_s']:.1f} s "
        f"({args.postings / memory['match_s']:,.0f} postings/s), "
        f"CPU {memory['total_cpu_s']:.1f} s, peak {memory['peak_mib']:.0f} MiB; "
        f"{memory['decisions']} ({memory['load']})"
    )
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        stop = None
        folder = None
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix="paymatch-bench-")
            url = f"sqlite:///{folder}/bench.db"
        else:
            url, stop = _postgres()
        try:
            intake = _child([*sizes, "--phase", "intake", url])
            store = _child([*sizes, "--phase", "store", url])
        finally:
            if stop is not None:
                stop()
            if folder is not None:  # the store of a million orders is 1.8 GB
                shutil.rmtree(folder, ignore_errors=True)
        ratio = store["import_s"] / memory["total_s"]
        cpu_ratio = store["import_cpu_s"] / memory["total_cpu_s"]
        print(
            f"{backend}: intake of the orders {intake['intake_s']:.1f} s "
            f"({args.orders / intake['intake_s']:,.0f} orders/s, "
            f"CPU {intake['intake_cpu_s']:.1f} s, peak {intake['peak_mib']:.0f} MiB; "
            f"{intake['load']}); "
            f"import+match+commit {store['import_s']:.1f} s "
            f"({args.postings / store['import_s']:,.0f} postings/s), peak "
            f"{store['peak_mib']:.0f} MiB; CPU {store['import_cpu_s']:.1f} s; {ratio:.2f}x the "
            f"in-memory time ({cpu_ratio:.2f}x its CPU time); "
            f"assigned {store['assigned']}, partial {store['partial']}, suggested "
            f"{store['suggested']}, unmatched {store['unmatched']} ({store['load']})"
        )


if __name__ == "__main__":
    main()
