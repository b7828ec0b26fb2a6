"""What the matcher's index of a data set weighs, and what it costs the garbage collector.

    PYTHONPATH=src .venv/bin/python bench/index_memory.py bench/.data/o100000-p10000-s1-*
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/index_memory.py DIR   # compare

Builds ``Matcher().index(...)`` from the data set's ``orders.jsonl`` (streamed where the code has
``interchange.iter_orders``, else from a list) and prints: the bytes ``tracemalloc`` sees
allocated for the index after the build (the orders' own strings included), the objects the
cyclic garbage collector tracks because of it, the CPU time of one full collection
(``gc.collect()``, what the first full pass after a build costs), the peak RSS, and the lines
that allocated most.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from paymatch import Matcher, interchange


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="a data set folder (bench/generate.py)")
    parser.add_argument("--top", type=int, default=8, help="allocating lines to show")
    args = parser.parse_args()
    orders_path = args.folder / "orders.jsonl"
    history = json.loads((args.folder / "history.json").read_text(encoding="utf-8"))
    reader = getattr(interchange, "iter_orders", interchange.read_orders)
    gc.collect()
    tracked_before = len(gc.get_objects())
    tracemalloc.start()
    index = Matcher().index(reader(orders_path), history=history)
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    stats = snapshot.statistics("lineno")
    traced = sum(stat.size for stat in stats)
    objects = gc.get_objects()
    kinds = Counter(type(obj).__name__ for obj in objects).most_common(4)
    tracked = len(objects) - tracked_before
    del objects
    started = time.process_time()
    gc.collect()
    full_pass = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_bytes = peak if sys.platform == "darwin" else peak * 1024
    orders = len(index)
    print(f"{orders:,} orders indexed")
    print(f"traced after the build: {traced / 1e6:.1f} MB ({traced / orders:.0f} bytes an order)")
    print(f"objects the collector tracks for it: {tracked:,} ({tracked / orders:.1f} an order)")
    print(f"  most: {', '.join(f'{name} {count:,}' for name, count in kinds)}")
    print(f"one full collection: {full_pass:.2f} s CPU")
    print(f"peak RSS: {peak_bytes / 1e9:.2f} GB (tracemalloc's own bookkeeping included)")
    for stat in stats[: args.top]:
        frame = stat.traceback[0]
        print(f"  {stat.size / 1e6:8.1f} MB {stat.count:>10,}  {frame.filename}:{frame.lineno}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
