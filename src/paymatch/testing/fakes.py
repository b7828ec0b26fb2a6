"""In-memory stand-ins for tests: a fake shop with its connector, and a fake bank format.

:class:`FakeShop` plays the shop's server (its records, credentials and failures);
:class:`FakeOrderSource` is a well-behaved connector for it that honours the whole
:class:`~paymatch.connectors.interfaces.OrderSource` contract, so tests of the parts that use
connectors (store, reconciler, CLI) need no HTTP server. :class:`FakeBankFormat` reads a trivial
line format, for tests of everything that consumes bank formats.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from pydantic import ValidationError

from paymatch.connectors.bank.identity import PostingIdentities, identity_key
from paymatch.connectors.interfaces import (
    BankFormat,
    BankSource,
    ConnectorError,
    ConnectorKind,
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TargetStatus,
    TransientConnectorError,
    WriteOutcome,
    source_name_of,
)
from paymatch.core.errors import StatementError
from paymatch.core.models import Balance, Order, PaymentCode, Posting

FAKE_OPEN = "open"
FAKE_PAID = "paid"
FAKE_CANCELLED = "cancelled"
FAKE_PAYMENT_METHODS = {
    "bank_transfer": PaymentCode.PREPAYMENT,
    "invoice": PaymentCode.INVOICE,
    "cash_on_delivery": PaymentCode.COD,
}


def _reason(error: Exception) -> str:
    """One line saying what is wrong, with the field for pydantic's errors."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors()
        )
    text = str(error).splitlines()[0] if str(error) else ""
    return text or type(error).__name__


class FakeShop:
    """The server side: raw order records as a shop API would hold them, plus failure injection.

    Records are plain dicts (``id``, ``number``, ``total`` as a string, ``currency``, ``status``,
    ``payment_method``, ``customer_name``, ``email``, ``created_at``, ``changed_at``); a test may
    put anything in them, which is how malformed data is made.
    """

    def __init__(self, *, api_key: str = "fake-secret-api-key") -> None:
        self.api_key = api_key
        self.records: dict[str, dict[str, Any]] = {}
        self.failure: int | None = None
        """When set, every request fails with this HTTP status."""
        self.writes: list[StatusWrite] = []
        """Every write that changed a record, in order (to check "exactly once")."""
        self.requests = 0
        self._lock = threading.Lock()
        self._next_id = 1000

    def add(self, **fields: Any) -> str:
        """Add a record; missing fields get plausible defaults. Returns its id."""
        with self._lock:
            self._next_id += 1
            record_id = str(fields.pop("id", self._next_id))
            now = datetime.now(UTC)
            record: dict[str, Any] = {
                "id": record_id,
                "number": f"F{record_id}",
                "total": "10.00",
                "currency": "EUR",
                "status": FAKE_OPEN,
                "payment_method": "bank_transfer",
                "customer_name": None,
                "email": None,
                "created_at": now,
                "changed_at": now,
            }
            record.update(fields)
            self.records[record_id] = record
            return record_id

    def __repr__(self) -> str:
        return f"<FakeShop {len(self.records)} records>"


