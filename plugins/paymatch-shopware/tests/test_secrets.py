"""The client secret and access tokens never show in reprs, exception texts or logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from paymatch_shopware import ShopwareError, ShopwareSettings, ShopwareSource
from paymatch_shopware.fake import FakeShopware

from paymatch import ConfigError

SECRET = "s3cr3t-Access-Key-that-must-not-leak"


@pytest.fixture
def secret_fake(clock: Any, wall: Any) -> Any:
    with FakeShopware(integrations={"SWIASECRETTEST": SECRET}, clock=clock, now=wall) as server:
        yield server


def _tokens(fake: FakeShopware) -> set[str]:
    return {
        r.headers["authorization"].removeprefix("Bearer ")
        for r in fake.requests
        if "authorization" in r.headers
    }


def _assert_clean(text: str, fake: FakeShopware) -> None:
    assert SECRET not in text
    for token in _tokens(fake):
        assert token not in text
        # Not even a recognisable part of a token (each is three long random segments).
        for segment in token.split("."):
            assert segment not in text


def test_reprs_hold_no_secret(
    secret_fake: FakeShopware, connect: Callable[..., ShopwareSource]
) -> None:
    source = connect(secret_fake)
    source.list_open_orders()
    settings = source.settings
    for text in (repr(source), str(source), repr(settings), str(settings), repr(source._client)):
        _assert_clean(text, secret_fake)
    assert settings.model_dump()["client_secret"] != SECRET
    assert SECRET not in settings.model_dump_json()


def test_nothing_is_logged_with_a_secret(
    secret_fake: FakeShopware,
    connect: Callable[..., ShopwareSource],
    make_order: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    order = make_order()
    secret_fake.add_order(order)
    secret_fake.fail_next("/api/oauth/token", 503)
    secret_fake.fail_next("/api/search/order", 429, headers={"Retry-After": "1"})
    source = connect(secret_fake)
    source.list_open_orders()
    secret_fake.revoke_tokens()
    source.get_order(order["id"])
    assert caplog.records
    assert _tokens(secret_fake)
    for record in caplog.records:
        _assert_clean(record.getMessage(), secret_fake)


def test_error_texts_hold_no_secret(
    secret_fake: FakeShopware, connect: Callable[..., ShopwareSource]
) -> None:
    source = connect(secret_fake)
    source.list_open_orders()
    token = next(iter(_tokens(secret_fake)))
    # A server that echoes what it got in its error message.
    secret_fake.fail_next(
        "/api/search/order",
        400,
        errors=[{"code": "X", "status": "400", "detail": f"bad {SECRET} and {token}"}],
    )
    with pytest.raises(ShopwareError) as raised:
        source.list_open_orders()
    _assert_clean(str(raised.value), secret_fake)
    assert "***" in str(raised.value)

    wrong = connect(secret_fake, client_secret=SECRET + "x")
    with pytest.raises(ShopwareError) as refused:
        wrong.list_open_orders()
    assert SECRET not in str(refused.value)
    assert SECRET not in repr(refused.value)

    secret_fake.fail_next("/api/search/order", 503, times=10)
    with pytest.raises(ShopwareError) as transient:
        source.list_open_orders()
    _assert_clean(str(transient.value), secret_fake)


def test_bad_settings_do_not_echo_the_secret() -> None:
    with pytest.raises(ConfigError) as raised:
        ShopwareSource({"url": "ftp://shop", "client_id": "SWIA1", "client_secret": SECRET})
    assert SECRET not in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        ShopwareSource(
            {"url": "https://shop", "client_id": "SWIA1", "client_secret": SECRET, "x": 1}
        )
    assert SECRET not in str(raised.value)


def test_the_secret_is_still_usable(secret_fake: FakeShopware) -> None:
    settings = ShopwareSettings(
        url=secret_fake.url, client_id="SWIASECRETTEST", client_secret=SECRET
    )
    assert settings.client_secret.get_secret_value() == SECRET
