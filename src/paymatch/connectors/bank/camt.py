"""ISO 20022 CAMT bank statements: camt.052 reports, camt.053 statements, camt.054 notifications.

The module API every bank format shares (see ``docs/bank-statements.md``)::

    camt.sniff(head) -> bool
    camt.iter_records(source, *, source_name=None, **options) -> Iterator[Posting | Balance]
    camt.read(source, *, source_name=None, **options) -> Statement

``source`` is a path, ``bytes`` or a binary stream holding one CAMT XML document or a ZIP archive
of them. Options (all keyword-only):

``encoding``
    Read the bytes in this encoding, whatever the file declares (e.g. ``"cp1252"``). By default
    the declared encoding is used, and a file declared UTF-8 that is really ISO-8859-15 is read
    as such with a :class:`~paymatch.core.errors.StatementWarning`.
``statuses``
    The entry statuses to return postings for, default ``{"BOOK"}``: only booked entries are
    bookings. Pass ``{"BOOK", "PDNG"}`` for pending entries of an intraday camt.052 too, or
    ``None`` for every status. Each posting carries its ``status``; an entry without one counts
    as ``BOOK``. The same option, with the same default, as every format's (a file whose entries
    are all left out is a statement without postings).
``timezone``
    An IANA zone name or ``tzinfo``. A booking given as date-time with a UTC offset is dated in
    this zone (``2014-01-04T23:00:00Z`` is 5 January in ``Europe/Berlin``). Default: the date as
    written in the file.
``strict``
    Turn failed cross-checks (``TxsSummry`` counts and sums, opening + booked entries = closing
    balance) into a :class:`~paymatch.core.errors.StatementError` instead of a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paymatch.connectors.bank._records import DEFAULT_STATUSES, Statuses, status_set
from paymatch.connectors.bank.camt_input import (
    Source,
    looks_like_camt,
    open_documents,
    source_label,
)
from paymatch.connectors.bank.camt_reader import Options, RecordInfo, read_document
from paymatch.core.errors import ConfigError
from paymatch.core.models import Balance, Posting, Statement

FORMAT = "camt"


def sniff(head: bytes) -> bool:
    """True if ``head`` (the first bytes of a file, up to 64 KiB) looks like CAMT.

    That is XML naming a camt.052/053/054 namespace or message element, or a ZIP archive whose
    first member is an ``.xml`` file (banks ship camt.053 as ZIP).
    """
    return looks_like_camt(head)


def iter_records(
    source: Source, *, source_name: str | None = None, **options: Any
) -> Iterator[Posting | Balance]:
    """Stream the postings and balances of ``source`` in file order, in bounded memory.

    Raises :class:`~paymatch.core.errors.StatementError` (file, line, XML path, reason) at the
    first problem; what was yielded before it belongs to a file that failed (use :func:`read`
    for all-or-nothing).
    """
    for record in _iter_all(source, source_name, _options(**options)):
        if not isinstance(record, RecordInfo):
            yield record


def read(source: Source, *, source_name: str | None = None, **options: Any) -> Statement:
    """All of ``source`` as one :class:`Statement`, or a StatementError and nothing at all."""
    label = source_label(source, source_name)
    postings: list[Posting] = []
    balances: list[Balance] = []
    infos: list[RecordInfo] = []
    for record in _iter_all(source, source_name, _options(**options)):
        if isinstance(record, Posting):
            postings.append(record)
        elif isinstance(record, Balance):
            balances.append(record)
        else:
            infos.append(record)
    formats = sorted({info.format for info in infos})
    accounts = {_compact(info.account) for info in infos} | {p.account_iban for p in postings}
    currencies = {info.currency for info in infos if info.currency} or {
        p.currency for p in postings
    }
    ids = {info.statement_id for info in infos}
    return Statement(
        format=",".join(formats) or FORMAT,
        source_name=label,
        postings=tuple(postings),
        balances=tuple(balances),
        account_iban=accounts.pop() if len(accounts) == 1 else None,
        currency=currencies.pop() if len(currencies) == 1 else None,
        statement_id=ids.pop() if len(ids) == 1 else None,
    )


def _compact(value: str | None) -> str | None:
    return "".join(value.split()).upper() or None if value else None


def _iter_all(
    source: Source, source_name: str | None, options: Options
) -> Iterator[Posting | Balance | RecordInfo]:
    label = source_label(source, source_name)
    for document in open_documents(source, label):
        yield from read_document(document, options)


def _options(
    *,
    encoding: str | None = None,
    statuses: Statuses = DEFAULT_STATUSES,
    timezone: str | tzinfo | None = None,
    strict: bool = False,
) -> Options:
    zone: tzinfo | None
    if isinstance(timezone, str):
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"unknown time zone {timezone!r}", field="timezone") from None
    else:
        zone = timezone
    return Options(
        encoding=encoding,
        statuses=status_set(statuses),
        zone=zone,
        strict=strict,
    )
