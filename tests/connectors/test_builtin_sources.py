from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from paymatch.connectors.files import FileSource
from paymatch.connectors.interfaces import (
    OrderProblem,
    StatusWrite,
    TargetStatus,
    TransientConnectorError,
    WriteOutcome,
)
from paymatch.connectors.memory import MemorySource
from paymatch.core.errors import ConfigError
from paymatch.core.models import Order, PaymentCode


def _write(order_id: str, reference: str = "ref") -> StatusWrite:
    return StatusWrite(
        order_id=order_id,
        target=TargetStatus.PAID,
        status="paid",
        payment_code=PaymentCode.PREPAYMENT,
        amount=Decimal("1.00"),
        currency="EUR",
        reference=reference,
    )


def _orders_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD = '{"id": "1", "amount": "10.00", "currency": "EUR", "payment_code": "prepayment"}'


def test_file_source_reads_orders_and_reports_bad_ones(tmp_path: Path) -> None:
    path = _orders_file(
        tmp_path,
        [
            GOOD,
            '{"id": "2", "currency": "EUR", "payment_code": "prepayment"}',
            '{"id": "3", "amount": 1.5, "currency": "EUR"}',
            "not json",
            '{"id": "4", "amount": "5.00", "currency": "EUR", "status": "paid"}',
            '{"id": "5", "amount": "5.00", "currency": "EUR", "payment_code": "cod"}',
            '{"id": "5", "amount": "6.00", "currency": "EUR", "payment_code": "cod"}',
        ],
    )
    listed = FileSource(path).list_open_orders()
    orders = [o for o in listed if isinstance(o, Order)]
    problems = [p for p in listed if isinstance(p, OrderProblem)]
    assert [o.id for o in orders] == ["1", "5"]
    assert orders[0].status == "open"
    reasons = {p.order_id: p.reason for p in problems}
    assert "line 2" in reasons["2"]
    assert "amount" in reasons["2"]
    assert "float" in reasons["3"]
    assert "duplicate" in reasons["5"]
    assert any("line 4" in p.reason for p in problems if p.order_id is None)


def test_file_source_writes_status_once_to_the_sidecar(tmp_path: Path) -> None:
    path = _orders_file(tmp_path, [GOOD])
    source = FileSource(path)
    assert source.write_status(_write("1")) is WriteOutcome.WRITTEN
    assert source.write_status(_write("1", "again")) is WriteOutcome.ALREADY_DONE
    assert source.write_status(_write("9")) is WriteOutcome.NOT_OPEN
    assert source.get_order("1").status == "paid"
    assert source.list_open_orders() == []
    assert [r["reference"] for r in source.written()] == ["ref"]
    # a line torn by a crash is ignored
    with source.status_path.open("a") as stream:
        stream.write('{"order_id": "1", "sta')
    assert len(source.written()) == 1


def test_file_source_changed_since_uses_file_times(tmp_path: Path) -> None:
    source = FileSource(_orders_file(tmp_path, [GOOD]))
    assert len(source.list_changed_since(datetime(2000, 1, 1))) == 1
    assert source.list_changed_since(datetime.now() + timedelta(days=1)) == []


def test_file_source_settings() -> None:
    with pytest.raises(ConfigError, match="orders"):
        FileSource.from_settings({})
    with pytest.raises(ConfigError, match="unknown settings"):
        FileSource.from_settings({"orders": "x", "colour": "red"})


def _race(path: str, reference: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    results.put(FileSource(path).write_status(_write("1", reference)).value)


def test_concurrent_writers_write_once(tmp_path: Path) -> None:
    path = _orders_file(tmp_path, [GOOD])
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [
        multiprocessing.Process(target=_race, args=(str(path), f"r{n}", results)) for n in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    outcomes = sorted(results.get() for _ in workers)
    assert outcomes == ["already_done"] * 3 + ["written"]
    assert len(FileSource(path).written()) == 1


def test_memory_source() -> None:
    order = Order(id="1", amount="10.00", currency="EUR", payment_method="invoice", status="open")
    source = MemorySource([order], fail_writes=1)
    assert source.list_open_orders() == [order]
    with pytest.raises(TransientConnectorError):
        source.write_status(_write("1"))
    assert source.write_status(_write("1")) is WriteOutcome.WRITTEN
    assert source.write_status(_write("1")) is WriteOutcome.ALREADY_DONE
    source.delete("1")
    assert source.get_order("1") is None
    assert source.write_status(_write("1")) is WriteOutcome.NOT_OPEN
    with pytest.raises(ConfigError):
        MemorySource.from_settings({"x": 1})
    assert source.default_mapping().is_open(order)
    assert not source.default_mapping().is_open(order.model_copy(update={"status": "paid"}))
