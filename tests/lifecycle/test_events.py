"""Events and effects: validated on the way in, exact on the way through the Store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from paymatch.connectors.interfaces import TargetStatus
from paymatch.core.errors import InputError
from paymatch.core.events import (
    HandOverToCollection,
    MerchantNotice,
    NotifyMerchant,
    OrderRegistered,
    PaymentAssigned,
    PaymentInfoReason,
    ReminderIssued,
    SendPaymentInformation,
    SendReminder,
    WriteBack,
    dump_effect,
    dump_event,
    load_effect,
    load_event,
)
from paymatch.core.lifecycle import OrderState

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def payment(**changes: Any) -> PaymentAssigned:
    data: dict[str, Any] = {
        "at": AT,
        "posting_id": "p1",
        "currency": "eur",
        "amount": "12.50",
        "method": "auto",
    }
    data.update(changes)
    return PaymentAssigned.model_validate(data)


def test_amounts_are_exact_in_the_currency() -> None:
    event = payment()
    assert event.currency == "EUR"
    assert event.amount == Decimal("12.50")
    assert payment(currency="JPY", amount="1250").amount.as_tuple().exponent == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": 12.5}, "float"),
        ({"amount": "12.505"}, "decimal places"),
        ({"amount": "0"}, "greater than 0"),
        ({"amount": "-1.00"}, "greater than 0"),
        ({"currency": "EURO"}, "ISO 4217"),
        ({"at": datetime(2026, 3, 2)}, "timezone"),  # naive on purpose
        ({"posting_id": ""}, "at least 1"),
        ({"method": "guess"}, "auto"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_bad_events_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        payment(**changes)


@pytest.mark.parametrize("level", [0, 6])
def test_reminder_levels_are_one_to_five(level: int) -> None:
    with pytest.raises(ValidationError):
        ReminderIssued(at=AT, level=level)


def test_events_round_trip_through_json() -> None:
    originals = [
        payment(),
        OrderRegistered(
            at=AT,
            payment_code="invoice",
            currency="KWD",
            amount="-1.250",
            created_at=AT,
            due_date=date(2026, 4, 1),
            connected_at=None,
        ),
        ReminderIssued(at=AT, level=3),
    ]
    for event in originals:
        data = dump_event(event)
        assert isinstance(data["at"], str)
        assert load_event(data) == event
    assert dump_event(originals[0])["amount"] == "12.50"


def test_effects_round_trip_through_json() -> None:
    originals = [
        WriteBack(status=TargetStatus.PAID),
        SendPaymentInformation(
            reason=PaymentInfoReason.AMOUNT_CHANGED,
            currency="EUR",
            open_amount="5.00",
            previous_amount="10.00",
        ),
        SendReminder(level=2, currency="EUR", open_amount="10.00", fee="2.50"),
        NotifyMerchant(
            notice=MerchantNotice.OVERPAYMENT, state=OrderState.PAID, currency="EUR", amount="1.00"
        ),
        HandOverToCollection(currency="EUR", open_amount="10.00"),
    ]
    for effect in originals:
        assert load_effect(dump_effect(effect)) == effect
    assert [effect.to_customer for effect in originals] == [False, True, True, False, False]


def test_bad_stored_data_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"lifecycle event.*kind"):
        load_event({"kind": "teleported", "at": AT.isoformat()})
    with pytest.raises(InputError, match="lifecycle effect"):
        load_effect({"kind": "send_reminder", "level": 9, "currency": "EUR", "open_amount": "1"})
