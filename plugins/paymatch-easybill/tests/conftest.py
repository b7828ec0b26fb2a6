"""A fake Easybill: a real HTTP server on 127.0.0.1 speaking the REST API v1 as Easybill's
published OpenAPI (Swagger 2.0) specification describes it.

The specification is read at test time from ``../shared/connector-specs/easybill-openapi.json``
(fixture ``connector_specs``; never copied into the repository). From it the fake

* builds every document, customer and payment it serves (all the properties of the spec's
  ``Document``/``Customer``/``DocumentPayment`` models, filled from the spec's examples and
  defaults, then the test's own values);
* checks every request the connector sends: the path and method exist, each query parameter is
  one the operation defines, of its type, enum and range, and a body matches the model without
  read-only fields;
* checks every successful answer it gives against the operation's response schema.

Anything that does not conform is recorded in ``violations``, and the ``easybill`` fixture fails
the test at teardown if there is any. The rest is the documented behaviour (research/connectors.md
§3): Bearer (or Basic) authentication, the ``{page, pages, limit, total, items}`` envelope with
``limit`` 1..1000, the filters with ``null``, comma lists and ``a,b`` date ranges, amounts in
integer cents, payments that update ``paid_amount``/``paid_at``, cancellation by a ``STORNO``
document, errors as ``{code, message, arguments}``, and a per-minute request limit answered with
``429`` and ``Retry-After``.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import itertools
import json
import math
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from paymatch_easybill import EasybillSettings, EasybillSource
from referencing import Registry
from referencing.jsonschema import DRAFT4

BERLIN = ZoneInfo("Europe/Berlin")
SPEC_URI = "urn:easybill:swagger"
BASE_PATH = "/rest/v1"

# The one error body Easybill documents (a 400 on POST /customers, BolZer/easybill-java-sdk).
DOCUMENTED_400 = {
    "code": 20000,
    "message": "Bitte füllen Sie alle Felder aus.",
    "arguments": ["last_name", "company_name"],
}


def berlin_now() -> str:
    return datetime.now(BERLIN).strftime("%Y-%m-%d %H:%M:%S")


def berlin(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S")


# -- the specification ------------------------------------------------------------------------


class EasybillSpec:
    """Easybill's Swagger 2.0 document: example instances and validators for its models."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.definitions = document["definitions"]
        root = {"definitions": {n: _json_schema(s) for n, s in self.definitions.items()}}
        self._registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, DRAFT4.create_resource(root)
        )
        self._formats = jsonschema.FormatChecker(formats=())
        self._formats.checks("date")(_is_date)
        self._formats.checks("date-time")(_is_datetime)
        self._formats.checks("datetime")(_is_datetime)
        self._operations = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", path) + "$"), path, item)
            for path, item in document["paths"].items()
        ]

    # instances --------------------------------------------------------------------------------

    def instance(self, name: str) -> dict[str, Any]:
        """A complete object of model ``name``: every property, from the spec's examples."""
        result = self._instance({"$ref": f"#/definitions/{name}"})
        assert isinstance(result, dict)
        return result

    def _instance(self, schema: dict[str, Any]) -> Any:
        if "$ref" in schema:
            return self._instance(self._resolve(schema["$ref"]))
        if "allOf" in schema or "properties" in schema:
            result: dict[str, Any] = {}
            for part in schema.get("allOf", []):
                result.update(self._instance(part))
            for name, prop in schema.get("properties", {}).items():
                result[name] = self._instance(prop)
            return result
        if "example" in schema:
            return copy.deepcopy(schema["example"])
        if "default" in schema:
            return copy.deepcopy(schema["default"])
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "string":
            moment = "2019-02-07 11:54:10"
            return {"date": "2019-02-07", "date-time": moment, "datetime": moment}.get(
                schema.get("format", ""), ""
            )
        return {"integer": 0, "number": 0, "boolean": False, "array": []}.get(kind)

    def _resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict)
        return node

    # validation -------------------------------------------------------------------------------

    def errors(self, schema: dict[str, Any], value: Any) -> list[str]:
        """What is wrong with ``value`` against a schema of the spec (Swagger 2.0 semantics)."""
        validator = jsonschema.Draft4Validator(
            _json_schema(schema, base=SPEC_URI),
            registry=self._registry,
            format_checker=self._formats,
        )
        return [
            f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
            for error in validator.iter_errors(value)
        ]

    def model_errors(self, name: str, value: Any) -> list[str]:
        return self.errors({"$ref": f"#/definitions/{name}"}, value)

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template, item in self._operations:
            if pattern.match(path) and method.lower() in item:
                return template, item[method.lower()]
        return None

    def path_known(self, path: str) -> bool:
        return any(pattern.match(path) for pattern, _, _ in self._operations)

    def parameters(self, operation: dict[str, Any]) -> list[dict[str, Any]]:
        return [self._resolve(p["$ref"]) if "$ref" in p else p for p in operation["parameters"]]

    def request_errors(
        self, operation: dict[str, Any], query: dict[str, list[str]], body: Any
    ) -> list[str]:
        """Query parameters and body of a request against the operation's definition."""
        params = self.parameters(operation)
        by_name = {p["name"]: p for p in params if p["in"] == "query"}
        problems = []
        for name, values in query.items():
            spec = by_name.get(name.removesuffix("[]"))
            if spec is None:
                problems.append(f"query parameter {name!r} is not defined for this operation")
                continue
            for value in values:
                problems += [f"query {name}: {p}" for p in _query_value_errors(spec, value)]
        for spec in params:
            if spec["in"] == "query" and spec.get("required") and spec["name"] not in query:
                problems.append(f"query parameter {spec['name']!r} is required")
        body_spec = next((p for p in params if p["in"] == "body"), None)
        if body_spec is not None:
            problems += [f"body {p}" for p in self.errors(body_spec["schema"], body)]
            problems += [f"body: {p}" for p in self._read_only_sent(body_spec["schema"], body)]
        elif body is not None:
            problems.append("a body was sent to an operation that takes none")
        return problems

    def _read_only_sent(self, schema: dict[str, Any], body: Any) -> list[str]:
        if "$ref" in schema:
            schema = self._resolve(schema["$ref"])
        if not isinstance(body, dict):
            return []
        props = schema.get("properties", {})
        return [
            f"read-only property {name!r} sent"
            for name in body
            if props.get(name, {}).get("readOnly")
        ]

    def response_errors(self, operation: dict[str, Any], status: int, body: Any) -> list[str]:
        answer = operation["responses"].get(str(status))
        if answer is None:
            return [f"status {status} is not a documented answer of this operation"]
        if "schema" not in answer:
            return []
        return [f"response {p}" for p in self.errors(answer["schema"], body)]


