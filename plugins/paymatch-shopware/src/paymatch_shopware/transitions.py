"""Choosing the next order-transaction transition towards a target state.

Shopware's transition table differs between releases and can be extended by plugins (``paid``
is not allowed from ``reminded`` or ``paid_partially`` on a default install; older releases kept
the legacy ``pay`` action there). So the connector never hard-codes an action: it reads the
transitions allowed from the current state and picks one:

1. one that leads to the target state directly, preferring the action named like the target;
2. otherwise, when paying, one that leads to a neutral waiting state (``open``, then
   ``in_progress``) not visited yet, from which the target is usually one step away.

The caller re-reads the allowed transitions after each step and gives up after a few steps.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from paymatch_shopware.client import Transition

BRIDGE_STATES: tuple[str, ...] = ("open", "in_progress")
"""Waiting states a payment may pass through on its way to ``paid`` (in order of preference)."""

MAX_STEPS = 3


def next_transition(
    available: Sequence[Transition],
    target: str,
    *,
    visited: Collection[str] = (),
    allow_bridge: bool = True,
) -> Transition | None:
    """The transition to take next towards ``target``, or ``None`` if there is none."""
    direct = [t for t in available if t.to_state == target]
    if direct:
        return min(direct, key=lambda t: (t.action != target, t.action))
    if not allow_bridge:
        return None
    for state in BRIDGE_STATES:
        if state in visited:
            continue
        bridges = [t for t in available if t.to_state == state != t.from_state]
        if bridges:
            return min(bridges, key=lambda t: t.action)
    return None
