"""The plugin manager: lazy and idempotent, allow/block lists, clashes, unknown hooks, lookups."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paymatch import hookimpl
from paymatch.cli.plugins import plugin_inventory
from paymatch.connectors import bank, default_plugins, plugins
from paymatch.connectors.interfaces import ConnectorKind, ModuleBankFormat, OrderSource
from paymatch.connectors.plugins import (
    DuplicateConnectorError,
    PaymatchPluginManager,
    PluginWarning,
    UnknownConnectorError,
    build_plugin_manager,
    get_plugin_manager,
)
from paymatch.core.errors import PluginError
from paymatch.rules.extensions import ReferencePattern
from paymatch.testing import FakeBankFormat, FakeOrderSource

SHOP_PLUGIN = """
from paymatch import hookimpl
from paymatch.cli.plugins import plugin_inventory
from paymatch.testing import FakeOrderSource

class Shop(FakeOrderSource):
    PLUGIN_NAME = "{name}"

@hookimpl
def paymatch_register_order_sources():
    return [Shop]
"""


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Python in a fresh process (nothing imported yet), with extra environment variables."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


# -- lazy and idempotent -----------------------------------------------------------------------


def test_importing_paymatch_loads_no_plugin() -> None:
    result = _run(
        "import sys, paymatch, paymatch.connectors.plugins as p\n"
        "print(p._Current.manager is None, 'paymatch_example' in sys.modules)\n"
        "p.get_plugin_manager()\n"
        "print('paymatch_example' in sys.modules)"
    )
    assert result.stdout.split() == ["True", "False", "True"], result.stderr


def test_the_manager_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[PaymatchPluginManager] = []
    real_build = plugins.build_plugin_manager

    def counting_build(**kwargs: Any) -> PaymatchPluginManager:
        manager = real_build(**kwargs)
        builds.append(manager)
        return manager

    monkeypatch.setattr(plugins, "build_plugin_manager", counting_build)
    previous = plugins.set_plugin_manager(None)
    try:
        barrier = threading.Barrier(8)
        seen: list[PaymatchPluginManager] = []

        def worker() -> None:
            barrier.wait()
            seen.append(get_plugin_manager())

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(builds) == 1
        assert all(manager is builds[0] for manager in seen)
        assert get_plugin_manager() is builds[0]
    finally:
        plugins.set_plugin_manager(previous)


def test_reset_builds_anew_with_the_current_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = plugins.set_plugin_manager(None)
    try:
        monkeypatch.setenv("PAYMATCH_LOAD_PLUGINS", "")
        first = get_plugin_manager()
        assert not first.has_plugin("example")
        monkeypatch.setenv("PAYMATCH_LOAD_PLUGINS", "example")
        assert get_plugin_manager() is first, "the environment is read once"
        plugins.reset_plugin_manager()
        assert get_plugin_manager().has_plugin("example")
    finally:
        plugins.set_plugin_manager(previous)


# -- allow-list and block-list -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example", "paymatch-example", "Paymatch_Example", " example ,"])
def test_allow_list_by_plugin_or_distribution_name(name: str) -> None:
    manager = build_plugin_manager(environ={"PAYMATCH_LOAD_PLUGINS": name})
    assert manager.order_source_class("example").__module__ == "paymatch_example.connector"
    assert manager.has_plugin("paymatch.connectors.default_plugins"), "built-ins always load"


def test_empty_allow_list_loads_no_entry_point() -> None:
    manager = build_plugin_manager(environ={"PAYMATCH_LOAD_PLUGINS": ""})
    assert not manager.has_plugin("example")
    assert manager.has_plugin("paymatch.connectors.default_plugins")
    skipped = {s.name: s for s in manager.skipped}
    assert skipped["example"].reason == "not in PAYMATCH_LOAD_PLUGINS"
    assert skipped["example"].origin.distribution == "paymatch-example"
    # Other installed plugins may sort before "example" in the list of those not loaded.
    with pytest.raises(UnknownConnectorError, match=r"not loaded: (.*, )?example \("):
        manager.order_source_class("example")


def test_allow_list_naming_a_missing_plugin_warns() -> None:
    with pytest.warns(PluginWarning, match="not installed: no-such-plugin"):
        manager = build_plugin_manager(environ={"PAYMATCH_LOAD_PLUGINS": "example,no-such-plugin"})
    assert manager.has_plugin("example")


def test_block_list_wins_and_keeps_the_name_blocked() -> None:
    manager = build_plugin_manager(
        environ={"PAYMATCH_LOAD_PLUGINS": "example", "PAYMATCH_DISABLE_PLUGINS": "example"}
    )
    assert not manager.has_plugin("example")
    assert manager.is_blocked("example")
    assert [s.reason for s in manager.skipped if s.name == "example"] == [
        "in PAYMATCH_DISABLE_PLUGINS"
    ]
    assert manager.register(SimpleNamespace(), name="example") is None


def test_a_blocked_plugin_is_not_even_imported() -> None:
    result = _run(
        "import sys, paymatch.connectors.plugins as p\n"
        "p.get_plugin_manager()\n"
        "print('paymatch_example' in sys.modules)",
        PAYMATCH_DISABLE_PLUGINS="paymatch-example",
    )
    assert result.stdout.split() == ["False"], result.stderr


def test_block_list_can_disable_the_built_ins() -> None:
    manager = build_plugin_manager(environ={"PAYMATCH_DISABLE_PLUGINS": "paymatch"})
    assert not manager.has_plugin("paymatch.connectors.default_plugins")
    assert manager.has_plugin("example")
    assert manager.skipped[0].origin.builtin


def test_entry_points_off_registers_only_the_built_ins() -> None:
    manager = build_plugin_manager(entry_points=False, environ={})
    assert [name for name, _ in manager.list_name_plugin()] == [
        "paymatch.connectors.default_plugins"
    ]


# -- clashes ---------------------------------------------------------------------------------------


def test_duplicate_connector_names_name_both_distributions(
    make_distribution: Callable[..., str],
) -> None:
    make_distribution("paymatch-shop-a", "1.2", {"shop-a": SHOP_PLUGIN.format(name="shop")})
    make_distribution("paymatch-shop-b", "3.4", {"shop-b": SHOP_PLUGIN.format(name="shop")})
    manager = build_plugin_manager(environ={})
    with pytest.raises(DuplicateConnectorError) as raised:
        manager.order_source_class("shop")
    message = str(raised.value)
    assert "two order sources are named 'shop'" in message
    assert "distribution paymatch-shop-a 1.2" in message
    assert "distribution paymatch-shop-b 3.4" in message
    assert "plugin 'shop-a'" in message
    assert "plugin 'shop-b'" in message


def test_blocking_one_of_two_clashing_plugins_resolves_it(
    make_distribution: Callable[..., str],
) -> None:
    make_distribution("paymatch-shop-a", "1.2", {"shop-a": SHOP_PLUGIN.format(name="shop")})
    make_distribution("paymatch-shop-b", "3.4", {"shop-b": SHOP_PLUGIN.format(name="shop")})
    manager = build_plugin_manager(environ={"PAYMATCH_DISABLE_PLUGINS": "paymatch-shop-b"})
    assert manager.order_source_class("shop").__module__.startswith("pm_test_shop_a")


def test_two_distributions_with_the_same_entry_point_name(
    make_distribution: Callable[..., str],
) -> None:
    make_distribution("paymatch-one", "1.0", {"twin": SHOP_PLUGIN.format(name="one")})
    make_distribution("paymatch-two", "2.0", {"twin": SHOP_PLUGIN.format(name="two")})
    with pytest.raises(DuplicateConnectorError) as raised:
        build_plugin_manager(environ={})
    assert "paymatch-one 1.0" in str(raised.value)
    assert "paymatch-two 2.0" in str(raised.value)
    manager = build_plugin_manager(environ={"PAYMATCH_DISABLE_PLUGINS": "paymatch-two"})
    assert manager.order_source_class("one").PLUGIN_NAME == "one"


@pytest.mark.parametrize(
    ("hook", "make", "lookup"),
    [
        ("paymatch_register_bank_formats", FakeBankFormat, "bank_formats"),
        (
            "paymatch_register_reference_patterns",
            lambda: ReferencePattern("same", r"X\d+", "order_number"),
            "reference_patterns",
        ),
        ("paymatch_register_ignore_rules", lambda: _rule_named("same"), "ignore_rules"),
    ],
)
def test_duplicate_names_clash_for_every_kind(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
    hook: str,
    make: Callable[[], Any],
    lookup: str,
) -> None:
    register_paymatch_plugin(_plugin(hook, make()), name="first")
    register_paymatch_plugin(_plugin(hook, make()), name="second")
    with pytest.raises(DuplicateConnectorError, match=r"plugin 'first'.*plugin 'second'"):
        getattr(paymatch_plugin_manager, lookup)()


def test_the_same_object_from_two_plugins_is_no_clash(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    rule = _rule_named("shared")
    register_paymatch_plugin(_plugin("paymatch_register_ignore_rules", rule), name="first")
    register_paymatch_plugin(_plugin("paymatch_register_ignore_rules", rule), name="second")
    register_paymatch_plugin(_plugin("paymatch_register_order_sources", FakeOrderSource), name="a")
    register_paymatch_plugin(_plugin("paymatch_register_order_sources", FakeOrderSource), name="b")
    assert [r.name for r in paymatch_plugin_manager.ignore_rules()] == ["shared"]
    assert [n for n in paymatch_plugin_manager.order_source_classes() if n not in BUILTIN] == [
        "fake"
    ]


def _rule_named(name: str) -> Callable[[Any], str | None]:
    def rule(posting: Any) -> str | None:
        return None

    rule.__name__ = name
    return rule


def _plugin(hook: str, *items: Any) -> SimpleNamespace:
    def impl() -> list[Any]:
        return list(items)

    return SimpleNamespace(**{hook: hookimpl(impl)})


# -- unknown hooks and broken plugins ----------------------------------------------------------


def test_check_pending_rejects_unknown_hooks_at_load(
    make_distribution: Callable[..., str],
) -> None:
    make_distribution(
        "paymatch-typo",
        "0.3",
        {
            "typo": """
