"""Bank CSV exports, read through column-mapping profiles.

A profile (TOML; the built-in ones are in ``csv_profiles/``) names the columns, the delimiter,
the decimal and thousands separators, the date formats, the encoding and the sign convention:
``signed`` (the amount carries its sign), ``inverted`` (credit-card style: positive = money
out), ``indicator`` (an unsigned amount and a column with S/H or D/C) or ``debit_credit`` (two
columns). Without an explicit profile the header row is searched among the first lines and the
built-in profile whose required columns all appear there is used (the most specific one if
several do). Where the user chooses the exported columns (Qonto), a profile marks fields as
``optional`` and names ``fallback`` columns; ``keep_statuses`` leaves out rows that are no
postings at all (declined, cancelled). The ``statuses`` option (default ``{"BOOK"}``, as in every
format) then leaves out pending rows. See docs/bank-statements.md, "CSV profiles".
"""

from __future__ import annotations

import csv
import re
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from paymatch.connectors.bank import _source
from paymatch.connectors.bank._records import (
    DEFAULT_STATUSES,
    PostingBuilder,
    Statuses,
    collect,
    status_set,
    wanted_status,
)
from paymatch.connectors.bank.identity import real_reference
from paymatch.connectors.bank.mt940_details import split_sepa
from paymatch.connectors.utf16 import sniffable_head
from paymatch.core.errors import StatementError, StatementWarning
from paymatch.core.models import Balance, Posting, Statement

FORMAT = "csv"

HEADER_SEARCH_ROWS = 40
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}[A-Z0-9]{11,30})\b")

Column = str | int
"""A column by its header name, or by its 0-based index. A header name may end in ``#N`` (the
N-th column of that name, from 1) or ``#-N`` (counted from the end) where a bank writes the same
name twice (ING: a ``Währung`` after the balance and another after the amount)."""

_OCCURRENCE = re.compile(r"(?P<name>.+?)#(?P<index>-?[1-9]\d*)")


def _split_occurrence(column: str) -> tuple[str, int | None]:
    """``"Währung#-1"`` -> ``("Währung", -1)``; a plain name -> ``(name, None)``."""
    match = _OCCURRENCE.fullmatch(column)
    if match is None:
        return column, None
    return match["name"], int(match["index"])


# Posting fields a profile may map; several columns for one field are joined with a space.
MAPPABLE = (
    "booking_date",
    "value_date",
    "amount",
    "debit",
    "credit",
    "indicator",
    "currency",
    "account_iban",
    "counterparty_name",
    "counterparty_name_debit",
    "counterparty_iban",
    "counterparty_bic",
    "remittance",
    "end_to_end_id",
    "creditor_reference",
    "bank_reference",
    "bank_transaction_code",
    "booking_text",
    "mandate_reference",
    "creditor_id",
    "status",
    "instructed_amount",
    "instructed_currency",
)


