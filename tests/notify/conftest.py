"""Fixtures for the notification tests (shared data in notify_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_helpers import ACCOUNTS, POLICY, notify_config

from paymatch.core.policy import PolicyConfig, parse_policy_config
from paymatch.notify.compose import Composer


@pytest.fixture
def policies() -> PolicyConfig:
    return parse_policy_config(POLICY)


@pytest.fixture
def composer(policies: PolicyConfig) -> Composer:
    return Composer(notify_config(), ACCOUNTS, policies)
