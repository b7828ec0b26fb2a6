"""Bank formats from plugins are detected and read like the built-in ones."""

from collections.abc import Callable
from decimal import Decimal

import pytest

from paymatch import StatementError
from paymatch.connectors.bank import detect_format, read_statement
from paymatch.connectors.plugins import PaymatchPluginManager
from paymatch.testing import FakeBankFormat

FILE = FakeBankFormat.render(
    "DE02120300000000202051", "EUR", [("2026-11-20", "49.90", "Jana Mueller", "Bestellung 10023")]
)


def test_a_plugin_format_is_detected_and_read(
    paymatch_plugin_manager: PaymatchPluginManager, register_connector: Callable[..., str]
) -> None:
    with pytest.raises(StatementError, match="unknown file format"):
        detect_format(FILE)
    register_connector(FakeBankFormat(), name="fakes")
    assert detect_format(FILE) == "fakebank"
    statement = read_statement(FILE)
    (posting,) = statement.postings
    assert posting.amount == Decimal("49.90")
    assert read_statement(FILE, format="fakebank").postings == statement.postings


def test_built_in_formats_come_first(paymatch_plugin_manager: PaymatchPluginManager) -> None:
    mt940 = b":20:STARTUMS\r\n:25:10020030/1234567\r\n:28C:0\r\n:60F:C261120EUR0,00\r\n"
    assert detect_format(mt940) == "mt940"
    assert (
        detect_format(
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
            b'camt.053.001.08"><BkToCstmrStmt>'
        )
        == "camt"
    )
