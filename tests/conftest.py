"""Store fixtures: every store test runs against SQLite and against a real PostgreSQL server.

They are the fixtures of ``paymatch.testing`` (module ``paymatch.testing.stores``) under the
names the core tests use. PostgreSQL comes from ``$PAYMATCH_TEST_POSTGRES_URL`` (CI:
``.ci/postgres.sh``); without it a throwaway server is started with initdb/pg_ctl. Only outside
CI, and only when no server can be found or started, are the PostgreSQL variants skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from paymatch.testing.stores import fresh_postgres

# tests/doubles.py (the matcher and lifecycle stand-ins) is imported as ``doubles``.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def postgres_server(paymatch_postgres_server: str) -> str:
    """URL of a PostgreSQL server's maintenance database."""
    return paymatch_postgres_server


@pytest.fixture
def store_url(paymatch_store_url: str) -> str:
    """A fresh, empty store URL: each test runs once on SQLite and once on PostgreSQL."""
    return paymatch_store_url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database (for tests that need PostgreSQL itself, e.g. concurrency)."""
    with fresh_postgres(postgres_server) as url:
        yield url
