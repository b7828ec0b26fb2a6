"""Shared test data for the notification tests: a configuration, accounts, an order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paymatch.core.models import Order
from paymatch.notify.accounts import PayeeAccount
from paymatch.notify.config import NotifyConfig
from paymatch.rules import payment_reference

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

POLICY = """
[policy.invoice.reminders]
levels = 4
fees = { EUR = ["0", "2.50", "5.00"] }
[policy.invoice.collection]
mode = "manual"
"""


def notify_config(**overrides: Any) -> NotifyConfig:
    table: dict[str, Any] = {
        "from": "Beispiel Shop <billing@shop.example>",
        "reply_to": "service@shop.example",
        "merchant": ["owner@shop.example"],
        "shop_name": "Beispiel Shop",
        "payee": "Beispiel GmbH",
    }
    table.update(overrides)
    return NotifyConfig.from_table(table)


ACCOUNTS = [
    PayeeAccount(iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX", bank="Commerzbank"),
    PayeeAccount(iban="AT61 1904 3002 3457 3201", countries=["AT"], holder="Beispiel AT GmbH"),
    PayeeAccount(iban="CH93 0076 2011 6238 5295 7", bic="UBSWCHZH80A", currency="CHF"),
]


def make_order(**changes: Any) -> Order:
    data: dict[str, Any] = {
        "id": "o-1",
        "source": "shop",
        "number": "10023",
        "currency": "EUR",
        "amount": "49.90",
        "email": "kim.meier@example.org",
        "customer_name": "Kim Meier",
        "payment_reference": payment_reference.generate(7),
        "language": "de-DE",
        "country": "DE",
        "payment_code": "prepayment",
        "created_at": datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
    }
    data.update(changes)
    return Order.model_validate(data)
