"""Settings validation, the default mapping, and overriding it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from paymatch_shopware import ShopwareSettings, ShopwareSource, default_mapping
from paymatch_shopware.fake import FakeShopware
from paymatch_shopware.mapping import DEFAULT_PAYMENT_METHODS, OPEN_TRANSACTION_STATES

from paymatch import ConfigError, Order, PaymentCode

BASE = {"client_id": "SWIA1", "client_secret": "secret"}
HANDLER = "Shopware\\Core\\Checkout\\Payment\\Cart\\PaymentHandler\\"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://shop.example.com", "https://shop.example.com"),
        ("https://shop.example.com/", "https://shop.example.com"),
        ("https://shop.example.com/api", "https://shop.example.com"),
        ("https://shop.example.com/api/", "https://shop.example.com"),
        ("http://localhost:8000/shop", "http://localhost:8000/shop"),
        (" https://shop.example.com ", "https://shop.example.com"),
    ],
)
def test_the_shop_url_is_normalised(url: str, expected: str) -> None:
    assert ShopwareSettings(url=url, **BASE).url == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "shop.example.com"}, "url"),
        ({"url": "ftp://shop.example.com"}, "url"),
        ({"url": "https://shop.example.com?x=1"}, "url"),
        ({"client_id": "  "}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 501}, "page_size"),
        ({"timeout": 0}, "timeout"),
        ({"verify": "/no/such/ca.pem"}, "verify"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    settings = {"url": "https://shop.example.com", **BASE, **changes}
    with pytest.raises(ConfigError) as raised:
        ShopwareSource.from_settings(settings)
    assert raised.value.field == field
    assert "shopware settings" in str(raised.value)


def test_the_default_mapping_covers_the_core_payment_methods() -> None:
    mapping = default_mapping()
    for technical, handler, code in [
        ("payment_prepayment", "PrePayment", PaymentCode.PREPAYMENT),
        ("payment_invoicepayment", "InvoicePayment", PaymentCode.INVOICE),
        ("payment_cashpayment", "CashPayment", PaymentCode.COD),
    ]:
        assert mapping.payment_methods[technical] is code
        assert mapping.payment_methods[HANDLER + handler] is code
    assert "payment_debitpayment" not in mapping.payment_methods


@pytest.mark.parametrize("code", list(PaymentCode))
def test_default_statuses_are_consistent(code: PaymentCode) -> None:
    mapping = default_mapping()
    open_states = mapping.open_statuses[code]
    assert {"open", "reminded", "paid_partially"} <= open_states
    assert mapping.paid_status[code] not in open_states
    cancelled = mapping.cancelled_status.get(code)
    assert cancelled is None or cancelled not in open_states
    assert open_states <= OPEN_TRANSACTION_STATES


def test_a_merchant_maps_their_own_method(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource]
) -> None:
    order = make_order(method="none")  # the fixture's app method, unmapped by default
    fake.add_order(order)
    key = order["transactions"][0]["paymentMethod"]["handlerIdentifier"]
    source = connect()
    (unmapped,) = source.list_open_orders()
    assert isinstance(unmapped, Order)
    assert source.mapping.payment_code(unmapped) is None
    source.mapping = source.default_mapping().overridden_by({"payment_methods": {key: "invoice"}})
    (found,) = source.list_open_orders()
    assert isinstance(found, Order)
    assert found.payment_method == key
    assert source.mapping.payment_code(found) is PaymentCode.INVOICE
    # The defaults are still there.
    assert set(DEFAULT_PAYMENT_METHODS) <= set(source.mapping.payment_methods)


def test_a_second_method_on_a_core_handler_is_recognised_by_its_handler(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(method="prepayment")
    order["transactions"][0]["paymentMethod"]["technicalName"] = "payment_ueberweisung_ch"
    fake.add_order(order)
    (found,) = source.list_open_orders()
    assert isinstance(found, Order)
    assert found.payment_method == HANDLER + "PrePayment"
    assert source.mapping.payment_code(found) is PaymentCode.PREPAYMENT


def test_narrower_open_states_narrow_the_open_list(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource]
) -> None:
    reminded = make_order(state="reminded")
    plain = make_order(state="open")
    fake.add_orders([reminded, plain])
    source = connect()
    source.mapping = source.default_mapping().overridden_by(
        {"open_statuses": {"prepayment": ["open"]}}
    )
    assert [o.id for o in source.list_open_orders()] == [plain["id"]]
    # Invoice and COD keep their defaults, so the search still asks for every open state.


def test_overrides_are_no_setting(fake: FakeShopware) -> None:
    with pytest.raises(ConfigError, match=r"\[sources\.<name>\.mapping\]"):
        ShopwareSource(fake.settings(status_mapping={"open_statuses": {"prepayment": ["open"]}}))


def test_plugin_identity() -> None:
    assert ShopwareSource.PLUGIN_NAME == "shopware"
    assert ShopwareSource.KIND == "shop"
    assert ShopwareSource.PUSH is False
