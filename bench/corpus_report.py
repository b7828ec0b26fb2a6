"""Pass rate per source over the bank sample corpus, reusing tests/bank/corpus_checks.py.

Usage: python bench/corpus_report.py [path-to-bank-samples]
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location(
    "corpus_checks", HERE.parent / "tests/bank/corpus_checks.py"
)
assert spec is not None
assert spec.loader is not None
checks = importlib.util.module_from_spec(spec)
sys.modules["corpus_checks"] = checks
spec.loader.exec_module(checks)


def main() -> None:
    default = os.environ.get("PAYMATCH_BANK_SAMPLES", HERE.parent.parent / "shared/bank-samples")
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(default)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in checks.mt940_cases(root) + checks.csv_cases(root):
        counts[case.source][checks.run(case, root).status] += 1
    print("| source | files | agreed | rejected as intended | parsed (no expectation) | failed |")
    print("|---|---|---|---|---|---|")
    for source, c in sorted(counts.items()):
        cells = [sum(c.values()), c["agreed"], c["rejected"], c["parsed"], c["failed"]]
        print(f"| {source} | " + " | ".join(str(cell) for cell in cells) + " |")


if __name__ == "__main__":
    main()
