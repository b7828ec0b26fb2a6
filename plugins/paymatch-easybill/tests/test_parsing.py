"""Easybill documents (of the specification's shape) as paymatch orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paymatch_easybill import documents
from paymatch_easybill.documents import status_of, to_order

from paymatch import CashDiscount, Order
from paymatch.connectors.interfaces import OrderProblem
from paymatch.core.money import currency_exponent, to_minor_units

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def invoice(easybill_spec: Any) -> dict[str, Any]:
    """A document with every property of the spec's Document model, as an issued invoice."""
    document = easybill_spec.instance("Document")
    customer = easybill_spec.instance("Customer")
    customer.update(
        number="K-10023",
        first_name="Jana",
        last_name="Müller",
        company_name="Müller Feinkost GmbH",
        emails=["", "jana@example.org"],
        bank_iban="DE89 3704 0044 0532 0130 00",
    )
    document.update(
        id=2558029173,
        type="INVOICE",
        number="RE-2024-0815",
        order_number="SW10023",
        is_draft=False,
        amount=11900,
        amount_net=10000,
        paid_amount=0,
        paid_at=None,
        currency="EUR",
        customer_id=42,
        customer_snapshot=customer,
        billing_country="AT",
        document_date="2024-03-01",
        due_date="2024-03-15",
        created_at="2024-03-01 09:30:00",
        edited_at="2024-03-02 10:00:00",
        pdf_template="EN",
        cash_allowance=2,
        cash_allowance_days=7,
    )
    return document


def test_an_issued_invoice_becomes_an_order(invoice: dict[str, Any]) -> None:
    order = to_order(invoice, source="easybill")
    assert isinstance(order, Order)
    assert order.id == "2558029173"
    assert order.source == "easybill"
    assert order.number == "SW10023", "the shop order number the invoice refers to"
    assert order.invoice_number == "RE-2024-0815"
    assert order.customer_number == "K-10023"
    assert order.amount == Decimal("119.00")
    assert order.amount.as_tuple().exponent == -2
    assert order.open_amount is None
    assert order.currency == "EUR"
    assert order.status == "open"
    assert order.payment_method == "invoice"
    assert order.customer_name == "Max Mustermann", "the document's address comes first"
    assert order.company == "Musterunternehmen AG"
    assert order.email == "jana@example.org", "the first non-empty e-mail of the snapshot"
    assert order.country == "AT", "billing_country"
    assert order.language == "en"
    assert order.due_date == date(2024, 3, 15)
    assert order.created_at == datetime(2024, 3, 1, 9, 30, tzinfo=BERLIN)
    assert order.known_ibans == ("DE89370400440532013000",)
    assert order.cash_discount == CashDiscount(percent=Decimal(2), until=date(2024, 3, 8))


def test_without_order_number_the_invoice_number_is_the_number(invoice: dict[str, Any]) -> None:
    invoice["order_number"] = ""
    order = to_order(invoice, source="easybill")
    assert isinstance(order, Order)
    assert order.number == order.invoice_number == "RE-2024-0815"


def test_the_address_falls_back_to_the_snapshot(invoice: dict[str, Any]) -> None:
    invoice["address"] = {}
    order = to_order(invoice, source="easybill")
    assert isinstance(order, Order)
    assert (order.customer_name, order.company) == ("Jana Müller", "Müller Feinkost GmbH")


def test_the_plain_spec_example_document_is_readable(easybill_spec: Any) -> None:
    order = to_order(easybill_spec.instance("Document"), source="easybill")
    assert isinstance(order, Order)
    assert order.status == "draft", "the example is a draft (is_draft: true)"


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "open"),
        ({"paid_amount": 5000}, "partially_paid"),
        ({"paid_amount": 11900}, "paid"),
        ({"paid_amount": 20000}, "paid"),
        ({"paid_at": "2024-03-05"}, "paid"),
        ({"paid_amount": 5000, "paid_at": "2024-03-05"}, "paid"),
        ({"cancel_id": 77}, "cancelled"),
        ({"cancel_id": 77, "paid_at": "2024-03-05"}, "cancelled"),
        ({"is_draft": True, "number": None}, "draft"),
        ({"is_draft": True, "cancel_id": 77}, "draft"),
        ({"is_archive": True}, "archived"),
        ({"is_archive": True, "paid_at": "2024-03-05"}, "paid"),
        ({"is_archive": True, "cancel_id": 77}, "cancelled"),
        ({"amount": 0}, "paid"),
    ],
)
def test_status_is_derived_in_a_fixed_order(
    invoice: dict[str, Any], changes: dict[str, Any], status: str
) -> None:
    invoice.update(changes)
    assert status_of(invoice) == status
    order = to_order(invoice, source="easybill")
    assert isinstance(order, Order)
    assert order.status == status


