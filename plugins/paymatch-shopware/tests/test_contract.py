"""paymatch's order-source contract, run against the connector and the fake Shopware."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from paymatch_shopware import ShopwareSource
from paymatch_shopware.fake import FakeShopware, ManualClock, shopware_time

from paymatch import PaymentCode
from paymatch.connectors.interfaces import OrderSource
from paymatch.connectors.plugins import get_plugin_manager
from paymatch.testing import OrderSourceContract, OrderSourceHarness, SeedOrder

STATES = {"open": ("open", "open"), "paid": ("paid", "open"), "cancelled": ("open", "cancelled")}
"""Seed state -> (transaction state, order state)."""


class ShopwareHarness(OrderSourceHarness):
    page_size = 3
    payment_codes = (PaymentCode.PREPAYMENT, PaymentCode.INVOICE, PaymentCode.COD)
    supports_cancel = True

    def __init__(self, fake: FakeShopware, make_order: Any, clock: ManualClock) -> None:
        self.fake, self.make_order, self.clock = fake, make_order, clock
        self.secrets = list(fake.integrations.values())

    def make_source(self, *, valid_credentials: bool = True) -> OrderSource:
        settings = self.fake.settings(page_size=self.page_size, max_attempts=3)
        if not valid_credentials:
            settings["client_secret"] = "not-the-secret"
        return ShopwareSource(settings, clock=self.clock, sleep=self.clock.sleep)

    def add_order(self, seed: SeedOrder) -> str:
        transaction_state, order_state = STATES[str(seed.state)]
        order = self.make_order(
            amount=seed.amount,
            currency=seed.currency,
            method=str(seed.payment_code),
            state=transaction_state,
            order_state=order_state,
            created_at=seed.created_at,
            number=seed.number,
            email=seed.email,
        )
        first, _, last = seed.customer_name.partition(" ")
        for person in (order["billingAddress"], order["orderCustomer"]):
            person.update(firstName=first, lastName=last)
        order["updatedAt"] = shopware_time(seed.changed_at)
        order["transactions"][0]["updatedAt"] = shopware_time(seed.changed_at)
        return self.fake.add_order(order)

    def add_malformed_order(self) -> str:
        return self.fake.add_order(self.make_order(amount="12.505"))

    def unknown_order_id(self) -> str:
        return uuid.uuid4().hex

    def fail_requests(self, status: int | None) -> None:
        self.fake.clear_faults()
        if status is not None:
            code = {400: "FRAMEWORK__INVALID_REQUEST", 429: "FRAMEWORK__RATE_LIMIT_EXCEEDED"}
            error = {
                "status": str(status),
                "code": code.get(status, "0"),
                "title": "failure",
                "detail": f"scripted HTTP {status}",
            }
            self.fake.fail_next("/", status, times=10**9, errors=[error])


class TestShopwareContract(OrderSourceContract):
    @pytest.fixture
    def harness(self, fake: FakeShopware, make_order: Any, clock: ManualClock) -> ShopwareHarness:
        return ShopwareHarness(fake, make_order, clock)


def test_paymatch_finds_the_installed_plugin() -> None:
    assert get_plugin_manager().order_source_class("shopware") is ShopwareSource
