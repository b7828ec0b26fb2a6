"""A hand-over journal in an SQLite file: the same contract the Store's journal keeps, for the
crash test of :func:`paymatch.notify.handover.hand_over_once` on its own."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from paymatch.notify.handover import HandoverRecord


class SqliteJournal:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS handovers (id TEXT PRIMARY KEY, message_id TEXT, "
            "started_at TEXT, handed_over_at TEXT, channel TEXT, receipt TEXT, "
            "interrupted INTEGER NOT NULL DEFAULT 0)"
        )

    def get(self, notification_id: str) -> HandoverRecord | None:
        row = self.conn.execute(
            "SELECT message_id, started_at, handed_over_at, channel, receipt, interrupted "
            "FROM handovers WHERE id = ?",
            (notification_id,),
        ).fetchone()
        if row is None:
            return None
        return HandoverRecord(
            notification_id,
            row[0],
            datetime.fromisoformat(row[1]) if row[1] else None,
            datetime.fromisoformat(row[2]) if row[2] else None,
            row[3],
            row[4],
            row[5],
        )

    def begin(self, notification_id: str, message_id: str | None, at: datetime) -> None:
        self.conn.execute(
            "INSERT INTO handovers (id, message_id, started_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET interrupted = interrupted + 1, started_at = ?",
            (notification_id, message_id, at.isoformat(), at.isoformat()),
        )

    def finish(
        self, notification_id: str, *, channel: str | None, receipt: str | None, at: datetime
    ) -> None:
        self.conn.execute(
            "UPDATE handovers SET handed_over_at = ?, channel = ?, receipt = ? WHERE id = ?",
            (at.isoformat(), channel, receipt, notification_id),
        )

    def all(self) -> dict[str, HandoverRecord]:
        ids = [row[0] for row in self.conn.execute("SELECT id FROM handovers")]
        return {i: record for i in ids if (record := self.get(i)) is not None}
