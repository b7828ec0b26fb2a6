"""The ``[policy]`` table: defaults, per-source overrides, and clear errors for bad values."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from paymatch.core.errors import ConfigError
from paymatch.core.models import PaymentCode
from paymatch.core.policy import (
    CollectionMode,
    LatePayment,
    LifecyclePolicy,
    PolicyConfig,
    ReferenceDate,
    load_policy_config,
    parse_policy_config,
)


def test_no_policy_table_means_defaults() -> None:
    config = parse_policy_config('[bank]\niban = "DE02120300000000202051"\n')
    assert config.defaults == LifecyclePolicy()
    assert config.for_source("anything") == LifecyclePolicy()


def test_documented_defaults() -> None:
    defaults = LifecyclePolicy()
    assert defaults.zero_amount_is_paid is True
    assert defaults.refund_cap_factor == 2
    assert defaults.prepayment.deadline_days == 14
    assert defaults.prepayment.write_back_on_deadline is True
    assert defaults.invoice.write_back_on_deadline is False
    assert defaults.cod.reminders.enabled is False
    assert defaults.cod.late_payment is LatePayment.NOTIFY
    assert defaults.invoice.late_payment is LatePayment.REOPEN
    assert defaults.cod.payment_information is False
    for code in PaymentCode:
        assert defaults.for_code(code).collection.mode is CollectionMode.OFF
        assert defaults.for_code(code).reference is ReferenceDate.ORDER_DATE


def test_overrides_merge_key_by_key_and_sources_override_defaults() -> None:
    config = parse_policy_config(
        """
        [policy]
        zero_amount_is_paid = false

        [policy.invoice.reminders]
        levels = 5
        fees = { EUR = ["0", "2.50"], chf = ["1"] }

        [policy.sources.shop.invoice]
        deadline_days = "never"

        [policy.sources.shop.invoice.reminders]
        interval_days = 3

        [policy.sources.other]
        refund_cap_factor = "1.5"
        """
    )
    defaults = config.defaults
    assert defaults.zero_amount_is_paid is False
    assert defaults.invoice.reminders.levels == 5
    assert defaults.invoice.reminders.first_after_days == 21  # untouched default kept
    assert defaults.invoice.reminders.fee(2, "EUR") == Decimal("2.50")
    assert defaults.invoice.reminders.fee(1, "CHF") == Decimal("1.00")
    assert defaults.invoice.reminders.fee(3, "EUR") is None
    assert defaults.invoice.reminders.fee(1, "USD") is None
    shop = config.for_source("shop")
    assert shop.invoice.deadline_days is None
    assert shop.invoice.reminders.interval_days == 3
    assert shop.invoice.reminders.levels == 5  # from [policy], not the built-in default
    assert shop.zero_amount_is_paid is False
    assert shop.prepayment == defaults.prepayment
    assert config.for_source("other").refund_cap_factor == Decimal("1.5")
    assert config.for_source("unknown") == defaults


@pytest.mark.parametrize(
    ("toml", "field", "reason"),
    [
        ("[policy]\nzero_amount_is_paid = 3\n", "policy.zero_amount_is_paid", "boolean"),
        ("[policy.invoice]\ndeadline_days = -1\n", "policy.invoice.deadline_days", "0"),
        ("[policy.invoice]\ndeadline_dayz = 3\n", "policy.invoice.deadline_dayz", "not permitted"),
        ("[policy.invoice.reminders]\nlevels = 6\n", "policy.invoice.reminders.levels", "5"),
        ("[policy.invoice.reminders]\ninterval_days = 0\n", "interval_days", "1"),
        ("[policy]\nrefund_cap_factor = 2.5\n", "policy.refund_cap_factor", "float"),
        ('[policy]\nrefund_cap_factor = "0"\n', "policy.refund_cap_factor", "greater than 0"),
        ('[policy.invoice.reminders]\nfees = { EUR = ["0.001"] }\n', "fees", "decimal places"),
        ('[policy.invoice.reminders]\nfees = { XYZ = ["1"] }\n', "fees", "ISO 4217"),
        ('[policy.invoice.reminders]\nfees = { EUR = ["-1"] }\n', "fees", "negative"),
        ("[policy.invoice.reminders]\nfees = { EUR = [2.5] }\n", "fees", "float"),
        (
            '[policy.invoice.reminders]\nfees = { EUR = ["1", "2", "3", "4"] }\n',
            "fees",
            "4 fees for 3",
        ),
        (
            '[policy.cod.collection]\nmode = "auto"\n',
            "policy.cod",
            "collection needs reminders",
        ),
        ('[policy.invoice]\nlate_payment = "ignore"\n', "late_payment", "reopen"),
        ('[policy.sources.shop.cod]\nreference = "x"\n', "policy.sources.shop.cod.reference", ""),
        ("[policy]\nsources = 3\n", "policy.sources", "table"),
        ("policy = 3\n", "policy", "table"),
    ],
)
def test_bad_values_name_the_key(toml: str, field: str, reason: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_policy_config(toml, where="paymatch.toml")
    error = raised.value
    assert error.where == "paymatch.toml"
    assert error.field is not None
    assert field in error.field
    assert reason in str(error)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_policy_config("[policy\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_policy_config(tmp_path / "missing.toml")


def test_load_from_file(tmp_path: Path) -> None:
    path = tmp_path / "paymatch.toml"
    path.write_text("[policy.prepayment]\ndeadline_days = 7\n", encoding="utf-8")
    assert load_policy_config(path).defaults.prepayment.deadline_days == 7


def test_config_objects_are_frozen() -> None:
    config = PolicyConfig()
    with pytest.raises(ValueError, match="frozen"):
        config.defaults.invoice.reminders.levels = 4  # type: ignore[misc]
