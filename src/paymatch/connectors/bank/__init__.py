"""Bank statement files: CAMT.052/053/054, MT940/MT942 and bank CSV exports.

One module per format (``camt``, ``mt940``, ``bank_csv``), each with the same API: ``FORMAT``,
``sniff(head)``, ``iter_records(source, ...)`` and ``read(source, ...)``; they register as
built-in plugins, and formats from other plugins join them. This package adds the entry points
that detect the format from the content and dispatch:

* :func:`read_statement` - the whole file as one :class:`~paymatch.core.models.Statement`, all
  or nothing: any problem raises :class:`~paymatch.core.errors.StatementError` naming the file,
  the line (or XML path) and the reason, and nothing from that file is returned;
* :func:`iter_statement` - postings and balances one by one in bounded memory (an error may come
  after some records were handed out; the caller discards them).

Both return booked postings only by default: ``statuses`` (status names, default ``{"BOOK"}``,
``None`` for every posting) is one rule for every format, so a pending CAMT entry, an MT942 item
or a CSV row marked "Vorgemerkt" is left out unless asked for. The format applies it, and these
entry points apply it once more, so that a plugin format that ignores the option cannot hand out
a pending posting as booked.

See docs/bank-statements.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from paymatch.connectors.bank import _source
from paymatch.connectors.bank._records import (
    DEFAULT_STATUSES,
    Statuses,
    keep_statuses_of,
    only_statuses,
    statement_from_records,
    status_set,
)
from paymatch.connectors.interfaces import BankFormat
from paymatch.connectors.utf16 import sniffable_head
from paymatch.core.errors import StatementError
from paymatch.core.models import Balance, Posting, Statement

__all__ = [
    "DEFAULT_STATUSES",
    "detect_format",
    "iter_statement",
    "read_statement",
    "statement_from_records",
]

_ALIASES = {"mt942": "mt940", "sta": "mt940", "xml": "camt"}
# Content is checked in this order: XML first, then the tagged MT format, then formats from
# plugins, and the CSV layouts last (a CSV sniff is the most permissive).
_FIRST = ("camt", "mt940")
_LAST = ("csv",)


def _formats() -> dict[str, BankFormat]:
    """Every bank format, built-in or from a plugin, by name, in detection order."""
    from paymatch.connectors import plugins  # noqa: PLC0415 - the manager loads plugins lazily

    known = {bank_format.PLUGIN_NAME: bank_format for bank_format in plugins.bank_formats()}
    middle = sorted(name for name in known if name not in _FIRST + _LAST)
    order = [name for name in (*_FIRST, *middle, *_LAST) if name in known]
    return {name: known[name] for name in order}


def _format_name(format: str, known: dict[str, BankFormat], where: str) -> str:
    key = format.strip().lower()
    if key.startswith("camt"):
        key = "camt"
    elif key.startswith("csv"):
        key = "csv"
    key = _ALIASES.get(key, key)
    if key not in known:
        raise StatementError(f"unknown format {format!r}; known: {', '.join(known)}", where=where)
    return key


def detect_format(head: bytes, *, where: str = "<bytes>", profile: Any = None) -> str:
    """The format of a file from its first bytes (up to 64 KiB): ``camt``, ``mt940``, ``csv`` or
    the name of a plugin's format. Each format's ``sniff`` sees UTF-16 text as UTF-8."""
    head = sniffable_head(head)
    if not head.strip():
        raise StatementError("the file is empty", where=where)
    if profile is not None:
        return "csv"
    for name, bank_format in _formats().items():
        if bank_format.sniff(head):
            return name
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise StatementError(
            "an XML file that is not a CAMT statement (camt.052/053/054)", where=where
        )
    raise StatementError(
        "unknown file format: not CAMT, not MT940/MT942 and no known CSV layout; "
        "pass format=... (CLI: --format) or a CSV profile (profile=..., CLI: --profile)",
        where=where,
    )


def _prepare(
    source: Any, format: str | None, source_name: str | None, options: dict[str, Any]
) -> tuple[BankFormat, dict[str, Any], str]:
    where = _source.source_name_of(source, source_name)
    if isinstance(source, str | Path) and not Path(source).is_file():
        raise StatementError("no such file", where=where)
    options = {key: value for key, value in options.items() if value is not None}
    if format is None:
        with _source.open_binary(source, where) as stream:
            head = _source.read_head(stream)
        name = detect_format(head, where=where, profile=options.get("profile"))
    else:
        name = _format_name(format, _formats(), where)
    if name != "csv" and "profile" in options:
        raise StatementError(f"a CSV profile was given, but this is a {name} file", where=where)
    return _formats()[name], options, where


def read_statement(
    path_or_bytes: Any,
    *,
    format: str | None = None,
    encoding: str | None = None,
    profile: Any = None,
    source_name: str | None = None,
    statuses: Statuses = DEFAULT_STATUSES,
    **options: Any,
) -> Statement:
    """Read a bank statement file (path, bytes or binary stream) into one Statement.

    ``format`` ("camt", "mt940", "csv") skips detection; ``encoding`` overrides the detected
    text encoding (MT940, CSV); ``profile`` is a CSV profile (a built-in name, a TOML file or a
    :class:`~paymatch.connectors.bank.bank_csv.CsvProfile`); ``statuses`` the posting statuses
    returned (default ``{"BOOK"}``: booked only; ``{"BOOK", "PDNG"}`` adds pending ones, ``None``
    returns all). Other options go to the format module (e.g. ``strict=False`` for damaged MT940
    files). An empty file is an error; a statement whose postings are all left out is not.
    """
    wanted = status_set(statuses)
    module, opts, where = _prepare(
        path_or_bytes, format, source_name, {"encoding": encoding, "profile": profile, **options}
    )
    statement: Statement = module.read(path_or_bytes, source_name=where, statuses=wanted, **opts)
    return keep_statuses_of(statement, wanted)


def iter_statement(
    path_or_bytes: Any,
    *,
    format: str | None = None,
    encoding: str | None = None,
    profile: Any = None,
    source_name: str | None = None,
    statuses: Statuses = DEFAULT_STATUSES,
    **options: Any,
) -> Iterator[Posting | Balance]:
    """The streaming counterpart of :func:`read_statement`: postings and balances one by one.

    A file that is no statement raises (each format checks that); a statement whose postings
    are all left out by ``statuses`` hands out its balances only, or nothing.
    """
    wanted = status_set(statuses)
    module, opts, where = _prepare(
        path_or_bytes, format, source_name, {"encoding": encoding, "profile": profile, **options}
    )
    records: Iterator[Posting | Balance] = module.iter_records(
        path_or_bytes, source_name=where, statuses=wanted, **opts
    )
    yield from only_statuses(records, wanted)
