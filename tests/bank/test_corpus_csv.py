"""Every CSV sample in ../shared/bank-samples against what its source expects."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "corpus_checks", Path(__file__).with_name("corpus_checks.py")
)
assert _spec is not None
assert _spec.loader is not None
corpus_checks = importlib.util.module_from_spec(_spec)
sys.modules["corpus_checks"] = corpus_checks
_spec.loader.exec_module(corpus_checks)

_ROOT = Path(
    os.environ.get(
        "PAYMATCH_BANK_SAMPLES", Path(__file__).resolve().parents[2].parent / "shared/bank-samples"
    )
)
_CASES = corpus_checks.csv_cases(_ROOT) if _ROOT.is_dir() else []


@pytest.mark.parametrize("case", _CASES, ids=[c.id for c in _CASES])
def test_sample(case: object, bank_samples: Path) -> None:
    outcome = corpus_checks.run(case, bank_samples)
    assert outcome.status in {"agreed", "rejected", "parsed"}, outcome.problems
    assert outcome.artefacts <= corpus_checks.ARTEFACTS.keys()


def test_every_source_is_covered(bank_samples: Path) -> None:
    sources = {c.source for c in corpus_checks.csv_cases(bank_samples)}
    assert sources == {"pretix-banktransfer", "oca-bank-statement-import-sheet-csv"}
