"""A small client for the parts of the Shopware 6 Admin API the connector uses.

- Authentication: OAuth2 client credentials (``POST /api/oauth/token``). The token is cached and
  renewed shortly before ``expires_in`` runs out, and once more when a request meets a 401.
- Every request sends ``Accept: application/json``. Shopware answers ``*/*`` (what HTTP libraries
  send by default) with JSON:API, a different document shape; a JSON:API answer is refused.
- Responses are parsed with ``parse_float=Decimal``: Shopware writes money as JSON numbers, and
  this keeps the digits on the wire instead of the nearest binary float.
- 429, 5xx, timeouts and connection errors are retried with bounded exponential backoff and
  jitter, honouring ``Retry-After`` (and Shopware's auth-throttle seconds); other 4xx become typed
  errors with Shopware's own code and message.

Secrets (the client secret and access tokens) never appear in logs, reprs or exception texts.
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from paymatch_shopware.errors import (
    IllegalTransitionError,
    ShopwareAuthError,
    ShopwareError,
    ShopwareResponseError,
    ShopwareTransientError,
)
from paymatch_shopware.retry import RetryPolicy, parse_retry_after
from paymatch_shopware.settings import ShopwareSettings

log = logging.getLogger("paymatch_shopware")

TOKEN_PATH = "/api/oauth/token"
RENEW_EARLY = 60.0
"""Seconds before ``expires_in`` runs out at which a cached token is renewed."""

_RETRY_STATUS = frozenset({408, 425, 429})
_JSON = "application/json"
_JSON_API = "application/vnd.api+json"
_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class Transition:
    """One transition Shopware allows from a state: ``action`` leads to ``to_state``."""

    action: str
    from_state: str
    to_state: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    data: list[dict[str, Any]]
    total: int


class ShopwareClient:
    """Authenticated, retrying access to one shop's Admin API.

    ``clock`` (monotonic seconds), ``sleep`` and ``rng`` are injectable so that token expiry and
    backoff can be tested without waiting; ``transport`` lets tests swap the network layer.
    """

    def __init__(
        self,
        settings: ShopwareSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._policy = RetryPolicy(
            max_attempts=settings.max_attempts,
            base=settings.backoff_base,
            max_delay=settings.backoff_max,
            budget=settings.retry_budget,
        )
        self._http = httpx.Client(
            base_url=settings.url,
            timeout=httpx.Timeout(settings.timeout),
            verify=_verification(settings),
            transport=transport,
            follow_redirects=False,
            headers={"Accept": _JSON, "User-Agent": f"paymatch-shopware/{_VERSION}"},
        )
        self._token_lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return f"ShopwareClient(url={self._settings.url!r}, client_id={self._settings.client_id!r})"

    def close(self) -> None:
        self._http.close()

    # -- the API calls the connector uses ---------------------------------------------------

    def search_orders(self, body: Mapping[str, Any]) -> SearchPage:
        document = self._json(self._request("POST", "/api/search/order", json=body))
        if not isinstance(document, dict):
            raise ShopwareResponseError("order search: the answer is not a JSON object")
        data = document.get("data")
        total = document.get("total")
        if not isinstance(data, list) or not isinstance(total, int) or isinstance(total, bool):
            raise ShopwareResponseError(
                "order search: expected {'total': <int>, 'data': [...]} (flat JSON)"
            )
        return SearchPage(data=data, total=total)

    def available_transitions(self, transaction_id: str) -> list[Transition]:
        path = f"/api/_action/state-machine/order_transaction/{transaction_id}/state"
        document = self._json(self._request("GET", path))
        items = document.get("transitions") if isinstance(document, dict) else None
        if not isinstance(items, list):
            raise ShopwareResponseError(f"{path}: expected {{'transitions': [...]}}")
        transitions = []
        for item in items:
            try:
                transitions.append(
                    Transition(
                        action=str(item["actionName"]),
                        from_state=str(item["fromStateName"]),
                        to_state=str(item["toStateName"]),
                    )
                )
            except (KeyError, TypeError):
                raise ShopwareResponseError(f"{path}: a transition without names") from None
        return transitions

    def transition(
        self, transaction_id: str, action: str, *, send_mail: bool, comment: str | None = None
    ) -> str:
        """Run ``action`` on the transaction; returns the technical name of the state it is in.

        ``comment`` goes to the state history as ``internalComment`` (Shopware 6.7; older
        releases ignore it).
        """
        path = f"/api/_action/order_transaction/{transaction_id}/state/{action}"
        body: dict[str, Any] = {"sendMail": send_mail}
        if comment:
            body["internalComment"] = comment
        document = self._json(self._request("POST", path, json=body))
        name = document.get("technicalName") if isinstance(document, dict) else None
        if not isinstance(name, str):
            raise ShopwareResponseError(f"{path}: the answer names no state")
        return name

    # -- authentication -----------------------------------------------------------------------

    def _access_token(self) -> str:
        with self._token_lock:
            if self._token is not None and self._clock() < self._renew_at:
                return self._token
            requested_at = self._clock()
            response = self._request(
                "POST",
                TOKEN_PATH,
                json={
                    "grant_type": "client_credentials",
                    "client_id": self._settings.client_id,
                    "client_secret": self._settings.client_secret.get_secret_value(),
                },
                authenticated=False,
            )
            document = self._json(response)
            token = document.get("access_token") if isinstance(document, dict) else None
            expires_in = document.get("expires_in") if isinstance(document, dict) else None
            if not isinstance(token, str) or not token:
                raise ShopwareResponseError("token endpoint: the answer has no access_token")
            if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
                raise ShopwareResponseError("token endpoint: expires_in is not a positive integer")
            # Renew a minute early; a token that lives less than two minutes lives half its time.
            lifetime = expires_in - RENEW_EARLY if expires_in > 2 * RENEW_EARLY else expires_in / 2
            self._token = token
            self._renew_at = requested_at + lifetime
            log.debug("shopware: new access token, valid for %s s", expires_in)
            return token

    def _forget_token(self, token: str) -> None:
        with self._token_lock:
            if self._token == token:
                self._token = None

    # -- transport: retries, errors -------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        started = self._clock()
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            headers = {}
            token = None
            if authenticated:
                token = self._access_token()
                headers["Authorization"] = f"Bearer {token}"
            retry_after: float | None = None
            status: int | None = None
            code: str | None = None
            try:
                response = self._http.request(method, path, json=json, headers=headers)
            except httpx.TransportError as error:
                if not _is_transient(error):
                    raise ShopwareError(
                        f"{method} {path}: {_describe_transport_error(error)}"
                    ) from None
                reason = f"{type(error).__name__}"
            else:
                status = response.status_code
                if status < 300:
                    return response
                if status == 401 and token is not None and not renewed:
                    # The token may have been revoked or the shop's clock differ: renew once.
                    self._forget_token(token)
                    renewed = True
                    attempt -= 1
                    continue
                if status not in _RETRY_STATUS and status < 500:
                    raise self._error(method, path, response)
                errors = _errors_of(response)
                code = _first(errors, "code")
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is None:
                    retry_after = _throttle_seconds(errors)
                reason = f"HTTP {status}" + (f" [{code}]" if code else "")
            if attempt >= self._policy.max_attempts:
                raise ShopwareTransientError(
                    f"{method} {path}: still failing after {attempt} tries ({reason})",
                    code=code,
                    http_status=status,
                    retry_after=retry_after,
                    attempts=attempt,
                )
            delay = self._policy.delay(attempt, retry_after, self._rng)
            if self._clock() - started + delay > self._policy.budget:
                raise ShopwareTransientError(
                    f"{method} {path}: giving up after {attempt} tries ({reason}); the next wait "
                    f"of {delay:.1f} s would exceed the retry budget of {self._policy.budget} s",
                    code=code,
                    http_status=status,
                    retry_after=retry_after,
                    attempts=attempt,
                )
            log.warning(
                "shopware: %s %s failed (%s), try %d of %d, waiting %.2f s",
                method,
                path,
                reason,
                attempt,
                self._policy.max_attempts,
                delay,
            )
            self._sleep(delay)

    def _json(self, response: httpx.Response) -> Any:
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        where = f"{response.request.method} {response.request.url.path}"
        if media_type == _JSON_API:
            raise ShopwareResponseError(
                f"{where}: Shopware answered JSON:API ({_JSON_API}) although the request accepted "
                f"only {_JSON}; is a proxy dropping the Accept header?",
                http_status=response.status_code,
            )
        if media_type != _JSON:
            raise ShopwareResponseError(
                f"{where}: expected {_JSON}, got {media_type or 'no content type'}",
                http_status=response.status_code,
            )
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError as error:
            raise ShopwareResponseError(
                f"{where}: the answer is not valid JSON ({error})", http_status=response.status_code
            ) from None

    def _error(self, method: str, path: str, response: httpx.Response) -> ShopwareError:
        status = response.status_code
        errors = _errors_of(response)
        code = _first(errors, "code")
        detail = _first(errors, "detail") or _first(errors, "title")
        if detail is None:
            if 300 <= status < 400:
                where_to = response.headers.get("Location", "elsewhere")
                detail = f"the shop redirects to {where_to}; configure that URL instead"
            else:
                detail = response.reason_phrase or "request refused"
        message = self._redact(f"{method} {path}: {detail}")
        if code == "SYSTEM__ILLEGAL_STATE_TRANSITION":
            parameters = _parameters(errors)
            possible = parameters.get("possibleTransitions")
            return IllegalTransitionError(
                message,
                transition=parameters.get("transition"),
                possible_transitions=[str(p) for p in possible]
                if isinstance(possible, list)
                else [],
                http_status=status,
                errors=errors,
            )
        kind = ShopwareAuthError if status in (401, 403) else ShopwareError
        return kind(message, code=code, http_status=status, errors=errors)

    def _redact(self, text: str) -> str:
        secrets = [self._settings.client_secret.get_secret_value(), self._token]
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


def _verification(settings: ShopwareSettings) -> ssl.SSLContext | bool:
    if not settings.url.startswith("https://"):
        return False  # plain http has no TLS to verify; this saves loading the CA bundle
    if isinstance(settings.verify, str):
        path = Path(settings.verify)
        if path.is_dir():
            return ssl.create_default_context(capath=str(path))
        return ssl.create_default_context(cafile=str(path))
    return settings.verify


def _is_transient(error: httpx.TransportError) -> bool:
    if isinstance(error, httpx.ConnectError) and _caused_by(error, ssl.SSLCertVerificationError):
        return False  # a certificate problem does not go away by retrying
    return isinstance(
        error, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError
    )


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_transport_error(error: httpx.TransportError) -> str:
    if _caused_by(error, ssl.SSLCertVerificationError):
        return "TLS certificate verification failed (set 'verify' to the shop's CA bundle)"
    return f"{type(error).__name__}: {error}"


def _errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """Shopware's ``errors`` array, or nothing if the body is not such a document."""
    try:
        document = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return []
    errors = document.get("errors") if isinstance(document, dict) else None
    if not isinstance(errors, list):
        return []
    return [error for error in errors if isinstance(error, dict)]


def _first(errors: list[dict[str, Any]], key: str) -> str | None:
    for error in errors:
        value = error.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def _parameters(errors: list[dict[str, Any]]) -> dict[str, Any]:
    for error in errors:
        meta = error.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("parameters"), dict):
            return dict(meta["parameters"])
    return {}


def _throttle_seconds(errors: list[dict[str, Any]]) -> float | None:
    """Self-hosted Shopware throttles logins without Retry-After; the seconds are in the body."""
    if _first(errors, "code") != "FRAMEWORK__AUTH_THROTTLED":
        return None
    seconds = _parameters(errors).get("seconds")
    if isinstance(seconds, int | Decimal) and not isinstance(seconds, bool):
        return float(seconds)
    return None
