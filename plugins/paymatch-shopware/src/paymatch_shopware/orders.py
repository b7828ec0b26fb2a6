"""Shopware order payloads (flat JSON, as requested in :mod:`paymatch_shopware.criteria`) to
:class:`paymatch.Order`.

Money arrives as JSON numbers. The client parses every response with ``parse_float=Decimal``, so
``395.01`` is the exact decimal written on the wire; a ``float`` reaching this module is refused.
The amount is then checked against the order's currency by :class:`paymatch.Order` (EUR takes
two decimal places, JPY none, ...): an order that fails becomes an :class:`OrderProblem`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from paymatch import Order
from paymatch.connectors.interfaces import OrderProblem, StatusMapping
from paymatch_shopware.mapping import ORDER_CANCELLED, open_states_for


def _exact_number(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError(
            f"{value!r} reached the connector as a {type(value).__name__}; amounts must be parsed "
            "as exact decimals"
        )
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_number)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _State(_Payload):
    technicalName: str


class _PaymentMethod(_Payload):
    id: str | None = None
    technicalName: str | None = None
    handlerIdentifier: str | None = None
    name: str | None = None


class _Price(_Payload):
    totalPrice: ExactDecimal | None = None


class Transaction(_Payload):
    id: str
    createdAt: datetime
    stateMachineState: _State
    paymentMethod: _PaymentMethod | None = None
    amount: _Price | None = None


class _Customer(_Payload):
    email: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    company: str | None = None
    customerNumber: str | None = None


class _Country(_Payload):
    iso: str | None = None


class _Address(_Payload):
    firstName: str | None = None
    lastName: str | None = None
    company: str | None = None
    country: _Country | None = None


class _Currency(_Payload):
    isoCode: str


class _Locale(_Payload):
    code: str | None = None


class _Language(_Payload):
    locale: _Locale | None = None


class _DocumentType(_Payload):
    technicalName: str | None = None


class _Document(_Payload):
    documentNumber: str | None = None
    config: dict[str, Any] | None = None
    createdAt: datetime | None = None
    documentType: _DocumentType | None = None

    @property
    def number(self) -> str | None:
        if self.documentNumber:
            return self.documentNumber
        value = (self.config or {}).get("documentNumber")
        return str(value) if value not in (None, "") else None


class ShopwareOrder(_Payload):
    """The fields of a Shopware order the connector reads."""

    id: str
    orderNumber: str | None = None
    orderDateTime: datetime
    createdAt: datetime
    updatedAt: datetime | None = None
    amountTotal: ExactDecimal
    currency: _Currency
    stateMachineState: _State
    transactions: list[Transaction]
    orderCustomer: _Customer | None = None
    billingAddress: _Address | None = None
    language: _Language | None = None
    documents: list[_Document] | None = None
    primaryOrderTransactionId: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.stateMachineState.technicalName == ORDER_CANCELLED

    def active_transaction(self) -> Transaction | None:
        """Shopware 6.7 names it (``primaryOrderTransactionId``); before, it is the newest."""
        if not self.transactions:
            return None
        if self.primaryOrderTransactionId:
            for transaction in self.transactions:
                if transaction.id == self.primaryOrderTransactionId:
                    return transaction
        return max(self.transactions, key=lambda t: (t.createdAt, t.id))

    def invoice_number(self) -> str | None:
        invoices = [
            document
            for document in self.documents or ()
            if document.number
            and (document.documentType is None or document.documentType.technicalName == "invoice")
        ]
        if not invoices:
            return None
        newest = max(invoices, key=lambda d: (d.createdAt is not None, d.createdAt or 0))
        return newest.number


def payment_method_key(method: _PaymentMethod | None, mapping: StatusMapping) -> str | None:
    """The name the order's payment method goes by in ``mapping``.

    The technical name (Shopware 6.5.7+) comes first, then the handler class, so that a merchant
    can map one method by its technical name and every other method of a core handler (a second
    "Vorkasse", a shop older than 6.5.7) is still recognised. If neither is mapped, the technical
    name (or handler, or id) is reported so the merchant sees what to map.
    """
    if method is None:
        return None
    candidates = [method.technicalName, method.handlerIdentifier]
    for candidate in candidates:
        if candidate and candidate in mapping.payment_methods:
            return candidate
    return method.technicalName or method.handlerIdentifier or method.id


def _name(first: str | None, last: str | None) -> str | None:
    text = " ".join(part.strip() for part in (first, last) if part and part.strip())
    return text or None


def parse_order(
    raw: Any, mapping: StatusMapping, source: str
) -> tuple[ShopwareOrder | None, Order | OrderProblem]:
    """One search result to an :class:`Order`, or to an :class:`OrderProblem` saying why not."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    order_id = raw_id if isinstance(raw_id, str) else None
    try:
        payload = ShopwareOrder.model_validate(raw)
    except ValidationError as error:
        return None, OrderProblem(order_id=order_id, reason=_explain(error))
    transaction = payload.active_transaction()
    if transaction is None:
        return payload, OrderProblem(order_id=payload.id, reason="the order has no transaction")
    # A cancelled order is not open whatever its payment says; report the order's own state.
    status = ORDER_CANCELLED if payload.cancelled else transaction.stateMachineState.technicalName
    billing = payload.billingAddress or _Address()
    customer = payload.orderCustomer or _Customer()
    try:
        order = Order(
            id=payload.id,
            source=source,
            number=payload.orderNumber,
            invoice_number=payload.invoice_number(),
            customer_number=customer.customerNumber,
            customer_name=_name(billing.firstName, billing.lastName)
            or _name(customer.firstName, customer.lastName),
            company=billing.company or customer.company,
            email=customer.email,
            currency=payload.currency.isoCode,
            amount=payload.amountTotal,
            created_at=payload.orderDateTime,
            country=billing.country.iso if billing.country else None,
            language=payload.language.locale.code
            if payload.language and payload.language.locale
            else None,
            status=status,
            payment_method=payment_method_key(transaction.paymentMethod, mapping),
        )
    except ValidationError as error:
        return payload, OrderProblem(order_id=payload.id, reason=_explain(error))
    return payload, order


def is_open(order: Order, mapping: StatusMapping) -> bool:
    """Open at the shop: the status is an open one for the order's payment code.

    Orders whose payment method is not mapped are open when their status is open for any code:
    they are reported (paymatch leaves unmapped methods unmanaged), not hidden.
    """
    if order.status is None:
        return False
    return order.status in open_states_for(mapping.payment_code(order), mapping)


def _explain(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "order"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
