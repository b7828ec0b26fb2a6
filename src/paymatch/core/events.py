"""What happens to an order (events, the lifecycle's input) and what must follow (effects).

Both are frozen pydantic models with a ``kind`` discriminator, so the Store can keep them as JSON
(the order's history, the outbox) and read them back exactly: :func:`dump_event` /
:func:`load_event`, :func:`dump_effect` / :func:`load_effect`. Money is ``Decimal`` in the order's
currency, checked against the currency's minor unit; floats are refused. Every timestamp must be
timezone-aware, so deadlines never depend on the machine's local time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from paymatch.connectors.interfaces import TargetStatus
from paymatch.core.errors import InputError
from paymatch.core.models import Amount, AssignmentMethod, Currency, PaymentCode
from paymatch.core.money import parse_amount
from paymatch.core.states import OrderState


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def check_money(value: Decimal | None, info: ValidationInfo) -> Decimal | None:
    """Quantize an amount field to the model's ``currency`` (declared before it)."""
    currency = info.data.get("currency")
    if value is None or currency is None:  # a failed currency is reported by pydantic itself
        return value
    try:
        return parse_amount(value, currency)
    except ValueError as error:
        raise ValueError(getattr(error, "reason", str(error))) from None


class PostingShare(_Frozen):
    """The part of one posting assigned to the order (all assignments minus unassignments)."""

    posting_id: str = Field(min_length=1)
    amount: Decimal = Field(gt=0)


# --------------------------------------------------------------------------------------- events


class EventKind(StrEnum):
    ORDER_REGISTERED = "order_registered"
    PAYMENT_ASSIGNED = "payment_assigned"
    PAYMENT_UNASSIGNED = "payment_unassigned"
    AMOUNT_CHANGED = "amount_changed"
    EMAIL_CHANGED = "email_changed"
    PAYMENT_CODE_CHANGED = "payment_code_changed"
    DUE_DATE_CHANGED = "due_date_changed"
    REMOVED_EXTERNALLY = "removed_externally"
    NOT_TRACKED = "not_tracked"
    REOPENED_AT_SOURCE = "reopened_at_source"
    DEADLINE_REACHED = "deadline_reached"
    REMINDER_ISSUED = "reminder_issued"
    HANDED_TO_COLLECTION = "handed_to_collection"
    COLLECTED = "collected"
    REFUND_BOOKED = "refund_booked"
    MANUAL_SET_PAID = "manual_set_paid"
    MANUAL_SET_UNPAID = "manual_set_unpaid"
    MANUAL_CANCEL = "manual_cancel"


class _Event(_Frozen):
    at: AwareDatetime
    """When it happened (for time-based events: the ``now`` they were applied at)."""


class _MoneyEvent(_Event):
    currency: Currency
    amount: Amount = Field(gt=0)

    _money = field_validator("amount")(check_money)


class OrderRegistered(_Event):
    """The order arrived from its source. Orders created before the source's ``connected_at``
    (they existed open when it was connected) are registered as not managed."""

    kind: Literal["order_registered"] = "order_registered"
    payment_code: PaymentCode
    currency: Currency
    amount: Amount
    """May be zero or negative (the policy decides whether that counts as paid)."""
    created_at: AwareDatetime
    due_date: date | None = None
    connected_at: AwareDatetime | None = None
    """The source's first connection; ``None`` for orders entered by hand (always managed)."""

    _money = field_validator("amount")(check_money)


class PaymentAssigned(_MoneyEvent):
    """A posting, or part of it, was assigned to the order (automatically or by a person)."""

    kind: Literal["payment_assigned"] = "payment_assigned"
    posting_id: str = Field(min_length=1)
    method: AssignmentMethod


class PaymentUnassigned(_MoneyEvent):
    """An assignment was taken back (wrong match, returned payment): ``amount`` of the posting."""

    kind: Literal["payment_unassigned"] = "payment_unassigned"
    posting_id: str = Field(min_length=1)
    method: AssignmentMethod = AssignmentMethod.MANUAL


class AmountChanged(_Event):
    """The source changed the order total."""

    kind: Literal["amount_changed"] = "amount_changed"
    currency: Currency
    amount: Amount

    _money = field_validator("amount")(check_money)


class EmailChanged(_Event):
    """The source changed the customer's e-mail address (the Store keeps the address itself)."""

    kind: Literal["email_changed"] = "email_changed"


class PaymentCodeChanged(_Event):
    """The source's payment method now maps to another managed payment code. (A method that maps
    to no code is a removal: :class:`RemovedExternally` with ``payment_code_not_managed``.)"""

    kind: Literal["payment_code_changed"] = "payment_code_changed"
    payment_code: PaymentCode


