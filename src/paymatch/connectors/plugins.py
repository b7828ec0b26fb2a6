"""The plugin manager: which connectors and matching extensions are installed.

:func:`get_plugin_manager` builds the manager on first use and returns the same one afterwards.
Building it registers the built-in plugins (:data:`DEFAULT_PLUGINS`, which use the same hooks as
everyone else), then the entry points of group ``paymatch`` (sorted by name, so the order does not
depend on the file system), then rejects implementations of unknown hooks (``check_pending``).

Two environment variables control what loads (read when the manager is built):

``PAYMATCH_LOAD_PLUGINS``
    Allow-list: comma-separated names; only these entry-point plugins load. Empty means none.
    Built-in plugins are not affected.
``PAYMATCH_DISABLE_PLUGINS``
    Block-list: comma-separated names that never load (not even imported), built-ins included.

A name matches a plugin if it is the plugin's name (the entry-point name, a built-in's module) or
its distribution's name (``paymatch-shopware`` = ``paymatch_shopware``; ``paymatch`` names all
built-ins).

The connectors, reference patterns and ignore rules the plugins register are collected on first
lookup and cached until a plugin is registered or unregistered. Names are unique per kind: two
order sources (or two bank formats, patterns, rules) with the same name are an error that names
both plugins and their distributions.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import inspect
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any, Generic, TypeVar

import attrs
import pluggy

import paymatch
from paymatch.connectors import hookspecs
from paymatch.connectors.interfaces import (
    BankFormat,
    ConnectorKind,
    ModuleBankFormat,
    OrderSource,
)
from paymatch.core.errors import PluginError
from paymatch.core.notifications import Notification
from paymatch.rules.extensions import (
    FunctionIgnoreRule,
    IgnoreRule,
    ReferencePattern,
    as_ignore_rule,
)

ENTRY_POINT_GROUP = "paymatch"
LOAD_PLUGINS_ENV = "PAYMATCH_LOAD_PLUGINS"
DISABLE_PLUGINS_ENV = "PAYMATCH_DISABLE_PLUGINS"
DEFAULT_PLUGINS: tuple[str, ...] = ("paymatch.connectors.default_plugins",)
"""Modules of built-in plugins, registered (under their module name) before any entry point."""

ORDER_SOURCE_KINDS = frozenset(
    {ConnectorKind.SHOP, ConnectorKind.MARKETPLACE, ConnectorKind.INVOICING}
)
_CONNECTOR_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")

T = TypeVar("T")


class DuplicateConnectorError(PluginError):
    """Two plugins register a connector (or pattern, or rule) under the same name."""


class PluginWarning(UserWarning):
    """Something about the installed plugins that is probably a mistake but not fatal."""


class UnknownConnectorError(PluginError, LookupError):
    """No installed plugin registers a connector of that name."""


def _paymatch_version() -> str:
    return str(paymatch.__version__)


@attrs.frozen
class PluginOrigin:
    """Where a plugin comes from: its distribution and version, the entry point that loaded it."""

    distribution: str | None
    version: str | None
    entry_point: str | None = None
    builtin: bool = False

    def describe(self) -> str:
        if self.distribution is None:
            return "registered at run time, no distribution"
        built_in = ", built in" if self.builtin else ""
        return f"distribution {self.distribution} {self.version}{built_in}"


RUNTIME_ORIGIN = PluginOrigin(distribution=None, version=None)


@attrs.frozen
class SkippedPlugin:
    """An installed entry-point plugin (or built-in) that was not loaded, and why."""

    name: str
    origin: PluginOrigin
    reason: str


@attrs.frozen
class Registration(Generic[T]):
    """One thing a plugin registered: its name, the object, and the plugin it came from."""

    name: str
    kind: str
    obj: T
    plugin: str
    origin: PluginOrigin

    def describe(self) -> str:
        return f"{_label(self.obj)} from plugin {self.plugin!r} ({self.origin.describe()})"


@attrs.frozen
class Registry:
    """Everything the loaded plugins registered, validated; built once per plugin set."""

    order_sources: Mapping[str, Registration[type[OrderSource]]]
    bank_formats: Mapping[str, Registration[BankFormat]]
    reference_patterns: Mapping[str, Registration[ReferencePattern]]
    ignore_rules: Mapping[str, Registration[IgnoreRule]]


def _underlying(obj: object) -> object:
    """What a registered object stands for: the module or function behind a wrapper."""
    if isinstance(obj, ModuleBankFormat):
        return obj.module
    if isinstance(obj, FunctionIgnoreRule):
        return obj.function
    return obj


def _label(obj: object) -> str:
    """A short name for a registered object in messages: where it is defined."""
    target = _underlying(obj)
    if isinstance(target, ModuleType):
        return target.__name__
    if isinstance(target, ReferencePattern):
        return f"pattern {target.regex.pattern!r}"
    if not isinstance(target, type) and not callable(target):
        target = type(target)
    module = getattr(target, "__module__", "?")
    return f"{module}.{getattr(target, '__qualname__', repr(target))}"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def parse_plugin_names(value: str | None) -> frozenset[str] | None:
    """The names in an allow/block-list variable; ``None`` if the variable is not set at all."""
    if value is None:
        return None
    parts = (part.strip("\"'") for part in re.split(r"[,\s]+", value))
    return frozenset(_canonical(part) for part in parts if part)


def _matches(names: frozenset[str] | None, *candidates: str | None) -> bool:
    return names is not None and any(c is not None and _canonical(c) in names for c in candidates)


class PaymatchPluginManager(pluggy.PluginManager):
    """pluggy's manager for project ``paymatch``, with typed lookups of what plugins register."""

    def __init__(self) -> None:
        super().__init__("paymatch")
        self.add_hookspecs(hookspecs)
        self._origins: dict[str, PluginOrigin] = {}
        self._registry: Registry | None = None
        self._registry_lock = threading.RLock()
        self.skipped: list[SkippedPlugin] = []
        """Installed plugins not loaded because of the allow- or block-list."""

    # -- registration ------------------------------------------------------------------------

    def register(
        self, plugin: Any, name: str | None = None, *, origin: PluginOrigin | None = None
    ) -> str | None:
        """Register ``plugin`` (a module or object with ``paymatch_*`` hook implementations).

        Returns its name, or ``None`` if the name is blocked. ``origin`` records the distribution
        it comes from (plugins registered by code have none).
        """
        label = name or getattr(plugin, "__name__", None) or repr(plugin)
        where = (origin or RUNTIME_ORIGIN).describe()
        try:
            registered = super().register(plugin, name)
        except pluggy.PluginValidationError as error:
            detail = " ".join(str(error).split())
            raise PluginError(f"plugin {label!r} ({where}) is invalid: {detail}") from error
        except ValueError as error:
            raise PluginError(f"plugin {label!r} ({where}) is registered twice: {error}") from error
        if registered is not None:
            self._origins[registered] = origin or RUNTIME_ORIGIN
            self._invalidate()
        return registered

    def unregister(self, plugin: Any | None = None, name: str | None = None) -> Any | None:
        removed = super().unregister(plugin, name)
        if removed is not None:
            for plugin_name in [n for n in self._origins if not self.has_plugin(n)]:
                del self._origins[plugin_name]
            self._invalidate()
        return removed

    def origin(self, plugin_name: str) -> PluginOrigin:
        """The distribution a registered plugin comes from."""
        return self._origins.get(plugin_name, RUNTIME_ORIGIN)

    def check_pending(self) -> None:
        """Refuse implementations of hooks paymatch does not define (typos, removed hooks).

        Unlike pluggy's version it reports every such implementation at once, with the plugin's
        distribution and the closest real hook name.
        """
        known = sorted(
            name
            for name in vars(self.hook)
            if not name.startswith("_") and getattr(self.hook, name).has_spec()
        )
        problems = []
        for name in sorted(vars(self.hook)):
            caller = getattr(self.hook, name)
            if name.startswith("_") or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if impl.optionalhook:
                    continue
                hint = difflib.get_close_matches(name, known, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                problems.append(
                    f"plugin {impl.plugin_name!r} ({self.origin(impl.plugin_name).describe()}) "
                    f"implements unknown hook {name!r}{suggestion}"
                )
        if problems:
            raise PluginError("; ".join(problems) + f". Known hooks: {', '.join(known)}")

    def plugin_hooks(self, plugin_name: str) -> list[str]:
        """The names of the hooks a registered plugin implements."""
        plugin = self.get_plugin(plugin_name)
        if plugin is None:
            return []
        return sorted(caller.name for caller in self.get_hookcallers(plugin) or [])

    def _invalidate(self) -> None:
        with self._registry_lock:
            self._registry = None

    # -- lookups -------------------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """What the plugins registered, collected on first use after any change to the plugins."""
        with self._registry_lock:
            if self._registry is None:
                self._registry = Registry(
                    order_sources=self._collect(
                        "paymatch_register_order_sources", "order source", _order_source
                    ),
                    bank_formats=self._collect(
                        "paymatch_register_bank_formats", "bank format", _bank_format
                    ),
                    reference_patterns=self._collect(
                        "paymatch_register_reference_patterns",
                        "reference pattern",
                        _reference_pattern,
                    ),
                    ignore_rules=self._collect(
                        "paymatch_register_ignore_rules", "ignore rule", _ignore_rule
                    ),
                )
            return self._registry

    def order_source_class(self, name: str) -> type[OrderSource]:
        """The order-source connector class named ``name`` (its ``PLUGIN_NAME``)."""
        return self._lookup(self.registry.order_sources, name, "order source").obj

    def order_source_classes(self) -> dict[str, type[OrderSource]]:
        return {name: r.obj for name, r in self.registry.order_sources.items()}

    def bank_format(self, name: str) -> BankFormat:
        """The bank format named ``name`` (``camt``, ``mt940``, ``csv``, or a plugin's)."""
        return self._lookup(self.registry.bank_formats, name, "bank format").obj

    def bank_formats(self) -> tuple[BankFormat, ...]:
        return tuple(r.obj for r in self.registry.bank_formats.values())

    def reference_patterns(self) -> tuple[ReferencePattern, ...]:
        return tuple(r.obj for r in self.registry.reference_patterns.values())

    def ignore_rules(self) -> tuple[IgnoreRule, ...]:
        return tuple(r.obj for r in self.registry.ignore_rules.values())

    def send_notification(self, notification: Notification, *, attempt: int = 1) -> str | None:
        """Offer ``notification`` to the plugins; the first one that delivers it returns a receipt.

        ``None`` means no plugin took it: paymatch delivers it itself.
        """
        receipt = self.hook.paymatch_send_notification(notification=notification, attempt=attempt)
        if receipt is not None and not isinstance(receipt, str):
            raise PluginError(
                f"an implementation of paymatch_send_notification answered {receipt!r}; it must "
                "answer a receipt string (delivered) or None (not taken)"
            )
        return receipt

    def _lookup(
        self, table: Mapping[str, Registration[T]], name: str, what: str
    ) -> Registration[T]:
        try:
            return table[name]
        except KeyError:
            pass
        message = f"no {what} named {name!r} is installed"
        close = difflib.get_close_matches(name, list(table), n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        message += f"; installed: {', '.join(table) or 'none'}"
        if self.skipped:
            not_loaded = ", ".join(f"{s.name} ({s.reason})" for s in self.skipped)
            message += f"; not loaded: {not_loaded}"
        raise UnknownConnectorError(message)

    def _collect(
        self, hook_name: str, what: str, convert: Callable[[Any], tuple[str, str, T]]
    ) -> dict[str, Registration[T]]:
        found: dict[str, Registration[T]] = {}
        caller = getattr(self.hook, hook_name)
        # pluggy calls the most recently registered implementation first; so do we.
        for impl in reversed(caller.get_hookimpls()):
            origin = self.origin(impl.plugin_name)
            where = f"plugin {impl.plugin_name!r} ({origin.describe()})"
            if impl.hookwrapper or impl.wrapper:
                raise PluginError(f"{where}: {hook_name} cannot be a wrapper")
            try:
                result = impl.function()
            except Exception as error:
                raise PluginError(f"{where} failed in {hook_name}: {error!r}") from error
            for item in _items(result, hook_name, where):
                try:
                    name, kind, obj = convert(item)
                except (TypeError, ValueError) as error:
                    raise PluginError(f"{where}, {hook_name}: {error}") from error
                registration = Registration(name, kind, obj, impl.plugin_name, origin)
                earlier = found.get(name)
                if earlier is None:
                    found[name] = registration
                elif _underlying(earlier.obj) is not _underlying(obj):
                    first, second = sorted([earlier.describe(), registration.describe()])
                    raise DuplicateConnectorError(
                        f"two {what}s are named {name!r}: {first} and {second}. Uninstall "
                        f"one, or block one with {DISABLE_PLUGINS_ENV}=<plugin name>"
                    )
        return dict(sorted(found.items()))


def _items(result: Any, hook_name: str, where: str) -> list[Any]:
    if result is None:
        return []
    if isinstance(result, str | bytes | type) or not isinstance(result, Iterable):
        raise PluginError(
            f"{where}: {hook_name} must return a list (or other iterable) of items, got {result!r}"
        )
    return list(result)


def _check_connector_name(name: Any, owner: str) -> str:
    if not isinstance(name, str) or not _CONNECTOR_NAME.match(name):
        raise ValueError(
            f"{owner} has PLUGIN_NAME {name!r}; it must be a lower-case name (letters, digits, "
            "'_', '.', '-'; at most 64 characters) starting with a letter"
        )
    return name


def _order_source(item: Any) -> tuple[str, str, type[OrderSource]]:
    if not (isinstance(item, type) and issubclass(item, OrderSource)):
        raise TypeError(f"{item!r} is not an OrderSource subclass (register the class itself)")
    if inspect.isabstract(item):
        missing = ", ".join(sorted(getattr(item, "__abstractmethods__", ())))
        raise TypeError(f"{_label(item)} does not implement {missing}")
    name = _check_connector_name(getattr(item, "PLUGIN_NAME", None), _label(item))
    try:
        kind = ConnectorKind(item.KIND)
    except ValueError:
        kind = None
    if kind not in ORDER_SOURCE_KINDS:
        allowed = ", ".join(sorted(k.value for k in ORDER_SOURCE_KINDS))
        raise ValueError(
            f"{_label(item)} has KIND {item.KIND!r}; an order source is one of {allowed}"
        )
    return name, str(kind), item


def _bank_format(item: Any) -> tuple[str, str, BankFormat]:
    if isinstance(item, type) and issubclass(item, BankFormat):
        if inspect.isabstract(item):
            missing = ", ".join(sorted(getattr(item, "__abstractmethods__", ())))
            raise TypeError(f"{_label(item)} does not implement {missing}")
        try:
            item = item()
        except TypeError as error:
            raise TypeError(
                f"{_label(item)} needs arguments; register an instance ({error})"
            ) from error
    bank_format = item if isinstance(item, BankFormat) else ModuleBankFormat(item)
    name = _check_connector_name(getattr(bank_format, "PLUGIN_NAME", None), _label(bank_format))
    return name, ConnectorKind.BANK.value, bank_format


def _reference_pattern(item: Any) -> tuple[str, str, ReferencePattern]:
    if not isinstance(item, ReferencePattern):
        raise TypeError(f"{item!r} is not a paymatch.rules.extensions.ReferencePattern")
    return item.name, "reference pattern", item


def _ignore_rule(item: Any) -> tuple[str, str, IgnoreRule]:
    rule = as_ignore_rule(item)
    return rule.name, "ignore rule", rule


# -- building the manager ------------------------------------------------------------------------


def build_plugin_manager(
    *,
    environ: Mapping[str, str] | None = None,
    entry_points: bool = True,
    default_plugins: Iterable[str] = DEFAULT_PLUGINS,
) -> PaymatchPluginManager:
    """A new manager with the built-in plugins and the allowed entry-point plugins registered.

    The allow- and block-list are read from ``environ`` (default: ``os.environ``).
    ``entry_points=False`` registers the built-ins only.
    """
    environ = os.environ if environ is None else environ
    allow = parse_plugin_names(environ.get(LOAD_PLUGINS_ENV))
    block = parse_plugin_names(environ.get(DISABLE_PLUGINS_ENV))
    manager = PaymatchPluginManager()
    builtin = PluginOrigin("paymatch", _paymatch_version(), builtin=True)
    for module_name in default_plugins:
        if _matches(block, module_name, builtin.distribution):
            manager.set_blocked(module_name)
            manager.skipped.append(SkippedPlugin(module_name, builtin, f"in {DISABLE_PLUGINS_ENV}"))
            continue
        manager.register(importlib.import_module(module_name), name=module_name, origin=builtin)
    if entry_points:
        _load_entry_points(manager, allow, block)
    manager.check_pending()
    return manager


def _load_entry_points(
    manager: PaymatchPluginManager, allow: frozenset[str] | None, block: frozenset[str] | None
) -> None:
    chosen: dict[str, tuple[importlib.metadata.EntryPoint, PluginOrigin]] = {}
    matched: set[str] = set()
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=_ep_key):
        origin = PluginOrigin(
            distribution=ep.dist.name if ep.dist else None,
            version=ep.dist.version if ep.dist else None,
            entry_point=f"{ep.name} = {ep.value}",
        )
        if allow is not None:
            if not _matches(allow, ep.name, origin.distribution):
                manager.skipped.append(SkippedPlugin(ep.name, origin, f"not in {LOAD_PLUGINS_ENV}"))
                continue
            matched.update(_canonical(n) for n in (ep.name, origin.distribution) if n)
        if _matches(block, ep.name, origin.distribution):
            manager.skipped.append(SkippedPlugin(ep.name, origin, f"in {DISABLE_PLUGINS_ENV}"))
            if _matches(block, ep.name):
                manager.set_blocked(ep.name)
            continue
        if ep.name in chosen:
            other = chosen[ep.name][1]
            raise DuplicateConnectorError(
                f"two plugins are named {ep.name!r}: entry point {other.entry_point!r} "
                f"({other.describe()}) and {origin.entry_point!r} ({origin.describe()}). "
                f"Uninstall one, or block one by its distribution name with {DISABLE_PLUGINS_ENV}"
            )
        chosen[ep.name] = (ep, origin)
    # Import only once the set is known to be consistent: a failed check loads nothing.
    for ep, origin in chosen.values():
        try:
            plugin = ep.load()
        except Exception as error:
            raise PluginError(
                f"plugin {ep.name!r} ({origin.describe()}) failed to load: {error!r}. "
                f"Set {DISABLE_PLUGINS_ENV}={ep.name} to start without it"
            ) from error
        manager.register(plugin, name=ep.name, origin=origin)
    if allow:
        unknown = sorted(allow - matched)
        if unknown:
            warnings.warn(
                f"{LOAD_PLUGINS_ENV} names plugins that are not installed: {', '.join(unknown)}",
                PluginWarning,
                stacklevel=4,
            )


def _ep_key(ep: importlib.metadata.EntryPoint) -> tuple[str, str, str]:
    return (ep.name, ep.dist.name if ep.dist else "", ep.value)


# -- the process-wide manager --------------------------------------------------------------------


class _Current:
    """The process-wide manager: built on first use, replaceable for tests."""

    manager: PaymatchPluginManager | None = None
    lock = threading.Lock()


def get_plugin_manager() -> PaymatchPluginManager:
    """The process-wide plugin manager, built on the first call (thread-safe), then reused."""
    manager = _Current.manager
    if manager is None:
        with _Current.lock:
            if _Current.manager is None:
                _Current.manager = build_plugin_manager()
            manager = _Current.manager
    return manager


def set_plugin_manager(manager: PaymatchPluginManager | None) -> PaymatchPluginManager | None:
    """Replace the process-wide manager (``None``: build anew on next use); returns the old one.

    For tests and for hosts that build their own manager with :func:`build_plugin_manager`.
    """
    with _Current.lock:
        previous, _Current.manager = _Current.manager, manager
    return previous


def reset_plugin_manager() -> None:
    """Forget the process-wide manager, e.g. after changing the environment variables."""
    set_plugin_manager(None)


def order_source_class(name: str) -> type[OrderSource]:
    """The installed order-source connector class named ``name``."""
    return get_plugin_manager().order_source_class(name)


def order_source_classes() -> dict[str, type[OrderSource]]:
    """Every installed order-source connector class, by name."""
    return get_plugin_manager().order_source_classes()


def bank_format(name: str) -> BankFormat:
    """The installed bank format named ``name``."""
    return get_plugin_manager().bank_format(name)


def bank_formats() -> tuple[BankFormat, ...]:
    """Every installed bank format, sorted by name."""
    return get_plugin_manager().bank_formats()


def reference_patterns() -> tuple[ReferencePattern, ...]:
    """Every reference pattern plugins contribute, sorted by name."""
    return get_plugin_manager().reference_patterns()


def ignore_rules() -> tuple[IgnoreRule, ...]:
    """Every ignore rule plugins contribute, sorted by name."""
    return get_plugin_manager().ignore_rules()


def send_notification(notification: Notification, *, attempt: int = 1) -> str | None:
    """Offer ``notification`` to the plugins (:meth:`PaymatchPluginManager.send_notification`)."""
    return get_plugin_manager().send_notification(notification, attempt=attempt)
