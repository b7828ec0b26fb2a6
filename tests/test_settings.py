from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch import ConfigError, load_config
from paymatch.core.settings import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("30m", 1800), ("1h30m", 5400), ("7d", 604800), (45, 45)],
)
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "0", "ten minutes", "5x", "-3m", 1.5, True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is checked in the next test
        parse_duration(text)


@given(st.lists(st.tuples(st.integers(1, 999), st.sampled_from("smhd")), min_size=1, max_size=4))
def test_duration_is_the_sum_of_its_parts(parts: list[tuple[int, str]]) -> None:
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = "".join(f"{n}{u}" for n, u in parts)
    assert parse_duration(text).total_seconds() == sum(n * unit[u] for n, u in parts)


def test_load_config_resolves_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "paymatch.toml"
    path.parent.mkdir()
    path.write_text(
        """
[store]
url = "sqlite:///data/pm.db"

[[accounts]]
iban = "de02 1203 0000 0000 2020 51"
currency = "eur"
sources = ["shop"]

[sources.shop]
connector = "file"
settings = { orders = "orders.jsonl" }
schedules = { full = "6h" }

[schedules]
poll = "5m"
"""
    )
    config = load_config(path)
    assert config.store.url == f"sqlite:///{path.parent / 'data' / 'pm.db'}"
    assert config.sources["shop"].settings["orders"] == str(path.parent / "orders.jsonl")
    assert config.accounts[0].iban == "DE02120300000000202051"
    assert config.accounts[0].currency == "EUR"
    schedule = config.source_schedule("shop")
    assert (schedule.full, schedule.poll, schedule.new_orders) == (
        timedelta(hours=6),
        timedelta(minutes=5),
        timedelta(minutes=30),
    )


def test_config_errors_name_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "paymatch.toml"
    path.write_text('[schedules]\npoll = "soon"\n')
    with pytest.raises(ConfigError, match=r"paymatch.toml, field 'schedules.poll'.*not a duration"):
        load_config(path)
    path.write_text('[sources.shop]\nconector = "file"\n')
    with pytest.raises(ConfigError, match=r"sources\.shop"):
        load_config(path)
    path.write_text("[store\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
