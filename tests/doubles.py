"""Small stand-ins for the matcher and the lifecycle, for reconciler tests only.

They follow the announced contracts closely enough to drive the reconciler; the real matcher and
lifecycle have their own test suites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from paymatch.core.errors import PaymatchError
from paymatch.core.models import (
    AssignedAmount,
    Candidate,
    Decision,
    DecisionKind,
    Evidence,
    EvidenceKind,
    Order,
    Posting,
)
from paymatch.core.ports import Effect, OrderFacts, Step


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class FakeIndex:
    """Assigns when exactly one open order's number appears in the remittance."""

    def __init__(self, orders: Iterable[Order]) -> None:
        self.orders: dict[str, Order] = {}
        self.by_number: dict[str, set[str]] = {}
        for order in orders:
            self.add(order)

    def add(self, order: Order) -> None:
        self.remove(order.id)
        self.orders[order.id] = order
        self.by_number.setdefault(order.number or "", set()).add(order.id)

    def update(self, order: Order) -> None:
        self.add(order)

    def remove(self, order_id: str) -> None:
        old = self.orders.pop(order_id, None)
        if old is not None:
            self.by_number.get(old.number or "", set()).discard(order_id)

    def match(self, posting: Posting) -> Decision:
        if "IGNORE" in posting.remittance.upper():
            return Decision(
                posting_id=posting.id, decision=DecisionKind.IGNORED, reason="ignore rule"
            )
        if posting.amount <= 0:
            return Decision(posting_id=posting.id, decision=DecisionKind.UNMATCHED, reason="debit")
        words = set(re.findall(r"[A-Za-z0-9-]+", posting.remittance))
        ids = set().union(*(self.by_number.get(word, set()) for word in words))
        hits = sorted(
            (
                o
                for o in (self.orders[i] for i in ids)
                if o.currency == posting.currency and o.due_amount > 0
            ),
            key=lambda o: o.id,
        )
        candidates = tuple(
            Candidate(
                order_id=o.id,
                score=0.9,
                amount=min(o.due_amount, posting.amount),
                evidence=(
                    Evidence(
                        kind=EvidenceKind.REFERENCE,
                        weight=0.9,
                        text=f"order number {o.number} in remittance",
                    ),
                ),
            )
            for o in hits
        )
        if len(hits) == 1:
            order = hits[0]
            amount = min(order.due_amount, posting.amount)
            self.orders[order.id] = order.model_copy(
                update={"open_amount": order.due_amount - amount}
            )
            return Decision(
                posting_id=posting.id,
                decision=DecisionKind.ASSIGNED,
                assignments=(AssignedAmount(order_id=order.id, amount=amount),),
                candidates=candidates,
                reason="reference",
            )
        if hits:
            return Decision(
                posting_id=posting.id,
                decision=DecisionKind.SUGGESTED,
                candidates=candidates,
                reason="several orders",
            )
        return Decision(
            posting_id=posting.id, decision=DecisionKind.UNMATCHED, reason="no candidate"
        )


class FakeMatcher:
    def __init__(self) -> None:
        self.builds = 0

    def index(
        self, orders: Iterable[Order], *, history: Mapping[str, Iterable[str]] | None = None
    ) -> FakeIndex:
        self.builds += 1
        return FakeIndex(orders)


OPENISH = {"open", "partially_paid", "overdue"}