class DueDateChanged(_Event):
    """The source set or changed the invoice/due date."""

    kind: Literal["due_date_changed"] = "due_date_changed"
    due_date: date | None


class RemovalReason(StrEnum):
    STATUS_NOT_OPEN = "status_not_open"
    """The source's status no longer maps to an open status."""
    PAYMENT_CODE_NOT_MANAGED = "payment_code_not_managed"
    """The payment method was changed to one that maps to no payment code."""
    DELETED = "deleted"


class RemovedExternally(_Event):
    """The source no longer reports the order open, or deleted it."""

    kind: Literal["removed_externally"] = "removed_externally"
    reason: RemovalReason


class NotTracked(_Event):
    """The order is missing from a *complete* list of the source's open orders (never send this
    for a partial list)."""

    kind: Literal["not_tracked"] = "not_tracked"


class ReopenedAtSource(_Event):
    """A removed or untracked order is reported open by the source again."""

    kind: Literal["reopened_at_source"] = "reopened_at_source"


class DeadlineReached(_Event):
    """The policy's days until cancelled (prepayment) or overdue (invoice, COD) have passed."""

    kind: Literal["deadline_reached"] = "deadline_reached"


class ReminderIssued(_Event):
    """Reminder ``level`` is issued; the dunning level becomes ``level`` (one step at a time)."""

    kind: Literal["reminder_issued"] = "reminder_issued"
    level: int = Field(ge=1, le=5)


class HandedToCollection(_Event):
    """The order is handed to debt collection (after the last reminder; auto or manual)."""

    kind: Literal["handed_to_collection"] = "handed_to_collection"


class Collected(_Event):
    """The collection partner reports the claim collected."""

    kind: Literal["collected"] = "collected"


class RefundBooked(_MoneyEvent):
    """A refund of ``amount`` was booked for the order (partial or full)."""

    kind: Literal["refund_booked"] = "refund_booked"


class ManualSetPaid(_Event):
    """A person marks the order paid (money received outside the bank postings)."""

    kind: Literal["manual_set_paid"] = "manual_set_paid"


class ManualSetUnpaid(_Event):
    """A person takes back a manual "set paid"."""

    kind: Literal["manual_set_unpaid"] = "manual_set_unpaid"


class ManualCancel(_Event):
    """A person cancels the order."""

    kind: Literal["manual_cancel"] = "manual_cancel"


Event = Annotated[
    OrderRegistered
    | PaymentAssigned
    | PaymentUnassigned
    | AmountChanged
    | EmailChanged
    | PaymentCodeChanged
    | DueDateChanged
    | RemovedExternally
    | NotTracked
    | ReopenedAtSource
    | DeadlineReached
    | ReminderIssued
    | HandedToCollection
    | Collected
    | RefundBooked
    | ManualSetPaid
    | ManualSetUnpaid
    | ManualCancel,
    Field(discriminator="kind"),
]

# -------------------------------------------------------------------------------------- effects


class EffectKind(StrEnum):
    WRITE_BACK = "write_back"
    SEND_PAYMENT_INFORMATION = "send_payment_information"
    SEND_REMINDER = "send_reminder"
    NOTIFY_MERCHANT = "notify_merchant"
    HAND_OVER_TO_COLLECTION = "hand_over_to_collection"


class PaymentInfoReason(StrEnum):
    NEW_ORDER = "new_order"
    EMAIL_CHANGED = "email_changed"
    AMOUNT_CHANGED = "amount_changed"
    """Re-sent with a note that the amount changed (``previous_amount`` holds the old one)."""
    PARTIAL_PAYMENT = "partial_payment"
    """A payment arrived but a remainder is still open."""


class MerchantNotice(StrEnum):
    PAYMENT_FOR_REMOVED_ORDER = "payment_for_removed_order"
    PAYMENT_FOR_CANCELLED_ORDER = "payment_for_cancelled_order"
    PAYMENT_FOR_OVERDUE_ORDER = "payment_for_overdue_order"
    PAYMENT_FOR_REFUNDED_ORDER = "payment_for_refunded_order"
    PAYMENT_DURING_COLLECTION = "payment_during_collection"
    AMOUNT_CHANGED_DURING_COLLECTION = "amount_changed_during_collection"
    OVERPAYMENT = "overpayment"
    PAID_REVOKED = "paid_revoked"


