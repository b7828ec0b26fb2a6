"""``paymatch notify --preview``: terminal, .txt, .html (QR embedded) and .eml output."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paymatch.cli import main
from paymatch.rules import payment_reference

CONFIG = """
[notify]
from = "Beispiel Shop <billing@shop.example>"
shop_name = "Beispiel Shop"
payee = "Beispiel GmbH"
merchant = "owner@shop.example"

[[accounts]]
iban = "DE89 3704 0044 0532 0130 00"
bic = "COBADEFFXXX"

[policy.invoice.reminders]
fees = { EUR = ["0", "2.50", "5.00"] }
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "paymatch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    orders = tmp_path / "orders.jsonl"
    rows = [
        {
            "id": "o-1",
            "source": "shop",
            "number": "10023",
            "currency": "EUR",
            "amount": "49.90",
            "email": "kim@example.org",
            "customer_name": "Kim Meier",
            "payment_reference": payment_reference.generate(5),
            "language": "en",
            "country": "DE",
            "payment_code": "invoice",
            "created_at": "2026-11-01",
        },
        {"id": "o-2", "source": "other", "number": "10023", "currency": "EUR", "amount": "5"},
    ]
    orders.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return config, orders


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["notify", *args])
    return result.exit_code, result.output


def test_terminal_preview_shows_the_text_part(files: tuple[Path, Path]) -> None:
    config, orders = files
    code, out = run(
        "--preview", "o-1", "--orders", str(orders), "--config", str(config), "--date", "2026-11-02"
    )
    assert code == 0, out
    assert "Subject: Payment information for your order 10023" in out
    assert "DE89 3704 0044 0532 0130 00" in out
    assert "Attachments: girocode.png" in out
    assert "16 November 2026" not in out
    assert "15 November 2026" in out


def test_kinds_levels_and_language(files: tuple[Path, Path]) -> None:
    config, orders = files
    base = ["--preview", "o-1", "--orders", str(orders), "--config", str(config)]
    code, out = run(*base, "--kind", "pre_collection_letter", "--level", "3", "--language", "de")
    assert code == 0, out
    assert "2. Mahnung" in out
    assert "7,50" in out
    code, out = run(
        *base, "--kind", "payment_information_amount_changed", "--previous-amount", "39.90"
    )
    assert code == 0
    assert "(previously 39,90\u00a0€)" in out
    code, out = run(*base, "--kind", "overpayment")
    assert code == 0
    assert "To: owner@shop.example" in out


def test_out_files(files: tuple[Path, Path], tmp_path: Path) -> None:
    config, orders = files
    base = ["--preview", "o-1", "--orders", str(orders), "--config", str(config)]
    assert run(*base, "--out", str(tmp_path / "m.txt"))[0] == 0
    assert "IBAN" in (tmp_path / "m.txt").read_text(encoding="utf-8")
    assert run(*base, "--out", str(tmp_path / "m.html"))[0] == 0
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html
    assert "cid:" not in html
    assert run(*base, "--out", str(tmp_path / "m.eml"))[0] == 0
    parsed = email.message_from_bytes(
        (tmp_path / "m.eml").read_bytes(), policy=email.policy.default
    )
    assert parsed["To"] == "kim@example.org"
    assert parsed.get_body(("html",)) is not None
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["girocode.png"]
    assert not list(tmp_path.glob(".*.partial"))


def test_errors_are_one_line(files: tuple[Path, Path], tmp_path: Path) -> None:
    config, orders = files
    code, out = run("--preview", "10023", "--orders", str(orders), "--config", str(config))
    assert code == 1
    assert "several orders" in out
    assert "--source" in out
    code, out = run(
        "--preview", "10023", "--orders", str(orders), "--config", str(config), "--source", "other"
    )
    assert code == 1
    assert "no e-mail address" in out
    code, out = run("--preview", "nope", "--orders", str(orders))
    assert code == 1
    assert "no order" in out
    code, out = run("--preview", "o-1", "--orders", str(orders))
    assert code == 1
    assert "no configured account" in out
    code, out = run("--preview", "o-1", "--orders", str(orders), "--out", str(tmp_path / "x.pdf"))
    assert code == 2
    assert ".eml, .html or .txt" in out
    code, out = run("--preview", "o-1")
    assert code == 2
    assert "--orders" in out
