"""The example plugin of docs/writing-a-connector.md is installed and found like any other."""

from __future__ import annotations

import importlib.metadata

from paymatch.connectors.plugins import build_plugin_manager, get_plugin_manager


def test_the_example_is_installed_with_its_entry_point() -> None:
    entry_points = importlib.metadata.entry_points(group="paymatch", name="example")
    assert entry_points, "paymatch-example is not installed: pip install -r requirements-dev.txt"
    (entry_point,) = entry_points
    assert entry_point.value == "paymatch_example"
    assert entry_point.dist is not None
    assert entry_point.dist.name == "paymatch-example"


def test_the_entry_point_is_discovered_and_registers_its_connector() -> None:
    manager = build_plugin_manager(environ={})
    registration = manager.registry.order_sources["example"]
    assert registration.obj.__module__ == "paymatch_example.connector"
    assert registration.plugin == "example"
    assert (registration.origin.distribution, registration.origin.version) == (
        "paymatch-example",
        "0.1.0",
    )
    pattern = manager.registry.reference_patterns["example-order-number"]
    assert pattern.obj.findall("Zahlung zu ex 10023 und EX-10024") == ["ex 10023", "EX-10024"]


def test_the_process_wide_manager_has_it_too() -> None:
    assert get_plugin_manager().order_source_class("example").PLUGIN_NAME == "example"
