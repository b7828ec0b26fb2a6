"""From parsed bank records to Postings, Balances and one Statement.

Building postings is the hot path of every import (a million postings per file must pass at
tens of thousands per second), so each Posting is built exactly once:

* a parser that validates its values itself (MT940: amounts through
  :func:`~paymatch.core.money.parse_amount` in a currency that
  :func:`~paymatch.core.money.normalize_currency` accepted, IBANs compact, texts stripped)
  fills :func:`blank_posting_values` and calls :meth:`PostingBuilder.clean_posting`;
* any other parser hands a plain dictionary to :meth:`PostingBuilder.posting`, which applies the
  Posting model's own rules with :func:`clean_posting_values` and falls back to full pydantic
  validation for a value of another type than the field's (a string date, a float amount, a
  field those rules do not know), whose error names the file, line and field.

Either way the id is computed from the clean values (:mod:`paymatch.connectors.bank.identity`)
and the Posting is built from them without a second validation. The property tests in
``tests/bank/test_records.py`` check that the result equals ``Posting.model_validate`` of the
same data, that both refuse the same inputs, and that every posting the MT940 parser builds is
unchanged by validating it again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from paymatch.connectors.bank.identity import PostingIdentities, identity_key
from paymatch.core.errors import ConfigError, MoneyError, PaymatchError, StatementError
from paymatch.core.models import Balance, Posting, Statement
from paymatch.core.money import normalize_currency, parse_amount

BOOKED = "BOOK"
DEFAULT_STATUSES: frozenset[str] = frozenset({BOOKED})
"""The ``statuses`` option's default in every format: booked postings only."""

Statuses = Collection[str] | str | None
"""The ``statuses`` option as a caller gives it: status names, one name, or ``None`` for all."""


def status_set(statuses: Statuses, *, field: str = "statuses") -> frozenset[str] | None:
    """The ``statuses`` option of every bank format, normalised: upper-case names, or ``None``
    (every posting). A single name counts as a collection of one; an empty collection is an
    error (it would leave out every posting: ``None`` is how to ask for all)."""
    if statuses is None:
        return None
    names: list[object]
    try:
        names = [statuses] if isinstance(statuses, str) else list(statuses)
    except TypeError:
        names = [statuses]  # not a collection: refused below
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise ConfigError(f"status names must be non-empty strings, not {statuses!r}", field=field)
    if not names:
        raise ConfigError(
            "no status given: pass status names (e.g. {'BOOK', 'PDNG'}) or None for every posting",
            field=field,
        )
    return frozenset(str(name).strip().upper() for name in names)


def wanted_status(status: str | None, statuses: frozenset[str] | None) -> bool:
    """Whether a posting of this status is returned; one without a status counts as booked."""
    return statuses is None or (status.upper() if status else BOOKED) in statuses


def only_statuses(
    records: Iterable[Posting | Balance], statuses: frozenset[str] | None
) -> Iterator[Posting | Balance]:
    """``records`` without the postings whose status is not in ``statuses`` (balances pass)."""
    if statuses is None:
        yield from records
        return
    for record in records:
        if not isinstance(record, Posting) or wanted_status(record.status, statuses):
            yield record


# How clean_posting_values treats each field it knows (plain constants: this is the hot path).
_TEXT = "stripped; blank is None"
_COMPACT = "IBAN/BIC: no spaces, upper case; blank is None"
_DATE = "a date"
_REMITTANCE = "a string; None is empty"
_EXACT = "exactly the type the model stores (amounts are checked against the currency)"

_KINDS: dict[str, str] = {
    **dict.fromkeys(("account_iban", "counterparty_iban", "counterparty_bic"), _COMPACT),
    **dict.fromkeys(
        (
            "counterparty_name",
            "end_to_end_id",
            "creditor_reference",
            "bank_reference",
            "bank_transaction_code",
            "instructed_currency",
            "ultimate_debtor",
            "ultimate_creditor",
            "mandate_reference",
            "creditor_id",
            "purpose_code",
            "status",
            "booking_text",
        ),
        _TEXT,
    ),
    "booking_date": _DATE,
    "value_date": _DATE,
    "remittance": _REMITTANCE,
    **dict.fromkeys(
        ("currency", "amount", "charges", "instructed_amount", "exchange_rate", "reversal"),
        _EXACT,
    ),
}
_MONEY_TYPES: tuple[type, ...] = (Decimal, int)
# For EXACT fields, the types taken as they are; anything else (floats, strings) the model
# refuses or converts by its own rules. ``bool`` is not ``int`` here: ``type(True) is bool``.
_EXACT_TYPES: dict[str, tuple[type, ...]] = {
    "currency": (str,),
    "amount": _MONEY_TYPES,
    "charges": _MONEY_TYPES,
    "instructed_amount": _MONEY_TYPES,
    "exchange_rate": (Decimal,),
    "reversal": (bool,),
}


