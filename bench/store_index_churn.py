"""What the indexes of ``orders`` cost when an import marks orders paid (SQLite).

    .venv/bin/python bench/bench_store.py --orders 1000000 --phase intake sqlite:////tmp/s.db
    .venv/bin/python bench/store_index_churn.py /tmp/s.db [--updates 80000]

On a copy of the store per variant, updates ``--updates`` random orders the way an import's
flush does (state, sequence number, next due time, paid amount, lifecycle snapshot; in
transactions of 1,600 orders, the assignments of one 2,000-posting chunk) on a connection with
the store's own SQLite settings, once with every index, once with each of the three that change
on payment dropped, and once with none of them. Prints CPU and wall seconds per variant. The
store file itself is never changed.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from paymatch.core.store.engine import create_store_engine

CHANGING = ("ix_orders_seq", "ix_orders_state", "ix_orders_next_due_at")
PER_TRANSACTION = 1600


def run(store: Path, updates: int, dropped: tuple[str, ...]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="paymatch-churn-") as folder:
        copy = Path(folder) / "store.db"
        # SQLite's backup: a consistent copy, also of what is still in the store's WAL file
        source = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            with sqlite3.connect(copy) as target:
                source.backup(target)
            target.close()
        finally:
            source.close()
        # the store's own connection settings (WAL, checkpoints, cache), as an import has them
        engine = create_store_engine(f"sqlite:///{copy}")
        raw = engine.raw_connection()
        con = raw.driver_connection
        try:
            for name in dropped:
                con.execute(f"DROP INDEX {name}")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            last = con.execute("SELECT max(id) FROM orders").fetchone()[0]
            pks = random.Random(1).sample(range(1, last + 1), updates)
            snapshot = con.execute("SELECT lifecycle FROM orders LIMIT 1").fetchone()[0]
            statement = (
                "UPDATE orders SET state = 'paid', seq = ?, next_due_at = NULL, "
                "paid_minor = amount_minor, lifecycle = ?, updated_at = ? WHERE id = ?"
            )
            cpu, wall = time.process_time(), time.perf_counter()
            for start in range(0, updates, PER_TRANSACTION):
                con.execute("BEGIN IMMEDIATE")
                con.executemany(
                    statement,
                    [
                        (10**9 + start, snapshot, "2026-11-20 08:00:00", pk)
                        for pk in pks[start : start + PER_TRANSACTION]
                    ],
                )
                con.execute("COMMIT")
            return time.process_time() - cpu, time.perf_counter() - wall
        finally:
            raw.close()
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="an SQLite store file (not changed)")
    parser.add_argument("--updates", type=int, default=80_000)
    args = parser.parse_args()
    variants = [("every index", ())]
    variants += [(f"without {name}", (name,)) for name in CHANGING]
    variants.append(("without all three", CHANGING))
    for label, dropped in variants:
        cpu, wall = run(args.store, args.updates, dropped)
        print(f"{label:32s} CPU {cpu:6.2f} s  wall {wall:6.2f} s")


if __name__ == "__main__":
    main()
