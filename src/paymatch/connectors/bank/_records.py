"""From parsed bank records to validated Postings, Balances and one Statement.

Every format module fills plain dictionaries with the Posting fields it found; this module gives
each posting its id (:mod:`paymatch.connectors.bank.identity`), validates it with the Posting
model and turns a validation error into a StatementError that names the file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from paymatch.connectors.bank.identity import PostingIdentities, identity_key
from paymatch.core.errors import PaymatchError, StatementError
from paymatch.core.models import Balance, Posting, Statement


def _error(
    error: ValidationError, where: str, line: int | None, field: str | None
) -> StatementError:
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    label = f"{field} ({name})" if field and name else field or name or None
    return StatementError(message, where=where, line=line, field=label)


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
        try:
            # Validate first without id, so that the key is built from clean values.
            draft = Posting.model_validate({"id": "-", **data})
        except ValidationError as error:
            raise _error(error, self.where, line, field) from None
        except PaymatchError as error:
            raise StatementError(str(error), where=self.where, line=line, field=field) from None
        key = identity_key(
            account=draft.account_iban,
            booking_date=draft.booking_date,
            value_date=draft.value_date,
            amount=draft.amount,
            currency=draft.currency,
            bank_reference=draft.bank_reference,
            counterparty_account=draft.counterparty_iban,
            counterparty_name=draft.counterparty_name,
            end_to_end_id=draft.end_to_end_id,
            remittance=draft.remittance,
        )
        return draft.model_copy(update={"id": self._identities.next_id(key)})

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


def collect(records: Iterable[Posting | Balance], *, format: str, where: str) -> Statement:
    return statement_from_records(records, format=format, source_name=where)
