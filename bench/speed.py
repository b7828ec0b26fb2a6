"""Speed of the matcher: index build, matching throughput, peak memory, and the json.loads ratio.

    .venv/bin/python bench/speed.py          # 10^4, 10^5, 10^6 open orders, postings = orders / 10
    .venv/bin/python bench/speed.py --sizes 1000000 --postings 100000

For each size the data set is generated once (cached under bench/.data) and then measured in a
fresh worker process, so that its peak memory (``ru_maxrss``) belongs to that size alone. The
worker goes the way ``paymatch match`` goes: the orders are streamed from their file into the
index, one ``Order`` at a time, never all of them at once.

1. ``json.loads`` baseline: read the three input files line by line and ``json.loads`` each line
   (best of 3, page cache warm). This is the floor any Python matcher reading these files pays.
2. postings load: ``read_postings`` (and the history file).
3. orders load alone: ``iter_orders`` validates every order and drops it (what pydantic costs).
4. load+index streamed from the file: ``Matcher().index(iter_orders(path), history=...)``.
   index = (4) - (3), the index build's own share (by difference, same process).
5. matching: incremental form ``index.match(posting)`` for every posting in arrival order, with
   the heap frozen while it matches as the Reconciler does (``collector.HeapFreeze``; ``--thawed``
   leaves the collector as it is), batch form ``index.match_batch(postings)`` (what
   ``Matcher().match`` does); postings per second.
6. peak RSS of the worker after the index build and at the end.

ratio = (index + matching) / json.loads (as issue 2 defines it); "ratio incl. load" counts the
whole load+index streamed instead of the index alone.

Targets (issue 2): index build <= 15 s, matching >= 20,000 postings/s, peak memory <= 3 GB,
(index build + matching) / json.loads baseline <= 1.5, growth near linear in the open orders.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from evaluation.runner import arrival_order
from generate import ensure
from paymatch import Matcher
from paymatch.core.collector import HeapFreeze
from paymatch.interchange import iter_orders, read_postings
from shopdata import GeneratorConfig

HERE = Path(__file__).resolve().parent
TARGETS = {"index_s": 15.0, "postings_per_s": 20_000.0, "peak_rss_gb": 3.0, "ratio": 1.5}


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (Linux reports kibibytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class Clock:
    """Wall time and this process's CPU time of a stretch of work. On a machine shared with
    other work the CPU time is the steadier figure; the targets are judged on wall time."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def json_baseline(paths: list[Path], repeats: int = 3) -> tuple[float, float]:
    """Wall and CPU seconds to read the files and json.loads every line (best of ``repeats``)."""
    times = []
    for _ in range(repeats):
        with Clock() as clock:
            for path in paths:
                with path.open(encoding="utf-8") as stream:
                    if path.suffix == ".jsonl":
                        for line in stream:
                            json.loads(line)
                    else:
                        json.loads(stream.read())
        times.append((clock.wall, clock.cpu))
    return min(times)


def worker(folder: Path, form: str, *, thawed: bool = False) -> dict[str, Any]:
    """Measure one data set in this (fresh) process."""
    files = [folder / "orders.jsonl", folder / "postings.jsonl", folder / "history.json"]
    for path in files:  # warm the page cache so that no measurement pays for the disk
        path.read_bytes()
    result: dict[str, Any] = {}
    result["json_loads_s"], result["json_loads_cpu_s"] = json_baseline(files)
    gc.collect()
    with Clock() as clock:
        postings = read_postings(files[1])
        history = json.loads(files[2].read_text(encoding="utf-8"))
    result["postings_load_s"] = clock.wall
    with Clock() as orders_load:
        orders = sum(1 for _ in iter_orders(files[0]))
    result["orders_load_s"], result["orders_load_cpu_s"] = orders_load.wall, orders_load.cpu
    result["orders"], result["postings"] = orders, len(postings)
    arriving = arrival_order(postings)
    with Clock() as build:
        index = Matcher().index(iter_orders(files[0]), history=history)
    result["load_index_s"], result["load_index_cpu_s"] = build.wall, build.cpu
    result["index_s"] = max(0.0, build.wall - orders_load.wall)
    result["index_cpu_s"] = max(0.0, build.cpu - orders_load.cpu)
    result["rss_after_index_gb"] = peak_rss_bytes() / 1e9
    crashes = 0
    heap = HeapFreeze()
    with Clock() as matching:
        if form == "incremental":
            if not thawed:
                heap.hold()  # the index (and all else alive) out of the collector's full passes
            for posting in arriving:
                try:
                    index.match(posting)
                except Exception:  # counted and reported; accuracy.py names them
                    crashes += 1
            heap.release()
        else:
            try:
                index.match_batch(postings)
            except Exception as error:
                result["error"] = f"{type(error).__name__}: {error}"
    result["crashes"] = crashes
    result["match_s"], result["match_cpu_s"] = matching.wall, matching.cpu
    result["total_s"] = result["index_s"] + result["match_s"]
    result["ratio"] = result["total_s"] / result["json_loads_s"]
    result["ratio_with_load"] = (build.wall + matching.wall) / result["json_loads_s"]
    total_cpu = result["index_cpu_s"] + result["match_cpu_s"]
    result["ratio_cpu"] = total_cpu / result["json_loads_cpu_s"]
    result["postings_per_s"] = len(postings) / result["match_s"] if result["match_s"] else None
    result["peak_rss_gb"] = peak_rss_bytes() / 1e9
    result["form"] = form if form == "batch" or not thawed else "incremental, thawed"
    return result


