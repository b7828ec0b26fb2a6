"""Registration, the default mapping, and the fake's fidelity to the documented wire format."""

from __future__ import annotations

import importlib.metadata
import ssl
from typing import Any

import httpx
import paymatch_woocommerce
import pytest
from paymatch_woocommerce import DEFAULT_MAPPING, WooCommerceSource
from paymatch_woocommerce.fake import FakeWooCommerce

from paymatch import ConfigError, Order, PaymentCode
from paymatch.connectors.interfaces import ConnectorKind, OrderSource

from .conftest import CONSUMER_KEY, CONSUMER_SECRET, MakeSource


def test_entry_point_and_hook_register_the_source() -> None:
    [entry] = [
        ep for ep in importlib.metadata.entry_points(group="paymatch") if ep.name == "woocommerce"
    ]
    assert entry.load() is paymatch_woocommerce
    assert paymatch_woocommerce.paymatch_register_order_sources() == [WooCommerceSource]
    assert issubclass(WooCommerceSource, OrderSource)
    assert WooCommerceSource.PLUGIN_NAME == "woocommerce"
    assert WooCommerceSource.KIND is ConnectorKind.SHOP


def test_default_mapping() -> None:
    methods = DEFAULT_MAPPING.payment_methods
    assert methods["bacs"] is PaymentCode.PREPAYMENT
    assert methods["cod"] is PaymentCode.COD
    for invoice in ("cheque", "invoice", "german_market_purchase_on_account"):
        assert methods[invoice] is PaymentCode.INVOICE
    for code in (PaymentCode.PREPAYMENT, PaymentCode.INVOICE):
        assert DEFAULT_MAPPING.open_statuses[code] == {"on-hold", "pending"}
        assert DEFAULT_MAPPING.paid_status[code] == "processing"
    assert "processing" in DEFAULT_MAPPING.open_statuses[PaymentCode.COD]
    assert DEFAULT_MAPPING.paid_status[PaymentCode.COD] == "completed"
    assert set(DEFAULT_MAPPING.cancelled_status.values()) == {"cancelled"}


def test_from_settings_and_bad_settings() -> None:
    source = WooCommerceSource.from_settings(
        {
            "url": "https://shop.example/",
            "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET,
        }
    )
    assert source.settings.api_base == "https://shop.example/wp-json/wc/v3"
    assert source.mapping == DEFAULT_MAPPING
    source.mapping = source.default_mapping().overridden_by(
        {"open_statuses": {"prepayment": ["on-hold"]}}
    )
    assert source.mapping.open_statuses[PaymentCode.PREPAYMENT] == {"on-hold"}
    assert (
        source.mapping.open_statuses[PaymentCode.COD]
        == DEFAULT_MAPPING.open_statuses[PaymentCode.COD]
    )
    source.close()
    for bad, field in (
        ({"per_page": 500}, "per_page"),
        ({"surprise": 1}, "surprise"),
        ({"mapping": {"open_statuses": {}}}, "mapping"),  # overrides live in [sources.X.mapping]
    ):
        with pytest.raises(ConfigError) as caught:
            WooCommerceSource(
                {
                    "url": "https://shop.example",
                    "consumer_key": CONSUMER_KEY,
                    "consumer_secret": CONSUMER_SECRET,
                    **bad,
                }
            )
        assert caught.value.field == field


def _shape(value: Any) -> Any:
    """Keys and JSON types, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items() if key != "_links"}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__ if value is not None else None


def test_the_fake_serves_orders_of_the_documented_shape(
    shop: FakeWooCommerce, make_source: MakeSource, wc_examples: dict[str, Any]
) -> None:
    shop.add_order(status="processing")
    source = make_source(shop)
    [served] = source.client.list_orders({"status": "processing"})
    example = wc_examples["list_orders"][0]
    assert _shape(served) == _shape(example)
    assert isinstance(served["total"], str)
    assert "+" not in served["date_created_gmt"]
    assert "Z" not in served["date_created_gmt"]
    assert set(served["_links"]) == set(example["_links"])
    parsed = source.parse(served)
    assert isinstance(parsed, Order)


def test_paging_headers_and_out_of_range_pages(https_shop: FakeWooCommerce, tls: Any) -> None:
    for _ in range(5):
        https_shop.add_order(fire=False)
    client = httpx.Client(
        auth=(CONSUMER_KEY, CONSUMER_SECRET), verify=ssl.create_default_context(cafile=tls[1])
    )
    url = https_shop.api_url + "/orders"
    page2 = client.get(url, params={"per_page": 2, "page": 2})
    assert page2.headers["X-WP-Total"] == "5"
    assert page2.headers["X-WP-TotalPages"] == "3"
    assert 'rel="prev"' in page2.headers["Link"]
    assert 'rel="next"' in page2.headers["Link"]
    assert len(page2.json()) == 2
    beyond = client.get(url, params={"per_page": 2, "page": 9})
    assert beyond.json() == []
    assert beyond.headers["X-WP-Total"] == "5"
    too_many = client.get(url, params={"per_page": 101})
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "rest_invalid_param"
    assert too_many.json()["data"]["params"]["per_page"].startswith("per_page must be between 1")
    bad_status = client.get(url, params={"status": "paid"})
    assert bad_status.status_code == 400
    order_id = page2.json()[0]["id"]
    note = client.post(f"{url}/{order_id}/notes", json={"note": "hello"})
    assert note.status_code == 201
    assert note.headers["Location"].endswith(f"/orders/{order_id}/notes/{note.json()['id']}")
    bad_put = client.put(f"{url}/{order_id}", json={"status": "paid"})
    assert bad_put.status_code == 400
    assert bad_put.json()["code"] == "rest_invalid_param"
    missing = client.get(f"{url}/999999")
    assert (missing.status_code, missing.json()["code"]) == (
        404,
        "woocommerce_rest_shop_order_invalid_id",
    )
    client.close()
