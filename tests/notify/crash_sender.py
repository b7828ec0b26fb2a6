"""One worker of the hand-over crash test: sends every notification not yet handed over.

Run as a script with the journal file, the SMTP port and the number of messages; it exits 0
when all are handed over. The test kills it with SIGKILL at random points and starts it again.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_helpers import ACCOUNTS, make_order, notify_config
from sqlite_journal import SqliteJournal

from paymatch.core.events import SendPaymentInformation
from paymatch.notify.compose import Composer
from paymatch.notify.delivery import Deliverer, Outcome
from paymatch.notify.handover import hand_over_once
from paymatch.notify.senders import SmtpSender

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("journal", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    config = notify_config()
    composer = Composer(config, ACCOUNTS)
    smtp = SmtpSender(
        config.smtp.model_copy(update={"host": "127.0.0.1", "port": args.port, "security": "none"})
    )
    deliverer = Deliverer(config, smtp, hook=None)
    journal = SqliteJournal(args.journal)
    effect = SendPaymentInformation(reason="new_order", currency="EUR", open_amount="49.90")
    print("ready", flush=True)
    for number in range(args.count):
        order = make_order(id=f"o-{number}", number=str(10000 + number))
        message = composer.customer_message(
            effect, order, id=f"n-{number}", now=NOW, created_at=NOW
        )
        result = hand_over_once(journal, deliverer, message, attempt=1, now=NOW)
        if result.outcome is not Outcome.DELIVERED:
            raise SystemExit(f"{message.id}: {result.outcome} {result.error}")


if __name__ == "__main__":
    main()
