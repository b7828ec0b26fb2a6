"""Retries: bounded, with backoff and jitter, honouring Easybill's Retry-After; typed errors."""

from __future__ import annotations

import random
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paymatch_easybill import (
    EasybillError,
    EasybillSettings,
    EasybillSource,
    EasybillTransientError,
)
from paymatch_easybill.client import backoff_wait

Make = Callable[..., EasybillSource]


class Sleeps(list[float]):
    """A stand-in for time.sleep that records the waits (and lets the fake's minute pass)."""

    def __init__(self, fake: Any = None) -> None:
        super().__init__()
        self.fake = fake

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.fake is not None:
            self.fake.window.clear()


def fail_first(fake: Any, *answers: tuple[int, dict[str, str]]) -> None:
    fake.fail_next = list(answers)


def test_a_rate_limited_request_waits_as_easybill_asks(easybill: Any, make_source: Make) -> None:
    easybill.add_invoice(amount=100)
    fail_first(easybill, (429, {"Retry-After": "7"}))
    sleeps = Sleeps()
    orders = list(make_source(sleep=sleeps, max_retry_wait=60).list_open_orders())
    assert len(orders) == 1
    assert sleeps == [7.0]


def test_retry_after_as_an_http_date(easybill: Any, make_source: Make) -> None:
    easybill.add_invoice(amount=100)
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    fail_first(easybill, (429, {"Retry-After": when}))
    sleeps = Sleeps()
    list(make_source(sleep=sleeps, max_retry_wait=60).list_open_orders())
    assert len(sleeps) == 1
    assert 25 <= sleeps[0] <= 30


def test_a_wait_longer_than_allowed_fails_at_once_and_says_how_long(
    easybill: Any, make_source: Make
) -> None:
    fail_first(easybill, (429, {"Retry-After": "120"}))
    sleeps = Sleeps()
    with pytest.raises(EasybillTransientError) as raised:
        list(make_source(sleep=sleeps, max_retry_wait=60).list_open_orders())
    assert sleeps == []
    assert raised.value.retry_after == 120
    assert raised.value.http_status == 429
    assert len(easybill.requests) == 1


def test_the_per_minute_limit_of_the_plan(easybill: Any, make_source: Make) -> None:
    """A PLUS plan (10 requests a minute): a long listing waits for the next minute."""
    for i in range(30):
        easybill.add_invoice(amount=100 + i)
    easybill.rate_limit = 10
    sleeps = Sleeps(easybill)
    orders = list(make_source(sleep=sleeps, page_size=2, max_retry_wait=60).list_open_orders())
    assert len(orders) == 30
    assert sleeps, "the limit was hit"
    assert all(0 < wait <= 60 for wait in sleeps)
    limited = len(sleeps)
    assert len(easybill.requests) == 30 + limited, "15 pages, read twice, plus the refused ones"


@pytest.mark.parametrize("status", [409, 500, 502, 503, 504])
def test_server_trouble_is_retried_with_growing_waits(
    easybill: Any, make_source: Make, status: int
) -> None:
    easybill.add_invoice(amount=100)
    fail_first(easybill, (status, {}), (status, {}), (status, {}))
    sleeps = Sleeps()
    source = make_source(sleep=sleeps, backoff=1.0, max_retry_wait=60, max_attempts=4)
    assert len(list(source.list_open_orders())) == 1
    assert len(sleeps) == 3
    for attempt, wait in enumerate(sleeps):
        assert 2**attempt / 2 <= wait <= 2**attempt, "equal jitter within the doubled backoff"


def test_attempts_are_bounded(easybill: Any, make_source: Make) -> None:
    easybill.failure = 503
    sleeps = Sleeps()
    with pytest.raises(EasybillTransientError) as raised:
        make_source(sleep=sleeps, backoff=0.5, max_retry_wait=60, max_attempts=3).get_order("1")
    assert len(easybill.requests) == 3
    assert len(sleeps) == 2
    assert raised.value.http_status == 503
    assert raised.value.code == "service_unavailable", "a code even where the body has none"


def test_total_waiting_is_bounded(easybill: Any, make_source: Make) -> None:
    easybill.failure = 500
    sleeps = Sleeps()
    source = make_source(
        sleep=sleeps, backoff=4, max_retry_wait=60, max_total_wait=10, max_attempts=10
    )
    with pytest.raises(EasybillTransientError):
        source.get_order("1")
    assert sum(sleeps) <= 10
    assert len(easybill.requests) < 10


@given(
    backoff=st.floats(min_value=0, max_value=30),
    cap=st.floats(min_value=0, max_value=120),
    attempt=st.integers(min_value=1, max_value=12),
    seed=st.integers(),
)
def test_backoff_waits_stay_within_their_bounds(
    backoff: float, cap: float, attempt: int, seed: int
) -> None:
    wait = backoff_wait(attempt, backoff, cap, random.Random(seed))
    base = min(cap, backoff * 2 ** (attempt - 1))
    assert base / 2 <= wait <= base


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_an_unreachable_server_is_transient_after_the_tries() -> None:
    sleeps = Sleeps()
    settings = EasybillSettings(
        api_key="k",
        base_url=f"http://127.0.0.1:{free_port()}/rest/v1",
        backoff=0.25,
        max_retry_wait=60,
        max_attempts=3,
    )
    source = EasybillSource(settings, sleep=sleeps)
    try:
        with pytest.raises(EasybillTransientError) as raised:
            list(source.list_open_orders())
    finally:
        source.close()
    assert raised.value.code == "network"
    assert len(sleeps) == 2


def test_a_slow_answer_to_a_read_is_retried(easybill: Any, make_source: Make) -> None:
    easybill.add_invoice(amount=100)
    easybill.slow = [0.5]
    assert len(list(make_source(timeout=0.2, max_attempts=2).list_open_orders())) == 1
    easybill.settle()
    assert len(easybill.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 414, 422])
def test_client_errors_are_not_retried(easybill: Any, make_source: Make, status: int) -> None:
    easybill.failure = status
    with pytest.raises(EasybillError) as raised:
        list(make_source().list_open_orders())
    assert not isinstance(raised.value, EasybillTransientError)
    assert raised.value.http_status == status
    assert raised.value.code
    assert len(easybill.requests) == 1


def test_the_documented_400_body(easybill: Any, make_source: Make) -> None:
    easybill.failure = 400
    with pytest.raises(EasybillError) as raised:
        list(make_source().list_open_orders())
    assert raised.value.code == "20000"
    assert raised.value.arguments == ("last_name", "company_name")
    assert raised.value.connector == "easybill"


def test_a_wrong_key_is_an_authentication_error(easybill: Any, make_source: Make) -> None:
    with pytest.raises(EasybillError) as raised:
        list(make_source(api_key="wrong").list_open_orders())
    assert raised.value.http_status == 401
    assert "API key" in str(raised.value)
    assert len(easybill.requests) == 1


def test_an_answer_that_is_not_json_is_an_error(easybill: Any, make_source: Make) -> None:
    easybill.intercept = lambda method, path, query: (200, {}, "<html>maintenance</html>")
    with pytest.raises(EasybillError) as raised:
        make_source().get_order("1")
    assert raised.value.code == "invalid_response"
