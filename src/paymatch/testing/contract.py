"""Contract test suites any connector package runs against itself.

An order-source connector is tested against its own fake server through a small *harness* the
package writes (:class:`OrderSourceHarness`): it builds the connector pointed at the fake server,
puts orders into the fake server and makes the server fail. The suite
(:class:`OrderSourceContract`) then checks everything paymatch relies on::

    from paymatch.testing import OrderSourceContract

    class TestShopwareContract(OrderSourceContract):
        @pytest.fixture
        def harness(self, fake_shopware):      # your fixture with the running fake server
            return ShopwareHarness(fake_shopware)

A bank format is tested the same way with :class:`BankFormatContract` and three fixtures.
"""

from __future__ import annotations

import itertools
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from paymatch.connectors.interfaces import (
    BankFormat,
    ConnectorError,
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TargetStatus,
    TransientConnectorError,
    WriteOutcome,
)
from paymatch.connectors.plugins import ORDER_SOURCE_KINDS
from paymatch.core.errors import StatementError
from paymatch.core.models import Balance, Order, PaymentCode, Posting

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_numbers = itertools.count(70001)


class SeedState(StrEnum):
    """The state a seeded order has at the fake server, in paymatch's terms."""

    OPEN = "open"
    """Waiting for payment (one of the mapping's open statuses for its payment code)."""
    PAID = "paid"
    CANCELLED = "cancelled"


def _recently() -> datetime:
    return datetime.now(UTC) - timedelta(hours=2)


@dataclass(frozen=True)
class SeedOrder:
    """An order the harness puts into its fake server, in the system's own shape.

    The harness maps ``payment_code`` to one of the system's payment methods that its default
    mapping maps back to that code, and ``state`` to a native status; it must store
    ``created_at``/``changed_at`` as given (the changed-since test depends on them).
    """

    number: str
    amount: Decimal
    payment_code: PaymentCode
    currency: str = "EUR"
    state: SeedState = SeedState.OPEN
    created_at: datetime = field(default_factory=_recently)
    changed_at: datetime = field(default_factory=_recently)
    customer_name: str = "Jana Müller"
    email: str = "jana.mueller@example.org"


class OrderSourceHarness(ABC):
    """What a connector package provides so that :class:`OrderSourceContract` can test it."""

    page_size: int | None = None
    """How many orders the connector from :meth:`make_source` fetches per request (set it small,
    e.g. 3, so that paging is exercised); ``None`` if the source does not page."""
    payment_codes: Sequence[PaymentCode] = (PaymentCode.PREPAYMENT,)
    """Payment codes the default mapping supports; the first is used for seeded orders."""
    supports_cancel: bool = True
    """Whether the connector can write the cancelled status."""
    secrets: Sequence[str] = ()
    """Every credential the connector is given (keys, secrets, tokens): never in reprs or logs."""
    reports: frozenset[str] = frozenset({"customer_name", "email"})
    """Order fields besides id, number, amount, currency and payment code that the connector
    reads from the system; the suite compares them with the seed. Drop the ones the system
    does not deliver with an order."""
    remote: bool = True
    """Whether the source talks to a server, with credentials that can be refused and requests
    that can fail. ``False`` for an in-process source (paymatch's ``memory`` and ``file``, a host
    application's own): the tests of credentials, secrets and server failures do not apply and
    are skipped; subclass :class:`InProcessHarness`."""
    knows_change_times: bool = True
    """Whether the source knows when each order changed. One that does not (the ``file`` source
    knows only when its file changed) may list more than the orders changed since then, which
    paymatch tolerates (it compares content hashes); it must still list every changed one."""

    @abstractmethod
    def make_source(self, *, valid_credentials: bool = True) -> OrderSource:
        """The connector pointed at the fake server; with wrong credentials if asked.

        Configure retries without waiting (zero backoff), so failure tests stay fast.
        """

    @abstractmethod
    def add_order(self, seed: SeedOrder) -> str:
        """Put ``seed`` into the fake server; return the id the connector reports for it."""

    @abstractmethod
    def add_malformed_order(self) -> str:
        """Put an open order the connector cannot use (e.g. no amount or currency) into the fake
        server; return its id."""

    @abstractmethod
    def unknown_order_id(self) -> str:
        """An id in the system's format that the fake server does not have."""

    @abstractmethod
    def fail_requests(self, status: int | None) -> None:
        """From now on the fake server answers every request with HTTP ``status`` and the
        system's own error body (with its error code); ``None`` ends that."""


