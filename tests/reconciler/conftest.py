from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from doubles import FakeLifecycle, FakeMatcher
from paymatch.connectors.memory import MemorySource
from paymatch.core.clock import FixedClock
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import config_from_dict
from paymatch.core.store import Store

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _lifecycle() -> Any:
    """paymatch's own lifecycle where it is installed, else the small stand-in."""
    try:
        from paymatch.core.lifecycle_adapter import StoreLifecycle  # noqa: PLC0415
    except ImportError:
        return FakeLifecycle()
    return StoreLifecycle()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def make(store_url: str, clock: FixedClock) -> Iterator[Callable[..., Reconciler]]:
    """Build a reconciler on the test's store with a memory source named ``shop``."""
    opened: list[Reconciler] = []

    def build(
        source: MemorySource | None = None,
        *,
        extra_sources: dict[str, MemorySource] | None = None,
        **config: Any,
    ) -> Reconciler:
        data: dict[str, Any] = {"sources": {"shop": {"connector": "memory"}}}
        data.update(config)
        reconciler = Reconciler(
            Store.open(store_url),
            config=config_from_dict(data),
            sources={"shop": source or MemorySource(), **(extra_sources or {})},
            matcher=FakeMatcher(),
            lifecycle=_lifecycle(),
            clock=clock,
            worker_id="test",
        )
        opened.append(reconciler)
        return reconciler

    yield build
    for reconciler in opened:
        reconciler.close()
