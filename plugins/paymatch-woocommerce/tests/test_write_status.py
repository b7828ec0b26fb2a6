"""Write-back: PUT the mapped status, idempotently, never set_paid."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from paymatch_woocommerce import WooCommerceError
from paymatch_woocommerce.fake import FakeWooCommerce

from paymatch import Order, PaymentCode
from paymatch.connectors.interfaces import StatusWrite, TargetStatus, WriteOutcome

from .conftest import MakeSource


def _paid(order: dict[str, Any], **overrides: Any) -> StatusWrite:
    fields: dict[str, Any] = {
        "order_id": str(order["id"]),
        "target": TargetStatus.PAID,
        "status": None,
        "payment_code": PaymentCode.PREPAYMENT,
        "amount": Decimal(order["total"]),
        "currency": order["currency"],
        "paid_on": date(2024, 5, 2),
        "reference": f"pm-{order['id']}-1",
    }
    fields.update(overrides)
    return StatusWrite(**fields)


def _puts(shop: FakeWooCommerce) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in shop.api_requests("PUT")]


def test_paid_puts_processing_once_and_then_is_already_done(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    order = shop.add_order(status="on-hold", payment_method="bacs", total="49.90")
    source = make_source(shop)
    write = _paid(order)
    assert source.write_status(write) is WriteOutcome.WRITTEN
    stored = shop.order(order["id"])
    assert stored["status"] == "processing"
    assert stored["date_paid_gmt"] is not None
    assert stored["transaction_id"] == write.reference
    assert _puts(shop) == [{"status": "processing", "transaction_id": write.reference}]
    [note] = shop.notes[order["id"]]
    assert "49.90" in note["note"]
    assert write.reference in note["note"]
    assert note["customer_note"] is False
    # again (a second tick, a retry after a lost answer): nothing more is written
    assert source.write_status(write) is WriteOutcome.ALREADY_DONE
    assert len(_puts(shop)) == 1
    assert len(shop.notes[order["id"]]) == 1


def test_set_paid_would_not_have_worked_for_bank_transfers(
    https_shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    """Why the connector sends the status: WooCommerce ignores set_paid for on-hold orders."""
    order = https_shop.add_order(status="on-hold", payment_method="bacs")
    source = make_source(https_shop)
    answer = source.client.update_order(str(order["id"]), {"set_paid": True})
    assert answer is not None
    assert answer["status"] == "on-hold"
    pending = https_shop.add_order(status="pending", payment_method="bacs")
    answer = source.client.update_order(str(pending["id"]), {"set_paid": True})
    assert answer is not None
    assert answer["status"] == "processing"


def test_cancelled_is_written_as_cancelled(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    order = shop.add_order(status="pending")
    write = _paid(order, target=TargetStatus.CANCELLED)
    assert make_source(shop).write_status(write) is WriteOutcome.WRITTEN
    assert shop.order(order["id"])["status"] == "cancelled"
    assert _puts(shop) == [{"status": "cancelled"}]


def test_cod_is_paid_when_completed(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    order = shop.add_order(status="processing", payment_method="cod")
    write = _paid(order, payment_code=PaymentCode.COD)
    assert make_source(shop).write_status(write) is WriteOutcome.WRITTEN
    assert shop.order(order["id"])["status"] == "completed"


@pytest.mark.parametrize("status", ["completed", "cancelled", "refunded", "failed"])
def test_an_order_no_longer_open_is_left_alone(
    shop: FakeWooCommerce, make_source: MakeSource, status: str
) -> None:
    order = shop.add_order(status="on-hold")
    shop.update_order(order["id"], status=status)  # a person changed it meanwhile
    assert make_source(shop).write_status(_paid(order)) is WriteOutcome.NOT_OPEN
    assert _puts(shop) == []
    assert shop.order(order["id"])["status"] == status


def test_trashed_deleted_and_unknown_orders_are_not_open(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    trashed = shop.add_order()
    shop.trash_order(trashed["id"])
    deleted = shop.add_order()
    shop.trash_order(deleted["id"], force=True)
    source = make_source(shop)
    assert source.write_status(_paid(trashed)) is WriteOutcome.NOT_OPEN
    assert source.write_status(_paid(deleted)) is WriteOutcome.NOT_OPEN
    assert source.write_status(_paid(deleted, order_id="abc")) is WriteOutcome.NOT_OPEN
    assert _puts(shop) == []


def test_a_method_unknown_to_the_connector_keeps_paymatchs_payment_code(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    """paymatch may map a method in its own configuration only (e.g. an invoice plugin)."""
    order = shop.add_order(status="on-hold", payment_method="ppcp-pay-upon-invoice-gateway")
    write = _paid(order, payment_code=PaymentCode.INVOICE)
    assert make_source(shop).write_status(write) is WriteOutcome.WRITTEN
    assert shop.order(order["id"])["status"] == "processing"
    cod = shop.add_order(status="processing", payment_method="cod-plus")
    write = _paid(cod, payment_code=PaymentCode.COD)
    assert make_source(shop).write_status(write) is WriteOutcome.WRITTEN
    assert shop.order(cod["id"])["status"] == "completed"
    paid = shop.add_order(status="processing", payment_method="ppcp-pay-upon-invoice-gateway")
    write = _paid(paid, payment_code=PaymentCode.INVOICE, status="completed")
    assert make_source(shop).write_status(write) is WriteOutcome.NOT_OPEN


def test_status_from_the_write_and_from_overrides(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    first = shop.add_order()
    second = shop.add_order()
    explicit = make_source(shop, order_note=False)
    assert explicit.write_status(_paid(first, status="completed")) is WriteOutcome.WRITTEN
    assert shop.order(first["id"])["status"] == "completed"
    overridden = make_source(shop)
    overridden.mapping = overridden.default_mapping().overridden_by(
        {"paid_status": {"prepayment": "completed"}}
    )
    assert overridden.write_status(_paid(second)) is WriteOutcome.WRITTEN
    assert shop.order(second["id"])["status"] == "completed"
    assert first["id"] not in shop.notes  # order_note=False


def test_a_failing_note_does_not_undo_the_write(
    https_shop: FakeWooCommerce, make_source: MakeSource, caplog: pytest.LogCaptureFixture
) -> None:
    order = https_shop.add_order()
    source = make_source(https_shop)
    real = source.client.add_order_note

    def failing(order_id: str, note: str) -> None:
        https_shop.fail_next(status=503)
        real(order_id, note)

    source.client.add_order_note = failing  # type: ignore[method-assign]
    assert source.write_status(_paid(order)) is WriteOutcome.WRITTEN
    assert https_shop.order(order["id"])["status"] == "processing"
    assert "could not add the order note" in caplog.text


def test_get_order(shop: FakeWooCommerce, make_source: MakeSource) -> None:
    order = shop.add_order(total="10.00", currency="EUR")
    source = make_source(shop)
    got = source.get_order(str(order["id"]))
    assert isinstance(got, Order)
    assert got.amount == Decimal("10.00")
    assert source.get_order("999999") is None
    assert source.get_order("not-a-number") is None
    assert source.client.update_order("999999", {"status": "processing"}) is None


def test_a_wrong_url_is_an_error_not_a_missing_order(
    shop: FakeWooCommerce, make_source: MakeSource
) -> None:
    order = shop.add_order()
    source = make_source(shop, url=shop.url + "/blog")  # WordPress answers rest_no_route
    with pytest.raises(WooCommerceError) as caught:
        source.get_order(str(order["id"]))
    assert caught.value.code == "rest_no_route"
    with pytest.raises(WooCommerceError):
        source.write_status(_paid(order))
    assert shop.order(order["id"])["status"] == "on-hold"
