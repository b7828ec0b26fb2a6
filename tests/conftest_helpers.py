"""Builders of orders and postings for the reconciler tests."""

from __future__ import annotations

from typing import Any

from paymatch.core.models import Order, PaymentCode, Posting


def order(order_id: str, number: str, amount: str, **fields: Any) -> Order:
    data: dict[str, Any] = {
        "id": order_id,
        "number": number,
        "amount": amount,
        "currency": "EUR",
        "status": "open",
        "payment_code": PaymentCode.PREPAYMENT,
    }
    data.update(fields)
    return Order.model_validate(data)


def posting(posting_id: str, remittance: str, amount: str = "20.00", **fields: Any) -> Posting:
    data: dict[str, Any] = {
        "id": posting_id,
        "booking_date": "2026-11-03",
        "amount": amount,
        "currency": "EUR",
        "remittance": remittance,
        "account_iban": "DE89370400440532013000",
    }
    data.update(fields)
    return Posting.model_validate(data)
