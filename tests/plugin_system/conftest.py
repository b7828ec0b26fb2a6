"""Helpers for the plugin-system tests: real (temporary) installed distributions."""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def make_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., str]]:
    """``make_distribution(name, version, entry_points={ep: source}) -> module suffix``.

    Installs a distribution the way pip leaves it (a ``.dist-info`` folder with METADATA and
    ``entry_points.txt`` next to its modules) in a folder put on ``sys.path`` for this test. Each
    entry point gets its own module holding ``source``; module names are unique per call, so
    tests never share imported modules.
    """
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    created: list[str] = []

    def make(name: str, version: str = "1.0", entry_points: dict[str, str] | None = None) -> str:
        lines = []
        for ep_name, source in (entry_points or {}).items():
            module = f"pm_test_{ep_name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
            (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            created.append(module)
            lines.append(f"{ep_name} = {module}")
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(
            "[paymatch]\n" + "\n".join(lines) + "\n", encoding="utf-8"
        )
        importlib.invalidate_caches()  # new files in a folder already on sys.path
        return name

    yield make
    for module in created:
        sys.modules.pop(module, None)