def run_worker(folder: Path, form: str, *, thawed: bool = False) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(folder),
        "--form",
        form,
        *(["--thawed"] if thawed else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker failed for {folder}:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # Other processes on the machine slow a run down: say how busy it was.
    result["load_average"] = max(load_before, os.getloadavg()[0])
    return result


def machine() -> str:
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores {platform.machine()} ({model}), {memory:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def row(result: dict[str, Any]) -> str:
    rate = result["postings_per_s"]
    return (
        f"| {result['orders']:,} | {result['postings']:,} | {result['form']} "
        f"| {result['json_loads_s']:.2f} | {result['orders_load_s']:.2f} "
        f"| {result['load_index_s']:.2f} | {result['index_s']:.2f} "
        f"| {result['match_s']:.2f} | {rate:,.0f} | {result['ratio']:.2f} "
        f"| {result['ratio_with_load']:.2f} "
        f"| {result['index_cpu_s']:.2f} | {result['match_cpu_s']:.2f} | {result['ratio_cpu']:.2f} "
        f"| {result['rss_after_index_gb']:.2f} | {result['peak_rss_gb']:.2f} "
        f"| {result['load_average']:.1f} | {result.get('crashes', 0)}"
        f"{' batch crashed: ' + result['error'] if 'error' in result else ''} |"
    )


HEADER = (
    "| open orders | postings | form | json.loads s | orders load s | load+index streamed s "
    "| index s | match s | postings/s | ratio | ratio incl. load | index CPU s | match CPU s "
    "| ratio (CPU) | RSS after index GB | peak RSS GB | load avg | crashes |\n"
    "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def verdict(result: dict[str, Any]) -> list[str]:
    checks = [
        (
            "index build",
            result["index_s"] <= TARGETS["index_s"],
            f"{result['index_s']:.2f} s <= 15 s (load+index streamed: "
            f"{result['load_index_s']:.2f} s)",
        ),
        (
            "matching",
            (result["postings_per_s"] or 0) >= TARGETS["postings_per_s"],
            f"{result['postings_per_s']:,.0f} postings/s >= 20,000",
        ),
        (
            "peak memory",
            result["peak_rss_gb"] <= TARGETS["peak_rss_gb"],
            f"{result['peak_rss_gb']:.2f} GB <= 3 GB",
        ),
        ("ratio", result["ratio"] <= TARGETS["ratio"], f"{result['ratio']:.2f} <= 1.5"),
    ]
    return [f"- {name}: {text} — {'met' if ok else 'MISSED'}" for name, ok, text in checks]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000", help="open orders per run")
    parser.add_argument(
        "--postings", type=int, help="postings per run (default: a tenth of the orders)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--form", choices=["incremental", "batch", "both"], default="incremental")
    parser.add_argument(
        "--thawed",
        action="store_true",
        help="incremental form without freezing the heap while matching",
    )
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.form, thawed=args.thawed)))
        return 0

    forms = ["incremental", "batch"] if args.form == "both" else [args.form]
    print(f"machine: {machine()}\n")
    print(HEADER)
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        postings = args.postings or max(1_000, size // 10)
        folder = ensure(GeneratorConfig(seed=args.seed, orders=size, postings=postings))
        for form in forms:
            result = run_worker(folder, form, thawed=args.thawed)
            results.append(result)
            print(row(result), flush=True)
    print()
    largest = max(results, key=lambda r: (r["orders"], r["postings"]))
    print(f"targets at {largest['orders']:,} open orders / {largest['postings']:,} postings:")
    lines = verdict(largest)
    print("\n".join(lines))
    by_form: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_form.setdefault(result["form"], []).append(result)
    for form, runs in by_form.items():
        if len(runs) > 1:
            runs.sort(key=lambda r: r["orders"])
            growth = [
                (b["index_s"] / a["index_s"] if a["index_s"] else float("nan"))
                / (b["orders"] / a["orders"])
                for a, b in itertools.pairwise(runs)
            ]
            print(
                f"{form}: index time per order, each step relative to the previous size "
                f"(1.0 = linear): {', '.join(f'{g:.2f}' for g in growth)}; "
                "per-posting time: "
                + ", ".join(f"{1e6 / r['postings_per_s']:.1f} µs" for r in runs)
            )
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine(), "runs": results}, indent=2) + "\n", encoding="utf-8"
        )
    missed = any("MISSED" in line for line in lines)
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
