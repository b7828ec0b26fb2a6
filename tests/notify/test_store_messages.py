"""Messages through the Store's outbox: the Reconciler, a real SMTP server, SQLite and PostgreSQL.

What is checked end to end: payment information for a new order (with paymatch's own reference,
issued by the store and recognised by the matcher), no message for an order paid before the
outbox ran, reminders with fees, temporary and permanent SMTP errors (retry; failed + merchant
told), the plugin hook taking its connector's messages, postings left unassigned, the preview
command reading the order from the store.
"""

from __future__ import annotations

import email.message
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from smtp_server import SmtpServer

from paymatch import hookimpl
from paymatch.cli import main
from paymatch.connectors.memory import MemorySource
from paymatch.core.clock import FixedClock
from paymatch.core.models import Order, Posting
from paymatch.core.notifications import Notification
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import config_from_dict
from paymatch.core.store import Store
from paymatch.rules import creditor_reference, payment_reference

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ACCOUNT = "DE89370400440532013000"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path, mode="plain") as server:
        yield server


def settings(smtp: SmtpServer, **notify: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "sender": "smtp",
        "from": "Beispiel Shop <billing@shop.example>",
        "merchant": "owner@shop.example",
        "shop_name": "Beispiel Shop",
        "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "none", "timeout": 5},
        "retry": {"initial": "10m", "max": "1h", "give_up_after": "1d"},
    }
    table.update(notify)
    return {
        "sources": {"shop": {"connector": "memory", "send_payment_information": True}},
        "accounts": [
            {"iban": ACCOUNT, "bic": "COBADEFFXXX", "holder": "Beispiel GmbH", "sources": ["shop"]}
        ],
        "notify": table,
        "policy": {
            "invoice": {
                "reminders": {
                    "first_after_days": 5,
                    "interval_days": 7,
                    "levels": 2,
                    "fees": {"EUR": ["0", "2.50"]},
                },
            }
        },
    }


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def build(
    store_url: str, clock: FixedClock, smtp: SmtpServer
) -> Iterator[Callable[..., tuple[Reconciler, MemorySource]]]:
    opened: list[Reconciler] = []

    def make(**notify: Any) -> tuple[Reconciler, MemorySource]:
        source = MemorySource()
        reconciler = Reconciler(
            Store.open(store_url),
            config=config_from_dict(settings(smtp, **notify)),
            sources={"shop": source},
            clock=clock,
            worker_id="test",
        )
        reconciler.connect_source("shop")
        opened.append(reconciler)
        return reconciler, source

    yield make
    for reconciler in opened:
        reconciler.close()


def order(number: str, *, code: str = "prepayment", **changes: Any) -> Order:
    data: dict[str, Any] = {
        "id": f"o-{number}",
        "number": number,
        "currency": "EUR",
        "amount": "49.90",
        "email": f"customer{number}@example.org",
        "customer_name": "Kim Meier",
        "language": "de",
        "country": "DE",
        "payment_method": code,
        "status": "open",
        "created_at": START + timedelta(hours=1),
    }
    data.update(changes)
    return Order.model_validate(data)


def received_by(smtp: SmtpServer, address: str) -> list[email.message.EmailMessage]:
    return [r.message for r in smtp.received if address in r.rcpt_tos]


def test_payment_information_carries_the_issued_reference_that_the_matcher_finds(
    build: Callable[..., tuple[Reconciler, MemorySource]], smtp: SmtpServer, clock: FixedClock
) -> None:
    reconciler, _ = build()
    clock.advance(timedelta(hours=2))
    reconciler.receive_order("shop", order("10023"))
    report = reconciler.tick()
    assert report.outbox.get("delivered") == 1
    (mail,) = received_by(smtp, "customer10023@example.org")
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    stored = reconciler.order("o-10023", source="shop").order
    reference = stored.payment_reference
    assert reference is not None
    assert payment_reference.is_valid(reference)
    assert payment_reference.format(reference) in text
    (record,) = reconciler.notifications()
    assert record.status == "delivered"
    # the customer pays with the RF form the QR code carries: the matcher assigns it
    posting = Posting(
        id="p1",
        account_iban=ACCOUNT,
        booking_date=date(2026, 11, 3),
        currency="EUR",
        amount=Decimal("49.90"),
        counterparty_name="Someone Else",
        remittance="",
        creditor_reference=creditor_reference.from_payment_reference(reference),
    )
    result = reconciler.import_postings([posting], account_iban=ACCOUNT, name="s1")
    assert result.assigned == 1
    assert reconciler.order("o-10023", source="shop").state == "paid"


