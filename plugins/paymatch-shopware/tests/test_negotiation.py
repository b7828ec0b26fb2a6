"""Accept negotiation: Shopware answers JSON:API to ``*/*``; the connector only ever asks for and
only ever accepts flat JSON."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from paymatch_shopware import ShopwareResponseError, ShopwareSource
from paymatch_shopware.fake import FakeShopware, negotiate
from paymatch_shopware.fake.server import JSON, JSON_API


def _token(fake: FakeShopware) -> str:
    client_id, secret = next(iter(fake.integrations.items()))
    response = httpx.post(
        f"{fake.url}/api/oauth/token",
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    return str(response.json()["access_token"])


def _search(fake: FakeShopware, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{fake.url}/api/search/order",
        json={"limit": 5},
        headers={"Authorization": f"Bearer {_token(fake)}", **headers},
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json", JSON),
        ("*/*", JSON_API),
        ("application/vnd.api+json", JSON_API),
        ("*/*, application/json", JSON),  # */* itself matches nothing; JSON:API is the last resort
        ("application/json;q=0.5, application/vnd.api+json", JSON_API),
        ("application/json;q=0, */*", JSON_API),
        ("text/html, */*;q=0.8", JSON_API),
        ("text/html", None),
        ("", None),
        (None, None),
    ],
)
def test_negotiation_follows_shopwares_response_factory_registry(
    accept: str | None, expected: str | None
) -> None:
    assert negotiate(accept) == expected


def test_a_default_http_client_gets_json_api(fake: FakeShopware, make_order: Any) -> None:
    fake.add_order(make_order())
    response = httpx.post(
        f"{fake.url}/api/search/order",
        json={"limit": 5},
        headers={"Authorization": f"Bearer {_token(fake)}"},
    )
    assert response.request.headers["accept"] == "*/*"
    assert response.headers["content-type"] == JSON_API
    document = response.json()
    assert {"data", "included", "links", "meta"} <= document.keys()
    assert document["data"][0]["type"] == "order"
    assert "attributes" in document["data"][0]
    assert document["meta"]["total"] == 1


def test_nothing_acceptable_is_415(fake: FakeShopware) -> None:
    response = _search(fake, Accept="text/html")
    assert response.status_code == 415
    assert response.json()["errors"][0]["title"] == "Unsupported Media Type"


def test_the_connector_asks_for_json_on_every_request(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order()
    fake.add_order(order)
    source.list_open_orders()
    source.get_order(order["id"])
    source.list_changed_since(fake.now())
    assert fake.requests
    assert {request.headers.get("accept") for request in fake.requests} == {JSON}
    assert all(r.headers.get("content-type") in (None, JSON) for r in fake.requests)


def test_a_json_api_answer_is_refused_not_misread(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    fake.add_order(make_order())
    fake.force_media_type = JSON_API  # e.g. a proxy that drops the Accept header
    with pytest.raises(ShopwareResponseError, match="JSON:API"):
        source.list_open_orders()
