"""The order lifecycle (``paymatch.core.lifecycle``) behind the reconciler's LifecyclePort.

The lifecycle is pure: snapshot + event + policy -> new snapshot + effects. This adapter turns the
reconciler's event names and details into the lifecycle's event models, keeps snapshots as JSON
for the store, picks each source's policy, and turns the lifecycle's effects into the outbox
entries the reconciler persists.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from paymatch.core import events, lifecycle, schedule, states  # type: ignore[attr-defined, unused-ignore]
from paymatch.core import policy as policies  # type: ignore[attr-defined, unused-ignore]
from paymatch.core.errors import InputError
from paymatch.core.ports import Effect, JsonDocument, OrderFacts, Step

# The order lifecycle is developed beside the store; until it is installed, importing this module
# fails (the Reconciler then says that no lifecycle is available) and mypy sees Any above.

S = states.OrderState


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _effect(effect: Any) -> Effect:
    data = events.dump_effect(effect)
    if isinstance(effect, events.WriteBack):
        return Effect("write_back", target=effect.status.value, data=data)
    if isinstance(effect, events.SendPaymentInformation):
        return Effect("notify", notification="payment_information", recipient="customer", data=data)
    if isinstance(effect, events.SendReminder):
        return Effect("notify", notification="reminder", recipient="customer", data=data)
    if isinstance(effect, events.NotifyMerchant):
        return Effect("notify", notification=effect.notice.value, recipient="merchant", data=data)
    if isinstance(effect, events.HandOverToCollection):
        return Effect(
            "notify", notification="hand_over_to_collection", recipient="merchant", data=data
        )
    return Effect(
        "notify",
        notification=str(data.get("kind", "notice")),  # pragma: no cover
        recipient="customer" if effect.to_customer else "merchant",
        data=data,
    )


def _snapshot(document: Mapping[str, Any]) -> Any:
    """The lifecycle snapshot of a stored document, validated (from its text where it has one:
    pydantic-core parses and validates in one pass)."""
    if isinstance(document, JsonDocument):
        return lifecycle.OrderSnapshot.model_validate_json(document.text)
    return lifecycle.OrderSnapshot.model_validate(document)


_PAYMENT_EVENTS: dict[str, Any] = {
    "payment_assigned": events.PaymentAssigned,
    "payment_unassigned": events.PaymentUnassigned,
}


def _event(before: Any, event: str, now: datetime, details: Mapping[str, Any]) -> Any:
    """The lifecycle event for the reconciler's event name and details."""
    payment = _PAYMENT_EVENTS.get(event)
    if payment is not None:
        # Built directly: one per assigned posting, and a third of the cost of reading the
        # same event back from its JSON form (the validation is the same).
        fields = {
            "at": _aware(now),
            "currency": before.currency,
            "amount": details["amount"],
            "posting_id": details["posting_id"],
        }
        if "method" in details:
            fields["method"] = details["method"]
        try:
            return payment(**fields)
        except ValidationError as error:
            raise InputError(events.first_error(error), where="lifecycle event") from None
    data: dict[str, Any] = {"kind": event, "at": _aware(now).isoformat()}
    if event == "amount_changed":
        data.update(currency=before.currency, amount=str(details["amount"]))
    elif event == "due_date_changed":
        due = details.get("due_date")
        data["due_date"] = due.isoformat() if due is not None else None
    elif event == "payment_code_changed":
        data["payment_code"] = str(details["payment_code"])
    elif event == "removed_externally":
        data["reason"] = details.get("reason", "deleted")
    return events.load_event(data)


class StoreLifecycle:
    """paymatch's lifecycle as the reconciler drives it (see ``paymatch.core.ports``)."""

    matchable_states = frozenset(
        {
            S.NOT_MANAGED,
            S.OPEN,
            S.PARTIALLY_PAID,
            S.OVERDUE,
            S.CANCELLED,
            S.COLLECTION,
            S.REMOVED_EXTERNALLY,
            S.NOT_TRACKED,
        }
    )
    """Every state that still owes money; a payment for a removed or cancelled order is
    assigned (and the merchant told), never written back."""
    tracked_states = frozenset({S.NOT_MANAGED, S.OPEN, S.PARTIALLY_PAID, S.OVERDUE})

    def __init__(self, policy: Any = None) -> None:
        """``policy``: a ``PolicyConfig`` or the ``[policy]`` table (defaults when empty)."""
        self.policies = (
            policy
            if isinstance(policy, policies.PolicyConfig)
            else policies.PolicyConfig.from_table(policy or {})
        )

    def _rules(self, source: str) -> Any:
        return self.policies.for_source(source)

    def _step(self, outcome: Any, rules: Any) -> Step:
        snapshot = outcome.snapshot
        return Step(
            # its JSON text straight from pydantic-core; the store writes it as it is
            snapshot=JsonDocument(snapshot.model_dump_json()),
            state=snapshot.state.value,
            dunning_level=snapshot.dunning_level,
            effects=tuple(_effect(e) for e in outcome.effects),
            next_due_at=schedule.next_due_at(snapshot, rules),
            rule=outcome.rule,
        )

    def create(self, facts: OrderFacts, *, connected_at: datetime | None, now: datetime) -> Step:
        if facts.payment_code is None:
            raise ValueError("an order without a payment code is not managed")
        rules = self._rules(facts.source)
        event = events.OrderRegistered(
            at=_aware(now),
            payment_code=facts.payment_code,
            currency=facts.currency,
            amount=facts.amount,
            created_at=_aware(facts.created_at or now),
            due_date=facts.due_date,
            connected_at=_aware(connected_at) if connected_at else None,
        )
        return self._step(lifecycle.register(event, rules), rules)

    def apply(
        self,
        snapshot: Mapping[str, Any],
        event: str,
        *,
        source: str,
        now: datetime,
        **details: Any,
    ) -> Step:
        before = _snapshot(snapshot)
        rules = self._rules(source)
        return self._step(
            lifecycle.apply(before, _event(before, event, now, details), rules), rules
        )

    def apply_due(
        self, snapshot: Mapping[str, Any], *, source: str, now: datetime
    ) -> list[tuple[str, Step]]:
        rules = self._rules(source)
        current = _snapshot(snapshot)
        steps: list[tuple[str, Step]] = []
        for event in schedule.due_events(current, rules, _aware(now)):
            outcome = lifecycle.apply(current, event, rules)
            steps.append((str(event.kind), self._step(outcome, rules)))
            current = outcome.snapshot
        return steps
