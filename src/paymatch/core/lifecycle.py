"""The order lifecycle: one explicit transition table, applied to immutable snapshots.

Pure: no storage, no I/O, no clock. :func:`register` turns an :class:`OrderRegistered` event into
the first :class:`OrderSnapshot`; :func:`apply` turns a snapshot and an event into the next snapshot
plus the *effects* (write-backs, customer messages, merchant notices) the reconciler carries out
through its outbox. An event that the table does not allow raises :class:`IllegalTransition` and
changes nothing.

How an event is applied:

1. the event's *preconditions* (:data:`PRECONDITIONS`, e.g. "the currency is the order's") must
   hold;
2. the event's data is recorded on the snapshot (payments, amount, dunning level, ...);
3. the first row of :data:`TRANSITIONS` for the event and the current state whose guards all hold
   fires: it names the new state (fixed, unchanged, or derived from the amounts) and the effects.

The table is rendered into ``docs/lifecycle.md``; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Final, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from paymatch.connectors.interfaces import TargetStatus
from paymatch.core.errors import IllegalTransition
from paymatch.core.events import (
    AmountChanged,
    Collected,
    DeadlineReached,
    DueDateChanged,
    Effect,
    EffectKind,
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
    check_money,
)
from paymatch.core.models import Amount, Currency, PaymentCode
from paymatch.core.money import parse_amount
from paymatch.core.policy import CollectionMode, LatePayment, LifecyclePolicy
from paymatch.core.states import OrderState, Settlement

__all__ = [
    "NET_KEPT",
    "NEW",
    "PRECONDITIONS",
    "TRANSITIONS",
    "AmountChanged",
    "Collected",
    "DeadlineReached",
    "DueDateChanged",
    "Effect",
    "EffectKind",
    "EmailChanged",
    "Event",
    "EventKind",
    "HandOverToCollection",
    "HandedToCollection",
    "IllegalTransition",
    "ManualCancel",
    "ManualSetPaid",
    "ManualSetUnpaid",
    "MerchantNotice",
    "NotTracked",
    "NotifyMerchant",
    "OrderRegistered",
    "OrderSnapshot",
    "OrderState",
    "Outcome",
    "PaymentAssigned",
    "PaymentCodeChanged",
    "PaymentInfoReason",
    "PaymentUnassigned",
    "PostingShare",
    "RefundBooked",
    "ReminderIssued",
    "RemovalReason",
    "RemovedExternally",
    "ReopenedAtSource",
    "SendPaymentInformation",
    "SendReminder",
    "Settlement",
    "TransitionRule",
    "WriteBack",
    "apply",
    "register",
]

S = OrderState

# ------------------------------------------------------------------------------------ snapshot


class OrderSnapshot(BaseModel):
    """Everything the lifecycle knows about one order, frozen.

    Amounts are ``Decimal`` in ``currency``. The paid amount is not stored but summed from
    ``payments``, so it cannot disagree with the assignments.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    state: OrderState
    managed: bool = True
    """False for an order that existed open before its source was connected, until a payment
    (or a manual "set paid") adopts it."""
    payment_code: PaymentCode
    currency: Currency
    amount: Amount
    """The order total as the source reports it (zero or negative is possible)."""
    payments: tuple[PostingShare, ...] = ()
    """What each posting paid on this order: assignments minus unassignments."""
    refunded: Amount = Decimal(0)
    settled_amount: Amount = Decimal(0)
    """Money declared received outside the assigned postings (manual "set paid", collection):
    the order counts as having received ``max(paid, settled_amount)``."""
    settlement: Settlement | None = None
    dunning_level: int = Field(default=0, ge=0, le=5)
    last_reminder_at: AwareDatetime | None = None
    created_at: AwareDatetime
    due_date: date | None = None
    adopted_at: AwareDatetime | None = None
    """When a not-managed order was adopted; deadlines and reminders start no earlier."""
    reported: TargetStatus | None = None
    """The last status paymatch asked to write back to the source."""

    _money = field_validator("amount", "refunded", "settled_amount")(check_money)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        seen: set[str] = set()
        for share in self.payments:
            if share.posting_id in seen:
                raise ValueError(f"posting {share.posting_id!r} appears twice in payments")
            seen.add(share.posting_id)
            parse_amount(share.amount, self.currency)
        if self.refunded < 0 or self.settled_amount < 0:
            raise ValueError("refunded and settled_amount cannot be negative")
        if self.refunded > self.received:
            raise ValueError("refunded exceeds what the order received")
        if self.settlement is None and self.settled_amount:
            raise ValueError("settled_amount without a settlement")
        if self.dunning_level and self.last_reminder_at is None:
            raise ValueError("a dunning level above 0 needs last_reminder_at")
        if self.state is S.NOT_MANAGED and self.managed:
            raise ValueError("a not_managed order cannot be managed")
        if not self.managed and self.state not in _MAY_BE_UNMANAGED:
            raise ValueError(f"an order that is not managed cannot be {self.state.value}")
        if (self.net > 0) not in NET_KEPT[self.state]:
            keeps = "keeps money" if self.net > 0 else "keeps no money"
            raise ValueError(f"an order in state {self.state.value} cannot be one that {keeps}")
        return self

    @property
    def paid(self) -> Decimal:
        """Sum of the assigned payments."""
        return sum((share.amount for share in self.payments), self._zero)

    @property
    def received(self) -> Decimal:
        """What the order received: the payments, or the settled amount where that is higher."""
        return max(self.paid, self.settled_amount)

    @property
    def net(self) -> Decimal:
        """Received minus refunded: the money the merchant keeps for this order."""
        return self.received - self.refunded

    @property
    def surplus(self) -> Decimal:
        """What was kept beyond the amount (an overpayment not yet refunded)."""
        return max(self._zero, self.net - max(self.amount, self._zero))

    @property
    def open_amount(self) -> Decimal:
        """What is still to be paid."""
        return max(self._zero, self.amount - self.net)

    def is_settled(self, policy: LifecyclePolicy) -> bool:
        """Whether the amounts say "paid": the money kept covers the amount. An amount of zero
        or less counts as paid where the policy says so (the default), or once anything was
        paid or a person set it paid."""
        if self.amount <= 0:
            return policy.zero_amount_is_paid or self.net > 0 or self.settlement is not None
        return self.net >= self.amount

    def share(self, posting_id: str) -> Decimal:
        """What ``posting_id`` paid on this order."""
        for share in self.payments:
            if share.posting_id == posting_id:
                return share.amount
        return self._zero

    @property
    def _zero(self) -> Decimal:
        return _zero_in(self.currency)


