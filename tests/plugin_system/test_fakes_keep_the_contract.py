"""The fakes of paymatch.testing pass the contract suites they are meant to stand in for."""

from __future__ import annotations

import pytest

from paymatch.testing import (
    BankFormatContract,
    FakeBankFormat,
    FakeOrderSourceHarness,
    OrderSourceContract,
)


class TestFakeOrderSourceContract(OrderSourceContract):
    @pytest.fixture
    def harness(self) -> FakeOrderSourceHarness:
        return FakeOrderSourceHarness()


class TestFakeBankFormatContract(BankFormatContract):
    @pytest.fixture
    def bank_format(self) -> FakeBankFormat:
        return FakeBankFormat()

    @pytest.fixture
    def valid_file(self) -> bytes:
        return FakeBankFormat.render(
            "DE02120300000000202051",
            "EUR",
            [
                ("2026-11-20", "49.90", "Jana Mueller", "Bestellung 10023"),
                ("2026-11-20", "49.90", "Jana Mueller", "Bestellung 10023"),
                ("2026-11-21", "-5.00", "Bank", "Kontofuehrung"),
            ],
        )

    @pytest.fixture
    def broken_file(self) -> bytes:
        return b"FAKEBANK DE02120300000000202051 EUR\n2026-11-20;49.9O;Jana;oops\n"
