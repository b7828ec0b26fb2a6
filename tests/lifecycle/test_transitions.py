"""Every row of the transition table, every guard and every precondition, one by one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from paymatch.connectors.interfaces import TargetStatus
from paymatch.core.errors import IllegalTransition, PaymatchError
from paymatch.core.events import (
    AmountChanged,
    Collected,
    DeadlineReached,
    DueDateChanged,
    Effect,
    EmailChanged,
    Event,
    EventKind,
    HandedToCollection,
    HandOverToCollection,
    ManualCancel,
    ManualSetPaid,
    ManualSetUnpaid,
    MerchantNotice,
    NotifyMerchant,
    NotTracked,
    OrderRegistered,
    PaymentAssigned,
    PaymentCodeChanged,
    PaymentInfoReason,
    PaymentUnassigned,
    PostingShare,
    RefundBooked,
    ReminderIssued,
    RemovalReason,
    RemovedExternally,
    ReopenedAtSource,
    SendPaymentInformation,
    SendReminder,
    WriteBack,
)
from paymatch.core.lifecycle import (
    NET_KEPT,
    TRANSITIONS,
    OrderSnapshot,
    OrderState,
    Settlement,
    apply,
    register,
)
from paymatch.core.models import AssignmentMethod, PaymentCode
from paymatch.core.policy import LifecyclePolicy

S = OrderState
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
AT = T0 + timedelta(days=3)
DEFAULT = LifecyclePolicy()
PAID_BACK = WriteBack(status=TargetStatus.PAID)
CANCELLED_BACK = WriteBack(status=TargetStatus.CANCELLED)


def policy(**codes: dict[str, Any]) -> LifecyclePolicy:
    """The default policy with some keys of some payment codes replaced."""
    data = DEFAULT.model_dump()
    for code, values in codes.items():
        if code in {"zero_amount_is_paid", "refund_cap_factor"}:
            data[code] = values
            continue
        for key, value in values.items():
            if isinstance(value, dict):
                data[code][key].update(value)
            else:
                data[code][key] = value
    return LifecyclePolicy.model_validate(data)


COLLECT_MANUAL = policy(invoice={"collection": {"mode": "manual"}})


def d(text: str) -> Decimal:
    return Decimal(text)


def snap(state: OrderState, **changes: Any) -> OrderSnapshot:
    """A valid snapshot in ``state``: amount 100.00 EUR, with typical amounts for the state."""
    code = {S.CANCELLED: PaymentCode.PREPAYMENT}.get(state, PaymentCode.INVOICE)
    data: dict[str, Any] = {
        "state": state,
        "payment_code": code,
        "currency": "EUR",
        "amount": "100.00",
        "created_at": T0,
        "managed": state is not S.NOT_MANAGED,
    }
    paid = {
        S.PARTIALLY_PAID: "40.00",
        S.PAID: "100.00",
        S.REFUNDED: "100.00",
        S.PARTIALLY_REFUNDED: "100.00",
    }.get(state)
    if paid:
        data["payments"] = (PostingShare(posting_id="p0", amount=Decimal(paid)),)
    if state is S.PAID:
        data["reported"] = TargetStatus.PAID
    if state is S.REFUNDED:
        data["refunded"] = "100.00"
    if state is S.PARTIALLY_REFUNDED:
        data["refunded"] = "30.00"
    if state is S.COLLECTION:
        data["dunning_level"] = 3
        data["last_reminder_at"] = T0 + timedelta(days=40)
    data.update(changes)
    return OrderSnapshot.model_validate(data)


def paid_by(*amounts: str) -> tuple[PostingShare, ...]:
    return tuple(
        PostingShare(posting_id=f"p{i}", amount=Decimal(amount)) for i, amount in enumerate(amounts)
    )


def pay(amount: str, posting: str = "p9", currency: str = "EUR") -> PaymentAssigned:
    return PaymentAssigned(
        at=AT, posting_id=posting, currency=currency, amount=amount, method=AssignmentMethod.AUTO
    )


def unpay(amount: str, posting: str = "p0") -> PaymentUnassigned:
    return PaymentUnassigned(at=AT, posting_id=posting, currency="EUR", amount=amount)


def amount(value: str) -> AmountChanged:
    return AmountChanged(at=AT, currency="EUR", amount=value)


def refund(value: str) -> RefundBooked:
    return RefundBooked(at=AT, currency="EUR", amount=value)


def notice(kind: MerchantNotice, state: OrderState, value: str | None) -> NotifyMerchant:
    return NotifyMerchant(notice=kind, state=state, currency="EUR", amount=value)


def info(reason: PaymentInfoReason, open_amount: str, previous: str | None = None) -> Any:
    return SendPaymentInformation(
        reason=reason, currency="EUR", open_amount=open_amount, previous_amount=previous
    )


def registered(**changes: Any) -> OrderRegistered:
    data: dict[str, Any] = {
        "at": T0,
        "payment_code": "prepayment",
        "currency": "EUR",
        "amount": "100.00",
        "created_at": T0,
        "connected_at": T0 - timedelta(days=30),
    }
    data.update(changes)
    return OrderRegistered.model_validate(data)


@dataclass
class Case:
    rule: str
    before: OrderSnapshot | None  # None: register()
    event: Event
    state: OrderState
    effects: tuple[Effect, ...] = ()
    policy: LifecyclePolicy = DEFAULT
    check: dict[str, Any] = field(default_factory=dict)
    """Snapshot fields (or properties) expected after the event."""
    id: str = ""


CASES = [
    # -- registration
    Case(
        "register-not-managed",
        None,
        registered(created_at=T0 - timedelta(days=1), connected_at=T0),
        S.NOT_MANAGED,
        check={"managed": False},
    ),
    Case(
        "register-not-managed",
        None,
        registered(amount="0.00", created_at=T0 - timedelta(seconds=1), connected_at=T0),
        S.NOT_MANAGED,
        id="zero-amount-but-existing",
    ),
    Case(
        "register-zero-paid",
        None,
        registered(amount="0.00"),
        S.PAID,
        (PAID_BACK,),
        check={"reported": TargetStatus.PAID},
    ),
    Case("register-zero-paid", None, registered(amount="-5.00"), S.PAID, (PAID_BACK,), id="neg"),
    Case(
        "register",
        None,
        registered(),
        S.OPEN,
        (info(PaymentInfoReason.NEW_ORDER, "100.00"),),
        check={"managed": True},
    ),
    Case(
        "register",
        None,
        registered(connected_at=None, created_at=T0 - timedelta(days=999)),
        S.OPEN,
        (info(PaymentInfoReason.NEW_ORDER, "100.00"),),
        id="manual-order-no-connection",
    ),
    Case(
        "register",
        None,
        registered(created_at=T0, connected_at=T0),
        S.OPEN,
        (info(PaymentInfoReason.NEW_ORDER, "100.00"),),
        id="created-at-connection-is-managed",
    ),
    Case("register", None, registered(payment_code="cod"), S.OPEN, (), id="cod-no-info"),
    Case(
        "register",
        None,
        registered(amount="0.00"),
        S.OPEN,
        (),
        policy=policy(zero_amount_is_paid=False),
        id="zero-not-paid-by-policy",
    ),
    # -- payments
    Case(
        "pay-adopt",
        snap(S.NOT_MANAGED),
        pay("100.00"),
        S.PAID,
        (PAID_BACK,),
        check={"managed": True, "adopted_at": AT, "reported": TargetStatus.PAID},
    ),
    Case(
        "pay-adopt",
        snap(S.NOT_MANAGED),
        pay("40.00"),
        S.PARTIALLY_PAID,
        (),
        check={"managed": True},
        id="partial-no-customer-message",
    ),
    Case(
        "pay-adopt",
        snap(S.NOT_MANAGED),
        pay("120.00"),
        S.PAID,
        (PAID_BACK, notice(MerchantNotice.OVERPAYMENT, S.NOT_MANAGED, "20.00")),
        id="overpaid",
    ),
    Case(
        "pay",
        snap(S.OPEN),
        pay("40.00"),
        S.PARTIALLY_PAID,
        (info(PaymentInfoReason.PARTIAL_PAYMENT, "60.00"),),
        check={"paid": d("40.00")},
    ),
    Case("pay", snap(S.OPEN), pay("100.00"), S.PAID, (PAID_BACK,), id="full"),
    Case("pay", snap(S.PARTIALLY_PAID), pay("60.00"), S.PAID, (PAID_BACK,), id="rest"),
    Case(
        "pay",
        snap(S.PAID),
        pay("10.00"),
        S.PAID,
        (notice(MerchantNotice.OVERPAYMENT, S.PAID, "10.00"),),
        check={"surplus": d("10.00")},
        id="paid-again",
    ),
    Case(
        "pay",
        snap(S.PARTIALLY_PAID),
        pay("5.00", posting="p0"),
        S.PARTIALLY_PAID,
        (info(PaymentInfoReason.PARTIAL_PAYMENT, "55.00"),),
        check={"payments": paid_by("45.00")},
        id="same-posting-adds-up",
    ),
    Case(
        "pay-late-reopen",
        snap(S.OVERDUE),
        pay("100.00"),
        S.PAID,
        (PAID_BACK,),
    ),
    Case(
        "pay-late-reopen",
        snap(S.CANCELLED),
        pay("110.00"),
        S.PAID,
        (
            PAID_BACK,
            notice(MerchantNotice.OVERPAYMENT, S.CANCELLED, "10.00"),
            notice(MerchantNotice.PAYMENT_FOR_CANCELLED_ORDER, S.CANCELLED, "110.00"),
        ),
        id="cancelled-prepayment",
    ),
    Case(
        "pay-late-notify",
        snap(S.OVERDUE, payment_code=PaymentCode.COD),
        pay("100.00"),
        S.OVERDUE,
        (notice(MerchantNotice.PAYMENT_FOR_OVERDUE_ORDER, S.OVERDUE, "100.00"),),
        check={"paid": d("100.00")},
        id="cod-default",
    ),
    Case(
        "pay-late-notify",
        snap(S.CANCELLED),
        pay("100.00"),
        S.CANCELLED,
        (notice(MerchantNotice.PAYMENT_FOR_CANCELLED_ORDER, S.CANCELLED, "100.00"),),
        policy=policy(prepayment={"late_payment": "notify"}),
        id="cancelled",
    ),
    Case(
        "pay-overdue-partial",
        snap(S.OVERDUE),
        pay("40.00"),
        S.OVERDUE,
        (info(PaymentInfoReason.PARTIAL_PAYMENT, "60.00"),),
    ),
    Case(
        "pay-cancelled-partial",
        snap(S.CANCELLED),
        pay("40.00"),
        S.CANCELLED,
        (notice(MerchantNotice.PAYMENT_FOR_CANCELLED_ORDER, S.CANCELLED, "40.00"),),
    ),
    Case(
        "pay-collection-settles",
        snap(S.COLLECTION),
        pay("100.00"),
        S.PAID,
        (PAID_BACK, notice(MerchantNotice.PAYMENT_DURING_COLLECTION, S.COLLECTION, "100.00")),
        check={"dunning_level": 3},
    ),
    Case(
        "pay-collection-partial",
        snap(S.COLLECTION),
        pay("40.00"),
        S.COLLECTION,
        (notice(MerchantNotice.PAYMENT_DURING_COLLECTION, S.COLLECTION, "40.00"),),
    ),
    Case(
        "pay-removed",
        snap(S.REMOVED_EXTERNALLY),
        pay("100.00"),
        S.REMOVED_EXTERNALLY,
        (notice(MerchantNotice.PAYMENT_FOR_REMOVED_ORDER, S.REMOVED_EXTERNALLY, "100.00"),),
        check={"paid": d("100.00")},
    ),
    Case(
        "pay-removed",
        snap(S.NOT_TRACKED, managed=False),
        pay("100.00"),
        S.NOT_TRACKED,
        (notice(MerchantNotice.PAYMENT_FOR_REMOVED_ORDER, S.NOT_TRACKED, "100.00"),),
        check={"managed": False},
        id="untracked-unmanaged",
    ),
    Case(
        "pay-refunded",
        snap(S.REFUNDED),
        pay("30.00"),
        S.PARTIALLY_REFUNDED,
        (notice(MerchantNotice.PAYMENT_FOR_REFUNDED_ORDER, S.REFUNDED, "30.00"),),
    ),
    Case(
        "pay-refunded",
        snap(S.PARTIALLY_REFUNDED),
        pay("30.00"),
        S.PAID,
        (notice(MerchantNotice.PAYMENT_FOR_REFUNDED_ORDER, S.PARTIALLY_REFUNDED, "30.00"),),
        id="covers-again",
    ),
    Case(
        "unpay",
        snap(S.PAID),
        unpay("100.00"),
        S.OPEN,
        (notice(MerchantNotice.PAID_REVOKED, S.PAID, "100.00"),),
        check={"payments": ()},
    ),
    Case(
        "unpay",
        snap(S.PAID, reported=None),
        unpay("30.00"),
        S.PARTIALLY_PAID,
        (),
        id="never-reported",
    ),
    Case("unpay", snap(S.PARTIALLY_PAID), unpay("40.00"), S.OPEN, (), id="partial"),
    Case(
        "unpay-refunded",
        snap(S.PARTIALLY_REFUNDED, payments=paid_by("60.00", "40.00")),
        unpay("40.00", posting="p1"),
        S.PARTIALLY_REFUNDED,
        check={"net": d("30.00")},
    ),
    Case(
        "unpay-refunded",
        snap(S.PARTIALLY_REFUNDED),
        unpay("70.00"),
        S.REFUNDED,
        check={"net": d("0.00")},
        id="to-refunded",
    ),
    Case(
        "unpay-keep",
        snap(S.OVERDUE, payments=paid_by("40.00")),
        unpay("40.00"),
        S.OVERDUE,
        check={"paid": d("0.00")},
    ),
    # -- changes at the source
    Case(
        "amount",
        snap(S.PAID),
        amount("120.00"),
        S.PARTIALLY_PAID,
        (info(PaymentInfoReason.AMOUNT_CHANGED, "20.00", "100.00"),),
    ),
    Case(
        "amount",
        snap(S.PARTIALLY_PAID),
        amount("40.00"),
        S.PAID,
        (PAID_BACK,),
        id="drops-to-paid",
    ),
    Case(
        "amount",
        snap(S.PAID),
        amount("80.00"),
        S.PAID,
        (notice(MerchantNotice.OVERPAYMENT, S.PAID, "20.00"),),
        id="drops-below-paid",
    ),
    Case("amount", snap(S.OPEN), amount("100.00"), S.OPEN, (), id="unchanged"),
    Case(
        "amount",
        snap(S.OPEN),
        amount("0.00"),
        S.PAID,
        (PAID_BACK,),
        id="to-zero",
    ),
    Case(
        "amount-late-reopen",
        snap(S.OVERDUE, payments=paid_by("40.00")),
        amount("40.00"),
        S.PAID,
        (PAID_BACK,),
    ),
    Case(
        "amount-overdue",
        snap(S.OVERDUE),
        amount("120.00"),
        S.OVERDUE,
        (info(PaymentInfoReason.AMOUNT_CHANGED, "120.00", "100.00"),),
    ),
    Case(
        "amount-overdue",
        snap(S.OVERDUE, payment_code=PaymentCode.COD, payments=paid_by("40.00")),
        amount("40.00"),
        S.OVERDUE,
        (),
        id="cod-settled-notify",
    ),
    Case("amount-cancelled", snap(S.CANCELLED), amount("50.00"), S.CANCELLED),
    Case(
        "amount-collection-settles",
        snap(S.COLLECTION, payments=paid_by("40.00")),
        amount("40.00"),
        S.PAID,
        (
            PAID_BACK,
            notice(MerchantNotice.AMOUNT_CHANGED_DURING_COLLECTION, S.COLLECTION, "40.00"),
        ),
    ),
    Case(
        "amount-collection",
        snap(S.COLLECTION),
        amount("120.00"),
        S.COLLECTION,
        (notice(MerchantNotice.AMOUNT_CHANGED_DURING_COLLECTION, S.COLLECTION, "120.00"),),
    ),
    Case("amount-collection", snap(S.COLLECTION), amount("100.00"), S.COLLECTION, (), id="same"),
    Case("amount-refunded", snap(S.PARTIALLY_REFUNDED), amount("70.00"), S.PAID),
    Case("amount-refunded", snap(S.REFUNDED), amount("50.00"), S.REFUNDED, id="refunded"),
    Case(
        "amount-content",
        snap(S.NOT_MANAGED),
        amount("120.00"),
        S.NOT_MANAGED,
        check={"amount": d("120.00")},
    ),
    Case(
        "email",
        snap(S.PARTIALLY_PAID),
        EmailChanged(at=AT),
        S.PARTIALLY_PAID,
        (info(PaymentInfoReason.EMAIL_CHANGED, "60.00"),),
    ),
    Case(
        "email",
        snap(S.OVERDUE, payment_code=PaymentCode.COD),
        EmailChanged(at=AT),
        S.OVERDUE,
        (),
        id="cod-no-info",
    ),
    Case("email-content", snap(S.PAID), EmailChanged(at=AT), S.PAID),
    Case("email-content", snap(S.NOT_MANAGED), EmailChanged(at=AT), S.NOT_MANAGED, id="nm"),
    Case(
        "payment-code",
        snap(S.OPEN),
        PaymentCodeChanged(at=AT, payment_code=PaymentCode.PREPAYMENT),
        S.OPEN,
        check={"payment_code": PaymentCode.PREPAYMENT},
    ),
    Case(
        "due-date",
        snap(S.OPEN),
        DueDateChanged(at=AT, due_date=date(2026, 4, 1)),
        S.OPEN,
        check={"due_date": date(2026, 4, 1)},
    ),
    Case(
        "remove",
        snap(S.OPEN),
        RemovedExternally(at=AT, reason=RemovalReason.DELETED),
        S.REMOVED_EXTERNALLY,
    ),
    Case(
        "remove",
        snap(S.NOT_TRACKED),
        RemovedExternally(at=AT, reason=RemovalReason.STATUS_NOT_OPEN),
        S.REMOVED_EXTERNALLY,
        id="untracked",
    ),
    Case(
        "remove",
        snap(S.NOT_MANAGED),
        RemovedExternally(at=AT, reason=RemovalReason.PAYMENT_CODE_NOT_MANAGED),
        S.REMOVED_EXTERNALLY,
        check={"managed": False},
        id="not-managed",
    ),
    Case(
        "remove-ignored",
        snap(S.PAID),
        RemovedExternally(at=AT, reason=RemovalReason.STATUS_NOT_OPEN),
        S.PAID,
    ),
    Case("untrack", snap(S.OVERDUE), NotTracked(at=AT), S.NOT_TRACKED),
    Case("untrack-ignored", snap(S.CANCELLED), NotTracked(at=AT), S.CANCELLED),
    Case("reopen", snap(S.REMOVED_EXTERNALLY), ReopenedAtSource(at=AT), S.OPEN),
    Case(
        "reopen",
        snap(S.REMOVED_EXTERNALLY, managed=False),
        ReopenedAtSource(at=AT),
        S.NOT_MANAGED,
        id="unmanaged",
    ),
    Case(
        "reopen",
        snap(S.NOT_TRACKED, payments=paid_by("100.00")),
        ReopenedAtSource(at=AT),
        S.PAID,
        (PAID_BACK,),
        id="paid-meanwhile",
    ),
    Case(
        "reopen-adopt",
        snap(S.REMOVED_EXTERNALLY, managed=False, payments=paid_by("100.00")),
        ReopenedAtSource(at=AT),
        S.PAID,
        (PAID_BACK,),
        check={"managed": True, "adopted_at": AT},
    ),
    Case(
        "reopen-adopt",
        snap(S.NOT_TRACKED, managed=False, payments=paid_by("40.00")),
        ReopenedAtSource(at=AT),
        S.PARTIALLY_PAID,
        (),
        check={"managed": True},
        id="partial",
    ),
    Case("reopen-ignored", snap(S.OPEN), ReopenedAtSource(at=AT), S.OPEN),
    # -- time
    Case(
        "deadline-cancel",
        snap(S.OPEN, payment_code=PaymentCode.PREPAYMENT),
        DeadlineReached(at=AT),
        S.CANCELLED,
        (CANCELLED_BACK,),
        check={"reported": TargetStatus.CANCELLED},
    ),
    Case(
        "deadline-cancel",
        snap(S.PARTIALLY_PAID, payment_code=PaymentCode.PREPAYMENT),
        DeadlineReached(at=AT),
        S.CANCELLED,
        (),
        policy=policy(prepayment={"write_back_on_deadline": False}),
        id="no-write-back",
    ),
    Case("deadline-overdue", snap(S.OPEN), DeadlineReached(at=AT), S.OVERDUE),
    Case(
        "deadline-overdue",
        snap(S.OPEN, payment_code=PaymentCode.COD),
        DeadlineReached(at=AT),
        S.OVERDUE,
        (CANCELLED_BACK,),
        policy=policy(cod={"write_back_on_deadline": True}),
        id="cod-write-back",
    ),
    Case(
        "remind",
        snap(S.OPEN),
        ReminderIssued(at=AT, level=1),
        S.OPEN,
        (SendReminder(level=1, currency="EUR", open_amount="100.00", fee="0.00"),),
        policy=policy(invoice={"reminders": {"fees": {"EUR": ["0", "2.50"]}}}),
        check={"dunning_level": 1, "last_reminder_at": AT},
    ),
    Case(
        "remind",
        snap(S.OVERDUE, dunning_level=2, last_reminder_at=T0),
        ReminderIssued(at=AT, level=3),
        S.OVERDUE,
        (SendReminder(level=3, currency="EUR", open_amount="100.00"),),
        policy=policy(invoice={"reminders": {"fees": {"EUR": ["0", "2.50"]}}}),
        id="beyond-fee-list",
    ),
    Case(
        "collection",
        snap(S.OVERDUE, dunning_level=3, last_reminder_at=T0, payments=paid_by("40.00")),
        HandedToCollection(at=AT),
        S.COLLECTION,
        (HandOverToCollection(currency="EUR", open_amount="60.00"),),
        policy=COLLECT_MANUAL,
    ),
    Case(
        "collected",
        snap(S.COLLECTION, payments=paid_by("40.00")),
        Collected(at=AT),
        S.PAID,
        (PAID_BACK,),
        check={"settlement": Settlement.COLLECTION, "open_amount": d("0.00")},
    ),
    # -- refunds
    Case(
        "refund",
        snap(S.PAID),
        refund("30.00"),
        S.PARTIALLY_REFUNDED,
        check={"refunded": d("30.00")},
    ),
    Case("refund", snap(S.PAID), refund("100.00"), S.REFUNDED, id="full"),
    Case(
        "refund",
        snap(S.PAID, payments=paid_by("120.00")),
        refund("20.00"),
        S.PAID,
        check={"surplus": d("0.00")},
        id="surplus-only",
    ),
    Case("refund", snap(S.PARTIALLY_REFUNDED), refund("70.00"), S.REFUNDED, id="rest"),
    Case(
        "refund-keep",
        snap(S.CANCELLED, payments=paid_by("40.00")),
        refund("40.00"),
        S.CANCELLED,
        check={"net": d("0.00")},
    ),
    # -- a person's decisions
    Case(
        "set-paid-adopt",
        snap(S.NOT_MANAGED),
        ManualSetPaid(at=AT),
        S.PAID,
        (PAID_BACK,),
        check={"managed": True, "settlement": Settlement.MANUAL},
    ),
    Case(
        "set-paid",
        snap(S.PARTIALLY_PAID),
        ManualSetPaid(at=AT),
        S.PAID,
        (PAID_BACK,),
        check={"settled_amount": d("100.00"), "surplus": d("0.00")},
    ),
    Case("set-paid", snap(S.COLLECTION), ManualSetPaid(at=AT), S.PAID, (PAID_BACK,), id="coll"),
    Case(
        "set-unpaid",
        snap(
            S.PAID,
            payments=paid_by("40.00"),
            settled_amount="100.00",
            settlement=Settlement.MANUAL,
        ),
        ManualSetUnpaid(at=AT),
        S.PARTIALLY_PAID,
        (notice(MerchantNotice.PAID_REVOKED, S.PAID, None),),
        check={"settlement": None, "settled_amount": d("0.00")},
    ),
    Case(
        "cancel",
        snap(S.OPEN),
        ManualCancel(at=AT),
        S.CANCELLED,
        (CANCELLED_BACK,),
        check={"reported": TargetStatus.CANCELLED},
    ),
    Case("cancel", snap(S.COLLECTION), ManualCancel(at=AT), S.CANCELLED, (CANCELLED_BACK,), id="w"),
]


def _run(case: Case) -> Any:
    if case.before is None:
        assert isinstance(case.event, OrderRegistered)
        return register(case.event, case.policy)
    return apply(case.before, case.event, case.policy)


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{case.rule}{'-' + case.id if case.id else ''}" for case in CASES]
)
def test_row(case: Case) -> None:
    outcome = _run(case)
    assert outcome.rule == case.rule
    assert outcome.snapshot.state is case.state
    assert outcome.effects == case.effects
    for name, expected in case.check.items():
        assert getattr(outcome.snapshot, name) == expected, name


def test_every_row_has_a_case() -> None:
    assert {case.rule for case in CASES} == {rule.name for rule in TRANSITIONS}


# -- every source state of every row ------------------------------------------------------------

_EVENTS: dict[EventKind, Event] = {
    EventKind.PAYMENT_ASSIGNED: pay("10.00"),
    EventKind.PAYMENT_UNASSIGNED: unpay("10.00"),
    EventKind.AMOUNT_CHANGED: amount("90.00"),
    EventKind.EMAIL_CHANGED: EmailChanged(at=AT),
    EventKind.PAYMENT_CODE_CHANGED: PaymentCodeChanged(at=AT, payment_code=PaymentCode.COD),
    EventKind.DUE_DATE_CHANGED: DueDateChanged(at=AT, due_date=None),
    EventKind.REMOVED_EXTERNALLY: RemovedExternally(at=AT, reason=RemovalReason.DELETED),
    EventKind.NOT_TRACKED: NotTracked(at=AT),
    EventKind.REOPENED_AT_SOURCE: ReopenedAtSource(at=AT),
    EventKind.DEADLINE_REACHED: DeadlineReached(at=AT),
    EventKind.HANDED_TO_COLLECTION: HandedToCollection(at=AT),
    EventKind.COLLECTED: Collected(at=AT),
    EventKind.REFUND_BOOKED: refund("10.00"),
    EventKind.MANUAL_SET_PAID: ManualSetPaid(at=AT),
    EventKind.MANUAL_SET_UNPAID: ManualSetUnpaid(at=AT),
    EventKind.MANUAL_CANCEL: ManualCancel(at=AT),
}


def _snapshot_for(state: OrderState, kind: EventKind) -> OrderSnapshot:
    """A snapshot in ``state`` that passes the preconditions of events of ``kind``."""
    changes: dict[str, Any] = {}
    if kind in {EventKind.PAYMENT_UNASSIGNED, EventKind.REFUND_BOOKED} and state in {
        S.OVERDUE,
        S.CANCELLED,
        S.COLLECTION,
        S.REMOVED_EXTERNALLY,
        S.NOT_TRACKED,
    }:
        changes["payments"] = paid_by("40.00")
    if kind is EventKind.PAYMENT_UNASSIGNED and state is S.REFUNDED:
        # only money declared received can stand in for an unassigned, refunded payment
        changes.update(settled_amount="100.00", settlement=Settlement.COLLECTION)
    if kind is EventKind.MANUAL_SET_UNPAID and state is S.PAID:
        changes.update(payments=(), settled_amount="100.00", settlement=Settlement.MANUAL)
    if kind is EventKind.HANDED_TO_COLLECTION:
        changes.update(dunning_level=3, last_reminder_at=T0)
    return snap(state, **changes)


PAIRS = [
    (rule.name, state)
    for rule in TRANSITIONS
    for state in rule.sources
    if state is not None and rule.event is not EventKind.REMINDER_ISSUED
]


@pytest.mark.parametrize(("name", "state"), PAIRS, ids=[f"{n}-{s}" for n, s in PAIRS])
def test_every_source_state_of_every_row(name: str, state: OrderState) -> None:
    """Each state a row lists accepts the event, and lands where the row says it can."""
    rule = next(rule for rule in TRANSITIONS if rule.name == name)
    before = _snapshot_for(state, rule.event)
    outcome = apply(before, _EVENTS[rule.event], COLLECT_MANUAL)
    fired = next(r for r in TRANSITIONS if r.name == outcome.rule)
    assert fired.event is rule.event
    assert state in fired.sources
    assert outcome.snapshot.state in fired.reachable(state)


UNLISTED = [
    (kind, state)
    for kind in EventKind
    for state in S
    if kind is not EventKind.ORDER_REGISTERED
    and not any(rule.event is kind and state in rule.sources for rule in TRANSITIONS)
]


@pytest.mark.parametrize(("kind", "state"), UNLISTED, ids=[f"{k}-{s}" for k, s in UNLISTED])
def test_states_no_row_lists_are_illegal(kind: EventKind, state: OrderState) -> None:
    event = _EVENTS.get(kind, ReminderIssued(at=AT, level=1))
    before = _snapshot_for(state, kind)
    with pytest.raises(IllegalTransition) as raised:
        apply(before, event, COLLECT_MANUAL)
    assert raised.value.state == state.value
    assert raised.value.event == kind.value
    assert raised.value.reasons


def test_illegal_transition_is_a_paymatch_error_and_says_why() -> None:
    with pytest.raises(PaymatchError, match=r"deadline_reached.*'paid'.*open, partially_paid"):
        apply(snap(S.PAID), DeadlineReached(at=AT), DEFAULT)


def test_registering_twice_is_illegal() -> None:
    with pytest.raises(IllegalTransition, match="already registered"):
        apply(snap(S.OPEN), registered(), DEFAULT)


# -- preconditions ----------------------------------------------------------------------------

ILLEGAL = [
    ("currency", snap(S.OPEN), pay("10.00", currency="USD"), DEFAULT),
    ("currency", snap(S.PAID), refund("1.00").model_copy(update={"currency": "CHF"}), DEFAULT),
    ("currency", snap(S.OPEN), AmountChanged(at=AT, currency="JPY", amount="100"), DEFAULT),
    ("posting paid at least", snap(S.PAID), unpay("100.01"), DEFAULT),
    ("posting paid at least", snap(S.PAID), unpay("1.00", posting="unknown"), DEFAULT),
    ("still covers the refunds", snap(S.PARTIALLY_REFUNDED), unpay("70.01"), DEFAULT),
    ("at most what was received", snap(S.PARTIALLY_REFUNDED), refund("70.01"), DEFAULT),
    ("at most what was received", snap(S.REFUNDED), refund("0.01"), DEFAULT),
    (
        "refund_cap_factor",
        snap(S.PAID, payments=paid_by("250.00")),
        refund("200.01"),
        DEFAULT,
    ),
    (
        "refund_cap_factor",
        snap(S.PAID, payments=paid_by("150.00")),
        refund("100.01"),
        policy(refund_cap_factor="1"),
    ),
    (
        "reminders are enabled",
        snap(S.OPEN, payment_code="cod"),
        ReminderIssued(at=AT, level=1),
        DEFAULT,
    ),
    ("dunning level + 1", snap(S.OPEN), ReminderIssued(at=AT, level=2), DEFAULT),
    (
        "dunning level + 1",
        snap(S.OPEN, dunning_level=1, last_reminder_at=T0),
        ReminderIssued(at=AT, level=1),
        DEFAULT,
    ),
    (
        "within the policy",
        snap(S.OVERDUE, dunning_level=3, last_reminder_at=T0),
        ReminderIssued(at=AT, level=4),
        DEFAULT,
    ),
    (
        "not paid by its amounts",
        snap(S.OVERDUE, payment_code="cod", payments=paid_by("100.00")),
        ReminderIssued(at=AT, level=1),
        policy(cod={"reminders": {"enabled": True}}),
    ),
    (
        "collection is not `off`",
        snap(S.OVERDUE, dunning_level=3, last_reminder_at=T0),
        HandedToCollection(at=AT),
        DEFAULT,
    ),
    (
        "last reminder level",
        snap(S.OVERDUE, dunning_level=2, last_reminder_at=T0),
        HandedToCollection(at=AT),
        COLLECT_MANUAL,
    ),
    (
        "not paid by its amounts",
        snap(S.OVERDUE, dunning_level=3, last_reminder_at=T0, payment_code="cod").model_copy(
            update={"payments": paid_by("100.00")}
        ),
        HandedToCollection(at=AT),
        policy(cod={"reminders": {"enabled": True}, "collection": {"mode": "manual"}}),
    ),
    ("set paid by a person", snap(S.PAID), ManualSetUnpaid(at=AT), DEFAULT),
    (
        "payments alone do not cover",
        snap(S.PAID, settled_amount="100.00", settlement=Settlement.MANUAL),
        ManualSetUnpaid(at=AT),
        DEFAULT,
    ),
    ("allowed only in", snap(S.NOT_MANAGED), ManualCancel(at=AT), DEFAULT),
    ("allowed only in", snap(S.PAID), ManualCancel(at=AT), DEFAULT),
    ("allowed only in", snap(S.REMOVED_EXTERNALLY), ManualSetPaid(at=AT), DEFAULT),
    ("allowed only in", snap(S.PARTIALLY_PAID), refund("10.00"), DEFAULT),
    ("allowed only in", snap(S.NOT_MANAGED), DeadlineReached(at=AT), DEFAULT),
]


@pytest.mark.parametrize(
    ("reason", "before", "event", "rules"),
    ILLEGAL,
    ids=[f"{i}-{c[0]}" for i, c in enumerate(ILLEGAL)],
)
def test_precondition_fails(
    reason: str, before: OrderSnapshot, event: Event, rules: LifecyclePolicy
) -> None:
    copy = before.model_copy(deep=True)
    with pytest.raises(IllegalTransition) as raised:
        apply(before, event, rules)
    assert any(reason in text for text in raised.value.reasons), raised.value.reasons
    assert before == copy


def test_same_posting_assigned_twice_accumulates_and_unassigns_in_parts() -> None:
    out = apply(snap(S.OPEN), pay("30.00", posting="a"), DEFAULT)
    out = apply(out.snapshot, pay("20.00", posting="a"), DEFAULT)
    assert out.snapshot.share("a") == Decimal("50.00")
    out = apply(out.snapshot, unpay("50.00", posting="a"), DEFAULT)
    assert out.snapshot.payments == ()
    assert out.snapshot.state is S.OPEN


def test_payment_after_manual_set_paid_is_not_counted_twice() -> None:
    out = apply(snap(S.OPEN), ManualSetPaid(at=AT), DEFAULT)
    out = apply(out.snapshot, pay("100.00"), DEFAULT)
    assert out.snapshot.state is S.PAID
    assert out.snapshot.surplus == 0
    assert out.effects == ()
    out = apply(out.snapshot, pay("5.00", posting="extra"), DEFAULT)
    assert out.effects == (notice(MerchantNotice.OVERPAYMENT, S.PAID, "5.00"),)


def test_amount_rise_after_manual_set_paid_reopens_the_difference() -> None:
    out = apply(snap(S.OPEN), ManualSetPaid(at=AT), DEFAULT)
    out = apply(out.snapshot, amount("130.00"), DEFAULT)
    assert out.snapshot.state is S.PARTIALLY_PAID
    assert out.snapshot.open_amount == Decimal("30.00")


def test_snapshot_refuses_inconsistent_data() -> None:
    with pytest.raises(ValueError, match="not_managed order cannot be managed"):
        snap(S.NOT_MANAGED, managed=True)
    with pytest.raises(ValueError, match="not managed cannot be paid"):
        snap(S.PAID, managed=False)
    with pytest.raises(ValueError, match="refunded exceeds"):
        snap(S.OPEN, refunded="1.00")
    with pytest.raises(ValueError, match="last_reminder_at"):
        snap(S.OPEN, dunning_level=1)
    with pytest.raises(ValueError, match="twice"):
        snap(S.PAID, payments=paid_by("50.00") * 2)
    with pytest.raises(ValueError, match="decimal places"):
        snap(S.OPEN, currency="JPY", amount="100.50")
    with pytest.raises(ValueError, match="timezone"):
        snap(S.OPEN, created_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="partially_paid cannot be one that keeps no money"):
        snap(S.PARTIALLY_PAID, payments=())
    with pytest.raises(ValueError, match="open cannot be one that keeps money"):
        snap(S.OPEN, payments=paid_by("1.00"))
    with pytest.raises(ValueError, match="less than or equal to 5"):
        snap(S.OPEN, dunning_level=6, last_reminder_at=T0)


def test_net_kept_covers_every_state() -> None:
    assert set(NET_KEPT) == set(OrderState)