_IMMUTABLE = (type(None), str, bool, int, Decimal, date, tuple, frozenset)


def _defaults() -> dict[str, Any]:
    """Every Posting field with its default (``None`` where it has none), in the model's order."""
    return {
        name: None if info.is_required() else info.get_default(call_default_factory=True)
        for name, info in Posting.model_fields.items()
    }


def _constructible() -> bool:
    """Whether a Posting built from clean values equals the validated one: not when the model
    has aliases, private attributes, a post-init hook, extra fields or mutable defaults (a new
    field someone adds could bring any of these; then every posting is validated instead)."""
    return not (
        Posting.__pydantic_post_init__
        or Posting.__private_attributes__
        or Posting.model_config.get("extra") == "allow"
        or Posting.model_config.get("validate_default")
        or any(
            info.alias is not None or info.validation_alias is not None
            for info in Posting.model_fields.values()
        )
        or not all(isinstance(value, _IMMUTABLE) for value in _DEFAULTS.values())
    )


_DEFAULTS = _defaults()
_CONSTRUCTIBLE = _constructible()


def blank_posting_values() -> dict[str, Any]:
    """A fresh dictionary of every Posting field with its default, for a parser to fill in."""
    return _DEFAULTS.copy()


class _Unclean(Exception):
    """A value whose type the fast rules do not cover: the model validates it."""


def clean_posting_values(data: dict[str, Any]) -> dict[str, Any] | None:
    """Every Posting field, with the values of ``data`` exactly as the Posting model would store
    them and the model's defaults for the rest (``id`` is ``None``), or ``None`` when a value is
    outside the types these rules cover.

    Raises :class:`~paymatch.core.errors.MoneyError` (with the field name in ``field``) for an
    amount or currency the model would refuse.
    """
    if not _CONSTRUCTIBLE:
        return None
    values = _DEFAULTS.copy()
    field = "currency"
    try:
        for name, raw in data.items():
            kind = _KINDS.get(name)
            value = raw
            if kind is _TEXT:
                if raw is not None:
                    if type(raw) is not str:
                        raise _Unclean
                    value = raw.strip() or None
            elif kind is _COMPACT:
                if raw is not None:
                    if type(raw) is not str:
                        raise _Unclean
                    value = "".join(raw.split()).upper() or None
            elif kind is _DATE:
                # A datetime or a string: pydantic's rules decide.
                if type(raw) is not date and (raw is not None or name == "booking_date"):
                    raise _Unclean
            elif kind is _REMITTANCE:
                if raw is None:
                    value = ""
                elif type(raw) is not str:
                    raise _Unclean
            elif kind is _EXACT:  # amounts are checked below, once the currency is known
                if raw is None and name == "reversal":
                    raise _Unclean  # not optional: the model refuses None
                if raw is not None and type(raw) not in _EXACT_TYPES[name]:
                    raise _Unclean
                if type(raw) is Decimal and not raw.is_finite():
                    raise _Unclean  # the model refuses infinity and NaN (an exchange rate)
            elif kind is None:
                raise _Unclean  # a field these rules do not know
            values[name] = value
        currency = values["currency"]
        if type(currency) is not str or values["booking_date"] is None:
            raise _Unclean
        currency = values["currency"] = normalize_currency(currency)
        field = "amount"
        if values["amount"] is None:
            raise _Unclean
        values["amount"] = parse_amount(values["amount"], currency)
        if values["charges"] is not None:
            field = "charges"
            values["charges"] = parse_amount(values["charges"], currency)
        if values["instructed_amount"] is not None:
            field = "instructed_amount"
            # In its own currency (the posting's when none is given), as the model checks it.
            own = normalize_currency(values["instructed_currency"] or currency)
            values["instructed_amount"] = parse_amount(values["instructed_amount"], own)
    except _Unclean:
        return None
    except MoneyError as error:
        raise MoneyError(error.reason, field=field) from None
    return values


def _construct(values: dict[str, Any], fields_set: set[str]) -> Posting:
    """A Posting from values that already obey every rule of the model.

    This is what ``Posting.model_construct`` does for a model without aliases, extra fields,
    private attributes or post-init hook (``_constructible`` checks that), without its
    per-field lookups, which cost more than the validation they skip (pydantic 2.x).
    """
    posting = Posting.__new__(Posting)
    object.__setattr__(posting, "__dict__", values)
    object.__setattr__(posting, "__pydantic_fields_set__", fields_set)
    object.__setattr__(posting, "__pydantic_extra__", None)
    object.__setattr__(posting, "__pydantic_private__", None)
    return posting


def _error(
    error: ValidationError, where: str, line: int | None, field: str | None
) -> StatementError:
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return StatementError(message, where=where, line=line, field=_label(field, name))


