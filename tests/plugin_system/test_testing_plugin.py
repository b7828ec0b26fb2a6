"""The pytest plugin of paymatch.testing: fixtures clean up, options control plugin loading."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.connectors.plugins import get_plugin_manager, parse_plugin_names
from paymatch.testing import FakeOrderSource, FakeShop

pytest_plugins = ["pytester"]

_NO_HYPOTHESIS = ("-p", "no:hypothesispytest")

_SEES_EXAMPLE = """
from paymatch.connectors.plugins import get_plugin_manager

def test_sees():
    print("EXAMPLE-LOADED" if get_plugin_manager().has_plugin("example") else "EXAMPLE-ABSENT")
"""


def _loaded(result: pytest.RunResult) -> str:
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    return "loaded" if "EXAMPLE-LOADED" in text else "absent"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYMATCH_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PAYMATCH_DISABLE_PLUGINS", raising=False)


@pytest.mark.usefixtures("clean_environment")
def test_by_default_entry_points_load(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_SEES_EXAMPLE)
    assert _loaded(pytester.runpytest(*_NO_HYPOTHESIS, "-s")) == "loaded"


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize(
    "case",
    [
        (["--paymatch-load-plugins="], None, None, "absent"),
        (["--paymatch-disable-plugins=example"], None, None, "absent"),
        ([], "paymatch_load_plugins =", None, "absent"),
        ([], "paymatch_disable_plugins = paymatch-example", None, "absent"),
        ([], "paymatch_load_plugins =", "example", "loaded"),  # environment over ini
        (["--paymatch-load-plugins=example"], None, "", "loaded"),  # command line over env
        (["--paymatch-load-plugins="], None, "example", "absent"),
    ],
)
def test_options_control_autoloading(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[list[str], str | None, str | None, str],
) -> None:
    args, ini, env, expected = case
    if ini is not None:
        pytester.makeini(f"[pytest]\n{ini}\n")
    if env is not None:
        monkeypatch.setenv("PAYMATCH_LOAD_PLUGINS", env)
    before = _paymatch_environment()
    pytester.makepyfile(_SEES_EXAMPLE)
    assert _loaded(pytester.runpytest(*_NO_HYPOTHESIS, "-s", *args)) == expected
    assert _paymatch_environment() == before, "the run's options leak into the environment"


def _paymatch_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("PAYMATCH_")}


def test_registered_connectors_are_gone_after_their_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from paymatch.connectors.plugins import get_plugin_manager
        from paymatch.testing import FakeOrderSource

        def test_registers(register_connector):
            register_connector(FakeOrderSource, name="for-one-test")
            assert get_plugin_manager().order_source_class("fake") is FakeOrderSource

        def test_after(paymatch_plugin_manager):
            assert "fake" not in get_plugin_manager().order_source_classes()
            assert not get_plugin_manager().has_plugin("for-one-test")

        def test_process_wide_manager_untouched():
            assert not get_plugin_manager().has_plugin("for-one-test")
        """
    )
    pytester.runpytest(*_NO_HYPOTHESIS, "-p", "no:randomly").assert_outcomes(passed=3)


def test_paymatch_plugin_manager_is_isolated_and_restored() -> None:
    outer = get_plugin_manager()
    assert outer.has_plugin("example")


def test_isolated_manager_has_only_built_ins(paymatch_plugin_manager: object) -> None:
    assert get_plugin_manager() is paymatch_plugin_manager
    assert not get_plugin_manager().has_plugin("example")


def test_fake_fixtures_are_connected(
    fake_shop: FakeShop, fake_order_source: FakeOrderSource
) -> None:
    order_id = fake_shop.add(total="12.30")
    order = fake_order_source.get_order(order_id)
    assert order is not None
    assert str(order.amount) == "12.30"


_separator = st.sampled_from(["-", "_", ".", "--", "_."])
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)


@given(words=st.lists(_word, min_size=1, max_size=4), data=st.data())
def test_plugin_names_match_regardless_of_case_and_separators(
    words: list[str], data: st.DataObject
) -> None:
    canonical = "-".join(words)
    variant = "".join(
        (word.upper() if data.draw(st.booleans()) else word)
        + (data.draw(_separator) if i < len(words) - 1 else "")
        for i, word in enumerate(words)
    )
    listed = parse_plugin_names(f" other, {variant} ,")
    assert listed is not None
    assert canonical in listed
    assert parse_plugin_names(None) is None
    assert parse_plugin_names("") == frozenset()
