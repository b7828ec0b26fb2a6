"""A fake WooCommerce shop on 127.0.0.1, speaking the REST API v3 wire format.

It reproduces the contract the connector relies on (see the package README): Basic auth over
https and OAuth 1.0a everywhere (:mod:`.auth`), the permission checks and their 401 bodies,
``GET /orders`` with ``status`` / ``modified_after`` / ``dates_are_gmt`` / ``orderby`` / ``order``
/ ``page`` / ``per_page`` (1-100) / ``offset`` and the ``X-WP-Total`` / ``X-WP-TotalPages`` /
``Link`` headers, ``GET`` / ``PUT`` / ``DELETE /orders/{id}`` with ``set_paid`` doing nothing
for orders that do not need payment, order notes, the WordPress error envelope, and webhooks
(ping on creation, signed deliveries of ``order.created`` / ``order.updated`` /
``order.deleted``). Orders are built from a template (the documentation's example order), so
they have exactly its shape. Failures (429, 5xx, ``Retry-After``) can be injected.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import html
import json
import math
import re
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from paymatch_woocommerce.fake.auth import ApiKey, AuthError, authenticate, check_permissions
from paymatch_woocommerce.fake.php import parse_str, wp_json_encode

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
PAID_STATUSES = ("processing", "completed")
NEEDS_PAYMENT = ("pending", "failed")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_TRUE = {"true", "1", "yes"}
_FAILURE_CODES = {
    400: "rest_invalid_param",
    401: "woocommerce_rest_authentication_error",
    404: "rest_no_route",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}
_BOOLEAN = {"true", "false", "1", "0", "yes", "no", ""}


class FakeWebhookError(Exception):
    """What WooCommerce shows when the delivery URL does not answer the ping with 200."""


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.data},
        }


@dataclass
class Webhook:
    id: int
    topic: str
    delivery_url: str
    secret: str
    status: str = "active"
    failure_count: int = 0


@dataclass
class Delivery:
    webhook_id: int
    topic: str
    body: bytes
    headers: dict[str, str]
    response_status: int | None


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class _Call:
    """One API request as the routes see it (``get``/``post`` as PHP's ``$_GET``/``$_POST``)."""

    method: str
    path: str
    get: dict[str, Any]
    post: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    anonymous: bool = True

    def json(self) -> dict[str, Any]:
        if self.headers.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(self.body or b"{}")
            except ValueError:
                raise ApiError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
            if not isinstance(data, dict):
                raise ApiError(400, "rest_invalid_json", "Invalid JSON body passed.")
            return data
        return self.post


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    body: Any


def _invalid_param(name: str, reason: str) -> ApiError:
    return ApiError(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        {
            "params": {name: reason},
            "details": {name: {"code": "rest_invalid_param", "message": reason, "data": None}},
        },
    )


def _enum_text(values: Iterable[str]) -> str:
    values = list(values)
    return ", ".join(values[:-1]) + ", and " + values[-1]


class FakeWooCommerce:
    """One shop. ``with FakeWooCommerce(template, ssl_context=...) as shop: shop.url ...``."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        ssl_context: ssl.SSLContext | None = None,
        home_path: str = "",
        clock: Callable[[], float] = time.time,
        utc_offset_hours: int = 0,
        extra_statuses: Iterable[str] = (),
        webhook_verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.template = copy.deepcopy(dict(template))
        self.ssl_context = ssl_context
        self.home_path = home_path.rstrip("/")
        self.clock = clock
        self.utc_offset = timedelta(hours=utc_offset_hours)
        self.statuses = (*ORDER_STATUSES, *extra_statuses)
        self.keys: dict[str, ApiKey] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.webhooks: dict[int, Webhook] = {}
        self.deliveries: list[Delivery] = []
        self.requests: list[RecordedRequest] = []
        self.on_list: Callable[[dict[str, Any]], None] | None = None
        """Called (outside the lock) before each ``GET /orders`` is answered: change things."""
        self.ignore_offset = False
        """Misbehave like a host that drops the ``offset`` parameter."""
        self.drop_from_listing: set[int] = set()
        """Orders counted in ``X-WP-Total`` but left out of the body (a broken plugin)."""
        self._failures: list[_Failure] = []
        self._fail_all: int | None = None
        self._next_id = max(int(self.template.get("id", 0)), 100) + 1
        self._next_note = 1000
        self._next_webhook = 1
        self._lock = threading.RLock()
        self._webhook_http = httpx.Client(timeout=10, verify=webhook_verify)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeWooCommerce:
        shop = self

        class Handler(_Handler):
            fake = shop

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._webhook_http.close()

    def __enter__(self) -> FakeWooCommerce:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def is_ssl(self) -> bool:
        return self.ssl_context is not None

    @property
    def url(self) -> str:
        """The shop's home URL (what the connector's ``url`` setting must be)."""
        assert self._server is not None, "start() the fake first"
        scheme = "https" if self.is_ssl else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}{self.home_path}"

    @property
    def api_url(self) -> str:
        return self.url + "/wp-json/wc/v3"

    # -- test controls ---------------------------------------------------------------------

    def add_key(
        self, consumer_key: str, consumer_secret: str, permissions: str = "read_write"
    ) -> ApiKey:
        key = ApiKey(consumer_key, consumer_secret, permissions)
        self.keys[consumer_key] = key
        return key

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The next ``count`` API requests answer ``status`` (before auth, like a proxy would)."""
        with self._lock:
            self._failures.extend(_Failure(status, dict(headers or {}), body) for _ in range(count))

    def fail_all(self, status: int | None) -> None:
        """From now on every API request answers ``status`` with a WordPress error body
        (``None`` ends it)."""
        with self._lock:
            self._fail_all = status

    def api_requests(
        self, method: str | None = None, path_suffix: str = ""
    ) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.endswith(path_suffix)
            ]

    # -- orders ----------------------------------------------------------------------------

    def _stamp(self) -> tuple[str, str]:
        now = datetime.fromtimestamp(self.clock(), UTC).replace(tzinfo=None, microsecond=0)
        return (now + self.utc_offset).isoformat(), now.isoformat()

    def add_order(
        self,
        *,
        status: str = "on-hold",
        payment_method: str = "bacs",
        payment_method_title: str | None = None,
        total: str = "29.35",
        currency: str = "EUR",
        billing: Mapping[str, Any] | None = None,
        customer_id: int = 0,
        meta_data: list[dict[str, Any]] | None = None,
        fire: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """A new order shaped like the template; fires ``order.created``."""
        with self._lock:
            order_id = self._next_id
            self._next_id += 1
            local, gmt = self._stamp()
            order = copy.deepcopy(self.template)
            order.pop("_links", None)
            order.update(
                id=order_id,
                number=str(order_id),
                order_key=f"wc_order_{secrets.token_hex(7)[:13]}",
                created_via="checkout",
                status=status,
                currency=currency,
                total=total,
                payment_method=payment_method,
                payment_method_title=payment_method_title or payment_method,
                customer_id=customer_id,
                transaction_id="",
                date_created=local,
                date_created_gmt=gmt,
                date_modified=local,
                date_modified_gmt=gmt,
                date_paid=local if status in PAID_STATUSES else None,
                date_paid_gmt=gmt if status in PAID_STATUSES else None,
                date_completed=None,
                date_completed_gmt=None,
                meta_data=list(meta_data) if meta_data is not None else order["meta_data"],
            )
            order["billing"] = {**order.get("billing", {}), **dict(billing or {})}
            order.update(fields)
            self.orders[order_id] = order
            payload = self._present(order)
        if fire:
            self._fire("order.created", payload)
        return payload

    def reset(self) -> None:
        """Forget all orders, requests, deliveries and injected failures."""
        with self._lock:
            self.orders.clear()
            self.notes.clear()
            self.requests.clear()
            self.deliveries.clear()
            self._failures.clear()
            self._fail_all = None
            self.on_list = None

    def order(self, order_id: int) -> dict[str, Any]:
        with self._lock:
            return self._present(self.orders[order_id])

    def update_order(self, order_id: int, *, fire: bool = True, **changes: Any) -> dict[str, Any]:
        """Change an order as the shop would (a person, a plugin); fires ``order.updated``."""
        with self._lock:
            order = self.orders[order_id]
            if "status" in changes:
                self._set_status(order, changes.pop("status"))
            order.update(changes)
            order["date_modified"], order["date_modified_gmt"] = self._stamp()
            payload = self._present(order)
        if fire:
            self._fire("order.updated", payload)
        return payload

    def trash_order(self, order_id: int, *, force: bool = False) -> None:
        """Move to trash (or delete for good); fires ``order.deleted`` with ``{"id": ...}``."""
        with self._lock:
            if force:
                del self.orders[order_id]
            else:
                order = self.orders[order_id]
                order["status"] = "trash"
                order["date_modified"], order["date_modified_gmt"] = self._stamp()
        self._fire("order.deleted", {"id": order_id})

    def _set_status(self, order: dict[str, Any], status: str) -> None:
        local, gmt = self._stamp()
        order["status"] = status
        if status in PAID_STATUSES and not order.get("date_paid_gmt"):
            order["date_paid"], order["date_paid_gmt"] = local, gmt
        if status == "completed" and not order.get("date_completed_gmt"):
            order["date_completed"], order["date_completed_gmt"] = local, gmt

    def _present(self, order: dict[str, Any]) -> dict[str, Any]:
        data = copy.deepcopy(order)
        if self._server is not None:
            data["_links"] = {
                "self": [{"href": f"{self.api_url}/orders/{order['id']}"}],
                "collection": [{"href": f"{self.api_url}/orders"}],
            }
        return data

    # -- webhooks --------------------------------------------------------------------------

    def add_webhook(self, topic: str, delivery_url: str, secret: str) -> Webhook:
        """Save an active webhook: WooCommerce pings the URL first and wants a 200."""
        with self._lock:
            webhook = Webhook(self._next_webhook, topic, delivery_url, secret)
            self._next_webhook += 1
        response = self._webhook_http.post(
            delivery_url,
            content=f"webhook_id={webhook.id}".encode(),
            headers={
                "User-Agent": self._user_agent(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        if response.status_code != 200:
            raise FakeWebhookError(
                f"Error: Delivery URL returned response code: {response.status_code}"
            )
        with self._lock:
            self.webhooks[webhook.id] = webhook
        return webhook

    @staticmethod
    def _user_agent() -> str:
        return "WooCommerce/9.4.0 Hookshot (WordPress/6.7.1)"

    def signed_body(self, payload: Any, secret: str) -> tuple[bytes, str]:
        """The body WooCommerce sends and its ``X-WC-Webhook-Signature``."""
        body = wp_json_encode(payload)
        key = html.unescape(secret).encode()  # wp_specialchars_decode( $secret, ENT_QUOTES )
        signature = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
        return body, signature

    def deliver(self, webhook: Webhook, topic: str, payload: Any) -> Delivery:
        """Send one delivery now (also usable to replay an old payload: out of order)."""
        body, signature = self.signed_body(payload, webhook.secret)
        resource, _, event = topic.partition(".")
        delivery_id = hashlib.md5(f"{webhook.id}{time.time_ns()}".encode()).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": self._user_agent(),
            "X-WC-Webhook-Source": f"{self.url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": str(webhook.id),
            "X-WC-Webhook-Delivery-ID": delivery_id,
        }
        try:
            response = self._webhook_http.post(webhook.delivery_url, content=body, headers=headers)
            status: int | None = response.status_code
        except httpx.HTTPError:
            status = None
        with self._lock:
            if status is not None and (200 <= status < 300 or status in (301, 302)):
                webhook.failure_count = 0
            else:
                webhook.failure_count += 1
                if webhook.failure_count > 5:
                    webhook.status = "disabled"
            delivery = Delivery(webhook.id, topic, body, headers, status)
            self.deliveries.append(delivery)
        return delivery

    def _fire(self, topic: str, payload: Any) -> None:
        with self._lock:
            targets = [
                w for w in self.webhooks.values() if w.topic == topic and w.status == "active"
            ]
        for webhook in targets:
            self.deliver(webhook, topic, payload)

    # -- the API ---------------------------------------------------------------------------

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            if self._failures:
                return self._failures.pop(0)
            if self._fail_all is not None:
                code = _FAILURE_CODES.get(self._fail_all, "http_error")
                body = {"code": code, "message": code, "data": {"status": self._fail_all}}
                return _Failure(self._fail_all, {}, body)
            return None

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        """One request: (status, headers, JSON-able body)."""
        parts = urlsplit(raw_path)
        get = parse_str(parts.query)
        record = RecordedRequest(method, parts.path, get, headers, body)
        with self._lock:
            self.requests.append(record)
        status, extra, payload = self._respond(method, parts.path, get, headers, body)
        record.status = status
        return status, extra, payload

    def _respond(
        self, method: str, path: str, get: dict[str, Any], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        failure = self._take_failure()
        if failure is not None:
            payload = (
                failure.body
                if failure.body is not None
                else {
                    "code": "http_error",
                    "message": "Service unavailable",
                    "data": {"status": failure.status},
                }
            )
            return failure.status, failure.headers, payload
        post: dict[str, Any] = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            post = parse_str(body.decode("latin-1"))
        with self._lock:
            auth = authenticate(
                is_ssl=self.is_ssl,
                method=method,
                request_path=path,
                home_url=self.url,
                home_path=self.home_path,
                get=get,
                post=post,
                headers=headers,
                keys=self.keys,
                now=self.clock(),
            )
        try:
            if auth.error is not None:
                raise _auth_error(auth.error)
            if auth.key is not None:
                denied = check_permissions(auth.key, method)
                if denied is not None:
                    raise _auth_error(denied)
            call = _Call(method, path, get, post, headers, body, anonymous=auth.key is None)
            return self._route(call)
        except ApiError as error:
            return error.status, {}, error.body()

    def _route(self, call: _Call) -> tuple[int, dict[str, str], Any]:
        prefix = f"{self.home_path}/wp-json/wc/v3"
        route = call.path[len(prefix) :] if call.path.startswith(prefix + "/") else ""
        if route == "/orders" and call.method == "GET":
            if call.anonymous:
                raise ApiError(
                    401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
                )
            return self._list(call.get)
        match = re.fullmatch(r"/orders/(\d+)", route)
        if match and call.method in ("GET", "PUT", "POST", "PATCH", "DELETE"):
            return self._item(call, int(match.group(1)))
        match = re.fullmatch(r"/orders/(\d+)/notes", route)
        if match and call.method == "POST":
            return self._add_note(int(match.group(1)), call.json(), call.anonymous)
        raise ApiError(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _list(self, get: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        params = self._list_params(get)
        if self.on_list is not None:
            self.on_list(params)
        with self._lock:
            matching = [o for o in self.orders.values() if self._matches(o, params)]
            key = {
                "id": lambda o: (o["id"],),
                "date": lambda o: (o["date_created_gmt"], o["id"]),
                "modified": lambda o: (o["date_modified_gmt"], o["id"]),
                "include": lambda o: (o["id"],),
                "title": lambda o: (o["id"],),
                "slug": lambda o: (o["id"],),
            }[params["orderby"]]
            matching.sort(key=key, reverse=params["order"] == "desc")
            per_page, page, offset = params["per_page"], params["page"], params["offset"]
            start = offset if offset and not self.ignore_offset else (page - 1) * per_page
            window = matching[start : start + per_page]
            items = [self._present(o) for o in window if o["id"] not in self.drop_from_listing]
        total = len(matching)
        pages = math.ceil(total / per_page)
        base = f"{self.api_url}/orders"
        links = []
        query = {k: v for k, v in get.items() if k != "page" and not isinstance(v, dict)}
        if page > 1:
            links.append(f'<{base}?{_query({**query, "page": min(page - 1, pages)})}>; rel="prev"')
        if pages > page:
            links.append(f'<{base}?{_query({**query, "page": page + 1})}>; rel="next"')
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return 200, headers, items

    def _list_params(self, get: dict[str, Any]) -> dict[str, Any]:
        def integer(name: str, default: int, low: int | None, high: int | None) -> int:
            raw = get.get(name)
            if raw is None:
                return default
            if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
                raise _invalid_param(name, f"{name} is not of type integer.")
            value = int(raw)
            if low is not None and high is not None and not low <= value <= high:
                raise _invalid_param(
                    name, f"{name} must be between {low} (inclusive) and {high} (inclusive)"
                )
            if low is not None and value < low:
                raise _invalid_param(name, f"{name} must be greater than or equal to {low}")
            return value

        def enum(name: str, default: str, allowed: tuple[str, ...]) -> str:
            value = get.get(name, default)
            if value not in allowed:
                raise _invalid_param(name, f"{name} is not one of {_enum_text(allowed)}.")
            return str(value)

        def date(name: str) -> str | None:
            value = get.get(name)
            if value is None:
                return None
            if not isinstance(value, str) or not _DATE.match(value):
                raise _invalid_param(name, "Invalid date.")
            return value

        raw_status = get.get("status", "any")
        statuses = (
            list(raw_status.values())
            if isinstance(raw_status, dict)
            else re.split(r"[\s,]+", str(raw_status).strip())
        )
        allowed = ("any", "trash", *self.statuses)
        for index, status in enumerate(statuses):
            if status not in allowed:
                raise _invalid_param(
                    "status", f"status[{index}] is not one of {_enum_text(allowed)}."
                )
        gmt = get.get("dates_are_gmt", "false")
        if not isinstance(gmt, str) or gmt.lower() not in _BOOLEAN:
            raise _invalid_param("dates_are_gmt", "dates_are_gmt is not of type boolean.")
        return {
            "page": integer("page", 1, 1, None),
            "per_page": integer("per_page", 10, 1, 100),
            "offset": integer("offset", 0, None, None),
            "orderby": enum(
                "orderby", "date", ("date", "id", "include", "title", "slug", "modified")
            ),
            "order": enum("order", "desc", ("asc", "desc")),
            "status": statuses,
            "dates_are_gmt": gmt.lower() in _TRUE,
            "after": date("after"),
            "before": date("before"),
            "modified_after": date("modified_after"),
            "modified_before": date("modified_before"),
        }

    def _matches(self, order: dict[str, Any], params: dict[str, Any]) -> bool:
        statuses = params["status"]
        if "any" in statuses:
            if order["status"] in ("trash", "checkout-draft"):
                return False
        elif order["status"] not in statuses:
            return False
        suffix = "_gmt" if params["dates_are_gmt"] else ""
        for name, column, later in (
            ("after", "date_created", True),
            ("before", "date_created", False),
            ("modified_after", "date_modified", True),
            ("modified_before", "date_modified", False),
        ):
            bound = params[name]
            if bound is None:
                continue
            limit = self._as_column_time(bound, gmt=params["dates_are_gmt"])
            value = datetime.fromisoformat(order[column + suffix])
            if (later and not value > limit) or (not later and not value < limit):
                return False
        return True

    def _as_column_time(self, text: str, *, gmt: bool) -> datetime:
        parsed = datetime.fromisoformat(text.replace(" ", "T").replace("t", "T"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed if gmt else parsed + self.utc_offset
        return parsed.replace(microsecond=0)

    def _item(self, call: _Call, order_id: int) -> tuple[int, dict[str, str], Any]:
        method = call.method
        with self._lock:
            exists = order_id in self.orders
        if call.anonymous and exists:
            code, message = {
                "GET": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
                "DELETE": (
                    "woocommerce_rest_cannot_delete",
                    "Sorry, you are not allowed to delete this resource.",
                ),
            }.get(
                method,
                (
                    "woocommerce_rest_cannot_edit",
                    "Sorry, you are not allowed to edit this resource.",
                ),
            )
            raise ApiError(401, code, message)
        if not exists:
            # get_item and delete_item answer 404, update_item 400 (WC_REST_CRUD_Controller)
            status = 400 if method in ("PUT", "POST", "PATCH") else 404
            raise ApiError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        if method == "GET":
            return 200, {}, self.order(order_id)
        if method == "DELETE":
            force = str(call.get.get("force", "false")).lower() in _TRUE
            payload = self.order(order_id)
            self.trash_order(order_id, force=force)
            return 200, {}, payload
        return 200, {}, self._update(order_id, call.json())

    def _update(self, order_id: int, data: dict[str, Any]) -> dict[str, Any]:
        status = data.get("status")
        if status is not None and status not in self.statuses:
            raise _invalid_param("status", f"status is not one of {_enum_text(self.statuses)}.")
        set_paid = data.get("set_paid")
        if set_paid is not None and not isinstance(set_paid, bool):
            raise _invalid_param("set_paid", "set_paid is not of type boolean.")
        changes: dict[str, Any] = {}
        for key in ("transaction_id", "customer_note", "payment_method", "payment_method_title"):
            if key in data:
                changes[key] = data[key]
        with self._lock:
            order = self.orders[order_id]
            if "billing" in data and isinstance(data["billing"], dict):
                changes["billing"] = {**order["billing"], **data["billing"]}
            if status:
                changes["status"] = status
        self.update_order(order_id, fire=False, **changes)
        with self._lock:
            order = self.orders[order_id]
            # $order->needs_payment(): pending/failed and a total above zero; else set_paid is
            # silently ignored (on-hold bank transfers!).
            if (
                set_paid is True
                and order["status"] in NEEDS_PAYMENT
                and Decimal(str(order["total"])) > 0
            ):
                if data.get("transaction_id"):
                    order["transaction_id"] = data["transaction_id"]
                self._set_status(order, "processing")
            payload = self._present(order)
        self._fire("order.updated", payload)
        return payload

    def _add_note(
        self, order_id: int, data: dict[str, Any], anonymous: bool
    ) -> tuple[int, dict[str, str], Any]:
        if anonymous:
            raise ApiError(
                401,
                "woocommerce_rest_cannot_create",
                "Sorry, you are not allowed to create resources.",
            )
        with self._lock:
            if order_id not in self.orders:
                raise ApiError(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
            if not data.get("note"):
                raise ApiError(400, "rest_missing_callback_param", "Missing parameter(s): note")
            local, gmt = self._stamp()
            note = {
                "id": self._next_note,
                "author": "system",
                "date_created": local,
                "date_created_gmt": gmt,
                "note": data["note"],
                "customer_note": bool(data.get("customer_note", False)),
            }
            self._next_note += 1
            self.notes.setdefault(order_id, []).append(note)
        location = f"{self.api_url}/orders/{order_id}/notes/{note['id']}"
        return 201, {"Location": location}, note


def _query(params: Mapping[str, Any]) -> str:
    return urlencode({k: str(v) for k, v in params.items()})


def _auth_error(error: AuthError) -> ApiError:
    return ApiError(error.status, error.code, error.message)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeWooCommerce
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # one write per response (flushed after each request), no ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, extra, payload = self.fake.handle(self.command, self.path, headers, body)
        except Exception as error:  # a bug in the fake: say so instead of hanging the client
            status, extra, payload = (
                500,
                {},
                {"code": "fake_error", "message": repr(error), "data": {"status": 500}},
            )
        data = wp_json_encode(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
