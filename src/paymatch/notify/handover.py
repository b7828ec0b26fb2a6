"""Handing a message over at most once per notification, across crashes.

An outbox retries work whose completion it did not record; for a message that means a second
e-mail to the customer. So the hand-over itself is journalled, each step committed on its own:

1. ``begin``: "about to hand over notification N with Message-ID M" (committed *before* the
   message leaves);
2. the hook or the SMTP server accepts the message;
3. ``finish``: "N was handed over, receipt R", committed in its own short transaction the
   moment the server has answered ``250`` to ``DATA`` (the sender's ``accepted`` callback), even
   before the connection is closed with ``QUIT``.

A retry first reads the journal: a finished hand-over is reported as delivered and **not** sent
again (the crash came after step 3, e.g. before the outbox item was marked done). A hand-over
that began but did not finish is the one unavoidable window: the process died between the
server's ``250`` reply to ``DATA`` and the commit of step 3, or before the server accepted (the
usual case: the connection dropped mid-message and the server discarded it). paymatch cannot
tell the two apart, so it sends again with the **same** Message-ID: at worst the customer gets a
second copy that mail clients and providers that deduplicate by Message-ID drop. The window is
kept small: one row update after the ``250`` reply, nothing else in between. ``interrupted``
counts how often a hand-over was found half-done, so such repeats are visible.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

from paymatch.core.notifications import Notification
from paymatch.notify.delivery import Deliverer, DeliveryResult, Outcome


@attrs.frozen
class HandoverRecord:
    notification_id: str
    message_id: str | None
    started_at: datetime | None
    handed_over_at: datetime | None
    channel: str | None = None
    receipt: str | None = None
    interrupted: int = 0


class Journal(Protocol):
    """Durable record of hand-overs; each method commits before it returns."""

    def get(self, notification_id: str) -> HandoverRecord | None: ...

    def begin(self, notification_id: str, message_id: str | None, at: datetime) -> None:
        """Record that a hand-over starts (``interrupted`` + 1 if one began and never ended)."""
        ...

    def finish(
        self, notification_id: str, *, channel: str | None, receipt: str | None, at: datetime
    ) -> None: ...


def hand_over_once(
    journal: Journal,
    deliverer: Deliverer,
    notification: Notification,
    *,
    attempt: int,
    now: datetime,
    first_attempt_at: datetime | None = None,
) -> DeliveryResult:
    """Deliver ``notification`` unless the journal says it was handed over already."""
    record = journal.get(notification.id)
    if record is not None and record.handed_over_at is not None:
        return DeliveryResult(Outcome.DELIVERED, record.channel, record.receipt)
    journal.begin(notification.id, notification.message_id, now)

    def handed_over(channel: str, receipt: str) -> None:
        journal.finish(notification.id, channel=channel, receipt=receipt, at=now)

    return deliverer.deliver(
        notification,
        attempt=attempt,
        now=now,
        first_attempt_at=first_attempt_at,
        handed_over=handed_over,
    )
