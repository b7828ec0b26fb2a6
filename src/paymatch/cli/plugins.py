"""``paymatch plugins``: what is installed, from which distribution, in which version."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table

import paymatch
from paymatch.connectors.interfaces import ModuleBankFormat
from paymatch.connectors.plugins import (
    PaymatchPluginManager,
    PluginOrigin,
    Registration,
    get_plugin_manager,
)


def _target(obj: object) -> str:
    """Where the registered object lives: ``module:Class`` or the module of a bank format."""
    if isinstance(obj, ModuleBankFormat):
        return str(getattr(obj.module, "__name__", repr(obj.module)))
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def _origin(origin: PluginOrigin) -> dict[str, Any]:
    return {"distribution": origin.distribution, "version": origin.version}


def _registration(registration: Registration[Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": registration.name,
        "kind": registration.kind,
        **extra,
        "object": _target(registration.obj),
        "plugin": registration.plugin,
        **_origin(registration.origin),
    }


def plugin_inventory(manager: PaymatchPluginManager) -> dict[str, Any]:
    """Everything ``paymatch plugins --json`` prints: plugins, connectors, extensions, skipped."""
    registry = manager.registry
    plugins = []
    for name, _plugin in sorted(manager.list_name_plugin()):
        if _plugin is None:  # blocked
            continue
        origin = manager.origin(name)
        plugins.append(
            {
                "name": name,
                **_origin(origin),
                "entry_point": origin.entry_point,
                "builtin": origin.builtin,
                "hooks": manager.plugin_hooks(name),
            }
        )
    connectors = [
        *(_registration(r) for r in registry.order_sources.values()),
        *(_registration(r) for r in registry.bank_formats.values()),
    ]
    connectors.sort(key=lambda row: (row["name"], row["kind"]))
    return {
        "paymatch": paymatch.__version__,
        "plugins": plugins,
        "connectors": connectors,
        "reference_patterns": [
            _registration(r, refers_to=str(r.obj.refers_to), regex=r.obj.regex.pattern)
            for r in registry.reference_patterns.values()
        ],
        "ignore_rules": [
            _registration(r, description=r.obj.description) for r in registry.ignore_rules.values()
        ],
        "not_loaded": [
            {"name": s.name, **_origin(s.origin), "reason": s.reason} for s in manager.skipped
        ],
    }


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        show_edge=False,
        caption=None if rows else "none installed",
        caption_justify="left",
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _text(value: Any) -> str:
    return "-" if value in (None, "") else str(value)


def _rows(items: list[dict[str, Any]], *keys: str) -> list[list[str]]:
    return [[_text(item[key]) for key in keys] for item in items]


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print the inventory as JSON.")
def plugins(as_json: bool) -> None:
    """List the installed connectors and plugins, with distribution, version and kind."""
    inventory = plugin_inventory(get_plugin_manager())
    if as_json:
        click.echo(json.dumps(inventory, indent=2))
        return
    origin = ("distribution", "version", "plugin")
    columns = ["Name", "Kind", "Distribution", "Version", "Plugin"]
    tables = [
        _table("Connectors", columns, _rows(inventory["connectors"], "name", "kind", *origin))
    ]
    extensions = [
        {**r, "kind": f"reference pattern ({r['refers_to']})"}
        for r in inventory["reference_patterns"]
    ] + inventory["ignore_rules"]
    if extensions:
        tables.append(
            _table("Matching extensions", columns, _rows(extensions, "name", "kind", *origin))
        )
    plugin_rows = [
        {**p, "hooks": ", ".join(h.removeprefix("paymatch_") for h in p["hooks"])}
        for p in inventory["plugins"]
    ]
    tables.append(
        _table(
            "Plugins",
            ["Plugin", "Distribution", "Version", "Hooks"],
            _rows(plugin_rows, "name", "distribution", "version", "hooks"),
        )
    )
    if inventory["not_loaded"]:
        tables.append(
            _table(
                "Installed but not loaded",
                ["Plugin", "Distribution", "Version", "Why"],
                _rows(inventory["not_loaded"], "name", "distribution", "version", "reason"),
            )
        )
    console = Console()
    for number, table in enumerate(tables):
        if number:
            console.print()
        console.print(table)
