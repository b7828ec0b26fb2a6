"""The wire: one httpx client, bounded retries, Easybill's errors as typed exceptions, paging.

Easybill answers errors as ``{"code": 20000, "message": "...", "arguments": [...]}`` (the 400
body the API sends; other statuses are assumed to use the same shape and tolerated without it).
Requests are limited per minute (PLUS 10, BUSINESS 60) and refused with ``429``; the wait the
server asks for in ``Retry-After`` is honoured up to ``max_retry_wait``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from paymatch.connectors.interfaces import ConnectorError, TransientConnectorError
from paymatch_easybill.settings import EasybillSettings

log = logging.getLogger("paymatch_easybill")

PLUGIN_NAME = "easybill"
_USER_AGENT = "paymatch-easybill/0.1"


class EasybillError(ConnectorError):
    """Easybill refused a request (4xx): retrying the same request will not help."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        arguments: tuple[str, ...] = (),
    ) -> None:
        self.arguments = arguments
        """The fields Easybill names in a 400 answer (``arguments``)."""
        super().__init__(message, connector=PLUGIN_NAME, code=code, http_status=http_status)


class EasybillTransientError(TransientConnectorError):
    """Easybill is rate limiting, locked, failing or unreachable: try again later.

    ``retry_after`` is the wait in seconds Easybill asked for (``Retry-After``), if it did.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, connector=PLUGIN_NAME, code=code, http_status=http_status)


class UnsupportedWriteError(EasybillError):
    """A write Easybill cannot take from paymatch (cancelling an invoice), see the README."""


@dataclass(frozen=True)
class Page:
    """One page of a list resource: the envelope ``{page, pages, limit, total, items}``."""

    page: int
    pages: int
    limit: int
    total: int
    items: list[dict[str, Any]]


# Statuses worth another try: rate limit, "resource is locked", server trouble.
_RETRY_STATUSES = frozenset({409, 429, 500, 502, 503, 504})


class EasybillClient:
    """HTTP access to one Easybill account. The API key lives only in the client's headers."""

    def __init__(
        self,
        settings: EasybillSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._random = random.Random()
        self._secret = settings.api_key.get_secret_value()
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={
                "Authorization": f"Bearer {self._secret}",
                "Accept": "application/json",
                "User-Agent": _USER_AGENT,
            },
            timeout=httpx.Timeout(settings.timeout),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"EasybillClient(base_url={self.settings.base_url!r})"

    def close(self) -> None:
        self._http.close()

    # -- requests --------------------------------------------------------------------------------

    def get(
        self, path: str, params: Mapping[str, str | int] | None = None, *, missing_ok: bool = False
    ) -> Any:
        """GET ``path``; ``None`` for a 404 when ``missing_ok``."""
        return self._request("GET", path, params=params, missing_ok=missing_ok, idempotent=True)

    def post(
        self, path: str, body: Mapping[str, Any], params: Mapping[str, str] | None = None
    ) -> Any:
        """POST ``body``. Not repeated after a failure that may have reached Easybill (timeout,
        5xx): the caller re-reads and decides, so nothing is ever written twice."""
        return self._request("POST", path, params=params, json=dict(body), idempotent=False)

    def pages(self, path: str, params: Mapping[str, str | int]) -> Iterator[Page]:
        """Every page of a list resource in order, from page 1 to ``pages``.

        Raises :class:`EasybillError` if an answer is not a valid envelope or skips a page.
        """
        page_number, limit = 1, self.settings.page_size
        while True:
            raw = self.get(path, {**params, "limit": limit, "page": page_number})
            page = self._envelope(raw, path, page_number)
            yield page
            if page_number >= page.pages or not page.items:
                if page_number < page.pages:
                    raise EasybillError(
                        f"GET {path}: page {page_number} of {page.pages} came back empty; the "
                        "listing would be incomplete",
                        code="incomplete_listing",
                    )
                return
            page_number += 1

    def list_all(
        self, path: str, params: Mapping[str, str | int], *, passes: int = 4
    ) -> list[dict[str, Any]]:
        """Every item of a filtered list, complete, or an exception.

        Easybill pages by offset, so an item that leaves the filtered set while the pages are
        read (an invoice paid meanwhile) shifts the rest and one item would be skipped unseen.
        A pass therefore counts: ``total`` must stay the same on every page and equal the
        number of distinct ids read. A listing of one page is then complete; a longer one is
        read again and taken once two passes agree. ``passes`` bounds the tries.
        """
        previous: set[Any] | None = None
        for _ in range(passes):
            items: list[dict[str, Any]] = []
            totals: set[int] = set()
            pages = 0
            for page in self.pages(path, params):
                items.extend(page.items)
                totals.add(page.total)
                pages = page.pages
            ids = {item.get("id") for item in items}
            consistent = len(totals) <= 1 and len(ids) == len(items) == next(iter(totals), 0)
            if consistent and (pages <= 1 or ids == previous):
                return items
            previous = ids if consistent else None
            log.info("Easybill listing %s changed while it was paged; reading it again", path)
        raise EasybillTransientError(
            f"GET {path}: the listing kept changing while it was paged ({passes} passes); "
            "try again later",
            code="listing_changed",
        )

    def _envelope(self, raw: Any, path: str, expected_page: int) -> Page:
        fields = ("page", "pages", "limit", "total")
        if not isinstance(raw, dict) or not all(_is_int(raw.get(name)) for name in fields):
            raise EasybillError(
                f"GET {path}: the answer is not a list envelope {{page, pages, limit, total, "
                "items}}",
                code="invalid_response",
            )
        items = raw.get("items", [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise EasybillError(
                f"GET {path}: 'items' is not a list of objects", code="invalid_response"
            )
        if raw["page"] != expected_page:
            raise EasybillError(
                f"GET {path}: asked for page {expected_page}, got page {raw['page']}",
                code="invalid_response",
            )
        return Page(raw["page"], raw["pages"], raw["limit"], raw["total"], items)

    def _request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        missing_ok: bool = False,
        **kwargs: Any,
    ) -> Any:
        attempts = self.settings.max_attempts
        waited = 0.0
        for attempt in range(1, attempts + 1):
            failure: EasybillTransientError
            retry_after: float | None = None
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as error:
                # Not sent at all (connect failed): always safe to repeat. Otherwise the request
                # may have arrived; only an idempotent one is repeated.
                sent = not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
                failure = EasybillTransientError(
                    f"{method} {path}: {type(error).__name__}: {self._redact(str(error))}",
                    code="network",
                )
                if sent and not idempotent:
                    raise failure from None
            else:
                log.debug("%s %s -> %s", method, path, response.status_code)
                status = response.status_code
                if status < 300:
                    return self._json(response, method, path)
                if status == 404 and missing_ok:
                    return None
                if status not in _RETRY_STATUSES:
                    raise self._error(response, method, path)
                retry_after = _retry_after(response)
                failure = self._transient(response, method, path, retry_after)
                # 429 means "not processed"; other statuses may hide a write that happened.
                if status != 429 and not idempotent:
                    raise failure
            if attempt == attempts:
                raise failure
            wait = self._wait(attempt, retry_after)
            if wait > self.settings.max_retry_wait or waited + wait > self.settings.max_total_wait:
                raise failure  # the caller retries later; blocking this long helps nobody
            log.info(
                "Easybill %s %s failed (%s); try %d of %d in %.1f s",
                method,
                path,
                failure.code or failure.http_status,
                attempt + 1,
                attempts,
                wait,
            )
            if wait > 0:
                self._sleep(wait)
            waited += wait
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return backoff_wait(
            attempt, self.settings.backoff, self.settings.max_retry_wait, self._random
        )

    # -- answers ---------------------------------------------------------------------------------

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        if not response.content:
            return None
        try:
            # Exact numbers: Easybill's few non-integer fields (cash_allowance) become Decimal.
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise EasybillError(
                f"{method} {path}: the answer is not JSON "
                f"({response.headers.get('Content-Type', 'no content type')})",
                code="invalid_response",
                http_status=response.status_code,
            ) from None

    def _body(self, response: httpx.Response) -> tuple[str | None, str, tuple[str, ...]]:
        """Easybill's ``code``, ``message`` and ``arguments`` from an error answer, if any."""
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return None, response.reason_phrase or f"HTTP {response.status_code}", ()
        code = body.get("code")
        message = body.get("message")
        arguments = body.get("arguments")
        return (
            None if code is None else str(code),
            self._redact(str(message)) if message else response.reason_phrase,
            tuple(str(a) for a in arguments) if isinstance(arguments, list) else (),
        )

    def _error(self, response: httpx.Response, method: str, path: str) -> EasybillError:
        code, message, arguments = self._body(response)
        if arguments:
            message = f"{message} ({', '.join(arguments)})"
        status = response.status_code
        if status in (401, 403):
            message = f"{message} - check the API key (sent as a Bearer token)"
        return EasybillError(
            f"{method} {path}: {message}",
            code=code or _STATUS_CODES.get(status),
            http_status=status,
            arguments=arguments,
        )

    def _transient(
        self, response: httpx.Response, method: str, path: str, retry_after: float | None
    ) -> EasybillTransientError:
        code, message, _ = self._body(response)
        return EasybillTransientError(
            f"{method} {path}: {message}",
            code=code or _STATUS_CODES.get(response.status_code),
            http_status=response.status_code,
            retry_after=retry_after,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


_STATUS_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "locked",
    414: "request_uri_too_large",
    429: "too_many_requests",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
"""A code for errors whose body carries none, so that every error has one."""


def backoff_wait(attempt: int, backoff: float, cap: float, rng: random.Random) -> float:
    """The wait before try ``attempt + 1``: exponential backoff with "equal jitter" (half fixed,
    half random), so that many workers hitting the same limit do not return all at once."""
    base = min(cap, backoff * 2.0 ** (attempt - 1))
    return base / 2 + rng.uniform(0, base / 2)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (a number of seconds or an HTTP date), ``None`` if absent."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds: float = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds)
