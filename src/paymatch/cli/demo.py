"""``paymatch demo``: the whole flow on the embedded default, printed readably.

A shop (a file source) is connected, new orders arrive, a bundled CAMT statement is imported and
matched, ambiguous postings wait for review, paid orders are written back to the shop, and the
same statement imported again adds nothing. Everything runs in a temporary directory on SQLite.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from paymatch.connectors.files import FileSource
from paymatch.core.clock import FixedClock
from paymatch.core.reconciler import Reconciler
from paymatch.core.records import ImportReport
from paymatch.core.settings import config_from_dict

OWN_IBAN = "DE02120300000000202051"


def _data(name: str) -> str:
    return (resources.files("paymatch.cli") / "demo_data" / name).read_text(encoding="utf-8")


def _decisions(reconciler: Reconciler, report: ImportReport) -> Table:
    table = Table(title=f"Statement {report.name}: {report.new} new postings")
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("payer")
    table.add_column("remittance")
    table.add_column("decision", no_wrap=True)
    table.add_column("order", no_wrap=True)
    table.add_column("why (strongest evidence)", ratio=2)
    for decision in report.decisions:
        stored = reconciler.posting(decision.posting_id)
        posting = stored.posting
        orders = [share.order_id for share in decision.assignments]
        if not orders and decision.candidates:
            orders = [f"{c.order_id}?" for c in decision.candidates]
        why = decision.reason or ""
        if decision.candidates and decision.candidates[0].evidence:
            why = decision.candidates[0].evidence[0].text
        table.add_row(
            f"{posting.amount} {posting.currency}",
            posting.counterparty_name or "",
            posting.remittance,
            _STATUS_STYLE.get(stored.status, stored.status),
            " ".join(orders),
            why,
        )
    return table


_STATUS_STYLE = {
    "assigned": "[green]assigned[/]",
    "partial": "[yellow]partial[/]",
    "suggested": "[cyan]review[/]",
    "unmatched": "[dim]unmatched[/]",
    "ignored": "[dim]ignored[/]",
}


def _orders(reconciler: Reconciler, title: str) -> Table:
    table = Table(title=title)
    for column in ("order", "customer", "amount", "paid", "state"):
        table.add_column(column)
    for stored in reconciler.orders():
        table.add_row(
            stored.order_id,
            stored.order.customer_name or "",
            f"{stored.amount} {stored.currency}",
            f"{stored.paid}",
            stored.state,
        )
    return table


@click.command("demo")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the demo's files (store, orders, statuses) in this directory.",
)
def demo(keep: Path | None) -> None:
    """Show the whole flow on a bundled statement and a file-based shop."""
    console = Console(width=max(Console().width, 120))
    workdir = Path(tempfile.mkdtemp(prefix="paymatch-demo-")) if keep is None else keep
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        _run(console, workdir)
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(console: Console, workdir: Path) -> None:
    orders_file = workdir / "orders.jsonl"
    orders_file.write_text(_data("orders-before.jsonl"), encoding="utf-8")
    statement = workdir / "statement.xml"
    statement.write_text(_data("statement.xml"), encoding="utf-8")
    clock = FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    config = config_from_dict(
        {
            "store": {"url": f"sqlite:///{workdir / 'paymatch.db'}"},
            "sources": {"shop": {"connector": "file", "settings": {"orders": str(orders_file)}}},
            "accounts": [{"iban": OWN_IBAN, "currency": "EUR", "sources": ["shop"]}],
        }
    )
    shop = FileSource(orders_file)
    reconciler = Reconciler.from_config(
        config, clock=clock, sources={"shop": shop}, worker_id="demo"
    )
    try:
        console.rule("[bold]1. Connect the shop")
        report = reconciler.connect_source("shop")
        console.print(
            f"Connected at {clock.now():%Y-%m-%d %H:%M}. The {report.not_managed} orders open "
            "then existed before paymatch: [italic]not managed[/] (no messages, no reminders) "
            "until a payment arrives for one. Closed orders are not imported."
        )
        console.rule("[bold]2. New orders arrive")
        clock.advance(timedelta(hours=9))
        with orders_file.open("a", encoding="utf-8") as stream:
            stream.write(_data("orders-new.jsonl"))
        report = reconciler.sync("shop", "new")
        console.print(f"Comparison of new orders: {report.new} new orders, managed from now on.")
        console.rule("[bold]3. Import the bank statement")
        clock.advance(timedelta(days=3, hours=10))
        imported = reconciler.import_statement(statement)
        console.print(_decisions(reconciler, imported))
        console.rule("[bold]4. Waiting for a person")
        queue = reconciler.review_queue()
        if not queue:
            console.print("Nothing to review.")
        for item in queue:
            console.print(
                f"{item.posting.amount} {item.posting.currency} from "
                f"{item.posting.counterparty_name}: '{item.posting.remittance}'"
            )
            for candidate in item.candidates:
                evidence = "; ".join(e["text"] for e in candidate.evidence[:3])
                console.print(
                    f"   candidate order {candidate.number or candidate.order_id} "
                    f"(score {candidate.score:.2f}): {evidence}"
                )
        console.rule("[bold]5. Write paid orders back to the shop")
        tick = reconciler.tick()
        done = ", ".join(f"{n} {k}" for k, n in sorted(tick.outbox.items())) or "nothing due"
        console.print(f"Outbox work done by tick(): {done}. The shop's status file now says:")
        for record in shop.written():
            console.print(f"   order {record['order_id']} -> status '{record['status']}'")
        console.print(_orders(reconciler, "Orders now"))
        console.rule("[bold]6. The same statement again")
        again = reconciler.import_statement(statement)
        console.print(
            f"{again.new} new postings, {again.duplicates} already known: importing is idempotent."
        )
        notes = Counter(n.kind for n in reconciler.notifications())
        if notes:
            kinds = ", ".join(f"{count} x {kind}" for kind, count in sorted(notes.items()))
            console.print(f"Notifications recorded for delivery (no sender configured): {kinds}.")
    finally:
        reconciler.close()
