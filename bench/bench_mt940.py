"""MT940 import speed: generate a German MT940 file with N transactions and stream it.

Usage: python bench/bench_mt940.py [N] [--per-statement K]   (default 1,000,000 and 1,000)
       python bench/bench_mt940.py N --write FILE   (only write the file, e.g. for a profiler)

The file looks like a German bank's export (DK "MT940 Deutschland"): statements of K
transactions with ``:61:`` lines (credits and debits, entry dates, bank references) and
structured ``:86:`` fields wrapped at 65 characters, with SEPA tags, umlauts in names (UTF-8)
and a counterparty IBAN and BIC. ``paymatch.connectors.bank.iter_statement`` reads it the way
``paymatch postings`` does: format and encoding detected, every posting built and handed out.

Prints postings/s by wall clock and by CPU time of this process (on a shared machine the CPU
figure is the steadier one), the ratio to a bare pass that only decodes and iterates the
file's lines, the peak RSS and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from paymatch.connectors.bank import iter_statement
from paymatch.core.models import Posting

CREDIT = ("C", "166", "GUTSCHRIFT")
DEBIT = ("D", "105", "FOLGELASTSCHRIFT")
NAMES = ("Jana Müller", "Peter Schäfer GmbH", "Özlem Yılmaz", "Max Mustermann", "Anna Groß")


def _wrap(text: str, width: int = 65) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def generate(path: Path, count: int, per_statement: int = 1000) -> None:
    with path.open("w", encoding="utf-8") as out:
        for first in range(0, count, per_statement):
            number = first // per_statement
            out.write(f":20:STMT{number}\n:25:DE89370400440532013000\n:28C:{number % 1000}/1\n")
            out.write(":60F:C260101EUR0,00\n")
            balance = 0
            for i in range(first, min(first + per_statement, count)):
                cents = 100 + (i * 7919) % 900_000
                debit = i % 5 == 0
                balance += -cents if debit else cents
                mark, gvc, text = DEBIT if debit else CREDIT
                reference = "NONREF" if i % 3 else f"KREF{i}"
                out.write(
                    f":61:2601020102{mark}{cents // 100},{cents % 100:02d}NTRF{reference}//B{i}\n"
                )
                name = NAMES[i % len(NAMES)]
                details = (
                    f"{gvc}?00SEPA-{text}?109310?20EREF+E2E{i:09d}?21SVWZ+Bestellung {i} vom 0"
                    f"1.01.?22 2026 Kundennr. {i % 9973}?30COBADEFFXXX?31DE8937040044053201"
                    f"3000?32{name}?34997"
                )
                out.write(f":86:{_wrap(details)}\n")
            mark = "D" if balance < 0 else "C"
            amount = abs(balance)
            out.write(f":62F:{mark}260102EUR{amount // 100},{amount % 100:02d}\n-\n")


def bare_pass(path: Path) -> float:
    """Seconds to decode and iterate the file's lines: the floor of any line-based reader."""
    start = time.perf_counter()
    with path.open(encoding="utf-8") as lines:
        for _ in lines:
            pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--per-statement", type=int, default=1000)
    parser.add_argument("--write", type=Path, help="only write the generated file here")
    args = parser.parse_args()
    if args.write:
        generate(args.write, args.count, args.per_statement)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sta"
        generate(path, args.count, args.per_statement)
        size = path.stat().st_size
        bare = min(bare_pass(path) for _ in range(3))
        load_before = os.getloadavg()[0]
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        postings = sum(1 for record in iter_statement(path) if isinstance(record, Posting))
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
        load_after = os.getloadavg()[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{postings:,} postings from {size / 1e6:.0f} MB ({args.per_statement:,} per statement)\n"
        f"wall: {wall:.1f} s = {postings / wall:,.0f} postings/s\n"
        f"cpu:  {cpu:.1f} s = {postings / cpu:,.0f} postings/s\n"
        f"bare line pass: {bare:.2f} s; ratio {wall / bare:.1f}\n"
        f"peak RSS {peak:.0f} MB; load average {load_before:.1f} before, {load_after:.1f} after"
    )


if __name__ == "__main__":
    main()
