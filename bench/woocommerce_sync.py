"""How fast the WooCommerce connector reads orders and handles webhooks, on this machine.

Runs the connector against the fake WooCommerce shop on 127.0.0.1 (the same one the tests use,
built from the REST documentation's example order), over https with Basic auth and over plain
http with OAuth 1.0a, and times:

- ``list_open_orders`` for N open orders (plus as many closed ones), 100 per request;
- ``parse_order`` on the documentation's example order;
- ``WebhookReceiver.handle`` (signature check + parse) on a signed ``order.updated`` delivery.

The fake is a Python ``http.server``, so the listing figure is an upper bound of the connector's
own cost plus the fake's; a real shop's PHP and database time comes on top.

    .venv/bin/python bench/woocommerce_sync.py [--orders 5000] [--specs ../shared/connector-specs]
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

import trustme
from paymatch_woocommerce import WebhookReceiver, WooCommerceSource, parse_order, webhook_signature
from paymatch_woocommerce.fake import FakeWooCommerce

KEY, SECRET, HOOK = "ck_bench", "cs_bench", "whsec_bench"


def _template(specs: Path) -> dict[str, Any]:
    data = json.loads((specs / "woocommerce-orders-examples.json").read_text(encoding="utf-8"))
    template: dict[str, Any] = data["retrieve_order"]
    return template


def _listing(template: dict[str, Any], orders: int, *, https: bool) -> tuple[float, int]:
    ca = trustme.CA()
    context = None
    if https:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeWooCommerce(template, ssl_context=context) as shop,
    ):
        bundle = os.path.join(folder, "ca.pem")
        ca.cert_pem.write_to_path(bundle)
        shop.add_key(KEY, SECRET)
        for index in range(orders * 2):
            shop.add_order(status="on-hold" if index % 2 else "completed", fire=False)
        with WooCommerceSource(
            url=shop.url, consumer_key=KEY, consumer_secret=SECRET, verify=bundle
        ) as source:
            started = time.perf_counter()
            listed = source.list_open_orders()
            elapsed = time.perf_counter() - started
        assert len(listed) == orders, (len(listed), orders)
        return elapsed, len(shop.requests)


def _per_second(function: Any, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return repeat / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument(
        "--specs",
        type=Path,
        default=Path(
            os.environ.get(
                "PAYMATCH_CONNECTOR_SPECS",
                Path(__file__).resolve().parent.parent.parent / "shared" / "connector-specs",
            )
        ),
    )
    args = parser.parse_args()
    template = _template(args.specs)
    print(f"{os.cpu_count()} cores; {args.orders} open orders among {2 * args.orders}")
    for https in (True, False):
        elapsed, requests = _listing(template, args.orders, https=https)
        auth = "https, Basic" if https else "http, OAuth 1.0a"
        print(
            f"list_open_orders ({auth}): {elapsed:.2f} s, {requests} requests, "
            f"{args.orders / elapsed:,.0f} orders/s"
        )
    parses = _per_second(lambda: parse_order(template), 20_000)
    print(f"parse_order (documentation example): {parses:,.0f} orders/s")
    body = json.dumps(template, separators=(",", ":")).replace("/", "\\/").encode()
    headers = {
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Signature": webhook_signature(body, HOOK),
    }

    def deliver() -> None:
        WebhookReceiver(HOOK).handle(headers, body)

    print(f"webhook handle (verify + parse): {_per_second(deliver, 20_000):,.0f} deliveries/s")


if __name__ == "__main__":
    main()
