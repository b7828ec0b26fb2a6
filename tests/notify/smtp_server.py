"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd): STARTTLS or implicit TLS, AUTH,
and chosen replies per recipient, so the sender meets the protocol, not a mock."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    replies: dict[str, str] = field(default_factory=dict)
    """Recipient -> SMTP reply to RCPT TO (e.g. ``550 5.1.1 no such user``)."""
    data_reply: str | None = None
    """Reply to DATA instead of accepting (e.g. ``451 4.3.0 try later``)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        login = session.auth_data
        with self.lock:
            self.received.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    data=bytes(envelope.original_content or envelope.content),
                    tls=session.ssl is not None
                    or server.transport.get_extra_info("sslcontext") is not None,
                    login=login.decode() if isinstance(login, bytes) else login,
                )
            )
            number = len(self.received)
        return f"250 2.0.0 Ok: queued as Q{number}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode()
        if self.users.get(user) == auth_data.password.decode():
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)


class SmtpServer:
    """``mode``: ``starttls`` (STARTTLS required, AUTH only after it), ``ssl`` (implicit TLS)
    or ``plain``. ``users`` enables AUTH (required when given)."""

    def __init__(
        self, tmp: Path, *, mode: str = "starttls", users: dict[str, str] | None = None
    ) -> None:
        self.ca = trustme.CA()
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_context)
        self.ca_file = tmp / "smtp-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.handler = Handler()
        self.port = free_port()
        self.mode = mode
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port}
        if mode == "ssl":
            kwargs["ssl_context"] = server_context
        elif mode == "starttls":
            kwargs["tls_context"] = server_context
            kwargs["require_starttls"] = True
        if users:
            kwargs["authenticator"] = _Authenticator(users)
            kwargs["auth_required"] = True
            # implicit TLS is not "STARTTLS done" for aiosmtpd; the link is encrypted anyway
            kwargs["auth_require_tls"] = mode == "starttls"
        self.controller = Controller(self.handler, **kwargs)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
