"""The HTTP client for the WooCommerce REST API v3: auth, retries, errors and complete listings.

Auth follows what WooCommerce accepts (``WC_REST_Authentication``): HTTP Basic with the consumer
key and secret over https; over plain http WooCommerce ignores Basic auth, so requests are signed
with OAuth 1.0a (see :mod:`paymatch_woocommerce.oauth`). Basic auth over plain http is refused
here, before anything is sent.

Retries: 429, 5xx, timeouts and connection errors are retried with exponential backoff and
jitter, bounded by ``max_attempts`` and ``max_retry_seconds``; a ``Retry-After`` is honoured.
Every attempt is signed afresh (OAuth nonces are single-use). 4xx answers become typed errors with
WooCommerce's own ``code`` and ``message``.
"""

from __future__ import annotations

import json
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from paymatch_woocommerce import oauth, redact
from paymatch_woocommerce.errors import (
    WooCommerceAuthError,
    WooCommerceError,
    WooCommerceProtocolError,
    WooCommerceTransientError,
)
from paymatch_woocommerce.settings import WooCommerceSettings

INVALID_ORDER_ID = "woocommerce_rest_shop_order_invalid_id"
MAX_RESYNCS = 10
"""How often one listing may step back because orders before its cursor left the list."""


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: httpx.Headers
    data: Any


