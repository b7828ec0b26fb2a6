"""The contract harness for :class:`~paymatch.testing.fakes.FakeOrderSource`.

It is what a connector package writes for its own connector, and shows the shape: seed orders in
the system's native form, make the server fail, build the connector with or without valid keys.
"""

from __future__ import annotations

from paymatch.core.models import PaymentCode
from paymatch.testing.contract import OrderSourceHarness, SeedOrder, SeedState
from paymatch.testing.fakes import (
    FAKE_CANCELLED,
    FAKE_OPEN,
    FAKE_PAID,
    FAKE_PAYMENT_METHODS,
    FakeOrderSource,
    FakeShop,
)

_STATUS = {
    SeedState.OPEN: FAKE_OPEN,
    SeedState.PAID: FAKE_PAID,
    SeedState.CANCELLED: FAKE_CANCELLED,
}
_METHOD = {code: method for method, code in FAKE_PAYMENT_METHODS.items()}


class FakeOrderSourceHarness(OrderSourceHarness):
    page_size = 3
    payment_codes = (PaymentCode.PREPAYMENT, PaymentCode.INVOICE, PaymentCode.COD)

    def __init__(self, shop: FakeShop | None = None) -> None:
        self.shop = shop or FakeShop()
        self.secrets = (self.shop.api_key,)

    def make_source(self, *, valid_credentials: bool = True) -> FakeOrderSource:
        key = self.shop.api_key if valid_credentials else "wrong-key"
        return FakeOrderSource(shop=self.shop, api_key=key, page_size=self.page_size)

    def add_order(self, seed: SeedOrder) -> str:
        return self.shop.add(
            number=seed.number,
            total=str(seed.amount),
            currency=seed.currency,
            status=_STATUS[seed.state],
            payment_method=_METHOD[seed.payment_code],
            customer_name=seed.customer_name,
            email=seed.email,
            created_at=seed.created_at,
            changed_at=seed.changed_at,
        )

    def add_malformed_order(self) -> str:
        return self.shop.add(total="twelve euros", currency=None)

    def unknown_order_id(self) -> str:
        return "999999999"

    def fail_requests(self, status: int | None) -> None:
        self.shop.failure = status
