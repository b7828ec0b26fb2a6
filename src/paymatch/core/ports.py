"""What the reconciler needs from the matcher and from the order lifecycle.

The reconciler codes against these two narrow protocols; :func:`default_matcher` and
:func:`default_lifecycle` plug in paymatch's own implementations (``paymatch.core.matcher`` and
``paymatch.core.lifecycle``). The lifecycle owns every state rule; the reconciler only feeds it
events and persists what it returns: the new snapshot and the *effects* (write the paid status
back, notify someone).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


class JsonDocument(Mapping[str, Any]):
    """A JSON object kept as its text, read as a mapping only when someone looks inside.

    The lifecycle's snapshots travel this way: paymatch's lifecycle dumps and validates them
    straight from and to the text, the store writes the text as it is and reads it back as a
    ``JsonDocument``, and nobody builds the dict in between (an import takes one lifecycle step
    per assignment). Any other lifecycle sees a read-only mapping, as before.
    """

    __slots__ = ("_mapping", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._mapping: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        if self._mapping is None:
            loaded = json.loads(self.text)
            if not isinstance(loaded, dict):
                raise ValueError(f"not a JSON object: {self.text[:80]!r}")
            self._mapping = loaded
        return self._mapping

    def __getitem__(self, key: str) -> Any:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return f"JsonDocument({self.text!r})"


@attrs.frozen
class Step:
    """The result of one lifecycle event: the new snapshot (JSON-safe, possibly a
    :class:`JsonDocument`) and its effects."""

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
