"""Shopware's payment methods and order-transaction states in paymatch's terms.

Payment methods are known by their technical name (Shopware 6.5.7 and later; core methods are
``payment_<handler class in lower case>``) or, on older shops and for every further method built
on a core handler, by the handler class. The status of an order is the technical name of the
state of its active transaction (``open``, ``reminded``, ``paid_partially``, ``paid``, ...), or
``cancelled`` when the order itself is cancelled.
"""

from __future__ import annotations

from paymatch import PaymentCode
from paymatch.connectors.interfaces import StatusMapping

_HANDLERS = "Shopware\\Core\\Checkout\\Payment\\Cart\\PaymentHandler\\"

DEFAULT_PAYMENT_METHODS: dict[str, PaymentCode] = {
    "payment_prepayment": PaymentCode.PREPAYMENT,
    _HANDLERS + "PrePayment": PaymentCode.PREPAYMENT,
    "payment_invoicepayment": PaymentCode.INVOICE,
    _HANDLERS + "InvoicePayment": PaymentCode.INVOICE,
    "payment_cashpayment": PaymentCode.COD,
    _HANDLERS + "CashPayment": PaymentCode.COD,
}
"""SEPA direct debit (``payment_debitpayment``) is left out: the merchant collects that money."""

# Transaction states in which a bank transfer is still awaited: not paid yet (open, reminded),
# partly paid, or in one of the waiting states a payment extension may set first.
OPEN_TRANSACTION_STATES = frozenset(
    {"open", "reminded", "paid_partially", "in_progress", "authorized", "unconfirmed"}
)
PAID = "paid"
CANCELLED = "cancelled"
ORDER_CANCELLED = "cancelled"
"""Technical name of the cancelled state of the *order* state machine."""


def default_mapping() -> StatusMapping:
    codes = tuple(PaymentCode)
    return StatusMapping(
        payment_methods=DEFAULT_PAYMENT_METHODS,
        open_statuses=dict.fromkeys(codes, OPEN_TRANSACTION_STATES),
        paid_status=dict.fromkeys(codes, PAID),
        # Unpaid prepayment orders are cancelled after the deadline; invoice and COD become
        # overdue instead, so only prepayment has a cancelled status to write.
        cancelled_status={PaymentCode.PREPAYMENT: CANCELLED},
    )


def all_open_states(mapping: StatusMapping) -> frozenset[str]:
    states: set[str] = set()
    for open_states in mapping.open_statuses.values():
        states.update(open_states)
    return frozenset(states)


def open_states_for(code: PaymentCode | None, mapping: StatusMapping) -> frozenset[str]:
    """The open states of ``code``; every open state of any code when the method is unmapped."""
    if code is None:
        return all_open_states(mapping)
    return frozenset(mapping.open_statuses.get(code, frozenset()))