def test_a_partial_payment_leaves_an_open_amount(invoice: dict[str, Any]) -> None:
    invoice["paid_amount"] = 1999
    order = to_order(invoice, source="easybill")
    assert isinstance(order, Order)
    assert order.amount == Decimal("119.00")
    assert order.open_amount == Decimal("99.01")
    assert order.due_amount == Decimal("99.01")


@pytest.mark.parametrize(
    ("template", "language"), [(None, "de"), ("DE", "de"), ("EN", "en"), ("4711", None)]
)
def test_language_from_the_pdf_template(
    invoice: dict[str, Any], template: str | None, language: str | None
) -> None:
    invoice["pdf_template"] = template
    order = to_order(invoice, source="easybill")
    assert isinstance(order, Order)
    assert order.language == language


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "119.00"}, "amount"),
        ({"amount": 119.0}, "amount"),
        ({"amount": None}, "amount"),
        ({"amount": True}, "amount"),
        ({"paid_amount": "0"}, "paid_amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": None}, "currency"),
        ({"type": "OFFER"}, "type"),
        ({"created_at": "01.03.2024"}, "created_at"),
        ({"due_date": "15.03.2024"}, "due_date"),
        ({"address": "Musterstr. 1"}, "address"),
        ({"amount": 1999, "currency": "XAU"}, "currency"),
    ],
)
def test_a_malformed_document_is_a_problem_naming_the_field(
    invoice: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    invoice.update(changes)
    problem = to_order(invoice, source="easybill")
    assert isinstance(problem, OrderProblem)
    assert problem.order_id == "2558029173"
    assert field in problem.reason


def test_a_document_without_an_id_is_a_problem_without_an_id(invoice: dict[str, Any]) -> None:
    del invoice["id"]
    problem = to_order(invoice, source="easybill")
    assert isinstance(problem, OrderProblem)
    assert problem.order_id is None
    assert "id" in problem.reason


@pytest.mark.parametrize("allowance", [0, 100, 150, -2, "2"])
def test_a_senseless_cash_allowance_is_left_out(invoice: dict[str, Any], allowance: Any) -> None:
    invoice["cash_allowance"] = allowance
    order = to_order(invoice, source="easybill")
    assert isinstance(order, Order)
    assert order.cash_discount is None


def test_the_customer_record_stands_in_for_a_missing_snapshot(invoice: dict[str, Any]) -> None:
    invoice["customer_snapshot"] = None
    invoice["address"] = {}
    asked: list[int] = []

    def lookup(customer_id: int) -> dict[str, Any]:
        asked.append(customer_id)
        return {"number": "K-1", "first_name": "Eva", "last_name": "Ek", "emails": ["e@x.org"]}

    order = to_order(invoice, source="easybill", customer=lookup)
    assert isinstance(order, Order)
    assert asked == [42]
    assert (order.customer_number, order.customer_name, order.email) == (
        "K-1",
        "Eva Ek",
        "e@x.org",
    )


CURRENCIES = ["EUR", "CHF", "USD", "JPY", "KWD", "GBP"]


@given(
    cents=st.integers(min_value=1, max_value=10**12),
    paid=st.integers(min_value=0, max_value=10**12),
    currency=st.sampled_from(CURRENCIES),
)
def test_minor_units_become_exact_amounts(cents: int, paid: int, currency: str) -> None:
    raw = {
        "id": 1,
        "type": "INVOICE",
        "amount": cents,
        "paid_amount": paid,
        "currency": currency,
        "paid_at": None,
        "cancel_id": None,
        "is_draft": False,
    }
    order = to_order(raw, source="easybill")
    assert isinstance(order, Order)
    assert to_minor_units(order.amount, currency) == cents
    assert order.amount.as_tuple().exponent == -currency_exponent(currency)
    if paid >= cents:
        assert order.status == documents.PAID
    elif paid:
        assert order.status == documents.PARTIALLY_PAID
        assert order.open_amount is not None
        assert to_minor_units(order.open_amount, currency) + paid == cents
    else:
        assert (order.status, order.open_amount) == (documents.OPEN, None)
