"""Client credentials: one token per lifetime, renewed a minute early and once on a 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from paymatch_shopware import ShopwareAuthError, ShopwareSource
from paymatch_shopware.client import RENEW_EARLY, TOKEN_PATH
from paymatch_shopware.fake import FakeShopware, ManualClock


def _token_requests(fake: FakeShopware) -> list[Any]:
    return [r for r in fake.requests if r.path == TOKEN_PATH]


def _search_tokens(fake: FakeShopware) -> list[str]:
    return [r.headers["authorization"] for r in fake.requests if r.path == "/api/search/order"]


def test_the_token_request_carries_the_integration_credentials(
    fake: FakeShopware, source: ShopwareSource
) -> None:
    source.list_open_orders()
    (request,) = _token_requests(fake)
    client_id, secret = next(iter(fake.integrations.items()))
    assert request.body == {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
    }
    assert request.headers["content-type"] == "application/json"


def test_one_token_serves_many_requests(fake: FakeShopware, source: ShopwareSource) -> None:
    for _ in range(5):
        source.list_open_orders()
    assert len(_token_requests(fake)) == 1
    assert len(set(_search_tokens(fake))) == 1


@pytest.mark.parametrize("ttl", [600, 3600, 61, 30])
def test_the_token_is_renewed_shortly_before_it_expires(
    fake: FakeShopware, connect: Callable[..., ShopwareSource], clock: ManualClock, ttl: int
) -> None:
    fake.token_ttl = ttl
    source = connect()
    source.list_open_orders()
    renew_after = ttl - RENEW_EARLY if ttl > 2 * RENEW_EARLY else ttl / 2
    clock.advance(renew_after - 1)
    source.list_open_orders()
    assert len(_token_requests(fake)) == 1
    clock.advance(1)
    source.list_open_orders()
    assert len(_token_requests(fake)) == 2
    # Never a request with an expired token: no 401 was answered.
    assert all(
        r.path != "/api/search/order" or r.headers.get("authorization") for r in fake.requests
    )
    assert len(set(_search_tokens(fake))) == 2


def test_a_revoked_token_is_renewed_once_and_the_request_goes_through(
    fake: FakeShopware, source: ShopwareSource
) -> None:
    source.list_open_orders()
    fake.revoke_tokens()
    assert source.list_open_orders() == []
    assert len(_token_requests(fake)) == 2
    searches = _search_tokens(fake)
    assert len(searches) == 3  # ok, refused with the old token, ok with the new one
    assert searches[0] == searches[1] != searches[2]


def test_a_second_401_is_an_auth_error_with_shopwares_code(
    fake: FakeShopware, source: ShopwareSource
) -> None:
    fake.reject_all_tokens = True
    with pytest.raises(ShopwareAuthError) as raised:
        source.list_open_orders()
    assert raised.value.http_status == 401
    assert raised.value.code == "9"
    assert "Access token could not be verified" in str(raised.value)
    assert len(_token_requests(fake)) == 2


def test_a_wrong_secret_is_an_auth_error_not_retried(
    fake: FakeShopware, connect: Callable[..., ShopwareSource], sleeps: list[float]
) -> None:
    source = connect(client_secret="not-the-secret")
    with pytest.raises(ShopwareAuthError) as raised:
        source.list_open_orders()
    assert raised.value.code == "4"
    assert raised.value.http_status == 401
    assert "Client authentication failed" in str(raised.value)
    assert len(_token_requests(fake)) == 1
    assert sleeps == []


def test_an_unknown_integration_is_refused(
    fake: FakeShopware, connect: Callable[..., ShopwareSource]
) -> None:
    source = connect(client_id="SWIAUNKNOWN")
    with pytest.raises(ShopwareAuthError):
        source.get_order("0" * 32)


def test_throttled_login_waits_the_seconds_shopware_names(
    fake: FakeShopware, source: ShopwareSource, sleeps: list[float]
) -> None:
    fake.throttle_login(10)
    assert source.list_open_orders() == []
    assert sleeps == [10.0]
    assert len(_token_requests(fake)) == 2


def test_throttled_login_honours_retry_after(
    fake: FakeShopware, source: ShopwareSource, sleeps: list[float]
) -> None:
    fake.throttle_login(25, retry_after=True)
    source.list_open_orders()
    assert sleeps == [25.0]


def test_requests_without_a_token_are_refused_by_the_fake(fake: FakeShopware) -> None:
    response = httpx.post(
        f"{fake.url}/api/search/order", json={}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 401
    (error,) = response.json()["errors"]
    assert error["code"] == "9"
    assert error["title"] == "The resource owner or authorization server denied the request."
