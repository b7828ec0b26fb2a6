"""Keeping Python's cyclic garbage collector off the long-lived match index: paused while an
index is built, held back while a batch is decided, and the heap frozen while the Reconciler
matches.

A match index over a million open orders is tens of millions of objects that live as long as
the index and form no cyclic garbage. Every full collection walks all of them: about two seconds
per 200,000 orders, several times during one large import. Objects moved into the collector's
permanent generation (``gc.freeze()``) are not walked; reference counting still frees them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


class HeapFreeze:
    """Freezes the heap (the index and everything else alive) for the length of one job.

    ``hold()`` may be called several times (after each index built, before each chunk of work:
    what the job added to the index since is frozen too); ``release()``
    ends the job and puts every frozen object back into the oldest generation, where garbage
    among it is collected as usual. Cyclic garbage alive when frozen waits until then, so the
    cost of a job is bounded memory, not a leak. Does nothing when the host process keeps frozen
    objects of its own (``gc.freeze()`` before forking workers): those must stay frozen.
    """

    __slots__ = ("_holding",)

    def __init__(self) -> None:
        self._holding = False

    def hold(self) -> None:
        if self._holding or gc.get_freeze_count() == 0:
            gc.freeze()
            self._holding = True

    def release(self) -> None:
        if self._holding:
            self._holding = False
            gc.unfreeze()

    @property
    def holding(self) -> bool:
        return self._holding


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an index is built in bulk.

    Building creates millions of long-lived objects and almost no cyclic garbage; every full
    collection on the way walks all of them again (half of the build time at 10^6 orders). The
    collector's state is restored afterwards, also on an error; it is process-wide, so other
    threads' cyclic garbage waits for the end of the build too (reference counting still frees
    everything else at once).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        promote_to_oldest()
        gc.enable()


def promote_to_oldest() -> None:
    """Move every object the collector tracks into its oldest generation, without a walk.

    The objects an index build creates live as long as the index, but with the collector paused
    they all wait in the youngest generation: the first young collections after the build would
    walk them all two or three times (about a quarter of the matching time at 10^5 orders).
    ``gc.freeze()`` then ``gc.unfreeze()`` puts them straight into the oldest generation (both
    are O(1)); skipped when the caller keeps frozen objects of its own, which must stay frozen.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


_NO_FULL_PASS = 1_000_000_000
"""A threshold for the oldest generation that a batch never reaches (CPython counts young
collections towards it, one per tenth young collection of the middle generation)."""


@contextmanager
def full_collections_deferred() -> Iterator[None]:
    """Hold back the collector's full passes (its oldest generation) while a batch is decided.

    The first full pass after an index build walks the whole index (7 s of CPU measured at 10^6
    orders, an eighth of deciding 100,000 postings one by one) and it comes early: CPython
    decides on a full pass by comparing what reached the oldest generation since the last full
    pass with the size that generation had *then*, before the index existed. During a batch,
    young collections still run and free short-lived cyclic garbage; only cyclic garbage that
    outlives two of them waits for the end of the batch, and a batch makes little of that (its
    own state lives until its end anyway). The thresholds are restored afterwards, also on an
    error; the collector is process-wide, so other threads' full passes wait for the batch too.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(threshold[0], threshold[1], max(threshold[2], _NO_FULL_PASS))
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
