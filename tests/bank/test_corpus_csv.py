"""Every CSV sample in ../shared/bank-samples against what its source expects."""

from __future__ import annotations

from pathlib import Path

import corpus_checks  # tests/bank/corpus_checks.py, on sys.path by tests/bank/conftest.py
import pytest

_ROOT = corpus_checks.samples_root()
_CASES = corpus_checks.csv_cases(_ROOT) if _ROOT.is_dir() else []


@pytest.mark.parametrize("case", _CASES, ids=[c.id for c in _CASES])
def test_sample(case: object, bank_samples: Path) -> None:
    outcome = corpus_checks.run(case, bank_samples)
    assert outcome.status in {"agreed", "rejected", "parsed"}, outcome.problems
    assert outcome.artefacts <= corpus_checks.ARTEFACTS.keys()


def test_every_source_is_covered(bank_samples: Path) -> None:
    sources = {c.source for c in corpus_checks.csv_cases(bank_samples)}
    assert sources == {"pretix-banktransfer", "oca-bank-statement-import-sheet-csv"}
