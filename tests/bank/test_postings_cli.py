"""``paymatch postings``: bank files to posting JSON Lines, overlapping statements once, atomic."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from paymatch.cli import main

HEAD = ":20:REF\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C251230EUR100,00\n"
LINE = ":61:2512301230C{amount}NTRFNONREF//B{ref}\n:86:166?20Order {ref}?32Kunde\n"


def statement(*lines: tuple[str, int]) -> str:
    body = "".join(LINE.format(amount=amount, ref=ref) for amount, ref in lines)
    return HEAD + body + ":62F:C260102EUR100,00\n-\n"


def test_overlapping_statements_give_each_posting_once(tmp_path: Path) -> None:
    first = tmp_path / "day1.sta"
    second = tmp_path / "day2.sta"
    first.write_text(statement(("1,00", 1), ("2,00", 2)))
    second.write_text(statement(("2,00", 2), ("3,00", 3)))  # B2 is in both exports
    out = tmp_path / "postings.jsonl"
    result = CliRunner().invoke(main, ["postings", str(first), str(second), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["amount"] for row in rows] == ["1.00", "2.00", "3.00"]
    assert len({row["id"] for row in rows}) == 3


def test_a_bad_file_writes_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.sta"
    bad = tmp_path / "bad.sta"
    good.write_text(statement(("1,00", 1)))
    bad.write_text(statement(("1,00", 1)).replace(":62F:C260102EUR100,00\n", ""))
    out = tmp_path / "postings.jsonl"
    result = CliRunner().invoke(main, ["postings", str(good), str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "bad.sta" in result.output
    assert "closing balance" in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".*.partial"))
