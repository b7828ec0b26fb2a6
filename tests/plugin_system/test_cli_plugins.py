"""``paymatch plugins``: the table and the JSON, in process and through the installed script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import paymatch
from paymatch.cli import main
from paymatch.connectors.plugins import PaymatchPluginManager
from paymatch.rules.extensions import ReferencePattern
from paymatch.testing import FakeBankFormat, FakeOrderSource


class _Invoicing(FakeOrderSource):
    PLUGIN_NAME = "books"
    KIND = "invoicing"  # type: ignore[assignment]


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["plugins", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def _skip_ignore_me(posting: object) -> str | None:
    return None


@pytest.fixture
def some_connectors(
    paymatch_plugin_manager: PaymatchPluginManager, register_connector: Callable[..., str]
) -> None:
    register_connector(
        FakeOrderSource,
        _Invoicing,
        FakeBankFormat(),
        ReferencePattern("fake-ref", r"F\d+", "order_number"),
        _skip_ignore_me,
        name="test-plugin",
    )


@pytest.mark.usefixtures("some_connectors")
def test_json_lists_connectors_with_kind_and_origin() -> None:
    code, output = _invoke("--json")
    assert code == 0, output
    inventory = json.loads(output)
    assert inventory["paymatch"] == paymatch.__version__
    connectors = {c["name"]: c for c in inventory["connectors"]}
    assert {name: c["kind"] for name, c in connectors.items()} == {
        "books": "invoicing",
        "fake": "shop",
        "fakebank": "bank",
    }
    assert connectors["fake"]["object"] == "paymatch.testing.fakes:FakeOrderSource"
    assert connectors["fake"]["plugin"] == "test-plugin"
    assert connectors["fake"]["distribution"] is None
    assert [p["name"] for p in inventory["reference_patterns"]] == ["fake-ref"]
    assert inventory["reference_patterns"][0]["refers_to"] == "order_number"
    assert [r["name"] for r in inventory["ignore_rules"]] == ["skip-ignore-me"]
    plugins = {p["name"]: p for p in inventory["plugins"]}
    builtin = plugins["paymatch.connectors.default_plugins"]
    assert (builtin["distribution"], builtin["version"], builtin["builtin"]) == (
        "paymatch",
        paymatch.__version__,
        True,
    )
    assert "paymatch_register_order_sources" in plugins["test-plugin"]["hooks"]


@pytest.mark.usefixtures("some_connectors")
def test_table_shows_the_same() -> None:
    code, output = _invoke()
    assert code == 0, output
    connectors = output.split("Matching extensions")[0]
    for text in ("books", "invoicing", "fake", "shop", "fakebank", "bank", "test-plugin"):
        assert text in connectors
    assert "fake-ref" in output
    assert "reference pattern (order_number)" in output
    assert "skip-ignore-me" in output
    assert "register_order_sources" in output.split("Plugins")[-1]


def test_table_says_when_nothing_is_installed(
    paymatch_plugin_manager: PaymatchPluginManager,
) -> None:
    code, output = _invoke()
    assert code == 0
    assert "none installed" in output
    assert "Matching extensions" not in output


def test_a_clash_is_a_one_line_error(
    paymatch_plugin_manager: PaymatchPluginManager, register_connector: Callable[..., str]
) -> None:
    register_connector(FakeOrderSource, name="one")
    register_connector(type("Other", (FakeOrderSource,), {}), name="two")
    code, output = _invoke()
    assert code == 1
    assert "Error: two order sources are named 'fake'" in output
    assert "Traceback" not in output


def _script() -> str:
    found = Path(sys.executable).with_name("paymatch")
    return str(found) if found.exists() else shutil.which("paymatch") or "paymatch"


def _run_script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_script(), "plugins", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200", **env},
    )


def test_the_installed_command_shows_the_installed_example_plugin() -> None:
    result = _run_script("--json")
    assert result.returncode == 0, result.stderr
    inventory = json.loads(result.stdout)
    example = next(c for c in inventory["connectors"] if c["name"] == "example")
    assert example["kind"] == "shop"
    assert example["distribution"] == "paymatch-example"
    assert example["version"] == "0.1.0"
    assert example["plugin"] == "example"
    plugin = next(p for p in inventory["plugins"] if p["name"] == "example")
    assert plugin["entry_point"] == "example = paymatch_example"
    table = _run_script()
    assert table.returncode == 0, table.stderr
    assert "paymatch-example" in table.stdout


def test_the_installed_command_shows_what_was_not_loaded() -> None:
    result = _run_script("--json", PAYMATCH_DISABLE_PLUGINS="example")
    inventory = json.loads(result.stdout)
    assert "example" not in {c["name"] for c in inventory["connectors"]}
    assert {
        "name": "example",
        "distribution": "paymatch-example",
        "version": "0.1.0",
        "reason": "in PAYMATCH_DISABLE_PLUGINS",
    } in inventory["not_loaded"]
    table = _run_script(PAYMATCH_DISABLE_PLUGINS="example")
    assert "Installed but not loaded" in table.stdout
