"""Handing e-mails over: SMTP (STARTTLS or implicit TLS, authentication, timeouts) or files.

A sender either returns a receipt (the message was handed over) or raises
:class:`DeliveryError`, which says whether trying again can help:

- **permanent** (:class:`PermanentDeliveryError`): the server refused this message or its
  recipient with a 5xx reply (unknown mailbox, message rejected, too big). Retrying would get the
  same answer: the message is given up and the merchant is told.
- **temporary** (:class:`TemporaryDeliveryError`): a 4xx reply (greylisting, mailbox busy, rate
  limit), no connection, a timeout, a TLS failure, or a refused login. Retried with backoff.
  Authentication and TLS failures are *temporary* although the server answers 5xx: they are a
  problem of the configuration, not of the message, and every message would be lost until the
  merchant fixes it; retrying delivers them once it is fixed (and the merchant learns of it when
  the retries run out).
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from paymatch.core.errors import PaymatchError
from paymatch.notify.config import Security, SmtpSettings
from paymatch.notify.mime import envelope

_AUTH_CODES = {530, 534, 535, 538}


class DeliveryError(PaymatchError):
    """Handing a message over failed; ``permanent`` says whether a retry can help."""

    permanent = False

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        self.reason = reason
        self.code = code
        super().__init__(f"{code} {reason}" if code else reason)


class TemporaryDeliveryError(DeliveryError):
    permanent = False


class PermanentDeliveryError(DeliveryError):
    permanent = True


Accepted = Callable[[str], None]
"""Called with the receipt the moment the message is accepted, before the sender tidies up
(closes the connection): where the caller records the hand-over, so the window between the
server's acceptance and that record holds no further network round trip."""


class Sender(Protocol):
    """Hands one e-mail over; returns a receipt or raises :class:`DeliveryError`."""

    name: str

    def send(self, message: EmailMessage, *, accepted: Accepted | None = None) -> str: ...


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def classify(error: BaseException) -> DeliveryError:
    """The :class:`DeliveryError` an exception from smtplib (or the socket) stands for."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        detail = "; ".join(
            f"{rcpt}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for rcpt, (code, msg) in error.recipients.items()
        )
        if codes and all(code >= 500 for code in codes):
            return PermanentDeliveryError(f"recipient refused: {detail}", code=min(codes))
        return TemporaryDeliveryError(
            f"recipient deferred: {detail}", code=min(codes, default=None)
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return TemporaryDeliveryError(f"login refused: {_reply(error)}", code=error.smtp_code)
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        if code in _AUTH_CODES:
            return TemporaryDeliveryError(f"login required or refused: {_reply(error)}", code=code)
        if 500 <= code < 600:
            return PermanentDeliveryError(_reply(error), code=code)
        return TemporaryDeliveryError(_reply(error), code=code if code > 0 else None)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return TemporaryDeliveryError(f"server does not support it: {error}")
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return TemporaryDeliveryError(f"TLS failed: {error}")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryDeliveryError(f"connection lost: {error}")
    if isinstance(error, TimeoutError | socket.timeout):
        return TemporaryDeliveryError("timed out")
    if isinstance(error, OSError | smtplib.SMTPException):
        return TemporaryDeliveryError(f"{type(error).__name__}: {error}")
    return TemporaryDeliveryError(f"{type(error).__name__}: {error}")


class SmtpSender:
    """Sends through an SMTP server (smtplib): STARTTLS, implicit TLS or plain; optional login.

    Each message opens its own connection (the worker sends few messages, and a fresh
    connection cannot carry a broken state from the previous message).
    """

    name = "smtp"

    def __init__(
        self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self.password = settings.secret()
        if ssl_context is None and settings.security is not Security.NONE:
            ssl_context = ssl.create_default_context(
                cafile=str(settings.ca_file) if settings.ca_file else None
            )
        self.ssl_context = ssl_context

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        timeout = s.timeout.total_seconds()
        if s.security is Security.SSL:
            return smtplib.SMTP_SSL(
                s.host,
                s.effective_port,
                local_hostname=s.local_hostname,
                timeout=timeout,
                context=self.ssl_context,
            )
        smtp = smtplib.SMTP(
            s.host, s.effective_port, local_hostname=s.local_hostname, timeout=timeout
        )
        if s.security is Security.STARTTLS:
            try:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise TemporaryDeliveryError(
                        "the server does not offer STARTTLS (security = 'starttls')"
                    )
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: EmailMessage, *, accepted: Accepted | None = None) -> str:
        from_addr, to_addrs = envelope(message)
        try:
            smtp = self._connect()
        except Exception as error:
            raise classify(error) from error
        try:
            if self.settings.username:
                smtp.login(self.settings.username, self.password or "")
            refused = smtp.send_message(message, from_addr=from_addr, to_addrs=to_addrs)
        except Exception as error:
            smtp.close()
            raise classify(error) from error
        receipt = f"accepted by {self.settings.host}:{self.settings.effective_port}"
        if refused:
            receipt += f" (refused: {', '.join(sorted(refused))})"
        try:
            if accepted is not None:
                accepted(receipt)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        return receipt


class FileSender:
    """Writes each message as an ``.eml`` file into a directory (for a host that picks them up,
    or for testing). The file name comes from the Message-ID, so a repeated delivery writes the
    same file again instead of a second one; the file appears complete or not at all (written
    to a temporary file, flushed to disk, then renamed)."""

    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage, *, accepted: Accepted | None = None) -> str:
        ident = str(message.get("Message-ID") or "").strip("<> ")
        if not ident:
            raise PermanentDeliveryError("a message for the file sender needs a Message-ID")
        name = "".join(c if c.isalnum() or c in "-._" else "_" for c in ident) + ".eml"
        data = message.as_bytes()
        path = self.directory / name
        temporary: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=self.directory, prefix=".tmp-", suffix=".eml", delete=False
            ) as handle:
                temporary = handle.name
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
            temporary = None
            directory = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as error:
            raise TemporaryDeliveryError(f"cannot write {self.directory}: {error}") from error
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
        receipt = f"written to {path}"
        if accepted is not None:
            accepted(receipt)
        return receipt
