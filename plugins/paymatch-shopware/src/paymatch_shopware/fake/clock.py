"""A monotonic clock that moves only when told to, for token lifetimes and backoff in tests."""

from __future__ import annotations


class ManualClock:
    """Call it for the time; ``sleep`` records the wait and moves the clock instead of waiting.

    Hand the same clock to :class:`~paymatch_shopware.fake.FakeShopware` (token expiry) and to
    the connector (``clock=clock, sleep=clock.sleep``).
    """

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
