"""Parsing WooCommerce order JSON (the documentation's examples) into paymatch orders."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paymatch_woocommerce.orders import parse_order

from paymatch import Order
from paymatch.connectors.interfaces import OrderProblem


def _gmt(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_retrieve_example_parses_exactly(order_template: dict[str, Any]) -> None:
    order = parse_order(order_template, source="shop-a")
    assert isinstance(order, Order)
    assert order.id == str(order_template["id"])
    assert order.source == "shop-a"
    assert order.number == order_template["number"]
    assert order.amount == Decimal(order_template["total"])
    assert str(order.amount) == order_template["total"]  # exact, no float round trip
    assert order.currency == order_template["currency"]
    assert order.status == order_template["status"]
    assert order.payment_method == order_template["payment_method"]
    assert order.payment_code is None  # left to the mapping
    billing = order_template["billing"]
    assert order.email == billing["email"]
    assert order.customer_name == f"{billing['first_name']} {billing['last_name']}"
    assert order.company is None  # "" in the example
    assert order.country == billing["country"]
    # the *_gmt date, as UTC (the local one is 3 hours off in the example)
    assert order.created_at == _gmt(order_template["date_created_gmt"])
    assert order.customer_number is None  # customer_id 0 = guest


def test_list_example_parses_every_order(wc_examples: dict[str, Any]) -> None:
    orders = [parse_order(item) for item in wc_examples["list_orders"]]
    assert all(isinstance(order, Order) for order in orders)
    assert [o.id for o in orders if isinstance(o, Order)] == [
        str(item["id"]) for item in wc_examples["list_orders"]
    ]
    for order, item in zip(orders, wc_examples["list_orders"], strict=True):
        assert isinstance(order, Order)
        assert order.amount == Decimal(item["total"])


def test_customer_number_meta_invoice_number_and_language(
    order_template: dict[str, Any],
) -> None:
    data = copy.deepcopy(order_template)
    data["customer_id"] = 42
    data["billing"]["company"] = "Muster GmbH"
    data["meta_data"] += [
        {"id": 1, "key": "_wcpdf_invoice_number", "value": "RE-2024-17"},
        {"id": 2, "key": "wpml_language", "value": "de"},
    ]
    order = parse_order(data)
    assert isinstance(order, Order)
    assert order.customer_number == "42"
    assert order.company == "Muster GmbH"
    assert order.invoice_number == "RE-2024-17"
    assert order.language == "de"
    other = parse_order(data, invoice_number_meta_keys=("_other",), language_meta_keys=())
    assert isinstance(other, Order)
    assert other.invoice_number is None
    assert other.language is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"total": "29.355"}, "decimal places"),
        ({"total": 29.35}, "total"),
        ({"total": None}, "total"),
        ({"total": "abc"}, "total"),
        ({"total": "-5.00"}, "negative"),
        ({"currency": "XYZ"}, "currency"),
        ({"status": ""}, "status"),
        ({"date_created_gmt": "yesterday"}, "date"),
    ],
)
def test_malformed_orders_become_problems(
    order_template: dict[str, Any], change: dict[str, Any], words: str
) -> None:
    data = {**copy.deepcopy(order_template), **change}
    problem = parse_order(data)
    assert isinstance(problem, OrderProblem)
    assert problem.order_id == str(order_template["id"])
    assert words in problem.reason.lower()


@pytest.mark.parametrize("bad_id", [None, "727", 0, -1, True])
def test_an_order_without_a_usable_id_is_a_problem(
    order_template: dict[str, Any], bad_id: Any
) -> None:
    problem = parse_order({**order_template, "id": bad_id})
    assert isinstance(problem, OrderProblem)
    assert problem.order_id is None


@given(
    cents=st.integers(min_value=0, max_value=10**12),
    currency=st.sampled_from(["EUR", "USD", "CHF", "GBP"]),
)
def test_two_decimal_totals_parse_exactly(cents: int, currency: str) -> None:
    text = f"{cents // 100}.{cents % 100:02d}"
    order = parse_order({"id": 1, "status": "on-hold", "currency": currency, "total": text})
    assert isinstance(order, Order)
    assert order.amount == Decimal(text)
    assert order.amount * 100 == cents


@given(units=st.integers(min_value=0, max_value=10**9))
def test_zero_decimal_currencies_accept_whole_and_dotted_totals(units: int) -> None:
    for text in (str(units), f"{units}.00"):
        order = parse_order({"id": 1, "status": "pending", "currency": "JPY", "total": text})
        assert isinstance(order, Order)
        assert order.amount == units
