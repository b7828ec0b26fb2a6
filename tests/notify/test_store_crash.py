"""Every message through the Store's outbox, the worker killed with SIGKILL at random points
at least 50 times: no message lost, none sent twice except in the documented window."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from smtp_server import SmtpServer
from sqlalchemy import select

from paymatch.core.store import Store
from paymatch.core.store.schema import notifications, outbox

WORKER = Path(__file__).resolve().parent / "store_crash_worker.py"
ORDERS = 30
FINAL = {"delivered", "obsolete", "recorded", "failed"}


def _spawn(url: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, str(port), str(ORDERS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_at_random_points_loses_no_message_and_repeats_only_in_the_window(
    tmp_path: Path,
) -> None:
    rng = random.Random(int(os.environ.get("PAYMATCH_CRASH_SEED", "20261126")))
    kills = rounds = 0
    stats: list[tuple[int, int, int]] = []
    with SmtpServer(tmp_path, mode="plain") as server:
        url = f"sqlite:///{tmp_path / 'store-0.db'}"
        while kills < 50:
            process = _spawn(url, server.port)
            assert process.stdout is not None
            process.stdout.readline()  # opened and connected: from here on it works
            time.sleep(rng.uniform(0, 0.9))  # a full run works for 1-2 s
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                continue
            _, err = process.communicate()
            assert process.returncode == 0, err.decode()
            stats.append(_check(url, server))
            rounds += 1
            url = f"sqlite:///{tmp_path / f'store-{rounds}.db'}"
        process = _spawn(url, server.port)
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        stats.append(_check(url, server))
    assert kills >= 50
    print(f"(messages, interrupted hand-overs, repeated) per round: {stats}")


def _check(url: str, server: SmtpServer) -> tuple[int, int, int]:
    store = Store.open(url)
    try:
        with store.reading() as conn:
            rows = list(conn.execute(select(notifications)).mappings())
            pending = conn.execute(select(outbox.c.id).where(outbox.c.status == "pending")).all()
    finally:
        store.close()
    assert pending == [], "outbox work left undone"
    assert all(row["status"] in FINAL for row in rows), Counter(r["status"] for r in rows)
    delivered = {row["message_id"]: row for row in rows if row["status"] == "delivered"}
    assert all(row["handed_over_at"] is not None for row in delivered.values())
    kinds = Counter(row["kind"] for row in rows)
    assert kinds["payment_information"] == ORDERS
    assert kinds["reminder"] > 0
    arrived = Counter(received.message["Message-ID"] for received in server.received)
    assert set(arrived) == set(delivered), "a message was lost, or one not recorded arrived"
    repeated = {mid: n for mid, n in arrived.items() if n > 1}
    for mid, count in repeated.items():
        assert delivered[mid]["interrupted"] >= count - 1, f"{mid} sent twice outside the window"
    server.handler.received.clear()  # the next round uses the same ids and times
    return len(delivered), sum(row["interrupted"] for row in rows), len(repeated)
