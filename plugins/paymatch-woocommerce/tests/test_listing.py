"""Complete listings of open and changed orders, also while the shop changes underneath."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from paymatch_woocommerce import (
    WooCommerceClient,
    WooCommerceProtocolError,
    WooCommerceSettings,
    WooCommerceSource,
    WooCommerceTransientError,
)
from paymatch_woocommerce.fake import FakeWooCommerce

from paymatch import Order
from paymatch.connectors.interfaces import OrderProblem

from .conftest import CONSUMER_KEY, CONSUMER_SECRET, MakeSource


def _ids(orders: list[Order | OrderProblem]) -> list[str]:
    return [o.id if isinstance(o, Order) else str(o.order_id) for o in orders]


def test_lists_every_open_order_over_many_pages(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    open_ids = {str(shop.add_order(status="on-hold", fire=False)["id"]) for _ in range(230)}
    open_ids |= {str(shop.add_order(status="pending", fire=False)["id"]) for _ in range(20)}
    for _ in range(30):
        shop.add_order(status="completed", fire=False)
    orders = make_source(shop).list_open_orders()
    assert sorted(_ids(orders)) == sorted(open_ids)
    requests = shop.api_requests("GET", "/orders")
    assert len(requests) > 2  # it did page
    for request in requests:
        assert request.query["per_page"] == "100"
        assert request.query["orderby"] == "id"
        assert request.query["order"] == "asc"
        assert set(request.query["status"].split(",")) == {"on-hold", "pending", "processing"}


def test_only_orders_open_under_the_mapping(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    wanted = {
        shop.add_order(status="on-hold", payment_method="bacs")["id"],
        shop.add_order(status="pending", payment_method="cheque")["id"],
        shop.add_order(status="processing", payment_method="cod")["id"],  # COD: unpaid
        shop.add_order(status="on-hold", payment_method="german_market_purchase_on_account")["id"],
    }
    shop.add_order(status="processing", payment_method="bacs")  # paid
    shop.add_order(status="on-hold", payment_method="paypal")  # not managed
    shop.add_order(status="cancelled", payment_method="bacs")
    orders = make_source(shop).list_open_orders()
    assert sorted(_ids(orders)) == sorted(str(i) for i in wanted)
    overridden = make_source(shop)
    overridden.mapping = overridden.default_mapping().overridden_by(
        {"payment_methods": {"paypal": "prepayment"}}
    )
    assert len(overridden.list_open_orders()) == len(wanted) + 1


def test_a_malformed_order_is_a_problem_and_the_rest_proceeds(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    good = shop.add_order()
    bad = shop.add_order(total="12.345")
    shop.add_order(status="processing", payment_method="bacs", total="1.234")  # paid anyway
    shop.add_order(status="on-hold", payment_method="paypal", total="x")  # not managed
    orders = make_source(shop).list_open_orders()
    by_id = {(o.id if isinstance(o, Order) else o.order_id): o for o in orders}
    assert isinstance(by_id[str(good["id"])], Order)
    problem = by_id[str(bad["id"])]
    assert isinstance(problem, OrderProblem)
    assert "decimal places" in problem.reason
    assert len(orders) == 2


def test_orders_leaving_before_the_cursor_do_not_hide_others(
    http_shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    ids = [http_shop.add_order(fire=False)["id"] for _ in range(30)]
    calls = 0

    def churn(_: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # between the first and the second window
            # completed: out of the server-side list (processing would stay in it, for COD)
            http_shop.update_order(ids[0], status="completed", fire=False)
            http_shop.update_order(ids[1], status="completed", fire=False)
            http_shop.add_order(fire=False)

    http_shop.on_list = churn
    listed = set(_ids(make_source(http_shop, per_page=10).list_open_orders()))
    assert {str(i) for i in ids[2:]} <= listed


def test_a_host_that_ignores_offset_fails_loudly(
    https_shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    for _ in range(25):
        https_shop.add_order(fire=False)
    https_shop.ignore_offset = True
    with pytest.raises(WooCommerceTransientError, match="kept changing"):
        make_source(https_shop, per_page=10).list_open_orders()


def test_orders_counted_but_not_returned_are_never_a_silent_partial_list(
    https_shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    ids = [https_shop.add_order(fire=False)["id"] for _ in range(25)]
    https_shop.drop_from_listing = {ids[-2]}
    with pytest.raises(WooCommerceProtocolError, match="refusing an incomplete list"):
        make_source(https_shop, per_page=10).list_open_orders()


def test_a_listing_without_totals_is_refused(
    https_shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    https_shop.fail_next(status=200, body=[])
    with pytest.raises(WooCommerceProtocolError, match="X-WP-Total"):
        make_source(https_shop).list_open_orders()


def test_changed_since_uses_gmt_and_includes_the_boundary_and_trash(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    clock = {"now": 1_700_000_000.0}
    shop.clock = lambda: clock["now"]
    old = shop.add_order(fire=False)
    untouched = shop.add_order(fire=False)
    clock["now"] += 3600
    since = datetime.fromtimestamp(clock["now"], UTC)
    shop.update_order(old["id"], status="processing", fire=False)  # exactly at `since`
    clock["now"] += 5
    trashed = shop.add_order(fire=False)
    shop.trash_order(trashed["id"])
    source = make_source(shop)
    source.client._wallclock = lambda: clock["now"]
    changed = {o.id: o for o in source.list_changed_since(since) if isinstance(o, Order)}
    assert set(changed) == {str(old["id"]), str(trashed["id"])}
    assert str(untouched["id"]) not in changed
    assert changed[str(old["id"])].status == "processing"
    assert changed[str(trashed["id"])].status == "trash"
    request = shop.api_requests("GET", "/orders")[0]
    assert request.query["dates_are_gmt"] == "true"
    assert request.query["modified_after"] == "2023-11-14T23:13:19"  # since - 1 s, naive UTC
    # a naive `since` means UTC as well
    assert {o.id for o in source.list_changed_since(since.replace(tzinfo=None))} == set(changed)


# -- a property: whatever changes during the listing, nothing that stayed open is lost ------

# (kind, distance): "close" closes the open order that many places before the reader's
# cursor (the dangerous region), "open" reopens a closed order, "new" adds an order (open or not
# by the parity of the number).
_MUTATION = st.tuples(st.sampled_from(["close", "close", "open", "new"]), st.integers(0, 12))


@pytest.fixture(scope="module")
def churn_shop(order_template: dict[str, Any]) -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce(order_template) as fake:
        fake.add_key(CONSUMER_KEY, CONSUMER_SECRET)
        yield fake


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(initial=["on-hold"] * 10, script=[[], [("close", 0), ("close", 1)]], per_page=3)
@given(
    initial=st.lists(st.sampled_from(["on-hold", "completed"]), min_size=6, max_size=40),
    script=st.lists(st.lists(_MUTATION, min_size=1, max_size=4), min_size=2, max_size=12),
    per_page=st.integers(2, 7),
)
def test_every_order_open_throughout_the_listing_is_listed(
    churn_shop: FakeWooCommerce,
    initial: list[str],
    script: list[list[tuple[str, Any]]],
    per_page: int,
) -> None:
    shop = churn_shop
    shop.reset()
    ids = [shop.add_order(status=status, fire=False)["id"] for status in initial]
    open_throughout = {i for i, status in zip(ids, initial, strict=True) if status == "on-hold"}
    ever_open = set(open_throughout)
    steps = iter(script)

    def churn(params: dict[str, Any]) -> None:
        cursor = params["offset"]
        for kind, arg in next(steps, []):
            if kind == "new":
                status = "on-hold" if arg % 2 else "completed"
                new = shop.add_order(status=status, fire=False)["id"]
                ids.append(new)
                if status == "on-hold":
                    ever_open.add(new)
                continue
            by_status = sorted(
                i for i in ids if (shop.orders[i]["status"] == "on-hold") == (kind == "close")
            )
            if not by_status:
                continue
            if kind == "close":
                target = by_status[max(0, min(cursor - 1 - arg, len(by_status) - 1))]
                shop.update_order(target, status="completed", fire=False)
                open_throughout.discard(target)
            else:
                target = by_status[arg % len(by_status)]
                shop.update_order(target, status="on-hold", fire=False)
                ever_open.add(target)

    shop.on_list = churn
    settings_ = WooCommerceSettings.parse(
        {
            "url": shop.url,
            "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET,
            "per_page": per_page,
        }
    )
    with WooCommerceClient(settings_, sleep=lambda _: None) as client:
        source = WooCommerceSource(settings_, client=client)
        try:
            listed = _ids(source.list_open_orders())
        except WooCommerceTransientError:
            event("churn: try again")
            return  # heavy churn may end in "try again"; never in a partial list
    event("listed")
    assert len(listed) == len(set(listed))
    assert {str(i) for i in open_throughout} <= set(listed)
    assert set(listed) <= {str(i) for i in ever_open}