@cache
def _zero_in(currency: str) -> Decimal:
    return parse_amount(0, currency)


_MAY_BE_UNMANAGED: Final = frozenset({S.NOT_MANAGED, S.REMOVED_EXTERNALLY, S.NOT_TRACKED})

# -------------------------------------------------------------------------- the table's parts


@dataclass(frozen=True, slots=True)
class Step:
    """What a guard, a target or an effect rule looks at.

    ``facts`` is ``before`` with the event's data recorded (and adoption applied) but the state
    not yet changed; for preconditions it is ``before`` itself.
    """

    before: OrderSnapshot
    facts: OrderSnapshot
    event: Event
    policy: LifecyclePolicy


@dataclass(frozen=True, slots=True)
class Guard:
    text: str
    check: Callable[[Step], bool]


@dataclass(frozen=True, slots=True)
class Target:
    text: str
    resolve: Callable[[Step], OrderState]
    by_net: Mapping[bool, tuple[OrderState, ...]]
    """The states ``resolve`` can return when the order keeps money (``True``) or none
    (``False``); empty: the current state."""
    ranks: tuple[OrderState, ...] = ()
    """The target's states from least to most paid, for rules that only move one way."""


@dataclass(frozen=True, slots=True)
class EffectRule:
    text: str
    build: Callable[[Step, OrderSnapshot], Iterable[Effect]]


NEW: Final = None
"""The "state" of an order that does not exist yet (rows of ``order_registered``)."""


@dataclass(frozen=True, slots=True)
class TransitionRule:
    """One row of the transition table."""

    name: str
    event: EventKind
    sources: tuple[OrderState | None, ...]
    target: Target
    guards: tuple[Guard, ...] = ()
    effects: tuple[EffectRule, ...] = ()
    adopts: bool = False
    """The order becomes managed (a payment or "set paid" for a not-managed order)."""
    money: int = 0
    """+1: money comes in (the amount stays); -1: money goes out or is taken back; 0: the money
    stays (the amount may change). A settled amount can make money in or out a no-op. With the
    amounts each state allows (:data:`NET_KEPT`) this tells which states the rule can reach: see
    :meth:`reachable`."""
    note: str = ""

    def reachable(self, source: OrderState | None) -> frozenset[OrderState]:
        """The states this rule can take an order in ``source`` to (the state diagram's edges;
        the tests check every transition against it)."""
        if not self.target.by_net:
            return frozenset({source}) if source is not None else frozenset()
        kept = NET_KEPT[source] if source is not None else frozenset({False})
        if self.money > 0:
            # A payment raises the money kept, unless a settled amount already stands for it
            # (which orders that are open or not managed never have).
            settled_before = source not in {S.OPEN, S.NOT_MANAGED, None}
            kept = kept | {True} if settled_before else frozenset({True})
        elif self.money < 0 and True in kept:
            kept = frozenset({False, True})
        states = [
            state for has in (False, True) if has in kept for state in self.target.by_net[has]
        ]
        ranks = self.target.ranks
        if self.money and source in ranks:
            here = ranks.index(source)
            states = [s for s in states if (ranks.index(s) - here) * self.money >= 0]
        return frozenset(states)