def test_a_message_for_an_order_paid_before_the_outbox_ran_is_dropped(
    build: Callable[..., tuple[Reconciler, MemorySource]], smtp: SmtpServer, clock: FixedClock
) -> None:
    reconciler, _ = build()
    clock.advance(timedelta(hours=2))
    reconciler.receive_order("shop", order("10024"))
    reference = reconciler.order("o-10024", source="shop").order.payment_reference
    posting = Posting(
        id="p2",
        account_iban=ACCOUNT,
        booking_date=date(2026, 11, 2),
        currency="EUR",
        amount=Decimal("49.90"),
        remittance=f"Bestellung {reference}",
    )
    reconciler.import_postings([posting], account_iban=ACCOUNT, name="s")
    reconciler.tick()
    assert received_by(smtp, "customer10024@example.org") == []
    statuses = {n.kind: n.status for n in reconciler.notifications()}
    assert statuses["payment_information"] == "obsolete"


def test_reminders_with_fees_then_none_once_paid(
    build: Callable[..., tuple[Reconciler, MemorySource]], smtp: SmtpServer, clock: FixedClock
) -> None:
    reconciler, source = build()
    clock.advance(timedelta(hours=2))
    # the full comparison must still list it (the memory source keeps naive UTC times)
    source.put(order("10025", code="invoice"), at=clock.now().replace(tzinfo=None))
    reconciler.receive_order("shop", order("10025", code="invoice"))
    reconciler.tick()
    for _ in range(3):
        clock.advance(timedelta(days=7))
        reconciler.tick()
    mails = received_by(smtp, "customer10025@example.org")
    subjects = [m["Subject"] for m in mails]
    assert len(mails) == 3, subjects  # payment information, reminder, 1. Mahnung (levels = 2)
    assert "Zahlungserinnerung" in subjects[1]
    assert "Mahnung" in subjects[2]
    letter = mails[2].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "2,50" in letter
    assert "52,40" in letter


def test_smtp_errors_retry_or_fail_and_the_merchant_is_told(
    build: Callable[..., tuple[Reconciler, MemorySource]], smtp: SmtpServer, clock: FixedClock
) -> None:
    reconciler, _ = build()
    clock.advance(timedelta(hours=2))
    smtp.handler.replies["customer1@example.org"] = "451 4.7.1 greylisted"
    smtp.handler.replies["customer2@example.org"] = "550 5.1.1 no such user"
    reconciler.receive_order("shop", order("1"))
    reconciler.receive_order("shop", order("2"))
    first = reconciler.tick()
    # one retry, one failure, and the merchant's delivery_failed notice (queued and sent at once)
    assert first.outbox == {"retry": 1, "failed": 1, "delivered": 1}
    clock.advance(timedelta(minutes=5))
    assert reconciler.tick().outbox == {}  # the retry waits 10 minutes
    (notice,) = received_by(smtp, "owner@shop.example")
    body = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "no such user" in body
    assert "customer2@example.org" in body
    smtp.handler.replies.clear()
    clock.advance(timedelta(minutes=6))  # past the 10-minute wait
    assert reconciler.tick().outbox.get("delivered") == 1
    assert len(received_by(smtp, "customer1@example.org")) == 1
    statuses = sorted((n.kind, n.status) for n in reconciler.notifications())
    assert statuses == [
        ("delivery_failed", "delivered"),
        ("payment_information", "delivered"),
        ("payment_information", "failed"),
    ]


