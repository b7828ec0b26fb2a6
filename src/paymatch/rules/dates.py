"""Whether the posting's date fits the order: nobody pays an order before it exists, and a
payment long after the order is less likely to be for it."""

from __future__ import annotations

import math
from datetime import date

from pydantic import BaseModel, Field


class DateRules(BaseModel):
    """How the booking date counts."""

    early_slack_days: int = Field(
        1,
        ge=0,
        description="A payment booked up to this many days before the order date is fine "
        "(time zones, banks booking with the value date).",
    )
    before_order_lr: float = Field(
        0.001, gt=0, le=1, description="Likelihood ratio of a payment booked before the order."
    )
    stale_after_days: int = Field(
        180,
        ge=1,
        description="Days after the order (or its due date) from which a payment is "
        "less likely to be for it.",
    )
    stale_lr: float = Field(
        0.3, gt=0, le=1, description="Likelihood ratio of a payment after stale_after_days."
    )


def weigh(
    booking_date: date, ordered: date | None, due: date | None, rules: DateRules
) -> tuple[float, str] | None:
    """log10 likelihood ratio and sentence, or ``None`` when the date is unremarkable."""
    if ordered is None:
        return None
    early = (ordered - booking_date).days
    if early > rules.early_slack_days:
        return (
            math.log10(rules.before_order_lr),
            f"booked {early} days before the order was placed ({ordered.isoformat()})",
        )
    reference = max(ordered, due) if due else ordered
    late = (booking_date - reference).days
    if late > rules.stale_after_days:
        return math.log10(rules.stale_lr), f"booked {late} days after the order or its due date"
    return None
