"""The built-in order sources keep the order-source contract of ``paymatch.testing``.

They run in-process (no server, no credentials), so the suite's tests of credentials, secrets
and server failures are skipped for them (:class:`paymatch.testing.InProcessHarness`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paymatch.connectors.files import FileSource
from paymatch.connectors.interfaces import OrderProblem
from paymatch.connectors.memory import MemorySource
from paymatch.core.models import Order, PaymentCode
from paymatch.testing import InProcessHarness, OrderSourceContract, SeedOrder

ALL_CODES = (PaymentCode.PREPAYMENT, PaymentCode.INVOICE, PaymentCode.COD)


class MemoryHarness(InProcessHarness):
    payment_codes = ALL_CODES

    def __init__(self) -> None:
        self.source = MemorySource()

    def make_source(self, *, valid_credentials: bool = True) -> MemorySource:
        return self.source

    def add_order(self, seed: SeedOrder) -> str:
        order = Order(
            id=f"m{seed.number}",
            source="memory",
            number=seed.number,
            amount=seed.amount,
            currency=seed.currency,
            status=seed.state.value,  # the memory source's statuses are paymatch's own words
            payment_method=seed.payment_code.value,
            customer_name=seed.customer_name,
            email=seed.email,
            created_at=seed.created_at,
        )
        self.source.put(order, at=seed.changed_at)
        return order.id

    def add_malformed_order(self) -> str:
        # A host hands over what it could not turn into an order as a problem.
        self.source.problems.append(OrderProblem(order_id="m-bad", reason="amount missing"))
        return "m-bad"

    def unknown_order_id(self) -> str:
        return "m-unknown"


class FileHarness(InProcessHarness):
    payment_codes = ALL_CODES
    knows_change_times = False  # only when the file changed

    def __init__(self, folder: Path) -> None:
        self.path = folder / "orders.jsonl"
        self.path.touch()

    def make_source(self, *, valid_credentials: bool = True) -> FileSource:
        return FileSource(self.path)

    def _append(self, record: dict[str, object]) -> None:
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(record) + "\n")

    def add_order(self, seed: SeedOrder) -> str:
        order_id = f"f{seed.number}"
        self._append(
            {
                "id": order_id,
                "number": seed.number,
                "amount": str(seed.amount),
                "currency": seed.currency,
                "status": seed.state.value,
                "payment_method": seed.payment_code.value,
                "customer_name": seed.customer_name,
                "email": seed.email,
                "created_at": seed.created_at.isoformat(),
            }
        )
        return order_id

    def add_malformed_order(self) -> str:
        self._append({"id": "f-bad", "amount": "12,50 EUR", "currency": "EUR", "status": "open"})
        return "f-bad"

    def unknown_order_id(self) -> str:
        return "f-unknown"


class TestMemorySourceContract(OrderSourceContract):
    @pytest.fixture
    def harness(self) -> MemoryHarness:
        return MemoryHarness()


class TestFileSourceContract(OrderSourceContract):
    @pytest.fixture
    def harness(self, tmp_path: Path) -> FileHarness:
        return FileHarness(tmp_path)