NOTICE_TEXT: dict[MerchantNotice, str] = {
    MerchantNotice.PAYMENT_FOR_REMOVED_ORDER: "a payment was assigned to an order the source no "
    "longer reports open (removed or not tracked); it is not written back — refund or "
    "re-open it",
    MerchantNotice.PAYMENT_FOR_CANCELLED_ORDER: "a payment arrived for a cancelled order; the "
    "shop order may need to be re-activated, or the payment refunded",
    MerchantNotice.PAYMENT_FOR_OVERDUE_ORDER: "a late payment settles an overdue order whose "
    "policy says to notify only (COD default); decide whether to set it paid",
    MerchantNotice.PAYMENT_FOR_REFUNDED_ORDER: "a payment arrived for an order already (partly) "
    "refunded",
    MerchantNotice.PAYMENT_DURING_COLLECTION: "the customer paid directly while the order is "
    "with debt collection; tell the collection partner",
    MerchantNotice.AMOUNT_CHANGED_DURING_COLLECTION: "the source changed the amount of an order "
    "with debt collection; tell the collection partner",
    MerchantNotice.OVERPAYMENT: "the order is paid with a surplus (``amount`` is the surplus)",
    MerchantNotice.PAID_REVOKED: "paymatch wrote 'paid' to the source, but the order is no longer "
    "paid (payment unassigned, or manual set paid taken back); sources cannot be set unpaid",
}


class _Effect(_Frozen):
    @property
    def to_customer(self) -> bool:
        """True for messages that go to the customer (never for a not-managed order)."""
        return False


class WriteBack(_Effect):
    """Write the mapped status to the source (idempotent at the connector)."""

    kind: Literal["write_back"] = "write_back"
    status: TargetStatus


class SendPaymentInformation(_Effect):
    """Send the customer how to pay: amount, account, reference."""

    kind: Literal["send_payment_information"] = "send_payment_information"
    reason: PaymentInfoReason
    currency: Currency
    open_amount: Decimal
    previous_amount: Decimal | None = None

    _money = field_validator("open_amount", "previous_amount")(check_money)

    @property
    def to_customer(self) -> bool:
        return True


class SendReminder(_Effect):
    """Send reminder ``level`` (1 = payment reminder, higher = pre-collection letters)."""

    kind: Literal["send_reminder"] = "send_reminder"
    level: int = Field(ge=1, le=5)
    currency: Currency
    open_amount: Decimal
    fee: Decimal | None = None
    """The policy's reminder fee for this level and currency, if one is configured."""

    _money = field_validator("open_amount", "fee")(check_money)

    @property
    def to_customer(self) -> bool:
        return True


class NotifyMerchant(_Effect):
    """Tell the merchant something needs a person."""

    kind: Literal["notify_merchant"] = "notify_merchant"
    notice: MerchantNotice
    state: OrderState
    """The order's state when it happened (before the event)."""
    currency: Currency
    amount: Decimal | None = None
    """The payment's amount, or the surplus for ``overpayment``."""

    _money = field_validator("amount")(check_money)


class HandOverToCollection(_Effect):
    """Hand the claim to the collection partner."""

    kind: Literal["hand_over_to_collection"] = "hand_over_to_collection"
    currency: Currency
    open_amount: Decimal

    _money = field_validator("open_amount")(check_money)


Effect = Annotated[
    WriteBack | SendPaymentInformation | SendReminder | NotifyMerchant | HandOverToCollection,
    Field(discriminator="kind"),
]

_EVENTS: TypeAdapter[Event] = TypeAdapter(Event)
_EFFECTS: TypeAdapter[Effect] = TypeAdapter(Effect)


def dump_event(event: Event) -> dict[str, Any]:
    """A JSON-safe dict of ``event`` (Decimals and datetimes as strings)."""
    data: dict[str, Any] = _EVENTS.dump_python(event, mode="json")
    return data


def load_event(data: Any) -> Event:
    """Read back what :func:`dump_event` wrote; bad data raises :class:`InputError`."""
    try:
        return _EVENTS.validate_python(data)
    except ValidationError as error:
        raise InputError(first_error(error), where="lifecycle event") from None


def dump_effect(effect: Effect) -> dict[str, Any]:
    """A JSON-safe dict of ``effect``."""
    data: dict[str, Any] = _EFFECTS.dump_python(effect, mode="json")
    return data


def load_effect(data: Any) -> Effect:
    """Read back what :func:`dump_effect` wrote; bad data raises :class:`InputError`."""
    try:
        return _EFFECTS.validate_python(data)
    except ValidationError as error:
        raise InputError(first_error(error), where="lifecycle effect") from None


def first_error(error: ValidationError) -> str:
    """The first problem pydantic found, as "field: message"."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    return f"{location}: {first['msg']}" if location else str(first["msg"])