def _label(field: str | None, name: str | None) -> str | None:
    return f"{field} ({name})" if field and name else field or name or None


class PostingBuilder:
    """Ids and validation for the postings of one file; repeats are numbered per statement."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.statement_key: object = None
        self._identities = PostingIdentities()

    def start_statement(self, key: object) -> None:
        self.statement_key = key
        self._identities = PostingIdentities()

    def posting(self, data: dict[str, Any], *, line: int | None, field: str | None) -> Posting:
        """One Posting from the fields in ``data`` (without ``id``), built once."""
        try:
            clean = clean_posting_values(data)
        except MoneyError as error:
            raise StatementError(
                error.reason, where=self.where, line=line, field=_label(field, error.field)
            ) from None
        if clean is None:
            try:
                # A placeholder id: the real one is computed from the validated values.
                draft = Posting.model_validate({"id": "-", **data})
            except ValidationError as error:
                raise _error(error, self.where, line, field) from None
            except PaymatchError as error:
                raise StatementError(str(error), where=self.where, line=line, field=field) from None
            return self.clean_posting(dict(draft.__dict__), set(draft.model_fields_set))
        return self.clean_posting(clean, {"id", *data})

    def clean_posting(self, values: dict[str, Any], fields_set: set[str]) -> Posting:
        """The Posting of ``values`` (every field but ``id``, see :func:`blank_posting_values`),
        which the caller guarantees to be in the form the Posting model stores: amounts through
        :func:`~paymatch.core.money.parse_amount` in a currency that
        :func:`~paymatch.core.money.normalize_currency` accepted, IBANs and BICs compact, texts
        stripped with blanks as ``None``, dates as ``date``. It is built without a second
        validation; ``fields_set`` are the fields the file gave."""
        values["id"] = self._identities.next_id(
            identity_key(
                account=values["account_iban"],
                booking_date=values["booking_date"],
                value_date=values["value_date"],
                amount=values["amount"],
                currency=values["currency"],
                bank_reference=values["bank_reference"],
                counterparty_account=values["counterparty_iban"],
                counterparty_name=values["counterparty_name"],
                end_to_end_id=values["end_to_end_id"],
                remittance=values["remittance"],
            )
        )
        if not _CONSTRUCTIBLE:
            return Posting.model_validate(values)
        return _construct(values, fields_set)

    def balance(
        self, data: dict[str, Any], *, line: int | None, field: str | None = None
    ) -> Balance:
        try:
            return Balance.model_validate(data)
        except ValidationError as error:
            raise _error(error, self.where, line, field) from None


def _single(values: Iterable[str | None]) -> str | None:
    found = {value for value in values if value}
    return found.pop() if len(found) == 1 else None


def statement_from_records(
    records: Iterable[Posting | Balance],
    *,
    format: str,
    source_name: str,
    statement_id: str | None = None,
) -> Statement:
    """Collect records into one Statement (all or nothing: an error propagates, nothing is kept).

    The statement's account and currency are set when all its records agree on one.
    """
    postings: list[Posting] = []
    balances: list[Balance] = []
    for record in records:
        if isinstance(record, Posting):
            postings.append(record)
        else:
            balances.append(record)
    if not postings and not balances:
        raise StatementError("the file holds no statement", where=source_name)
    records_all: list[Posting | Balance] = [*postings, *balances]
    return Statement(
        format=format,
        source_name=source_name,
        postings=tuple(postings),
        balances=tuple(balances),
        account_iban=_single(r.account_iban for r in records_all),
        currency=_single(r.currency for r in records_all),
        statement_id=statement_id,
    )


def collect(
    records: Iterable[Posting | Balance],
    *,
    format: str,
    where: str,
    statuses: frozenset[str] | None = None,
    empty_ok: bool = False,
) -> Statement:
    """One Statement from every record of a file (``records`` unfiltered), keeping the postings
    whose status is in ``statuses``. The file's account and currency, and whether it holds a
    statement at all, are judged on every record: an MT942 whose items are all pending is a
    statement without postings, not an empty file. ``empty_ok``: the format itself has checked
    that the file is a statement (a CSV export whose rows are all left out)."""
    everything = list(records)
    if not everything and empty_ok:
        return Statement(format=format, source_name=where)
    statement = statement_from_records(everything, format=format, source_name=where)
    return keep_statuses_of(statement, statuses)


def keep_statuses_of(statement: Statement, statuses: frozenset[str] | None) -> Statement:
    """``statement`` without the postings whose status is not in ``statuses``."""
    if statuses is None or all(wanted_status(p.status, statuses) for p in statement.postings):
        return statement
    kept = tuple(p for p in statement.postings if wanted_status(p.status, statuses))
    return statement.model_copy(update={"postings": kept})
