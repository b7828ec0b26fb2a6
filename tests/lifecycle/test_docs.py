"""docs/lifecycle.md says what the code does: its generated parts are rendered from the code."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from paymatch.core import events, lifecycle_docs
from paymatch.core.policy import LifecyclePolicy, parse_policy_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"
TEXT = DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(lifecycle_docs.SECTIONS))
def test_generated_section_is_current(name: str) -> None:
    found = lifecycle_docs.generated_sections(TEXT)
    assert name in found, f"marker <!-- generated:{name} --> missing in {DOC}"
    assert found[name] == lifecycle_docs.SECTIONS[name](), (
        "docs/lifecycle.md is stale: run "
        "`.venv/bin/python -m paymatch.core.lifecycle_docs docs/lifecycle.md`"
    )


def test_refresh_is_stable() -> None:
    assert lifecycle_docs.refresh(TEXT) == TEXT


def test_refresh_rewrites_a_stale_section() -> None:
    stale = TEXT.replace("| `pay-adopt` |", "| `pay-adopted` |")
    assert stale != TEXT
    assert lifecycle_docs.refresh(stale) == TEXT
    with pytest.raises(ValueError, match="missing"):
        lifecycle_docs.refresh("no markers here")


def test_default_toml_reads_back_as_the_defaults() -> None:
    block = lifecycle_docs.render_default_toml()
    toml = block.removeprefix("```toml\n").removesuffix("\n```")
    assert parse_policy_config(toml).defaults == LifecyclePolicy()


def test_python_example_runs() -> None:
    code = re.search(r"```python\n(.*?)```", TEXT, re.DOTALL)
    assert code is not None
    exec(compile(code.group(1), str(DOC), "exec"), {})


def _members(union: object) -> list[type]:
    return list(typing.get_args(typing.get_args(union)[0]))


@pytest.mark.parametrize("cls", _members(events.Event) + _members(events.Effect))
def test_every_event_and_effect_is_documented(cls: type) -> None:
    assert f"`{cls.__name__}`" in TEXT


def test_diagram_edges_follow_the_money() -> None:
    diagram = lifecycle_docs.render_diagram()
    assert "not_managed --> open" not in diagram  # a payment always leaves money behind
    assert "paid --> partially_paid: payment_assigned" not in diagram
    assert "open --> paid: payment_assigned" in diagram
