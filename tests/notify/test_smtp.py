"""The SMTP sender against a real SMTP server on 127.0.0.1: what arrives, and how errors count."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from notify_helpers import NOW, make_order
from PIL import Image
from smtp_server import SmtpServer, free_port

from paymatch.core.events import SendPaymentInformation
from paymatch.core.notifications import Notification
from paymatch.notify.compose import QR_CONTENT_ID, Composer
from paymatch.notify.config import Security, SmtpSettings
from paymatch.notify.mime import build_email
from paymatch.notify.senders import (
    PermanentDeliveryError,
    SmtpSender,
    TemporaryDeliveryError,
)

USERS = {"billing@shop.example": "s3cret"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path, mode="starttls", users=USERS) as running:
        yield running


def settings(server: SmtpServer, **changes: Any) -> SmtpSettings:
    data: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": server.mode,
        "username": "billing@shop.example",
        "password": "s3cret",
        "timeout": 5,
        "ca_file": server.ca_file,
    }
    data.update(changes)
    return SmtpSettings.model_validate(data)


@pytest.fixture
def notification(composer: Composer) -> Notification:
    effect = SendPaymentInformation(reason="new_order", currency="EUR", open_amount="49.90")
    return composer.customer_message(effect, make_order(), id="n-17", now=NOW, created_at=NOW)


def test_starttls_with_auth_delivers_headers_both_parts_inline_qr_and_attachment(
    server: SmtpServer, notification: Notification
) -> None:
    receipt = SmtpSender(settings(server)).send(build_email(notification))
    assert receipt.startswith("accepted by 127.0.0.1")
    (arrived,) = server.received
    assert arrived.tls
    assert arrived.login == "billing@shop.example"
    assert arrived.mail_from == "billing@shop.example"
    assert arrived.rcpt_tos == ["kim.meier@example.org"]
    message = arrived.message
    assert message["Subject"] == notification.subject
    assert message["From"] == "Beispiel Shop <billing@shop.example>"
    assert message["Reply-To"] == "service@shop.example"
    assert message["Message-ID"] == notification.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "de"
    assert message.get_content_type() == "multipart/mixed"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().replace("\r\n", "\n") == notification.text
    assert f"cid:{QR_CONTENT_ID}" in html.get_content()
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    inline = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert len(inline) == 1
    assert inline[0]["Content-ID"] == f"<{QR_CONTENT_ID}>"
    assert inline[0].get_content_disposition() == "inline"
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["girocode.png"]
    for part in (inline[0], attachments[0]):
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(part.get_content())))
        assert decoded[0].text.startswith("BCD\n001\n1\nSCT\nCOBADEFFXXX\nBeispiel GmbH\n")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_with_an_ssl_context(tmp_path: Path, notification: Notification) -> None:
    with SmtpServer(tmp_path, mode="ssl", users=USERS) as server:
        sender = SmtpSender(settings(server, ca_file=None), ssl_context=server.client_context())
        sender.send(build_email(notification))
        (arrived,) = server.received
        assert arrived.tls
        assert arrived.message["Message-ID"] == notification.message_id


def test_wrong_password_and_untrusted_certificate_are_temporary(
    server: SmtpServer, notification: Notification, tmp_path: Path
) -> None:
    with pytest.raises(TemporaryDeliveryError, match="login refused") as wrong:
        SmtpSender(settings(server, password="nope")).send(build_email(notification))
    assert wrong.value.code == 535
    with pytest.raises(TemporaryDeliveryError, match="TLS failed"):
        SmtpSender(settings(server, ca_file=None)).send(build_email(notification))
    assert server.received == []


def test_server_without_starttls_is_refused_when_starttls_is_configured(
    tmp_path: Path, notification: Notification
) -> None:
    with SmtpServer(tmp_path, mode="plain") as server:
        sender = SmtpSender(settings(server, security="starttls", username=None))
        with pytest.raises(TemporaryDeliveryError, match="STARTTLS"):
            sender.send(build_email(notification))
        assert server.received == []
        SmtpSender(settings(server, security="none", username=None)).send(build_email(notification))
        assert len(server.received) == 1
        assert not server.received[0].tls


def test_5xx_is_permanent_4xx_is_temporary(server: SmtpServer, notification: Notification) -> None:
    sender = SmtpSender(settings(server))
    server.handler.replies["kim.meier@example.org"] = (
        "550 5.1.1 <kim.meier@example.org>: no such user"
    )
    with pytest.raises(PermanentDeliveryError, match="no such user") as refused:
        sender.send(build_email(notification))
    assert refused.value.code == 550
    server.handler.replies["kim.meier@example.org"] = "451 4.7.1 greylisted, try again later"
    with pytest.raises(TemporaryDeliveryError, match="greylisted"):
        sender.send(build_email(notification))
    server.handler.replies.clear()
    server.handler.data_reply = "554 5.6.0 message rejected as spam"
    with pytest.raises(PermanentDeliveryError, match="spam"):
        sender.send(build_email(notification))
    server.handler.data_reply = "452 4.3.1 insufficient storage"
    with pytest.raises(TemporaryDeliveryError, match="storage"):
        sender.send(build_email(notification))
    assert server.received == []


def test_no_server_and_a_silent_server_are_temporary(notification: Notification) -> None:
    closed = SmtpSettings(host="127.0.0.1", port=free_port(), security=Security.NONE, timeout=2)
    with pytest.raises(TemporaryDeliveryError, match="ConnectionRefused"):
        SmtpSender(closed).send(build_email(notification))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        silent = SmtpSettings(
            host="127.0.0.1",
            port=listener.getsockname()[1],
            security=Security.NONE,
            timeout=timedelta(seconds=1),
        )
        with pytest.raises(TemporaryDeliveryError, match="timed out"):
            SmtpSender(silent).send(build_email(notification))
    finally:
        thread.join(timeout=5)
        for sock in accepted:
            sock.close()
        listener.close()


def test_password_from_the_environment(
    server: SmtpServer, notification: Notification, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    sender = SmtpSender(settings(server, password=None, password_env="TEST_SMTP_PASSWORD"))
    sender.send(build_email(notification))
    assert len(server.received) == 1
