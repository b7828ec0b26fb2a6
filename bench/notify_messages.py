"""How fast are messages made and handed over? Messages per second on one core.

Phases, each over N orders (payment information with an EPC QR code, German and English):

1. compose: account, reference, QR code (PNG), templates (subject, text, HTML)
2. MIME: the e-mail with both parts, the inline image and the attachment, as bytes
3. file: the file sender writing each .eml atomically (fsync), into a temporary directory
4. SMTP: the SMTP sender against a local aiosmtpd server (plain, one connection per message)
5. Store outbox: the same messages as Store notifications (SQLite), delivered by ``tick()``
   through the messenger: reading the row and the order, rendering, the hand-over journal's two
   commits, SMTP, completing the outbox item

    .venv/bin/python bench/notify_messages.py [N]
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from paymatch.core.events import SendPaymentInformation
from paymatch.core.models import Order
from paymatch.notify.accounts import PayeeAccount
from paymatch.notify.compose import Composer
from paymatch.notify.config import NotifyConfig, SmtpSettings
from paymatch.notify.mime import build_email
from paymatch.notify.senders import FileSender, SmtpSender
from paymatch.rules import payment_reference

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def _timed(label: str, count: int, run: Any) -> Any:
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    print(f"{label:<10} {count:>6} in {seconds:6.2f} s  {count / seconds:8.0f} messages/s")
    return result


def main(count: int) -> None:
    config = NotifyConfig.from_table(
        {"from": "Shop <billing@shop.example>", "payee": "Beispiel GmbH", "shop_name": "Shop"}
    )
    composer = Composer(config, [PayeeAccount(iban="DE89370400440532013000", bic="COBADEFFXXX")])
    orders = [
        Order(
            id=f"o{i}",
            number=str(100000 + i),
            currency="EUR",
            amount=Decimal(1000 + i).scaleb(-2),
            email=f"customer{i}@example.org",
            customer_name=f"Customer {i}",
            payment_reference=payment_reference.generate(i),
            language="de" if i % 2 else "en",
            country="DE",
            payment_code="prepayment",
            created_at=NOW,
        )
        for i in range(count)
    ]

    def compose() -> list[Any]:
        return [
            composer.customer_message(
                SendPaymentInformation(
                    reason="new_order", currency="EUR", open_amount=order.amount
                ),
                order,
                id=str(i),
                now=NOW,
                created_at=NOW,
            )
            for i, order in enumerate(orders)
        ]

    messages = _timed("compose", count, compose)
    emails = _timed("MIME", count, lambda: [build_email(m) for m in messages])
    _timed("bytes", count, lambda: [e.as_bytes() for e in emails])
    with tempfile.TemporaryDirectory() as directory:
        sender = FileSender(Path(directory))
        _timed("file", count, lambda: [sender.send(e) for e in emails])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = SmtpSender(SmtpSettings(host="127.0.0.1", port=port, security="none"))
        _timed("SMTP", count, lambda: [smtp.send(e) for e in emails])
        _store_outbox(count, port, orders)
    finally:
        controller.stop()
    assert sink.count == 2 * count


def _store_outbox(count: int, port: int, orders: list[Order]) -> None:
    from datetime import timedelta  # noqa: PLC0415

    from paymatch.connectors.memory import MemorySource  # noqa: PLC0415
    from paymatch.core.clock import FixedClock  # noqa: PLC0415
    from paymatch.core.reconciler import Reconciler  # noqa: PLC0415
    from paymatch.core.settings import config_from_dict  # noqa: PLC0415
    from paymatch.core.store import Store  # noqa: PLC0415

    config = config_from_dict(
        {
            "sources": {"shop": {"connector": "memory", "send_payment_information": True}},
            "accounts": [{"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}],
            "notify": {
                "sender": "smtp",
                "from": "Shop <billing@shop.example>",
                "payee": "Beispiel GmbH",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none"},
            },
        }
    )
    clock = FixedClock(NOW - timedelta(hours=1))
    with tempfile.TemporaryDirectory() as directory:
        reconciler = Reconciler(
            Store.open(f"sqlite:///{directory}/bench.db"),
            config=config,
            sources={"shop": MemorySource()},
            clock=clock,
        )
        reconciler.connect_source("shop")
        clock.set(NOW + timedelta(minutes=1))
        for order in orders:
            reconciler.receive_order(
                "shop", order.model_copy(update={"payment_method": "prepayment", "status": "open"})
            )
        report = _timed("store", count, lambda: reconciler.tick(clock.now()))
        assert report.outbox.get("delivered") == count, report.outbox
        reconciler.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