class InProcessHarness(OrderSourceHarness):
    """The harness of a source without a server: no credentials, no HTTP failures.

    ``make_source`` ignores ``valid_credentials``; ``fail_requests`` is never called.
    """

    remote = False

    def fail_requests(self, status: int | None) -> None:
        raise NotImplementedError("an in-process source has no server to fail")


def _needs_a_server(harness: OrderSourceHarness) -> None:
    if not harness.remote:
        pytest.skip("an in-process source has no credentials and no server to fail")


def _collect(orders: Iterable[Order | OrderProblem]) -> tuple[list[Order], list[OrderProblem]]:
    good: list[Order] = []
    problems: list[OrderProblem] = []
    for item in orders:
        assert isinstance(item, Order | OrderProblem), f"listed {item!r}, not an Order"
        (good if isinstance(item, Order) else problems).append(item)  # type: ignore[arg-type]
    return good, problems


class OrderSourceContract:
    """The order-source contract as tests. Subclass it as ``Test...`` and override ``harness``.

    Each test gets a fresh harness (a fake server without orders).
    """

    @pytest.fixture
    def harness(self) -> OrderSourceHarness:
        raise NotImplementedError(
            f"{type(self).__name__} must override the 'harness' fixture (see paymatch.testing)"
        )

    @pytest.fixture
    def source(self, harness: OrderSourceHarness) -> Iterator[OrderSource]:
        source = harness.make_source()
        try:
            yield source
        finally:
            source.close()

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def seed(
        harness: OrderSourceHarness,
        *,
        state: SeedState = SeedState.OPEN,
        amount: str = "49.90",
        changed_at: datetime | None = None,
        payment_code: PaymentCode | None = None,
    ) -> tuple[str, SeedOrder]:
        kwargs: dict[str, Any] = {} if changed_at is None else {"changed_at": changed_at}
        if changed_at is not None:
            kwargs["created_at"] = changed_at - timedelta(hours=1)
        order = SeedOrder(
            number=str(next(_numbers)),
            amount=Decimal(amount),
            payment_code=payment_code or harness.payment_codes[0],
            state=state,
            **kwargs,
        )
        return harness.add_order(order), order

    @staticmethod
    def paid_write(
        mapping: StatusMapping, order: Order, *, reference: str = "contract-1"
    ) -> StatusWrite:
        code = mapping.payment_code(order)
        assert code is not None, f"the default mapping gives order {order.id} no payment code"
        return StatusWrite(
            order_id=order.id,
            target=TargetStatus.PAID,
            status=mapping.paid_status.get(code),
            payment_code=code,
            amount=order.amount,
            currency=order.currency,
            paid_on=date.today(),
            reference=reference,
        )

    @staticmethod
    def assert_matches_seed(
        order: Order, seed: SeedOrder, mapping: StatusMapping, reports: Iterable[str]
    ) -> None:
        assert seed.number in (order.number, order.invoice_number), (order, seed)
        assert order.amount == seed.amount
        assert isinstance(order.amount, Decimal)
        assert order.currency == seed.currency
        assert mapping.payment_code(order) == seed.payment_code, order
        for field_name in reports:
            assert getattr(order, field_name) == getattr(seed, field_name), field_name

    # -- the contract --------------------------------------------------------------------------

    def test_names_its_kind_and_default_mapping(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        cls = type(source)
        assert isinstance(getattr(cls, "PLUGIN_NAME", None), str)
        assert _NAME.match(cls.PLUGIN_NAME), cls.PLUGIN_NAME
        assert cls.KIND in ORDER_SOURCE_KINDS
        mapping = source.default_mapping()
        assert isinstance(mapping, StatusMapping)
        for code in harness.payment_codes:
            assert mapping.open_statuses.get(code), f"no open status for {code}"

    def test_lists_every_open_order_across_pages(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        count = 2 * (harness.page_size or 2) + 1
        amounts = ["49.90", "1234.56", "0.01", "100.00", "7.05"]
        seeded = dict(
            self.seed(harness, amount=amounts[i % len(amounts)], payment_code=code)
            for i, code in zip(range(count), itertools.cycle(harness.payment_codes), strict=False)
        )
        self.seed(harness, state=SeedState.PAID)
        self.seed(harness, state=SeedState.CANCELLED)
        orders, problems = _collect(source.list_open_orders())
        assert problems == []
        ids = [order.id for order in orders]
        assert len(ids) == len(set(ids)), "an order was listed twice"
        assert set(ids) == set(seeded), "the listing of open orders is not complete (or not open)"
        mapping = source.default_mapping()
        for order in orders:
            self.assert_matches_seed(order, seeded[order.id], mapping, harness.reports)
            assert mapping.is_open(order), f"listed as open but the mapping says not: {order}"

    def test_lists_orders_changed_since(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        now = datetime.now(UTC)
        old = {self.seed(harness, changed_at=now - timedelta(days=10))[0] for _ in range(2)}
        recent = {
            self.seed(harness, changed_at=now - timedelta(hours=2))[0],
            self.seed(harness, changed_at=now - timedelta(hours=3), state=SeedState.CANCELLED)[0],
        }
        orders, problems = _collect(source.list_changed_since(now - timedelta(days=2)))
        assert problems == []
        ids = [order.id for order in orders]
        assert len(ids) == len(set(ids)), "an order was listed twice"
        assert recent <= set(ids), "an order changed since then (open or not) is missing"
        if harness.knows_change_times:
            assert not old & set(ids), "an order not changed since then is listed"

    def test_gets_one_order(self, harness: OrderSourceHarness, source: OrderSource) -> None:
        order_id, seed = self.seed(harness, amount="1234.56")
        closed_id, _ = self.seed(harness, state=SeedState.CANCELLED)
        mapping = source.default_mapping()
        order = source.get_order(order_id)
        assert order is not None
        assert order.id == order_id
        self.assert_matches_seed(order, seed, mapping, harness.reports)
        assert mapping.is_open(order)
        closed = source.get_order(closed_id)
        assert closed is not None
        assert closed.id == closed_id
        assert not mapping.is_open(closed)

    def test_unknown_order_is_none(self, harness: OrderSourceHarness, source: OrderSource) -> None:
        assert source.get_order(harness.unknown_order_id()) is None

    def test_write_paid_is_idempotent(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        order_id, _ = self.seed(harness)
        mapping = source.default_mapping()
        order = source.get_order(order_id)
        assert order is not None
        write = self.paid_write(mapping, order)
        assert source.write_status(write) is WriteOutcome.WRITTEN
        assert source.write_status(write) is WriteOutcome.ALREADY_DONE
        again = self.paid_write(mapping, order, reference="contract-2")
        assert source.write_status(again) is WriteOutcome.ALREADY_DONE
        paid = source.get_order(order_id)
        assert paid is not None
        assert not mapping.is_open(paid), "still open after the paid status was written"
        if write.status is not None:
            assert paid.status == write.status

    def test_write_paid_to_an_order_no_longer_open(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        order_id, _ = self.seed(harness, state=SeedState.CANCELLED)
        mapping = source.default_mapping()
        before = source.get_order(order_id)
        assert before is not None
        write = self.paid_write(mapping, before)
        assert source.write_status(write) is WriteOutcome.NOT_OPEN
        after = source.get_order(order_id)
        assert after is not None
        assert after.status == before.status, "an order that is not open was changed"

    def test_write_to_an_unknown_order_is_not_open(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        write = StatusWrite(
            order_id=harness.unknown_order_id(),
            target=TargetStatus.PAID,
            status=source.default_mapping().paid_status.get(harness.payment_codes[0]),
            payment_code=harness.payment_codes[0],
            amount=Decimal("10.00"),
            currency="EUR",
            reference="contract-unknown",
        )
        assert source.write_status(write) is WriteOutcome.NOT_OPEN

    def test_write_cancelled_is_idempotent(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        if not harness.supports_cancel:
            pytest.skip("the connector does not write cancellations")
        order_id, _ = self.seed(harness)
        mapping = source.default_mapping()
        order = source.get_order(order_id)
        assert order is not None
        code = mapping.payment_code(order)
        assert code is not None
        write = StatusWrite(
            order_id=order_id,
            target=TargetStatus.CANCELLED,
            status=mapping.cancelled_status.get(code),
            payment_code=code,
            amount=order.amount,
            currency=order.currency,
            reference="contract-cancel",
        )
        assert source.write_status(write) is WriteOutcome.WRITTEN
        assert source.write_status(write) is WriteOutcome.ALREADY_DONE
        cancelled = source.get_order(order_id)
        assert cancelled is not None
        assert not mapping.is_open(cancelled)

    def test_an_open_status_added_by_the_merchant_is_listed(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        """The mapping in force (``source.mapping``, where paymatch puts the merchant's
        overrides) decides what is open, not the connector's default."""
        open_id, _ = self.seed(harness)
        paid_id, _ = self.seed(harness, state=SeedState.PAID)
        default = source.default_mapping()
        paid = source.get_order(paid_id)
        assert paid is not None
        assert paid.status is not None
        code = harness.payment_codes[0]
        before, _ = _collect(source.list_open_orders())
        assert {order.id for order in before} == {open_id}
        statuses = sorted(default.open_statuses.get(code, frozenset()) | {paid.status})
        source.mapping = default.overridden_by({"open_statuses": {code.value: statuses}})
        after, problems = _collect(source.list_open_orders())
        assert problems == []
        assert {order.id for order in after} == {open_id, paid_id}, (
            f"status {paid.status!r} was made open for {code.value} in source.mapping, "
            "but list_open_orders did not follow it"
        )

    def test_orders_the_merchant_does_not_count_as_open_are_left_alone(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        order_id, _ = self.seed(harness)
        default = source.default_mapping()
        before = source.get_order(order_id)
        assert before is not None
        code = harness.payment_codes[0]
        source.mapping = default.overridden_by({"open_statuses": {code.value: []}})
        listed, _ = _collect(source.list_open_orders())
        assert order_id not in {order.id for order in listed}, (
            "no status is open for the order's payment code in source.mapping, yet it is listed"
        )
        write = self.paid_write(default, before)
        assert source.write_status(write) is WriteOutcome.NOT_OPEN, (
            "write_status must check the order is open under source.mapping"
        )
        after = source.get_order(order_id)
        assert after is not None
        assert after.status == before.status, "an order that is not open was changed"

    def test_malformed_order_is_a_problem_not_a_crash(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        good = {self.seed(harness)[0] for _ in range(2)}
        bad = harness.add_malformed_order()
        orders, problems = _collect(source.list_open_orders())
        assert {order.id for order in orders} == good, "the rest of the batch must proceed"
        assert [problem.order_id for problem in problems] == [bad]
        assert problems[0].reason.strip(), "an OrderProblem says why"

    def test_bad_credentials_raise_a_connector_error(self, harness: OrderSourceHarness) -> None:
        _needs_a_server(harness)
        source = harness.make_source(valid_credentials=False)
        try:
            with pytest.raises(ConnectorError) as raised:
                list(source.list_open_orders())
        finally:
            source.close()
        assert not isinstance(raised.value, TransientConnectorError), "retrying will not help"
        assert raised.value.http_status in (401, 403)

    @pytest.mark.parametrize("status", [429, 500, 503])
    def test_server_failures_are_transient(
        self, harness: OrderSourceHarness, source: OrderSource, status: int
    ) -> None:
        _needs_a_server(harness)
        order_id, _ = self.seed(harness)
        order = source.get_order(order_id)
        assert order is not None
        harness.fail_requests(status)
        with pytest.raises(TransientConnectorError):
            list(source.list_open_orders())
        with pytest.raises(TransientConnectorError):
            source.get_order(order_id)
        with pytest.raises(TransientConnectorError):
            source.write_status(self.paid_write(source.default_mapping(), order))
        harness.fail_requests(None)
        assert source.get_order(order_id) is not None, "the connector recovers"

    def test_client_errors_carry_the_system_code(
        self, harness: OrderSourceHarness, source: OrderSource
    ) -> None:
        _needs_a_server(harness)
        harness.fail_requests(400)
        with pytest.raises(ConnectorError) as raised:
            list(source.list_open_orders())
        error = raised.value
        assert not isinstance(error, TransientConnectorError)
        assert error.http_status == 400
        assert error.code, "the system's own error code is kept"
        assert error.connector == type(source).PLUGIN_NAME

    def test_secrets_stay_out_of_reprs_errors_and_logs(
        self, harness: OrderSourceHarness, source: OrderSource, caplog: pytest.LogCaptureFixture
    ) -> None:
        _needs_a_server(harness)
        secrets = [s for s in harness.secrets if s]
        assert secrets, "declare the connector's credentials in the harness's 'secrets'"
        caplog.set_level(logging.DEBUG)
        self.seed(harness)
        list(source.list_open_orders())
        texts = [repr(source), str(source)]
        broken = harness.make_source(valid_credentials=False)
        texts += [repr(broken), str(broken)]
        try:
            with pytest.raises(ConnectorError) as raised:
                list(broken.list_open_orders())
        finally:
            broken.close()
        texts += [str(raised.value), repr(raised.value)]
        harness.fail_requests(400)
        with pytest.raises(ConnectorError) as failed:
            list(source.list_open_orders())
        texts += [str(failed.value), repr(failed.value)]
        texts += [record.getMessage() for record in caplog.records]
        for secret in secrets:
            leaks = [text for text in texts if secret in text]
            assert not leaks, f"a secret appears in: {leaks[0][:200]!r}"


class BankFormatContract:
    """The bank-format contract as tests. Subclass it as ``Test...`` and override the fixtures
    ``bank_format`` (the format under test), ``valid_file`` (bytes of a small statement with at
    least one posting) and ``broken_file`` (bytes the format recognises but cannot read)."""

    @pytest.fixture
    def bank_format(self) -> BankFormat:
        raise NotImplementedError(f"{type(self).__name__} must override 'bank_format'")

    @pytest.fixture
    def valid_file(self) -> bytes:
        raise NotImplementedError(f"{type(self).__name__} must override 'valid_file'")

    @pytest.fixture
    def broken_file(self) -> bytes:
        raise NotImplementedError(f"{type(self).__name__} must override 'broken_file'")

    def test_has_a_name(self, bank_format: BankFormat) -> None:
        assert isinstance(bank_format.PLUGIN_NAME, str)
        assert _NAME.match(bank_format.PLUGIN_NAME), bank_format.PLUGIN_NAME

    def test_sniffs_its_own_files_only(self, bank_format: BankFormat, valid_file: bytes) -> None:
        assert bank_format.sniff(valid_file[:65536])
        assert not bank_format.sniff(b"")
        assert not bank_format.sniff(b"\x00\x01\x02 certainly not a bank statement")

    def test_read_collects_iter_records(
        self, bank_format: BankFormat, valid_file: bytes, tmp_path: Path
    ) -> None:
        records = list(bank_format.iter_records(valid_file, source_name="s.txt"))
        postings = [r for r in records if isinstance(r, Posting)]
        assert postings, "the valid file must hold a posting"
        assert all(isinstance(r, Posting | Balance) for r in records)
        statement = bank_format.read(valid_file, source_name="s.txt")
        assert list(statement.postings) == postings
        assert list(statement.balances) == [r for r in records if isinstance(r, Balance)]
        assert len({p.id for p in postings}) == len(postings), "posting ids must be unique"
        path = tmp_path / "statement.bin"
        path.write_bytes(valid_file)
        assert bank_format.read(path, source_name="s.txt").postings == statement.postings
        stream = BytesIO(valid_file)
        assert bank_format.read(stream, source_name="s.txt").postings == statement.postings

    def test_broken_file_is_a_statement_error(
        self, bank_format: BankFormat, broken_file: bytes
    ) -> None:
        with pytest.raises(StatementError) as raised:
            bank_format.read(broken_file, source_name="broken.txt")
        assert raised.value.where == "broken.txt", "the error names the file"
        with pytest.raises(StatementError):
            list(bank_format.iter_records(broken_file, source_name="broken.txt"))
