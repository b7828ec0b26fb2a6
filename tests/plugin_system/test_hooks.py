"""One test per hook (test_hook_<name>), and every hook documented with a working example.

The last three tests keep it so: a new hook without a test here or a section in
docs/plugins.md fails the suite (the datasette convention).
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from paymatch import hookimpl
from paymatch.connectors import hookspecs
from paymatch.connectors.interfaces import ConnectorKind, ModuleBankFormat
from paymatch.connectors.plugins import PaymatchPluginManager
from paymatch.core.errors import PluginError
from paymatch.core.models import Posting
from paymatch.core.notifications import Audience, Notification
from paymatch.rules.extensions import (
    IgnoreRule,
    ReferenceKind,
    ReferencePattern,
    first_ignore_verdict,
)
from paymatch.testing import FakeBankFormat, FakeOrderSource

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith("paymatch_") and callable(value)
)


def _plugin(**hooks: Callable[..., Any]) -> SimpleNamespace:
    return SimpleNamespace(**{name: hookimpl(function) for name, function in hooks.items()})


def _notification(**fields: Any) -> Notification:
    base: dict[str, Any] = {
        "id": "n-1",
        "kind": "payment_information",
        "audience": Audience.CUSTOMER,
        "subject": "Your order 10023",
        "text": "Please pay 49.90 EUR.",
    }
    return Notification(**(base | fields))


def _posting(**fields: Any) -> Posting:
    base = {"id": "p1", "booking_date": "2026-11-20", "amount": "49.90", "currency": "EUR"}
    return Posting(**(base | fields))


class _Marketplace(FakeOrderSource):
    PLUGIN_NAME = "market"
    KIND = ConnectorKind.MARKETPLACE


def test_hook_paymatch_register_order_sources(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    def paymatch_register_order_sources() -> Iterator[type[FakeOrderSource]]:
        yield FakeOrderSource  # any iterable will do, a generator too
        yield _Marketplace

    register_paymatch_plugin(_plugin(paymatch_register_order_sources=lambda: None), name="none")
    register_paymatch_plugin(
        _plugin(paymatch_register_order_sources=paymatch_register_order_sources), name="shops"
    )
    registry = paymatch_plugin_manager.registry.order_sources
    assert [name for name in registry if name not in {"memory", "file"}] == ["fake", "market"]
    assert registry["market"].obj is _Marketplace
    assert registry["market"].kind == "marketplace"
    assert registry["fake"].kind == "shop"
    assert registry["fake"].plugin == "shops"


def test_hook_paymatch_register_bank_formats(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    module = types.ModuleType("pm_line_format", "Module-shaped format.")
    module.FORMAT = "modulefmt"  # type: ignore[attr-defined]
    module.sniff = lambda head: head.startswith(b"MOD")  # type: ignore[attr-defined]
    module.iter_records = FakeBankFormat().iter_records  # type: ignore[attr-defined]
    module.read = FakeBankFormat().read  # type: ignore[attr-defined]

    class ClassRegistered(FakeBankFormat):
        PLUGIN_NAME = "classfmt"

    register_paymatch_plugin(
        _plugin(paymatch_register_bank_formats=lambda: [FakeBankFormat(), ClassRegistered, module]),
        name="banks",
    )
    builtin = {
        name
        for name, r in paymatch_plugin_manager.registry.bank_formats.items()
        if r.origin.builtin
    }
    formats = {
        f.PLUGIN_NAME: f
        for f in paymatch_plugin_manager.bank_formats()
        if f.PLUGIN_NAME not in builtin
    }
    assert list(formats) == ["classfmt", "fakebank", "modulefmt"]
    assert isinstance(formats["classfmt"], ClassRegistered)
    assert isinstance(formats["modulefmt"], ModuleBankFormat)
    assert formats["modulefmt"].DESCRIPTION == "Module-shaped format."
    assert formats["modulefmt"].sniff(b"MOD1")
    data = FakeBankFormat.render("DE02120300000000202051", "EUR", [("2026-11-20", "1.00", "A", "")])
    statement = formats["modulefmt"].read(data, source_name="x.txt")
    assert [(p.amount, p.currency) for p in statement.postings] == [(Decimal("1.00"), "EUR")]
    assert statement.format == "fakebank", "the module's own read() made the statement"


def test_hook_paymatch_register_reference_patterns(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    pattern = ReferencePattern("shop-invoice", r"\bINV(?P<ref>\d{5})\b", "invoice_number")
    register_paymatch_plugin(
        _plugin(paymatch_register_reference_patterns=lambda: (pattern,)), name="refs"
    )
    (found,) = paymatch_plugin_manager.reference_patterns()
    assert found is pattern
    assert found.refers_to is ReferenceKind.INVOICE_NUMBER
    assert found.findall("Rechnung INV00042 und INV00043") == ["00042", "00043"]
    assert paymatch_plugin_manager.registry.reference_patterns["shop-invoice"].plugin == "refs"


def test_hook_paymatch_register_ignore_rules(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    def bank_fees(posting: Posting) -> str | None:
        return "bank fee" if "ENTGELT" in posting.remittance.upper() else None

    class Debits(IgnoreRule):
        name = "debits"

        def why_ignored(self, posting: Posting) -> str | None:
            return "money out" if posting.amount < 0 else None

    register_paymatch_plugin(
        _plugin(paymatch_register_ignore_rules=lambda: [bank_fees, Debits()]), name="rules"
    )
    rules = paymatch_plugin_manager.ignore_rules()
    assert [r.name for r in rules] == ["bank-fees", "debits"]
    verdict = first_ignore_verdict(rules, _posting(remittance="Entgelt Mai", amount="-3.00"))
    assert verdict is not None
    assert (verdict.rule, verdict.reason) == ("bank-fees", "bank fee")
    assert first_ignore_verdict(rules, _posting(remittance="Bestellung 10023")) is None


def test_hook_paymatch_send_notification(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    calls: list[tuple[str, Any]] = []

    def passes(notification: Notification) -> None:
        calls.append(("passes", notification.id))

    def counts_attempts(notification: Notification, attempt: int) -> str | None:
        calls.append(("counts", attempt))
        return None if attempt > 2 else f"shop mailer #{attempt}"

    assert paymatch_plugin_manager.send_notification(_notification()) is None, "nobody took it"
    register_paymatch_plugin(_plugin(paymatch_send_notification=counts_attempts), name="mailer")
    register_paymatch_plugin(_plugin(paymatch_send_notification=passes), name="passer")
    assert paymatch_plugin_manager.send_notification(_notification()) == "shop mailer #1"
    assert calls == [("passes", "n-1"), ("counts", 1)], "latest registered first, then stops"
    assert paymatch_plugin_manager.send_notification(_notification(), attempt=3) is None

    def answers_true(notification: Notification) -> bool:
        return True

    register_paymatch_plugin(_plugin(paymatch_send_notification=answers_true), name="sloppy")
    with pytest.raises(PluginError, match="receipt string"):
        paymatch_plugin_manager.send_notification(_notification())


def test_a_failing_delivery_raises_to_the_caller(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
) -> None:
    def fails(notification: Notification) -> str:
        raise ConnectionError("shop mailer down")

    register_paymatch_plugin(_plugin(paymatch_send_notification=fails), name="down")
    with pytest.raises(ConnectionError, match="shop mailer down"):
        paymatch_plugin_manager.send_notification(_notification())


# -- the meta-tests -------------------------------------------------------------------------------


def test_every_hook_has_a_test() -> None:
    assert HOOKS, "no hooks found in the hookspec module"
    tested = {
        name.removeprefix("test_hook_") for name in globals() if name.startswith("test_hook_")
    }
    assert set(HOOKS) <= tested, f"hooks without a test_hook_<name>: {set(HOOKS) - tested}"


def _documented_hooks() -> dict[str, tuple[list[str], str]]:
    """``{hook: (argument names, section text)}`` from the hook reference in docs/plugins.md."""
    text = DOCS.read_text(encoding="utf-8")
    reference = text.split("## Hook reference", 1)[1].split("\n## ", 1)[0]
    sections = re.split(r"^### ", reference, flags=re.M)[1:]
    documented = {}
    for section in sections:
        heading, _, body = section.partition("\n")
        found = re.fullmatch(r"(paymatch_\w+)\(([^)]*)\)", heading.strip())
        assert found, f"hook heading not in the form name(args): {heading!r}"
        args = [a.strip() for a in found[2].split(",") if a.strip()]
        documented[found[1]] = (args, body)
    return documented


def test_every_hook_is_documented_with_its_signature() -> None:
    documented = _documented_hooks()
    assert sorted(documented) == HOOKS
    for hook in HOOKS:
        spec_args = list(inspect.signature(getattr(hookspecs, hook)).parameters)
        assert documented[hook][0] == spec_args, f"docs/plugins.md shows {hook} with other args"


@pytest.mark.parametrize("hook", HOOKS)
def test_the_documented_example_works(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_paymatch_plugin: Callable[..., str],
    hook: str,
) -> None:
    body = _documented_hooks()[hook][1]
    blocks = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    assert len(blocks) == 1, f"the section of {hook} needs exactly one python example"
    module = types.ModuleType(f"docs_example_{hook}")
    exec(compile(blocks[0], f"docs/plugins.md ({hook})", "exec"), module.__dict__)
    register_paymatch_plugin(module, name="docs-example")
    assert paymatch_plugin_manager.plugin_hooks("docs-example") == [hook]
    if hook == "paymatch_send_notification":
        mine = _notification(connector="tiny-shop")
        receipt = paymatch_plugin_manager.send_notification(mine)
        assert receipt
        assert paymatch_plugin_manager.send_notification(_notification(connector="other")) is None
        return
    registry = paymatch_plugin_manager.registry
    table = {
        "paymatch_register_order_sources": registry.order_sources,
        "paymatch_register_bank_formats": registry.bank_formats,
        "paymatch_register_reference_patterns": registry.reference_patterns,
        "paymatch_register_ignore_rules": registry.ignore_rules,
    }[hook]
    assert [r.plugin for r in table.values() if not r.origin.builtin] == ["docs-example"]
