"""A fake Example Shop: a real HTTP server on 127.0.0.1 speaking the API in the README."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

TRANSITIONS = {"paid": {"awaiting_payment"}, "cancelled": {"awaiting_payment"}}


class FakeExampleShop:
    """The shop's state: orders by id, the valid token, and an optional forced failure."""

    def __init__(self) -> None:
        self.token = "ex-token-4f1c9a77d2"
        self.orders: dict[int, dict[str, Any]] = {}
        self.failure: int | None = None
        self.status_posts: list[tuple[int, str]] = []
        self.lock = threading.Lock()

    def reset(self) -> None:
        with self.lock:
            self.orders.clear()
            self.failure = None
            self.status_posts.clear()

    def add(self, order: dict[str, Any]) -> int:
        with self.lock:
            order_id = max(self.orders, default=1000) + 1
            self.orders[order_id] = {"id": order_id, **order}
            return order_id

    def handle(self, method: str, url: str, headers: Any, body: bytes) -> tuple[int, Any]:
        if self.failure is not None:
            return self.failure, _error("server_error" if self.failure >= 500 else "bad_request")
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, _error("unauthorized", "invalid API token")
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            if method == "GET" and parts.path == "/api/v1/orders":
                return 200, self._list(query)
            found = re.fullmatch(r"/api/v1/orders/(\d+)(/status)?", parts.path)
            if not found or int(found[1]) not in self.orders:
                return 404, _error("not_found", "no such order")
            order = self.orders[int(found[1])]
            if method == "GET" and not found[2]:
                return 200, order
            if method == "POST" and found[2]:
                target = json.loads(body)["status"]
                if order["status"] not in TRANSITIONS.get(target, set()):
                    return 409, _error("transition_not_allowed", f"{order['status']} -> {target}")
                order["status"] = target
                order["updated_at"] = datetime.now().astimezone().isoformat()
                self.status_posts.append((order["id"], target))
                return 200, order
        return 405, _error("method_not_allowed")

    def _list(self, query: dict[str, str]) -> dict[str, Any]:
        per_page = int(query.get("per_page", 20))
        if not 1 <= per_page <= 100:
            return _error("bad_request", "per_page must be 1..100")
        orders = sorted(self.orders.values(), key=lambda o: o["id"])
        if "status" in query:
            orders = [o for o in orders if o["status"] == query["status"]]
        if "updated_since" in query:
            since = datetime.fromisoformat(query["updated_since"])
            orders = [o for o in orders if datetime.fromisoformat(o["updated_at"]) >= since]
        page = int(query.get("page", 1))
        pages = max(1, -(-len(orders) // per_page))
        return {
            "orders": orders[(page - 1) * per_page : page * per_page],
            "page": page,
            "pages": pages,
        }


def _error(code: str, message: str = "request failed") -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _handler(shop: FakeExampleShop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload = shop.handle(self.command, self.path, self.headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler


@pytest.fixture(scope="session")
def example_shop_server() -> Iterator[tuple[FakeExampleShop, str]]:
    shop = FakeExampleShop()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield shop, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def example_shop(example_shop_server: tuple[FakeExampleShop, str]) -> tuple[FakeExampleShop, str]:
    """The running fake shop, emptied for this test, and its base URL."""
    shop, url = example_shop_server
    shop.reset()
    return shop, url
