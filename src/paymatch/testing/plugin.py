"""The pytest plugin of :mod:`paymatch.testing`: fixtures and the plugin-loading options."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from paymatch.connectors.hookspecs import hookimpl
from paymatch.connectors.interfaces import BankFormat, OrderSource
from paymatch.connectors.plugins import (
    DISABLE_PLUGINS_ENV,
    LOAD_PLUGINS_ENV,
    PaymatchPluginManager,
    build_plugin_manager,
    get_plugin_manager,
    reset_plugin_manager,
    set_plugin_manager,
)
from paymatch.rules.extensions import ReferencePattern
from paymatch.testing.fakes import FakeOrderSource, FakeShop
from paymatch.testing.stores import paymatch_postgres_server, paymatch_store_url

__all__ = ["paymatch_postgres_server", "paymatch_store_url"]  # fixtures, found by pytest

_OPTIONS = (
    ("paymatch_load_plugins", LOAD_PLUGINS_ENV, "allow-list of paymatch entry-point plugins"),
    ("paymatch_disable_plugins", DISABLE_PLUGINS_ENV, "block-list of paymatch plugins"),
)
_saved_environment = pytest.StashKey[dict[str, str | None]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("paymatch")
    for name, env, what in _OPTIONS:
        group.addoption(
            "--" + name.replace("_", "-"),
            dest=name,
            default=None,
            metavar="NAMES",
            help=f"{what} for this run (comma-separated; sets {env})",
        )
        parser.addini(name, f"{what} (comma-separated; {env} overrides it)", default=None)


def pytest_configure(config: pytest.Config) -> None:
    saved: dict[str, str | None] = {}
    for name, env, _what in _OPTIONS:
        value = config.getoption(name)
        if value is None and env not in os.environ:
            value = config.getini(name)
        if value is not None:
            saved[env] = os.environ.get(env)
            os.environ[env] = value
    config.stash[_saved_environment] = saved
    if saved:
        reset_plugin_manager()


def pytest_unconfigure(config: pytest.Config) -> None:
    saved = config.stash.get(_saved_environment, {})
    for env, value in saved.items():
        if value is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = value
    if saved:
        reset_plugin_manager()


@pytest.fixture
def paymatch_plugin_manager() -> Iterator[PaymatchPluginManager]:
    """A fresh manager with only the built-in plugins, process-wide for this test."""
    manager = build_plugin_manager(entry_points=False)
    previous = set_plugin_manager(manager)
    try:
        yield manager
    finally:
        set_plugin_manager(previous)


@pytest.fixture
def register_paymatch_plugin() -> Iterator[Callable[..., str]]:
    """``register_paymatch_plugin(plugin, name=None) -> name``: registered for this test only."""
    registered: list[tuple[PaymatchPluginManager, str]] = []

    def register(plugin: Any, name: str | None = None) -> str:
        manager = get_plugin_manager()
        plugin_name = manager.register(plugin, name=name)
        if plugin_name is None:
            raise ValueError(f"plugin name {name!r} is blocked")
        registered.append((manager, plugin_name))
        try:
            manager.check_pending()
        except Exception:
            manager.unregister(name=plugin_name)
            registered.pop()
            raise
        return plugin_name

    try:
        yield register
    finally:
        for manager, plugin_name in reversed(registered):
            manager.unregister(name=plugin_name)


class _ConnectorPlugin:
    """A plugin made from loose items by ``register_connector``."""

    def __init__(self, items: tuple[Any, ...]) -> None:
        self.order_sources = [
            i for i in items if isinstance(i, type) and issubclass(i, OrderSource)
        ]
        self.bank_formats = [
            i
            for i in items
            if isinstance(i, BankFormat) or (isinstance(i, type) and issubclass(i, BankFormat))
        ]
        self.patterns = [i for i in items if isinstance(i, ReferencePattern)]
        known = {id(i) for i in (*self.order_sources, *self.bank_formats, *self.patterns)}
        self.ignore_rules = [i for i in items if id(i) not in known]

    @hookimpl
    def paymatch_register_order_sources(self) -> list[Any]:
        return self.order_sources

    @hookimpl
    def paymatch_register_bank_formats(self) -> list[Any]:
        return self.bank_formats

    @hookimpl
    def paymatch_register_reference_patterns(self) -> list[Any]:
        return self.patterns

    @hookimpl
    def paymatch_register_ignore_rules(self) -> list[Any]:
        return self.ignore_rules


@pytest.fixture
def register_connector(
    register_paymatch_plugin: Callable[..., str],
) -> Callable[..., str]:
    """``register_connector(*items) -> plugin name``: order-source classes, bank formats,
    reference patterns and ignore rules (anything else) registered for this test only."""

    def register(*items: Any, name: str | None = None) -> str:
        return register_paymatch_plugin(_ConnectorPlugin(items), name=name)

    return register


@pytest.fixture
def fake_shop() -> FakeShop:
    """An empty :class:`FakeShop` (the server side of :class:`FakeOrderSource`)."""
    return FakeShop()


@pytest.fixture
def fake_order_source(fake_shop: FakeShop) -> FakeOrderSource:
    """A :class:`FakeOrderSource` connected to ``fake_shop`` with valid credentials."""
    return FakeOrderSource(shop=fake_shop, api_key=fake_shop.api_key)
