"""Which bank account a customer is asked to pay into.

The accounts are configured with the Store (``[[accounts]]``: IBAN, currency, the sources and the
billing countries each serves); the choice is a pure function of that list and the order, so it
is the same in the worker, in the preview command and in tests.

Rule (Komfortkasse: "bank account picked by billing country"; accounts are assigned to shops,
countries and currencies):

1. Only accounts in the order's currency that serve the order's source (an account without
   ``sources`` serves every source) and its billing country (an account without ``countries``
   serves every country) can be chosen.
2. Of those, an account that names the order's country beats one that serves every country, and
   then an account that names the order's source beats one that serves every source: the most
   specific assignment wins, so a catch-all account never shadows a country's own account.
3. Ties go to the account listed first in the configuration.

An order without a billing country is served only by accounts without ``countries``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from paymatch.core.errors import ConfigError
from paymatch.core.money import normalize_currency


class PayeeAccount(BaseModel):
    """A bank account customers pay into, as payment information shows it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    iban: str
    currency: str = "EUR"
    bic: str | None = None
    holder: str | None = None
    """The account holder's name (the payee on the transfer form); default: ``[notify] payee``."""
    name: str | None = None
    """A label for people (e.g. "Sparkasse main account")."""
    bank: str | None = None
    """The bank's name, shown beside IBAN and BIC."""
    sources: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @field_validator("iban", mode="before")
    @classmethod
    def _iban(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return IBAN(value).compact
        except SchwiftyException as error:
            raise ValueError(f"not a valid IBAN: {error}") from None

    @field_validator("bic", mode="before")
    @classmethod
    def _bic(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        try:
            return str(BIC("".join(value.split())).compact)
        except SchwiftyException as error:
            raise ValueError(f"not a valid BIC: {error}") from None

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> str:
        return normalize_currency(value)

    @field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(code).strip().upper() for code in value)
        return value

    @field_validator("holder", "name", "bank", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return value.strip() or None if isinstance(value, str) else value

    @property
    def iban_formatted(self) -> str:
        """Grouped by four for people: ``DE89 3704 0044 0532 0130 00``."""
        return str(IBAN(self.iban).formatted)

    @property
    def iban_country(self) -> str:
        return self.iban[:2]

    def serves(self, *, currency: str, source: str, country: str | None) -> bool:
        """Rule 1: whether this account may be chosen for such an order."""
        if self.currency != currency:
            return False
        if self.sources and source not in self.sources:
            return False
        if self.countries:
            return country is not None and country.upper() in self.countries
        return True


class NoAccountError(ConfigError):
    """No configured account serves an order (currency, source, billing country)."""


def choose_account(
    accounts: Sequence[PayeeAccount], *, currency: str, source: str, country: str | None
) -> PayeeAccount:
    """The account the customer of such an order pays into (rules in the module docstring).

    Raises :class:`NoAccountError` naming what was looked for when none serves.
    """
    best: PayeeAccount | None = None
    best_rank = (-1, -1)
    for account in accounts:
        if not account.serves(currency=currency, source=source, country=country):
            continue
        rank = (1 if account.countries else 0, 1 if account.sources else 0)
        if rank > best_rank:  # strictly better: ties keep the first listed
            best, best_rank = account, rank
    if best is None:
        where = f"currency {currency}, source {source!r}, billing country {country or 'unknown'}"
        raise NoAccountError(f"no configured account serves {where}", where="[[accounts]]")
    return best


def accounts_from_config(entries: Iterable[Any], *, where: str = "config") -> list[PayeeAccount]:
    """Read the ``[[accounts]]`` list (dicts or the Store's account models) into accounts."""
    accounts: list[PayeeAccount] = []
    for number, entry in enumerate(entries, start=1):
        data = entry if isinstance(entry, dict) else _as_dict(entry)
        try:
            accounts.append(PayeeAccount.model_validate(data))
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join([f"accounts[{number}]", *(str(part) for part in first["loc"])])
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ConfigError(message, where=where, field=field) from None
    return accounts


def _as_dict(entry: Any) -> dict[str, Any]:
    if hasattr(entry, "model_dump"):
        data: dict[str, Any] = entry.model_dump()
        return data
    return dict(vars(entry))


__all__ = ["NoAccountError", "PayeeAccount", "accounts_from_config", "choose_account"]