NET_KEPT: Final[dict[OrderState, frozenset[bool]]] = {
    S.NOT_MANAGED: frozenset({False}),
    S.OPEN: frozenset({False}),
    S.PARTIALLY_PAID: frozenset({True}),
    S.PAID: frozenset({False, True}),  # no money kept: an amount of zero or less
    S.REFUNDED: frozenset({False}),
    S.PARTIALLY_REFUNDED: frozenset({True}),
    **dict.fromkeys(
        (S.OVERDUE, S.CANCELLED, S.COLLECTION, S.REMOVED_EXTERNALLY, S.NOT_TRACKED),
        frozenset({False, True}),
    ),
}
"""Whether an order in each state can keep money (``net > 0``: ``True``) or none (``False``):
the agreement between state and amounts that every snapshot keeps."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an event: the new snapshot, the effects, and the row that fired."""

    snapshot: OrderSnapshot
    effects: tuple[Effect, ...]
    rule: str


# ------------------------------------------------------------------------------------- targets


def _balance(step: Step) -> OrderState:
    facts = step.facts
    if facts.is_settled(step.policy):
        return S.PAID
    return S.PARTIALLY_PAID if facts.net > 0 else S.OPEN


def _refund_balance(step: Step) -> OrderState:
    facts = step.facts
    if facts.net <= 0:
        return S.REFUNDED
    return S.PAID if facts.is_settled(step.policy) else S.PARTIALLY_REFUNDED


def _resume(step: Step) -> OrderState:
    return _balance(step) if step.facts.managed else S.NOT_MANAGED


def _fixed(state: OrderState) -> Target:
    return Target(f"`{state.value}`", lambda _step: state, {False: (state,), True: (state,)})


SAME: Final = Target("(unchanged)", lambda step: step.before.state, {})
BALANCE: Final = Target(
    "by amounts: `open` / `partially_paid` / `paid`",
    _balance,
    {False: (S.OPEN, S.PAID), True: (S.PARTIALLY_PAID, S.PAID)},
    (S.OPEN, S.PARTIALLY_PAID, S.PAID),
)
REFUND_BALANCE: Final = Target(
    "by amounts: `refunded` / `partially_refunded` / `paid` (only surplus refunded)",
    _refund_balance,
    {False: (S.REFUNDED,), True: (S.PARTIALLY_REFUNDED, S.PAID)},
    (S.REFUNDED, S.PARTIALLY_REFUNDED, S.PAID),
)
RESUME: Final = Target(
    "`not_managed` if never managed, else by amounts",
    _resume,
    {False: (S.NOT_MANAGED, S.OPEN, S.PAID), True: (S.PARTIALLY_PAID, S.PAID)},
    (S.OPEN, S.PARTIALLY_PAID, S.PAID),
)

# -------------------------------------------------------------------------------------- guards


def _event_amount(event: Event) -> Decimal | None:
    if isinstance(event, PaymentAssigned | PaymentUnassigned | RefundBooked | AmountChanged):
        return event.amount
    return None


def _same_currency(step: Step) -> bool:
    currency = getattr(step.event, "currency", None)
    return currency is None or currency == step.before.currency


def _settles(step: Step) -> bool:
    return step.facts.is_settled(step.policy)


def _late_reopens(step: Step) -> bool:
    return step.policy.for_code(step.facts.payment_code).late_payment is LatePayment.REOPEN


def _unassign_covered(step: Step) -> bool:
    event = step.event
    assert isinstance(event, PaymentUnassigned)
    return step.before.share(event.posting_id) >= event.amount


def _unassign_keeps_refunds(step: Step) -> bool:
    event = step.event
    assert isinstance(event, PaymentUnassigned)
    before = step.before
    return max(before.paid - event.amount, before.settled_amount) >= before.refunded


def _refund_within_received(step: Step) -> bool:
    event = step.event
    assert isinstance(event, RefundBooked)
    return event.amount <= step.before.net


def _refund_within_cap(step: Step) -> bool:
    event = step.event
    assert isinstance(event, RefundBooked)
    before = step.before
    return before.refunded + event.amount <= before.amount * step.policy.refund_cap_factor


def _reminders_on(step: Step) -> bool:
    return step.policy.for_code(step.before.payment_code).reminders.enabled


def _next_level(step: Step) -> bool:
    event = step.event
    assert isinstance(event, ReminderIssued)
    return event.level == step.before.dunning_level + 1


def _level_in_policy(step: Step) -> bool:
    event = step.event
    assert isinstance(event, ReminderIssued)
    return event.level <= step.policy.for_code(step.before.payment_code).reminders.levels


def _unsettled(step: Step) -> bool:
    return not step.before.is_settled(step.policy)


def _collection_on(step: Step) -> bool:
    code = step.policy.for_code(step.before.payment_code)
    return code.collection.mode is not CollectionMode.OFF


def _last_reminder_sent(step: Step) -> bool:
    code = step.policy.for_code(step.before.payment_code)
    return code.reminders.enabled and step.before.dunning_level >= code.reminders.levels


def _manually_paid(step: Step) -> bool:
    return step.before.settlement is Settlement.MANUAL


def _payments_fall_short(step: Step) -> bool:
    cleared = step.before.model_copy(update={"settled_amount": _zero(step), "settlement": None})
    return not cleared.is_settled(step.policy)


def _zero(step: Step) -> Decimal:
    return _zero_in(step.before.currency)


def _existed_before_connection(event: OrderRegistered) -> bool:
    return event.connected_at is not None and event.created_at < event.connected_at