def _json_schema(schema: Any, base: str = "") -> Any:
    """Swagger 2.0 schema -> JSON Schema draft 4: nullable where the spec says so.

    A property is nullable where the spec marks it ``x-nullable`` or gives ``null`` as its
    example or default: the spec's way of documenting fields that real answers send as ``null``
    (``paid_at``, ``cancel_id``, ``due_date``, ... are ``null`` in the recorded fixtures).
    """
    if isinstance(schema, list):
        return [_json_schema(item, base) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: _json_schema(prop, base) for name, prop in value.items()}
        elif key in ("items", "allOf", "additionalProperties"):
            out[key] = _json_schema(value, base)
        elif key == "$ref":
            out[key] = base + value
        elif key in ("example", "x-nullable", "readOnly", "description", "default"):
            continue
        else:
            out[key] = value
    nullable = schema.get("x-nullable") is True or (
        ("example" in schema and schema["example"] is None)
        or ("default" in schema and schema["default"] is None)
    )
    if nullable:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        elif "$ref" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(
        re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", value)
    )


def _query_value_errors(spec: dict[str, Any], value: str) -> list[str]:
    problems = []
    kind = spec.get("type")
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return [f"{value!r} is not an integer"]
        number = int(value)
        if "minimum" in spec and number < spec["minimum"]:
            problems.append(f"{number} < minimum {spec['minimum']}")
        if "maximum" in spec and number > spec["maximum"]:
            problems.append(f"{number} > maximum {spec['maximum']}")
    elif kind == "boolean" and value not in ("true", "false", "0", "1"):
        problems.append(f"{value!r} is not a boolean")
    if "enum" in spec:
        allowed = [str(v) for v in spec["enum"]]
        parts = value.split(",") if spec["name"] == "type" else [value]
        problems += [f"{part!r} not in {allowed}" for part in parts if part not in allowed]
    return problems


