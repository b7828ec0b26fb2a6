"""Stores for tests: an SQLite file and a real PostgreSQL server, for end-to-end tests.

The fixture ``paymatch_store_url`` runs a test twice, on a fresh SQLite file and on a fresh
PostgreSQL database. PostgreSQL comes from ``$PAYMATCH_TEST_POSTGRES_URL`` (the URL of a server's
maintenance database, which the test user may create databases on); without it a throwaway server
is started with ``initdb``/``pg_ctl`` once per test session. Only outside CI (``CI`` unset), and
only when no server can be found or started, is the PostgreSQL variant skipped; in CI that is an
error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

POSTGRES_URL_ENV = "PAYMATCH_TEST_POSTGRES_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def start_postgres_server() -> tuple[str, Callable[[], None]]:
    """Start a throwaway PostgreSQL server on 127.0.0.1: (maintenance-database URL, stop).

    Raises ``RuntimeError`` or ``OSError``/``CalledProcessError`` when it cannot be started.
    """
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
    data = str(root / "data")
    subprocess.run(
        [*prefix, initdb, "-D", data, "-A", "trust", "-U", "paymatch", "--no-sync"],
        check=True,
        capture_output=True,
        cwd="/",  # the server's user may not enter the caller's directory
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        [*prefix, pg_ctl, "-D", data, "-l", str(root / "log"), "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
        cwd="/",
    )

    def stop() -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", data, "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
            cwd="/",
        )
        shutil.rmtree(root, ignore_errors=True)

    return f"postgresql+psycopg://paymatch@127.0.0.1:{port}/postgres", stop


def fresh_postgres_database(server_url: str) -> str:
    """Create an empty database on the server and return its URL."""
    name = "pm_" + uuid.uuid4().hex[:16]
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, url: str) -> None:
    """Drop the database of ``url`` (made by :func:`fresh_postgres_database`), connections and
    all, so that a test run leaves no database behind; a failure is ignored (it is cleanup)."""
    name = make_url(url).database
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except SQLAlchemyError:
        pass
    finally:
        engine.dispose()


@contextmanager
def fresh_postgres(server_url: str) -> Iterator[str]:
    """A fresh database on the server for the ``with`` block; dropped afterwards."""
    url = fresh_postgres_database(server_url)
    try:
        yield url
    finally:
        drop_postgres_database(server_url, url)


@pytest.fixture(scope="session")
def paymatch_postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database (given, or started for the session)."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        yield url
        return
    try:
        url, stop = start_postgres_server()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
        reason = f"no PostgreSQL server (set {POSTGRES_URL_ENV}): {error}"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield url
    finally:
        stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def paymatch_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL: the test runs once on an SQLite file, once on PostgreSQL (a
    database of its own, dropped after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'paymatch.db'}"
        return
    server: str = request.getfixturevalue("paymatch_postgres_server")
    with fresh_postgres(server) as url:
        yield url
