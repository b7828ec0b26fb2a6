"""What payment information tells the customer: account, amount, reference, due date, discount.

Pure functions of the order, the accounts, the lifecycle policy and the message settings, so the
worker, the preview command and the tests compute the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs

from paymatch.core.models import Order, PaymentCode
from paymatch.core.money import quantize
from paymatch.core.policy import LifecyclePolicy
from paymatch.notify import epc_qr
from paymatch.notify.accounts import PayeeAccount, choose_account
from paymatch.notify.config import MessageSettings, QrRemittance, ReferenceChoice
from paymatch.rules import creditor_reference, payment_reference


@attrs.frozen
class Reference:
    """What the customer writes in the remittance information."""

    text: str
    """As shown to people (paymatch's reference grouped: ``PM-4KX7-T9C``)."""
    compact: str
    """As written into the transfer (``PM4KX7T9C``)."""
    kind: str
    """``payment_reference``, ``creditor_reference``, ``invoice_number`` or ``order_number``."""
    rf: str | None = None
    """The ISO 11649 form for the structured field, where there is one."""


def choose_reference(order: Order, choice: ReferenceChoice) -> Reference:
    """The reference of ``order`` per the ``reference`` setting (falls back as documented)."""
    candidates: list[tuple[str, str | None]] = []
    if choice is ReferenceChoice.PAYMENT_REFERENCE:
        candidates.append(("payment_reference", order.payment_reference))
    if choice is not ReferenceChoice.ORDER_NUMBER:
        candidates.append(("invoice_number", order.invoice_number))
    candidates.append(("order_number", order.number))
    candidates.append(("order_number", order.id))
    for kind, value in candidates:
        if not value:
            continue
        if kind == "payment_reference":
            if payment_reference.is_valid(value):
                compact = payment_reference.compact(value)
                rf = creditor_reference.from_payment_reference(compact)
                return Reference(payment_reference.format(compact), compact, kind, rf)
            if creditor_reference.is_valid(value):
                compact = creditor_reference.compact(value)
                formatted = creditor_reference.format(compact)
                return Reference(formatted, compact, "creditor_reference", compact)
        return Reference(value, value, kind)
    raise AssertionError("an order always has an id")  # pragma: no cover


@attrs.frozen
class CashDiscountTerms:
    """Skonto: pay ``discounted`` instead of ``amount`` by ``until``."""

    percent: Decimal
    until: date | None
    amount: Decimal
    discount: Decimal
    discounted: Decimal


def cash_discount_terms(
    order: Order, open_amount: Decimal, today: date
) -> CashDiscountTerms | None:
    """The order's cash discount, where it still applies: nothing paid yet and not expired."""
    terms = order.cash_discount
    if terms is None or open_amount != order.amount or order.amount <= 0:
        return None
    if terms.until is not None and terms.until < today:
        return None
    discount = quantize(order.amount * terms.percent / 100, order.currency)
    return CashDiscountTerms(
        percent=terms.percent.normalize(),
        until=terms.until,
        amount=order.amount,
        discount=discount,
        discounted=order.amount - discount,
    )


def payment_due_date(order: Order, policy: LifecyclePolicy | None) -> date | None:
    """When the customer should have paid: the order's due date, else the policy's deadline
    (prepayment: cancelled then; invoice/COD: overdue then) counted from the order date."""
    if order.due_date is not None:
        return order.due_date
    if policy is None or order.created_at is None:
        return None
    code = order.payment_code or PaymentCode.PREPAYMENT
    days = policy.for_code(code).deadline_days
    if days is None:
        return None
    return (order.created_at + timedelta(days=days)).date()


@attrs.frozen
class PaymentInstructions:
    """Everything a customer needs to pay one amount."""

    payee: str
    account: PayeeAccount
    currency: str
    amount: Decimal
    reference: Reference
    due_date: date | None
    cash_discount: CashDiscountTerms | None
    qr: epc_qr.EpcQrCode | None
    qr_problem: str | None = None
    """Why there is no QR code although one was wanted (e.g. a non-euro currency)."""


def payment_instructions(
    order: Order,
    *,
    amount: Decimal,
    accounts: Sequence[PayeeAccount],
    settings: MessageSettings,
    policy: LifecyclePolicy | None,
    now: datetime,
    due_date: date | None = None,
    discount: bool = True,
) -> PaymentInstructions:
    """How to pay ``amount`` of ``order``. ``due_date`` overrides the computed one (reminders).

    Raises :class:`~paymatch.notify.accounts.NoAccountError` when no account serves the order
    and :class:`ValueError` when no payee name is configured.
    """
    account = choose_account(
        accounts, currency=order.currency, source=order.source, country=order.country
    )
    payee = account.holder or settings.payee or settings.shop_name
    if not payee:
        raise ValueError("no payee name: set the account's holder or [notify] payee")
    reference = choose_reference(order, settings.reference)
    terms = cash_discount_terms(order, amount, now.date()) if discount else None
    qr, problem = None, None
    if settings.qr:
        qr, problem = _qr(
            account,
            payee=payee,
            amount=amount,
            currency=order.currency,
            reference=reference,
            settings=settings,
        )
    return PaymentInstructions(
        payee=payee,
        account=account,
        currency=order.currency,
        amount=amount,
        reference=reference,
        due_date=due_date if due_date is not None else payment_due_date(order, policy),
        cash_discount=terms,
        qr=qr,
        qr_problem=problem,
    )


def _qr(
    account: PayeeAccount,
    *,
    payee: str,
    amount: Decimal,
    currency: str,
    reference: Reference,
    settings: MessageSettings,
) -> tuple[epc_qr.EpcQrCode | None, str | None]:
    if currency != "EUR":
        return None, f"EPC QR codes are for euro transfers only (this order is in {currency})"
    structured = settings.qr_remittance is QrRemittance.STRUCTURED and reference.rf is not None
    transfer = epc_qr.EpcTransfer(
        name=payee[: epc_qr.LIMITS["name"]],
        iban=account.iban,
        bic=account.bic,
        amount=amount if amount >= epc_qr.MIN_AMOUNT else None,
        creditor_reference=reference.rf if structured else None,
        remittance_text=None if structured else reference.compact,
    )
    try:
        return epc_qr.make(transfer, version=settings.qr_version), None
    except epc_qr.EpcQrError as error:
        return None, error.reason
