"""When and how long to wait before trying a failed request again."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter.

    A request is tried at most ``max_attempts`` times, and the waits between its tries add up to
    at most ``budget`` seconds. Without a hint from the server the wait before try ``n + 1`` is
    drawn uniformly from ``[0, min(max_delay, base * 2**(n - 1))]`` (full jitter, so that many
    clients do not retry in lockstep). A ``Retry-After`` the server sends is honoured as given.
    """

    max_attempts: int = 5
    base: float = 0.5
    max_delay: float = 30.0
    budget: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base <= 0 or self.max_delay <= 0 or self.budget <= 0:
            raise ValueError("base, max_delay and budget must be positive")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after the failed try number ``attempt`` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.max_delay, self.base * 2 ** (attempt - 1))
        return rng.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds; ``None`` if absent or unreadable.

    The header is either a number of seconds or an HTTP date (RFC 9110, section 10.2.3).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now or datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())
