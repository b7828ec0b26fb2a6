"""Lifecycle policies: deadlines, reminders, collection, per payment code and per source.

The ``[policy]`` table of paymatch's TOML config holds the defaults; ``[policy.sources.<name>]``
overrides any part of them for one source (Komfortkasse: "each shop can override the general
settings"). Overrides merge key by key, so a source that only sets
``[policy.sources.shop.invoice.reminders] levels = 5`` keeps every other default.

Every value is checked when the config is loaded, so a typo or an impossible combination fails
at start-up with :class:`ConfigError` naming the key, never on the first order that needs it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from paymatch.core.errors import ConfigError
from paymatch.core.models import PaymentCode
from paymatch.core.money import normalize_currency, parse_amount


def _no_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError(f'{value!r} is a {type(value).__name__}; write it as a string like "2.50"')
    return value


Exact = Annotated[Decimal, BeforeValidator(_no_float)]


def _never(value: Any) -> Any:
    return None if value == "never" else value


class ReferenceDate(StrEnum):
    """What deadlines and reminders count from."""

    ORDER_DATE = "order_date"
    DUE_DATE = "due_date"
    """The order's invoice/due date (00:00 in the order date's time zone); the order date where
    the source gives none."""


class LatePayment(StrEnum):
    """What a payment that settles an overdue or cancelled order does."""

    REOPEN = "reopen"
    """The order becomes paid and "paid" is written back (the merchant is also told when the
    order was cancelled, since the shop order may need re-activating)."""
    NOTIFY = "notify"
    """The payment is assigned but the order stays overdue/cancelled; the merchant is told and
    decides (e.g. with a manual "set paid")."""


class CollectionMode(StrEnum):
    OFF = "off"
    MANUAL = "manual"
    """A person hands the order over (``HandedToCollection``) after the last reminder."""
    AUTO = "auto"
    """Handed over ``after_days`` after the last reminder."""


class _Config(BaseModel):
    # Attribute docstrings become field descriptions, which docs/lifecycle.md shows.
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ReminderPolicy(_Config):
    """Reminder schedule: the first after ``first_after_days`` from the reference date, the next
    ones ``interval_days`` after the previous one, ``levels`` in all (1 = payment reminder, the
    rest pre-collection letters)."""

    enabled: bool = True
    """Whether orders with this payment code get reminders at all."""
    first_after_days: int = Field(default=21, ge=0)
    """Days from the reference date to the first reminder."""
    interval_days: int = Field(default=14, ge=1)
    """Days from one reminder to the next."""
    levels: int = Field(default=3, ge=1, le=5)
    """How many reminders (1..5): the first is the payment reminder, the rest pre-collection
    letters."""
    fees: dict[str, tuple[Exact, ...]] = {}
    """Fee per level (first entry = level 1) per currency, e.g. ``{EUR = ["0", "2.50"]}``;
    levels beyond the list have no fee. Used by the reminder messages (issue 6)."""

    @field_validator("fees")
    @classmethod
    def _check_fees(
        cls, fees: dict[str, tuple[Decimal, ...]], info: ValidationInfo
    ) -> dict[str, tuple[Decimal, ...]]:
        levels = info.data.get("levels", 5)
        checked: dict[str, tuple[Decimal, ...]] = {}
        for code, amounts in fees.items():
            currency = normalize_currency(code)
            if currency in checked:
                raise ValueError(f"fees: currency {currency} is given twice")
            if len(amounts) > levels:
                raise ValueError(f"fees.{code}: {len(amounts)} fees for {levels} reminder levels")
            exact = tuple(parse_amount(fee, currency) for fee in amounts)
            if any(fee < 0 for fee in exact):
                raise ValueError(f"fees.{code}: a fee cannot be negative")
            checked[currency] = exact
        return checked

    def fee(self, level: int, currency: str) -> Decimal | None:
        """The fee of reminder ``level`` in ``currency``, or ``None`` where none is configured."""
        fees = self.fees.get(currency, ())
        return fees[level - 1] if level <= len(fees) else None


class CollectionPolicy(_Config):
    mode: CollectionMode = CollectionMode.OFF
    """Hand-over to debt collection after the last reminder: `off`, `manual` or `auto`."""
    after_days: int = Field(default=14, ge=0)
    """Days after the last reminder before an automatic hand-over."""


class PaymentCodePolicy(_Config):
    """Everything time-based for one payment code."""

    deadline_days: Annotated[int | None, BeforeValidator(_never)] = Field(default=None, ge=0)
    """Days from the reference date until a prepayment order is cancelled or an invoice/COD
    order becomes overdue; `"never"` for no deadline."""
    reference: ReferenceDate = ReferenceDate.ORDER_DATE
    """What deadline and reminders count from: `order_date`, or `due_date` (the order date where
    the order has none)."""
    reminders: ReminderPolicy = ReminderPolicy()
    collection: CollectionPolicy = CollectionPolicy()
    payment_information: bool = True
    """Send payment information to the customer (new order, e-mail or amount changed, partial
    payment)."""
    late_payment: LatePayment = LatePayment.REOPEN
    """A payment that settles an overdue/cancelled order: `reopen` (it becomes paid, "paid" is
    written back) or `notify` (it stays overdue/cancelled and the merchant decides)."""
    write_back_on_deadline: bool = False
    """Write "cancelled" to the source when the deadline cancels the order / makes it overdue
    (the source's status mapping names the status; without one nothing is written)."""

    @model_validator(mode="after")
    def _collection_needs_reminders(self) -> Self:
        if self.collection.mode is not CollectionMode.OFF and not self.reminders.enabled:
            raise ValueError("collection needs reminders: it follows the last reminder")
        return self


_PREPAYMENT = PaymentCodePolicy(
    deadline_days=14,
    reminders=ReminderPolicy(first_after_days=7, interval_days=7, levels=1),
    late_payment=LatePayment.REOPEN,
    write_back_on_deadline=True,
)
_INVOICE = PaymentCodePolicy(
    deadline_days=14,
    reminders=ReminderPolicy(first_after_days=21, interval_days=14, levels=3),
    late_payment=LatePayment.REOPEN,
)
_COD = PaymentCodePolicy(
    deadline_days=30,
    reminders=ReminderPolicy(enabled=False, first_after_days=37, interval_days=14, levels=3),
    payment_information=False,
    late_payment=LatePayment.NOTIFY,
)


class LifecyclePolicy(_Config):
    """The resolved policy of one source: what :func:`paymatch.core.lifecycle.apply` and
    :func:`paymatch.core.schedule.due_events` read."""

    zero_amount_is_paid: bool = True
    """An order whose amount is zero or negative counts as paid (Komfortkasse default)."""
    refund_cap_factor: Exact = Field(default=Decimal(2), gt=0)
    """Refunds of an order may total at most this multiple of its amount."""
    prepayment: PaymentCodePolicy = _PREPAYMENT
    invoice: PaymentCodePolicy = _INVOICE
    cod: PaymentCodePolicy = _COD

    def for_code(self, code: PaymentCode) -> PaymentCodePolicy:
        """The policy of one payment code (the field of the same name)."""
        policy: PaymentCodePolicy = getattr(self, PaymentCode(code).value)
        return policy


class PolicyConfig(_Config):
    """The ``[policy]`` table: defaults and each source's resolved policy."""

    defaults: LifecyclePolicy = LifecyclePolicy()
    sources: dict[str, LifecyclePolicy] = {}

    def for_source(self, source: str) -> LifecyclePolicy:
        """The policy of ``source``: its overrides merged over the defaults."""
        return self.sources.get(source, self.defaults)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, where: str = "config") -> PolicyConfig:
        """Build from the ``[policy]`` table of a parsed config file."""
        if not isinstance(table, Mapping):
            raise ConfigError("must be a table", where=where, field="policy")
        own = {key: value for key, value in table.items() if key != "sources"}
        overrides = table.get("sources", {})
        if not isinstance(overrides, Mapping):
            raise ConfigError(
                "must be a table of source names", where=where, field="policy.sources"
            )
        base = _deep_merge(LifecyclePolicy().model_dump(), own)
        defaults = _validate(base, where, "policy")
        sources = {}
        for name, override in overrides.items():
            field = f"policy.sources.{name}"
            if not isinstance(override, Mapping):
                raise ConfigError("must be a table", where=where, field=field)
            sources[str(name)] = _validate(_deep_merge(base, override), where, field)
        return cls(defaults=defaults, sources=sources)


def parse_policy_config(text: str, *, where: str = "<config>") -> PolicyConfig:
    """Read the ``[policy]`` table from paymatch's TOML config text (other tables are ignored;
    without a ``[policy]`` table the defaults apply)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", where=where) from None
    return PolicyConfig.from_table(document.get("policy", {}), where=where)


def load_policy_config(path: Path) -> PolicyConfig:
    """:func:`parse_policy_config` of a file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", where=str(path)) from None
    return parse_policy_config(text, where=str(path))


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _validate(data: Mapping[str, Any], where: str, prefix: str) -> LifecyclePolicy:
    try:
        return LifecyclePolicy.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in (prefix, *first["loc"]))
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(message, where=where, field=location) from None
