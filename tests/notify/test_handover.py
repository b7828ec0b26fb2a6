"""The hand-over journal: a finished hand-over is never repeated; a half-done one is, and counted.
(The SIGKILL test with the Store's journal is tests/notify/test_store_crash.py.)"""

from __future__ import annotations

from notify_helpers import NOW, make_order

from paymatch.core.events import SendPaymentInformation
from paymatch.notify.compose import Composer
from paymatch.notify.delivery import DeliveryResult, Outcome
from paymatch.notify.handover import HandoverRecord, hand_over_once


class _Journal:
    def __init__(self) -> None:
        self.records: dict[str, HandoverRecord] = {}

    def get(self, notification_id: str) -> HandoverRecord | None:
        return self.records.get(notification_id)

    def begin(self, notification_id: str, message_id: str | None, at: object) -> None:
        old = self.records.get(notification_id)
        self.records[notification_id] = HandoverRecord(
            notification_id, message_id, NOW, None, interrupted=(old.interrupted + 1) if old else 0
        )

    def finish(
        self, notification_id: str, *, channel: str | None, receipt: str | None, at: object
    ) -> None:
        old = self.records[notification_id]
        self.records[notification_id] = HandoverRecord(
            notification_id, old.message_id, old.started_at, NOW, channel, receipt, old.interrupted
        )


class _CountingDeliverer:
    def __init__(self) -> None:
        self.calls = 0

    def deliver(self, notification: object, **kw: object) -> DeliveryResult:
        self.calls += 1
        handed_over = kw["handed_over"]
        handed_over("smtp", "accepted")  # type: ignore[operator]
        return DeliveryResult(Outcome.DELIVERED, "smtp", "accepted")


def test_a_finished_hand_over_is_never_repeated(composer: Composer) -> None:
    message = composer.customer_message(
        SendPaymentInformation(reason="new_order", currency="EUR", open_amount="1.00"),
        make_order(),
        id="n",
        now=NOW,
    )
    journal, deliverer = _Journal(), _CountingDeliverer()
    first = hand_over_once(journal, deliverer, message, attempt=1, now=NOW)  # type: ignore[arg-type]
    again = hand_over_once(journal, deliverer, message, attempt=2, now=NOW)  # type: ignore[arg-type]
    assert deliverer.calls == 1
    assert first.outcome is again.outcome is Outcome.DELIVERED
    assert again.receipt == "accepted"
    journal.records["n"] = HandoverRecord("n", message.message_id, NOW, None)  # crashed mid-way
    hand_over_once(journal, deliverer, message, attempt=3, now=NOW)  # type: ignore[arg-type]
    assert deliverer.calls == 2
    assert journal.records["n"].interrupted == 1
