"""Test helpers for paymatch and for connector packages (also a pytest plugin).

Installing paymatch makes its fixtures available in every pytest run (entry point ``pytest11``,
module :mod:`paymatch.testing.plugin`):

``paymatch_plugin_manager``
    A fresh plugin manager with only the built-in plugins, installed as the process-wide one for
    the test (so entry-point plugins cannot interfere) and removed afterwards.
``register_paymatch_plugin``
    ``register_paymatch_plugin(plugin, name=None)``: register a plugin object or module for one
    test; it is unregistered afterwards.
``register_connector``
    ``register_connector(*items)``: register order-source classes, bank formats, reference
    patterns or ignore rules for one test, without writing a plugin.
``fake_shop`` / ``fake_order_source``
    A :class:`FakeShop` and a :class:`FakeOrderSource` connected to it.

Options (command line, or ini/pyproject): ``--paymatch-load-plugins`` / ``paymatch_load_plugins``
and ``--paymatch-disable-plugins`` / ``paymatch_disable_plugins`` set the allow- and block-list
for the test run (as ``PAYMATCH_LOAD_PLUGINS``/``PAYMATCH_DISABLE_PLUGINS`` do; the command line
wins over the environment, the environment over the ini file). An empty allow-list turns
entry-point autoloading off.

Contract suites: :class:`OrderSourceContract` with :class:`OrderSourceHarness`, and
:class:`BankFormatContract` (see :mod:`paymatch.testing.contract`).
"""

from __future__ import annotations

import pytest

# Plain asserts in the contract suites should explain themselves like those in test files.
pytest.register_assert_rewrite("paymatch.testing.contract")

from paymatch.testing.camt import Credit, camt053  # noqa: E402
from paymatch.testing.contract import (  # noqa: E402
    BankFormatContract,
    InProcessHarness,
    OrderSourceContract,
    OrderSourceHarness,
    SeedOrder,
    SeedState,
)
from paymatch.testing.fakes import FakeBankFormat, FakeOrderSource, FakeShop  # noqa: E402
from paymatch.testing.harness import FakeOrderSourceHarness  # noqa: E402

__all__ = [
    "BankFormatContract",
    "Credit",
    "FakeBankFormat",
    "FakeOrderSource",
    "FakeOrderSourceHarness",
    "FakeShop",
    "InProcessHarness",
    "OrderSourceContract",
    "OrderSourceHarness",
    "SeedOrder",
    "SeedState",
    "camt053",
]
