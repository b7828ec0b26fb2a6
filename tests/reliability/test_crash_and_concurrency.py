"""Crash safety (SIGKILL at random points) and concurrent workers on one PostgreSQL store."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from checks import check_invariants
from workload import make_workload

CRASH_ORDERS = 600
WORKER = Path(__file__).resolve().parent / "workload.py"


def _spawn(url: str, workload, worker: str, seed: int = 0) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            str(WORKER),
            "--url",
            url,
            "--orders",
            str(workload.orders),
            "--worker",
            worker,
            "--seed",
            str(seed),
            *map(str, workload.statements),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_repeats_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    workload = make_workload(tmp_path, orders=CRASH_ORDERS)
    rng = random.Random(int(os.environ.get("PAYMATCH_CRASH_SEED", "20261102")))
    kills = rounds = 0
    while kills < 50:
        process = _spawn(url, workload, "crash-worker")
        time.sleep(rng.uniform(0.4, 1.6))  # startup takes ~0.4 s; then somewhere in the work
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        else:
            assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
            # all done: check, then start over on a fresh store so that every kill hits work
            check_invariants(url, workload)
            rounds += 1
            tmp = tmp_path / f"round-{rounds}"
            tmp.mkdir()
            url = f"sqlite:///{tmp / 'store.db'}"
            workload = make_workload(tmp, orders=CRASH_ORDERS)
    process = _spawn(url, workload, "crash-worker")
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    check_invariants(url, workload)
    assert kills >= 50


@pytest.mark.slow
def test_four_workers_on_postgresql_never_double_assign_or_write_twice(
    tmp_path: Path, postgres_url: str
) -> None:
    workload = make_workload(tmp_path, orders=150)
    processes = [_spawn(postgres_url, workload, f"worker-{n}", seed=n + 1) for n in range(4)]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    check_invariants(postgres_url, workload)