def _created_before_connection(step: Step) -> bool:
    assert isinstance(step.event, OrderRegistered)
    return _existed_before_connection(step.event)


def _zero_amount_paid(step: Step) -> bool:
    return step.facts.amount <= 0 and step.policy.zero_amount_is_paid


def _paid_unmanaged(step: Step) -> bool:
    return not step.before.managed and step.before.paid > 0


def _is_prepayment(step: Step) -> bool:
    return step.before.payment_code is PaymentCode.PREPAYMENT


def _not(guard: Guard, text: str) -> Guard:
    return Guard(text, lambda step: not guard.check(step))


def _all(*guards: Guard) -> Guard:
    return Guard(
        " and ".join(guard.text for guard in guards),
        lambda step: all(guard.check(step) for guard in guards),
    )


SAME_CURRENCY = Guard("the currency is the order's", _same_currency)
SETTLES = Guard("the amounts now cover the order", _settles)
NOT_SETTLES = _not(SETTLES, "the amounts do not cover the order")
LATE_REOPENS = Guard("policy `late_payment = reopen`", _late_reopens)
LATE_NOTIFIES = _not(LATE_REOPENS, "policy `late_payment = notify`")
SETTLES_AND_REOPENS = _all(SETTLES, LATE_REOPENS)
NOT_SETTLES_AND_REOPENS = _not(
    SETTLES_AND_REOPENS, "the amounts do not cover the order, or `late_payment = notify`"
)
UNSETTLED = Guard("the order is not paid by its amounts", _unsettled)

PRECONDITIONS: Final[dict[EventKind, tuple[Guard, ...]]] = {
    EventKind.PAYMENT_ASSIGNED: (SAME_CURRENCY,),
    EventKind.PAYMENT_UNASSIGNED: (
        SAME_CURRENCY,
        Guard("the posting paid at least this amount on the order", _unassign_covered),
        Guard("what remains received still covers the refunds", _unassign_keeps_refunds),
    ),
    EventKind.AMOUNT_CHANGED: (SAME_CURRENCY,),
    EventKind.REFUND_BOOKED: (
        SAME_CURRENCY,
        Guard(
            "the refund is at most what was received and not yet refunded", _refund_within_received
        ),
        Guard("all refunds stay within `refund_cap_factor` x the amount", _refund_within_cap),
    ),
    EventKind.REMINDER_ISSUED: (
        Guard("reminders are enabled for the payment code", _reminders_on),
        Guard("the level is the dunning level + 1", _next_level),
        Guard("the level is within the policy's `levels`", _level_in_policy),
        UNSETTLED,
    ),
    EventKind.HANDED_TO_COLLECTION: (
        Guard("collection is not `off` for the payment code", _collection_on),
        Guard("the last reminder level of the policy was issued", _last_reminder_sent),
        UNSETTLED,
    ),
    EventKind.MANUAL_SET_UNPAID: (
        Guard("the order was set paid by a person", _manually_paid),
        Guard("the assigned payments alone do not cover it", _payments_fall_short),
    ),
}

# ------------------------------------------------------------------------------ effect rules


def _customer_ok(step: Step, after: OrderSnapshot) -> bool:
    # Never message the customer of an order paymatch did not manage before this event.
    return step.before.managed and after.managed


