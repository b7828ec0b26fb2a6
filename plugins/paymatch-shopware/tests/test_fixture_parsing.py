"""The connector reads the real serialized Shopware order (connector-specs) correctly, directly and
through the fake, which serves orders of exactly that shape."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from paymatch_shopware import ShopwareSource, default_mapping
from paymatch_shopware.criteria import ORDER_INCLUDES, search_body
from paymatch_shopware.fake import FakeShopware
from paymatch_shopware.orders import parse_order

from paymatch import Order
from paymatch.connectors.interfaces import OrderProblem


def _expected(order: dict[str, Any]) -> dict[str, Any]:
    """What the connector must report, read from the payload itself."""
    billing = order["billingAddress"]
    transaction = max(order["transactions"], key=lambda t: t["createdAt"])
    method = transaction["paymentMethod"]
    return {
        "id": order["id"],
        "number": order["orderNumber"],
        "amount": order["amountTotal"],
        "currency": order["currency"]["isoCode"],
        "email": order["orderCustomer"]["email"],
        "customer_number": order["orderCustomer"]["customerNumber"],
        "customer_name": f"{billing['firstName']} {billing['lastName']}",
        "country": billing["country"]["iso"],
        "created_at": datetime.fromisoformat(order["orderDateTime"]),
        "status": transaction["stateMachineState"]["technicalName"],
        "payment_method": method.get("technicalName") or method["handlerIdentifier"],
    }


def _facts(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "amount": order.amount,
        "currency": order.currency,
        "email": order.email,
        "customer_number": order.customer_number,
        "customer_name": order.customer_name,
        "country": order.country,
        "created_at": order.created_at,
        "status": order.status,
        "payment_method": order.payment_method,
    }


def test_the_real_payload_parses_exactly(fixture_order: dict[str, Any]) -> None:
    payload, order = parse_order(fixture_order, default_mapping(), "shop")
    assert isinstance(order, Order), order
    assert _facts(order) == _expected(fixture_order)
    assert isinstance(order.amount, Decimal)
    assert order.source == "shop"
    assert payload is not None
    assert payload.active_transaction() is not None


def test_the_fake_serves_the_payload_and_the_connector_reads_it(
    fake: FakeShopware, fixture_order: dict[str, Any], source: ShopwareSource
) -> None:
    fake.add_order(fixture_order)
    order = source.get_order(fixture_order["id"])
    assert order is not None
    assert _facts(order) == _expected(fixture_order)
    # The fixture's transaction is open, its order too: it is an open order.
    assert [o.id for o in source.list_open_orders()] == [fixture_order["id"]]


def test_served_entities_keep_the_fixture_shape(
    fake: FakeShopware, fixture_order: dict[str, Any]
) -> None:
    fake.add_order(fixture_order)
    stored = fake.order(fixture_order["id"])
    assert stored.keys() == fixture_order.keys()
    for served, real in zip(stored["transactions"], fixture_order["transactions"], strict=True):
        assert served.keys() == real.keys()
        assert served["stateMachineState"].keys() == real["stateMachineState"].keys()
    assert stored["stateMachineState"].keys() == fixture_order["stateMachineState"].keys()


def test_includes_reduce_each_entity_to_the_listed_fields(
    fake: FakeShopware, fixture_order: dict[str, Any], source: ShopwareSource
) -> None:
    fake.add_order(fixture_order)
    source.list_open_orders()
    # Read what goes over the wire (the connector itself never logs bodies).
    token = source._client._access_token()
    response = httpx.post(
        f"{fake.url}/api/search/order",
        json=search_body([], limit=1),
        headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    order = json.loads(response.content, parse_float=Decimal)["data"][0]

    def check(value: Any) -> None:
        if isinstance(value, dict):
            alias = value.get("apiAlias")
            if alias in ORDER_INCLUDES:
                assert set(value) <= {*ORDER_INCLUDES[alias], "apiAlias"}, alias
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    check(order)
    assert set(order) == {*ORDER_INCLUDES["order"], "apiAlias"} - {"primaryOrderTransactionId"}
    # Money stays the exact JSON number of the payload.
    assert order["amountTotal"] == fixture_order["amountTotal"]
    assert b'"amountTotal":395.01' in response.content


def test_a_float_amount_is_refused_not_rounded(fixture_order: dict[str, Any]) -> None:
    float_payload = json.loads(json.dumps(fixture_order, default=str))  # floats, not Decimals
    float_payload["amountTotal"] = 395.01
    _, item = parse_order(float_payload, default_mapping(), "shop")
    assert isinstance(item, OrderProblem)
    assert "amountTotal" in item.reason
    assert "float" in item.reason


def test_spec_file_is_read_from_shared_not_copied(connector_specs: Path) -> None:
    assert (connector_specs / "shopware-payment-fixture.json").is_file()
    plugin = Path(__file__).resolve().parents[1]
    assert not list(plugin.rglob("shopware-payment-fixture.json"))
