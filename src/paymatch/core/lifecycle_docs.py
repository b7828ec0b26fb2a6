"""Render the lifecycle's table, state diagram and policy defaults as markdown.

``docs/lifecycle.md`` holds these renderings between ``<!-- generated:NAME -->`` markers; a test
fails when they differ from the code. To refresh them after changing the table or a default::

    python -m paymatch.core.lifecycle_docs docs/lifecycle.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from paymatch.core.events import NOTICE_TEXT
from paymatch.core.lifecycle import NEW, PRECONDITIONS, TRANSITIONS
from paymatch.core.models import PaymentCode
from paymatch.core.policy import LifecyclePolicy
from paymatch.core.states import OrderState


def _states(states: tuple[OrderState | None, ...]) -> str:
    if states == (NEW,):
        return "(new order)"
    if set(states) == set(OrderState):
        return "any"
    return ", ".join(f"`{state.value}`" for state in states if state is not None)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_transitions() -> str:
    """The transition table, one row per :class:`TransitionRule`, in the order they are tried."""
    lines = [
        "| # | rule | event | from | guards | to | effects | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, rule in enumerate(TRANSITIONS, 1):
        guards = "; ".join(guard.text for guard in rule.guards) or "—"
        effects = "; ".join(effect.text for effect in rule.effects) or "—"
        target = rule.target.text + (" (adopts: becomes managed)" if rule.adopts else "")
        cells = (
            str(number),
            f"`{rule.name}`",
            f"`{rule.event.value}`",
            _states(rule.sources),
            guards,
            target,
            effects,
            rule.note or "",
        )
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def render_preconditions() -> str:
    """The guards every event of a kind must pass, whatever the state."""
    lines = ["| event | preconditions |", "|---|---|"]
    for kind, guards in PRECONDITIONS.items():
        lines.append(f"| `{kind.value}` | {_cell('; '.join(guard.text for guard in guards))} |")
    return "\n".join(lines)


def render_diagram() -> str:
    """A mermaid state diagram of every state change the table allows."""
    edges: dict[tuple[str, str], list[str]] = {}
    for rule in TRANSITIONS:
        for source in rule.sources:
            for target in sorted(rule.reachable(source), key=list(OrderState).index):
                if target is source:
                    continue
                key = ("[*]" if source is None else source.value, target.value)
                labels = edges.setdefault(key, [])
                if rule.event.value not in labels:
                    labels.append(rule.event.value)
    lines = ["```mermaid", "stateDiagram-v2"]
    for (start, end), labels in edges.items():
        lines.append(f"    {start} --> {end}: {', '.join(labels)}")
    lines.append("```")
    return "\n".join(lines)


def render_notices() -> str:
    lines = ["| notice | meaning |", "|---|---|"]
    for notice, text in NOTICE_TEXT.items():
        lines.append(f"| `{notice.value}` | {_cell(text)} |")
    return "\n".join(lines)


_CODES = tuple(PaymentCode)


def _flatten(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any, str]]:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value, (info.description or "").replace("\n", " ")


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if isinstance(value, dict):
        return (
            "{}" if not value else ", ".join(f"{k}: {list(map(str, v))}" for k, v in value.items())
        )
    return str(value)


def render_policy_defaults() -> str:
    """Every policy key with its default per payment code."""
    defaults = LifecyclePolicy()
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for key, value, text in _flatten(defaults):
        if key.split(".")[0] in {"prepayment", "invoice", "cod"}:
            continue
        lines.append(f"| `{key}` | {_show(value)} | {_cell(text)} |")
    lines += [
        "",
        "| key (under `prepayment` / `invoice` / `cod`) | prepayment | invoice | cod | meaning |",
        "|---|---|---|---|---|",
    ]
    columns = [list(_flatten(defaults.for_code(code))) for code in _CODES]
    for row in zip(*columns, strict=True):
        key, _, text = row[0]
        values = " | ".join(_show(value) for _, value, _ in row)
        lines.append(f"| `{key}` | {values} | {_cell(text)} |")
    return "\n".join(lines)


def render_default_toml() -> str:
    """The defaults as a ``[policy]`` TOML table (a test reads it back)."""
    defaults = LifecyclePolicy()
    lines = ["```toml", "[policy]"]
    for key, value, _ in _flatten(defaults):
        if "." not in key:
            lines.append(f"{key} = {_toml(value)}")
    for code in _CODES:
        lines += ["", f"[policy.{code.value}]"]
        tables: dict[str, list[str]] = {}
        for key, value, _ in _flatten(defaults.for_code(code)):
            table, _, name = key.rpartition(".")
            tables.setdefault(table, []).append(f"{name} = {_toml(value)}")
        lines += tables.pop("")
        for table, entries in tables.items():
            lines += ["", f"[policy.{code.value}.{table}]", *entries]
    lines += [
        "",
        "# a source's own settings, merged over the defaults key by key:",
        "# [policy.sources.myshop.invoice.reminders]",
        "# levels = 5",
        "```",
    ]
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if value is None:
        return '"never"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return f'"{value.value}"'
    if isinstance(value, Decimal):
        return f'"{value}"'
    if isinstance(value, dict):
        items = ", ".join(f"{k} = [{', '.join(_toml(v) for v in vs)}]" for k, vs in value.items())
        return "{ " + items + " }" if items else "{}"
    return str(value)


SECTIONS: dict[str, Callable[[], str]] = {
    "diagram": render_diagram,
    "transitions": render_transitions,
    "preconditions": render_preconditions,
    "notices": render_notices,
    "policy-defaults": render_policy_defaults,
    "policy-toml": render_default_toml,
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- generated:{re.escape(name)} -->\n)(.*?)(<!-- /generated:{re.escape(name)} -->)",
        re.DOTALL,
    )


def generated_sections(text: str) -> dict[str, str]:
    """The generated sections found in ``text`` (name -> content between the markers)."""
    found = {}
    for name in SECTIONS:
        match = _pattern(name).search(text)
        if match:
            found[name] = match.group(2).rstrip("\n")
    return found


def refresh(text: str) -> str:
    """``text`` with every generated section rendered anew."""
    for name, render in SECTIONS.items():
        match = _pattern(name).search(text)
        if not match:
            raise ValueError(f"marker <!-- generated:{name} --> is missing")
        text = text[: match.start(2)] + render() + "\n" + text[match.end(2) :]
    return text


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m paymatch.core.lifecycle_docs docs/lifecycle.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
