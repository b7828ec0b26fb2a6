from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from paymatch.cli import main

pytest.importorskip("paymatch.core.lifecycle", reason="the order lifecycle is not installed yet")


def test_demo_shows_the_whole_flow(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--keep", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "not managed" in result.output
    assert "0 new postings, 6 already known" in result.output
    written = [
        json.loads(line)
        for line in (tmp_path / "orders.jsonl.status.jsonl").read_text().splitlines()
    ]
    assert {w["order_id"] for w in written} >= {"10023", "10027"}
    assert len({w["order_id"] for w in written}) == len(written)  # each once


def test_run_once_ticks_with_a_configuration(tmp_path: Path) -> None:
    orders = tmp_path / "orders.jsonl"
    orders.write_text(
        '{"id": "1", "number": "10001", "amount": "20.00", "currency": "EUR", '
        '"payment_code": "prepayment"}\n'
    )
    config = tmp_path / "paymatch.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///store.db"\n\n'
        '[sources.shop]\nconnector = "file"\nsettings = { orders = "orders.jsonl" }\n'
    )
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--once"])
    assert result.exit_code == 0, result.output
    assert "shop connect" in result.output
    assert (tmp_path / "store.db").exists()
    result = CliRunner().invoke(main, ["run", "--config", str(tmp_path / "missing.toml")])
    assert result.exit_code != 0


def test_run_survives_a_failing_tick_and_stops_on_sigterm(tmp_path: Path, monkeypatch) -> None:
    from paymatch.core.reconciler import Reconciler  # noqa: PLC0415

    config = tmp_path / "paymatch.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n')
    calls = []
    real_tick = Reconciler.tick

    def tick(self, now=None):
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        os.kill(os.getpid(), signal.SIGTERM)  # the loop's own handler: stop after this tick
        return real_tick(self, now)

    monkeypatch.setattr(Reconciler, "tick", tick)
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--interval", "0"])
    assert result.exit_code == 0, result.output
    assert "tick failed: ConnectionError: database restarting" in result.output
    assert len(calls) == 2
    monkeypatch.setattr(Reconciler, "tick", lambda self, now=None: 1 / 0)
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--once"])
    assert isinstance(result.exception, ZeroDivisionError)  # --once reports the failure
