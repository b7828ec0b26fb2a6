import json
import re
from pathlib import Path

from click.testing import CliRunner

from paymatch import schemas
from paymatch.cli import main
from paymatch.core.config import reference_markdown

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "src" / "paymatch" / "examples"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_match_the_bundled_example(tmp_path: Path) -> None:
    out = tmp_path / "decisions.jsonl"
    code, _, err = run(
        "match",
        "--orders",
        str(EXAMPLES / "orders.jsonl"),
        "--postings",
        str(EXAMPLES / "postings.jsonl"),
        "--out",
        str(out),
    )
    assert code == 0, err
    decisions = {d["posting_id"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert len(decisions) == 12
    assert decisions["p01"]["assignments"] == [{"order_id": "sw-10023", "amount": "49.90"}]
    assert {a["order_id"] for a in decisions["p02"]["assignments"]} == {"sw-10024", "sw-10025"}
    assert decisions["p05"]["decision"] == "suggested"
    assert decisions["p08"]["assignments"][0]["write_off_reason"] == "cash discount"
    assert decisions["p10"]["decision"] == "ignored"
    assert decisions["p11"]["decision"] == "unmatched"
    assert "12 postings" in err


def _match_writing(orders: Path, out: Path) -> tuple[int, str]:
    """``paymatch match`` of ``orders`` against the bundled postings into ``out``."""
    code, _, err = run(
        "match",
        "--orders",
        str(orders),
        "--postings",
        str(EXAMPLES / "postings.jsonl"),
        "--out",
        str(out),
    )
    return code, err


def test_malformed_input_writes_nothing(tmp_path: Path) -> None:
    orders = tmp_path / "orders.jsonl"
    orders.write_text('{"id": "1", "amount": 12.5, "currency": "EUR"}\n')
    out = tmp_path / "decisions.jsonl"
    code, err = _match_writing(orders, out)
    assert code == 1
    assert "orders.jsonl, line 1, field 'amount'" in err
    assert not out.exists()


def test_a_late_bad_order_line_writes_nothing(tmp_path: Path) -> None:
    # the orders are streamed into the index: the bad line is met after all the others
    lines = (EXAMPLES / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[-1]) | {"amount": "12.345"}
    orders = tmp_path / "orders.jsonl"
    orders.write_text("\n".join([*lines, json.dumps(bad)]) + "\n", encoding="utf-8")
    out = tmp_path / "decisions.jsonl"
    code, err = _match_writing(orders, out)
    assert code == 1
    assert f"orders.jsonl, line {len(lines) + 1}, field 'amount'" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [orders]


def test_config_and_history_files(tmp_path: Path) -> None:
    config = tmp_path / "paymatch.toml"
    config.write_text('[match.ignore]\ncounterparty_names = ["Max Mustermann"]\n')
    history = tmp_path / "history.json"
    history.write_text('{"DE12500105170648489890": ["K-1002"]}')
    code, out, err = run(
        "match",
        "--orders",
        str(EXAMPLES / "orders.jsonl"),
        "--postings",
        str(EXAMPLES / "postings.jsonl"),
        "--config",
        str(config),
        "--history",
        str(history),
    )
    assert code == 0, err
    decisions = {d["posting_id"]: d for d in map(json.loads, out.splitlines())}
    assert decisions["p12"]["decision"] == "ignored"
    history.write_text("[1, 2]")
    code, _, err = run(
        "match",
        "--orders",
        str(EXAMPLES / "orders.jsonl"),
        "--postings",
        str(EXAMPLES / "postings.jsonl"),
        "--history",
        str(history),
    )
    assert code == 1
    assert "payer history" in err


def test_json_schemas_in_docs_are_current() -> None:
    for name, schema in schemas.schemas().items():
        path = REPO / "docs" / "schemas" / name
        assert path.read_text(encoding="utf-8") == schemas.render(schema), (
            f"{path} is out of date: run python -m paymatch.schemas docs/schemas"
        )


def test_config_reference_in_docs_is_current() -> None:
    text = (REPO / "docs" / "matching.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- config-reference.*?-->\n(.*?)<!-- end config-reference -->", text, re.S
    )
    assert match is not None
    assert match.group(1) == reference_markdown()
