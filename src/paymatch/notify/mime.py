"""The e-mail of a notification: text and HTML alternatives, the QR code inline and attached.

Structure (RFC 2046/2387)::

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related
          text/html              (refers to the inline image as cid:girocode)
          image/png              (inline, Content-ID <girocode>)
      image/png                  (attachment girocode.png, for printing or another device)

(the inline image belongs to the HTML alternative only, so a text-only reader shows no stray
image part; the attachment is there for everyone).

A message without HTML is a single text/plain part (plus attachments). Headers: a stable
``Message-ID`` (the same on every attempt), ``Auto-Submitted: auto-generated`` (RFC 3834, so
auto-responders do not answer), ``Content-Language`` and ``X-Paymatch-Notification`` (id and
kind, for support).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses

from paymatch.core.notifications import Notification


class MessageError(ValueError):
    """The notification cannot be written as an e-mail (no sender or recipient)."""


def build_email(
    notification: Notification,
    *,
    sender: str | None = None,
    recipients: tuple[str, ...] = (),
    now: datetime | None = None,
) -> EmailMessage:
    """The e-mail of ``notification``. ``sender`` / ``recipients`` apply where the notification
    names none (merchant notices go to the configured merchant addresses)."""
    from_ = notification.sender or sender
    to = notification.recipient or ", ".join(recipients)
    if not from_:
        raise MessageError("no From address: set [notify] from")
    if not to:
        raise MessageError(f"no recipient for {notification.kind} {notification.id}")
    message = EmailMessage(policy=SMTP)
    message["From"] = from_
    message["To"] = to
    if notification.reply_to:
        message["Reply-To"] = notification.reply_to
    message["Subject"] = notification.subject
    moment = notification.created_at or now or datetime.now(UTC)
    message["Date"] = format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if notification.message_id:
        message["Message-ID"] = notification.message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Paymatch-Notification"] = f"{notification.id}; kind={notification.kind}"
    message.set_content(notification.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    inline = [a for a in notification.attachments if a.inline]
    if notification.html is not None:
        message.add_alternative(
            notification.html, subtype="html", charset="utf-8", cte="quoted-printable"
        )
        html_part = next(
            part for part in message.iter_parts() if part.get_content_subtype() == "html"
        )
        assert isinstance(html_part, EmailMessage)
        for attachment in inline:
            maintype, subtype = attachment.content_type.split("/", 1)
            html_part.add_related(
                attachment.data,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{attachment.content_id}>",
                filename=attachment.filename,
                disposition="inline",
            )
    for attachment in notification.attachments:
        if attachment.inline:
            continue
        maintype, subtype = attachment.content_type.split("/", 1)
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    if notification.language:  # after the body: set_content drops Content-* headers
        message["Content-Language"] = notification.language
    return message


def envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """The SMTP envelope: sender address and recipient addresses of ``message``."""
    (_, from_addr), *_ = getaddresses([str(message["From"])])
    to_addrs = [
        addr for _, addr in getaddresses([str(value) for value in message.get_all("To", [])])
    ]
    return from_addr, to_addrs
