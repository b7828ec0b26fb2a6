from __future__ import annotations

import json
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
