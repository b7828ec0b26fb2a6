"""Retries: 429 / 5xx / timeouts / connection errors, bounded, with Retry-After; 4xx raised."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paymatch_woocommerce import (
    WooCommerceClient,
    WooCommerceError,
    WooCommerceSettings,
    WooCommerceTransientError,
)
from paymatch_woocommerce.client import backoff_delay
from paymatch_woocommerce.fake import FakeWooCommerce

from .conftest import CONSUMER_KEY, CONSUMER_SECRET, FakeTime, MakeSource


def test_5xx_is_retried_with_growing_backoff(
    shop: FakeWooCommerce, make_source: MakeSource, fake_time: FakeTime
) -> None:
    shop.add_order()
    shop.fail_next(3, status=503)
    source = make_source(shop, backoff_base=1.0)
    assert len(source.list_open_orders()) == 1  # OAuth: each attempt signed with a new nonce
    assert len(fake_time.sleeps) == 3
    assert fake_time.sleeps == sorted(fake_time.sleeps)
    assert fake_time.sleeps[-1] > fake_time.sleeps[0]


def test_retry_after_seconds_is_honoured(
    https_shop: FakeWooCommerce, make_source: MakeSource, fake_time: FakeTime
) -> None:
    https_shop.fail_next(
        status=429,
        headers={"Retry-After": "7"},
        body={"code": "rate_limited", "message": "Slow down", "data": {"status": 429}},
    )
    assert make_source(https_shop).list_open_orders() == []
    assert fake_time.sleeps == [7.0]


def test_retry_after_as_an_http_date(
    https_shop: FakeWooCommerce, make_source: MakeSource, fake_time: FakeTime
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    https_shop.fail_next(status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    make_source(https_shop).list_open_orders()
    [slept] = fake_time.sleeps
    assert 25 <= slept <= 31


def test_attempts_are_bounded(
    https_shop: FakeWooCommerce, make_source: MakeSource, fake_time: FakeTime
) -> None:
    https_shop.fail_next(10, status=502)
    with pytest.raises(WooCommerceTransientError) as caught:
        make_source(https_shop, max_attempts=4).list_open_orders()
    assert caught.value.http_status == 502
    assert len(https_shop.requests) == 4
    assert len(fake_time.sleeps) == 3


def test_total_retry_time_is_bounded(
    https_shop: FakeWooCommerce, make_source: MakeSource, fake_time: FakeTime
) -> None:
    https_shop.fail_next(status=503, headers={"Retry-After": "3600"})
    with pytest.raises(WooCommerceTransientError, match="retry budget") as caught:
        make_source(https_shop, max_retry_seconds=60).list_open_orders()
    assert caught.value.retry_after == 3600
    assert fake_time.sleeps == []
    assert len(https_shop.requests) == 1


def test_client_errors_are_not_retried_and_carry_the_code(
    https_shop: FakeWooCommerce, make_source: MakeSource, fake_time: FakeTime
) -> None:
    source = make_source(https_shop)
    with pytest.raises(WooCommerceError) as caught:
        source.client.request("GET", "/orders", query={"per_page": "500"})
    assert caught.value.http_status == 400
    assert caught.value.code == "rest_invalid_param"
    assert "per_page" in str(caught.value)
    with pytest.raises(WooCommerceError) as caught:
        source.client.request("GET", "/no-such-thing")
    assert caught.value.code == "rest_no_route"
    assert fake_time.sleeps == []
    assert len(https_shop.requests) == 2


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def _client(url: str, fake_time: FakeTime, **overrides: object) -> WooCommerceClient:
    settings = WooCommerceSettings.parse(
        {
            "url": url,
            "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET,
            **overrides,
        }
    )
    return WooCommerceClient(settings, sleep=fake_time.sleep, monotonic=fake_time.monotonic)


def test_timeouts_are_retried_then_transient(silent_port: int, fake_time: FakeTime) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    with (
        _client(url, fake_time, timeout=0.2, max_attempts=2) as client,
        pytest.raises(WooCommerceTransientError, match="timed out"),
    ):
        client.request("GET", "/orders")
    assert len(fake_time.sleeps) == 1


def test_connection_errors_are_retried_then_transient(fake_time: FakeTime) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    with (
        _client(f"http://127.0.0.1:{port}", fake_time, max_attempts=3) as client,
        pytest.raises(WooCommerceTransientError, match="connection failed"),
    ):
        client.request("GET", "/orders")
    assert len(fake_time.sleeps) == 2


@given(
    attempt=st.integers(1, 40),
    base=st.floats(0, 10),
    cap=st.floats(0, 100),
    jitter=st.floats(0, 1),
)
def test_backoff_stays_within_half_and_all_of_its_capped_ceiling(
    attempt: int, base: float, cap: float, jitter: float
) -> None:
    ceiling = min(cap, base * 2 ** (attempt - 1))
    delay = backoff_delay(attempt, base, cap, jitter)
    assert ceiling / 2 - 1e-9 <= delay <= ceiling + 1e-9
    assert backoff_delay(attempt + 1, base, cap, jitter) >= delay - 1e-9