class CsvProfile(BaseModel):
    """How to read one bank's CSV export. Every field is documented in docs/bank-statements.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"
    description: str = ""
    encoding: str | None = None
    """``None``: detected (UTF-8, else the 8-bit encodings; see the encodings section)."""
    delimiter: str = Field(default=";", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    decimal: str = Field(default=",", min_length=1, max_length=1)
    thousands: str = Field(default="", max_length=1)
    date_format: tuple[str, ...] = ("%d.%m.%Y",)
    """One or more ``strptime`` formats; a format without year takes it from the other date."""
    header: bool = True
    """``False``: no header row; columns are given by index."""
    skip_rows: int | None = Field(default=None, ge=0)
    """Lines before the header (or the first data row); ``None``: find the header."""
    footer_rows: int = Field(default=0, ge=0)
    """Data rows at the end that are not transactions (totals, balances)."""
    skip_rows_containing: tuple[str, ...] = ()
    """Rows with a cell equal to one of these (e.g. ``Anfangssaldo``) are not transactions."""
    currency: str | None = None
    """The currency when there is no currency column (or the cell is empty)."""
    sign: Literal["signed", "inverted", "indicator", "debit_credit"] = "signed"
    debit_values: tuple[str, ...] = ("S", "D", "DBIT", "Soll", "Debit")
    credit_values: tuple[str, ...] = ("H", "C", "CRDT", "Haben", "Credit")
    status_values: dict[str, str] = Field(default_factory=dict)
    """Maps the status column's cells (compared without regard to case) to ``BOOK``/``PDNG``/
    ``INFO`` or another name; unmapped cells are kept as written (and are then no ``BOOK``: the
    ``statuses`` option leaves them out by default, with a warning)."""
    keep_statuses: tuple[str, ...] | None = None
    """Which rows are postings at all (booked or pending), before the ``statuses`` option chooses
    among them. ``None``: every row. Else only rows whose status (after ``status_values``) is one
    of these, or whose status cell is empty or absent; every other status must then be known to
    ``status_values``: an unknown one is an error, so that no new status word passes as a
    posting."""
    optional: tuple[str, ...] = ()
    """Mapped fields whose column may be missing from the header (an export whose columns the
    user chooses); the field is then empty. Detection does not need these columns."""
    fallback: dict[str, tuple[Column, ...]] = Field(default_factory=dict)
    """Per field, the columns read when its mapped column is not in the header: the first one
    present is used."""
    columns: dict[str, Column | tuple[Column, ...]]

    @field_validator(
        "date_format",
        "skip_rows_containing",
        "debit_values",
        "credit_values",
        "keep_statuses",
        "optional",
        mode="before",
    )
    @classmethod
    def _tuple(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("columns")
    @classmethod
    def _columns(
        cls, value: dict[str, Column | tuple[Column, ...]]
    ) -> dict[str, Column | tuple[Column, ...]]:
        unknown = sorted(set(value) - set(MAPPABLE))
        if unknown:
            raise ValueError(
                f"unknown column mapping(s) {', '.join(unknown)}; known: {', '.join(MAPPABLE)}"
            )
        if "booking_date" not in value:
            raise ValueError("the profile must map booking_date")
        if "amount" not in value and not {"debit", "credit"} <= set(value):
            raise ValueError("the profile must map amount, or debit and credit")
        return value

    @model_validator(mode="after")
    def _optional_and_fallback(self) -> CsvProfile:
        for field, keys in (("optional", self.optional), ("fallback", tuple(self.fallback))):
            unmapped = sorted(set(keys) - set(self.columns))
            if unmapped:
                raise ValueError(f"{field} names field(s) not in columns: {', '.join(unmapped)}")
        needed = sorted(set(self.optional) & {"booking_date", "amount", "debit", "credit"})
        if needed:
            raise ValueError(f"{', '.join(needed)} cannot be optional")
        for key in self.fallback:
            if len(self.mapped(key)) != 1:
                raise ValueError(f"a field with fallback columns maps one column: {key}")
        if self.keep_statuses is not None:
            unknown = sorted(set(self.keep_statuses) - set(self.status_values.values()))
            if "status" not in self.columns or unknown:
                raise ValueError(
                    "keep_statuses needs a status column and statuses that status_values "
                    f"gives{': not ' + ', '.join(unknown) if unknown else ''}"
                )
        return self

    def mapped(self, key: str) -> tuple[Column, ...]:
        value = self.columns.get(key)
        if value is None:
            return ()
        return value if isinstance(value, tuple) else (value,)

    def header_names(self) -> set[str]:
        """Every header name the profile reads (mapped, fallback and optional columns)."""
        return {
            _header_name(column)
            for key in self.columns
            for column in (*self.mapped(key), *self.fallback.get(key, ()))
            if isinstance(column, str)
        }

    def header_groups(self) -> frozenset[frozenset[str]]:
        """What a header row must hold: per required column the names of which one suffices (the
        mapped column, or one of its fallbacks)."""
        groups: set[frozenset[str]] = set()
        for key in self.columns:
            if key in self.optional:
                continue
            names = [c for c in self.mapped(key) if isinstance(c, str)]
            if key in self.fallback:
                alternatives = [*names, *(c for c in self.fallback[key] if isinstance(c, str))]
                groups.add(frozenset(_header_name(c) for c in alternatives))
            else:
                groups.update(frozenset({_header_name(c)}) for c in names)
        return frozenset(groups)

    def header_score(self, cells: set[str]) -> int | None:
        """``None`` unless the normalised header ``cells`` hold every required column; else how
        many of the profile's columns they hold (the more, the more specific the match)."""
        groups = self.header_groups()
        if not groups or not all(group & cells for group in groups):
            return None
        optional = {
            _header_name(column)
            for key in self.optional
            for column in (*self.mapped(key), *self.fallback.get(key, ()))
            if isinstance(column, str)
        }
        return len(groups) + len(optional & cells)