def _query_string(query: Mapping[str, str]) -> str:
    return "&".join(
        f"{oauth.percent_encode(k)}={oauth.percent_encode(v)}" for k, v in query.items()
    )


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff with jitter (``jitter`` in [0, 1]): half fixed, half random, capped."""
    ceiling: float = min(cap, base * 2.0 ** (attempt - 1))
    return ceiling / 2 + ceiling / 2 * jitter


def _short(text: str, limit: int = 300) -> str:
    text = redact.redact_url(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class WooCommerceClient:
    """Talks to one shop. Thread-compatible (one instance per thread), closes with ``close()``."""

    def __init__(
        self,
        settings: WooCommerceSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wallclock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._monotonic = monotonic
        self._wallclock = wallclock
        self._jitter = jitter
        verify: ssl.SSLContext | bool
        if isinstance(settings.verify, str):
            verify = ssl.create_default_context(cafile=settings.verify)
        else:
            verify = settings.verify
        self._http = httpx.Client(
            timeout=settings.timeout,
            verify=verify,
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": settings.user_agent},
        )

    def __repr__(self) -> str:
        return f"WooCommerceClient(url={self.settings.url!r}, auth={self.settings.auth_scheme!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WooCommerceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------

    def _build(
        self, method: str, path: str, query: Mapping[str, str], body: Any | None
    ) -> httpx.Request:
        url = self.settings.api_base + quote(path, safe="/")
        query = dict(query)
        headers: dict[str, str] = {}
        key = self.settings.consumer_key.get_secret_value()
        secret = self.settings.consumer_secret.get_secret_value()
        if self.settings.auth_scheme == "basic":
            if not url.startswith("https://"):  # settings refuse this too; never send it
                raise WooCommerceError("refusing to send Basic credentials over plain http")
            auth = httpx.BasicAuth(key, secret)
        else:
            auth = None
            params = oauth.oauth_parameters(
                method=method,
                url=url,
                query=query,
                consumer_key=key,
                consumer_secret=secret,
                signature_method=self.settings.oauth_signature_method,
                timestamp=int(self._wallclock()),
            )
            if self.settings.oauth_in_header:
                headers["Authorization"] = oauth.authorization_header(params)
            else:
                query.update(params)
        if query:
            url = f"{url}?{_query_string(query)}"
        content = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        request = self._http.build_request(method, url, content=content, headers=headers)
        if auth is not None:
            request = next(auth.auth_flow(request))
        return request

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any | None = None,
        retry: bool = True,
    ) -> ApiResponse:
        """Send one API request (``path`` below ``/wp-json/wc/v3``) and decode its JSON answer.

        Raises :class:`WooCommerceTransientError` once retries are spent, a
        :class:`WooCommerceAuthError` on 401/403 and a :class:`WooCommerceError` on other 4xx.
        """
        started = self._monotonic()
        attempts = self.settings.max_attempts if retry else 1
        for attempt in range(1, attempts + 1):
            request = self._build(method, path, query or {}, body)
            retry_after: float | None = None
            try:
                response = self._http.send(request)
                response.read()
            except httpx.TimeoutException as error:
                failure = f"timed out ({type(error).__name__})"
                status = None
            except httpx.TransportError as error:
                failure = f"connection failed ({type(error).__name__}: {_short(str(error))})"
                status = None
            else:
                status = response.status_code
                if status != 429 and status < 500:
                    return self._decode(response)
                failure = self._describe(response)
                retry_after = _retry_after(response.headers.get("Retry-After"), self._wallclock())
            code = self._code(response) if status is not None else None
            if attempt == attempts:
                raise WooCommerceTransientError(
                    f"{method} {path}: {failure}; gave up after {attempt} attempt(s)",
                    code=code,
                    http_status=status,
                    retry_after=retry_after,
                )
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            spent = self._monotonic() - started
            if spent + delay > self.settings.max_retry_seconds:
                raise WooCommerceTransientError(
                    f"{method} {path}: {failure}; waiting {delay:.1f}s more would exceed the retry "
                    f"budget of {self.settings.max_retry_seconds:.0f}s",
                    code=code,
                    http_status=status,
                    retry_after=retry_after,
                )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(
            attempt, self.settings.backoff_base, self.settings.backoff_cap, self._jitter()
        )

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        # Decimal for JSON numbers with a fraction, so money sent as a number stays exact.
        return json.loads(response.content, parse_float=Decimal)

    def _code(self, response: httpx.Response) -> str | None:
        try:
            data = self._json(response)
        except ValueError:
            return None
        code = data.get("code") if isinstance(data, dict) else None
        return str(code) if code else None

    def _describe(self, response: httpx.Response) -> str:
        try:
            data = self._json(response)
        except ValueError:
            data = None
        if isinstance(data, dict) and ("code" in data or "message" in data):
            return f"HTTP {response.status_code}: {_short(str(data.get('message', '')))}"
        return f"HTTP {response.status_code} {response.reason_phrase}"

    def _decode(self, response: httpx.Response) -> ApiResponse:
        status = response.status_code
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            raise WooCommerceProtocolError(
                f"the shop redirects to {_short(location)!r}; configure url as the shop's home URL "
                "(scheme included) so no redirect is needed",
                http_status=status,
            )
        try:
            data = self._json(response) if response.content else None
        except ValueError:
            data = None
            if status < 300:
                kind = response.headers.get("Content-Type", "unknown content")
                raise WooCommerceProtocolError(
                    f"expected JSON from the WooCommerce REST API, got {kind}; is url the "
                    "WordPress home URL, with pretty permalinks enabled?",
                    http_status=status,
                ) from None
        if status < 300:
            return ApiResponse(status, response.headers, data)
        code = message = None
        if isinstance(data, dict):
            code = str(data["code"]) if data.get("code") else None
            message = str(data["message"]) if data.get("message") else None
        text = _short(message or response.reason_phrase or "request refused")
        if status in (401, 403):
            raise WooCommerceAuthError(text, code=code, http_status=status)
        raise WooCommerceError(text, code=code, http_status=status)

    # -- orders ----------------------------------------------------------------------------

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        """``GET /orders/{id}``; ``None`` when WooCommerce does not know the id."""
        if not order_id.isdigit():
            return None
        try:
            data = self.request("GET", f"/orders/{order_id}").data
        except WooCommerceError as error:
            # Only WooCommerce's own "no such order"; rest_no_route means a wrong url, which must
            # not make every order look deleted.
            if error.code == INVALID_ORDER_ID:
                return None
            raise
        if not isinstance(data, dict):
            raise WooCommerceProtocolError(f"GET /orders/{order_id} did not answer an object")
        return data

    def update_order(self, order_id: str, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        """``PUT /orders/{id}``; ``None`` when WooCommerce does not know the id."""
        try:
            data = self.request("PUT", f"/orders/{order_id}", body=dict(changes)).data
        except WooCommerceError as error:
            if error.code == INVALID_ORDER_ID:  # 400 on update, 404 on read
                return None
            raise
        if not isinstance(data, dict):
            raise WooCommerceProtocolError(f"PUT /orders/{order_id} did not answer an object")
        return data

    def add_order_note(self, order_id: str, note: str) -> None:
        """A private note (not mailed to the customer). Not retried: a POST is not idempotent."""
        self.request(
            "POST",
            f"/orders/{order_id}/notes",
            body={"note": note, "customer_note": False},
            retry=False,
        )

    def list_orders(self, filters: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every order matching ``filters``: a complete list, or an exception.

        Pages are read in ascending id order with ``offset`` windows that overlap by one order.
        A window is only accepted when it starts at or before the last order already read; then
        the orders after it are exactly the next ones, whatever changed meanwhile before the
        cursor. If orders before the cursor left the list (the window starts too late), the
        reader steps back. Orders that join or leave *during* the listing may or may not be in
        it (as with any snapshot); every order that was in the list the whole time is.
        """
        per_page = self.settings.per_page
        base = {**filters, "orderby": "id", "order": "asc", "per_page": str(per_page)}
        result: list[dict[str, Any]] = []
        last_id: int | None = None
        offset = 0
        resyncs = 0
        while True:
            query = dict(base)
            if offset:
                query["offset"] = str(offset)
            response = self.request("GET", "/orders", query=query)
            items, ids = self._window(response)
            total = self._header_int(response, "X-WP-Total")
            self._header_int(response, "X-WP-TotalPages")
            # A full window that ends at or before the cursor: many orders joined before it.
            fully_ahead = len(ids) == per_page and last_id is not None and ids[-1] <= last_id
            if offset and (not ids or ids[0] > (last_id or 0) or fully_ahead):
                # Orders before the cursor left (or many joined): re-align on the cursor.
                resyncs += 1
                if resyncs > MAX_RESYNCS:
                    raise WooCommerceTransientError(
                        "the order list kept changing while it was read; try again later"
                    )
                if fully_ahead:
                    offset += per_page - 1
                else:
                    offset = max(0, offset - (per_page - 1))
                continue
            if len(items) < per_page and offset + len(items) < total:
                raise WooCommerceProtocolError(
                    f"WooCommerce counted {total} orders (X-WP-Total) but returned only "
                    f"{offset + len(items)}; refusing an incomplete list"
                )
            for item, order_id in zip(items, ids, strict=True):
                if last_id is None or order_id > last_id:
                    result.append(item)
            if ids:
                last_id = max(ids[-1], last_id or 0)
            if offset + per_page >= total:
                return result
            offset += per_page - 1

    @staticmethod
    def _window(response: ApiResponse) -> tuple[list[dict[str, Any]], list[int]]:
        items = response.data
        if not isinstance(items, list):
            raise WooCommerceProtocolError("GET /orders did not answer a JSON array")
        ids: list[int] = []
        for item in items:
            order_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(order_id, int) or isinstance(order_id, bool):
                raise WooCommerceProtocolError("GET /orders answered an order without an id")
            if ids and order_id <= ids[-1]:
                raise WooCommerceProtocolError(
                    "GET /orders ignored orderby=id&order=asc; cannot page through it safely"
                )
            ids.append(order_id)
        return items, ids

    @staticmethod
    def _header_int(response: ApiResponse, name: str) -> int:
        value = response.headers.get(name)
        if value is None or not value.strip().isdigit():
            raise WooCommerceProtocolError(
                f"GET /orders answered without a numeric {name} header; cannot tell whether "
                "the list is complete"
            )
        return int(value)