from paymatch import hookimpl
from paymatch.cli.plugins import plugin_inventory

@hookimpl
def paymatch_register_order_source():
    return []
"""
        },
    )
    with pytest.raises(PluginError) as raised:
        build_plugin_manager(environ={})
    message = str(raised.value)
    assert "plugin 'typo' (distribution paymatch-typo 0.3)" in message
    assert "unknown hook 'paymatch_register_order_source'" in message
    assert "did you mean 'paymatch_register_order_sources'" in message


def test_check_pending_rejects_unknown_hooks_registered_later(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    typo = SimpleNamespace(paymatch_send_notifications=hookimpl(lambda notification: None))
    with pytest.raises(PluginError, match="unknown hook 'paymatch_send_notifications'"):
        register_paymatch_plugin(typo, name="typo")
    assert not paymatch_plugin_manager.has_plugin("typo"), "the rejected plugin is removed"
    paymatch_plugin_manager.check_pending()


def test_optional_hooks_are_allowed(paymatch_plugin_manager: PaymatchPluginManager) -> None:
    def paymatch_future_hook() -> None:
        return None

    plugin = SimpleNamespace(paymatch_future_hook=hookimpl(optionalhook=True)(paymatch_future_hook))
    paymatch_plugin_manager.register(plugin, name="future")
    paymatch_plugin_manager.check_pending()


def test_an_implementation_with_arguments_the_hook_lacks_is_refused(
    paymatch_plugin_manager: PaymatchPluginManager,
) -> None:
    def paymatch_send_notification(message: Any) -> None:
        return None

    plugin = SimpleNamespace(paymatch_send_notification=hookimpl(paymatch_send_notification))
    with pytest.raises(PluginError, match=r"plugin 'wrong-args'.*message"):
        paymatch_plugin_manager.register(plugin, name="wrong-args")


def test_a_plugin_that_fails_to_import_is_named(make_distribution: Callable[..., str]) -> None:
    make_distribution("paymatch-broken", "9.9", {"broken": "import does_not_exist_anywhere\n"})
    with pytest.raises(PluginError) as raised:
        build_plugin_manager(environ={})
    message = str(raised.value)
    assert "plugin 'broken' (distribution paymatch-broken 9.9) failed to load" in message
    assert "PAYMATCH_DISABLE_PLUGINS=broken" in message
    assert not build_plugin_manager(environ={"PAYMATCH_DISABLE_PLUGINS": "broken"}).has_plugin(
        "broken"
    )


class _Abstract(OrderSource):
    PLUGIN_NAME = "abstract"


class _BankKind(FakeOrderSource):
    PLUGIN_NAME = "bankish"
    KIND = ConnectorKind.BANK


class _BadName(FakeOrderSource):
    PLUGIN_NAME = "Bad Name"


class _NeedsArguments(FakeBankFormat):
    def __init__(self, path: str) -> None:
        self.path = path


@pytest.mark.parametrize(
    ("hook", "result", "message"),
    [
        ("paymatch_register_order_sources", FakeOrderSource, "must return a list"),
        ("paymatch_register_order_sources", ["fake"], "not an OrderSource subclass"),
        ("paymatch_register_order_sources", [_Abstract], "does not implement default_mapping"),
        ("paymatch_register_order_sources", [_BankKind], "an order source is one of"),
        ("paymatch_register_order_sources", [_BadName], "PLUGIN_NAME 'Bad Name'"),
        ("paymatch_register_bank_formats", [object()], "is not a bank format: it lacks FORMAT"),
        ("paymatch_register_bank_formats", [_NeedsArguments], "needs arguments"),
        ("paymatch_register_reference_patterns", ["EX-\\d+"], "is not a"),
        ("paymatch_register_ignore_rules", [lambda posting: None], "has no name"),
    ],
)
def test_bad_registrations_name_the_plugin(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
    hook: str,
    result: Any,
    message: str,
) -> None:
    plugin = SimpleNamespace(**{hook: hookimpl(lambda: result)})
    register_paymatch_plugin(plugin, name="careless")
    with pytest.raises(PluginError, match=r"plugin 'careless'") as raised:
        _ = paymatch_plugin_manager.registry
    assert message in str(raised.value)


def test_a_hook_that_raises_is_named(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    def paymatch_register_order_sources() -> list[Any]:
        raise RuntimeError("config missing")

    register_paymatch_plugin(
        SimpleNamespace(paymatch_register_order_sources=hookimpl(paymatch_register_order_sources)),
        name="raiser",
    )
    with pytest.raises(PluginError, match=r"plugin 'raiser'.*failed in .*config missing"):
        paymatch_plugin_manager.order_source_classes()


# -- built-ins through the same hooks ------------------------------------------------------------


def test_built_ins_register_through_the_hooks(
    paymatch_plugin_manager: PaymatchPluginManager,
) -> None:
    assert set(paymatch_plugin_manager.plugin_hooks("paymatch.connectors.default_plugins")) == {
        "paymatch_register_bank_formats",
        "paymatch_register_order_sources",
    }
    origin = paymatch_plugin_manager.origin("paymatch.connectors.default_plugins")
    assert origin.builtin
    assert origin.distribution == "paymatch"


def test_built_in_bank_format_modules_are_registered_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pm_builtin_fmt.py").write_text(
        '"""A built-in style bank format."""\n'
        'FORMAT = "builtinfmt"\n'
        "def sniff(head): return head.startswith(b'BF')\n"
        "def iter_records(source, *, source_name=None, **options): return iter(())\n"
        "def read(source, *, source_name=None, **options): raise NotImplementedError\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(default_plugins, "BANK_FORMAT_MODULES", ("pm_builtin_fmt",))
    monkeypatch.setattr(
        default_plugins, "ORDER_SOURCES", ("paymatch.testing.fakes:FakeOrderSource",)
    )
    try:
        manager = build_plugin_manager(entry_points=False, environ={})
        bank_format = manager.bank_format("builtinfmt")
        assert isinstance(bank_format, ModuleBankFormat)
        assert bank_format.sniff(b"BF...")
        assert bank_format.DESCRIPTION == "A built-in style bank format."
        registration = manager.registry.bank_formats["builtinfmt"]
        assert registration.plugin == "paymatch.connectors.default_plugins"
        assert registration.origin.builtin
        assert manager.order_source_class("fake") is FakeOrderSource
    finally:
        sys.modules.pop("pm_builtin_fmt", None)


def test_a_missing_built_in_is_an_error_not_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(default_plugins, "BANK_FORMAT_MODULES", ("pm_builtin_not_here",))
    with pytest.raises(PluginError, match="pm_builtin_not_here"):
        build_plugin_manager(entry_points=False, environ={}).bank_formats()


def test_a_built_in_with_a_missing_dependency_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pm_builtin_needs_lib.py").write_text("import lib_not_installed\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(default_plugins, "BANK_FORMAT_MODULES", ("pm_builtin_needs_lib",))
    manager = build_plugin_manager(entry_points=False, environ={})
    with pytest.raises(PluginError, match="lib_not_installed"):
        manager.bank_formats()


def test_every_bank_format_module_in_the_package_is_a_built_in() -> None:
    """Whatever bank-format modules exist in paymatch.connectors.bank are registered."""
    modules = [
        importlib.import_module(f"{bank.__name__}.{info.name}")
        for info in pkgutil.iter_modules(bank.__path__)
    ]
    formats = {m.FORMAT for m in modules if isinstance(getattr(m, "FORMAT", None), str)}
    registered = build_plugin_manager(entry_points=False, environ={}).registry.bank_formats
    assert formats <= set(registered)
    for name in formats:
        assert registered[name].origin.builtin


BUILTIN = {"memory", "file"}
"""The built-in order sources (paymatch.connectors.memory and .files)."""

# -- lookups ---------------------------------------------------------------------------------------


def test_lookups_follow_registration_and_unregistration(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_connector: Callable[..., str],
) -> None:
    with pytest.raises(UnknownConnectorError):
        plugins.order_source_class("fake")
    register_connector(FakeOrderSource, FakeBankFormat(), name="fakes")
    assert plugins.order_source_class("fake") is FakeOrderSource
    assert {n: c for n, c in plugins.order_source_classes().items() if n not in BUILTIN} == {
        "fake": FakeOrderSource
    }
    builtin = {
        name
        for name, r in paymatch_plugin_manager.registry.bank_formats.items()
        if r.origin.builtin
    }
    mine = [f.PLUGIN_NAME for f in plugins.bank_formats() if f.PLUGIN_NAME not in builtin]
    assert mine == ["fakebank"]
    assert plugins.bank_format("fakebank").PLUGIN_NAME == "fakebank"
    paymatch_plugin_manager.unregister(name="fakes")
    with pytest.raises(UnknownConnectorError):
        plugins.order_source_class("fake")
    assert [f.PLUGIN_NAME for f in plugins.bank_formats()] == sorted(builtin)


def test_unknown_names_suggest_the_closest(
    paymatch_plugin_manager: PaymatchPluginManager, register_connector: Callable[..., str]
) -> None:
    register_connector(FakeOrderSource)
    with pytest.raises(UnknownConnectorError) as raised:
        paymatch_plugin_manager.order_source_class("fak")
    assert isinstance(raised.value, LookupError)
    assert "no order source named 'fak'" in str(raised.value)
    assert "did you mean 'fake'" in str(raised.value)
    assert "installed: fake" in str(raised.value)


def test_registries_are_sorted_by_name(
    paymatch_plugin_manager: PaymatchPluginManager, register_connector: Callable[..., str]
) -> None:
    names = ["zeta", "alpha", "mid"]
    register_connector(*(ReferencePattern(n, rf"{n.upper()}\d+", "order_number") for n in names))
    assert [p.name for p in paymatch_plugin_manager.reference_patterns()] == sorted(names)


def test_plugins_inventory_is_json_serialisable() -> None:
    inventory = plugin_inventory(build_plugin_manager(environ={}))
    assert json.loads(json.dumps(inventory)) == inventory


@given(st.permutations(["alpha", "beta", "gamma", "delta", "epsilon"]))
@settings(max_examples=30, deadline=None)
def test_what_is_registered_does_not_depend_on_the_order_of_plugins(order: list[str]) -> None:
    manager = build_plugin_manager(entry_points=False, environ={})
    for name in order:
        pattern = ReferencePattern(name, rf"{name.upper()}-\d+", "order_number")
        manager.register(_plugin("paymatch_register_reference_patterns", pattern), name=name)
    registry = manager.registry.reference_patterns
    assert list(registry) == sorted(order)
    assert all(registry[name].plugin == name for name in order)
