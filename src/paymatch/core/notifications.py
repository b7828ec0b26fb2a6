"""The notification record: one message paymatch wants delivered to a customer or the merchant.

This is the contract of the hook ``paymatch_send_notification`` (a host or connector may deliver a
message its own way, e.g. through the shop's mailer). :mod:`paymatch.notify` fills it in: the
subject and both bodies are already rendered, the QR code of payment information comes as an
attachment (inline, with a ``content_id`` the HTML part refers to as ``cid:...``, and once more as
a plain attachment for printing). Fields are only ever added, always optional, so implementations
written against an earlier version keep working; an implementation must ignore fields it does not
know and treat an unknown ``kind`` like any other message.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Audience(StrEnum):
    """Who the message is for."""

    CUSTOMER = "customer"
    MERCHANT = "merchant"


class Attachment(BaseModel):
    """A file that goes with the message (e.g. the payment QR code)."""

    model_config = ConfigDict(frozen=True)

    filename: str = Field(min_length=1)
    content_type: str = Field(pattern=r"^[\w.+-]+/[\w.+-]+$")
    data: bytes
    content_id: str | None = None
    """Set for an inline part: the HTML refers to it as ``cid:<content_id>``."""

    @property
    def inline(self) -> bool:
        return self.content_id is not None


class Notification(BaseModel):
    """One message, already rendered, waiting in the outbox to be delivered."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    """Stable id of this message in the outbox: deliver each id at most once (idempotency key)."""
    kind: str = Field(min_length=1)
    """What the message is: ``payment_information`` (and ``payment_information_amount_changed``,
    ``..._email_changed``, ``..._partial_payment``), ``payment_reminder``,
    ``pre_collection_letter``, or a merchant notice (``overpayment``, ``write_back_failed``, ...);
    docs/notifications.md lists them."""
    audience: Audience
    recipient: str | None = None
    """The e-mail address (or other address the sender understands); ``None`` = the default one."""
    subject: str
    text: str
    """The plain-text body; always present."""
    html: str | None = None
    language: str | None = None
    order_id: str | None = None
    source: str | None = None
    """The configured source (shop) the order belongs to, if the message is about an order."""
    connector: str | None = None
    """The ``PLUGIN_NAME`` of that source's connector, so a connector can recognise its own."""
    # Added by issue 6 (all optional):
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None
    """The RFC 5322 Message-ID (``<...@domain>``), the same on every attempt, so a repeated
    delivery can be recognised as the same message."""
    sender: str | None = None
    """The From address configured for the message's source."""
    reply_to: str | None = None
    created_at: datetime | None = None
    level: int | None = None
    """The dunning level of a reminder (1 = payment reminder, 2..5 pre-collection letters)."""
