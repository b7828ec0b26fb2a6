"""Fixtures: the documentation's example orders, a fake shop over https and over http."""

from __future__ import annotations

import json
import secrets
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from paymatch_woocommerce import WooCommerceClient, WooCommerceSettings, WooCommerceSource
from paymatch_woocommerce.fake import FakeWooCommerce

CONSUMER_KEY = "ck_" + secrets.token_hex(20)
CONSUMER_SECRET = "cs_" + secrets.token_hex(20)
WEBHOOK_SECRET = "wh-" + secrets.token_urlsafe(24)


class FakeTime:
    """A monotonic clock that ``sleep`` advances: retries are tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="session")
def wc_examples(connector_specs: Path) -> dict[str, Any]:
    """``woocommerce-orders-examples.json``: the REST docs' "retrieve" and "list" examples."""
    data: dict[str, Any] = json.loads(
        (connector_specs / "woocommerce-orders-examples.json").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="session")
def order_template(wc_examples: dict[str, Any]) -> dict[str, Any]:
    template: dict[str, Any] = wc_examples["retrieve_order"]
    return template


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """A throwaway CA and a certificate for 127.0.0.1: (server context, CA bundle path)."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    bundle = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return server, str(bundle)


def _shop(template: dict[str, Any], ssl_context: ssl.SSLContext | None) -> FakeWooCommerce:
    shop = FakeWooCommerce(template, ssl_context=ssl_context)
    shop.add_key(CONSUMER_KEY, CONSUMER_SECRET)
    return shop


@pytest.fixture
def https_shop(
    order_template: dict[str, Any], tls: tuple[ssl.SSLContext, str]
) -> Iterator[FakeWooCommerce]:
    with _shop(order_template, tls[0]) as shop:
        yield shop


@pytest.fixture
def http_shop(order_template: dict[str, Any]) -> Iterator[FakeWooCommerce]:
    with _shop(order_template, None) as shop:
        yield shop


@pytest.fixture(params=["https", "http"])
def shop(
    request: pytest.FixtureRequest,
    order_template: dict[str, Any],
    tls: tuple[ssl.SSLContext, str],
) -> Iterator[FakeWooCommerce]:
    """The same tests over https (Basic auth) and plain http (OAuth 1.0a)."""
    with _shop(order_template, tls[0] if request.param == "https" else None) as fake:
        yield fake


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


MakeSource = Callable[..., WooCommerceSource]


@pytest.fixture
def make_source(tls: tuple[ssl.SSLContext, str], fake_time: FakeTime) -> Iterator[MakeSource]:
    """Build a source for a fake shop; keyword arguments override settings."""
    built: list[WooCommerceSource] = []

    def build(shop: FakeWooCommerce, **overrides: Any) -> WooCommerceSource:
        settings = WooCommerceSettings.parse(
            {
                "url": shop.url,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "verify": tls[1],
                **overrides,
            }
        )
        client = WooCommerceClient(
            settings, sleep=fake_time.sleep, monotonic=fake_time.monotonic, jitter=lambda: 0.5
        )
        source = WooCommerceSource(settings, client=client)
        built.append(source)
        return source

    yield build
    for source in built:
        source.close()
