"""Per-source pass counts of the bank-sample corpus tests, printed after the test run."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# The corpus checks (tests/bank/corpus_checks.py) are shared by the corpus tests and
# bench/corpus_report.py; with --import-mode=importlib a sibling module is imported by name only
# from sys.path.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

_CORPUS_ID = re.compile(r"test_corpus_\w+\.py::test_\w+\[(?P<source>[^/\]]+)/")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            match = _CORPUS_ID.search(getattr(report, "nodeid", ""))
            if match is None or getattr(report, "when", "call") not in {"call", "setup"}:
                continue
            if outcome == "passed" and report.when != "call":
                continue
            total[match["source"]] += 1
            passed[match["source"]] += outcome == "passed"
    if total:
        terminalreporter.section("bank sample corpus: files passed per source")
        for source in sorted(total):
            terminalreporter.write_line(f"{source}: {passed[source]}/{total[source]}")