def _header_name(column: str) -> str:
    return _norm(_split_occurrence(column)[0])


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_profile(source: str | Path | dict[str, Any], *, where: str | None = None) -> CsvProfile:
    """A profile from a TOML file, a built-in profile's name, or a dict."""
    label = where or str(source) if not isinstance(source, dict) else where or "<profile>"
    if isinstance(source, dict):
        data = source
    elif isinstance(source, str) and source in builtin_profiles():
        return builtin_profiles()[source]
    else:
        path = Path(source)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise StatementError(
                f"cannot read CSV profile: {error.strerror or error}", where=str(path)
            ) from None
        except tomllib.TOMLDecodeError as error:
            raise StatementError(
                f"CSV profile is not valid TOML: {error}", where=str(path)
            ) from None
    try:
        return CsvProfile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise StatementError(
            first["msg"].removeprefix("Value error, "), where=label, field=field
        ) from None


@cache
def builtin_profiles() -> dict[str, CsvProfile]:
    profiles = {}
    folder = resources.files("paymatch.connectors.bank").joinpath("csv_profiles")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            profile = CsvProfile.model_validate(tomllib.loads(entry.read_text(encoding="utf-8")))
            profiles[profile.name] = profile
    return profiles


# --------------------------------------------------------------------------------------------
# Values


_NUMBER_NOISE = re.compile(r"[^\d,.'+\-()\s]")
_CURRENCY_CODE = re.compile(r"\b[A-Z]{3}\b")
_CURRENCY_ONLY = re.compile(r"(?:[A-Z]{3}|[€$£¤])?")


