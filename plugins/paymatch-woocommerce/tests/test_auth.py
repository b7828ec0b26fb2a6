"""Authentication over real HTTP: Basic over https, OAuth 1.0a over plain http, and failures."""

from __future__ import annotations

import base64
import ssl
import time
from typing import Any

import httpx
import pytest
from paymatch_woocommerce import (
    WooCommerceAuthError,
    WooCommerceClient,
    WooCommerceSettings,
    WooCommerceSource,
    WooCommerceTransientError,
    oauth,
)
from paymatch_woocommerce.fake import FakeWooCommerce

from paymatch import ConfigError

from .conftest import CONSUMER_KEY, CONSUMER_SECRET, MakeSource


def _error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["data"]["status"] == response.status_code
    return response.status_code, body["code"], body["message"]


@pytest.mark.parametrize("signature_method", ["HMAC-SHA256", "HMAC-SHA1"])
@pytest.mark.parametrize("in_header", [False, True])
def test_oauth_over_plain_http(
    http_shop: FakeWooCommerce, make_source: MakeSource, signature_method: str, in_header: bool
) -> None:
    http_shop.add_order(status="on-hold")
    source = make_source(
        http_shop, oauth_signature_method=signature_method, oauth_in_header=in_header
    )
    assert source.settings.auth_scheme == "oauth1"
    orders = source.list_open_orders()
    assert len(orders) == 1
    request = http_shop.api_requests("GET")[-1]
    assert "authorization" not in request.headers or in_header
    assert ("oauth_signature" in request.query) is not in_header


def test_basic_auth_over_https(https_shop: FakeWooCommerce, make_source: MakeSource) -> None:
    https_shop.add_order(status="pending")
    source = make_source(https_shop)
    assert source.settings.auth_scheme == "basic"
    assert len(source.list_open_orders()) == 1
    request = https_shop.api_requests("GET")[-1]
    expected = base64.b64encode(f"{CONSUMER_KEY}:{CONSUMER_SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert not any(name.startswith("oauth_") for name in request.query)


def test_oauth_works_for_a_shop_in_a_sub_folder(
    order_template: dict[str, Any], make_source: MakeSource
) -> None:
    with FakeWooCommerce(order_template, home_path="/shop") as shop:
        shop.add_key(CONSUMER_KEY, CONSUMER_SECRET)
        shop.add_order()
        assert shop.url.endswith("/shop")
        assert len(make_source(shop).list_open_orders()) == 1


def test_wrong_secret_is_an_auth_error_with_woocommerces_code(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    source = make_source(shop, consumer_secret="cs_wrong")
    with pytest.raises(WooCommerceAuthError) as caught:
        source.list_open_orders()
    assert caught.value.http_status == 401
    assert caught.value.code == "woocommerce_rest_authentication_error"
    expected = "Consumer secret is invalid." if shop.is_ssl else "provided signature does not"
    assert expected in str(caught.value)
    assert len(shop.requests) == 1  # auth errors are not retried


def test_unknown_key(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    with pytest.raises(WooCommerceAuthError) as caught:
        make_source(shop, consumer_key="ck_unknown").list_open_orders()
    if shop.is_ssl:  # an unknown Basic key is simply anonymous for WooCommerce
        assert caught.value.code == "woocommerce_rest_cannot_view"
        assert "Sorry, you cannot list resources." in str(caught.value)
    else:
        assert caught.value.code == "woocommerce_rest_authentication_error"
        assert "Consumer key is invalid." in str(caught.value)


def test_clock_skew_beyond_15_minutes_is_refused(
    http_shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    source = make_source(http_shop)
    source.client._wallclock = lambda: time.time() - 16 * 60
    with pytest.raises(WooCommerceAuthError, match=r"Invalid timestamp\."):
        source.list_open_orders()
    source.client._wallclock = lambda: time.time() + 14 * 60
    assert source.list_open_orders() == []


def test_a_replayed_oauth_request_is_refused(http_shop: FakeWooCommerce) -> None:
    url = http_shop.api_url + "/orders"
    params = oauth.oauth_parameters(
        method="GET",
        url=url,
        query={"status": "on-hold"},
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        signature_method="HMAC-SHA256",
        timestamp=int(time.time()),
    )
    query = "&".join(
        f"{oauth.percent_encode(k)}={oauth.percent_encode(v)}"
        for k, v in {"status": "on-hold", **params}.items()
    )
    first = httpx.get(f"{url}?{query}")
    second = httpx.get(f"{url}?{query}")
    assert first.status_code == 200
    assert _error(second) == (
        401,
        "woocommerce_rest_authentication_error",
        "Invalid nonce - nonce has already been used.",
    )


def test_incomplete_oauth_parameters(http_shop: FakeWooCommerce) -> None:
    response = httpx.get(http_shop.api_url + "/orders", params={"oauth_consumer_key": CONSUMER_KEY})
    assert _error(response) == (
        401,
        "woocommerce_rest_authentication_missing_parameter",
        "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature, "
        "oauth_signature_method",
    )


def test_woocommerce_ignores_basic_auth_over_plain_http(http_shop: FakeWooCommerce) -> None:
    response = httpx.get(http_shop.api_url + "/orders", auth=(CONSUMER_KEY, CONSUMER_SECRET))
    assert _error(response) == (
        401,
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot list resources.",
    )


def test_query_string_credentials_are_accepted_over_https(
    https_shop: FakeWooCommerce, tls: tuple[ssl.SSLContext, str]
) -> None:
    response = httpx.get(
        https_shop.api_url + "/orders",
        params={"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET},
        verify=ssl.create_default_context(cafile=tls[1]),
    )
    assert response.status_code == 200


def test_basic_auth_over_plain_http_is_refused_before_sending(
    http_shop: FakeWooCommerce,
) -> None:
    with pytest.raises(ConfigError, match="plain http") as caught:
        WooCommerceSource(
            url=http_shop.url,
            consumer_key=CONSUMER_KEY,
            consumer_secret=CONSUMER_SECRET,
            auth="basic",
        )
    assert caught.value.field is None or "auth" not in (caught.value.field or "")
    assert http_shop.requests == []


def test_the_tls_certificate_is_verified(https_shop: FakeWooCommerce) -> None:
    settings = WooCommerceSettings.parse(
        {"url": https_shop.url, "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}
    )
    with (
        WooCommerceClient(settings, sleep=lambda _: None) as client,
        pytest.raises(WooCommerceTransientError, match="connection failed") as caught,
    ):
        client.request("GET", "/orders", retry=False)
    assert "CERTIFICATE" in str(caught.value).upper()
    assert https_shop.requests == []


def test_a_read_only_key_cannot_write(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    shop.keys[CONSUMER_KEY].permissions = "read"
    order = shop.add_order()
    source = make_source(shop)
    assert source.get_order(str(order["id"])) is not None
    with pytest.raises(WooCommerceAuthError, match="does not have write permissions"):
        source.client.update_order(str(order["id"]), {"status": "processing"})
    assert shop.order(order["id"])["status"] == "on-hold"
