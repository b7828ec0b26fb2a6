"""Fixtures shared by every test suite in this repository (core and plugins)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests explore new examples on every run on a developer's machine, where a new
# counterexample is a finding; in CI they replay a fixed set, so that a change lands or fails on
# its own merits, not on the luck of the draw. No deadline: this machine is shared and slow.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if IN_CI else "dev")


@pytest.fixture(scope="session")
def bank_samples() -> Path:
    """The shared bank statement samples: ``$PAYMATCH_BANK_SAMPLES`` or ``../shared/bank-samples``.

    They are never copied into the project. Outside CI a missing folder skips the corpus tests;
    in CI it is an error, because CI always provides them.
    """
    path = Path(
        os.environ.get("PAYMATCH_BANK_SAMPLES", REPO_ROOT.parent / "shared" / "bank-samples")
    )
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"bank samples not found at {path} (set PAYMATCH_BANK_SAMPLES)")
        pytest.skip(f"bank samples not found at {path} (set PAYMATCH_BANK_SAMPLES)")
    return path


@pytest.fixture(scope="session")
def connector_specs() -> Path:
    """Connector specs and real payloads: ``$PAYMATCH_CONNECTOR_SPECS`` or ``../shared``."""
    path = Path(
        os.environ.get("PAYMATCH_CONNECTOR_SPECS", REPO_ROOT.parent / "shared" / "connector-specs")
    )
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"connector specs not found at {path} (set PAYMATCH_CONNECTOR_SPECS)")
        pytest.skip(f"connector specs not found at {path} (set PAYMATCH_CONNECTOR_SPECS)")
    return path
