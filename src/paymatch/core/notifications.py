"""The notification record: one message paymatch wants delivered to a customer or the merchant.

This is the contract of the hook ``paymatch_send_notification`` (a host or connector may deliver a
message its own way, e.g. through the shop's mailer). Issue 6 (payment information, reminders,
merchant notices) owns the messages themselves and fills this record in: it may add fields (always
optional, so implementations written against this version keep working) and more ``kind`` values.
An implementation must therefore ignore fields it does not know and treat an unknown ``kind`` like
any other message.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Audience(StrEnum):
    """Who the message is for."""

    CUSTOMER = "customer"
    MERCHANT = "merchant"


class Notification(BaseModel):
    """One message, already rendered, waiting in the outbox to be delivered."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    """Stable id of this message in the outbox: deliver each id at most once (idempotency key)."""
    kind: str = Field(min_length=1)
    """What the message is, e.g. ``payment_information``, ``reminder``, ``merchant_notice``."""
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
