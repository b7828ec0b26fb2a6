"""Pass rate per source over the bank sample corpus, reusing tests/bank/corpus_checks.py.

Usage: python bench/corpus_report.py [path-to-bank-samples]
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "bank"))
import corpus_checks as checks  # noqa: E402 - found through the line above

COLUMNS = (
    ("agreed", "agreed"),
    ("agreed, with documented gaps", "agreed, documented gaps"),
    ("rejected", "rejected as intended"),
    ("read on purpose", "read on purpose (source expects an error)"),
    ("parsed", "parsed (no expectation)"),
    ("failed", "failed"),
)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else checks.samples_root()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in checks.mt940_cases(root) + checks.csv_cases(root):
        outcome = checks.run(case, root)
        counts[case.source][outcome.status] += 1
        counts[case.source]["values compared"] += outcome.compared
    header = ["source", "files", *(title for _, title in COLUMNS), "values compared"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for source, c in sorted(counts.items()):
        files = sum(c[status] for status, _ in COLUMNS)
        cells = [files, *(c[status] for status, _ in COLUMNS), c["values compared"]]
        print(f"| {source} | " + " | ".join(f"{cell:,}" for cell in cells) + " |")


if __name__ == "__main__":
    main()
