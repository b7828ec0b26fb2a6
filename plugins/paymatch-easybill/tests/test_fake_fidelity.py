"""The fake speaks Easybill's specification: its checks catch what Easybill would not accept."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

NAMES = ["Document", "Customer", "DocumentPayment", "DocumentAddress"]


@pytest.mark.parametrize("name", NAMES)
def test_instances_built_from_the_spec_validate_against_it(easybill_spec: Any, name: str) -> None:
    assert easybill_spec.model_errors(name, easybill_spec.instance(name)) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"amount": "119.00"}, "amount"),
        ({"paid_amount": 1.5}, "paid_amount"),
        ({"created_at": "2024-03-01T09:30:00+01:00"}, "created_at"),
        ({"document_date": "01.03.2024"}, "document_date"),
        ({"type": "RECHNUNG"}, "type"),
        ({"is_draft": "0"}, "is_draft"),
        ({"status": "PAID"}, "status"),
    ],
)
def test_the_document_schema_catches_wrong_shapes(
    easybill_spec: Any, changes: dict[str, Any], problem: str
) -> None:
    document = easybill_spec.instance("Document")
    document.update(changes)
    errors = easybill_spec.model_errors("Document", document)
    assert errors
    assert any(error.startswith(problem) for error in errors), errors


def test_nullable_fields_of_real_answers_are_accepted(easybill_spec: Any) -> None:
    document = easybill_spec.instance("Document")
    document.update(paid_at=None, cancel_id=None, due_date=None, number=None, status=None)
    assert easybill_spec.model_errors("Document", document) == []


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", "/documents", {"limit": ["1001"]}, None),
        ("GET", "/documents", {"page": ["0"]}, None),
        ("GET", "/documents", {"is_draft": ["false"]}, None),
        ("GET", "/documents", {"type": ["INVOICE,BILL"]}, None),
        ("GET", "/documents", {"sort": ["id"]}, None),
        ("POST", "/document-payments", {}, {"amount": 100}),
        ("POST", "/document-payments", {}, {"document_id": 1, "amount": "1.00"}),
        ("POST", "/document-payments", {}, {"document_id": 1, "amount": 100, "id": 5}),
        ("POST", "/document-payments", {}, {"document_id": 1, "amount": 1, "type": "x" * 256}),
        ("POST", "/document-payments", {}, {"document_id": 1, "amount": 1, "payment_at": "7.3."}),
    ],
)
def test_requests_outside_the_spec_are_caught(
    easybill_spec: Any, method: str, path: str, query: dict[str, list[str]], body: Any
) -> None:
    found = easybill_spec.operation(method, path)
    assert found is not None
    assert easybill_spec.request_errors(found[1], query, body)


def test_the_connectors_payment_body_is_what_the_spec_allows(easybill_spec: Any) -> None:
    _, operation = easybill_spec.operation("POST", "/document-payments")
    body = {
        "document_id": 2558029173,
        "amount": 4990,
        "payment_at": "2024-03-07",
        "type": "Überweisung",
        "provider": "paymatch",
        "reference": "outbox:write:17",
        "notice": "paymatch outbox:write:17",
        "is_overdue_fee": False,
    }
    assert easybill_spec.request_errors(operation, {"paid": ["true"]}, body) == []


def test_the_fake_checks_requests_end_to_end(easybill: Any, easybill_url: str) -> None:
    headers = {"Authorization": f"Bearer {easybill.api_key}"}
    answer = httpx.get(f"{easybill_url}/documents", params={"limit": 5000}, headers=headers)
    assert answer.status_code == 400
    assert set(answer.json()) == {"code", "message", "arguments"}
    assert easybill.violations, "the connector would have sent a request Easybill refuses"
    easybill.violations.clear()


def test_authentication(easybill: Any, easybill_url: str) -> None:
    url = f"{easybill_url}/documents"
    assert httpx.get(url).status_code == 401
    wrong = httpx.get(url, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert set(wrong.json()) >= {"code", "message"}
    basic = base64.b64encode(f"{easybill.email}:{easybill.api_key}".encode()).decode()
    assert httpx.get(url, headers={"Authorization": f"Basic {basic}"}).status_code == 200


def test_the_envelope_counts_pages(easybill: Any, easybill_url: str) -> None:
    for i in range(7):
        easybill.add_invoice(amount=100 + i)
    headers = {"Authorization": f"Bearer {easybill.api_key}"}
    body = httpx.get(
        f"{easybill_url}/documents", params={"limit": 3, "page": 3}, headers=headers
    ).json()
    assert (body["page"], body["pages"], body["limit"], body["total"]) == (3, 3, 3, 7)
    assert len(body["items"]) == 1
    assert isinstance(body["items"][0]["amount"], int)


def test_a_payment_updates_the_invoice(easybill: Any, easybill_url: str) -> None:
    document = easybill.add_invoice(amount=1000)
    headers = {"Authorization": f"Bearer {easybill.api_key}"}
    url = f"{easybill_url}/document-payments"
    first = httpx.post(url, json={"document_id": document["id"], "amount": 400}, headers=headers)
    assert first.status_code == 201
    assert (document["paid_amount"], document["paid_at"]) == (400, None)
    httpx.post(url, json={"document_id": document["id"], "amount": 600}, headers=headers)
    assert document["paid_amount"] == 1000
    assert document["paid_at"] is not None