def _payment_information(reason: PaymentInfoReason, text: str) -> EffectRule:
    def build(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
        code = step.policy.for_code(after.payment_code)
        if not (
            _customer_ok(step, after)
            and code.payment_information
            and after.state in _DUNNABLE
            and after.open_amount > 0
            and not after.is_settled(step.policy)
        ):
            return
        previous = None
        if reason is PaymentInfoReason.AMOUNT_CHANGED:
            if step.before.amount == after.amount:
                return
            previous = step.before.amount
        if reason is PaymentInfoReason.PARTIAL_PAYMENT and after.net <= 0:
            return
        yield SendPaymentInformation(
            reason=reason,
            currency=after.currency,
            open_amount=after.open_amount,
            previous_amount=previous,
        )

    return EffectRule(text, build)


def _write_back_if_paid(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if after.state is S.PAID and step.before.state is not S.PAID and after.managed:
        yield WriteBack(status=TargetStatus.PAID)


def _write_back_cancelled(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if after.managed:
        yield WriteBack(status=TargetStatus.CANCELLED)


def _write_back_deadline(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if step.policy.for_code(after.payment_code).write_back_on_deadline:
        yield from _write_back_cancelled(step, after)


def _notice(step: Step, notice: MerchantNotice, amount: Decimal | None = None) -> NotifyMerchant:
    return NotifyMerchant(
        notice=notice,
        state=step.before.state,
        currency=step.before.currency,
        amount=_event_amount(step.event) if amount is None else amount,
    )


def _notify(notice: MerchantNotice) -> EffectRule:
    def build(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
        yield _notice(step, notice)

    return EffectRule(f"notify merchant `{notice.value}`", build)


def _overpayment(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if after.state is S.PAID and after.surplus > step.before.surplus:
        yield _notice(step, MerchantNotice.OVERPAYMENT, after.surplus)


def _paid_revoked(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if (
        step.before.state is S.PAID
        and after.state in {S.OPEN, S.PARTIALLY_PAID}
        and step.before.reported is TargetStatus.PAID
    ):
        yield _notice(step, MerchantNotice.PAID_REVOKED)


def _cancelled_notice(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if step.before.state is S.CANCELLED:
        yield _notice(step, MerchantNotice.PAYMENT_FOR_CANCELLED_ORDER)


def _late_notice(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    yield _notice(
        step,
        MerchantNotice.PAYMENT_FOR_CANCELLED_ORDER
        if step.before.state is S.CANCELLED
        else MerchantNotice.PAYMENT_FOR_OVERDUE_ORDER,
    )


def _collection_amount_notice(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if step.before.amount != after.amount:
        yield _notice(step, MerchantNotice.AMOUNT_CHANGED_DURING_COLLECTION)


def _reminder(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    if not _customer_ok(step, after):
        return
    level = after.dunning_level
    reminders = step.policy.for_code(after.payment_code).reminders
    yield SendReminder(
        level=level,
        currency=after.currency,
        open_amount=after.open_amount,
        fee=reminders.fee(level, after.currency),
    )


def _hand_over(step: Step, after: OrderSnapshot) -> Iterable[Effect]:
    yield HandOverToCollection(currency=after.currency, open_amount=after.open_amount)


WRITE_BACK_IF_PAID = EffectRule("write back `paid` (when it becomes paid)", _write_back_if_paid)
WRITE_BACK_CANCELLED = EffectRule("write back `cancelled`", _write_back_cancelled)
WRITE_BACK_DEADLINE = EffectRule(
    "write back `cancelled` if `write_back_on_deadline`", _write_back_deadline
)
OVERPAYMENT = EffectRule("notify merchant `overpayment` (when the surplus grows)", _overpayment)
PAID_REVOKED = EffectRule(
    "notify merchant `paid_revoked` (if `paid` was written back)", _paid_revoked
)
CANCELLED_NOTICE = EffectRule(
    "notify merchant `payment_for_cancelled_order` (from `cancelled`)", _cancelled_notice
)
LATE_NOTICE = EffectRule(
    "notify merchant `payment_for_cancelled_order` / `payment_for_overdue_order`", _late_notice
)
COLLECTION_AMOUNT_NOTICE = EffectRule(
    "notify merchant `amount_changed_during_collection` (if it changed)",
    _collection_amount_notice,
)
INFO_NEW = _payment_information(PaymentInfoReason.NEW_ORDER, "payment information `new_order`")
INFO_PARTIAL = _payment_information(
    PaymentInfoReason.PARTIAL_PAYMENT, "payment information `partial_payment` (remainder open)"
)
INFO_AMOUNT = _payment_information(
    PaymentInfoReason.AMOUNT_CHANGED, "payment information `amount_changed` (if it changed)"
)
INFO_EMAIL = _payment_information(
    PaymentInfoReason.EMAIL_CHANGED, "payment information `email_changed`"
)
REMINDER = EffectRule("send reminder of the new dunning level (with the policy's fee)", _reminder)
HAND_OVER = EffectRule("hand over to collection", _hand_over)

# --------------------------------------------------------------------------------- the table

_ALL: Final = tuple(OrderState)
_AWAITING: Final = (S.OPEN, S.PARTIALLY_PAID)
_DUNNABLE: Final = (S.OPEN, S.PARTIALLY_PAID, S.OVERDUE)
_PAST_DEADLINE: Final = (S.OVERDUE, S.CANCELLED)
_OUT: Final = (S.REMOVED_EXTERNALLY, S.NOT_TRACKED)
_REFUNDS: Final = (S.REFUNDED, S.PARTIALLY_REFUNDED)


def _others(*states: OrderState) -> tuple[OrderState, ...]:
    return tuple(state for state in _ALL if state not in states)


E = EventKind
R = TransitionRule

TRANSITIONS: Final[tuple[TransitionRule, ...]] = (
    # -- a new order
    R(
        "register-not-managed",
        E.ORDER_REGISTERED,
        (NEW,),
        _fixed(S.NOT_MANAGED),
        guards=(Guard("created before the source was connected", _created_before_connection),),
        note="existed open before `connected_at`: no messages, no write-back",
    ),
    R(
        "register-zero-paid",
        E.ORDER_REGISTERED,
        (NEW,),
        _fixed(S.PAID),
        guards=(Guard("amount <= 0 and `zero_amount_is_paid`", _zero_amount_paid),),
        effects=(WRITE_BACK_IF_PAID,),
    ),
    R("register", E.ORDER_REGISTERED, (NEW,), _fixed(S.OPEN), effects=(INFO_NEW,)),
    # -- payments
    R(
        "pay-adopt",
        E.PAYMENT_ASSIGNED,
        (S.NOT_MANAGED,),
        BALANCE,
        effects=(WRITE_BACK_IF_PAID, OVERPAYMENT),
        adopts=True,
        money=+1,
        note="the order becomes managed; paid is written back; no customer message",
    ),
    R(
        "pay",
        E.PAYMENT_ASSIGNED,
        (S.OPEN, S.PARTIALLY_PAID, S.PAID),
        BALANCE,
        money=+1,
        effects=(WRITE_BACK_IF_PAID, OVERPAYMENT, INFO_PARTIAL),
    ),
    R(
        "pay-late-reopen",
        E.PAYMENT_ASSIGNED,
        _PAST_DEADLINE,
        _fixed(S.PAID),
        guards=(SETTLES, LATE_REOPENS),
        effects=(WRITE_BACK_IF_PAID, OVERPAYMENT, CANCELLED_NOTICE),
    ),
    R(
        "pay-late-notify",
        E.PAYMENT_ASSIGNED,
        _PAST_DEADLINE,
        SAME,
        guards=(SETTLES, LATE_NOTIFIES),
        effects=(LATE_NOTICE,),
        note="assigned, but the merchant decides (COD default)",
    ),
    R(
        "pay-overdue-partial",
        E.PAYMENT_ASSIGNED,
        (S.OVERDUE,),
        SAME,
        guards=(NOT_SETTLES,),
        effects=(INFO_PARTIAL,),
        note="the remainder stays overdue",
    ),
    R(
        "pay-cancelled-partial",
        E.PAYMENT_ASSIGNED,
        (S.CANCELLED,),
        SAME,
        guards=(NOT_SETTLES,),
        effects=(_notify(MerchantNotice.PAYMENT_FOR_CANCELLED_ORDER),),
    ),
    R(
        "pay-collection-settles",
        E.PAYMENT_ASSIGNED,
        (S.COLLECTION,),
        _fixed(S.PAID),
        guards=(SETTLES,),
        effects=(
            WRITE_BACK_IF_PAID,
            OVERPAYMENT,
            _notify(MerchantNotice.PAYMENT_DURING_COLLECTION),
        ),
    ),
    R(
        "pay-collection-partial",
        E.PAYMENT_ASSIGNED,
        (S.COLLECTION,),
        SAME,
        guards=(NOT_SETTLES,),
        effects=(_notify(MerchantNotice.PAYMENT_DURING_COLLECTION),),
    ),
    R(
        "pay-removed",
        E.PAYMENT_ASSIGNED,
        _OUT,
        SAME,
        effects=(_notify(MerchantNotice.PAYMENT_FOR_REMOVED_ORDER),),
        note="assigned, never written back",
    ),
    R(
        "pay-refunded",
        E.PAYMENT_ASSIGNED,
        _REFUNDS,
        REFUND_BALANCE,
        effects=(_notify(MerchantNotice.PAYMENT_FOR_REFUNDED_ORDER),),
        money=+1,
        note="the merchant decides what it is for; nothing is written back",
    ),
    R(
        "unpay",
        E.PAYMENT_UNASSIGNED,
        (S.PARTIALLY_PAID, S.PAID),
        BALANCE,
        money=-1,
        effects=(PAID_REVOKED,),
    ),
    R("unpay-refunded", E.PAYMENT_UNASSIGNED, _REFUNDS, REFUND_BALANCE, money=-1),
    R(
        "unpay-keep",
        E.PAYMENT_UNASSIGNED,
        (*_PAST_DEADLINE, S.COLLECTION, *_OUT),
        SAME,
    ),
    # -- changes at the source
    R(
        "amount",
        E.AMOUNT_CHANGED,
        (S.OPEN, S.PARTIALLY_PAID, S.PAID),
        BALANCE,
        effects=(WRITE_BACK_IF_PAID, OVERPAYMENT, INFO_AMOUNT),
        note="a paid order whose amount rises becomes partially paid",
    ),
    R(
        "amount-late-reopen",
        E.AMOUNT_CHANGED,
        _PAST_DEADLINE,
        _fixed(S.PAID),
        guards=(SETTLES, LATE_REOPENS),
        effects=(WRITE_BACK_IF_PAID, OVERPAYMENT),
    ),
    R(
        "amount-overdue",
        E.AMOUNT_CHANGED,
        (S.OVERDUE,),
        SAME,
        guards=(NOT_SETTLES_AND_REOPENS,),
        effects=(INFO_AMOUNT,),
    ),
    R(
        "amount-cancelled",
        E.AMOUNT_CHANGED,
        (S.CANCELLED,),
        SAME,
        guards=(NOT_SETTLES_AND_REOPENS,),
    ),
    R(
        "amount-collection-settles",
        E.AMOUNT_CHANGED,
        (S.COLLECTION,),
        _fixed(S.PAID),
        guards=(SETTLES,),
        effects=(WRITE_BACK_IF_PAID, OVERPAYMENT, COLLECTION_AMOUNT_NOTICE),
    ),
    R(
        "amount-collection",
        E.AMOUNT_CHANGED,
        (S.COLLECTION,),
        SAME,
        guards=(NOT_SETTLES,),
        effects=(COLLECTION_AMOUNT_NOTICE,),
    ),
    R("amount-refunded", E.AMOUNT_CHANGED, _REFUNDS, REFUND_BALANCE),
    R(
        "amount-content",
        E.AMOUNT_CHANGED,
        (S.NOT_MANAGED, *_OUT),
        SAME,
        note="the amount is recorded; nothing else happens",
    ),
    R("email", E.EMAIL_CHANGED, _DUNNABLE, SAME, effects=(INFO_EMAIL,)),
    R("email-content", E.EMAIL_CHANGED, _others(*_DUNNABLE), SAME),
    R(
        "payment-code",
        E.PAYMENT_CODE_CHANGED,
        _ALL,
        SAME,
        note="deadlines and reminders follow the new code's policy from now on",
    ),
    R("due-date", E.DUE_DATE_CHANGED, _ALL, SAME),
    R(
        "remove",
        E.REMOVED_EXTERNALLY,
        (S.NOT_MANAGED, *_AWAITING, S.OVERDUE, S.NOT_TRACKED),
        _fixed(S.REMOVED_EXTERNALLY),
        note="no more reminders; later payments are not written back",
    ),
    R(
        "remove-ignored",
        E.REMOVED_EXTERNALLY,
        _others(S.NOT_MANAGED, *_AWAITING, S.OVERDUE, S.NOT_TRACKED),
        SAME,
        note="already closed in paymatch (or still owed to collection): leaving the source's "
        "open list is expected",
    ),
    R(
        "untrack",
        E.NOT_TRACKED,
        (S.NOT_MANAGED, *_AWAITING, S.OVERDUE),
        _fixed(S.NOT_TRACKED),
        note="only from a complete open-order list",
    ),
    R("untrack-ignored", E.NOT_TRACKED, _others(S.NOT_MANAGED, *_AWAITING, S.OVERDUE), SAME),
    R(
        "reopen-adopt",
        E.REOPENED_AT_SOURCE,
        _OUT,
        BALANCE,
        guards=(Guard("not managed, and a payment was assigned meanwhile", _paid_unmanaged),),
        effects=(WRITE_BACK_IF_PAID,),
        adopts=True,
        note="the payment adopts it, as for a not-managed order",
    ),
    R(
        "reopen",
        E.REOPENED_AT_SOURCE,
        _OUT,
        RESUME,
        effects=(WRITE_BACK_IF_PAID,),
        note="deadlines apply again at the next tick",
    ),
    R("reopen-ignored", E.REOPENED_AT_SOURCE, _others(*_OUT), SAME),
    # -- time
    R(
        "deadline-cancel",
        E.DEADLINE_REACHED,
        _AWAITING,
        _fixed(S.CANCELLED),
        guards=(Guard("payment code `prepayment`", _is_prepayment),),
        effects=(WRITE_BACK_DEADLINE,),
    ),
    R(
        "deadline-overdue",
        E.DEADLINE_REACHED,
        _AWAITING,
        _fixed(S.OVERDUE),
        guards=(_not(Guard("", _is_prepayment), "payment code `invoice` or `cod`"),),
        effects=(WRITE_BACK_DEADLINE,),
    ),
    R("remind", E.REMINDER_ISSUED, _DUNNABLE, SAME, effects=(REMINDER,)),
    R(
        "collection",
        E.HANDED_TO_COLLECTION,
        _DUNNABLE,
        _fixed(S.COLLECTION),
        effects=(HAND_OVER,),
    ),
    R("collected", E.COLLECTED, (S.COLLECTION,), _fixed(S.PAID), effects=(WRITE_BACK_IF_PAID,)),
    # -- refunds
    R("refund", E.REFUND_BOOKED, (S.PAID, S.PARTIALLY_REFUNDED), REFUND_BALANCE, money=-1),
    R(
        "refund-keep",
        E.REFUND_BOOKED,
        (*_PAST_DEADLINE, *_OUT),
        SAME,
        note="e.g. returning a payment for a cancelled or removed order",
    ),
    # -- a person's decisions
    R(
        "set-paid-adopt",
        E.MANUAL_SET_PAID,
        (S.NOT_MANAGED,),
        _fixed(S.PAID),
        effects=(WRITE_BACK_IF_PAID,),
        adopts=True,
    ),
    R(
        "set-paid",
        E.MANUAL_SET_PAID,
        (*_DUNNABLE, S.CANCELLED, S.COLLECTION),
        _fixed(S.PAID),
        effects=(WRITE_BACK_IF_PAID,),
    ),
    R(
        "set-unpaid",
        E.MANUAL_SET_UNPAID,
        (S.PAID,),
        BALANCE,
        effects=(PAID_REVOKED,),
        money=-1,
    ),
    R(
        "cancel",
        E.MANUAL_CANCEL,
        (*_DUNNABLE, S.COLLECTION),
        _fixed(S.CANCELLED),
        effects=(WRITE_BACK_CANCELLED,),
    ),
)

_RULES: Final[dict[tuple[EventKind, OrderState | None], tuple[TransitionRule, ...]]] = {}
for _rule in TRANSITIONS:
    for _state in _rule.sources:
        _key = (_rule.event, _state)
        _RULES[_key] = (*_RULES.get(_key, ()), _rule)
if len({rule.name for rule in TRANSITIONS}) != len(TRANSITIONS):  # pragma: no cover
    raise RuntimeError("transition rule names must be unique")

# ------------------------------------------------------------------------- recording the data


def _record(before: OrderSnapshot, event: Event) -> OrderSnapshot:
    """``before`` with the event's data (not the state) applied; preconditions hold."""
    update: dict[str, object] = {}
    if isinstance(event, PaymentAssigned):
        update["payments"] = _add_share(before, event.posting_id, event.amount)
    elif isinstance(event, PaymentUnassigned):
        update["payments"] = _add_share(before, event.posting_id, -event.amount)
    elif isinstance(event, AmountChanged):
        update["amount"] = event.amount
    elif isinstance(event, PaymentCodeChanged):
        update["payment_code"] = event.payment_code
    elif isinstance(event, DueDateChanged):
        update["due_date"] = event.due_date
    elif isinstance(event, ReminderIssued):
        update["dunning_level"] = event.level
        update["last_reminder_at"] = event.at
    elif isinstance(event, RefundBooked):
        update["refunded"] = before.refunded + event.amount
    elif isinstance(event, ManualSetPaid | Collected):
        # Declared received: enough to cover the amount after the refunds already made.
        update["settled_amount"] = max(before.amount, Decimal(0)) + before.refunded
        update["settlement"] = (
            Settlement.MANUAL if isinstance(event, ManualSetPaid) else Settlement.COLLECTION
        )
    elif isinstance(event, ManualSetUnpaid):
        update["settled_amount"] = _zero_in(before.currency)
        update["settlement"] = None
    return before.model_copy(update=update) if update else before


def _add_share(before: OrderSnapshot, posting_id: str, amount: Decimal) -> tuple[PostingShare, ...]:
    """The payments with ``amount`` added to (or, negative, taken from) ``posting_id``'s share;
    a share that reaches zero is dropped."""
    total = before.share(posting_id) + amount
    shares = [share for share in before.payments if share.posting_id != posting_id]
    if total:
        shares.append(PostingShare(posting_id=posting_id, amount=total))
    return tuple(shares)


# -------------------------------------------------------------------------------- the machine


def register(event: OrderRegistered, policy: LifecyclePolicy) -> Outcome:
    """The first snapshot of an order, and what follows from its arrival."""
    managed = not _existed_before_connection(event)
    facts = OrderSnapshot(
        state=S.OPEN if managed else S.NOT_MANAGED,
        managed=managed,
        payment_code=event.payment_code,
        currency=event.currency,
        amount=event.amount,
        created_at=event.created_at,
        due_date=event.due_date,
    )
    return _fire(facts, facts, event, policy, state=NEW)


def apply(snapshot: OrderSnapshot, event: Event, policy: LifecyclePolicy) -> Outcome:
    """The next snapshot and the effects of ``event``; :class:`IllegalTransition` if the table
    does not allow it (the snapshot is immutable: nothing changes)."""
    if isinstance(event, OrderRegistered):
        raise IllegalTransition(
            snapshot.state.value, event.kind, ("the order is already registered",)
        )
    kind = EventKind(event.kind)
    check = Step(snapshot, snapshot, event, policy)
    failed = tuple(
        f"needs: {guard.text}" for guard in PRECONDITIONS.get(kind, ()) if not guard.check(check)
    )
    if failed:
        raise IllegalTransition(snapshot.state.value, kind.value, failed)
    return _fire(snapshot, _record(snapshot, event), event, policy, state=snapshot.state)


def _fire(
    before: OrderSnapshot,
    facts: OrderSnapshot,
    event: Event,
    policy: LifecyclePolicy,
    *,
    state: OrderState | None,
) -> Outcome:
    kind = EventKind(event.kind)
    rules = _RULES.get((kind, state), ())
    if not rules:
        allowed = sorted({s.value for r in TRANSITIONS if r.event is kind for s in r.sources if s})
        raise IllegalTransition(
            None if state is None else state.value,
            kind.value,
            (f"allowed only in: {', '.join(allowed)}",),
        )
    reasons = []
    for rule in rules:
        rule_facts = facts
        if rule.adopts:
            rule_facts = facts.model_copy(update={"managed": True, "adopted_at": event.at})
        step = Step(before, rule_facts, event, policy)
        failed = [guard.text for guard in rule.guards if not guard.check(step)]
        if failed:
            reasons.append(f"rule {rule.name!r} needs: {'; '.join(failed)}")
            continue
        after = rule_facts.model_copy(update={"state": rule.target.resolve(step)})
        effects = tuple(effect for r in rule.effects for effect in r.build(step, after))
        written = [effect.status for effect in effects if isinstance(effect, WriteBack)]
        if written:
            after = after.model_copy(update={"reported": written[-1]})
        return Outcome(after, effects, rule.name)
    # Unreachable while every guarded row has its complement for the same event and state (they
    # do today); kept so that a row added without one fails loudly instead of silently.
    raise IllegalTransition(None if state is None else state.value, kind.value, tuple(reasons))
