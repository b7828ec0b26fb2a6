"""The BankFormat interface: the default read, source names, modules presented as formats."""

from __future__ import annotations

import types
from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from paymatch.connectors.interfaces import (
    BankFormat,
    BankSource,
    ModuleBankFormat,
    source_name_of,
)
from paymatch.core.errors import StatementError
from paymatch.core.models import Balance, Posting
from paymatch.testing import FakeBankFormat

IBAN = "DE02120300000000202051"


def test_default_read_collects_postings_and_balances() -> None:
    data = (
        FakeBankFormat.render(
            IBAN,
            "EUR",
            [("2026-11-20", "49.90", "Jana", "10023"), ("2026-11-21", "-5.00", "Bank", "fee")],
        )
        + b"BALANCE;closing;2026-11-21;44.90\n"
    )
    statement = FakeBankFormat().read(data)
    assert statement.format == "fakebank"
    assert statement.source_name == "<bytes>"
    assert [p.amount for p in statement.postings] == [Decimal("49.90"), Decimal("-5.00")]
    assert [b.amount for b in statement.balances] == [Decimal("44.90")]
    assert statement.account_iban == IBAN
    assert statement.currency == "EUR"


def test_default_read_leaves_account_and_currency_open_when_mixed() -> None:
    class Mixed(BankFormat):
        PLUGIN_NAME = "mixed"

        def sniff(self, head: bytes) -> bool:
            return False

        def iter_records(
            self, source: BankSource, *, source_name: str | None = None, **options: Any
        ) -> Iterator[Posting | Balance]:
            for currency in ("EUR", "USD"):
                yield Posting(id=currency, booking_date="2026-11-20", amount="1", currency=currency)

    statement = Mixed().read(b"")
    assert statement.currency is None
    assert statement.account_iban is None


def test_a_failing_read_returns_nothing() -> None:
    data = FakeBankFormat.render(IBAN, "EUR", [("2026-11-20", "1.00", "A", "")]) + b"garbage\n"
    with pytest.raises(StatementError) as raised:
        FakeBankFormat().read(data, source_name="march.txt")
    assert (raised.value.where, raised.value.line) == ("march.txt", 3)


@pytest.mark.parametrize(
    ("source", "given", "name"),
    [
        (b"x", None, "<bytes>"),
        (Path("/tmp/statements/march.xml"), None, "march.xml"),
        (BytesIO(b"x"), None, "<stream>"),
        (b"x", "given.sta", "given.sta"),
    ],
)
def test_source_names(source: BankSource, given: str | None, name: str) -> None:
    assert source_name_of(source, given) == name


def test_an_open_file_is_named_by_its_file_name(tmp_path: Path) -> None:
    path = tmp_path / "april.sta"
    path.write_bytes(b"x")
    with path.open("rb") as handle:
        assert source_name_of(handle) == "april.sta"


def test_a_module_is_presented_as_a_bank_format() -> None:
    calls: list[tuple[str, Any]] = []
    module = types.ModuleType("pm_fmt", "Some bank's export.\n\nMore text.")
    module.FORMAT = "somebank"  # type: ignore[attr-defined]
    module.sniff = lambda head: calls.append(("sniff", head)) or True  # type: ignore[attr-defined]
    module.iter_records = lambda source, **kw: iter(calls.append(("iter", kw)) or [])  # type: ignore[attr-defined]
    module.read = lambda source, **kw: calls.append(("read", kw))  # type: ignore[attr-defined]
    bank_format = ModuleBankFormat(module)
    assert bank_format.PLUGIN_NAME == "somebank"
    assert bank_format.DESCRIPTION == "Some bank's export."
    assert bank_format.sniff(b"head")
    list(bank_format.iter_records(b"", source_name="a", profile="x"))
    bank_format.read(b"", source_name="b")
    assert calls == [
        ("sniff", b"head"),
        ("iter", {"source_name": "a", "profile": "x"}),
        ("read", {"source_name": "b"}),
    ]
    assert "pm_fmt" in repr(bank_format)


def test_a_module_without_the_api_is_refused_with_what_it_lacks() -> None:
    module = types.ModuleType("pm_half")
    module.sniff = lambda head: True  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="pm_half is not a bank format: it lacks FORMAT, "):
        ModuleBankFormat(module)
