"""paymatch's order-source contract suite, run against this connector and the fake shop."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from paymatch_woocommerce import WooCommerceSource
from paymatch_woocommerce.fake import FakeWooCommerce

from paymatch import PaymentCode
from paymatch.testing import OrderSourceContract, OrderSourceHarness, SeedOrder, SeedState

from .conftest import CONSUMER_KEY, CONSUMER_SECRET

_METHODS = {
    PaymentCode.PREPAYMENT: "bacs",
    PaymentCode.INVOICE: "cheque",
    PaymentCode.COD: "cod",
}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


class WooCommerceHarness(OrderSourceHarness):
    page_size = 3
    payment_codes = (PaymentCode.PREPAYMENT, PaymentCode.INVOICE, PaymentCode.COD)
    secrets = (CONSUMER_KEY, CONSUMER_SECRET)
    reports = frozenset({"customer_name", "email"})

    def __init__(self, shop: FakeWooCommerce, ca_bundle: str) -> None:
        self.shop = shop
        self.ca_bundle = ca_bundle

    def make_source(self, *, valid_credentials: bool = True) -> WooCommerceSource:
        return WooCommerceSource(
            url=self.shop.url,
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET if valid_credentials else "cs_not_the_secret",
            verify=self.ca_bundle,
            per_page=self.page_size,
            max_attempts=2,
            backoff_base=0,
        )

    def add_order(self, seed: SeedOrder) -> str:
        status = {
            SeedState.OPEN: "on-hold",
            SeedState.PAID: "processing",
            SeedState.CANCELLED: "cancelled",
        }[seed.state]
        if seed.payment_code is PaymentCode.COD and status == "processing":
            status = "completed"  # COD is open while processing; paid means completed
        first, _, last = seed.customer_name.partition(" ")
        order = self.shop.add_order(
            status=status,
            payment_method=_METHODS[seed.payment_code],
            total=str(seed.amount),
            currency=seed.currency,
            billing={"first_name": first, "last_name": last, "email": seed.email},
            number=seed.number,
            date_created=_stamp(seed.created_at),
            date_created_gmt=_stamp(seed.created_at),
            date_modified=_stamp(seed.changed_at),
            date_modified_gmt=_stamp(seed.changed_at),
            fire=False,
        )
        return str(order["id"])

    def add_malformed_order(self) -> str:
        return str(self.shop.add_order(total="", fire=False)["id"])

    def unknown_order_id(self) -> str:
        return "987654321"

    def fail_requests(self, status: int | None) -> None:
        self.shop.fail_all(status)


class TestWooCommerceContract(OrderSourceContract):
    @pytest.fixture(params=["https-basic", "http-oauth1"])
    def harness(
        self,
        request: pytest.FixtureRequest,
        order_template: dict[str, Any],
        tls: tuple[ssl.SSLContext, str],
    ) -> Iterator[WooCommerceHarness]:
        context = tls[0] if request.param.startswith("https") else None
        with FakeWooCommerce(order_template, ssl_context=context) as shop:
            shop.add_key(CONSUMER_KEY, CONSUMER_SECRET)
            yield WooCommerceHarness(shop, tls[1])
