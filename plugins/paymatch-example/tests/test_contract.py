"""The Example Shop connector keeps paymatch's order-source contract."""

from __future__ import annotations

import pytest
from paymatch_example import ExampleShop

from paymatch.connectors.plugins import get_plugin_manager
from paymatch.testing import OrderSourceContract, OrderSourceHarness, SeedOrder

STATUS = {"open": "awaiting_payment", "paid": "paid", "cancelled": "cancelled"}
METHOD = {"prepayment": "bank_transfer", "invoice": "invoice", "cod": "cash_on_delivery"}


class ExampleShopHarness(OrderSourceHarness):
    page_size = 3

    def __init__(self, shop, base_url):
        self.shop, self.base_url = shop, base_url
        self.secrets = [shop.token]

    def make_source(self, *, valid_credentials=True):
        token = self.shop.token if valid_credentials else "wrong-token"
        return ExampleShop(self.base_url, token, page_size=self.page_size, backoff=0)

    def add_order(self, seed: SeedOrder) -> str:
        order_id = self.shop.add(
            {
                "number": seed.number,
                "status": STATUS[seed.state],
                "payment_method": METHOD[seed.payment_code],
                "total": str(seed.amount),
                "currency": seed.currency,
                "customer": {"name": seed.customer_name, "email": seed.email},
                "created_at": seed.created_at.isoformat(),
                "updated_at": seed.changed_at.isoformat(),
            }
        )
        return str(order_id)

    def add_malformed_order(self) -> str:
        order = {"number": "EX-BAD", "status": "awaiting_payment", "total": "12,5 EUR"}
        return str(self.shop.add({**order, "updated_at": "2026-01-01T00:00:00+00:00"}))

    def unknown_order_id(self):
        return "999999"

    def fail_requests(self, status):
        self.shop.failure = status


class TestExampleShopContract(OrderSourceContract):
    @pytest.fixture
    def harness(self, example_shop):
        return ExampleShopHarness(*example_shop)


def test_paymatch_finds_the_installed_plugin():
    assert get_plugin_manager().order_source_class("example") is ExampleShop