class FakeOrderSource(OrderSource):
    """A connector for :class:`FakeShop` that keeps the whole order-source contract."""

    PLUGIN_NAME: ClassVar[str] = "fake"
    KIND: ClassVar[ConnectorKind] = ConnectorKind.SHOP

    def __init__(self, *, shop: FakeShop, api_key: str, page_size: int = 50) -> None:
        self._shop = shop
        self._api_key = api_key
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"FakeOrderSource(shop={self._shop!r}, page_size={self.page_size})"

    def default_mapping(self) -> StatusMapping:
        codes = tuple(PaymentCode)
        return StatusMapping(
            payment_methods=dict(FAKE_PAYMENT_METHODS),
            open_statuses={code: frozenset({FAKE_OPEN}) for code in codes},
            paid_status=dict.fromkeys(codes, FAKE_PAID),
            cancelled_status=dict.fromkeys(codes, FAKE_CANCELLED),
        )

    def _request(self) -> None:
        """What every call to the server goes through: credentials and injected failures."""
        self._shop.requests += 1
        if self._shop.failure is not None:
            status = self._shop.failure
            error = TransientConnectorError if status == 429 or status >= 500 else ConnectorError
            raise error(
                "the fake shop refused the request",
                connector=self.PLUGIN_NAME,
                code=f"fake_{status}",
                http_status=status,
            )
        if self._api_key != self._shop.api_key:
            raise ConnectorError(
                "invalid API key", connector=self.PLUGIN_NAME, code="unauthorized", http_status=401
            )

    def _parse(self, record: dict[str, Any]) -> Order | OrderProblem:
        try:
            return Order(
                id=record["id"],
                source=self.PLUGIN_NAME,
                number=record.get("number"),
                amount=record.get("total"),
                currency=record.get("currency"),
                status=record.get("status"),
                payment_method=record.get("payment_method"),
                customer_name=record.get("customer_name"),
                email=record.get("email"),
                created_at=record.get("created_at"),
            )
        except (ValidationError, KeyError) as error:
            return OrderProblem(order_id=record.get("id"), reason=_reason(error))

    def _pages(self, records: list[dict[str, Any]]) -> Iterator[Order | OrderProblem]:
        for start in range(0, max(len(records), 1), self.page_size):
            self._request()
            for record in records[start : start + self.page_size]:
                yield self._parse(record)

    def list_open_orders(self) -> Iterable[Order | OrderProblem]:
        # As a shop API is asked: for the statuses the mapping in force counts as open; then
        # only what is open for the order's own payment code is kept.
        mapping = self.mapping
        wanted = frozenset().union(*mapping.open_statuses.values())
        records = sorted(
            (r for r in self._shop.records.values() if r.get("status") in wanted),
            key=lambda r: r["id"],
        )
        return (
            item
            for item in self._pages(records)
            if isinstance(item, OrderProblem) or mapping.is_open(item)
        )

    def list_changed_since(self, since: datetime) -> Iterable[Order | OrderProblem]:
        records = sorted(
            (r for r in self._shop.records.values() if r["changed_at"] >= since),
            key=lambda r: r["id"],
        )
        return self._pages(records)

    def get_order(self, order_id: str) -> Order | None:
        self._request()
        record = self._shop.records.get(order_id)
        if record is None:
            return None
        parsed = self._parse(record)
        if isinstance(parsed, OrderProblem):
            raise ConnectorError(
                f"order {order_id} cannot be read: {parsed.reason}", connector=self.PLUGIN_NAME
            )
        return parsed

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        self._request()
        target = write.status or (FAKE_PAID if write.target is TargetStatus.PAID else None)
        if target is None:
            raise ConnectorError("no status to write", connector=self.PLUGIN_NAME)
        with self._shop._lock:
            record = self._shop.records.get(write.order_id)
            if record is None:
                return WriteOutcome.NOT_OPEN
            if record.get("status") == target:
                return WriteOutcome.ALREADY_DONE
            current = self._parse(record)
            if isinstance(current, OrderProblem) or not self.mapping.is_open(current):
                return WriteOutcome.NOT_OPEN
            record["status"] = target
            record["changed_at"] = datetime.now(UTC)
            self._shop.writes.append(write)
        return WriteOutcome.WRITTEN


class FakeBankFormat(BankFormat):
    """A bank format for tests: a header line, then one posting per line.

    ::

        FAKEBANK DE02120300000000202051 EUR
        2026-11-20;49.90;Jana Mueller;Bestellung 10023

    Balances are lines ``BALANCE;closing;2026-11-30;1234.56``. Blank lines are skipped.
    """

    PLUGIN_NAME = "fakebank"
    DESCRIPTION = "Line format for tests (paymatch.testing)"
    MAGIC = b"FAKEBANK "

    def sniff(self, head: bytes) -> bool:
        return head.lstrip(b"\xef\xbb\xbf").startswith(self.MAGIC)

    @staticmethod
    def render(iban: str, currency: str, rows: Iterable[tuple[str, str, str, str]]) -> bytes:
        """The bytes of a file with the given ``(date, amount, name, remittance)`` rows."""
        lines = [f"FAKEBANK {iban} {currency}", *(";".join(row) for row in rows)]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def iter_records(
        self, source: BankSource, *, source_name: str | None = None, **options: Any
    ) -> Iterator[Posting | Balance]:
        name = source_name_of(source, source_name)
        if isinstance(source, bytes):
            stream: BinaryIO = BytesIO(source)
        elif isinstance(source, Path):
            stream = BytesIO(source.read_bytes())
        else:
            stream = source
        lines: Iterator[bytes] = iter(stream)
        header = next(lines, b"").decode("utf-8-sig").split()
        if len(header) != 3 or header[0] != "FAKEBANK":
            raise StatementError("not a FAKEBANK file", where=name, line=1)
        iban, currency = header[1], header[2]
        identities = PostingIdentities()
        for number, raw in enumerate(lines, start=2):
            text = raw.decode("utf-8").strip()
            if not text:
                continue
            fields = text.split(";")
            try:
                if fields[0] == "BALANCE":
                    yield Balance(
                        kind=fields[1],
                        date=fields[2],
                        account_iban=iban,
                        currency=currency,
                        amount=fields[3],
                    )
                    continue
                booked, amount, counterparty, remittance = fields
                key = identity_key(
                    account=iban,
                    booking_date=datetime.strptime(booked, "%Y-%m-%d").date(),
                    value_date=None,
                    amount=Decimal(amount),
                    currency=currency,
                    counterparty_name=counterparty,
                    remittance=remittance,
                )
                yield Posting(
                    id=identities.next_id(key),
                    account_iban=iban,
                    booking_date=booked,
                    currency=currency,
                    amount=amount,
                    counterparty_name=counterparty,
                    remittance=remittance,
                )
            except (ValueError, ArithmeticError, IndexError) as error:
                raise StatementError(_reason(error), where=name, line=number) from None
