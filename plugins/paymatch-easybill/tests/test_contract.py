"""The Easybill connector keeps paymatch's order-source contract (paymatch.testing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from paymatch_easybill import EasybillSettings, EasybillSource

from paymatch import PaymentCode
from paymatch.connectors.plugins import get_plugin_manager
from paymatch.core.money import to_minor_units
from paymatch.testing import OrderSourceContract, OrderSourceHarness, SeedOrder, SeedState


def make_settings(url: str, key: str, **extra: Any) -> EasybillSettings:
    """Settings for tests: the fake's URL, small pages, retries that never wait."""
    values: dict[str, Any] = {
        "api_key": key,
        "base_url": url,
        "page_size": 3,
        "backoff": 0,
        "max_retry_wait": 0,
        **extra,
    }
    return EasybillSettings.model_validate(values)


class EasybillHarness(OrderSourceHarness):
    page_size = 3
    payment_codes: Sequence[PaymentCode] = (PaymentCode.INVOICE,)
    supports_cancel = False  # Easybill cancels by a Storno document; paymatch does not write it

    def __init__(self, fake: Any, url: str) -> None:
        self.fake, self.url = fake, url
        self.secrets = [fake.api_key]
        self.reports = frozenset({"customer_name", "email"})

    def make_source(self, *, valid_credentials: bool = True) -> EasybillSource:
        key = self.fake.api_key if valid_credentials else "eb-wrong-key"
        return EasybillSource(make_settings(self.url, key))

    def add_order(self, seed: SeedOrder) -> str:
        first, _, last = seed.customer_name.partition(" ")
        customer = self.fake.add_customer(first_name=first, last_name=last, emails=[seed.email])
        cents = to_minor_units(seed.amount, seed.currency)
        fields: dict[str, Any] = {
            "number": seed.number,
            "currency": seed.currency,
            "created_at": _berlin(seed.created_at),
            "document_date": _berlin(seed.created_at)[:10],
        }
        if seed.state is SeedState.PAID:
            fields.update(paid_amount=cents, paid_at=_berlin(seed.changed_at)[:10])
        document = self.fake.add_invoice(amount=cents, customer=customer, **fields)
        if seed.state is SeedState.CANCELLED:
            self.fake.cancel(document["id"])
        document["edited_at"] = _berlin(seed.changed_at)
        return str(document["id"])

    def add_malformed_order(self) -> str:
        # Valid for the specification (currency is any string), unusable for paymatch.
        document = self.fake.add_invoice(amount=1250, currency="EURO")
        return str(document["id"])

    def unknown_order_id(self) -> str:
        return "999999999"

    def fail_requests(self, status: int | None) -> None:
        self.fake.failure = status


def _berlin(moment: datetime) -> str:
    """Easybill's date-time format: local time in Berlin, ``Y-m-d H:i:s``."""
    return moment.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")


class TestEasybillContract(OrderSourceContract):
    @pytest.fixture
    def harness(self, easybill: Any, easybill_url: str) -> EasybillHarness:
        return EasybillHarness(easybill, easybill_url)


def test_paymatch_finds_the_installed_plugin() -> None:
    manager = get_plugin_manager()
    assert manager.order_source_class("easybill") is EasybillSource
