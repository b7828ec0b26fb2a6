"""Generate an MT940 file with N transactions and stream it through iter_statement.

Usage: python bench/bench_mt940.py [N]   (default 1,000,000). Prints postings/s and peak RSS.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from paymatch.connectors.bank import iter_statement


def generate(path: Path, count: int) -> None:
    per_statement = 1000
    with path.open("w", encoding="utf-8") as out:
        for s in range(0, count, per_statement):
            out.write(f":20:STMT{s}\n:25:DE89370400440532013000\n:28C:{s // per_statement}/1\n")
            out.write(":60F:C260101EUR0,00\n")
            total = 0
            for i in range(s, min(s + per_statement, count)):
                cents = 100 + i % 9000
                total += cents
                out.write(f":61:2601020102C{cents // 100},{cents % 100:02d}NTRFNONREF//B{i}\n")
                out.write(
                    f":86:166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E{i}?21SVWZ+Bestellung {i}"
                    f"?30COBADEFFXXX?31DE89370400440532013000?32Kunde {i}\n"
                )
            out.write(f":62F:C260102EUR{total // 100},{total % 100:02d}\n-\n")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sta"
        generate(path, count)
        size = path.stat().st_size
        start = time.perf_counter()
        postings = sum(1 for r in iter_statement(path) if hasattr(r, "remittance"))
        elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{postings} postings from {size / 1e6:.0f} MB in {elapsed:.1f} s: "
        f"{postings / elapsed:,.0f} postings/s, peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
