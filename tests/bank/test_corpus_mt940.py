"""Every MT940/MT942 sample in ../shared/bank-samples against what its source expects."""

from __future__ import annotations

from pathlib import Path

import corpus_checks  # tests/bank/corpus_checks.py, on sys.path by tests/bank/conftest.py
import pytest

_ROOT = corpus_checks.samples_root()
_CASES = corpus_checks.mt940_cases(_ROOT) if _ROOT.is_dir() else []
_DONE = {"agreed", "agreed, with documented gaps", "rejected", "read on purpose", "parsed"}


@pytest.mark.parametrize("case", _CASES, ids=[c.id for c in _CASES])
def test_sample(case: object, bank_samples: Path) -> None:
    outcome = corpus_checks.run(case, bank_samples)
    assert outcome.status in _DONE, outcome.problems
    # Every artefact and gap a check relies on is documented.
    assert outcome.artefacts <= corpus_checks.ARTEFACTS.keys()
    assert outcome.gaps <= corpus_checks.GAPS.keys()


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


def test_sources_with_expectations_are_compared(bank_samples: Path) -> None:
    # The sources that state values for their files: each of those files is compared value by
    # value (a source whose expectations are no longer read would show up as "parsed").
    compared: dict[str, int] = {}
    for case in corpus_checks.mt940_cases(bank_samples):
        outcome = corpus_checks.run(case, bank_samples)
        if outcome.status.startswith("agreed"):
            compared[case.source] = compared.get(case.source, 0) + outcome.compared
    for source in ("wolph-mt940", "svenstaro-mt940-rs", "jejik-mt940", "pretix-banktransfer"):
        assert compared.get(source, 0) > 50, source
