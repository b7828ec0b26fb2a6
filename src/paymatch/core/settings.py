"""paymatch's configuration: one TOML file, validated into the models below (docs/guide.md).

Durations are seconds (an integer) or a string of numbers with units ``s``, ``m``, ``h``, ``d``
(``"30m"``, ``"1h30m"``, ``"7d"``). Relative paths (the SQLite file, the file source's files) are
relative to the configuration file.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from paymatch.connectors.interfaces import StatusMapping
from paymatch.core.errors import ConfigError
from paymatch.core.money import normalize_currency

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)\s*([smhd])")


def parse_duration(value: Any) -> timedelta:
    """``90``, ``"90s"``, ``"30m"``, ``"1h30m"``, ``"7d"`` or a timedelta, as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration is seconds or a string like '30m'")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            seconds = int(text)
        else:
            parts = _DURATION.findall(text)
            if not parts or _DURATION.sub("", text).strip():
                raise ValueError(f"{value!r} is not a duration like '90s', '30m', '12h' or '7d'")
            seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    else:
        raise ValueError("a duration is seconds or a string like '30m'")
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoreConfig(_Section):
    url: str = "sqlite:///paymatch.db"


class Schedules(_Section):
    """When paymatch talks to sources and how it retries (Komfortkasse-like defaults)."""

    new_orders: Duration = timedelta(minutes=30)
    """Comparison of new and changed orders (``list_changed_since``)."""
    poll: Duration = timedelta(minutes=3)
    """Polling, only for sources without push where paymatch sends payment information."""
    full: Duration = timedelta(hours=12)
    """Full comparison against the complete list of open orders."""
    changed_overlap: Duration = timedelta(minutes=2)
    """How far back each ``changed since`` query reaches before the last one (clock skew)."""
    write_back_retry_for: Duration = timedelta(days=7)
    """How long a failing write-back (or notification) is retried before the merchant is told."""
    backoff_initial: Duration = timedelta(minutes=1)
    backoff_max: Duration = timedelta(hours=1)
    claim_lease: Duration = timedelta(minutes=5)
    """How long a worker owns claimed outbox work before another may take it over."""


class ScheduleOverrides(_Section):
    new_orders: Duration | None = None
    poll: Duration | None = None
    full: Duration | None = None


class SourceConfig(_Section):
    connector: str
    settings: dict[str, Any] = {}
    mapping: dict[str, Any] = {}
    """The one place for the merchant's overrides of the connector's default StatusMapping
    (``payment_methods``, ``open_statuses``, ``paid_status``, ``cancelled_status``); paymatch
    puts them in force on the connector too (``OrderSource.mapping``)."""
    push: bool | None = None
    """Whether the source hands new orders over itself; default: what the connector says."""
    send_payment_information: bool = False
    """Whether paymatch sends payment information (then sources without push are polled)."""
    schedules: ScheduleOverrides = ScheduleOverrides()

    @field_validator("mapping")
    @classmethod
    def _valid_overrides(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Names and values are checked when the file is read, not when the source is first used."""
        known = list(StatusMapping.model_fields)
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"unknown mapping keys {unknown} (known: {', '.join(known)})")
        try:
            StatusMapping().overridden_by(value)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"mapping {where}: {first['msg']}") from None
        return value


class AccountConfig(_Section):
    iban: str
    currency: str = "EUR"
    kind: Literal["own", "integrated"] = "own"
    name: str | None = None
    sources: list[str] = []
    """The sources whose orders this account's postings may pay; empty = every source."""
    countries: list[str] = []
    """Billing countries this account serves (payment information); empty = every country."""
    first_import: Literal["match", "no_assignment"] = "match"
    bic: str | None = None
    """The BIC, shown in payment information and put in the QR code (optional)."""
    holder: str | None = None
    """The account holder: the payee customers see (default: ``[notify] payee``)."""
    bank: str | None = None
    """The bank's name, shown in payment information."""

    @field_validator("iban", mode="before")
    @classmethod
    def _compact(cls, value: Any) -> Any:
        return "".join(value.split()).upper() if isinstance(value, str) else value

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> str:
        return normalize_currency(value)

    @field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, value: Any) -> Any:
        return [c.strip().upper() for c in value] if isinstance(value, list) else value


class WorkerConfig(_Section):
    id: str | None = None
    """Stable worker id (claims of a restarted worker are released at once); default host:pid."""
    interval: Duration = timedelta(seconds=30)
    """How often ``paymatch run`` ticks."""


class PaymatchConfig(_Section):
    store: StoreConfig = StoreConfig()
    accounts: list[AccountConfig] = []
    sources: dict[str, SourceConfig] = {}
    schedules: Schedules = Schedules()
    worker: WorkerConfig = WorkerConfig()
    match: dict[str, Any] = Field(default_factory=dict)
    """The matcher's ``[match]`` table (``MatchConfig``; docs/matching.md)."""
    policy: dict[str, Any] = Field(default_factory=dict)
    """The lifecycle policy table (defaults and per-source overrides; docs/lifecycle.md)."""
    notify: dict[str, Any] = Field(default_factory=dict)
    """The ``[notify]`` table: messages and their delivery (``NotifyConfig``;
    docs/notifications.md)."""

    def source_schedule(self, name: str) -> Schedules:
        """The schedules of one source: its overrides on top of the global ones."""
        overrides = self.sources[name].schedules.model_dump(exclude_none=True)
        return self.schedules.model_copy(update=overrides)


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    store = data.get("store")
    if isinstance(store, dict) and isinstance(store.get("url"), str):
        url = store["url"]
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
            store["url"] = prefix + str((base / url[len(prefix) :]).resolve())
    for source in (data.get("sources") or {}).values():
        if isinstance(source, dict) and source.get("connector") == "file":
            settings = source.get("settings") or {}
            for key in ("orders", "status_file"):
                if isinstance(settings.get(key), str):
                    settings[key] = str(base / settings[key])
    notify = data.get("notify")
    if isinstance(notify, dict):  # template directory, .eml directory, CA file
        tables = [notify, *(notify.get("sources") or {}).values()]
        for table, key in [(t, "templates") for t in tables] + [
            (notify.get("file"), "directory"),
            (notify.get("smtp"), "ca_file"),
        ]:
            if isinstance(table, dict) and isinstance(table.get(key), str):
                table[key] = str(base / table[key])
    return data


def load_config(path: str | Path) -> PaymatchConfig:
    """Read and validate a TOML configuration file; errors name the file and the field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(error.strerror or str(error), where=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", where=str(path)) from None
    return config_from_dict(_resolve_paths(data, path.parent), where=str(path))


def config_from_dict(data: dict[str, Any], *, where: str = "<config>") -> PaymatchConfig:
    try:
        return PaymatchConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise ConfigError(
            first["msg"].removeprefix("Value error, "), where=where, field=field
        ) from None
