"""Receiving WooCommerce webhooks: verify, then say what the delivery means.

WooCommerce signs each delivery with ``X-WC-Webhook-Signature: base64(HMAC-SHA256(raw body,
secret))`` and sends, for ``order.created`` / ``order.updated`` / ``order.restored``, the order
exactly as ``GET /orders/{id}`` returns it; for ``order.deleted`` only ``{"id": ...}``. When a
webhook is created (or re-activated) WooCommerce first POSTs ``webhook_id=<id>`` form-encoded,
*without* a signature, and expects 200 — that is the ping.

:meth:`WebhookReceiver.handle` takes the headers and the raw body and returns an event; a delivery
that must not be acted on raises :class:`WebhookRejected` (401 for a bad or missing signature, 400
for a malformed body). :meth:`WebhookReceiver.wsgi_app` and :meth:`WebhookReceiver.asgi_app` wrap
it into small web apps that answer the way WooCommerce expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from pydantic import SecretStr

from paymatch import Order
from paymatch.connectors.interfaces import OrderProblem
from paymatch_woocommerce.errors import WebhookRejected
from paymatch_woocommerce.orders import modified_at, order_id_of, parse_order

log = logging.getLogger(__name__)

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
DELETED_TOPIC = "order.deleted"


@dataclass(frozen=True, slots=True)
class WebhookPing:
    """WooCommerce checks the delivery URL when a webhook is saved; answer 200, do nothing."""

    webhook_id: str


@dataclass(frozen=True, slots=True)
class OrderPushed:
    """An order was created, changed or restored: hand ``order`` over (it may be a problem)."""

    topic: str
    order: Order | OrderProblem
    modified_at: datetime | None
    webhook_id: str | None
    delivery_id: str | None


@dataclass(frozen=True, slots=True)
class OrderDeleted:
    """The order was trashed or deleted in the shop."""

    topic: str
    order_id: str
    webhook_id: str | None
    delivery_id: str | None


@dataclass(frozen=True, slots=True)
class WebhookIgnored:
    """An authentic delivery with nothing to do (other topic, duplicate, older than one seen)."""

    topic: str | None
    reason: str


WebhookEvent = WebhookPing | OrderPushed | OrderDeleted | WebhookIgnored

_OK = b'{"ok":true}'
_FAILED = b'{"error":"handling the event failed"}'


def _nothing() -> None:
    return None


def webhook_signature(body: bytes, secret: str) -> str:
    """What WooCommerce sends in ``X-WC-Webhook-Signature`` for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _secret_variants(secret: str) -> tuple[str, ...]:
    # WooCommerce signs with wp_specialchars_decode(secret, ENT_QUOTES): a secret copied in its
    # stored, HTML-escaped form (``&amp;``) signs as the decoded one.
    decoded = html.unescape(secret)
    return (secret,) if decoded == secret else (secret, decoded)


def verify_signature(body: bytes, signature: str, secret: str) -> bool:
    """Constant-time check of ``signature`` against the HMAC of the raw ``body``."""
    given = signature.strip().encode("ascii", "replace")
    matches = False
    for variant in _secret_variants(secret):
        expected = webhook_signature(body, variant).encode("ascii")
        matches |= hmac.compare_digest(expected, given)
    return matches


def _ping_id(body: bytes) -> str | None:
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=True, keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    values = fields.get("webhook_id")
    if set(fields) != {"webhook_id"} or not values or len(values) != 1:
        return None
    return values[0] if values[0].isdigit() else None


