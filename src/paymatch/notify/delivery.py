"""Delivering a rendered notification: the plugin hook first, then the configured sender.

Order (decided here, docs/notifications.md "Senders and the hook"):

1. **The hook** ``paymatch_send_notification(notification, attempt)``. A connector or the host
   application that wants to send messages its own way (the shop's mailer, a CRM, a chat) takes
   the ones it recognises and returns a receipt; it returns ``None`` for the others. The hook goes
   first because it is the only way to take messages *away* from paymatch's own sender; a plugin
   that only wants to observe returns ``None``.
2. **The configured sender** (``[notify] sender``: ``smtp`` or ``file``).
3. **Nothing configured**: the message is ``recorded`` (kept in the store, readable through the
   API), not delivered.

Outcomes: ``delivered``; ``retry`` (a temporary failure, or the hook raised: due again after a
doubling wait); ``failed`` (a permanent failure, or temporary ones for longer than
``retry.give_up_after``): the merchant gets a ``delivery_failed`` notice, except for a failed
``delivery_failed`` notice itself, which would loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

import attrs

from paymatch.core.notifications import Notification
from paymatch.notify.compose import Composer, ExtraNotice
from paymatch.notify.config import NotifyConfig
from paymatch.notify.mime import MessageError, build_email
from paymatch.notify.senders import (
    DeliveryError,
    FileSender,
    PermanentDeliveryError,
    Sender,
    SmtpSender,
    classify,
)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    RECORDED = "recorded"
    """No hook took it and no sender is configured: kept, not delivered."""


@attrs.frozen
class DeliveryResult:
    outcome: Outcome
    channel: str | None = None
    """``hook``, ``smtp`` or ``file``."""
    receipt: str | None = None
    error: str | None = None
    retry_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not Outcome.RETRY


HookCall = Callable[[Notification, int], "str | None"]
HandedOver = Callable[[str, str], None]
"""``(channel, receipt)``: called once the message is accepted."""


def plugin_hook(notification: Notification, attempt: int) -> str | None:
    """The plugins' ``paymatch_send_notification`` (the process-wide plugin manager)."""
    from paymatch.connectors.plugins import send_notification  # noqa: PLC0415 - import cycle

    return send_notification(notification, attempt=attempt)


def make_sender(config: NotifyConfig) -> Sender | None:
    """The sender ``[notify] sender`` names (``None`` for ``none``)."""
    if config.sender == "smtp":
        return SmtpSender(config.smtp)
    if config.sender == "file":
        return FileSender(config.file.directory)
    return None


@attrs.define
class Deliverer:
    """Delivers notifications for one configuration."""

    config: NotifyConfig
    sender: Sender | None
    hook: HookCall | None = plugin_hook

    @classmethod
    def from_config(cls, config: NotifyConfig, *, hook: HookCall | None = plugin_hook) -> Deliverer:
        return cls(config, make_sender(config), hook)

    def deliver(
        self,
        notification: Notification,
        *,
        attempt: int,
        now: datetime,
        first_attempt_at: datetime | None = None,
        handed_over: HandedOver | None = None,
    ) -> DeliveryResult:
        """Try once. ``attempt`` counts from 1; ``first_attempt_at`` (default ``now``) starts
        the ``give_up_after`` clock. ``handed_over(channel, receipt)`` is called the moment the
        hook or the sender has accepted the message (see :mod:`paymatch.notify.handover`)."""
        try:
            if self.hook is not None:
                receipt = self.hook(notification, attempt)
                if receipt is not None:
                    if handed_over is not None:
                        handed_over("hook", receipt)
                    return DeliveryResult(Outcome.DELIVERED, "hook", receipt)
            if self.sender is None:
                return DeliveryResult(Outcome.RECORDED)
            settings = self.config.for_source(notification.source)
            try:
                message = build_email(
                    notification,
                    sender=settings.from_,
                    recipients=settings.merchant,
                    now=now,
                )
            except MessageError as error:
                if notification.audience == "merchant" and not settings.merchant:
                    return DeliveryResult(Outcome.RECORDED, error=str(error))
                raise PermanentDeliveryError(str(error)) from None
            name = self.sender.name
            receipt = self.sender.send(
                message,
                accepted=None if handed_over is None else lambda text: handed_over(name, text),
            )
            return DeliveryResult(Outcome.DELIVERED, name, receipt)
        except Exception as error:  # the hook may raise anything: a failed attempt
            failure = classify(error)
        return self._failed(failure, attempt=attempt, now=now, since=first_attempt_at or now)

    def _failed(
        self, failure: DeliveryError, *, attempt: int, now: datetime, since: datetime
    ) -> DeliveryResult:
        channel = self.sender.name if self.sender is not None else "hook"
        if failure.permanent:
            return DeliveryResult(Outcome.FAILED, channel, error=str(failure))
        wait = self.config.retry.wait(attempt)
        if now + wait - since > self.config.retry.give_up_after:
            message = f"{failure} (gave up after {attempt} attempts)"
            return DeliveryResult(Outcome.FAILED, channel, error=message)
        return DeliveryResult(Outcome.RETRY, channel, error=str(failure), retry_at=now + wait)


def failure_notice(
    composer: Composer,
    failed: Notification,
    result: DeliveryResult,
    *,
    attempts: int,
    id: str,
    created_at: datetime | None = None,
) -> Notification | None:
    """The ``delivery_failed`` notice that tells the merchant about ``failed`` (``None`` when the
    failed message is itself a ``delivery_failed`` notice: that would loop)."""
    if failed.kind == ExtraNotice.DELIVERY_FAILED:
        return None
    return composer.merchant_notice(
        ExtraNotice.DELIVERY_FAILED.value,
        id=id,
        order=None,
        source=failed.source,
        data={
            "failed_kind": failed.kind,
            "failed_id": failed.id,
            "recipient": failed.recipient,
            "error": result.error,
            "attempts": attempts,
            "order_id": failed.order_id,
            "subject": failed.subject,
        },
        created_at=created_at,
        connector=failed.connector,
    )
