"""The package is a paymatch plugin: entry point, hook, typed code."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import paymatch_shopware
import pluggy
from paymatch_shopware import ShopwareSource

from paymatch.connectors.interfaces import OrderSource

PLUGIN_ROOT = Path(__file__).resolve().parents[1]


def test_the_entry_point_loads_the_module() -> None:
    (point,) = [ep for ep in entry_points(group="paymatch") if ep.name == "shopware"]
    assert point.load() is paymatch_shopware
    assert point.dist is not None
    assert point.dist.name == "paymatch-shopware"


def test_the_hook_registers_the_order_source() -> None:
    manager = pluggy.PluginManager("paymatch")
    manager.register(paymatch_shopware)
    results = manager.hook.paymatch_register_order_sources()
    assert results == [[ShopwareSource]]
    assert issubclass(ShopwareSource, OrderSource)


def test_the_plugin_type_checks_strictly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(PLUGIN_ROOT / "src")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_public_api_of_paymatch_is_used() -> None:
    allowed = {"paymatch", "paymatch.connectors.interfaces", "paymatch.testing"}
    for path in (PLUGIN_ROOT / "src").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("from", "import"):
                module = words[1]
                if module == "paymatch" or module.startswith("paymatch."):
                    assert module in allowed, f"{path.name}: {line.strip()}"