def parse_number(text: str, decimal: str, thousands: str) -> Decimal | None:
    """``1.234,56`` / ``1,234.56 USD`` / ``€ -23,42`` / ``(5.00)`` -> Decimal; blank -> None.

    Raises ValueError for text that is not a number."""
    stripped = text.strip()
    if not re.search(r"\d", stripped):
        if _CURRENCY_ONLY.fullmatch(stripped):
            return None  # blank, or a currency without amount
        raise ValueError(f"{text!r} is not a number")
    if re.search(r"[A-Za-z]", _CURRENCY_CODE.sub("", stripped)):
        raise ValueError(f"{text!r} is not a number")
    cleaned = _NUMBER_NOISE.sub("", stripped)
    # Any space inside the number is a thousands separator (French exports: NBSP, U+202F).
    cleaned = "".join(cleaned.split()).replace("'", "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    elif cleaned.endswith("+"):
        cleaned = cleaned[:-1]
    if cleaned.startswith("-"):
        negative, cleaned = not negative, cleaned[1:]
    elif cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if thousands:
        cleaned = cleaned.replace(thousands, "")
    if decimal != ".":
        if "." in cleaned:
            raise ValueError(f"{text!r} is not a number with decimal separator {decimal!r}")
        cleaned = cleaned.replace(decimal, ".")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", cleaned):
        raise ValueError(f"{text!r} is not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    return -value if negative else value


def _has_year(fmt: str) -> bool:
    return "%y" in fmt or "%Y" in fmt


def parse_date(text: str, formats: tuple[str, ...], near: date | None) -> date | None:
    """The date in ``text``; a format without year takes the year that puts it nearest to
    ``near``. ``None`` for a yearless date when there is no ``near``. ValueError if no match."""
    value = text.strip()
    for fmt in formats:
        if _has_year(fmt):
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        else:
            try:
                # 2000 is a leap year, so 29.02 passes here and is checked again below.
                partial = datetime.strptime(f"{value}|2000", f"{fmt}|%Y").date()
            except ValueError:
                continue
            if near is None:
                return None
            candidates = []
            for year in (near.year - 1, near.year, near.year + 1):
                try:
                    candidates.append(partial.replace(year=year))
                except ValueError:
                    continue
            if candidates:
                return min(candidates, key=lambda d: abs((d - near).days))
    raise ValueError(f"{text!r} does not match the date format {' or '.join(formats)}")


# --------------------------------------------------------------------------------------------
# Reading


class _Layout:
    """Resolved column positions for one file."""

    def __init__(self, profile: CsvProfile, header: list[str] | None, where: str) -> None:
        self.profile = profile
        self.positions: dict[str, tuple[int, ...]] = {}
        self.statuses = {_norm(cell): value for cell, value in profile.status_values.items()}
        names = [_norm(cell) for cell in header] if header is not None else []
        for key in profile.columns:
            indexes, missing = _positions(names, profile.mapped(key))
            for column in profile.fallback.get(key, ()) if missing else ():
                indexes, _missing = _positions(names, (column,))
                if not _missing:
                    missing = None
                    break
            if missing is None:
                self.positions[key] = indexes
            elif key not in profile.optional:
                also = "".join(f" or {c!r}" for c in profile.fallback.get(key, ()))
                raise StatementError(
                    f"column {missing!r}{also} (for {key}) is not in the header of profile "
                    f"{profile.name!r}",
                    where=where,
                )

    def cells(self, row: list[str], key: str) -> list[str]:
        return [row[i].strip() if i < len(row) else "" for i in self.positions.get(key, ())]

    def text(self, row: list[str], key: str) -> str | None:
        parts = [" ".join(cell.split()) for cell in self.cells(row, key)]
        joined = " ".join(part for part in parts if part)
        return joined or None


def _positions(
    names: list[str], columns: tuple[Column, ...]
) -> tuple[tuple[int, ...], Column | None]:
    """The positions of ``columns`` in the header, and the first one that is not there."""
    indexes = []
    for column in columns:
        position = column if isinstance(column, int) else _position(names, column)
        if position is None:
            return (), column
        indexes.append(position)
    return tuple(indexes), None


def _position(names: list[str], column: str) -> int | None:
    """Where ``column`` is among the normalised header ``names``: an exact name first (a cell
    that really reads ``Konto#2``), then the ``name#N`` occurrence."""
    wanted = _norm(column)
    if wanted in names:
        return names.index(wanted)
    base, occurrence = _split_occurrence(column)
    if occurrence is None:
        return None
    found = [i for i, name in enumerate(names) if name == _norm(base)]
    index = occurrence - 1 if occurrence > 0 else occurrence
    return found[index] if -len(found) <= index < len(found) else None


def _find_header(
    rows: list[list[str]], profiles: list[CsvProfile]
) -> tuple[CsvProfile, int, int] | None:
    """The profile whose header is the earliest row, its row index and its score."""
    best: tuple[int, CsvProfile, int] | None = None
    for index, row in enumerate(rows):
        cells = {_norm(cell) for cell in row if cell.strip()}
        if not cells:
            continue
        for profile in profiles:
            score = profile.header_score(cells)
            if score is not None and (best is None or score > best[0]):
                best = (score, profile, index)
        if best is not None:
            return best[1], best[2], best[0]
    return None


def _account_from_preamble(rows: list[list[str]]) -> str | None:
    for row in rows:
        for cell in row:
            for match in _IBAN.finditer("".join(cell.split()).upper()):
                if _iban_ok(match.group(1)):
                    return match.group(1)
    return None


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1
    except ValueError:
        return False


def _profiles_for(
    profile: str | Path | CsvProfile | dict[str, Any] | None, where: str
) -> list[CsvProfile]:
    if profile is None:
        return list(builtin_profiles().values())
    if isinstance(profile, CsvProfile):
        return [profile]
    return [load_profile(profile)]


def sniff(head: bytes) -> bool:
    """True if ``head`` is delimited text whose header matches a built-in profile."""
    head = sniffable_head(head)  # UTF-16 as UTF-8 (a no-op after detect_format)
    if b"\x00" in head:
        return False
    return any(_sniff_text(text) for text in _header_readings(head))


def _header_readings(head: bytes) -> list[str]:
    """The head as UTF-8 (without BOM) and, where that is not clean, as cp1252: German banks
    export Latin-1/cp1252 (ING, DKB before 2023, comdirect), and a header such as ``Währung``
    only matches when its umlaut is read right. The real encoding is decided when reading."""
    readings = [head.decode("utf-8", errors="replace").removeprefix("\ufeff")]
    if "\ufffd" in readings[0]:
        readings.append(head.decode("cp1252", errors="replace"))
    return readings


def _sniff_text(text: str) -> bool:
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    return any(True for _ in _header_matches(lines, builtin_profiles().values()))


def _header_matches(
    lines: list[str], profiles: Iterable[CsvProfile]
) -> Iterator[tuple[CsvProfile, int, int]]:
    """Each profile whose header is among ``lines`` (split at its own delimiter, else at tabs):
    the profile as it reads the file, the header's row index and its score (see
    :func:`_find_header`), in the order of ``profiles``. Lines are split once per delimiter."""
    split: dict[tuple[str, str], list[list[str]]] = {}
    for candidate in profiles:
        for profile in _delimiter_variants(candidate):
            key = (profile.delimiter, profile.quotechar)
            if key not in split:
                try:
                    split[key] = list(csv.reader(lines, delimiter=key[0], quotechar=key[1]))
                except csv.Error:
                    split[key] = []
            match = _find_header(split[key], [profile])
            if match is not None:
                yield match
                break


def _delimiter_variants(profile: CsvProfile) -> list[CsvProfile]:
    """The profile, then the same profile with tabs between the cells: a file re-saved from
    Excel as "Unicode Text" (or "Text (Tab delimited)") has tabs where the bank had ``;`` or
    ``,``. The tab is only taken where the header does not match with the profile's own
    delimiter."""
    if profile.delimiter == "\t":
        return [profile]
    return [profile, profile.model_copy(update={"delimiter": "\t"})]


def looks_delimited(head: bytes) -> bool:
    """Weaker than :func:`sniff`: text lines that hold a delimiter (for an explicit profile)."""
    if b"\x00" in head or not head.strip():
        return False
    lines = [line for line in head.splitlines()[:10] if line.strip()]
    return bool(lines) and all(any(d in line for d in (b";", b",", b"\t")) for line in lines[:3])


def iter_records(
    source: _source.SourceLike,
    *,
    source_name: str | None = None,
    encoding: str | None = None,
    profile: str | Path | CsvProfile | dict[str, Any] | None = None,
    statuses: Statuses = DEFAULT_STATUSES,
    **options: Any,
) -> Iterator[Posting | Balance]:
    """Postings of a bank CSV export, streaming (module docstring); ``statuses``: those of
    these statuses (default booked only, ``None``: all; after the profile's ``keep_statuses``)."""
    if options:
        raise TypeError(f"unknown option(s) for CSV: {', '.join(sorted(options))}")
    where = _source.source_name_of(source, source_name)
    reader = _Reader(where, _profiles_for(profile, where), status_set(statuses))
    yield from _read_with(reader, source, encoding)


def _read_with(
    reader: _Reader, source: _source.SourceLike, encoding: str | None
) -> Iterator[Posting]:
    with _source.open_binary(source, reader.where) as stream:
        single = reader.candidates[0].encoding if len(reader.candidates) == 1 else None
        chosen = _source.resolve_encoding(stream, encoding, reader.where, default=single)
        yield from reader.records(_source.text_lines(stream, chosen, reader.where, newline=""))


class _Reader:
    def __init__(
        self,
        where: str,
        candidates: list[CsvProfile],
        statuses: frozenset[str] | None = DEFAULT_STATUSES,
    ) -> None:
        self.where = where
        self.candidates = candidates
        self.statuses = statuses
        self.chosen: CsvProfile | None = None

    def error(self, reason: str, line: int | None, field: str | None = None) -> StatementError:
        return StatementError(reason, where=self.where, line=line, field=field)

    def records(self, lines: Iterator[str]) -> Iterator[Posting]:
        # Which profile and where the header is: decided on the first lines.
        head: list[str] = []
        for line in lines:
            head.append(line)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if not "".join(head).strip():
            raise self.error("the file is empty", None)
        profile, header_index = self._choose(head)
        self.chosen = profile
        rest = _chain(head, lines)
        reader = csv.reader(rest, delimiter=profile.delimiter, quotechar=profile.quotechar)
        rows_before: list[list[str]] = []
        header: list[str] | None = None
        first_data = header_index + (1 if profile.header else 0)
        row_number = 0
        try:
            for row in reader if first_data > 0 else ():
                if row_number < header_index:
                    rows_before.append(row)
                elif row_number == header_index and profile.header:
                    header = row
                row_number += 1
                if row_number >= first_data:
                    break
            layout = _Layout(profile, header, self.where)
            account = (
                _account_from_preamble(rows_before)
                if "account_iban" not in profile.columns
                else None
            )
            builder = PostingBuilder(self.where)
            pending: list[tuple[int, list[str]]] = []
            rows = 0
            unknown: dict[str, int] = {}  # status words the profile does not map, left out
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if profile.skip_rows_containing and any(
                    cell.strip() in profile.skip_rows_containing for cell in row
                ):
                    continue
                pending.append((reader.line_num, row))
                if len(pending) > profile.footer_rows:
                    number, data = pending.pop(0)
                    rows += 1
                    status = self.status(layout, data, number)
                    keep = profile.keep_statuses
                    if keep is not None and status is not None and status not in keep:
                        continue  # declined, cancelled, ...: no posting at all (keep_statuses)
                    # Built even when left out below, so that ids do not depend on the option.
                    posting = self.posting(builder, layout, data, number, account, status=status)
                    if wanted_status(status, self.statuses):
                        yield posting
                    elif status is not None and status not in layout.statuses.values():
                        unknown[status] = unknown.get(status, 0) + 1
        except csv.Error as error:
            raise self.error(f"not valid CSV: {error}", reader.line_num) from None
        if rows == 0:
            raise self.error(f"no transactions found (profile {profile.name!r})", None)
        if unknown:
            words = ", ".join(f"{word!r} ({count})" for word, count in sorted(unknown.items()))
            warnings.warn(
                StatementWarning(
                    f"{self.where}: rows whose status the profile {profile.name!r} does not map "
                    f"are no bookings and were left out: {words}; map them in status_values of "
                    "an own profile (or pass statuses=None)"
                ),
                stacklevel=3,
            )

    def _choose(self, head: list[str]) -> tuple[CsvProfile, int]:
        if len(self.candidates) == 1:
            profile = self.candidates[0]
            if profile.skip_rows is not None or not profile.header:
                return profile, profile.skip_rows or 0
        found = None
        for match in _header_matches(head, self.candidates):
            if (
                found is None
                or match[1] < found[1]
                or (match[1] == found[1] and match[2] > found[2])
            ):
                found = match
        if found is None:
            if len(self.candidates) == 1:
                raise self.error(
                    f"the header of CSV profile {self.candidates[0].name!r} is not in the first "
                    f"{HEADER_SEARCH_ROWS} lines",
                    None,
                )
            raise self.error(
                "no built-in CSV profile matches this file's header; write a profile for it "
                "(profile=..., CLI: --profile; see docs/bank-statements.md)",
                None,
            )
        return found[0], found[1]

    def status(self, layout: _Layout, row: list[str], line: int) -> str | None:
        """The row's status, mapped by the profile; an unknown one is an error where the
        profile keeps only some statuses."""
        cell = layout.text(row, "status")
        if cell is None:
            return None
        status = layout.statuses.get(_norm(cell))
        if status is not None:
            return status
        if layout.profile.keep_statuses is not None:
            raise self.error(
                f"status {cell!r} is none the profile {layout.profile.name!r} knows "
                f"({', '.join(layout.profile.status_values)}); map it in status_values of an "
                "own profile",
                line,
                "status",
            )
        return cell

    def posting(
        self,
        builder: PostingBuilder,
        layout: _Layout,
        row: list[str],
        line: int,
        account: str | None,
        *,
        status: str | None,
    ) -> Posting:
        profile = layout.profile

        def number(key: str) -> Decimal | None:
            texts = layout.cells(row, key)
            if not texts:
                return None
            try:
                return parse_number(texts[0], profile.decimal, profile.thousands)
            except ValueError as error:
                raise self.error(str(error), line, key) from None

        def when(key: str, near: date | None) -> date | None:
            texts = layout.cells(row, key)
            if not texts or not texts[0]:
                return None
            try:
                return parse_date(texts[0], profile.date_format, near)
            except ValueError as error:
                raise self.error(str(error), line, key) from None

        value_date = when("value_date", None)
        booking_date = when("booking_date", value_date)
        if (
            value_date is None
            and layout.cells(row, "value_date")
            and layout.cells(row, "value_date")[0]
        ):
            value_date = when("value_date", booking_date)
        if booking_date is None:
            if layout.cells(row, "booking_date") and layout.cells(row, "booking_date")[0]:
                raise self.error(
                    "a booking date without year needs a value date", line, "booking_date"
                )
            booking_date = value_date
        if booking_date is None:
            raise self.error("the booking date is empty", line, "booking_date")
        amount = self.amount(layout, row, line, number)
        currency = layout.text(row, "currency") or profile.currency
        if currency is None:
            raise self.error(
                "no currency: map a currency column or set currency in the profile", line
            )
        remittance = layout.text(row, "remittance") or ""
        _untagged, tags = split_sepa(remittance)
        name = layout.text(row, "counterparty_name")
        if amount < 0 and "counterparty_name_debit" in profile.columns:
            name = layout.text(row, "counterparty_name_debit") or name
        bic = layout.text(row, "counterparty_bic")
        data: dict[str, Any] = {
            "account_iban": layout.text(row, "account_iban") or account,
            "booking_date": booking_date,
            "value_date": value_date,
            "currency": currency,
            "amount": amount,
            "counterparty_name": name,
            "counterparty_iban": layout.text(row, "counterparty_iban"),
            "counterparty_bic": bic
            if bic and re.fullmatch(r"[A-Za-z]{6}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?", bic)
            else None,
            "remittance": tags.get("SVWZ", remittance) if tags else remittance,
            "end_to_end_id": real_reference(layout.text(row, "end_to_end_id") or tags.get("EREF")),
            "creditor_reference": layout.text(row, "creditor_reference"),
            "bank_reference": layout.text(row, "bank_reference"),
            "bank_transaction_code": layout.text(row, "bank_transaction_code"),
            "booking_text": layout.text(row, "booking_text"),
            "mandate_reference": layout.text(row, "mandate_reference") or tags.get("MREF"),
            "creditor_id": layout.text(row, "creditor_id") or tags.get("CRED"),
            "status": status,
        }
        if tags and "SVWZ" not in tags:
            data["remittance"] = remittance
        if "instructed_amount" in profile.columns:
            instructed = number("instructed_amount")
            if instructed is not None and instructed != 0:
                data["instructed_amount"] = abs(instructed)
                data["instructed_currency"] = layout.text(row, "instructed_currency")
        return builder.posting(data, line=line, field=None)

    def amount(
        self,
        layout: _Layout,
        row: list[str],
        line: int,
        number: Callable[[str], Decimal | None],
    ) -> Decimal:
        profile = layout.profile
        if profile.sign == "debit_credit":
            debit, credit = number("debit"), number("credit")
            if debit and credit:
                raise self.error("both the debit and the credit column hold an amount", line)
            # Some banks sign the debit column, some do not: the column decides the direction.
            if debit:
                return -abs(debit)
            if credit:
                return abs(credit)
            if debit is None and credit is None:
                raise self.error("neither the debit nor the credit column holds an amount", line)
            return Decimal(0)
        amount = number("amount")
        if amount is None:
            raise self.error("the amount is empty", line, "amount")
        if profile.sign == "inverted":
            return -amount
        if profile.sign == "indicator":
            mark = layout.text(row, "indicator") or ""
            if mark in profile.debit_values:
                return -abs(amount)
            if mark in profile.credit_values:
                return abs(amount)
            raise self.error(
                f"debit/credit indicator {mark!r} is none of "
                f"{', '.join(profile.debit_values + profile.credit_values)}",
                line,
                "indicator",
            )
        return amount


def _chain(head: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from head
    yield from rest


def read(
    source: _source.SourceLike,
    *,
    source_name: str | None = None,
    **options: Any,
) -> Statement:
    """The whole file as one Statement; any error raises StatementError and returns nothing."""
    where = _source.source_name_of(source, source_name)
    encoding = options.pop("encoding", None)
    profile = options.pop("profile", None)
    statuses = status_set(options.pop("statuses", DEFAULT_STATUSES))
    if options:
        raise TypeError(f"unknown option(s) for CSV: {', '.join(sorted(options))}")
    reader = _Reader(where, _profiles_for(profile, where), statuses)
    # The reader raises for a file without rows; one whose rows are all left out is a
    # statement without postings.
    records = _read_with(reader, source, encoding)
    statement = collect(records, format=FORMAT, where=where, empty_ok=True)
    name = reader.chosen.name if reader.chosen else "custom"
    return statement.model_copy(update={"format": f"{FORMAT}:{name}"})
