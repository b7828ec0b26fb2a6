"""A local Shopware 6 Admin API for tests: real HTTP on 127.0.0.1, the documented wire contract.

What it reproduces (sources in ``research/connectors.md`` of the paymatch project):

- ``POST /api/oauth/token`` (client credentials; JSON or form body): tokens with ``expires_in``
  (default 600 s, measured on an injectable clock); 401 with league/oauth2 codes on bad
  credentials; ``Bearer`` checked on every other route (401 code 9 when missing, unknown or
  expired); optional login throttling (429 ``FRAMEWORK__AUTH_THROTTLED``, seconds in the body).
- Content negotiation of the search route: ``application/json`` gets flat JSON, ``*/*`` gets
  JSON:API (``application/vnd.api+json``), nothing acceptable gets 415.
- ``POST /api/search/order``: see :mod:`.search`.
- ``GET /api/_action/state-machine/order_transaction/{id}/state`` and the transition routes
  ``POST /api/_action/order_transaction/{id}/state/{action}`` and
  ``POST /api/_action/state-machine/order_transaction/{id}/state/{action}``, with the transition
  table of :mod:`.state_machine`: an action that already leads to the current state answers 200
  without a change, an illegal one 400 ``SYSTEM__ILLEGAL_STATE_TRANSITION``.
- Error bodies ``{"errors": [{"status", "code", "title", "detail", "meta"}]}``.

Faults for tests: scripted status answers (with ``Retry-After``), stalled answers (the client
times out), dropped connections, revoked tokens, and a hook that runs before a transition.
Orders are stored as given (the shape of a real serialized order), amounts as ``Decimal``.
"""

from __future__ import annotations

import copy
import re
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from paymatch_shopware.fake import jsontext
from paymatch_shopware.fake.search import (
    SearchError,
    parse_criteria,
    select,
    shape,
)
from paymatch_shopware.fake.state_machine import (
    ORDER_STATE_NAMES,
    STATE_NAMES,
    IllegalTransition,
    TransactionStateMachine,
    UnnecessaryTransition,
    state_id,
)

JSON = "application/json"
JSON_API = "application/vnd.api+json"
DEFAULT_CLIENT_ID = "SWIAFAKEPAYMATCHTESTKEY0001"
DEFAULT_CLIENT_SECRET = "fake-secret-access-key-for-tests-only"
TRANSACTION_MACHINE = "order_transaction.state"
ORDER_MACHINE = "order.state"
_HEX32 = re.compile(r"[0-9a-f]{32}")

