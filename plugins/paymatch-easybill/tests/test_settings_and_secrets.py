"""Settings are validated at the edge; the API key appears in no repr, error or log record."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from paymatch_easybill import DEFAULT_BASE_URL, EasybillError, EasybillSettings, EasybillSource

from paymatch import ConfigError, PaymentCode
from paymatch.connectors.interfaces import ConnectorKind
from paymatch.connectors.plugins import get_plugin_manager

Make = Callable[..., EasybillSource]
KEY = "eb-key-0123456789abcdef"


def test_only_the_key_is_required() -> None:
    source = EasybillSource.from_settings({"api_key": KEY})
    try:
        assert source.settings.base_url == DEFAULT_BASE_URL == "https://api.easybill.de/rest/v1"
        assert source.settings.page_size == 1000
        assert source.settings.max_retry_wait == 60
    finally:
        source.close()


def test_paymatch_builds_it_by_name() -> None:
    cls = get_plugin_manager().order_source_class("easybill")
    source = cls.from_settings({"api_key": KEY, "base_url": "https://easybill.example/rest/v1/"})
    try:
        assert isinstance(source, EasybillSource)
        assert source.settings.base_url == "https://easybill.example/rest/v1"
        assert cls.KIND is ConnectorKind.INVOICING
        assert cls.PUSH is False
    finally:
        source.close()


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({}, "api_key"),
        ({"api_key": " "}, "api_key"),
        ({"api_key": KEY + "\n"}, "api_key"),
        ({"api_key": KEY, "page_size": 1001}, "page_size"),
        ({"api_key": KEY, "page_size": 0}, "page_size"),
        ({"api_key": KEY, "base_url": "http://api.easybill.de/rest/v1"}, "base_url"),
        ({"api_key": KEY, "base_url": "ftp://x"}, "base_url"),
        ({"api_key": KEY, "base_url": "https://x/rest/v1?x=1"}, "base_url"),
        ({"api_key": KEY, "timeout": 0}, "timeout"),
        ({"api_key": KEY, "max_attempts": 0}, "max_attempts"),
        ({"api_key": KEY, "payment_type": "x" * 256}, "payment_type"),
        ({"api_key": KEY, "apikey": KEY}, "apikey"),
    ],
)
def test_bad_settings_name_the_field(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        EasybillSource.from_settings(settings)
    assert field in str(raised.value)
    assert KEY not in str(raised.value), "the key is never echoed"


def test_plain_http_only_to_this_machine() -> None:
    for url in ("http://127.0.0.1:8080/rest/v1", "http://localhost/rest/v1", "http://[::1]/x"):
        assert EasybillSettings(api_key=KEY, base_url=url).base_url == url


def test_the_default_mapping() -> None:
    source = EasybillSource.from_settings({"api_key": KEY})
    try:
        mapping = source.default_mapping()
    finally:
        source.close()
    assert mapping.payment_methods == {"invoice": PaymentCode.INVOICE}
    assert all(mapping.open_statuses[code] == {"open", "partially_paid"} for code in PaymentCode)
    assert mapping.paid_status == dict.fromkeys(PaymentCode, "paid")
    overridden = mapping.overridden_by({"payment_methods": {"invoice": "prepayment"}})
    assert overridden.payment_methods == {"invoice": PaymentCode.PREPAYMENT}


def test_the_key_stays_out_of_reprs_errors_and_logs(
    easybill: Any, make_source: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = make_source()
    document = easybill.add_invoice(amount=100)
    list(source.list_open_orders())
    texts = [repr(source), str(source), repr(source.settings), str(source.settings)]
    texts += [repr(source._client), repr(source.settings.model_dump())]
    # A server that echoes the key in its error message does not get it into ours.
    easybill.intercept = lambda method, path, query: (
        400,
        {},
        {"code": 30001, "message": f"key {easybill.api_key} not allowed", "arguments": []},
    )
    with pytest.raises(EasybillError) as raised:
        source.get_order(str(document["id"]))
    texts += [str(raised.value), repr(raised.value)]
    texts += [record.getMessage() for record in caplog.records]
    assert "***" in str(raised.value)
    leaks = [text for text in texts if easybill.api_key in text]
    assert leaks == []