class ShopMailer:
    def __init__(self) -> None:
        self.taken: list[Notification] = []

    @hookimpl
    def paymatch_send_notification(self, notification: Notification, attempt: int) -> str | None:
        if notification.connector != "memory" or notification.audience != "customer":
            return None
        self.taken.append(notification)
        return "shop mailer"


def test_no_payment_information_where_the_shop_sends_its_own(
    store_url: str, clock: FixedClock, smtp: SmtpServer
) -> None:
    data = settings(smtp)
    data["sources"]["shop"]["send_payment_information"] = False
    reconciler = Reconciler(
        Store.open(store_url),
        config=config_from_dict(data),
        sources={"shop": MemorySource()},
        clock=clock,
        worker_id="test",
    )
    try:
        reconciler.connect_source("shop")
        clock.advance(timedelta(hours=2))
        reconciler.receive_order("shop", order("9"))
        reconciler.tick()
        assert smtp.received == []
        assert [(n.kind, n.status) for n in reconciler.notifications()] == [
            ("payment_information", "obsolete")
        ]
    finally:
        reconciler.close()


def test_the_hook_takes_its_connectors_customer_messages(
    build: Callable[..., tuple[Reconciler, MemorySource]],
    smtp: SmtpServer,
    clock: FixedClock,
    register_paymatch_plugin: Any,
) -> None:
    mailer = ShopMailer()
    register_paymatch_plugin(mailer, name="shop-mailer")
    reconciler, _ = build()
    clock.advance(timedelta(hours=2))
    reconciler.receive_order("shop", order("7"))
    reconciler.tick()
    assert [n.kind for n in mailer.taken] == ["payment_information"]
    assert mailer.taken[0].attachments
    assert mailer.taken[0].message_id
    assert smtp.received == []
    (record,) = reconciler.notifications()
    assert record.status == "delivered"


def test_postings_left_unassigned_are_reported_once(
    build: Callable[..., tuple[Reconciler, MemorySource]], smtp: SmtpServer, clock: FixedClock
) -> None:
    reconciler, _ = build(unassigned_after_days=3)
    posting = Posting(
        id="p-x",
        account_iban=ACCOUNT,
        booking_date=date(2026, 11, 2),
        currency="EUR",
        amount=Decimal("12.00"),
        counterparty_name="Unknown Payer",
        remittance="gift",
    )
    reconciler.import_postings([posting], account_iban=ACCOUNT, name="s")
    reconciler.tick()
    assert received_by(smtp, "owner@shop.example") == []
    clock.advance(timedelta(days=3, minutes=1))
    reconciler.tick()
    clock.advance(timedelta(days=1))
    reconciler.tick()
    (notice,) = received_by(smtp, "owner@shop.example")
    assert "p-x" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_preview_reads_the_order_from_the_store(
    build: Callable[..., tuple[Reconciler, MemorySource]],
    smtp: SmtpServer,
    clock: FixedClock,
    store_url: str,
    tmp_path: Path,
) -> None:
    reconciler, _ = build()
    clock.advance(timedelta(hours=2))
    reconciler.receive_order("shop", order("10030"))
    reference = reconciler.order("o-10030", source="shop").order.payment_reference
    config = tmp_path / "paymatch.toml"
    config.write_text(
        f'[store]\nurl = "{store_url}"\n[[accounts]]\niban = "{ACCOUNT}"\n'
        '[notify]\npayee = "Beispiel GmbH"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["notify", "--preview", "10030", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert reference is not None
    assert payment_reference.format(reference) in result.output
    assert smtp.received == []  # a preview sends nothing


def test_the_documented_configuration_is_a_valid_paymatch_toml(tmp_path: Path) -> None:
    from test_config import documented_example  # noqa: PLC0415

    from paymatch.core.settings import load_config  # noqa: PLC0415

    path = tmp_path / "paymatch.toml"
    path.write_text(documented_example(), encoding="utf-8")
    config = load_config(path)
    assert config.accounts[0].holder == "Beispiel GmbH"
    assert config.notify["templates"] == str(tmp_path / "mail-templates")
