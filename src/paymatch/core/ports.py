"""What the reconciler needs from the matcher and from the order lifecycle.

The reconciler codes against these two narrow protocols; :func:`default_matcher` and
:func:`default_lifecycle` plug in paymatch's own implementations (``paymatch.core.matcher`` and
``paymatch.core.lifecycle``). The lifecycle owns every state rule; the reconciler only feeds it
events and persists what it returns: the new snapshot and the *effects* (write the paid status
back, notify someone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import attrs

from paymatch.core.models import Decision, Order, PaymentCode, Posting


class MatchIndexPort(Protocol):
    def match(self, posting: Posting) -> Decision: ...
    def add(self, order: Order) -> None: ...
    def update(self, order: Order) -> None: ...
    def remove(self, order_id: str) -> None: ...


class MatcherPort(Protocol):
    def index(
        self, orders: Iterable[Order], *, history: Mapping[str, Iterable[str]] | None = None
    ) -> MatchIndexPort: ...


@attrs.frozen
class OrderFacts:
    """What the lifecycle is told about an order when it is created or re-evaluated."""

    amount: Decimal
    currency: str
    payment_code: PaymentCode | None
    created_at: datetime | None
    due_date: Any = None
    source: str = "default"


@attrs.frozen
class Effect:
    """Something the outside world must learn, persisted into the outbox by the reconciler.

    ``kind`` is ``write_back`` (``target`` = ``paid`` or ``cancelled``) or ``notify``
    (``notification`` = its kind, e.g. ``payment_information``, ``amount_changed``,
    ``payment_for_removed_order``; ``recipient`` = ``customer`` or ``merchant``).
    """

    kind: str
    target: str | None = None
    notification: str | None = None
    recipient: str | None = None
    data: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Step:
    """The result of one lifecycle event: the new snapshot (JSON-safe) and its effects."""

    snapshot: Mapping[str, Any]
    state: str
    dunning_level: int
    effects: Sequence[Effect] = ()
    next_due_at: datetime | None = None
    """When a time-based event is next due (``None``: never by time alone)."""
    rule: str | None = None
    """The lifecycle rule that fired (kept in the order's history as the explanation)."""


class LifecyclePort(Protocol):
    """The order lifecycle as the reconciler drives it.

    Events the reconciler sends (``details`` in brackets): ``payment_assigned`` (amount, paid),
    ``payment_unassigned`` (amount, paid), ``amount_changed`` (amount, previous), ``email_changed``,
    ``removed_externally`` (reason), ``not_tracked``, plus the time-based ones of :meth:`apply_due`.
    An illegal event raises :class:`~paymatch.core.errors.PaymatchError` and changes nothing.
    """

    matchable_states: frozenset[str]
    """States whose orders can still receive a payment (candidates for the matcher)."""
    tracked_states: frozenset[str]
    """States of orders the source should still list as open (for ``not_tracked``)."""

    def create(self, facts: OrderFacts, *, connected_at: datetime | None, now: datetime) -> Step:
        """The first snapshot; orders created before ``connected_at`` start ``not_managed``."""
        ...

    def apply(
        self,
        snapshot: Mapping[str, Any],
        event: str,
        *,
        source: str,
        now: datetime,
        **details: Any,
    ) -> Step: ...

    def apply_due(
        self, snapshot: Mapping[str, Any], *, source: str, now: datetime
    ) -> list[tuple[str, Step]]:
        """Apply every time-based event due at ``now``, in order: ``(event kind, step)`` each."""
        ...
