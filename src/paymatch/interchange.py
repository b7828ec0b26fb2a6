"""Reading and writing paymatch's interchange files: orders, postings and decisions.

JSON Lines is the native form (one object per line; field names in docs/formats.md); orders and
postings can also be read from CSV with the same column names. Reading is all or nothing: the
first malformed line raises :class:`~paymatch.core.errors.InputError` naming the file, the line
and the field, and nothing is returned.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from paymatch.core.errors import InputError
from paymatch.core.models import Order, Posting

M = TypeVar("M", bound=BaseModel)

# CSV cells are strings; these order fields hold lists or objects and are written as JSON there.
_CSV_JSON_FIELDS = {"known_ibans", "cash_discount"}


def validation_error(error: ValidationError, *, where: str, line: int | None) -> InputError:
    """Turn pydantic's error into ours, naming the first offending field."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    return InputError(message, where=where, line=line, field=field)


# The types a parsed JSON value holds besides floats, lists and objects.
_PLAIN = frozenset({str, int, bool, type(None)})


def _has_float(value: Any) -> bool:
    """Whether a parsed JSON value holds a float anywhere (interchange lines seldom do)."""
    if isinstance(value, dict):
        items: Iterable[Any] = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return isinstance(value, float)
    if _PLAIN.issuperset(map(type, items)):  # one pass in C: the common case
        return False
    return any(_has_float(item) for item in items)


def load_json_line(text: str) -> Any:
    """One line's JSON value, exactly as :func:`json.loads` reads it, in a third of the time.

    orjson parses; what it reads differently is given to the json module instead: a line it
    refuses (NaN, lone surrogates, syntax errors: json's own error is the one raised) and any
    float in the result, since orjson reads integers beyond 64 bits as floats where json keeps
    them exact. Interchange lines carry amounts as strings, so nearly every line stays fast.
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    if _has_float(data):
        return json.loads(text)
    return data


def _parse_json_lines(stream: IO[str], model: type[M], where: str) -> Iterator[M]:
    validate = model.__pydantic_validator__.validate_python  # model_validate, one call less
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            data = load_json_line(text)
        except json.JSONDecodeError as error:
            raise InputError(f"not valid JSON: {error.msg}", where=where, line=number) from None
        if not isinstance(data, dict):
            raise InputError("each line must be a JSON object", where=where, line=number)
        try:
            yield validate(data)
        except ValidationError as error:
            raise validation_error(error, where=where, line=number) from None


def _parse_csv(stream: IO[str], model: type[M], where: str) -> Iterator[M]:
    sample = stream.read(4096)
    stream.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(stream, dialect=dialect)
    for row in reader:
        number = reader.line_num
        data: dict[str, Any] = {}
        for column, value in row.items():
            if column is None or value is None or value == "":
                continue
            key = column.strip()
            if key in _CSV_JSON_FIELDS:
                try:
                    data[key] = json.loads(value)
                except json.JSONDecodeError:
                    data[key] = value.replace(",", " ").split()
            else:
                data[key] = value
        try:
            yield model.model_validate(data)
        except ValidationError as error:
            raise validation_error(error, where=where, line=number) from None


def iter_models(path: str | Path, model: type[M]) -> Iterator[M]:
    """The records of ``path`` (``.csv`` is CSV, anything else JSON Lines) as ``model``, one at
    a time, for inputs too large to hold as models all at once.

    The errors are those of :func:`read_models`, raised when the iteration reaches the bad line:
    what was already taken from the iterator is not "all or nothing" any more, so a caller that
    must not act on part of a file consumes it all before it writes anything.
    """
    path = Path(path)
    where = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            if path.suffix.lower() == ".csv":
                yield from _parse_csv(stream, model, where)
            else:
                yield from _parse_json_lines(stream, model, where)
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason})", where=where) from None
    except OSError as error:
        raise InputError(error.strerror or str(error), where=where) from None


def read_models(path: str | Path, model: type[M]) -> list[M]:
    """Read every record of ``path`` (``.csv`` is CSV, anything else JSON Lines) as ``model``."""
    return list(iter_models(path, model))


def read_orders(path: str | Path) -> list[Order]:
    return read_models(path, Order)


def iter_orders(path: str | Path) -> Iterator[Order]:
    """The orders of ``path`` one at a time: ``Matcher().index(iter_orders(path))`` indexes a
    large file without holding every ``Order`` at once (each is dropped once indexed)."""
    return iter_models(path, Order)


def read_postings(path: str | Path) -> list[Posting]:
    return read_models(path, Posting)


def dump_json_line(model: BaseModel) -> str:
    """One model as one compact JSON line (amounts as decimal strings, no absent fields)."""
    return model.model_dump_json(exclude_none=True, exclude_defaults=False) + "\n"


def write_json_lines(models: Iterable[BaseModel], path: str | Path | None) -> None:
    """Write ``models`` to ``path`` (``None`` or ``"-"`` = stdout) atomically: all or nothing."""
    if path is None or str(path) == "-":
        sys.stdout.writelines(dump_json_line(model) for model in models)
        return
    # Written line by line to a temporary file beside the target, then renamed over it: large
    # outputs need no more memory than one line, and readers never see a half-written file.
    target = Path(path)
    temporary = target.with_name(f".{target.name}.partial")
    try:
        with temporary.open("w", encoding="utf-8") as stream:
            stream.writelines(dump_json_line(model) for model in models)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
