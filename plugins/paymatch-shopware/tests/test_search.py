"""Reading orders: the open filter, the active transaction, complete paging, changes, problems."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paymatch_shopware import ShopwareError, ShopwareResponseError, ShopwareSource
from paymatch_shopware.fake import FakeShopware

from paymatch import ConfigError, Order
from paymatch.connectors.interfaces import OrderProblem

SEARCH = "/api/search/order"


def _ids(items: list[Order | OrderProblem]) -> list[str]:
    return [item.id for item in items if isinstance(item, Order)]


def _searches(fake: FakeShopware) -> list[Any]:
    return [r.body for r in fake.requests if r.path == SEARCH]


# -- the open filter --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "order_state", "is_open"),
    [
        ("open", "open", True),
        ("reminded", "open", True),
        ("paid_partially", "in_progress", True),
        ("in_progress", "open", True),
        ("unconfirmed", "open", True),
        ("authorized", "completed", True),
        ("open", "cancelled", False),
        ("paid", "open", False),
        ("cancelled", "open", False),
        ("refunded", "completed", False),
        ("failed", "open", False),
        ("chargeback", "open", False),
    ],
)
def test_open_means_an_open_active_transaction_on_an_order_not_cancelled(  # noqa: PLR0917
    fake: FakeShopware,
    make_order: Any,
    source: ShopwareSource,
    state: str,
    order_state: str,
    is_open: bool,
) -> None:
    order = make_order(state=state, order_state=order_state)
    fake.add_order(order)
    assert _ids(source.list_open_orders()) == ([order["id"]] if is_open else [])


def test_the_newest_transaction_decides(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, wall: Any
) -> None:
    later = wall() + timedelta(minutes=5)
    # An old open transaction, paid through a newer one: not open.
    paid = make_order(state="open", extra_transactions=[("paid", later)])
    # The payment method was changed: old transaction cancelled, the new one open.
    switched = make_order(state="cancelled", extra_transactions=[("open", later)])
    fake.add_orders([paid, switched])
    orders = source.list_open_orders()
    assert _ids(orders) == [switched["id"]]
    assert orders[0].status == "open"  # type: ignore[union-attr]


def test_the_open_request_filters_sorts_and_asks_for_exact_counts(
    fake: FakeShopware, source: ShopwareSource
) -> None:
    source.list_open_orders()
    (body,) = _searches(fake)
    assert body["total-count-mode"] == 1
    assert body["page"] == 1
    assert 1 <= body["limit"] <= 500
    kinds = {f["type"] for f in body["filter"]}
    assert {"equalsAny", "not"} <= kinds
    assert body["sort"][0] == {"field": "createdAt", "order": "ASC"}
    assert "transactions" in body["associations"]
    assert "order" in body["includes"]


def test_every_payment_code_is_reported_and_unmapped_methods_too(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    orders = {method: make_order(method=method) for method in ("prepayment", "invoice", "cod")}
    orders["app"] = make_order(method="none")  # the fixture's app payment method, not mapped
    fake.add_orders(orders.values())
    found = {o.id: o for o in source.list_open_orders() if isinstance(o, Order)}
    assert set(found) == {o["id"] for o in orders.values()}
    mapping = source.mapping
    assert {m: mapping.payment_code(found[o["id"]]) for m, o in orders.items()} == {
        "prepayment": "prepayment",
        "invoice": "invoice",
        "cod": "cod",
        "app": None,
    }


# -- paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "page_size"), [(0, 10), (1, 1), (10, 10), (11, 10), (57, 7)])
def test_paging_returns_every_order_exactly_once(
    fake: FakeShopware,
    make_order: Any,
    connect: Callable[..., ShopwareSource],
    count: int,
    page_size: int,
) -> None:
    orders = [make_order() for _ in range(count)]
    fake.add_orders(orders)
    source = connect(page_size=page_size)
    found = _ids(source.list_open_orders())
    assert sorted(found) == sorted(o["id"] for o in orders)
    assert len(found) == len(set(found))
    assert len(_searches(fake)) == max(1, math.ceil(count / page_size))
    assert all(body["limit"] == page_size for body in _searches(fake))


def test_the_largest_page_shopware_allows(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource]
) -> None:
    fake.add_orders(make_order() for _ in range(501))
    assert len(connect(page_size=500).list_open_orders()) == 501
    assert [body["limit"] for body in _searches(fake)] == [500, 500]


def test_a_page_above_500_is_refused_by_shopware_and_by_the_settings(
    fake: FakeShopware, connect: Callable[..., ShopwareSource]
) -> None:
    with pytest.raises(ConfigError, match="page_size"):
        connect(page_size=501)
    source = connect()
    with pytest.raises(ShopwareError) as raised:
        source._client.search_orders({"limit": 501})
    assert raised.value.code == "FRAMEWORK__QUERY_LIMIT_EXCEEDED"
    assert raised.value.http_status == 400
    assert "MAX_LIMIT(=500)" in str(raised.value)
    assert raised.value.errors[0]["source"] == {"pointer": "/limit"}


def test_orders_paid_while_paging_do_not_hide_others(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource]
) -> None:
    """With offset paging, an order leaving the result shifts the next page and one is skipped."""
    orders = [make_order() for _ in range(10)]
    fake.add_orders(orders)
    newcomer = make_order()

    def pay_two_on_the_first_page(server: FakeShopware, searches: int) -> None:
        if searches == 1:
            for order in orders[:2]:
                server.set_transaction_state(order["transactions"][0]["id"], "paid")
            server.add_order(newcomer)

    fake.after_search = pay_two_on_the_first_page
    found = _ids(connect(page_size=3).list_open_orders())
    assert len(found) == len(set(found))
    # Everything that was open all along is there, and so is the order created meanwhile.
    assert {o["id"] for o in orders[2:]} | {newcomer["id"]} <= set(found)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    count=st.integers(0, 15),
    page_size=st.integers(1, 5),
    changes=st.lists(
        st.tuples(
            st.integers(1, 12),
            st.sampled_from(["pay", "cancel", "new", "reopen"]),
            st.integers(0, 30),
        ),
        max_size=8,
    ),
)
def test_paging_under_concurrent_changes_never_misses_a_steady_order(  # noqa: PLR0917
    fake: FakeShopware,
    make_order: Any,
    connect: Callable[..., ShopwareSource],
    count: int,
    page_size: int,
    changes: list[tuple[int, str, int]],
) -> None:
    """Invariant: an order open from before the listing to its end is listed, exactly once."""
    for existing in list(fake._orders):
        fake.remove_order(existing)
    orders = [make_order() for _ in range(count)]
    fake.add_orders(orders)
    touched: set[str] = set()

    def change(server: FakeShopware, searches: int) -> None:
        for when, what, which in changes:
            if when != searches:
                continue
            if what == "new":
                server.add_order(make_order())
            elif orders:
                target = orders[which % len(orders)]
                touched.add(target["id"])
                state = {"pay": "paid", "cancel": "cancelled", "reopen": "open"}[what]
                server.set_transaction_state(target["transactions"][0]["id"], state)

    fake.after_search = change
    fake.requests.clear()
    found = _ids(connect(page_size=page_size).list_open_orders())
    assert len(found) == len(set(found))
    steady = {o["id"] for o in orders} - touched
    assert steady <= set(found)


def test_many_orders_created_in_the_same_millisecond(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource], wall: Any
) -> None:
    instant = wall()
    same = [make_order(created_at=instant) for _ in range(8)]
    later = [make_order() for _ in range(4)]
    fake.add_orders(same + later)
    found = _ids(connect(page_size=3).list_open_orders())
    assert sorted(found) == sorted(o["id"] for o in same + later)


def test_orders_deleted_while_paging_end_the_list_cleanly(
    fake: FakeShopware, make_order: Any, connect: Callable[..., ShopwareSource]
) -> None:
    orders = [make_order() for _ in range(4)]
    fake.add_orders(orders)

    def delete_the_rest(server: FakeShopware, searches: int) -> None:
        if searches == 1:
            for order in orders[2:]:
                server.remove_order(order["id"])

    fake.after_search = delete_the_rest
    assert _ids(connect(page_size=2).list_open_orders()) == [o["id"] for o in orders[:2]]


# -- changes, single orders, problems ---------------------------------------------------------


def test_changed_since_sees_new_orders_payment_changes_and_cancellations(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, wall: Any
) -> None:
    untouched = make_order()
    paid = make_order()
    cancelled = make_order()
    fake.add_orders([untouched, paid, cancelled])
    wall.advance(hours=1)
    since = wall()
    wall.advance(minutes=1)
    fake.set_transaction_state(paid["transactions"][0]["id"], "paid")
    fake.set_order_state(cancelled["id"], "cancelled")
    created = make_order()
    fake.add_order(created)
    changed = {o.id: o for o in source.list_changed_since(since) if isinstance(o, Order)}
    assert set(changed) == {paid["id"], cancelled["id"], created["id"]}
    assert changed[paid["id"]].status == "paid"
    assert changed[cancelled["id"]].status == "cancelled"
    assert changed[created["id"]].status == "open"
    (body,) = _searches(fake)
    ranges = body["filter"][0]["queries"]
    assert {q["field"] for q in ranges} >= {"updatedAt", "orderDateTime", "transactions.updatedAt"}
    assert all(q["parameters"]["gte"] == since.strftime("%Y-%m-%d %H:%M:%S.000") for q in ranges)


def test_get_order(fake: FakeShopware, make_order: Any, source: ShopwareSource) -> None:
    order = make_order(state="paid")
    fake.add_order(order)
    found = source.get_order(order["id"])
    assert found is not None
    assert found.status == "paid"
    assert source.get_order(order["id"].upper()) == found
    assert source.get_order(uuid.uuid4().hex) is None
    requests = len(fake.requests)
    assert source.get_order("10077") is None  # not a Shopware id: nothing to ask
    assert len(fake.requests) == requests


def test_a_malformed_order_is_a_problem_and_the_rest_proceed(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    good = make_order(amount="10.00")
    too_precise = make_order(amount="10.005")
    unknown_currency = make_order(currency="EURO")
    fake.add_orders([good, too_precise, unknown_currency])
    items = source.list_open_orders()
    assert _ids(items) == [good["id"]]
    problems = {p.order_id: p.reason for p in items if isinstance(p, OrderProblem)}
    assert set(problems) == {too_precise["id"], unknown_currency["id"]}
    assert "decimal places" in problems[too_precise["id"]]
    assert "EURO" in problems[unknown_currency["id"]]
    with pytest.raises(ShopwareResponseError, match="decimal places"):
        source.get_order(too_precise["id"])


def test_an_order_without_transactions_is_a_problem(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, wall: Any
) -> None:
    since = wall()
    order = make_order()
    order["transactions"] = []
    fake.add_order(order)
    (item,) = source.list_changed_since(since)
    assert isinstance(item, OrderProblem)
    assert item.order_id == order["id"]
    assert "no transaction" in item.reason


def test_the_invoice_number_comes_from_the_newest_invoice_document(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    def document(number: str, kind: str, created: str) -> dict[str, Any]:
        return {
            "id": uuid.uuid4().hex,
            "documentNumber": number,
            "config": {"documentNumber": number},
            "createdAt": created,
            "documentType": {"technicalName": kind, "apiAlias": "document_type"},
            "apiAlias": "document",
        }

    order = make_order(
        method="invoice",
        documents=[
            document("1000", "invoice", "2024-03-01T10:00:00.000+00:00"),
            document("1001", "invoice", "2024-03-02T10:00:00.000+00:00"),
            document("9000", "storno", "2024-03-03T10:00:00.000+00:00"),
            document("DN-5", "delivery_note", "2024-03-04T10:00:00.000+00:00"),
        ],
    )
    fake.add_order(order)
    found = source.get_order(order["id"])
    assert found is not None
    assert found.invoice_number == "1001"


# -- money --------------------------------------------------------------------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    currency=st.sampled_from(["EUR", "CHF", "JPY", "KWD", "USD"]),
)
def test_amounts_arrive_exactly_as_written(
    fake: FakeShopware,
    make_order: Any,
    source: ShopwareSource,
    data: st.DataObject,
    currency: str,
) -> None:
    places = {"JPY": 0, "KWD": 3}.get(currency, 2)
    units = data.draw(st.integers(0, 10**17))
    amount = Decimal(units).scaleb(-places)
    order = make_order(amount=amount, currency=currency)
    fake.add_order(order)
    found = source.get_order(order["id"])
    assert found is not None
    assert found.amount == amount
    assert found.currency == currency


def test_amounts_beyond_float_precision(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    amount = Decimal("12345678901234567.89")
    assert Decimal(float(amount)) != amount  # a float would have lost the cents
    order = make_order(amount=amount)
    fake.add_order(order)
    found = source.get_order(order["id"])
    assert found is not None
    assert found.amount == amount


def test_the_fake_writes_amounts_as_json_numbers(
    fake: FakeShopware, make_order: Any, source: ShopwareSource
) -> None:
    order = make_order(amount="1234.50")
    fake.add_order(order)
    token = source._client._access_token()
    response = httpx.post(
        f"{fake.url}{SEARCH}",
        json={"limit": 1, "includes": {"order": ["amountTotal"]}},
        headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert b'"amountTotal":1234.50' in response.content


def test_language_and_new_invoices(
    fake: FakeShopware, make_order: Any, source: ShopwareSource, wall: Any
) -> None:
    order = make_order(method="invoice")
    order["language"]["locale"] = {"id": uuid.uuid4().hex, "code": "de-DE", "apiAlias": "locale"}
    fake.add_order(order)
    found = source.get_order(order["id"])
    assert found is not None
    assert found.language == "de-DE"
    assert found.invoice_number is None
    wall.advance(days=1)
    since = wall()
    wall.advance(minutes=5)
    invoice = {
        "id": uuid.uuid4().hex,
        "documentNumber": "RE-1001",
        "config": {},
        "createdAt": wall().isoformat(timespec="milliseconds"),
        "documentType": {"technicalName": "invoice", "apiAlias": "document_type"},
        "apiAlias": "document",
    }
    with fake._lock:
        fake._orders[order["id"]]["documents"] = [invoice]  # Shopware leaves updatedAt alone
    (changed,) = source.list_changed_since(since)
    assert isinstance(changed, Order)
    assert changed.invoice_number == "RE-1001"
