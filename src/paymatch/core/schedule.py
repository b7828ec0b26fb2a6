"""What time alone makes happen to an order: deadlines, reminders, hand-over to collection.

Pure functions of a snapshot, a policy and a given ``now`` (never the clock):

- :func:`due_events` lists the time-based events due at ``now``, in the order to apply them.
  Applying them all and asking again at the same ``now`` yields nothing (idempotent), so the
  reconciler's ``tick(now)`` can simply apply what it gets, as often as it likes.
- :func:`next_due_at` is the earliest ``now`` at which :func:`due_events` is not empty, for an
  index that lets ``tick`` skip every order with nothing due.

Schedules count from the policy's reference date (order date, or invoice/due date), but never
from before a not-managed order was adopted. Deadlines come first: an order cancelled by its
deadline gets no reminder on the same tick. One reminder per tick at most; the next one is due
``interval_days`` after the one actually issued, so a worker that was down does not send a burst.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Final

from paymatch.core.errors import InputError
from paymatch.core.events import DeadlineReached, Event, HandedToCollection, ReminderIssued
from paymatch.core.lifecycle import OrderSnapshot, apply
from paymatch.core.policy import (
    CollectionMode,
    LifecyclePolicy,
    PaymentCodePolicy,
    ReferenceDate,
)
from paymatch.core.states import OrderState

_AWAITING: Final = frozenset({OrderState.OPEN, OrderState.PARTIALLY_PAID})
_DUNNABLE: Final = frozenset({OrderState.OPEN, OrderState.PARTIALLY_PAID, OrderState.OVERDUE})
_MAX_STEPS: Final = 8  # deadline, reminder and collection: a handful per tick at most


def schedule_start(snapshot: OrderSnapshot, policy: PaymentCodePolicy) -> datetime:
    """What the deadline and the first reminder count from."""
    start = snapshot.created_at
    if policy.reference is ReferenceDate.DUE_DATE and snapshot.due_date is not None:
        start = datetime.combine(snapshot.due_date, time(0), tzinfo=snapshot.created_at.tzinfo)
    if snapshot.adopted_at is not None and snapshot.adopted_at > start:
        start = snapshot.adopted_at
    return start


def deadline_at(snapshot: OrderSnapshot, policy: LifecyclePolicy) -> datetime | None:
    """When the order is cancelled (prepayment) or becomes overdue (invoice, COD); ``None`` if
    that cannot happen in its state or under its policy."""
    code = policy.for_code(snapshot.payment_code)
    if snapshot.state not in _AWAITING or code.deadline_days is None:
        return None
    return schedule_start(snapshot, code) + timedelta(days=code.deadline_days)


def next_reminder_at(snapshot: OrderSnapshot, policy: LifecyclePolicy) -> datetime | None:
    """When the next reminder is due; ``None`` if none will be."""
    code = policy.for_code(snapshot.payment_code)
    reminders = code.reminders
    if (
        snapshot.state not in _DUNNABLE
        or not reminders.enabled
        or snapshot.dunning_level >= reminders.levels
        or snapshot.is_settled(policy)
    ):
        return None
    if snapshot.last_reminder_at is None:
        return schedule_start(snapshot, code) + timedelta(days=reminders.first_after_days)
    return snapshot.last_reminder_at + timedelta(days=reminders.interval_days)


def collection_at(snapshot: OrderSnapshot, policy: LifecyclePolicy) -> datetime | None:
    """When the order is handed to collection automatically; ``None`` if it will not be."""
    code = policy.for_code(snapshot.payment_code)
    if (
        snapshot.state not in _DUNNABLE
        or code.collection.mode is not CollectionMode.AUTO
        or not code.reminders.enabled
        or snapshot.dunning_level < code.reminders.levels
        or snapshot.last_reminder_at is None
        or snapshot.is_settled(policy)
    ):
        return None
    return snapshot.last_reminder_at + timedelta(days=code.collection.after_days)


Timer = Callable[[OrderSnapshot, LifecyclePolicy], datetime | None]
MakeEvent = Callable[[OrderSnapshot, datetime], Event]

# In priority order: of the events due at the same ``now``, the first one is applied first.
_TIMERS: Final[tuple[tuple[Timer, MakeEvent], ...]] = (
    (deadline_at, lambda _snapshot, now: DeadlineReached(at=now)),
    (
        next_reminder_at,
        lambda snapshot, now: ReminderIssued(at=now, level=snapshot.dunning_level + 1),
    ),
    (collection_at, lambda _snapshot, now: HandedToCollection(at=now)),
)


def next_due_at(snapshot: OrderSnapshot, policy: LifecyclePolicy) -> datetime | None:
    """The earliest ``now`` at which :func:`due_events` is not empty; ``None``: never by time.

    Recompute it after every event and whenever the policy changes.
    """
    times = [when for timer, _ in _TIMERS if (when := timer(snapshot, policy)) is not None]
    return min(times, default=None)


def due_events(
    snapshot: OrderSnapshot, policy: LifecyclePolicy, now: datetime
) -> tuple[Event, ...]:
    """The time-based events due at ``now``, to be applied in this order with
    :func:`paymatch.core.lifecycle.apply`. Every event's ``at`` is ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InputError("now must be a timezone-aware datetime", where="due_events")
    events: list[Event] = []
    for _ in range(_MAX_STEPS):
        event = _first_due(snapshot, policy, now)
        if event is None:
            return tuple(events)
        events.append(event)
        snapshot = apply(snapshot, event, policy).snapshot
    raise RuntimeError("due_events did not settle")  # pragma: no cover - each timer ends itself


def _first_due(snapshot: OrderSnapshot, policy: LifecyclePolicy, now: datetime) -> Event | None:
    for timer, make_event in _TIMERS:
        when = timer(snapshot, policy)
        if when is not None and when <= now:
            return make_event(snapshot, now)
    return None
