"""Webhooks: the fake shop delivers over HTTP to a receiver served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from paymatch_woocommerce import (
    OrderDeleted,
    OrderPushed,
    WebhookEvent,
    WebhookIgnored,
    WebhookPing,
    WebhookReceiver,
    WebhookRejected,
    verify_signature,
    webhook_signature,
)
from paymatch_woocommerce.fake import FakeWebhookError, FakeWooCommerce

from paymatch import ConfigError, Order

from .conftest import WEBHOOK_SECRET, MakeSource

TOPICS = ("order.created", "order.updated", "order.deleted")


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class Receiver:
    """A WSGI receiver on 127.0.0.1 that records the events it hands over."""

    def __init__(self, receiver: WebhookReceiver) -> None:
        self.events: list[WebhookEvent] = []
        self.fail = False
        self.receiver = receiver
        self.server: WSGIServer = make_server(
            "127.0.0.1", 0, receiver.wsgi_app(self._on_event), handler_class=_Quiet
        )
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/woocommerce"

    def _on_event(self, event: WebhookEvent) -> None:
        if self.fail:
            raise RuntimeError("the store is down")
        self.events.append(event)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[WebhookReceiver], Receiver]]:
    started: list[Receiver] = []

    def start(receiver: WebhookReceiver) -> Receiver:
        started.append(Receiver(receiver))
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


def _subscribe(shop: FakeWooCommerce, url: str, secret: str = WEBHOOK_SECRET) -> None:
    for topic in TOPICS:
        shop.add_webhook(topic, url, secret)


def test_created_updated_deleted_arrive_as_events(
    http_shop: FakeWooCommerce, make_source: MakeSource, serve: Callable[..., Receiver]
) -> None:
    source = make_source(http_shop, webhook_secret=WEBHOOK_SECRET, name="shop-a")
    assert source.PUSH is True
    receiver = serve(source.webhook_receiver())
    _subscribe(http_shop, receiver.url)  # each creation pinged the URL and got its 200
    assert receiver.events == []
    order = http_shop.add_order(status="on-hold", total="49.90", currency="EUR")
    http_shop.update_order(order["id"], status="cancelled")
    http_shop.trash_order(order["id"])
    created, updated, deleted = receiver.events
    assert isinstance(created, OrderPushed)
    assert created.topic == "order.created"
    assert isinstance(created.order, Order)
    assert created.order.id == str(order["id"])
    assert created.order.source == "shop-a"
    assert created.order.amount == Decimal("49.90")
    assert created.webhook_id is not None
    assert created.delivery_id is not None
    assert len(created.delivery_id) == 32
    assert isinstance(updated, OrderPushed)
    assert isinstance(updated.order, Order)
    assert updated.order.status == "cancelled"
    assert deleted == OrderDeleted(
        "order.deleted", str(order["id"]), deleted.webhook_id, deleted.delivery_id
    )
    assert all(d.response_status == 200 for d in http_shop.deliveries)


def test_php_style_json_with_escaped_slashes_and_unicode(
    http_shop: FakeWooCommerce, serve: Callable[..., Receiver]
) -> None:
    receiver = serve(WebhookReceiver(WEBHOOK_SECRET))
    _subscribe(http_shop, receiver.url)
    http_shop.add_order(
        billing={"first_name": "Jörg", "last_name": "Müller/Ähre", "company": "A&B <GmbH>"}
    )
    [delivery] = http_shop.deliveries
    assert b"\\/" in delivery.body
    assert b"\\u00f6" in delivery.body
    [event] = receiver.events
    assert isinstance(event, OrderPushed)
    assert isinstance(event.order, Order)
    assert event.order.customer_name == "Jörg Müller/Ähre"
    assert event.order.company == "A&B <GmbH>"


def test_a_wrong_secret_is_rejected_and_the_shop_disables_the_hook(
    http_shop: FakeWooCommerce, serve: Callable[..., Receiver]
) -> None:
    receiver = serve(WebhookReceiver("not-the-secret"))
    webhook = http_shop.add_webhook("order.created", receiver.url, WEBHOOK_SECRET)  # pings pass
    for _ in range(6):
        http_shop.add_order()
    assert receiver.events == []
    assert [d.response_status for d in http_shop.deliveries] == [401] * 6
    assert webhook.status == "disabled"


def test_missing_or_tampered_signatures_are_rejected(
    http_shop: FakeWooCommerce, serve: Callable[..., Receiver]
) -> None:
    receiver = serve(WebhookReceiver(WEBHOOK_SECRET))
    payload = http_shop.add_order(fire=False)
    body, signature = http_shop.signed_body(payload, WEBHOOK_SECRET)
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": "order.created"}
    unsigned = httpx.post(receiver.url, content=body, headers=headers)
    assert unsigned.status_code == 401
    tampered = body.replace(b'"total":"29.35"', b'"total":"0.01"')
    assert tampered != body
    forged = httpx.post(
        receiver.url, content=tampered, headers={**headers, "X-WC-Webhook-Signature": signature}
    )
    assert forged.status_code == 401
    fine = httpx.post(
        receiver.url, content=body, headers={**headers, "X-WC-Webhook-Signature": signature}
    )
    assert fine.status_code == 200
    assert len(receiver.events) == 1


def test_the_ping_is_answered_and_a_failing_one_blocks_the_webhook(
    http_shop: FakeWooCommerce, serve: Callable[..., Receiver]
) -> None:
    receiver = serve(WebhookReceiver(WEBHOOK_SECRET))
    http_shop.add_webhook("order.created", receiver.url, WEBHOOK_SECRET)
    assert WebhookReceiver(WEBHOOK_SECRET).handle(
        {"User-Agent": "WooCommerce/9 Hookshot"}, b"webhook_id=17"
    ) == WebhookPing("17")
    with pytest.raises(FakeWebhookError, match="response code: 404"):
        _ping_404(http_shop)
    assert len(http_shop.webhooks) == 1


def _ping_404(shop: FakeWooCommerce) -> None:
    def not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    server = make_server("127.0.0.1", 0, not_found, handler_class=_Quiet)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        shop.add_webhook("order.created", f"http://127.0.0.1:{server.server_address[1]}/", "s")
    finally:
        thread.join(5)
        server.server_close()


def test_duplicates_and_older_deliveries_are_ignored(
    http_shop: FakeWooCommerce, serve: Callable[..., Receiver]
) -> None:
    receiver = serve(WebhookReceiver(WEBHOOK_SECRET))
    _subscribe(http_shop, receiver.url)
    clock = {"now": 1_700_000_000.0}
    http_shop.clock = lambda: clock["now"]
    order = http_shop.add_order()
    old_snapshot = http_shop.order(order["id"])
    clock["now"] += 60
    http_shop.update_order(order["id"], status="cancelled")
    webhook = next(w for w in http_shop.webhooks.values() if w.topic == "order.updated")
    http_shop.deliver(webhook, "order.updated", http_shop.order(order["id"]))  # the same again
    http_shop.deliver(webhook, "order.updated", old_snapshot)  # late, out of order
    created, updated, repeat, late = receiver.events
    assert isinstance(created, OrderPushed)
    assert isinstance(updated, OrderPushed)
    assert isinstance(repeat, WebhookIgnored)
    assert "repeated" in repeat.reason
    assert isinstance(late, WebhookIgnored)
    assert "older" in late.reason
    assert all(d.response_status == 200 for d in http_shop.deliveries)


def test_a_failing_handler_answers_500_and_the_resend_is_taken(
    http_shop: FakeWooCommerce, serve: Callable[..., Receiver]
) -> None:
    receiver = serve(WebhookReceiver(WEBHOOK_SECRET))
    _subscribe(http_shop, receiver.url)
    receiver.fail = True
    order = http_shop.add_order()
    assert http_shop.deliveries[-1].response_status == 500
    receiver.fail = False
    webhook = next(w for w in http_shop.webhooks.values() if w.topic == "order.created")
    http_shop.deliver(webhook, "order.created", order)
    [event] = receiver.events
    assert isinstance(event, OrderPushed)


def test_other_topics_are_acknowledged_and_ignored() -> None:
    receiver = WebhookReceiver(WEBHOOK_SECRET)
    body = b'{"id":5,"name":"Coupon"}'
    headers = {
        "X-WC-Webhook-Topic": "coupon.created",
        "X-WC-Webhook-Signature": webhook_signature(body, WEBHOOK_SECRET),
    }
    event = receiver.handle(headers, body)
    assert isinstance(event, WebhookIgnored)
    bad = {**headers, "X-WC-Webhook-Topic": "order.created"}
    bad["X-WC-Webhook-Signature"] = webhook_signature(b"[1]", WEBHOOK_SECRET)
    with pytest.raises(WebhookRejected) as caught:
        receiver.handle(bad, b"[1]")
    assert caught.value.http_status == 400


def test_a_secret_stored_html_escaped_still_verifies(
    http_shop: FakeWooCommerce, serve: Callable[..., Receiver]
) -> None:
    """WooCommerce signs with wp_specialchars_decode(secret): '&amp;' signs as '&'."""
    receiver = serve(WebhookReceiver("a&amp;b<c"))
    http_shop.add_webhook("order.created", receiver.url, "a&amp;b<c")
    http_shop.add_order()
    assert len(receiver.events) == 1


def test_asgi_app_answers_like_the_wsgi_one() -> None:
    events: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        events.append(event)

    app = WebhookReceiver(WEBHOOK_SECRET).asgi_app(on_event)
    body = b'{"id":9,"status":"on-hold","currency":"EUR","total":"1.00"}'

    async def call(headers: list[tuple[bytes, bytes]], content: bytes) -> int:
        sent: list[dict[str, Any]] = []
        chunks = [
            {"type": "http.request", "body": content[:5], "more_body": True},
            {"type": "http.request", "body": content[5:], "more_body": False},
        ]

        async def receive() -> dict[str, Any]:
            return chunks.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app({"type": "http", "method": "POST", "headers": headers}, receive, send)
        return int(sent[0]["status"])

    signature = webhook_signature(body, WEBHOOK_SECRET).encode()
    topic = (b"x-wc-webhook-topic", b"order.updated")
    assert asyncio.run(call([topic, (b"x-wc-webhook-signature", signature)], body)) == 200
    assert asyncio.run(call([topic, (b"x-wc-webhook-signature", b"AAAA")], body)) == 401
    assert asyncio.run(call([], b"webhook_id=3")) == 200
    [event] = events
    assert isinstance(event, OrderPushed)


def test_push_needs_a_webhook_secret(http_shop: FakeWooCommerce, make_source: MakeSource) -> None:
    source = make_source(http_shop)
    assert source.PUSH is False
    with pytest.raises(ConfigError, match="webhook_secret"):
        source.webhook_receiver()


@given(
    body=st.binary(max_size=200),
    secret=st.text(min_size=1, max_size=30),
    flip=st.integers(0, 10**6),
)
def test_signatures_verify_exactly_their_body(body: bytes, secret: str, flip: int) -> None:
    signature = webhook_signature(body, secret)
    assert verify_signature(body, signature, secret)
    if body:
        index = flip % len(body)
        changed = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]
        assert not verify_signature(changed, signature, secret)
    assert not verify_signature(body + b" ", signature, secret)
