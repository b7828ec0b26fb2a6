"""The ``[notify]`` table of paymatch's TOML configuration: who sends, from where, how.

::

    [notify]
    sender = "smtp"                      # smtp | file | none (hook only)
    from = "Beispiel Shop <billing@shop.example>"
    reply_to = "service@shop.example"
    merchant = ["owner@shop.example"]    # where merchant notices go
    shop_name = "Beispiel Shop"
    payee = "Beispiel GmbH"              # account holder, unless the account names one
    default_language = "de"              # when the order's language has no templates
    merchant_language = "de"
    templates = "mail-templates"         # overrides; a missing file falls back to the built-in
    reference = "payment_reference"      # payment_reference | invoice_number | order_number
    qr = true                            # EPC QR code (EUR only)
    qr_version = "auto"                  # auto | 001 | 002
    qr_remittance = "structured"         # structured (RF reference) | text
    unassigned_after_days = 14           # tell the merchant about postings left unassigned

    [notify.smtp]
    host = "smtp.example.net"
    port = 587
    security = "starttls"                # starttls | ssl | none
    username = "billing@shop.example"
    password_env = "PAYMATCH_SMTP_PASSWORD"
    timeout = "30s"

    [notify.file]
    directory = "outbox"                 # .eml files, written atomically

    [notify.retry]
    initial = "1m"
    max = "1h"
    give_up_after = "3d"

    [notify.sources.myshop]              # a source's own settings, merged over the above
    from = "Other Shop <billing@other.example>"
    shop_name = "Other Shop"

Every value is checked when the file is read; a bad one raises :class:`ConfigError` naming the
key, so a typo fails at start-up, not on the first message.
"""

from __future__ import annotations

import email.policy
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from paymatch.core.errors import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)\s*([smhd])")


def parse_duration(value: Any) -> timedelta:
    """``90``, ``"90s"``, ``"30m"``, ``"1h30m"``, ``"7d"`` (the Store's duration syntax)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("a duration is seconds or a string like '30m'")
    if isinstance(value, int):
        seconds = value
    else:
        text = value.strip().lower()
        parts = _DURATION.findall(text)
        if text.isdigit():
            seconds = int(text)
        elif not parts or _DURATION.sub("", text).strip():
            raise ValueError(f"{value!r} is not a duration like '90s', '30m', '12h' or '7d'")
        else:
            seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def check_address(value: str) -> str:
    """One e-mail address, optionally with a display name: ``Shop <billing@shop.example>``."""
    if _has_line_break(value):
        raise ValueError("an address cannot contain a line break")
    header = email.policy.default.header_factory("To", value)
    addresses: tuple[Any, ...] = tuple(getattr(header, "addresses", ()))
    if header.defects or len(addresses) != 1 or not addresses[0].domain:
        raise ValueError(f"{value!r} is not one e-mail address")
    return value.strip()


def _has_line_break(value: str) -> bool:
    return "\n" in value or "\r" in value


EmailAddress = Annotated[
    str, BeforeValidator(lambda v: check_address(v) if isinstance(v, str) else v)
]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Security(StrEnum):
    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS (port 587); refused if the server cannot."""
    SSL = "ssl"
    """TLS from the first byte (implicit TLS, port 465)."""
    NONE = "none"
    """No encryption: only for a relay on the same host or in tests."""


class SmtpSettings(_Section):
    host: str = "localhost"
    port: int | None = Field(default=None, ge=1, le=65535)
    """Default: 587 for ``starttls``, 465 for ``ssl``, 25 for ``none``."""
    security: Security = Security.STARTTLS
    username: str | None = None
    password: str | None = None
    """Better: ``password_env``, so the secret stays out of the file."""
    password_env: str | None = None
    timeout: Duration = timedelta(seconds=30)
    """For connecting and for each command."""
    ca_file: Path | None = None
    """CA bundle to verify the server with (default: the system's)."""
    local_hostname: str | None = None
    """The name sent with EHLO (default: this host's FQDN)."""

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {Security.STARTTLS: 587, Security.SSL: 465, Security.NONE: 25}[self.security]

    def secret(self) -> str | None:
        """The password: ``password``, else the environment variable ``password_env``."""
        if self.password is not None:
            return self.password
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(
                    f"environment variable {self.password_env} is not set",
                    field="notify.smtp.password_env",
                )
            return value
        return None


class FileSettings(_Section):
    directory: Path = Path("outbox")


