"""Delivery: the plugin hook first, then the sender; retries with backoff; the merchant is told."""

from __future__ import annotations

import email
import email.policy
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from notify_helpers import NOW, make_order, notify_config
from smtp_server import SmtpServer

from paymatch import hookimpl
from paymatch.core.events import SendPaymentInformation
from paymatch.core.notifications import Notification
from paymatch.notify.compose import Composer
from paymatch.notify.delivery import Deliverer, Outcome, failure_notice
from paymatch.notify.senders import FileSender, SmtpSender

EFFECT = SendPaymentInformation(reason="new_order", currency="EUR", open_amount="49.90")


@pytest.fixture
def message(composer: Composer) -> Notification:
    return composer.customer_message(EFFECT, make_order(), id="n-1", now=NOW, created_at=NOW)


class ShopMailer:
    """A plugin that takes the messages of its own connector's orders."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.fail = False

    @hookimpl
    def paymatch_send_notification(self, notification: Notification, attempt: int) -> str | None:
        if notification.connector != "tiny-shop":
            return None
        if self.fail:
            raise ConnectionError("shop mailer down")
        self.sent.append(notification.id)
        return f"tiny-shop mailer #{len(self.sent)} (attempt {attempt})"


def test_hook_goes_first_and_others_fall_through_to_the_sender(
    composer: Composer,
    register_paymatch_plugin,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    mailer = ShopMailer()
    register_paymatch_plugin(mailer, name="tiny-shop-mailer")
    deliverer = Deliverer(notify_config(), FileSender(tmp_path))
    ours = composer.customer_message(EFFECT, make_order(), id="a", now=NOW, connector="tiny-shop")
    result = deliverer.deliver(ours, attempt=1, now=NOW)
    assert (result.outcome, result.channel) == (Outcome.DELIVERED, "hook")
    assert result.receipt == "tiny-shop mailer #1 (attempt 1)"
    assert mailer.sent == ["a"]
    assert list(tmp_path.iterdir()) == []
    other = composer.customer_message(EFFECT, make_order(), id="b", now=NOW, connector="other")
    result = deliverer.deliver(other, attempt=1, now=NOW)
    assert (result.outcome, result.channel) == (Outcome.DELIVERED, "file")
    assert mailer.sent == ["a"]
    assert len(list(tmp_path.glob("*.eml"))) == 1
    mailer.fail = True
    failed = deliverer.deliver(ours, attempt=2, now=NOW)
    assert failed.outcome is Outcome.RETRY
    assert "shop mailer down" in (failed.error or "")


def test_nothing_configured_records(message: Notification) -> None:
    result = Deliverer(notify_config(), None, hook=None).deliver(message, attempt=1, now=NOW)
    assert result.outcome is Outcome.RECORDED


def test_file_sender_writes_once_per_message_and_completely(
    message: Notification, tmp_path: Path
) -> None:
    deliverer = Deliverer(notify_config(), FileSender(tmp_path / "out"), hook=None)
    first = deliverer.deliver(message, attempt=1, now=NOW)
    again = deliverer.deliver(message, attempt=2, now=NOW)
    files = list((tmp_path / "out").iterdir())
    assert len(files) == 1
    assert files[0].suffix == ".eml"
    assert first.receipt == again.receipt
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == message.message_id


def test_temporary_failures_back_off_then_give_up_and_tell_the_merchant(
    composer: Composer, message: Notification, tmp_path: Path
) -> None:
    config = notify_config()
    with SmtpServer(tmp_path, mode="plain") as server:
        smtp = SmtpSender(
            config.smtp.model_copy(
                update={"host": "127.0.0.1", "port": server.port, "security": "none"}
            )
        )
        deliverer = Deliverer(config, smtp, hook=None)
        server.handler.replies[message.recipient or ""] = "451 4.7.1 greylisted"
        now, waits, attempt = NOW, [], 0
        while True:
            attempt += 1
            result = deliverer.deliver(message, attempt=attempt, now=now, first_attempt_at=NOW)
            if result.outcome is not Outcome.RETRY:
                break
            assert result.retry_at is not None
            assert result.retry_at > now
            waits.append(result.retry_at - now)
            now = result.retry_at
        assert result.outcome is Outcome.FAILED
        assert "greylisted" in (result.error or "")
        retry = config.retry
        assert waits[0] == retry.initial
        assert all(b == min(2 * a, retry.max) for a, b in itertools.pairwise(waits))
        assert now - NOW <= retry.give_up_after < now - NOW + retry.max + timedelta(seconds=1)
        notice = failure_notice(composer, message, result, attempts=attempt, id="f-1")
        assert notice is not None
        assert notice.kind == "delivery_failed"
        assert notice.recipient == "owner@shop.example"
        assert "greylisted" in notice.text
        assert message.recipient
        assert message.recipient in notice.text
        server.handler.replies.clear()
        delivered = deliverer.deliver(notice, attempt=1, now=now)
        assert delivered.outcome is Outcome.DELIVERED
        assert server.received[0].rcpt_tos == ["owner@shop.example"]
        assert failure_notice(composer, notice, result, attempts=1, id="f-2") is None


def test_permanent_failure_gives_up_at_once(message: Notification, tmp_path: Path) -> None:
    config = notify_config()
    with SmtpServer(tmp_path, mode="plain") as server:
        server.handler.replies[message.recipient or ""] = "550 5.1.1 no such user"
        smtp = SmtpSender(
            config.smtp.model_copy(
                update={"host": "127.0.0.1", "port": server.port, "security": "none"}
            )
        )
        result = Deliverer(config, smtp, hook=None).deliver(message, attempt=1, now=NOW)
        assert result.outcome is Outcome.FAILED
        assert "no such user" in (result.error or "")


def test_merchant_notice_without_merchant_address_is_recorded(
    composer: Composer, tmp_path: Path
) -> None:
    config = notify_config(merchant=[])
    bare = Composer(config, composer.accounts, composer.policies)
    notice = bare.merchant_notice(
        "overpayment", id="m", order=make_order(), data={"amount": "1.00"}
    )
    assert notice.recipient is None
    result = Deliverer(config, FileSender(tmp_path), hook=None).deliver(notice, attempt=1, now=NOW)
    assert result.outcome is Outcome.RECORDED
