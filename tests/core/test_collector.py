"""HeapFreeze: the heap frozen for one job, and always thawed; a host's own freeze respected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from paymatch.core.collector import HeapFreeze


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    assert gc.get_freeze_count() == 0, "a test before this one left objects frozen"
    yield
    gc.unfreeze()


def test_hold_freezes_and_release_thaws() -> None:
    heap = HeapFreeze()
    heap.hold()
    assert heap.holding
    assert gc.get_freeze_count() > 0
    heap.hold()  # after a second index build: the new objects are frozen too
    heap.release()
    assert not heap.holding
    assert gc.get_freeze_count() == 0
    heap.release()  # harmless twice


def test_cyclic_garbage_frozen_with_the_heap_is_collected_after_release() -> None:
    class Node:
        pass

    heap = HeapFreeze()
    node = Node()
    node.me = node  # type: ignore[attr-defined]
    alive = weakref.ref(node)
    heap.hold()
    del node
    gc.collect()
    assert alive() is not None  # frozen: the collector leaves it for now
    heap.release()
    gc.collect()
    assert alive() is None  # thawed: collected, not leaked


def test_a_hosts_own_frozen_objects_stay_frozen() -> None:
    gc.freeze()  # e.g. a server that froze its modules before forking workers
    frozen = gc.get_freeze_count()
    heap = HeapFreeze()
    heap.hold()
    heap.release()
    assert not heap.holding
    assert gc.get_freeze_count() == frozen