# -- the fake server --------------------------------------------------------------------------


class FakeEasybill:
    """The state of one Easybill account and the rules of its API."""

    def __init__(self, spec: EasybillSpec) -> None:
        self.spec = spec
        self.api_key = "eb-live-9f3c1e77a2b84d0c91e5-secret"
        self.email = "merchant@example.org"
        self.lock = threading.RLock()
        self._ids = itertools.count(2_558_029_100)
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.documents: dict[int, dict[str, Any]] = {}
            self.customers: dict[int, dict[str, Any]] = {}
            self.payments: dict[int, dict[str, Any]] = {}
            self.payment_posts: list[dict[str, Any]] = []
            self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
            self.violations: list[str] = []
            self.failure: int | None = None
            self.failure_retry_after: str | None = "60"
            self.fail_next: list[tuple[int, dict[str, str]]] = []
            self.rate_limit: int | None = None
            self.retry_after_override: str | None = None
            self.window: deque[float] = deque()
            self.delay: float = 0.0
            self.post_delay: float = 0.0
            self.slow: list[float] = []
            """Delays for the next requests, one each, taken before the request is handled."""
            self.tolerated: set[int] = set()
            self.intercept: Callable[[str, str, dict[str, list[str]]], Any] | None = None
            """Called before routing; an answer ``(status, headers, payload)`` replaces it."""
            self.after: Callable[[str, str, dict[str, list[str]]], None] | None = None
            """Called after a request was answered (to change the account meanwhile)."""

    # seeding ----------------------------------------------------------------------------------

    def add_customer(self, **fields: Any) -> dict[str, Any]:
        with self.lock:
            customer = self.spec.instance("Customer")
            customer.update(id=next(self._ids), number=f"K{len(self.customers) + 10001}")
            customer.update(fields)
            self.customers[customer["id"]] = customer
            return customer

    def add_invoice(
        self,
        *,
        amount: int,
        customer: dict[str, Any] | None = None,
        snapshot: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """An issued invoice of ``amount`` cents, with the customer's address and snapshot."""
        with self.lock:
            document = self.spec.instance("Document")
            customer = customer or self.add_customer()
            address = {
                key: customer.get(key)
                for key in self.spec.instance("DocumentAddress")
                if key in customer
            }
            number = str(fields.pop("number", f"RE-{len(self.documents) + 1001}"))
            now = berlin_now()
            document.update(
                id=next(self._ids),
                type="INVOICE",
                number=number,
                is_draft=False,
                is_archive=False,
                amount=amount,
                amount_net=round(amount / Decimal("1.19")),
                paid_amount=0,
                paid_at=None,
                cancel_id=None,
                currency="EUR",
                customer_id=customer["id"],
                address={**self.spec.instance("DocumentAddress"), **address},
                customer_snapshot=copy.deepcopy(customer) if snapshot else None,
                billing_country=customer.get("country"),
                document_date=now[:10],
                due_date=now[:10],
                created_at=now,
                edited_at=now,
                pdf_template=None,
                status=None,
            )
            if not snapshot:
                del document["customer_snapshot"]
            document.update(fields)
            self.documents[document["id"]] = document
            return document

    def cancel(self, document_id: int) -> dict[str, Any]:
        """What ``POST /documents/{id}/cancel`` does: a STORNO document, linked by cancel_id."""
        with self.lock:
            invoice = self.documents[document_id]
            storno = copy.deepcopy(invoice)
            storno.update(
                id=next(self._ids),
                type="STORNO",
                number=f"ST-{invoice['number']}",
                cancel_id=None,
                ref_id=invoice["id"],
                paid_amount=0,
                paid_at=None,
            )
            self.documents[storno["id"]] = storno
            invoice["cancel_id"] = storno["id"]
            invoice["edited_at"] = berlin_now()
            return storno

    # the API ----------------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Any, raw_body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.in_flight += 1
        try:
            if self.delay:
                time.sleep(self.delay)
            if self.slow:
                time.sleep(self.slow.pop(0))  # outside the lock: later requests go on
            parts = urlsplit(target)
            query = parse_qs(parts.query, keep_blank_values=True)
            try:
                return self._handle(method, parts.path, query, headers, raw_body)
            finally:
                if self.after is not None:
                    self.after(method, parts.path, query)
        finally:
            with self.lock:
                self.in_flight -= 1

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being handled (one the client gave up on may still be)."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def _handle(
        self,
        method: str,
        full_path: str,
        query: dict[str, list[str]],
        headers: Any,
        raw_body: bytes,
    ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.requests.append((method, full_path, query))
            if self.intercept is not None:
                answer = self.intercept(method, full_path, query)
                if answer is not None:
                    return answer  # type: ignore[no-any-return]
            if self.fail_next:
                status, extra = self.fail_next.pop(0)
                return status, extra, _error_body(status)
            if self.failure is not None:
                extra = {}
                if self.failure == 429 and self.failure_retry_after is not None:
                    extra["Retry-After"] = self.failure_retry_after
                return self.failure, extra, _error_body(self.failure)
            if not self._authorized(headers.get("Authorization")):
                # Body not documented for 401; Easybill's error shape is assumed (research §3.8).
                return 401, {}, {"code": 401, "message": "Unauthorized", "arguments": []}
            limited = self._rate_limited()
            if limited is not None:
                return 429, {"Retry-After": limited}, _error_body(429)
            if not full_path.startswith(BASE_PATH + "/"):
                self.violations.append(f"{method} {full_path}: not below {BASE_PATH}")
                return 404, {}, {"code": 404, "message": "Not found", "arguments": []}
            path = full_path.removeprefix(BASE_PATH)
            found = self.spec.operation(method, path)
            if found is None:
                self.violations.append(f"{method} {path}: no such operation in the spec")
                status = 405 if self.spec.path_known(path) else 404
                return status, {}, {"code": status, "message": "Not found", "arguments": []}
            template, operation = found
            body = None
            if raw_body:
                try:
                    body = json.loads(raw_body)
                except ValueError:
                    self.violations.append(f"{method} {path}: body is not JSON")
                    return 400, {}, DOCUMENTED_400
            problems = self.spec.request_errors(operation, query, body)
            if problems:
                self.violations += [f"{method} {path}: {p}" for p in problems]
                return 400, {}, {"code": 20000, "message": problems[0], "arguments": []}
            if method == "POST" and self.post_delay:
                time.sleep(self.post_delay)  # the write happens, the answer comes too late
            status, payload = self._route(method, template, path, query, body)
            if status < 300:
                problems = self.spec.response_errors(operation, status, payload)
                if any(doc in self.tolerated for doc in _document_ids(payload)):
                    problems = []  # a deliberately broken record (malformed-order tests)
                self.violations += [f"{method} {path} -> {status}: {p}" for p in problems]
            return status, {}, payload

    def _authorized(self, header: str | None) -> bool:
        if header == f"Bearer {self.api_key}":
            return True
        if header and header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                return False
            return decoded == f"{self.email}:{self.api_key}"
        return False

    def _rate_limited(self) -> str | None:
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        while self.window and now - self.window[0] >= 60:
            self.window.popleft()
        if len(self.window) >= self.rate_limit:
            wait = 60 - (now - self.window[0])
            return self.retry_after_override or str(max(1, math.ceil(wait)))
        self.window.append(now)
        return None

    def _route(
        self, method: str, template: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        key = (method, template)
        if key == ("GET", "/documents"):
            return 200, self._page(self._documents(query), query)
        if key == ("GET", "/documents/{id}"):
            document = self.documents.get(_id(path))
            return (200, document) if document else _not_found()
        if key == ("POST", "/documents/{id}/cancel"):
            document = self.documents.get(_id(path))
            if document is None:
                return _not_found()
            return 200, self.cancel(document["id"])
        if key == ("GET", "/customers/{id}"):
            customer = self.customers.get(_id(path))
            return (200, customer) if customer else _not_found()
        if key == ("GET", "/document-payments"):
            return 200, self._page(self._payments(query), query)
        if key == ("POST", "/document-payments"):
            return self._add_payment(body, query)
        self.violations.append(f"{method} {template}: the fake does not implement it")
        return 501, {"code": 501, "message": "not implemented by the fake", "arguments": []}

    def _documents(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        docs = sorted(self.documents.values(), key=lambda d: d["id"])
        for name, values in query.items():
            value = values[-1]
            if name in ("limit", "page"):
                continue
            if name == "type":
                docs = [d for d in docs if d["type"] in value.split(",")]
            elif name in ("is_draft", "is_archive"):
                docs = [d for d in docs if bool(d[name]) == (value == "1")]
            elif name in ("paid_at", "document_date", "edited_at"):
                docs = [d for d in docs if _date_matches(d.get(name), value)]
            elif name in ("cancel_id", "customer_id"):
                docs = [d for d in docs if _id_matches(d.get(name), value)]
            elif name == "number":
                docs = [d for d in docs if d.get("number") in value.split(",")]
            else:
                self.violations.append(f"GET /documents: filter {name!r} not modelled by the fake")
        return docs

    def _payments(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        payments = sorted(self.payments.values(), key=lambda p: p["id"])
        for name, values in query.items():
            value = values[-1]
            if name == "document_id":
                payments = [p for p in payments if _id_matches(p["document_id"], value)]
            elif name == "reference":
                payments = [p for p in payments if p["reference"] in value.split(",")]
            elif name == "payment_at":
                payments = [p for p in payments if _date_matches(p["payment_at"], value)]
        return payments

    def _page(self, items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
        limit = int(query.get("limit", ["100"])[-1])
        page = int(query.get("page", ["1"])[-1])
        total = len(items)
        return {
            "page": page,
            "pages": max(1, math.ceil(total / limit)),
            "limit": limit,
            "total": total,
            "items": copy.deepcopy(items[(page - 1) * limit : page * limit]),
        }

    def _add_payment(self, body: dict[str, Any], query: dict[str, list[str]]) -> tuple[int, Any]:
        document = self.documents.get(body["document_id"])
        if document is None:
            return _not_found()
        payment = self.spec.instance("DocumentPayment")
        payment.update(
            {"notice": "", "type": "", "provider": "", "reference": "", "is_overdue_fee": False}
        )
        payment.update(body)
        payment.update(id=next(self._ids), login_id=32039)
        payment.setdefault("payment_at", berlin_now()[:10])
        if not body.get("payment_at"):
            payment["payment_at"] = berlin_now()[:10]
        self.payments[payment["id"]] = payment
        self.payment_posts.append(copy.deepcopy(payment))
        document["paid_amount"] += payment["amount"]
        mark_paid = query.get("paid", ["false"])[-1] in ("true", "1")
        if document["paid_amount"] >= document["amount"] or mark_paid:
            document["paid_at"] = payment["payment_at"]
        document["edited_at"] = berlin_now()
        return 201, payment


def _error_body(status: int) -> Any:
    if status == 400:
        return DOCUMENTED_400
    if status >= 500:
        return "<html><body><h1>Service Unavailable</h1></body></html>"  # proxies answer HTML
    return {"code": status, "message": "Too Many Requests" if status == 429 else "Error"}


def _not_found() -> tuple[int, Any]:
    return 404, {"code": 404, "message": "Not found", "arguments": []}


def _id(path: str) -> int:
    segment = path.rstrip("/").split("/")[2]
    return int(segment) if segment.isdigit() else -1


def _id_matches(value: Any, wanted: str) -> bool:
    if wanted == "null":
        return value is None
    return str(value) in wanted.split(",")


def _date_matches(value: Any, wanted: str) -> bool:
    if wanted == "null":
        return value is None
    if value is None:
        return False
    day = date.fromisoformat(str(value)[:10])
    if "," in wanted:
        start, end = wanted.split(",", 1)
        return date.fromisoformat(start) <= day <= date.fromisoformat(end)
    return day == date.fromisoformat(wanted)


def _document_ids(payload: Any) -> Iterator[int]:
    if isinstance(payload, dict):
        if "id" in payload and "type" in payload:
            yield payload["id"]
        for item in payload.get("items", []) if isinstance(payload.get("items"), list) else []:
            if isinstance(item, dict) and "id" in item:
                yield item["id"]


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # a JSON number on the wire, as Easybill writes cash_allowance
    raise TypeError(f"cannot encode {type(value).__name__}")


def _handler(fake: FakeEasybill) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, extra, payload = fake.handle(self.command, self.path, self.headers, body)
            if isinstance(payload, str):
                data, content_type = payload.encode(), "text/html; charset=utf-8"
            else:
                data = json.dumps(payload, default=_encode).encode()
                content_type = "application/json"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)  # fails where the client gave up waiting (timeouts)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler


# -- fixtures ---------------------------------------------------------------------------------


def _specs_folder(request: pytest.FixtureRequest) -> Path:
    try:
        folder: Path = request.getfixturevalue("connector_specs")  # the repository's conftest
        return folder
    except pytest.FixtureLookupError:  # this package's tests run on their own
        env = os.environ.get("PAYMATCH_CONNECTOR_SPECS")
        folder = Path(env) if env else Path(__file__).resolve().parents[4] / "shared"
        folder = folder if env else folder / "connector-specs"
        if not folder.is_dir():
            pytest.skip(f"connector specs not found at {folder} (set PAYMATCH_CONNECTOR_SPECS)")
        return folder


@pytest.fixture(scope="session")
def easybill_spec(request: pytest.FixtureRequest) -> EasybillSpec:
    """Easybill's published OpenAPI specification, read from ``../shared``."""
    path = _specs_folder(request) / "easybill-openapi.json"
    return EasybillSpec(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def easybill_server(easybill_spec: EasybillSpec) -> Iterator[tuple[FakeEasybill, str]]:
    fake = FakeEasybill(easybill_spec)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}{BASE_PATH}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def easybill(easybill_server: tuple[FakeEasybill, str]) -> Iterator[FakeEasybill]:
    """The running fake Easybill, emptied for this test. Fails the test if the connector sent
    a request, or the fake gave an answer, that the specification does not allow."""
    fake, _ = easybill_server
    fake.settle()
    fake.reset()
    yield fake
    fake.settle()
    assert fake.violations == [], "requests or answers outside Easybill's specification"


@pytest.fixture
def easybill_url(easybill_server: tuple[FakeEasybill, str]) -> str:
    return easybill_server[1]


@pytest.fixture
def make_source(
    easybill: FakeEasybill, easybill_url: str
) -> Iterator[Callable[..., EasybillSource]]:
    """``make_source(sleep=None, **settings)``: a connector pointed at the fake, with small
    pages and retries that never wait unless the test says otherwise; closed afterwards."""
    made: list[EasybillSource] = []

    def make(sleep: Callable[[float], None] | None = None, **settings: Any) -> EasybillSource:
        values: dict[str, Any] = {
            "api_key": easybill.api_key,
            "base_url": easybill_url,
            "page_size": 3,
            "backoff": 0,
            "max_retry_wait": 0,
            **settings,
        }
        source = EasybillSource(
            EasybillSettings.model_validate(values), sleep=sleep if sleep is not None else _no_sleep
        )
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"the client would sleep {seconds} s in a test that allows no waiting")
