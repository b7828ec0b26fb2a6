"""A SHA-256 over everything the MT940 reader gives, to prove that a change to it (a speed-up)
changes no posting, balance, parsed field or error.

    .venv/bin/python bench/mt940_digest.py
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/mt940_digest.py

Run it on the old and the new code: the lines must be identical. What it reads:

* ``corpus``: every MT940/MT942-looking file of the bank samples (``$PAYMATCH_BANK_SAMPLES`` or
  ``../shared/bank-samples``), strict and with ``strict=False``;
* ``mutants``: each of those files damaged in 12 seeded ways (a character dropped, changed or
  doubled, a line dropped, doubled or swapped, CRLF, cp1252 or cp850 bytes), so that the error
  paths are compared too;
* ``generated``: files of ``bench/bench_mt940.py`` (20,000 transactions in statements of 1,000;
  7 per statement with CRLF; cp1252; an MT942 variant), read with format detection.

For each file it hashes every Posting's ``model_dump_json()`` with its ``model_fields_set``,
every Balance, the statement's own fields, what :func:`mt940.parse` makes of the file (the
transactions and their ``:86:`` details as dataclass ``repr``), and the message of every
StatementError. It prints one line per part: the SHA-256, the number of files, postings and
errors.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_mt940 import generate
from paymatch.connectors.bank import iter_statement, mt940
from paymatch.core.errors import PaymatchError
from paymatch.core.models import Posting

HERE = Path(__file__).resolve().parent
SAMPLES = Path(
    os.environ.get("PAYMATCH_BANK_SAMPLES", HERE.parent.parent / "shared" / "bank-samples")
)
PATTERNS = ("*.sta", "*.txt", "*.940", "*.swi", "*.mt94*")
# Every posting, MT942 items too (left out by default since the statuses option); older code
# without the option returned them all.
ALL = {"statuses": None} if "statuses" in inspect.signature(mt940.iter_records).parameters else {}
MUTANTS_PER_FILE = 12


class Digest:
    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.files = self.postings = self.errors = 0

    def add(self, text: str) -> None:
        self.sha.update(text.encode("utf-8", "backslashreplace"))
        self.sha.update(b"\n")

    def outcome(self, label: str, call: Callable[[], Any]) -> Any:
        """Hash what ``call`` returns or the error it raises (its type and message)."""
        try:
            return call()
        except PaymatchError as error:
            self.errors += 1
            self.add(f"{label} error {type(error).__name__}: {error}")
            return None

    def records(self, label: str, records: Any) -> None:
        for record in records:
            if isinstance(record, Posting):
                self.postings += 1
                self.add(f"{label} posting {sorted(record.model_fields_set)}")
            self.add(record.model_dump_json())

    def read(self, name: str, data: bytes) -> None:
        """Every view of one MT940 file (given as bytes, so damaged copies need no file)."""
        self.files += 1
        for strict in (True, False):
            label = f"{name} strict={strict}"
            statement = self.outcome(
                label,
                lambda strict=strict: mt940.read(data, source_name=name, strict=strict, **ALL),
            )
            if statement is not None:
                self.add(f"{label} {statement.account_iban} {statement.currency}")
                self.records(label, [*statement.postings, *statement.balances])
            parsed = self.outcome(
                label, lambda strict=strict: mt940.parse(data, source_name=name, strict=strict)
            )
            for item in parsed or ():
                self.add(repr(item))
                for transaction in item.transactions:
                    self.add(repr(transaction))

    def line(self, part: str) -> str:
        return (
            f"{part}: {self.sha.hexdigest()} files={self.files} postings={self.postings} "
            f"errors={self.errors}"
        )


def corpus_files() -> list[Path]:
    found = {path for pattern in PATTERNS for path in SAMPLES.glob(f"*/**/{pattern}")}
    return sorted(path for path in found if "LICEN" not in path.name)


def _mutate(data: bytes, rng: random.Random, how: int) -> bytes:
    lines = data.split(b"\n")
    if how == 0 and data:  # drop a character
        at = rng.randrange(len(data))
        return data[:at] + data[at + 1 :]
    if how == 1 and data:  # change a character to one that matters to MT940
        at = rng.randrange(len(data))
        return data[:at] + bytes([rng.choice(b":0123456789CD?/+-\n ,.")]) + data[at + 1 :]
    if how == 2 and data:  # double a character
        at = rng.randrange(len(data))
        return data[: at + 1] + data[at:]
    if how == 3 and len(lines) > 1:  # drop a line
        del lines[rng.randrange(len(lines))]
    elif how == 4 and lines:  # double a line
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
    elif how == 5 and len(lines) > 2:  # swap two neighbouring lines
        at = rng.randrange(len(lines) - 1)
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    elif how == 6:
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    elif how in (7, 8):  # 8-bit bytes: detection, or the refusal to guess
        text = data.decode("utf-8", "replace").replace("\ufffd", "?")
        codec = "cp1252" if how == 7 else "cp850"
        return (text + ":86:Müller Straße Öl\n").encode(codec, "replace")
    elif how == 9 and lines:  # cut the file short
        return b"\n".join(lines[: rng.randrange(len(lines))])
    elif how == 10 and lines:  # a blank line somewhere
        lines.insert(rng.randrange(len(lines)), b"")
    elif how == 11 and lines:  # a line wrapped in the middle
        at = rng.randrange(len(lines))
        cut = rng.randrange(len(lines[at]) + 1)
        lines[at : at + 1] = [lines[at][:cut], lines[at][cut:]]
    return b"\n".join(lines)


def _generated(folder: Path) -> list[tuple[str, bytes]]:
    files = []
    plain = folder / "plain.sta"
    generate(plain, 20_000, 1000)
    files.append(("plain", plain.read_bytes()))
    small = folder / "small.sta"
    generate(small, 2_000, 7)
    files.append(("crlf-7-per-statement", small.read_bytes().replace(b"\n", b"\r\n")))
    text = small.read_text("utf-8")
    files.append(("cp1252", text.encode("cp1252", "replace")))
    mt942 = text.replace(":60F:", ":34F:EURD0,00\n:13D:2601021200+0100\n:60F:", 1)
    files.append(("mt942-floor", mt942.encode("utf-8")))
    return files


def main() -> None:
    if not SAMPLES.is_dir():
        sys.exit(f"bank samples not found at {SAMPLES} (set PAYMATCH_BANK_SAMPLES)")
    files = corpus_files()
    corpus = Digest()
    for path in files:
        corpus.read(str(path.relative_to(SAMPLES)), path.read_bytes())
    print(corpus.line("corpus"))

    mutants = Digest()
    for path in files:
        name = str(path.relative_to(SAMPLES))
        rng = random.Random(name)
        data = path.read_bytes()
        for how in range(MUTANTS_PER_FILE):
            mutants.read(f"{name}~{how}", _mutate(data, rng, how))
    print(mutants.line("mutants"))

    generated = Digest()
    with tempfile.TemporaryDirectory() as folder:
        for name, data in _generated(Path(folder)):
            generated.files += 1
            generated.outcome(
                name,
                lambda name=name, data=data: generated.records(name, iter_statement(data, **ALL)),
            )
            generated.read(name, data)
    print(generated.line("generated"))


if __name__ == "__main__":
    main()
