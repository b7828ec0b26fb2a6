"""Keeping Python's cyclic garbage collector off the long-lived match index.

A match index over a million open orders is tens of millions of objects that live as long as
the index and form no cyclic garbage. Every full collection walks all of them: about two seconds
per 200,000 orders, several times during one large import. Objects moved into the collector's
permanent generation (``gc.freeze()``) are not walked; reference counting still frees them.
"""

from __future__ import annotations

import gc


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
