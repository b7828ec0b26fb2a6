"""Write-back: a paid order becomes exactly one payment on its Easybill invoice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from paymatch_easybill import (
    EasybillError,
    EasybillSource,
    EasybillTransientError,
    UnsupportedWriteError,
)

from paymatch import PaymentCode
from paymatch.connectors.interfaces import StatusWrite, TargetStatus, WriteOutcome

Make = Callable[..., EasybillSource]


def paid(
    document: dict[str, Any] | str,
    amount: str = "49.90",
    *,
    currency: str = "EUR",
    reference: str = "outbox:write:17",
    target: TargetStatus = TargetStatus.PAID,
) -> StatusWrite:
    order_id = document if isinstance(document, str) else str(document["id"])
    return StatusWrite(
        order_id=order_id,
        target=target,
        status="paid" if target is TargetStatus.PAID else None,
        payment_code=PaymentCode.INVOICE,
        amount=Decimal(amount),
        currency=currency,
        paid_on=date(2024, 3, 7),
        reference=reference,
    )


def posts(fake: Any) -> list[tuple[str, dict[str, list[str]]]]:
    return [(path, query) for method, path, query in fake.requests if method == "POST"]


def test_a_paid_write_records_one_payment(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990)
    source = make_source()
    assert source.write_status(paid(document)) is WriteOutcome.WRITTEN
    [payment] = easybill.payment_posts
    assert payment["document_id"] == document["id"]
    assert payment["amount"] == 4990
    assert payment["payment_at"] == "2024-03-07"
    assert payment["reference"] == "outbox:write:17"
    assert payment["type"] == "Überweisung"
    assert payment["provider"] == "paymatch"
    assert "outbox:write:17" in payment["notice"]
    assert posts(easybill) == [("/rest/v1/document-payments", {"paid": ["true"]})]
    assert document["paid_at"] == "2024-03-07"
    order = source.get_order(str(document["id"]))
    assert order is not None
    assert order.status == "paid"


def test_writing_again_changes_nothing(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990)
    source = make_source()
    source.write_status(paid(document))
    before = len(easybill.requests)
    assert source.write_status(paid(document)) is WriteOutcome.ALREADY_DONE
    assert source.write_status(paid(document, reference="another")) is WriteOutcome.ALREADY_DONE
    assert len(easybill.payment_posts) == 1
    assert [m for m, _, _ in easybill.requests[before:]] == ["GET", "GET"]


def test_an_invoice_a_person_marked_paid_is_already_done(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990, paid_amount=4990, paid_at="2024-03-01")
    assert make_source().write_status(paid(document)) is WriteOutcome.ALREADY_DONE
    assert easybill.payment_posts == []


def test_our_recorded_payment_counts_even_if_the_invoice_stayed_open(
    easybill: Any, make_source: Make
) -> None:
    document = easybill.add_invoice(amount=5000)
    source = make_source(mark_paid=False)
    # paymatch accepted 49.00 (a bank fee short); without paid=true Easybill keeps it open
    assert source.write_status(paid(document, "49.00")) is WriteOutcome.WRITTEN
    assert document["paid_at"] is None
    assert posts(easybill) == [("/rest/v1/document-payments", {})]
    assert source.write_status(paid(document, "49.00")) is WriteOutcome.ALREADY_DONE
    assert len(easybill.payment_posts) == 1


def test_a_short_payment_closes_the_invoice_with_paid_true(
    easybill: Any, make_source: Make
) -> None:
    document = easybill.add_invoice(amount=5000, paid_amount=1000)  # a person booked 10.00
    assert make_source().write_status(paid(document, "39.00")) is WriteOutcome.WRITTEN
    assert document["paid_amount"] == 4900
    assert document["paid_at"] == "2024-03-07"


def test_payments_of_other_invoices_and_references_do_not_count(
    easybill: Any, make_source: Make
) -> None:
    first = easybill.add_invoice(amount=1000)
    second = easybill.add_invoice(amount=1000)
    source = make_source(mark_paid=False)
    source.write_status(paid(first, "5.00", reference="r-1"))
    assert source.write_status(paid(second, "5.00", reference="r-1")) is WriteOutcome.WRITTEN
    assert source.write_status(paid(first, "5.00", reference="r-2")) is WriteOutcome.WRITTEN
    assert len(easybill.payment_posts) == 3


def test_existing_payments_are_read_across_pages(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=100000)
    source = make_source(mark_paid=False, page_size=2)
    for i in range(5):
        source.write_status(paid(document, "1.00", reference=f"r-{i}"))
    assert source.write_status(paid(document, "1.00", reference="r-0")) is WriteOutcome.ALREADY_DONE
    assert len(easybill.payment_posts) == 5


@pytest.mark.parametrize(
    "changes", [{"is_draft": True, "number": None}, {"is_archive": True}, {"type": "OFFER"}]
)
def test_not_open_invoices_are_not_written(
    easybill: Any, make_source: Make, changes: dict[str, Any]
) -> None:
    document = easybill.add_invoice(amount=4990, **changes)
    assert make_source().write_status(paid(document)) is WriteOutcome.NOT_OPEN
    assert posts(easybill) == []


def test_a_cancelled_invoice_is_not_open(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990)
    easybill.cancel(document["id"])
    assert make_source().write_status(paid(document)) is WriteOutcome.NOT_OPEN
    assert posts(easybill) == []


@pytest.mark.parametrize("order_id", ["999999999", "RE-1001", ""])
def test_an_unknown_invoice_is_not_open(easybill: Any, make_source: Make, order_id: str) -> None:
    assert make_source().write_status(paid(order_id)) is WriteOutcome.NOT_OPEN
    assert posts(easybill) == []


def test_an_invoice_deleted_before_the_post_is_not_open(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990)

    def delete_it(method: str, path: str, query: dict[str, list[str]]) -> None:
        if path.endswith("/document-payments") and method == "GET":
            easybill.documents.pop(document["id"], None)

    easybill.after = delete_it
    assert make_source().write_status(paid(document)) is WriteOutcome.NOT_OPEN
    assert easybill.payment_posts == []


def test_a_payment_in_another_currency_is_refused(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990, currency="CHF")
    with pytest.raises(EasybillError) as raised:
        make_source().write_status(paid(document, currency="EUR"))
    assert raised.value.code == "currency_mismatch"
    assert posts(easybill) == []


def test_minor_units_follow_the_currency(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=5000, currency="JPY")
    assert make_source().write_status(paid(document, "5000", currency="JPY")) is (
        WriteOutcome.WRITTEN
    )
    assert easybill.payment_posts[0]["amount"] == 5000


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "30000000.00"])
def test_amounts_easybill_cannot_record_are_refused(
    easybill: Any, make_source: Make, amount: str
) -> None:
    document = easybill.add_invoice(amount=4990)
    with pytest.raises(EasybillError) as raised:
        make_source().write_status(paid(document, amount))
    assert raised.value.code == "invalid_amount"
    assert posts(easybill) == []


def test_a_long_reference_becomes_a_stable_digest(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990)
    key = "outbox," + "x" * 300
    source = make_source()
    assert source.write_status(paid(document, reference=key)) is WriteOutcome.WRITTEN
    reference = easybill.payment_posts[0]["reference"]
    assert reference.startswith("paymatch:sha256:")
    assert len(reference) <= 255
    document.update(paid_at=None)  # so only the reference can tell
    assert source.write_status(paid(document, reference=key)) is WriteOutcome.ALREADY_DONE


def test_a_post_whose_answer_is_lost_is_not_repeated(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990)
    easybill.post_delay = 0.6
    source = make_source(timeout=0.3, max_attempts=3)
    with pytest.raises(EasybillTransientError):
        source.write_status(paid(document))
    easybill.post_delay = 0
    assert len(posts(easybill)) == 1, "a POST that may have arrived is not repeated"
    # The outbox tries again later: the payment is there, nothing is written twice.
    assert source.write_status(paid(document)) is WriteOutcome.ALREADY_DONE
    assert len(easybill.payment_posts) == 1


def test_a_post_refused_with_503_is_written_on_the_next_try(
    easybill: Any, make_source: Make
) -> None:
    document = easybill.add_invoice(amount=4990)

    def refuse_first_post(method: str, path: str, query: dict[str, list[str]]) -> Any:
        if method == "POST" and not any(m == "POST" for m, _, _ in easybill.requests[:-1]):
            return 503, {}, "<html>Service Unavailable</html>"
        return None

    easybill.intercept = refuse_first_post
    source = make_source(max_attempts=3)
    with pytest.raises(EasybillTransientError) as raised:
        source.write_status(paid(document))
    assert raised.value.http_status == 503
    assert len(posts(easybill)) == 1
    assert source.write_status(paid(document)) is WriteOutcome.WRITTEN
    assert len(easybill.payment_posts) == 1


def test_a_post_refused_with_429_is_retried_at_once(easybill: Any, make_source: Make) -> None:
    document = easybill.add_invoice(amount=4990)
    easybill.fail_next = []

    def limit_first_post(method: str, path: str, query: dict[str, list[str]]) -> Any:
        if method == "POST" and len(posts(easybill)) == 1:
            return 429, {"Retry-After": "0"}, {"code": 429, "message": "Too Many Requests"}
        return None

    easybill.intercept = limit_first_post
    assert make_source().write_status(paid(document)) is WriteOutcome.WRITTEN
    assert len(posts(easybill)) == 2
    assert len(easybill.payment_posts) == 1


def test_a_validation_error_carries_easybills_code_and_fields(
    easybill: Any, make_source: Make
) -> None:
    document = easybill.add_invoice(amount=4990)
    easybill.intercept = lambda method, path, query: (
        (
            400,
            {},
            {
                "code": 20000,
                "message": "Bitte füllen Sie alle Felder aus.",
                "arguments": ["amount"],
            },
        )
        if method == "POST"
        else None
    )
    with pytest.raises(EasybillError) as raised:
        make_source().write_status(paid(document))
    error = raised.value
    assert not isinstance(error, EasybillTransientError)
    assert (error.code, error.http_status, error.arguments) == ("20000", 400, ("amount",))
    assert "Bitte füllen Sie alle Felder aus." in str(error)
    assert "amount" in str(error)


class TestCancelling:
    """Easybill cancels by issuing a Storno document; paymatch does not write that."""

    def test_open_invoice_cannot_be_cancelled(self, easybill: Any, make_source: Make) -> None:
        document = easybill.add_invoice(amount=4990)
        with pytest.raises(UnsupportedWriteError) as raised:
            make_source().write_status(paid(document, target=TargetStatus.CANCELLED))
        assert raised.value.code == "cancel_not_supported"
        assert not isinstance(raised.value, EasybillTransientError)
        assert raised.value.final, "paymatch must not retry it for days: the merchant acts"
        assert posts(easybill) == []
        assert document["cancel_id"] is None

    def test_a_cancelled_invoice_is_already_done(self, easybill: Any, make_source: Make) -> None:
        document = easybill.add_invoice(amount=4990)
        easybill.cancel(document["id"])
        write = paid(document, target=TargetStatus.CANCELLED)
        assert make_source().write_status(write) is WriteOutcome.ALREADY_DONE

    def test_a_paid_invoice_is_not_open(self, easybill: Any, make_source: Make) -> None:
        document = easybill.add_invoice(amount=4990, paid_amount=4990, paid_at="2024-01-02")
        write = paid(document, target=TargetStatus.CANCELLED)
        assert make_source().write_status(write) is WriteOutcome.NOT_OPEN

    def test_the_default_mapping_has_no_cancelled_status(self, make_source: Make) -> None:
        assert make_source().default_mapping().cancelled_status == {}
