"""Credentials never appear in logs, reprs or exception texts."""

from __future__ import annotations

import logging

import pytest
from paymatch_woocommerce import (
    WebhookReceiver,
    WooCommerceError,
    WooCommerceSettings,
    WooCommerceSource,
    WooCommerceTransientError,
)
from paymatch_woocommerce.fake import FakeWooCommerce
from paymatch_woocommerce.redact import redact_url

from paymatch import ConfigError

from .conftest import CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET, MakeSource

SECRETS = (CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET)


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_reprs_and_dumps_hide_the_secrets(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    source = make_source(shop, webhook_secret=WEBHOOK_SECRET)
    for text in (
        repr(source),
        str(source),
        repr(source.settings),
        str(source.settings),
        source.settings.model_dump_json(),
        repr(source.client),
        repr(source.webhook_receiver()),
        repr(WebhookReceiver(WEBHOOK_SECRET)),
    ):
        _clean(text)


def test_nothing_secret_is_logged_even_at_debug(
    shop: FakeWooCommerce, make_source: MakeSource, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    order = shop.add_order()
    shop.fail_next(2, status=503)
    source = make_source(shop)
    source.list_open_orders()
    source.get_order(str(order["id"]))
    with pytest.raises(WooCommerceError):
        make_source(shop, consumer_secret=CONSUMER_SECRET + "x").list_open_orders()
    assert any("HTTP Request" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        _clean(record.getMessage())


def test_exception_texts_hide_the_secrets(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    shop.fail_next(
        5, status=503, body={"message": f"proxy: {shop.url}?consumer_key={CONSUMER_KEY}"}
    )
    with pytest.raises(WooCommerceTransientError) as transient:
        make_source(shop, max_attempts=2).list_open_orders()
    _clean(str(transient.value))
    with pytest.raises(WooCommerceError) as refused:
        make_source(shop, consumer_secret="cs_" + "0" * 40).list_open_orders()
    _clean(str(refused.value))


def test_settings_errors_do_not_echo_the_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        WooCommerceSettings.parse(
            {
                "url": "ftp://shop.example",
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
            }
        )
    _clean(str(caught.value))
    with pytest.raises(ConfigError) as caught:
        WooCommerceSource(
            url="https://shop.example", consumer_key=CONSUMER_KEY, consumer_secret=[CONSUMER_SECRET]
        )
    assert caught.value.field == "consumer_secret"
    _clean(str(caught.value))


def test_redact_url_masks_credential_parameters_and_auth_headers() -> None:
    text = (
        f"GET http://x/wp-json/wc/v3/orders?status=on-hold&oauth_consumer_key={CONSUMER_KEY}"
        f"&oauth_signature=abc%2B&consumer_secret={CONSUMER_SECRET} Authorization: Basic Y2s6Y3M="
    )
    cleaned = redact_url(text)
    _clean(cleaned)
    assert "status=on-hold" in cleaned
    assert "Y2s6Y3M=" not in cleaned
