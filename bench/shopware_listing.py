"""How fast the Shopware connector reads orders.

Two figures:

- *parse*: search results (the fields the connector requests, shaped like the real serialized
  order in ``connector-specs/shopware-payment-fixture.json``) turned into ``paymatch.Order``
  objects, in memory: the connector's own cost per order.
- *list*: ``list_open_orders()`` end to end against the local fake Shopware on 127.0.0.1 (HTTP,
  JSON with exact decimals, keyset paging at 500 per page). The fake is pure Python and does most
  of the work here, so this is a floor for a real shop, not a prediction.

Run: ``.venv/bin/python bench/shopware_listing.py [--orders 5000]``
(``PAYMATCH_CONNECTOR_SPECS`` points at the connector specs; default ``../shared/connector-specs``).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from paymatch_shopware import ShopwareSource, default_mapping
from paymatch_shopware.criteria import ORDER_ASSOCIATIONS, ORDER_INCLUDES
from paymatch_shopware.fake import FakeShopware
from paymatch_shopware.fake.search import parse_criteria, shape
from paymatch_shopware.orders import parse_order

ROOT = Path(__file__).resolve().parent.parent


def _fixture_order() -> dict[str, Any]:
    specs = Path(
        os.environ.get("PAYMATCH_CONNECTOR_SPECS", ROOT.parent / "shared" / "connector-specs")
    )
    text = (specs / "shopware-payment-fixture.json").read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)["order"]  # type: ignore[no-any-return]


def _orders(template: dict[str, Any], count: int) -> list[dict[str, Any]]:
    orders = []
    for index in range(count):
        order = copy.deepcopy(template)
        order["id"] = uuid.UUID(int=index + 1).hex
        order["orderNumber"] = str(100000 + index)
        order["amountTotal"] = Decimal(10_000 + index * 7).scaleb(-2)
        order["createdAt"] = (
            f"2024-01-{1 + index // 86400 % 28:02d}T00:00:00.{index % 1000:03d}+00:00"
        )
        order["transactions"][0]["id"] = uuid.UUID(int=10**9 + index).hex
        orders.append(order)
    return orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    args = parser.parse_args()
    orders = _orders(_fixture_order(), args.orders)

    criteria = parse_criteria({"associations": ORDER_ASSOCIATIONS}, "order")
    rows = [shape(order, criteria, "order", ORDER_INCLUDES) for order in orders]
    mapping = default_mapping()
    started = time.perf_counter()
    parsed = [parse_order(row, mapping, "shop")[1] for row in rows]
    parse_seconds = time.perf_counter() - started
    assert len(parsed) == args.orders

    with FakeShopware() as fake:
        fake.add_orders(orders)
        with ShopwareSource(fake.settings(page_size=500)) as source:
            started = time.perf_counter()
            listed = source.list_open_orders()
            list_seconds = time.perf_counter() - started
        searches = sum(1 for r in fake.requests if r.path == "/api/search/order")
    assert len(listed) == args.orders

    print(f"orders: {args.orders}")
    print(f"parse: {parse_seconds:.3f} s, {args.orders / parse_seconds:,.0f} orders/s")
    print(
        f"list (fake shop, {searches} searches): {list_seconds:.3f} s, "
        f"{args.orders / list_seconds:,.0f} orders/s"
    )


if __name__ == "__main__":
    main()
