"""What the reconciler reports and what the store holds, as read-only models for users."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from paymatch.connectors.interfaces import OrderProblem
from paymatch.core.models import Candidate, Decision, Evidence, Order, Posting


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class StoredOrder(_Record):
    source: str
    order_id: str
    order: Order
    """The order as the source last reported it."""
    state: str
    dunning_level: int
    currency: str
    amount: Decimal
    paid: Decimal
    first_seen_at: datetime
    updated_at: datetime
    state_changed_at: datetime

    @property
    def open_amount(self) -> Decimal:
        return max(self.amount - self.paid, Decimal(0))


class StoredPosting(_Record):
    posting: Posting
    status: str
    """pending, assigned, partial, suggested, unmatched, ignored or no_assignment"""
    assigned: Decimal
    reason: str | None = None
    batch_id: int


class StoredAssignment(_Record):
    id: int
    posting_id: str
    source: str
    order_id: str
    currency: str
    amount: Decimal
    method: str
    evidence: list[dict[str, Any]]
    note: str | None
    created_at: datetime
    created_by: str
    unassigned_at: datetime | None
    unassigned_by: str | None
    unassign_reason: str | None

    @property
    def active(self) -> bool:
        return self.unassigned_at is None


class ReviewCandidate(_Record):
    source: str
    order_id: str
    number: str | None
    score: float
    amount: Decimal | None
    evidence: list[dict[str, Any]]


class ReviewItem(_Record):
    id: int
    posting: Posting
    candidates: list[ReviewCandidate]
    reason: str | None
    created_at: datetime


class OrderEvent(_Record):
    at: datetime
    event: str
    state_before: str | None
    state_after: str
    actor: str
    details: dict[str, Any]


class Notification(_Record):
    id: int
    kind: str
    recipient: str
    source: str | None
    order_id: str | None
    posting_id: str | None
    data: dict[str, Any]
    created_at: datetime
    status: str


class ImportReport(_Record):
    batch_id: int | None
    name: str
    new: int = 0
    duplicates: int = 0
    assigned: int = 0
    partial: int = 0
    suggested: int = 0
    unmatched: int = 0
    ignored: int = 0
    no_assignment: int = 0
    decisions: list[Decision] = Field(default_factory=list)


class SyncReport(_Record):
    source: str
    mode: str
    """connect, push, removal, new, poll or full"""
    new: int = 0
    not_managed: int = 0
    changed: int = 0
    unchanged: int = 0
    closed_skipped: int = 0
    unmanaged_skipped: int = 0
    removed: int = 0
    not_tracked: int = 0
    problems: list[OrderProblem] = Field(default_factory=list)
    error: str | None = None


class TickReport(_Record):
    at: datetime
    syncs: list[SyncReport] = Field(default_factory=list)
    matched: int = 0
    due_events: int = 0
    outbox: dict[str, int] = Field(default_factory=dict)
    """Outcome -> count of the outbox work done in this tick."""


class MatchSummary(_Record):
    postings: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    decisions: list[Decision] = Field(default_factory=list)


def candidate_view(
    candidate: Candidate, source: str, order_id: str, number: str | None
) -> ReviewCandidate:
    return ReviewCandidate(
        source=source,
        order_id=order_id,
        number=number,
        score=candidate.score,
        amount=candidate.amount,
        evidence=evidence_json(candidate.evidence),
    )


_EVIDENCE: TypeAdapter[list[Evidence]] = TypeAdapter(list[Evidence])


def evidence_json(evidence: Iterable[Evidence]) -> list[dict[str, Any]]:
    """A candidate's evidence as JSON-safe dicts (one call for all: kept with every decision)."""
    found: list[dict[str, Any]] = _EVIDENCE.dump_python(list(evidence), mode="json")
    return found


__all__ = [
    "ImportReport",
    "MatchSummary",
    "Notification",
    "OrderEvent",
    "ReviewCandidate",
    "ReviewItem",
    "StoredAssignment",
    "StoredOrder",
    "StoredPosting",
    "SyncReport",
    "TickReport",
]