_STATE_TEMPLATE: dict[str, Any] = {
    "extensions": {
        "foreignKeys": {"extensions": [], "apiAlias": "state_machine_state_foreign_keys_extension"},
        "internal_mapping_storage": {"extensions": [], "apiAlias": None},
    },
    "_uniqueIdentifier": None,
    "versionId": None,
    "translated": {"name": None, "customFields": []},
    "createdAt": "2023-05-03T14:36:07.815+00:00",
    "updatedAt": None,
    "name": None,
    "technicalName": None,
    "stateMachineId": None,
    "stateMachine": None,
    "fromStateMachineTransitions": None,
    "toStateMachineTransitions": None,
    "translations": None,
    "orders": None,
    "orderTransactionCaptures": None,
    "orderTransactionCaptureRefunds": None,
    "orderTransactions": None,
    "orderDeliveries": None,
    "fromStateMachineHistoryEntries": None,
    "toStateMachineHistoryEntries": None,
    "id": None,
    "customFields": None,
    "apiAlias": "state_machine_state",
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class HistoryEntry:
    """One state change the fake made (a transition that changed nothing is not recorded)."""

    transaction_id: str
    action: str
    from_state: str
    to_state: str
    body: Any


@dataclass
class _Fault:
    kind: str  # "status", "stall" or "drop"
    path: str
    method: str | None
    remaining: int
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    errors: list[dict[str, Any]] | None = None


def shopware_time(moment: datetime) -> str:
    """Shopware's serialized date-time: ``2023-05-04T13:36:26.557+00:00``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+00:00"


class FakeShopware:
    """A Shopware 6 Admin API on ``127.0.0.1`` (HTTPS when given an ``ssl_context``)."""

    def __init__(
        self,
        *,
        integrations: Mapping[str, str] | None = None,
        token_ttl: int = 600,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        legacy_actions: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        base_path: str = "",
    ) -> None:
        self.integrations = dict(integrations or {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})
        self.token_ttl = token_ttl
        self.clock = clock
        self.now = now
        self.machine = TransactionStateMachine(legacy=legacy_actions)
        self.requests: list[RecordedRequest] = []
        self.history: list[HistoryEntry] = []
        self.on_transition: Callable[[FakeShopware, str, str], None] | None = None
        """Runs (under the fake's lock) before a transition is resolved: (fake, id, action)."""
        self.after_search: Callable[[FakeShopware, int], None] | None = None
        """Runs (under the lock) after the n-th search (1-based) was answered: (fake, n)."""
        self.reject_all_tokens = False
        self.refuse_actions: set[str] = set()
        """Actions answered as illegal whatever the table says (a plugin that blocks them)."""
        self.force_media_type: str | None = None
        """Answer searches in this media type whatever ``Accept`` says (a misconfigured proxy)."""
        self._searches = 0
        self._orders: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, float] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.RLock()
        self._release = threading.Event()
        self._ssl_context = ssl_context
        self.base_path = base_path.rstrip("/")
        """Where the shop lives below the host (``/shop`` for ``https://host/shop/api/...``)."""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeShopware:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        if self._ssl_context is not None:
            server.socket = self._ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-shopware"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeShopware:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not running")
        host, port = self._server.server_address[:2]
        scheme = "https" if self._ssl_context is not None else "http"
        return f"{scheme}://{host!s}:{port}{self.base_path}"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Connector settings pointing at this fake with its first integration."""
        client_id, secret = next(iter(self.integrations.items()))
        return {"url": self.url, "client_id": client_id, "client_secret": secret, **overrides}

    # -- data -----------------------------------------------------------------------------------

    def add_order(self, order: Mapping[str, Any]) -> str:
        """Store a serialized order (the shape Shopware sends); returns its id.

        States are normalised to this fake's state entities by their technical names.
        """
        data = jsontext.clone(dict(order))
        order_id = data.get("id")
        if not isinstance(order_id, str) or not _HEX32.fullmatch(order_id):
            raise ValueError(f"order id {order_id!r} is not a lowercase hex32 id")
        for transaction in data.get("transactions") or []:
            if not _HEX32.fullmatch(str(transaction.get("id"))):
                raise ValueError(f"transaction id {transaction.get('id')!r} is not hex32")
            self._put_state(transaction, TRANSACTION_MACHINE, _technical(transaction))
        self._put_state(data, ORDER_MACHINE, _technical(data))
        with self._lock:
            self._orders[order_id] = data
        return order_id

    def add_orders(self, orders: Iterable[Mapping[str, Any]]) -> list[str]:
        return [self.add_order(order) for order in orders]

    def order(self, order_id: str) -> dict[str, Any]:
        with self._lock:
            return jsontext.clone(self._orders[order_id])  # type: ignore[no-any-return]

    def remove_order(self, order_id: str) -> None:
        with self._lock:
            del self._orders[order_id]

    def transaction_state(self, transaction_id: str) -> str:
        with self._lock:
            return str(self._transaction(transaction_id)["stateMachineState"]["technicalName"])

    def set_transaction_state(self, transaction_id: str, technical_name: str) -> None:
        """Change a state directly (as a person in the Administration might), no checks."""
        with self._lock:
            transaction = self._transaction(transaction_id)
            self._put_state(transaction, TRANSACTION_MACHINE, technical_name)
            transaction["updatedAt"] = shopware_time(self.now())

    def set_order_state(self, order_id: str, technical_name: str) -> None:
        with self._lock:
            order = self._orders[order_id]
            self._put_state(order, ORDER_MACHINE, technical_name)
            order["updatedAt"] = shopware_time(self.now())

    def update_order(self, order_id: str, **fields: Any) -> None:
        with self._lock:
            order = self._orders[order_id]
            order.update(jsontext.clone(fields))
            order["updatedAt"] = shopware_time(self.now())

    # -- faults ---------------------------------------------------------------------------------

    def fail_next(
        self,
        path: str,
        status: int = 503,
        *,
        times: int = 1,
        method: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        """Answer the next ``times`` requests whose path starts with ``path`` with ``status``."""
        with self._lock:
            self._faults.append(
                _Fault("status", path, method, times, status, dict(headers or {}), errors)
            )

    def clear_faults(self) -> None:
        """Forget every scripted failure that has not happened yet."""
        with self._lock:
            self._faults.clear()

    def stall_next(self, path: str, *, times: int = 1, method: str | None = None) -> None:
        """Hold the next answers back until the fake stops (the client runs into its timeout)."""
        with self._lock:
            self._faults.append(_Fault("stall", path, method, times))

    def drop_next(self, path: str, *, times: int = 1, method: str | None = None) -> None:
        """Close the connection without an answer."""
        with self._lock:
            self._faults.append(_Fault("drop", path, method, times))

    def throttle_login(self, seconds: int, *, times: int = 1, retry_after: bool = False) -> None:
        """Refuse the next logins as self-hosted Shopware does (SaaS adds ``Retry-After``)."""
        headers = {"Retry-After": str(seconds)} if retry_after else {}
        self.fail_next(
            "/api/oauth/token",
            429,
            times=times,
            headers=headers,
            errors=[
                {
                    "status": "429",
                    "code": "FRAMEWORK__AUTH_THROTTLED",
                    "title": "Too Many Requests",
                    "detail": f"Auth throttled for {seconds} seconds.",
                    "meta": {"parameters": {"seconds": seconds}},
                }
            ],
        )

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    # -- request handling (called from the server threads) ----------------------------------

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path) and fault.method in (None, method):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _record(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Any:
        """Keep the request for the test to inspect; returns its parsed body."""
        body: Any = None
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if raw:
            if content_type == "application/x-www-form-urlencoded":
                body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            else:
                try:
                    body = jsontext.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
        with self._lock:
            self.requests.append(RecordedRequest(method, path, dict(headers), body))
        return body

    def _handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> _Answer:
        if path == "/api/oauth/token" and method == "POST":
            return self._token(body)
        refused = self._check_bearer(headers.get("authorization"))
        if refused is not None:
            return refused
        if path == "/api/search/order" and method == "POST":
            return self._search(body, headers.get("accept"))
        match = re.fullmatch(
            r"/api/_action/(?:state-machine/)?order_transaction/([^/]+)/state(?:/([^/]+))?", path
        )
        if match and method == "GET" and match.group(2) is None and "state-machine" in path:
            return self._available(match.group(1))
        if match and method == "POST" and match.group(2) is not None:
            return self._transition(match.group(1), match.group(2), body)
        return _errors(
            404, [_error_item(404, "0", f'No route found for "{method} {path}"', title="Not Found")]
        )

    def _token(self, body: Any) -> _Answer:
        body = body if isinstance(body, dict) else {}
        if body.get("grant_type") != "client_credentials":
            return _oauth_error(
                400,
                "2",
                "The authorization grant type is not supported by the authorization server.",
                "Check that all required parameters have been provided",
            )
        client_id, secret = body.get("client_id"), body.get("client_secret")
        if not client_id or not secret:
            return _oauth_error(
                400,
                "3",
                "The request is missing a required parameter, includes an invalid parameter "
                "value, includes a parameter more than once, or is otherwise malformed.",
                "Check the `client_id` parameter" if not client_id else "",
            )
        if self.integrations.get(str(client_id)) != secret:
            return _oauth_error(401, "4", "Client authentication failed", "")
        token = ".".join(secrets.token_urlsafe(n) for n in (18, 48, 32))
        with self._lock:
            self._tokens[token] = self.clock() + self.token_ttl
        document = {"token_type": "Bearer", "expires_in": self.token_ttl, "access_token": token}
        return _Answer(200, JSON, jsontext.dumps(document))

    def _check_bearer(self, authorization: str | None) -> _Answer | None:
        title = "The resource owner or authorization server denied the request."
        if not authorization or not authorization.startswith("Bearer "):
            return _oauth_error(401, "9", title, 'Missing "Authorization" header')
        token = authorization[len("Bearer ") :].strip()
        if token.count(".") != 2:
            return _oauth_error(401, "9", title, "The JWT string must have two dots")
        with self._lock:
            expires = self._tokens.get(token)
            if self.reject_all_tokens or expires is None:
                return _oauth_error(401, "9", title, "Access token could not be verified")
            if self.clock() >= expires:
                return _oauth_error(401, "9", title, "Access token could not be verified")
        return None

    def _search(self, body: Any, accept: str | None) -> _Answer:
        media_type = self.force_media_type or negotiate(accept)
        if media_type is None:
            detail = f"All provided media types are unsupported. ({accept or ''})"
            return _errors(415, [_error_item(415, "0", detail, title="Unsupported Media Type")])
        try:
            criteria = parse_criteria(body if body is not None else {}, "order")
        except SearchError as error:
            return _errors(error.status, error.errors)
        with self._lock:
            orders = list(self._orders.values())
            page, total = select(orders, criteria, "order")
            rows = [shape(order, criteria, "order", criteria.includes) for order in page]
            self._searches += 1
            if self.after_search is not None:
                self.after_search(self, self._searches)
        if media_type == JSON:
            return _Answer(
                200, JSON, jsontext.dumps({"total": total, "data": rows, "aggregations": []})
            )
        return _Answer(
            200, JSON_API, jsontext.dumps(_json_api(rows, total, criteria.total_count_mode))
        )

    def _available(self, transaction_id: str) -> _Answer:
        with self._lock:
            transaction = self._find_transaction(transaction_id)
            if transaction is None:
                return _invalid_entity(transaction_id)
            state = transaction["stateMachineState"]["technicalName"]
            items = [
                {
                    "name": STATE_NAMES[row.to_state],
                    "technicalName": row.to_state,
                    "actionName": row.action,
                    "fromStateName": row.from_state,
                    "toStateName": row.to_state,
                    "url": f"/api/_action/state-machine/order_transaction/{transaction_id}"
                    f"/state/{row.action}",
                }
                for row in self.machine.available(state)
            ]
        return _Answer(200, JSON, jsontext.dumps({"transitions": items}))

    def _transition(self, transaction_id: str, action: str, body: Any) -> _Answer:
        with self._lock:
            if self._find_transaction(transaction_id) is None:
                return _invalid_entity(transaction_id)
            if self.on_transition is not None:
                self.on_transition(self, transaction_id, action)
            transaction = self._transaction(transaction_id)
            current = transaction["stateMachineState"]["technicalName"]
            try:
                if action in self.refuse_actions:
                    raise IllegalTransition([row.action for row in self.machine.available(current)])
                destination = self.machine.destination(current, action)
            except UnnecessaryTransition:
                return _Answer(200, JSON, jsontext.dumps(transaction["stateMachineState"]))
            except IllegalTransition as illegal:
                current_id = state_id(TRANSACTION_MACHINE, current)
                possible = illegal.possible
                detail = (
                    f'Illegal transition "{action}" from state "{current_id}". '
                    f"Possible transitions are: {', '.join(possible)}"
                )
                item = _error_item(400, "SYSTEM__ILLEGAL_STATE_TRANSITION", detail)
                item["meta"] = {
                    "parameters": {
                        "transition": action,
                        "currentState": current_id,
                        "possibleTransitionsString": ", ".join(possible),
                        "possibleTransitions": possible,
                    }
                }
                return _errors(400, [item])
            self._put_state(transaction, TRANSACTION_MACHINE, destination)
            transaction["updatedAt"] = shopware_time(self.now())
            self.history.append(HistoryEntry(transaction_id, action, current, destination, body))
            return _Answer(200, JSON, jsontext.dumps(transaction["stateMachineState"]))

    # -- helpers --------------------------------------------------------------------------------

    def _find_transaction(self, transaction_id: str) -> dict[str, Any] | None:
        for order in self._orders.values():
            for transaction in order.get("transactions") or []:
                if transaction.get("id") == transaction_id:
                    return transaction  # type: ignore[no-any-return]
        return None

    def _transaction(self, transaction_id: str) -> dict[str, Any]:
        transaction = self._find_transaction(transaction_id)
        if transaction is None:
            raise KeyError(f"no transaction {transaction_id}")
        return transaction

    def _put_state(self, entity: dict[str, Any], machine: str, technical_name: str) -> None:
        names = STATE_NAMES if machine == TRANSACTION_MACHINE else ORDER_STATE_NAMES
        if technical_name not in names:
            raise ValueError(f"{technical_name!r} is not a state of {machine}")
        template = entity.get("stateMachineState")
        state = copy.deepcopy(template if isinstance(template, dict) else _STATE_TEMPLATE)
        identifier = state_id(machine, technical_name)
        state.update(
            {
                "_uniqueIdentifier": identifier,
                "id": identifier,
                "name": names[technical_name],
                "technicalName": technical_name,
                "stateMachineId": state_id(machine, ""),
            }
        )
        if isinstance(state.get("translated"), dict):
            state["translated"]["name"] = names[technical_name]
        entity["stateMachineState"] = state
        entity["stateId"] = identifier


@dataclass(frozen=True)
class _Answer:
    status: int
    content_type: str
    text: str
    headers: tuple[tuple[str, str], ...] = ()


def negotiate(accept: str | None) -> str | None:
    """Shopware's ``ResponseFactoryRegistry``: first supported type by quality; ``*/*`` adds
    JSON:API as a last resort; nothing supported means ``None`` (415)."""
    items = []
    for index, part in enumerate((accept or "").split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            items.append((-quality, index, media))
    types = [media for _, _, media in sorted(items)]
    if "*/*" in types:
        types.append(JSON_API)
    for media in types:
        if media in (JSON, JSON_API):
            return media
    return None


def _json_api(rows: list[dict[str, Any]], total: int, mode: int) -> dict[str, Any]:
    data = []
    for row in rows:
        attributes = {
            key: value
            for key, value in row.items()
            if key not in ("id", "apiAlias") and not isinstance(value, dict | list)
        }
        relationships = {
            key: {"data": value.get("id") if isinstance(value, dict) else None}
            for key, value in row.items()
            if isinstance(value, dict) and "apiAlias" in value
        }
        data.append(
            {
                "id": row.get("id"),
                "type": "order",
                "attributes": attributes,
                "links": {"self": f"/api/order/{row.get('id')}"},
                "relationships": relationships,
                "meta": None,
            }
        )
    return {
        "data": data,
        "included": [],
        "links": {"self": "/api/search/order"},
        "meta": {"totalCountMode": mode, "total": total},
        "aggregations": [],
    }


def _error_item(status: int, code: str, detail: str, *, title: str | None = None) -> dict[str, Any]:
    return {
        "status": str(status),
        "code": code,
        "title": title or HTTPStatus(status).phrase,
        "detail": detail,
        "meta": {"parameters": {}},
    }


def _errors(status: int, items: list[dict[str, Any]]) -> _Answer:
    return _Answer(status, JSON, jsontext.dumps({"errors": items}))


def _oauth_error(status: int, code: str, title: str, hint: str) -> _Answer:
    return _errors(status, [{"code": code, "status": str(status), "title": title, "detail": hint}])


def _invalid_entity(transaction_id: str) -> _Answer:
    item = _error_item(
        400,
        "SYSTEM__STATE_MACHINE_INVALID_ENTITY_ID",
        f'Unable to read entity "order_transaction" with id "{transaction_id}".',
    )
    item["meta"] = {"parameters": {"entityName": "order_transaction", "entityId": transaction_id}}
    return _errors(400, [item])


def _technical(entity: Mapping[str, Any]) -> str:
    state = entity.get("stateMachineState")
    if not isinstance(state, dict) or not isinstance(state.get("technicalName"), str):
        raise ValueError(f"entity {entity.get('id')!r} has no stateMachineState.technicalName")
    return str(state["technicalName"])


def _handler_for(fake: FakeShopware) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        wbufsize = 1 << 16  # headers and body leave in one write (flushed after each request)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read :attr:`FakeShopware.requests` instead."""

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            if fake.base_path:
                if not path.startswith(fake.base_path + "/"):
                    path = "/not-found" + path  # outside the shop: no route
                else:
                    path = path[len(fake.base_path) :]
            headers = {key.lower(): value for key, value in self.headers.items()}
            body = fake._record(method, path, headers, raw)
            fault = fake._take_fault(method, path)
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                return
            if fault is not None and fault.kind == "stall":
                fake._release.wait(timeout=30)
                self.close_connection = True
                return
            if fault is not None:
                items = fault.errors
                if items is None:
                    items = [_error_item(fault.status, "0", "scripted failure")]
                answer = _errors(fault.status, items)
                answer = _Answer(
                    answer.status, answer.content_type, answer.text, tuple(fault.headers.items())
                )
            else:
                try:
                    answer = fake._handle(method, path, headers, body)
                except Exception as error:  # the fake must answer, like Shopware's error handler
                    answer = _errors(500, [_error_item(500, "0", f"fake failed: {error!r}")])
            payload = answer.text.encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "FakeShopware",
    "HistoryEntry",
    "RecordedRequest",
    "negotiate",
    "shopware_time",
]