class RetrySettings(_Section):
    """Temporary failures (connection, 4xx) are retried with doubling waits."""

    initial: Duration = timedelta(minutes=1)
    max: Duration = timedelta(hours=1)
    give_up_after: Duration = timedelta(days=3)
    """After this long since the first attempt a message counts as failed; the merchant is told."""

    def wait(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1-based): doubling, capped."""
        factor = 2 ** min(max(attempts - 1, 0), 30)
        wait: timedelta = min(self.initial * factor, self.max)
        return wait


class ReferenceChoice(StrEnum):
    """What the customer is asked to write in the remittance information."""

    PAYMENT_REFERENCE = "payment_reference"
    """paymatch's own reference (the order's ``payment_reference``); where an order has none,
    its invoice number, else its order number."""
    INVOICE_NUMBER = "invoice_number"
    """The invoice number, else the order number."""
    ORDER_NUMBER = "order_number"


class QrRemittance(StrEnum):
    STRUCTURED = "structured"
    """The ISO 11649 ``RF`` form of the reference in the structured field (where the reference
    is paymatch's own or already an RF reference; other references go in as text)."""
    TEXT = "text"


class MessageSettings(_Section):
    """Everything that may differ per source (``[notify.sources.<name>]``)."""

    from_: EmailAddress | None = Field(default=None, alias="from")
    reply_to: EmailAddress | None = None
    merchant: tuple[EmailAddress, ...] = ()
    shop_name: str | None = None
    payee: str | None = None
    default_language: str = "de"
    merchant_language: str | None = None
    """Language of merchant notices; default: ``default_language``."""
    templates: Path | None = None
    reference: ReferenceChoice = ReferenceChoice.PAYMENT_REFERENCE
    qr: bool = True
    qr_version: Literal["auto", "001", "002"] = "auto"
    qr_remittance: QrRemittance = QrRemittance.STRUCTURED

    @field_validator("merchant", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("default_language", "merchant_language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        code = value.strip().replace("-", "_").split("_")[0].lower()
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise ValueError(f"{value!r} is not a language code such as 'de' or 'en'")
        return code

    @property
    def notice_language(self) -> str:
        return self.merchant_language or self.default_language


class NotifyConfig(_Section):
    """The ``[notify]`` table: defaults, sender settings and per-source overrides."""

    sender: Literal["smtp", "file", "none"] = "none"
    smtp: SmtpSettings = SmtpSettings()
    file: FileSettings = FileSettings()
    retry: RetrySettings = RetrySettings()
    unassigned_after_days: int | None = Field(default=14, ge=1)
    """Days after which a posting still unassigned is reported to the merchant (None: never)."""
    defaults: MessageSettings = MessageSettings()
    sources: dict[str, MessageSettings] = {}

    @model_validator(mode="after")
    def _sender_needs_from(self) -> NotifyConfig:
        if self.sender == "smtp" and self.defaults.from_ is None:
            missing = [name for name, s in self.sources.items() if s.from_ is None]
            if not self.sources or missing:
                raise ValueError("the smtp sender needs a 'from' address")
        return self

    def for_source(self, source: str | None) -> MessageSettings:
        """The message settings of ``source``: its overrides merged over the defaults."""
        if source is None:
            return self.defaults
        return self.sources.get(source, self.defaults)

    @classmethod
    def from_table(
        cls, table: Mapping[str, Any], *, where: str = "config", base: Path | None = None
    ) -> NotifyConfig:
        """Build from the ``[notify]`` table; relative paths are relative to ``base``."""
        if not isinstance(table, Mapping):
            raise ConfigError("must be a table", where=where, field="notify")
        own = {k: v for k, v in table.items() if k not in _SECTIONS and k != "sources"}
        sections = {k: v for k, v in table.items() if k in _SECTIONS}
        overrides = table.get("sources", {})
        if not isinstance(overrides, Mapping):
            raise ConfigError(
                "must be a table of source names", where=where, field="notify.sources"
            )
        defaults = _validate(MessageSettings, own, where, "notify")
        sources = {}
        for name, override in overrides.items():
            field = f"notify.sources.{name}"
            if not isinstance(override, Mapping):
                raise ConfigError("must be a table", where=where, field=field)
            merged = {**own, **override}
            sources[str(name)] = _validate(MessageSettings, merged, where, field)
        data = {**sections, "defaults": defaults, "sources": sources}
        config = _validate(cls, data, where, "notify")
        return _resolve(config, base) if base is not None else config


_SECTIONS = {"sender", "smtp", "file", "retry", "unassigned_after_days"}


def _validate(model: Any, data: Mapping[str, Any], where: str, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in (prefix, *first["loc"]))
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(message, where=where, field=location) from None


def _resolve(config: NotifyConfig, base: Path) -> NotifyConfig:
    def absolute(path: Path | None) -> Path | None:
        return None if path is None or path.is_absolute() else base / path

    def settings(s: MessageSettings) -> MessageSettings:
        templates = absolute(s.templates)
        return s if templates is None else s.model_copy(update={"templates": templates})

    directory = absolute(config.file.directory)
    file = (
        config.file
        if directory is None
        else config.file.model_copy(update={"directory": directory})
    )
    ca = absolute(config.smtp.ca_file)
    smtp = config.smtp if ca is None else config.smtp.model_copy(update={"ca_file": ca})
    return config.model_copy(
        update={
            "defaults": settings(config.defaults),
            "sources": {name: settings(s) for name, s in config.sources.items()},
            "file": file,
            "smtp": smtp,
        }
    )


def parse_notify_config(
    text: str, *, where: str = "<config>", base: Path | None = None
) -> NotifyConfig:
    """Read the ``[notify]`` table from paymatch's TOML text (defaults without one)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", where=where) from None
    return NotifyConfig.from_table(document.get("notify", {}), where=where, base=base)


def load_notify_config(path: Path) -> NotifyConfig:
    """:func:`parse_notify_config` of a file; relative paths are relative to the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", where=str(path)) from None
    return parse_notify_config(text, where=str(path), base=path.parent)
