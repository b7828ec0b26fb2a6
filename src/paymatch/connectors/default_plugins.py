"""The built-in connectors, registered through the same hooks as any third-party plugin.

Built-ins are named by module (and ``module:Class`` for order sources) so that this file needs no
import of them until the plugin manager asks; one that fails to import is an error (a broken
built-in must be loud, not missing).

To add a built-in, add its name to one of the tuples below.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from paymatch.connectors.hookspecs import hookimpl
from paymatch.connectors.interfaces import OrderSource

BANK_FORMAT_MODULES: tuple[str, ...] = (
    "paymatch.connectors.bank.camt",
    "paymatch.connectors.bank.mt940",
    "paymatch.connectors.bank.bank_csv",
)
"""Modules with ``FORMAT``, ``sniff``, ``iter_records`` and ``read`` (see ``bank-shape``)."""

ORDER_SOURCES: tuple[str, ...] = (
    "paymatch.connectors.memory:MemorySource",
    "paymatch.connectors.files:FileSource",
)
"""``"module:Class"`` of the built-in order sources (in-memory and file-based, from the store
work), e.g. ``"paymatch.connectors.files:FileOrderSource"``."""


def _load_class(spec: str) -> type[OrderSource]:
    module_name, _, class_name = spec.partition(":")
    cls: type[OrderSource] = getattr(importlib.import_module(module_name), class_name)
    return cls


@hookimpl
def paymatch_register_bank_formats() -> list[ModuleType]:
    return [importlib.import_module(name) for name in BANK_FORMAT_MODULES]


@hookimpl
def paymatch_register_order_sources() -> list[type[OrderSource]]:
    return [_load_class(spec) for spec in ORDER_SOURCES]
