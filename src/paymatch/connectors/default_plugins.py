"""The built-in connectors, registered through the same hooks as any third-party plugin.

Built-ins are named by module (and ``module:Class`` for order sources) so that this file needs no
import of them: a built-in that is not part of this installation yet is skipped, while one that
exists but fails to import is an error (a broken built-in must be loud, not missing).

To add a built-in, add its name to one of the tuples below.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from paymatch.connectors.hookspecs import hookimpl
from paymatch.connectors.interfaces import OrderSource

BANK_FORMAT_MODULES: tuple[str, ...] = (
    "paymatch.connectors.bank.camt",
    "paymatch.connectors.bank.mt940",
    "paymatch.connectors.bank.csv",
)
"""Modules with ``FORMAT``, ``sniff``, ``iter_records`` and ``read`` (see ``bank-shape``)."""

ORDER_SOURCES: tuple[str, ...] = (
    "paymatch.connectors.memory:MemorySource",
    "paymatch.connectors.files:FileSource",
)
"""``"module:Class"`` of the built-in order sources (in-memory and file-based, from the store
work), e.g. ``"paymatch.connectors.files:FileOrderSource"``."""


def _import_if_present(module_name: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        # Only the module itself being absent means "not here yet"; a missing dependency of a
        # module that exists is a real error.
        missing = error.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            return None
        raise


def _load_class(spec: str) -> type[OrderSource] | None:
    module_name, _, class_name = spec.partition(":")
    module = _import_if_present(module_name)
    if module is None:
        return None
    cls: type[OrderSource] = getattr(module, class_name)
    return cls


@hookimpl
def paymatch_register_bank_formats() -> list[Any]:
    modules = (_import_if_present(name) for name in BANK_FORMAT_MODULES)
    return [module for module in modules if module is not None]


@hookimpl
def paymatch_register_order_sources() -> list[type[OrderSource]]:
    classes = (_load_class(spec) for spec in ORDER_SOURCES)
    return [cls for cls in classes if cls is not None]
