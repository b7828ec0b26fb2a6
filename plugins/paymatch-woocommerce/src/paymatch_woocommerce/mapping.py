"""WooCommerce's usual payment gateways and order statuses in paymatch's terms.

Gateways are WooCommerce's ids (``payment_method`` of an order). Statuses are the REST names
(without ``wc-``). Initial statuses, from WooCommerce's own gateways: direct bank transfer
(``bacs``) and cheque orders wait in ``on-hold``; an unfinished checkout is ``pending``; cash on
delivery (``cod``) orders go straight to ``processing`` (the goods ship before the money comes).
"""

from __future__ import annotations

from paymatch import PaymentCode
from paymatch.connectors.interfaces import StatusMapping

PAYMENT_METHODS: dict[str, PaymentCode] = {
    "bacs": PaymentCode.PREPAYMENT,
    "cod": PaymentCode.COD,
    "cheque": PaymentCode.INVOICE,
    "invoice": PaymentCode.INVOICE,
    "german_market_purchase_on_account": PaymentCode.INVOICE,
}

OPEN = frozenset({"on-hold", "pending"})

DEFAULT_MAPPING = StatusMapping(
    payment_methods=PAYMENT_METHODS,
    open_statuses={
        PaymentCode.PREPAYMENT: OPEN,
        PaymentCode.INVOICE: OPEN,
        # COD orders are "processing" from checkout until the carrier's money arrives; with only
        # on-hold/pending they would never be open. Paid COD orders are delivered: "completed".
        PaymentCode.COD: OPEN | {"processing"},
    },
    paid_status={
        PaymentCode.PREPAYMENT: "processing",
        PaymentCode.INVOICE: "processing",
        PaymentCode.COD: "completed",
    },
    cancelled_status=dict.fromkeys(PaymentCode, "cancelled"),
)
