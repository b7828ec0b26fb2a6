"""A sender killed with SIGKILL at random points: no message lost, none sent twice except in
the documented window (killed between the server's acceptance and the journal's commit)."""

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
from notify_helpers import NOW, make_order
from smtp_server import SmtpServer
from sqlite_journal import SqliteJournal

from paymatch.core.events import SendPaymentInformation
from paymatch.notify.compose import Composer
from paymatch.notify.delivery import DeliveryResult, Outcome
from paymatch.notify.handover import HandoverRecord, hand_over_once

WORKER = Path(__file__).resolve().parent / "crash_sender.py"
MESSAGES = 150
STATS: list[tuple[int, int, int]] = []
"""(round, interrupted hand-overs, messages that arrived twice): printed with ``-s``."""


def _spawn(journal: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(journal), str(port), str(MESSAGES)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing_and_repeats_only_in_the_window(
    tmp_path: Path,
) -> None:
    rng = random.Random(int(os.environ.get("PAYMATCH_CRASH_SEED", "6")))
    kills = rounds = 0
    with SmtpServer(tmp_path, mode="plain") as server:
        journal_path = tmp_path / "journal-0.db"
        while kills < 50:
            process = _spawn(journal_path, server.port)
            assert process.stdout is not None
            process.stdout.readline()  # set up: from here on it sends
            time.sleep(rng.uniform(0, 0.4))  # somewhere in the sending
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                continue
            assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
            _check(journal_path, server, rounds)
            rounds += 1
            journal_path = tmp_path / f"journal-{rounds}.db"
        process = _spawn(journal_path, server.port)
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        _check(journal_path, server, rounds)
    assert kills >= 50
    print(f"rounds (round, interrupted, repeated): {STATS}")


def _check(journal_path: Path, server: SmtpServer, round_number: int) -> None:
    records = SqliteJournal(journal_path).all()
    assert len(records) == MESSAGES
    assert all(r.handed_over_at is not None for r in records.values()), "a message was lost"
    by_message_id = {r.message_id: r for r in records.values()}
    arrived = Counter(
        received.message["Message-ID"]
        for received in server.received
        if received.message["Message-ID"] in by_message_id
    )
    assert set(arrived) == set(by_message_id), "a message never reached the server"
    repeated = {mid for mid, count in arrived.items() if count > 1}
    for mid in repeated:
        assert by_message_id[mid].interrupted >= arrived[mid] - 1, f"{mid} sent twice"
    # every round sends the same notifications (same Message-IDs): start the next one afresh
    server.handler.received.clear()
    STATS.append((round_number, sum(r.interrupted for r in records.values()), len(repeated)))


class _Journal:
    def __init__(self) -> None:
        self.records: dict[str, HandoverRecord] = {}

    def get(self, notification_id: str) -> HandoverRecord | None:
        return self.records.get(notification_id)

    def begin(self, notification_id: str, message_id: str | None, at: object) -> None:
        old = self.records.get(notification_id)
        self.records[notification_id] = HandoverRecord(
            notification_id, message_id, NOW, None, interrupted=(old.interrupted + 1) if old else 0
        )

    def finish(
        self, notification_id: str, *, channel: str | None, receipt: str | None, at: object
    ) -> None:
        old = self.records[notification_id]
        self.records[notification_id] = HandoverRecord(
            notification_id, old.message_id, old.started_at, NOW, channel, receipt, old.interrupted
        )


class _CountingDeliverer:
    def __init__(self) -> None:
        self.calls = 0

    def deliver(self, notification: object, **kw: object) -> DeliveryResult:
        self.calls += 1
        handed_over = kw["handed_over"]
        handed_over("smtp", "accepted")  # type: ignore[operator]
        return DeliveryResult(Outcome.DELIVERED, "smtp", "accepted")


def test_a_finished_hand_over_is_never_repeated(composer: Composer) -> None:
    message = composer.customer_message(
        SendPaymentInformation(reason="new_order", currency="EUR", open_amount="1.00"),
        make_order(),
        id="n",
        now=NOW,
    )
    journal, deliverer = _Journal(), _CountingDeliverer()
    first = hand_over_once(journal, deliverer, message, attempt=1, now=NOW)  # type: ignore[arg-type]
    again = hand_over_once(journal, deliverer, message, attempt=2, now=NOW)  # type: ignore[arg-type]
    assert deliverer.calls == 1
    assert first.outcome is again.outcome is Outcome.DELIVERED
    assert again.receipt == "accepted"
    journal.records["n"] = HandoverRecord("n", message.message_id, NOW, None)  # crashed mid-way
    hand_over_once(journal, deliverer, message, attempt=3, now=NOW)  # type: ignore[arg-type]
    assert deliverer.calls == 2
    assert journal.records["n"].interrupted == 1