class FakeLifecycle:
    """A deliberately small lifecycle with the effects the reconciler must persist."""

    matchable_states = frozenset(
        {"not_managed", "open", "partially_paid", "overdue", "removed_externally"}
    )
    tracked_states = frozenset({"not_managed", "open", "partially_paid", "overdue"})
    overdue_after = timedelta(days=14)

    def _step(self, snap: dict[str, Any], effects: list[Effect]) -> Step:
        due = None
        if snap["state"] in ("open", "partially_paid") and snap["managed"]:
            due = datetime.fromisoformat(snap["created_at"]) + self.overdue_after
        return Step(
            snapshot=snap, state=snap["state"], dunning_level=0, effects=effects, next_due_at=due
        )

    def create(self, facts: OrderFacts, *, connected_at: datetime | None, now: datetime) -> Step:
        created = _naive(facts.created_at or now)
        managed = connected_at is None or created >= _naive(connected_at)
        snap = {
            "state": "open" if managed else "not_managed",
            "managed": managed,
            "amount": str(facts.amount),
            "paid": "0",
            "currency": facts.currency,
            "created_at": created.replace(tzinfo=None).isoformat(),
        }
        effects = [
            Effect(
                "notify",
                notification="payment_information",
                recipient="customer",
                data={"reason": "new_order"},
            )
        ]
        return self._step(snap, effects if managed else [])

    def _settle(self, snap: dict[str, Any], effects: list[Effect]) -> None:
        paid, amount = Decimal(snap["paid"]), Decimal(snap["amount"])
        if snap["state"] in ("removed_externally", "not_tracked"):
            return
        before = snap["state"]
        snap["state"] = (
            "paid"
            if paid >= amount
            else ("partially_paid" if paid > 0 else ("overdue" if before == "overdue" else "open"))
        )
        if snap["state"] == "paid" and before != "paid":
            effects.append(Effect("write_back", target="paid"))

    def apply(
        self,
        snapshot: Mapping[str, Any],
        event: str,
        *,
        source: str,
        now: datetime,
        **details: Any,
    ) -> Step:
        snap = dict(snapshot)
        effects: list[Effect] = []
        state = snap["state"]
        if event == "payment_assigned":
            snap["paid"] = str(Decimal(snap["paid"]) + Decimal(str(details["amount"])))
            if state == "removed_externally":
                effects.append(
                    Effect("notify", notification="payment_for_removed_order", recipient="merchant")
                )
            else:
                snap["managed"] = True
                self._settle(snap, effects)
        elif event == "payment_unassigned":
            snap["paid"] = str(Decimal(snap["paid"]) - Decimal(str(details["amount"])))
            self._settle(snap, effects)
        elif event == "amount_changed":
            snap["amount"] = str(details["amount"])
            if state in OPENISH | {"paid"}:
                self._settle(snap, effects)
                effects.append(
                    Effect(
                        "notify",
                        notification="payment_information",
                        recipient="customer",
                        data={"reason": "amount_changed"},
                    )
                )
        elif event == "email_changed":
            if snap["managed"] and state in OPENISH:
                effects.append(
                    Effect(
                        "notify",
                        notification="payment_information",
                        recipient="customer",
                        data={"reason": "email_changed"},
                    )
                )
        elif event == "removed_externally":
            if state in ("paid", "removed_externally"):
                raise PaymatchError(f"{event} not allowed in {state}")
            snap["state"] = "removed_externally"
        elif event == "not_tracked":
            if state not in self.tracked_states:
                raise PaymatchError(f"{event} not allowed in {state}")
            snap["state"] = "not_tracked"
        elif event == "reopened_at_source":
            snap["state"] = "open"
            self._settle(snap, effects)
        elif event in ("due_date_changed", "payment_code_changed"):
            pass
        else:
            raise PaymatchError(f"unknown event {event}")
        return self._step(snap, effects)

    def apply_due(
        self, snapshot: Mapping[str, Any], *, source: str, now: datetime
    ) -> list[tuple[str, Step]]:
        step = self._step(dict(snapshot), [])
        moment = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
        if step.next_due_at is None or step.next_due_at > moment:
            return []
        snap = dict(snapshot)
        snap["state"] = "cancelled"  # like an unpaid prepayment order
        result = Step(
            snapshot=snap,
            state="cancelled",
            dunning_level=0,
            effects=[],
            next_due_at=None,
        )
        return [("deadline_reached", result)]