def _lower(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    result: dict[str, str] = {}
    for key, value in pairs:
        result.setdefault(key.lower(), value)
    return result


class WebhookReceiver:
    """Verifies and interprets deliveries of one shop's webhooks.

    Deliveries can come twice or out of order; the receiver remembers, per order, the newest
    ``date_modified_gmt`` and a hash of the body it handed over (bounded, in memory) and answers
    :class:`WebhookIgnored` for an exact repeat or an older state.
    """

    def __init__(
        self,
        secret: str | SecretStr,
        *,
        parse: Callable[[Any], Order | OrderProblem] = parse_order,
        remember: int = 10_000,
    ) -> None:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if not value:
            raise ValueError("the webhook secret must not be empty")
        self._secret = SecretStr(value)
        self._parse = parse
        self._remember = remember
        self._seen: OrderedDict[str, tuple[datetime | None, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "WebhookReceiver(secret=SecretStr('**********'))"

    def handle(
        self, headers: Mapping[str, str] | Iterable[tuple[str, str]], body: bytes
    ) -> WebhookEvent:
        """What to do with one delivery; :class:`WebhookRejected` if it must not be trusted."""
        return self._handle(headers, body)[0]

    def _handle(
        self, headers: Mapping[str, str] | Iterable[tuple[str, str]], body: bytes
    ) -> tuple[WebhookEvent, Callable[[], None]]:
        """The event, and how to forget it again if acting on it failed (so a resend counts)."""
        fields = _lower(headers)
        signature = fields.get("x-wc-webhook-signature")
        topic = fields.get("x-wc-webhook-topic")
        if signature is None:
            ping = _ping_id(body) if topic is None else None
            if ping is not None:
                return WebhookPing(webhook_id=ping), _nothing
            raise WebhookRejected("missing X-WC-Webhook-Signature header", http_status=401)
        if not verify_signature(body, signature, self._secret.get_secret_value()):
            raise WebhookRejected("X-WC-Webhook-Signature does not match the body", http_status=401)
        if topic is None:
            ping = _ping_id(body)
            if ping is not None:
                return WebhookPing(webhook_id=ping), _nothing
            raise WebhookRejected("missing X-WC-Webhook-Topic header", http_status=400)
        webhook_id = fields.get("x-wc-webhook-id")
        delivery_id = fields.get("x-wc-webhook-delivery-id")
        if topic not in ORDER_TOPICS and topic != DELETED_TOPIC:
            return WebhookIgnored(topic=topic, reason=f"topic {topic!r} is not handled"), _nothing
        try:
            data = json.loads(body, parse_float=Decimal)
        except ValueError:
            raise WebhookRejected("body is not JSON", http_status=400) from None
        order_id = order_id_of(data)
        if order_id is None:
            raise WebhookRejected("body has no order id", http_status=400)
        if topic == DELETED_TOPIC:
            return OrderDeleted(topic, order_id, webhook_id, delivery_id), _nothing
        changed = modified_at(data)
        digest = hashlib.sha256(body).digest()
        with self._lock:
            previous = self._seen.get(order_id)
            if previous is not None:
                seen_at, seen_digest = previous
                if seen_digest == digest:
                    reason = "repeated delivery"
                    return WebhookIgnored(topic, f"order {order_id}: {reason}"), _nothing
                if changed is not None and seen_at is not None and changed < seen_at:
                    reason = "older than a delivery already received"
                    return WebhookIgnored(topic, f"order {order_id}: {reason}"), _nothing
            self._seen[order_id] = (changed, digest)
            self._seen.move_to_end(order_id)
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)

        def undo() -> None:
            with self._lock:
                if self._seen.get(order_id) == (changed, digest):
                    if previous is None:
                        del self._seen[order_id]
                    else:
                        self._seen[order_id] = previous

        return OrderPushed(topic, self._parse(data), changed, webhook_id, delivery_id), undo

    # -- web apps --------------------------------------------------------------------------

    def answer(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes,
        on_event: Callable[[WebhookEvent], object],
    ) -> tuple[int, bytes]:
        """Handle a delivery and call ``on_event``; the HTTP status and body to answer."""
        try:
            event, undo = self._handle(headers, body)
        except WebhookRejected as error:
            log.warning("%s", error)
            return error.http_status, json.dumps({"error": error.reason}).encode()
        if not isinstance(event, WebhookPing):
            try:
                on_event(event)
            except Exception:
                undo()
                log.exception("woocommerce webhook: handling the event failed")
                return 500, _FAILED
        return 200, _OK

    def wsgi_app(
        self, on_event: Callable[[WebhookEvent], object]
    ) -> Callable[..., Iterable[bytes]]:
        """A WSGI app for the delivery URL; ``on_event`` gets every event except pings."""

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("REQUEST_METHOD") != "POST":
                start_response("405 Method Not Allowed", [("Allow", "POST")])
                return [b""]
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            body = environ["wsgi.input"].read(length) if length > 0 else b""
            headers = [
                (key[5:].replace("_", "-"), str(value))
                for key, value in environ.items()
                if key.startswith("HTTP_")
            ]
            if environ.get("CONTENT_TYPE"):
                headers.append(("content-type", environ["CONTENT_TYPE"]))
            status, payload = self.answer(headers, body, on_event)
            reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 500: "Error"}[status]
            start_response(
                f"{status} {reason}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]

        return app

    def asgi_app(
        self, on_event: Callable[[WebhookEvent], Awaitable[object] | object]
    ) -> Callable[..., Awaitable[None]]:
        """An ASGI (HTTP) app for the delivery URL; ``on_event`` may be sync or async."""

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            if scope.get("method") != "POST":
                await _asgi_send(send, 405, b"")
                return
            chunks = []
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            status, payload = 200, _OK
            try:
                event, undo = self._handle(headers, b"".join(chunks))
            except WebhookRejected as error:
                log.warning("%s", error)
                status, payload = error.http_status, json.dumps({"error": error.reason}).encode()
            else:
                if not isinstance(event, WebhookPing):
                    try:
                        result = on_event(event)
                        if isinstance(result, Awaitable):
                            await result
                    except Exception:
                        undo()
                        log.exception("woocommerce webhook: handling the event failed")
                        status, payload = 500, _FAILED
            await _asgi_send(send, status, payload)

        return app


async def _asgi_send(send: Any, status: int, payload: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
