"""Store fixtures: every store test runs against SQLite and against a real PostgreSQL server.

PostgreSQL comes from ``$PAYMATCH_TEST_POSTGRES_URL`` (CI: ``.ci/postgres.sh``); without it the
fixture starts a throwaway server with initdb/pg_ctl. Only outside CI, and only when no server
can be found or started, are the PostgreSQL variants skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# tests/doubles.py (the matcher and lifecycle stand-ins) is imported as ``doubles``.
sys.path.insert(0, str(Path(__file__).resolve().parent))

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def _start_server() -> tuple[str, object]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("initdb/pg_ctl not found")
    root = Path(tempfile.mkdtemp(prefix="paymatch-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        subprocess.run(["id", "postgres"], check=True, capture_output=True)
        shutil.chown(root, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    subprocess.run(
        [*prefix, initdb, "-D", str(root / "data"), "-A", "trust", "-U", "paymatch", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        [
            *prefix,
            pg_ctl,
            "-D",
            str(root / "data"),
            "-l",
            str(root / "log"),
            "-w",
            "-o",
            options,
            "start",
        ],
        check=True,
        capture_output=True,
    )

    def stop() -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(root / "data"), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)

    return f"postgresql+psycopg://paymatch@127.0.0.1:{port}/postgres", stop


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
    url = os.environ.get("PAYMATCH_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    try:
        url, stop = _start_server()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
        if IN_CI:
            pytest.fail(f"no PostgreSQL server for the store tests: {error}")
        pytest.skip(f"no PostgreSQL server found or startable: {error}")
    try:
        yield url
    finally:
        stop()  # type: ignore[operator]


def fresh_postgres_database(server_url: str) -> str:
    """Create an empty database on the server and return its URL."""
    name = "pm_" + uuid.uuid4().hex[:16]
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store URL: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'paymatch.db'}"
    server = request.getfixturevalue("postgres_server")
    return fresh_postgres_database(server)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh PostgreSQL database (for tests that need PostgreSQL itself, e.g. concurrency)."""
    return fresh_postgres_database(postgres_server)
