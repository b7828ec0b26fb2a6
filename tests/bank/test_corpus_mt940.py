"""Every MT940/MT942 sample in ../shared/bank-samples against what its source expects."""

from __future__ import annotations

import importlib.util
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

# Known disagreements left open (reported in docs/benchmarks.md), each with its reason.
KNOWN_OPEN = {
    "wolph-mt940/betterplace/sepa_mt9401.sta": "one SVWZ text with '?' inside differs from mt-940",
    "bundesbank-samples-via-php-financial-formats/MT/MT/example.mt942": (
        "synthetic :34F:EUR0,00DFLOORLIMITIND is refused as a malformed floor limit"
    ),
}
_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "bank-samples"
_CASES = corpus_checks.mt940_cases(_ROOT) if _ROOT.is_dir() else []


@pytest.mark.parametrize("case", _CASES, ids=[c.id for c in _CASES])
def test_sample(case: object, bank_samples: Path) -> None:
    outcome = corpus_checks.run(case, bank_samples)
    if case.id in KNOWN_OPEN:  # type: ignore[attr-defined]
        pytest.xfail(KNOWN_OPEN[case.id])  # type: ignore[attr-defined]
    assert outcome.status in {"agreed", "rejected", "parsed"}, outcome.problems


def test_every_source_is_covered(bank_samples: Path) -> None:
    sources = {c.source for c in corpus_checks.mt940_cases(bank_samples)}
    assert sources == {
        "wolph-mt940",
        "svenstaro-mt940-rs",
        "jejik-mt940",
        "oca-bank-statement-import-mt940",
        "pretix-banktransfer",
        "bundesbank-samples-via-php-financial-formats",
    }
