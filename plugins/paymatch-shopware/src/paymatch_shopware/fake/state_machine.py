"""The ``order_transaction.state`` state machine of a default Shopware 6 install.

From the core migrations up to 6.6 (BasicData, AddPaymentStates, AddOpenToPaidTransition,
ChargebackAndAuthorized, AddTransition, AddUnconfirmedTransactionState). ``pay`` and
``pay_partially`` are legacy actions (constants removed in 6.4) whose rows were never deleted;
``legacy=False`` gives a table without them, as a shop that cleaned them up would have.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

STATE_NAMES: dict[str, str] = {
    "open": "Open",
    "paid": "Paid",
    "paid_partially": "Paid (partially)",
    "refunded": "Refunded",
    "refunded_partially": "Refunded (partially)",
    "cancelled": "Cancelled",
    "reminded": "Reminded",
    "authorized": "Authorized",
    "failed": "Failed",
    "in_progress": "In Progress",
    "chargeback": "Chargeback",
    "unconfirmed": "Unconfirmed",
}

ORDER_STATE_NAMES: dict[str, str] = {
    "open": "Open",
    "in_progress": "In progress",
    "completed": "Done",
    "cancelled": "Cancelled",
}

ACTION_TARGETS: dict[str, str] = {
    "paid": "paid",
    "pay": "paid",
    "paid_partially": "paid_partially",
    "pay_partially": "paid_partially",
    "remind": "reminded",
    "cancel": "cancelled",
    "do_pay": "in_progress",
    "fail": "failed",
    "authorize": "authorized",
    "process_unconfirmed": "unconfirmed",
    "reopen": "open",
    "refund": "refunded",
    "refund_partially": "refunded_partially",
    "chargeback": "chargeback",
}

LEGACY_ACTIONS = frozenset({"pay", "pay_partially"})

ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    "open": (
        "paid",
        "paid_partially",
        "pay",
        "pay_partially",
        "remind",
        "cancel",
        "do_pay",
        "fail",
        "authorize",
        "process_unconfirmed",
    ),
    "reminded": (
        "pay",
        "pay_partially",
        "cancel",
        "reopen",
        "do_pay",
        "authorize",
        "process_unconfirmed",
    ),
    "in_progress": (
        "paid",
        "paid_partially",
        "pay_partially",
        "reopen",
        "fail",
        "cancel",
        "authorize",
    ),
    "failed": (
        "paid",
        "paid_partially",
        "pay",
        "pay_partially",
        "reopen",
        "do_pay",
        "fail",
        "process_unconfirmed",
    ),
    "paid_partially": (
        "pay",
        "remind",
        "refund_partially",
        "refund",
        "cancel",
        "reopen",
        "do_pay",
        "chargeback",
        "process_unconfirmed",
    ),
    "paid": ("refund_partially", "refund", "cancel", "reopen", "chargeback"),
    "refunded_partially": ("refund", "cancel", "reopen"),
    "cancelled": ("reopen", "refund", "refund_partially", "paid", "process_unconfirmed"),
    "authorized": ("paid", "paid_partially", "fail", "cancel"),
    "chargeback": ("paid", "paid_partially", "cancel"),
    "unconfirmed": ("paid", "paid_partially", "fail", "cancel", "authorize", "reopen"),
    "refunded": (),
}


@dataclass(frozen=True, slots=True)
class TransitionRow:
    action: str
    from_state: str
    to_state: str


class UnnecessaryTransition(Exception):
    """The action exists and leads to the current state: Shopware answers 200, no change."""


class IllegalTransition(Exception):
    def __init__(self, possible: list[str]) -> None:
        self.possible = possible
        super().__init__(", ".join(possible))


class TransactionStateMachine:
    """Transition rows sorted by action name, resolved the way ``StateMachineRegistry`` does."""

    technical_name = "order_transaction.state"

    def __init__(self, *, legacy: bool = True) -> None:
        rows = [
            TransitionRow(action, state, ACTION_TARGETS[action])
            for state, actions in ALLOWED_ACTIONS.items()
            for action in actions
            if legacy or action not in LEGACY_ACTIONS
        ]
        self.rows = sorted(rows, key=lambda row: row.action)

    def available(self, state: str) -> list[TransitionRow]:
        return [row for row in self.rows if row.from_state == state]

    def destination(self, state: str, action: str) -> str:
        """The state ``action`` leads to from ``state``.

        Raises :class:`UnnecessaryTransition` when a row of that action already ends in
        ``state`` (checked row by row, as Shopware does), :class:`IllegalTransition` otherwise.
        """
        for row in self.rows:
            if row.action != action:
                continue
            if row.to_state == state:
                raise UnnecessaryTransition(action)
            if row.from_state == state:
                return row.to_state
        raise IllegalTransition([row.action for row in self.available(state)])


def state_id(machine: str, technical_name: str) -> str:
    """A stable hex32 id per state, so that every fake hands out the same ids."""
    return hashlib.md5(f"{machine}/{technical_name}".encode(), usedforsecurity=False).hexdigest()
