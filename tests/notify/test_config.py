"""The [notify] table: the documented example loads; bad values fail at load time, named."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from paymatch.core.errors import ConfigError
from paymatch.notify.accounts import accounts_from_config
from paymatch.notify.config import (
    NotifyConfig,
    RetrySettings,
    Security,
    load_notify_config,
    parse_notify_config,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def documented_example() -> str:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Configuration: `[notify]`") :]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match
    return match.group(1)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "paymatch.toml"
    path.write_text(documented_example(), encoding="utf-8")
    config = load_notify_config(path)
    assert config.sender == "smtp"
    assert config.smtp.security is Security.STARTTLS
    assert config.smtp.effective_port == 587
    assert config.smtp.timeout == timedelta(seconds=30)
    assert config.retry.give_up_after == timedelta(days=3)
    assert config.file.directory == tmp_path / "outbox"
    assert config.defaults.templates == tmp_path / "mail-templates"
    other = config.for_source("othershop")
    assert other.from_ == "Other Shop <billing@other.example>"
    assert other.payee == "Beispiel GmbH"  # not overridden: the default
    assert config.for_source("unknown") == config.defaults

    accounts = accounts_from_config(tomllib.loads(documented_example())["accounts"])
    assert accounts[0].holder == "Beispiel GmbH"
    assert accounts[0].countries == ("DE",)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[notify]\nfrom = "not an address"', "notify.from"),
        ('[notify]\nfrom = "a@b.example, c@d.example"', "notify.from"),
        ('[notify]\nmerchant = ["ok@shop.example", "broken"]', "notify.merchant.1"),
        ('[notify]\nsender = "smtp"', "notify"),
        ('[notify]\nsender = "pigeon"', "notify.sender"),
        ('[notify]\nqr_version = "003"', "notify.qr_version"),
        ('[notify]\ndefault_language = "german!"', "notify.default_language"),
        ("[notify]\ntypo = 1", "notify.typo"),
        ('[notify.smtp]\nsecurity = "tls"', "notify.smtp.security"),
        ('[notify.retry]\ninitial = "soon"', "notify.retry.initial"),
        ('[notify.sources.shop]\nfrom = "x"', "notify.sources.shop.from"),
    ],
)
def test_bad_values_name_the_key(text: str, field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_notify_config(text)
    assert raised.value.field == field


def test_defaults_and_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_notify_config("")
    assert config.sender == "none"
    assert config.defaults.default_language == "de"
    ssl = parse_notify_config('[notify.smtp]\nsecurity = "ssl"\npassword_env = "X_PW"')
    assert ssl.smtp.effective_port == 465
    with pytest.raises(ConfigError, match="X_PW"):
        ssl.smtp.secret()
    monkeypatch.setenv("X_PW", "pw")
    assert ssl.smtp.secret() == "pw"
    assert NotifyConfig.from_table({"merchant": "one@shop.example"}).defaults.merchant == (
        "one@shop.example",
    )


def test_backoff_doubles_and_is_capped() -> None:
    retry = RetrySettings(initial="1m", max="10m")
    waits = [retry.wait(n) for n in range(1, 7)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 10, 10)]
    assert retry.wait(10_000) == timedelta(minutes=10)
