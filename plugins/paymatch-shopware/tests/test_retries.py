"""Retries on 429, 5xx, timeouts and dropped connections: bounded, with backoff and jitter, and
honouring Retry-After; 4xx are typed errors at once; TLS problems are not retried."""

from __future__ import annotations

import random
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from hypothesis import given
from hypothesis import strategies as st
from paymatch_shopware import ShopwareError, ShopwareSource, ShopwareTransientError
from paymatch_shopware.fake import FakeShopware, ManualClock
from paymatch_shopware.retry import RetryPolicy, parse_retry_after

from paymatch.connectors.interfaces import TransientConnectorError

SEARCH = "/api/search/order"


def _searches(fake: FakeShopware) -> int:
    return sum(1 for r in fake.requests if r.path == SEARCH)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_transient_statuses_are_retried_until_they_pass(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, sleeps: list[float], status: int
) -> None:
    order = make_order()
    fake.add_order(order)
    fake.fail_next(SEARCH, status, times=2)
    assert [o.id for o in source.list_open_orders()] == [order["id"]]
    assert _searches(fake) == 3
    assert len(sleeps) == 2
    # Full jitter below the exponential ceiling (base 0.5 s: 0.5, then 1.0).
    assert 0 <= sleeps[0] <= 0.5
    assert 0 <= sleeps[1] <= 1.0


def test_retry_after_seconds_is_honoured(
    fake: FakeShopware, source: ShopwareSource, sleeps: list[float]
) -> None:
    fake.fail_next(SEARCH, 429, headers={"Retry-After": "7"})
    source.list_open_orders()
    assert sleeps == [7.0]


def test_retry_after_as_a_date_is_honoured(
    fake: FakeShopware, source: ShopwareSource, sleeps: list[float]
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    fake.fail_next(SEARCH, 503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    source.list_open_orders()
    (waited,) = sleeps
    assert 20 <= waited <= 31


def test_retries_are_bounded_by_attempts(
    fake: FakeShopware, connect: Callable[..., ShopwareSource], sleeps: list[float]
) -> None:
    fake.fail_next(SEARCH, 503, times=100)
    source = connect(max_attempts=4)
    with pytest.raises(ShopwareTransientError) as raised:
        source.list_open_orders()
    error = raised.value
    assert isinstance(error, TransientConnectorError)
    assert error.attempts == 4
    assert error.http_status == 503
    assert _searches(fake) == 4
    assert len(sleeps) == 3


def test_retries_are_bounded_by_time(
    fake: FakeShopware, connect: Callable[..., ShopwareSource], sleeps: list[float]
) -> None:
    fake.fail_next(SEARCH, 429, headers={"Retry-After": "600"})
    source = connect(retry_budget=120)
    with pytest.raises(ShopwareTransientError, match="retry budget") as raised:
        source.list_open_orders()
    assert raised.value.retry_after == 600
    assert sleeps == []  # no point waiting ten minutes inside one call
    assert _searches(fake) == 1


def test_a_dropped_connection_is_retried(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, sleeps: list[float]
) -> None:
    fake.add_order(make_order())
    fake.drop_next(SEARCH)
    assert len(source.list_open_orders()) == 1
    assert len(sleeps) == 1


def test_a_timeout_is_retried(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource], sleeps: list[float]
) -> None:
    fake.add_order(make_order())
    fake.stall_next(SEARCH)
    source = connect(timeout=0.2)
    assert len(source.list_open_orders()) == 1
    assert len(sleeps) == 1
    assert _searches(fake) == 2


def test_a_failing_token_endpoint_is_retried(
    fake: FakeShopware, source: ShopwareSource, sleeps: list[float]
) -> None:
    fake.fail_next("/api/oauth/token", 502)
    source.list_open_orders()
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    ("status", "code", "detail"),
    [
        (400, "FRAMEWORK__INVALID_FILTER_QUERY", "bad filter"),
        (403, "FRAMEWORK__MISSING_PRIVILEGE_ERROR", '{"missingPrivileges":["order:read"]}'),
        (404, "0", "No route found"),
    ],
)
def test_client_errors_are_typed_and_not_retried(  # noqa: PLR0917
    fake: FakeShopware,
    source: ShopwareSource,
    sleeps: list[float],
    status: int,
    code: str,
    detail: str,
) -> None:
    fake.fail_next(
        SEARCH,
        status,
        errors=[{"status": str(status), "code": code, "title": "x", "detail": detail}],
    )
    with pytest.raises(ShopwareError) as raised:
        source.list_open_orders()
    assert not isinstance(raised.value, TransientConnectorError)
    assert raised.value.code == code
    assert raised.value.http_status == status
    assert detail in str(raised.value)
    assert sleeps == []
    assert _searches(fake) == 1


