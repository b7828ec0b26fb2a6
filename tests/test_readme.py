"""The README's commands are what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_readme_has_exactly_two_commands() -> None:
    assert len(_commands()) == 2


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _commands()[1]
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_the_embedding_example_runs_and_assigns(capsys) -> None:  # type: ignore[no-untyped-def]
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.+?)\n```", readme, re.S)
    exec(compile(example, "README.md", "exec"), {})  # our own README
    printed = capsys.readouterr().out
    assert printed.startswith("assigned ")
    assert "order_id='o1'" in printed
