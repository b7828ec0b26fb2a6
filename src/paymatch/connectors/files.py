"""An order source backed by a file: orders in the interchange format, statuses in a sidecar.

The orders file (JSON Lines, or CSV for a ``.csv`` name; docs/formats.md) is what the merchant's
system exports; an order without a ``status`` counts as ``open``. paymatch never rewrites it:
every status it writes back is appended to the *sidecar* (``<orders>.status.jsonl`` unless
``status_file`` says otherwise), one JSON object per line, flushed to disk before the write counts
as done. The latest sidecar line of an order overrides the status in the orders file. A file lock
makes check-and-append atomic across processes, so a status is never written twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from paymatch.connectors.interfaces import (
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    WriteOutcome,
)
from paymatch.connectors.memory import naive_utc, outcome_without_writing, simple_mapping
from paymatch.core.errors import ConfigError
from paymatch.core.models import Order
from paymatch.interchange import read_models, validation_error

DEFAULT_STATUS = "open"


class FileSource(OrderSource):
    PLUGIN_NAME = "file"

    def __init__(
        self,
        orders: str | Path,
        *,
        status_file: str | Path | None = None,
        mapping: StatusMapping | None = None,
    ) -> None:
        self.path = Path(orders)
        self.status_path = (
            Path(status_file)
            if status_file is not None
            else self.path.with_name(self.path.name + ".status.jsonl")
        )
        self._default_mapping = mapping or simple_mapping()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FileSource:
        if "orders" not in settings:
            raise ConfigError(
                "the file source needs `orders` (path of the orders file)", field="settings.orders"
            )
        unknown = set(settings) - {"orders", "status_file"}
        if unknown:
            raise ConfigError(
                f"unknown settings {sorted(unknown)} for the file source", field="settings"
            )
        return cls(settings["orders"], status_file=settings.get("status_file"))

    def default_mapping(self) -> StatusMapping:
        return self._default_mapping

    # reading -----------------------------------------------------------------------------

    def _read(self) -> list[Order | OrderProblem]:
        """Every order of the file with its effective status; bad records as problems."""
        if not self.path.exists():
            raise ConfigError(f"orders file {self.path} does not exist", field="settings.orders")
        statuses = self._statuses()
        found: list[Order | OrderProblem] = []
        seen: set[str] = set()
        for item in _read_records(self.path):
            if isinstance(item, OrderProblem):
                found.append(item)
                continue
            if item.id in seen:
                found.append(OrderProblem(order_id=item.id, reason="duplicate order id in file"))
                continue
            seen.add(item.id)
            status = statuses.get(item.id, item.status or DEFAULT_STATUS)
            found.append(item.model_copy(update={"status": status}))
        return found

    def _statuses(self) -> dict[str, str]:
        statuses: dict[str, str] = {}
        for record in _sidecar_records(self.status_path):
            statuses[record["order_id"]] = record["status"]
        return statuses

    def list_open_orders(self) -> list[Order | OrderProblem]:
        return [
            item
            for item in self._read()
            if isinstance(item, OrderProblem) or self.mapping.is_open(item)
        ]

    def list_changed_since(self, since: datetime) -> list[Order | OrderProblem]:
        # The file has no per-order change times: when either file changed since ``since``,
        # every order may have; paymatch's content hashes find the ones that really did.
        newest = max(
            (p.stat().st_mtime for p in (self.path, self.status_path) if p.exists()), default=0
        )
        changed = datetime.fromtimestamp(newest, UTC).replace(tzinfo=None)
        return self._read() if changed >= naive_utc(since) else []

    def get_order(self, order_id: str) -> Order | None:
        for item in self._read():
            if isinstance(item, Order) and item.id == order_id:
                return item
        return None

    # writing -----------------------------------------------------------------------------

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        with _locked(self.status_path) as sidecar:
            order = self.get_order(write.order_id)
            if order is None:
                return WriteOutcome.NOT_OPEN
            settled = outcome_without_writing(self, order, write)
            if settled is not None:
                return settled
            record = {
                "order_id": write.order_id,
                "status": write.status,
                "target": write.target.value,
                "reference": write.reference,
                "amount": str(write.amount),
                "currency": write.currency,
                "written_at": datetime.now(UTC).isoformat(),
            }
            sidecar.write(json.dumps(record) + "\n")
            sidecar.flush()
            os.fsync(sidecar.fileno())
        return WriteOutcome.WRITTEN

    def written(self) -> list[dict[str, Any]]:
        """Every status this source took, oldest first (for tests and the demo)."""
        return list(_sidecar_records(self.status_path))


def _read_records(path: Path) -> Iterator[Order | OrderProblem]:
    """Orders of the file one by one; a bad record becomes a problem, the others still count."""
    if path.suffix.lower() == ".csv":
        # CSV rows are validated as a whole by the interchange reader.
        try:
            yield from read_models(path, Order)
        except Exception as error:  # an InputError naming the line
            yield OrderProblem(order_id=None, reason=str(error))
        return
    with path.open(encoding="utf-8-sig") as stream:
        for number, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                yield OrderProblem(order_id=None, reason=f"{path} line {number}: {error.msg}")
                continue
            order_id = str(data.get("id")) if isinstance(data, dict) and "id" in data else None
            try:
                yield Order.model_validate(data)
            except ValidationError as error:
                problem = validation_error(error, where=str(path), line=number)
                yield OrderProblem(order_id=order_id, reason=str(problem))


def _sidecar_records(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        for text in stream:
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash was never acknowledged
            if isinstance(record, dict) and "order_id" in record:
                yield record


@contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        try:
            yield stream
        finally:
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