def test_an_error_without_shopware_body_still_says_what_happened(
    fake: FakeShopware, source: ShopwareSource
) -> None:
    fake.fail_next(SEARCH, 418, errors=[])
    with pytest.raises(ShopwareError, match="HTTP 418"):
        source.list_open_orders()


# -- TLS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_fake(authority: trustme.CA, clock: ManualClock, wall: Any) -> Iterator[FakeShopware]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with FakeShopware(clock=clock, now=wall, ssl_context=context) as server:
        yield server


def test_https_with_the_shops_certificate_authority(
    tls_fake: FakeShopware,
    authority: trustme.CA,
    make_order: Any,
    connect: Callable[..., ShopwareSource],
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    tls_fake.add_order(make_order())
    source = connect(tls_fake, verify=str(bundle))
    assert tls_fake.url.startswith("https://")
    assert len(source.list_open_orders()) == 1


def test_an_untrusted_certificate_is_refused_at_once(
    tls_fake: FakeShopware, connect: Callable[..., ShopwareSource], sleeps: list[float]
) -> None:
    source = connect(tls_fake)
    with pytest.raises(ShopwareError, match="certificate") as raised:
        source.list_open_orders()
    assert not isinstance(raised.value, TransientConnectorError)
    assert sleeps == []


# -- the policy itself ----------------------------------------------------------------------------


@given(
    attempt=st.integers(1, 30),
    base=st.floats(0.01, 5),
    ceiling=st.floats(0.1, 60),
    seed=st.integers(0, 2**32),
)
def test_backoff_stays_under_its_exponential_ceiling(
    attempt: int, base: float, ceiling: float, seed: int
) -> None:
    policy = RetryPolicy(base=base, max_delay=ceiling)
    delay = policy.delay(attempt, None, random.Random(seed))
    assert 0 <= delay <= min(ceiling, base * 2 ** (attempt - 1))


@given(attempt=st.integers(1, 30), retry_after=st.floats(0, 10_000))
def test_retry_after_wins_over_backoff(attempt: int, retry_after: float) -> None:
    assert RetryPolicy().delay(attempt, retry_after, random.Random(1)) == retry_after


def test_jitter_spreads_clients() -> None:
    policy = RetryPolicy()
    delays = {policy.delay(3, None, random.Random(seed)) for seed in range(20)}
    assert len(delays) > 10


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("12", 12.0),
        ("0", 0.0),
        (" 3 ", 3.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_dates_in_the_past_mean_now() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    header = format_datetime(now - timedelta(minutes=1), usegmt=True)
    assert parse_retry_after(header, now=now) == 0.0
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(header, now=now) == 90.0


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"base": 0}, {"budget": -1}])
def test_a_policy_that_cannot_work_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RetryPolicy(**kwargs)


def test_a_redirect_is_not_followed_but_explained(
    fake: FakeShopware, source: ShopwareSource
) -> None:
    location = "https://www.shop.example/api/search/order"
    fake.fail_next(SEARCH, 301, headers={"Location": location}, errors=[])
    with pytest.raises(ShopwareError, match="redirects to") as raised:
        source.list_open_orders()
    assert raised.value.http_status == 301


def test_a_shop_below_a_path(
    make_order: Any, connect: Callable[..., ShopwareSource], clock: ManualClock, wall: Any
) -> None:
    with FakeShopware(clock=clock, now=wall, base_path="/shop") as fake:
        fake.add_order(make_order())
        assert fake.url.endswith("/shop")
        assert len(connect(fake).list_open_orders()) == 1
        assert len(connect(fake, url=fake.url + "/api/").list_open_orders()) == 1
        assert all(r.path.startswith("/api/") for r in fake.requests)
