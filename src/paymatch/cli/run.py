"""``paymatch run``: the worker loop. Ticks the reconciler until stopped (SIGINT/SIGTERM)."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import click
from rich.console import Console

from paymatch.core.reconciler import Reconciler
from paymatch.core.records import TickReport
from paymatch.core.settings import load_config

_log = logging.getLogger(__name__)


def _summary(report: TickReport) -> str:
    parts = [f"{report.at:%Y-%m-%d %H:%M:%S}"]
    for sync in report.syncs:
        if sync.error:
            parts.append(f"{sync.source}: ERROR {sync.error}")
        else:
            parts.append(
                f"{sync.source} {sync.mode}: {sync.new} new, {sync.changed} changed"
                + (f", {len(sync.problems)} problems" if sync.problems else "")
            )
    if report.matched:
        parts.append(f"{report.matched} postings matched")
    if report.due_events:
        parts.append(f"{report.due_events} deadlines")
    if report.outbox:
        parts.append("outbox " + ", ".join(f"{k} {v}" for k, v in sorted(report.outbox.items())))
    return " | ".join(parts)


@click.command("run")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="paymatch.toml",
    show_default=True,
    help="The configuration file.",
)
@click.option("--once", is_flag=True, help="Tick once and exit.")
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Seconds between ticks (default: [worker] interval of the configuration).",
)
def run(config_path: Path, once: bool, interval: float | None) -> None:
    """Run the worker: source schedules, matching, deadlines, write-backs, notifications."""
    console = Console(stderr=True)
    config = load_config(config_path)
    reconciler = Reconciler.from_config(config)
    wait = interval if interval is not None else config.worker.interval.total_seconds()
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    console.print(f"paymatch worker {reconciler.worker_id} on {config.store.url.split('@')[-1]}")
    try:
        while not stop.is_set():
            try:
                console.print(_summary(reconciler.tick()))
            except Exception as error:
                if once:
                    raise
                # The store or a plugin may fail for a while (a database restart, a deploy):
                # everything a tick does is committed step by step, so the next tick resumes.
                _log.exception("tick failed")
                console.print(
                    f"tick failed: {type(error).__name__}: {error}; retrying in {wait:g} s"
                )
            if once:
                break
            stop.wait(wait)
    finally:
        reconciler.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
