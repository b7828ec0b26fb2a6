"""From what happened to the message: which template, which facts, which attachments.

:class:`Composer` turns a lifecycle effect (``SendPaymentInformation``, ``SendReminder``,
``NotifyMerchant``, ``HandOverToCollection``) or another merchant notice (``write_back_failed``,
``posting_unassigned``, ``delivery_failed``) into a :class:`~paymatch.core.notifications.
Notification`: subject, text and HTML rendered in the order's language, the EPC QR code
attached. It reads the order as it is *now* (address, language), the amounts as the effect
recorded them, and refuses customer messages that are no longer due (:func:`obsolete_reason`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import attrs

from paymatch.core.events import (
    NOTICE_TEXT,
    HandOverToCollection,
    MerchantNotice,
    NotifyMerchant,
    PaymentInfoReason,
    SendPaymentInformation,
    SendReminder,
)
from paymatch.core.models import Order, PaymentCode
from paymatch.core.notifications import Attachment, Audience, Notification
from paymatch.core.policy import CollectionMode, LifecyclePolicy, PolicyConfig
from paymatch.core.states import OrderState
from paymatch.notify.accounts import PayeeAccount
from paymatch.notify.config import MessageSettings, NotifyConfig, check_address
from paymatch.notify.content import PaymentInstructions, payment_instructions
from paymatch.notify.templates import TemplateSet, language_code

QR_CONTENT_ID = "girocode"


class Kind(StrEnum):
    """The customer messages (merchant notices are named by their notice)."""

    PAYMENT_INFORMATION = "payment_information"
    PAYMENT_INFORMATION_AMOUNT_CHANGED = "payment_information_amount_changed"
    PAYMENT_INFORMATION_EMAIL_CHANGED = "payment_information_email_changed"
    PAYMENT_INFORMATION_PARTIAL_PAYMENT = "payment_information_partial_payment"
    PAYMENT_REMINDER = "payment_reminder"
    PRE_COLLECTION_LETTER = "pre_collection_letter"


class ExtraNotice(StrEnum):
    """Merchant notices that are not lifecycle effects."""

    WRITE_BACK_FAILED = "write_back_failed"
    """Writing the paid/cancelled status to the source failed for the whole retry period."""
    POSTING_UNASSIGNED = "posting_unassigned"
    """A posting is still not assigned to any order after ``unassigned_after_days``."""
    DELIVERY_FAILED = "delivery_failed"
    """A message could not be delivered (permanent error, or retries exhausted)."""
    HAND_OVER_TO_COLLECTION = "hand_over_to_collection"
    """An order is due for hand-over to debt collection (the partner is told by the merchant)."""


MERCHANT_NOTICES: tuple[str, ...] = (
    *(n.value for n in MerchantNotice),
    *(n.value for n in ExtraNotice),
)

_PAYMENT_INFO_KIND = {
    PaymentInfoReason.NEW_ORDER: Kind.PAYMENT_INFORMATION,
    PaymentInfoReason.AMOUNT_CHANGED: Kind.PAYMENT_INFORMATION_AMOUNT_CHANGED,
    PaymentInfoReason.EMAIL_CHANGED: Kind.PAYMENT_INFORMATION_EMAIL_CHANGED,
    PaymentInfoReason.PARTIAL_PAYMENT: Kind.PAYMENT_INFORMATION_PARTIAL_PAYMENT,
}

WAITING_FOR_MONEY = frozenset({OrderState.OPEN, OrderState.PARTIALLY_PAID, OrderState.OVERDUE})
"""The only states in which a customer is asked to pay (DESIGN.md: no messages for orders that
are not managed, removed, not tracked, paid, cancelled, with collection or refunded)."""


class Undeliverable(ValueError):
    """The message cannot be made at all (no address, no account, no payee): it is given up at
    once and the merchant is told; retrying would not help."""


def obsolete_reason(
    effect: SendPaymentInformation | SendReminder,
    *,
    state: OrderState | str,
    payment_code: PaymentCode | None,
    policy: LifecyclePolicy,
) -> str | None:
    """Why a customer message queued earlier must not go out now, or ``None`` when it may.

    The lifecycle only emits customer effects where they are due; this check repeats the rules
    at delivery time, because the order may have been paid, cancelled or removed meanwhile.
    """
    current = OrderState(state)
    if current not in WAITING_FOR_MONEY:
        return f"the order is {current.value}"
    code_policy = policy.for_code(payment_code or PaymentCode.PREPAYMENT)
    if isinstance(effect, SendReminder) and not code_policy.reminders.enabled:
        return f"reminders are off for {(payment_code or 'prepayment')!s}"
    if isinstance(effect, SendPaymentInformation) and not code_policy.payment_information:
        return f"payment information is off for {(payment_code or 'prepayment')!s}"
    return None


def message_id(notification_id: str, *, created_at: datetime | None, domain: str, kind: str) -> str:
    """A Message-ID that is the same on every attempt and differs between stores (the creation
    time is part of the hash), so receivers can recognise a repeated delivery."""
    seed = f"{notification_id}|{kind}|{created_at.isoformat() if created_at else ''}"
    digest = base64.b32encode(hashlib.sha256(seed.encode()).digest()[:10]).decode().lower()
    safe_id = "".join(c if c.isalnum() or c in "-." else "-" for c in notification_id)[:40]
    return f"<pm.{safe_id}.{digest}@{domain}>"


def _domain(address: str | None) -> str:
    if address and "@" in address:
        return address.rsplit("@", 1)[1].strip(" >").lower() or "paymatch.invalid"
    return "paymatch.invalid"


@attrs.define
class Composer:
    """Renders messages for one configuration (accounts, policies, ``[notify]``)."""

    config: NotifyConfig
    accounts: Sequence[PayeeAccount]
    policies: PolicyConfig = attrs.field(factory=PolicyConfig)
    _templates: dict[Any, TemplateSet] = attrs.field(factory=dict, init=False)

    def templates(self, settings: MessageSettings) -> TemplateSet:
        key = settings.templates
        if key not in self._templates:
            self._templates[key] = TemplateSet(settings.templates)
        return self._templates[key]

    # customer messages --------------------------------------------------------------------

    def customer_message(
        self,
        effect: SendPaymentInformation | SendReminder,
        order: Order,
        *,
        id: str,
        now: datetime,
        created_at: datetime | None = None,
        connector: str | None = None,
        qr_src: str | None = None,
    ) -> Notification:
        """The message for ``effect`` to the customer of ``order`` (call :func:`obsolete_reason`
        first). Raises :class:`Undeliverable` when it cannot be made."""
        settings = self.config.for_source(order.source)
        policy = self.policies.for_source(order.source)
        if not order.email:
            raise Undeliverable(f"order {order.number or order.id} has no e-mail address")
        try:
            check_address(order.email)
        except ValueError:
            raise Undeliverable(
                f"order {order.number or order.id} has no valid e-mail address ({order.email!r})"
            ) from None
        context = self._order_context(order, settings)
        if isinstance(effect, SendPaymentInformation):
            kind = _PAYMENT_INFO_KIND[effect.reason]
            names: list[str] = [kind.value]
            instructions = self._instructions(
                order, effect.open_amount, settings, policy, now, due=None
            )
            context.update(
                open_amount=effect.open_amount,
                previous_amount=effect.previous_amount,
                amount=effect.open_amount,
                paid_amount=max(order.amount - effect.open_amount, Decimal(0)),
            )
            level = None
        else:
            level = effect.level
            kind = Kind.PAYMENT_REMINDER if level == 1 else Kind.PRE_COLLECTION_LETTER
            names = [f"{kind.value}_{level}", kind.value] if level > 1 else [kind.value]
            context.update(self._reminder_facts(effect, order, policy, now))
            instructions = self._instructions(
                order, context["total_due"], settings, policy, now, due=context["pay_by"]
            )
        context.update(self._instruction_context(instructions, qr_src))
        rendered = self.templates(settings).render(
            names,
            language=language_code(order.language),
            fallback=settings.default_language,
            country=order.country,
            context=context,
        )
        attachments: tuple[Attachment, ...] = ()
        if instructions.qr is not None:
            png = instructions.qr.png(scale=6)
            attachments = (
                Attachment(
                    filename="girocode.png",
                    content_type="image/png",
                    data=png,
                    content_id=QR_CONTENT_ID,
                ),
                Attachment(filename="girocode.png", content_type="image/png", data=png),
            )
        return Notification(
            id=id,
            kind=kind.value,
            audience=Audience.CUSTOMER,
            recipient=order.email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            language=rendered.language,
            order_id=order.id,
            source=order.source,
            connector=connector,
            attachments=attachments,
            message_id=message_id(
                id, created_at=created_at, domain=_domain(settings.from_), kind=kind.value
            ),
            sender=settings.from_,
            reply_to=settings.reply_to,
            created_at=created_at,
            level=level,
        )

    def message_for_effect(
        self,
        effect: SendPaymentInformation | SendReminder,
        order: Order,
        *,
        state: OrderState | str,
        id: str,
        now: datetime,
        created_at: datetime | None = None,
        connector: str | None = None,
    ) -> Notification | None:
        """:meth:`customer_message`, or ``None`` when :func:`obsolete_reason` says the message
        is no longer due for the order in ``state`` (its state now, at delivery)."""
        policy = self.policies.for_source(order.source)
        if obsolete_reason(effect, state=state, payment_code=order.payment_code, policy=policy):
            return None
        return self.customer_message(
            effect, order, id=id, now=now, created_at=created_at, connector=connector
        )

    def _instructions(
        self,
        order: Order,
        amount: Decimal,
        settings: MessageSettings,
        policy: LifecyclePolicy,
        now: datetime,
        *,
        due: date | None,
    ) -> PaymentInstructions:
        try:
            return payment_instructions(
                order,
                amount=amount,
                accounts=self.accounts,
                settings=settings,
                policy=policy,
                now=now,
                due_date=due,
                discount=due is None,
            )
        except ValueError as error:  # NoAccountError is a ConfigError, a ValueError
            raise Undeliverable(str(error)) from None

    def _order_context(self, order: Order, settings: MessageSettings) -> dict[str, Any]:
        return {
            "order": order,
            "order_number": order.number or order.id,
            "invoice_number": order.invoice_number,
            "customer_name": order.customer_name or order.company or "",
            "company": order.company,
            "shop_name": settings.shop_name or settings.payee or "",
            "currency": order.currency,
            "order_amount": order.amount,
            "payment_code": (order.payment_code or PaymentCode.PREPAYMENT).value,
        }

    def _reminder_facts(
        self, effect: SendReminder, order: Order, policy: LifecyclePolicy, now: datetime
    ) -> dict[str, Any]:
        code_policy = policy.for_code(order.payment_code or PaymentCode.PREPAYMENT)
        reminders = code_policy.reminders
        earlier = [reminders.fee(level, effect.currency) for level in range(1, effect.level)]
        fees_total = sum((fee for fee in earlier if fee is not None), Decimal(0)) + (
            effect.fee or Decimal(0)
        )
        last = effect.level >= reminders.levels
        collection = last and code_policy.collection.mode is not CollectionMode.OFF
        days = code_policy.collection.after_days if collection else reminders.interval_days
        return {
            "level": effect.level,
            "levels": reminders.levels,
            "is_last_level": last,
            "collection_announced": collection,
            "open_amount": effect.open_amount,
            "fee": effect.fee,
            "fees_total": fees_total,
            "total_due": effect.open_amount + fees_total,
            "amount": effect.open_amount + fees_total,
            "pay_by": (now + timedelta(days=days)).date(),
            "due_date": order.due_date,
        }

    def _instruction_context(
        self, instructions: PaymentInstructions, qr_src: str | None
    ) -> dict[str, Any]:
        return {
            "payee": instructions.payee,
            "account": instructions.account,
            "reference": instructions.reference,
            "pay_by": instructions.due_date,
            "cash_discount": instructions.cash_discount,
            "has_qr": instructions.qr is not None,
            "qr_src": qr_src or f"cid:{QR_CONTENT_ID}",
            "qr_payload": instructions.qr.payload if instructions.qr else None,
        }

    # merchant notices ---------------------------------------------------------------------

    def merchant_notice(
        self,
        notice: str,
        *,
        id: str,
        order: Order | None,
        source: str | None = None,
        data: Mapping[str, Any] | None = None,
        state: str | None = None,
        created_at: datetime | None = None,
        connector: str | None = None,
        language: str | None = None,
    ) -> Notification:
        """A notice to the merchant. ``data`` are the notice's facts (``amount``, ``currency``,
        ``error``, ``attempts``, ...), available to the template as ``details``."""
        source = order.source if order is not None else source
        settings = self.config.for_source(source)
        details = dict(data or {})
        context: dict[str, Any] = {
            "notice": notice,
            "description": NOTICE_TEXT.get(MerchantNotice(notice), "")
            if notice in MerchantNotice.__members__.values()
            else "",
            "details": details,
            "state": state or details.get("state"),
            "source": source,
            "shop_name": settings.shop_name or settings.payee or "",
            "order": order,
            "order_number": (order.number or order.id) if order else details.get("order_id"),
            "currency": (order.currency if order else None) or details.get("currency") or "EUR",
            "amount": _decimal(details.get("amount")),
        }
        rendered = self.templates(settings).render(
            [notice, "merchant_notice"],
            language=language or settings.notice_language,
            fallback=settings.default_language,
            country=None,
            context=context,
        )
        return Notification(
            id=id,
            kind=notice,
            audience=Audience.MERCHANT,
            recipient=", ".join(settings.merchant) or None,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            language=rendered.language,
            order_id=order.id if order else details.get("order_id"),
            source=source,
            connector=connector,
            message_id=message_id(
                id, created_at=created_at, domain=_domain(settings.from_), kind=notice
            ),
            sender=settings.from_,
            created_at=created_at,
        )

    def effect_notice(
        self,
        effect: NotifyMerchant | HandOverToCollection,
        order: Order,
        *,
        id: str,
        created_at: datetime | None = None,
        connector: str | None = None,
    ) -> Notification:
        """The merchant notice of a lifecycle effect."""
        if isinstance(effect, NotifyMerchant):
            notice = effect.notice.value
            data: dict[str, Any] = {
                "amount": effect.amount,
                "currency": effect.currency,
                "state": effect.state.value,
            }
        else:
            notice = ExtraNotice.HAND_OVER_TO_COLLECTION.value
            data = {"amount": effect.open_amount, "currency": effect.currency}
        return self.merchant_notice(
            notice, id=id, order=order, data=data, created_at=created_at, connector=connector
        )


SAMPLE_DATA: dict[str, Any] = {
    "amount": Decimal("12.50"),
    "currency": "EUR",
    "state": "open",
    "target": "paid",
    "error": "550 mailbox unavailable",
    "attempts": 3,
    "days": 14,
    "posting_id": "p-1",
    "booking_date": "2026-11-02",
    "counterparty_name": "Kim Meier",
    "remittance": "Bestellung 10023",
    "failed_kind": "payment_information",
    "recipient": "kim.meier@example.org",
    "order_id": "o-sample",
}


def check_templates(composer: Composer, *, now: datetime) -> list[str]:
    """Render every kind in every language the templates offer, for every source's settings,
    with a sample order; returns what was checked. Raises :class:`TemplateError` (or
    :class:`Undeliverable` when no account serves a sample EUR order) naming the first problem.

    Run it at start-up, so a broken override is found before a customer would get it."""
    checked: list[str] = []
    # The QR code is no template: leave it out, so the check costs milliseconds, not seconds.
    config = composer.config.model_copy(
        update={
            "defaults": composer.config.defaults.model_copy(update={"qr": False}),
            "sources": {
                name: s.model_copy(update={"qr": False})
                for name, s in composer.config.sources.items()
            },
        }
    )
    # Where no configured account serves the sample order, a sample account stands in: the
    # check is about the templates (the accounts are checked when they are read).
    sample = PayeeAccount(iban="DE89370400440532013000", holder="Sample Payee GmbH")
    probe = Composer(config, [*composer.accounts, sample], composer.policies)
    probe._templates = composer._templates  # the same template sets, already loaded
    composer = probe
    settings_by_source: dict[str | None, MessageSettings] = {None: config.defaults}
    settings_by_source.update(config.sources)
    for source, settings in settings_by_source.items():
        templates = composer.templates(settings)
        for language in sorted(templates.languages()):
            order = _sample_order(source or "default", language, composer.accounts)
            effects: list[SendPaymentInformation | SendReminder] = [
                SendPaymentInformation(
                    reason=reason,
                    currency="EUR",
                    open_amount=Decimal("49.90"),
                    previous_amount=Decimal("39.90")
                    if reason is PaymentInfoReason.AMOUNT_CHANGED
                    else None,
                )
                for reason in PaymentInfoReason
            ]
            effects += [
                SendReminder(level=level, currency="EUR", open_amount=Decimal("49.90"), fee=None)
                for level in range(1, 6)
            ]
            for effect in effects:
                message = composer.customer_message(effect, order, id="check", now=now)
                checked.append(f"{source or '*'}:{language}:{message.kind}")
            for notice in MERCHANT_NOTICES:
                composer.merchant_notice(
                    notice, id="check", order=order, data=SAMPLE_DATA, language=language
                )
                checked.append(f"{source or '*'}:{language}:{notice}")
    return checked


def _sample_order(source: str, language: str, accounts: Sequence[PayeeAccount]) -> Order:
    eur = [a for a in accounts if a.currency == "EUR"]
    country = eur[0].countries[0] if eur and eur[0].countries else "DE"
    return Order(
        id="o-sample",
        source=source,
        number="10023",
        currency="EUR",
        amount=Decimal("49.90"),
        email="kim.meier@example.org",
        customer_name="Kim Meier",
        language=language,
        country=country,
        payment_code=PaymentCode.INVOICE,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None
