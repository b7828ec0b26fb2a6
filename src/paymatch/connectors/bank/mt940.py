"""SWIFT MT940 (end-of-day statement) and MT942 (interim report), with the German ``:86:``.

The parser reads line by line and hands out each transaction as soon as its ``:86:`` is
complete, so a file of any size is read in bounded memory. Structure (docs/bank-statements.md):

* transport wrapping is removed: SWIFT blocks ``{1:..}{2:..}{4:`` ... ``-}``, SOH/ETX bytes,
  header lines before a message (``940``, ``ABNANL2A``, ``0000 01INGBNL2A...``);
* a message starts with ``:20:`` and needs ``:25:`` and, for MT940, an opening balance
  ``:60F:``/``:60M:`` before its first ``:61:`` and a closing balance ``:62F:``/``:62M:`` at its
  end (a statement without closing balance is a truncated file). An MT942 has ``:34F:``/``:13D:``
  instead of balances and ``:90D:``/``:90C:`` sums;
* ``:61:`` is ``YYMMDD[MMDD](C|D|RC|RD)[funds code]amount type reference[//bank ref][details]``;
* ``:86:`` is parsed by :mod:`paymatch.connectors.bank.mt940_details`.

``strict=False`` reads damaged files and fragments: a statement without closing balance (some
banks write garbage such as ``:65F:Dnullnull7414,3`` in its place), unknown fields (skipped),
fields without ``:20:``/``:25:``/opening balance. Use it only for a file you know to be complete:
a truncated file then imports without complaint. Fragments without a balance carry no currency
and cannot become postings.

The postings of an MT940 are booked (status ``BOOK``), the items of an MT942 interim report are
pending (``PDNG``, German "Vormerkposten"): like every format, ``statuses`` (default
``{"BOOK"}``, ``None`` for all) chooses which are returned, so an MT942's items are left out
unless ``statuses={"BOOK", "PDNG"}`` is passed. Its balances are returned either way, and an
MT942 whose items are all left out is a statement without postings, not an error.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from paymatch.connectors.bank import _source
from paymatch.connectors.bank._records import (
    DEFAULT_STATUSES,
    PostingBuilder,
    Statuses,
    blank_posting_values,
    collect,
    status_set,
    wanted_status,
)
from paymatch.connectors.bank.identity import real_reference
from paymatch.connectors.bank.mt940_details import SEPA_TAGS, Details, parse_details
from paymatch.connectors.utf16 import sniffable_head
from paymatch.core.errors import MoneyError, StatementError
from paymatch.core.models import Balance, BalanceKind, Posting, Statement
from paymatch.core.money import normalize_currency, parse_amount

FORMAT = "mt940"

_TAG_LINE = re.compile(r":(\d\d[A-Z]?|NS):")
KNOWN_TAGS = frozenset(
    [
        "20",
        "21",
        "25",
        "25P",
        "28",
        "28C",
        "60",
        "60F",
        "60M",
        "61",
        "86",
        "62",
        "62F",
        "62M",
        "64",
        "65",
        "NS",
        "34",
        "34F",
        "13",
        "13D",
        "90D",
        "90C",
    ]
)
_TEXT_TAGS = frozenset({"86", "NS", "61"})
_SNIFF = re.compile(rb"(?m)^[\x01\s]*(?:\{4:\s*)?:20:.{0,40}\r?\n(?:.*\r?\n){0,8}?:(?:25|25P|21):")

_LINE61 = re.compile(
    r"(?P<value>\d{6})(?P<entry>\d{4})?"
    r"(?P<mark>R?[CD])(?P<funds>[A-Z])?\n?"
    r"(?P<amount>\d+(?:,\d*|\.\d+)?)[ \n]?"
    r"(?P<type>[A-Z][A-Z0-9 ]{3})?"
    r"(?P<rest>.*)",
    re.DOTALL,
)
_BALANCE = re.compile(r"(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})?(?P<amount>\d[\d,]*)")
_FLOOR = re.compile(r"(?P<currency>[A-Z]{3})(?P<mark>[CD]?)(?P<amount>\d[\d,]*)")
_SUM = re.compile(r"(?P<count>\d*)(?P<currency>[A-Z]{3})(?P<amount>\d[\d,]*)")
_STATEMENT_NO = re.compile(r"(?P<number>\d+)(?:/(?P<sequence>\d+))?")
_MONEY_DETAIL = re.compile(r"/(OCMT|CHGS)/([A-Z]{3})(\d[\d,]*)/?")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")

Field = tuple[str, list[str], int]  # tag, value lines, line number of the tag


@dataclass(slots=True)
class Amount:
    mark: str
    date: date | None
    currency: str | None
    amount: Decimal
    """Signed for balances (debit balances are negative); as written for floor limits."""
    intermediate: bool = False
    """An intermediate balance (``:60M:``/``:62M:``) of a statement continued on another page."""


@dataclass(slots=True)
class Mt940Transaction:
    """One ``:61:`` line with its ``:86:``, as the bank wrote it (dates and amount parsed)."""

    line: int
    value_date: date
    entry_date: date | None
    """Booking date; ``None`` when the bank gave none (then it is booked on the value date)."""
    mark: str
    """``C``, ``D``, ``RC`` (reversal of a credit: money out) or ``RD`` (money in)."""
    funds_code: str | None
    amount: Decimal
    """Signed: positive = money in. ``RD`` is positive, ``RC`` negative (SWIFT meaning)."""
    transaction_type: str | None
    customer_reference: str | None
    bank_reference: str | None
    supplementary: str | None
    details: Details | None = None
    non_swift: str | None = None
    statement: Mt940Statement | None = field(default=None, repr=False)

    @property
    def booking_date(self) -> date:
        return self.entry_date or self.value_date


@dataclass(slots=True)
class Mt940Statement:
    """One message: an MT940 statement or an MT942 interim report."""

    line: int
    kind: str = "mt940"
    reference: str | None = None
    related_reference: str | None = None
    account: str | None = None
    number: str | None = None
    sequence: str | None = None
    opening: Amount | None = None
    closing: Amount | None = None
    available: Amount | None = None
    forward_available: list[Amount] = field(default_factory=list)
    floor_limits: list[Amount] = field(default_factory=list)
    date_time: str | None = None
    sum_debits: tuple[int, Amount] | None = None
    sum_credits: tuple[int, Amount] | None = None
    information: str | None = None
    non_swift: str | None = None
    transaction_count: int = 0
    transactions: list[Mt940Transaction] = field(default_factory=list)
    """Filled by :func:`parse` only; streaming readers get the transactions one by one."""

    @property
    def currency(self) -> str | None:
        for amount in (self.opening, self.closing, *self.floor_limits):
            if amount is not None and amount.currency:
                return amount.currency
        if self.sum_credits:
            return self.sum_credits[1].currency
        if self.sum_debits:
            return self.sum_debits[1].currency
        return None

    @property
    def account_id(self) -> str | None:
        """The account as one compact string: the IBAN where ``:25:`` has one."""
        if not self.account:
            return None
        compact = "".join(self.account.split()).upper()
        iban = _IBAN.search(compact)
        if iban and _iban_ok(iban.group()):
            return iban.group()
        # "51210600/9223382012EUR": a currency code appended to the account
        if len(compact) > 3 and compact[-3:].isalpha() and compact[-4].isdigit():
            return compact[:-3]
        return compact


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


def sniff(head: bytes) -> bool:
    """True if ``head`` looks like an MT940/MT942 file: a ``:20:`` followed by ``:25:``."""
    # UTF-16 as UTF-8 (a no-op after detect_format, for callers that sniff themselves).
    return bool(_SNIFF.search(sniffable_head(head[: _source.HEAD_SIZE])))


# --------------------------------------------------------------------------------------------
# Lines to fields


def _fields(lines: Iterator[str], where: str) -> Iterator[Field | None]:
    """Tagged fields with their continuation lines; ``None`` marks the end of a message."""
    current: Field | None = None
    ended = False  # the message has its closing balance (or MT942 sums): "-" surely ends it
    # A "-" line inside free text waits for the next line to say what it is (see below).
    dash: str | None = None
    for number, line in _clean_lines(lines):
        if dash is not None:
            # ING wraps text so that a line holds just "-": inside free text of a message that
            # has not ended, "-" only ends the message when a field, block or the end follows.
            if line.strip() and not _TAG_LINE.match(line) and not line.startswith("{"):
                assert current is not None
                current[1].append(dash)
                dash = None
            else:
                dash = None
                yield current
                current = None
                ended = False
                yield None
        if line[:1] == ":":  # nearly every line: a field starts
            if line[3:4] == ":" and line[1:3].isdecimal():  # ":61:": what _TAG_LINE matches
                tag, start = line[1:3], 4
            else:
                match = _TAG_LINE.match(line)
                tag, start = (match.group(1), match.end()) if match else ("", 0)
            # An unknown two-digit "tag" inside free text is wrapped text such as a time
            # 13:12:11 cut before ":12:", not a field (":65F:" or ":12:" after a balance
            # still are).
            if tag and (
                current is None
                or current[0] not in _TEXT_TAGS
                or tag in KNOWN_TAGS
                or not tag.isdigit()
            ):
                if current:
                    yield current
                if tag == "20":
                    ended = False
                elif tag[:2] in ("62", "90"):
                    ended = True
                current = (tag, [line[start:]], number)
                continue
        elif line[:1] in _PLAIN_START:
            pass  # a continuation line of text (the usual case): nothing else to look at
        else:
            stripped = line.strip()
            if stripped == "-" or stripped.startswith("-}"):
                if (
                    stripped == "-"
                    and current is not None
                    and current[0] in _TEXT_TAGS
                    and not ended
                ):
                    dash = line
                    continue
                if current:
                    yield current
                    current = None
                ended = False
                yield None
                continue
            if stripped.startswith("{5:") or stripped == "}":
                continue
            if not stripped and (current is None or current[0] != "86"):
                continue
        if current is not None:  # else a transport header before a message
            current[1].append(line)
    if dash is not None:
        yield current
        yield None
    elif current:
        yield current


_BROKEN_TAG = re.compile(r"(\d\d[A-Z]?|NS):")
# First characters of a line that can only continue text: not a tag, separator, block or blank.
_PLAIN_START = frozenset(string.ascii_letters + string.digits + "?/>+.,()'ÄÖÜäöüß")


def _clean_lines(lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    """Numbered lines without line ends, SOH/ETX bytes and the SWIFT block headers; a tag
    broken after its first colon (``:`` / ``86:...``) is put together again."""
    held: tuple[int, str] | None = None
    number = 0
    for raw in lines:
        number += 1
        line = raw.rstrip("\r\n")
        if "\x01" in line or "\x03" in line:
            line = line.replace("\x01", "").replace("\x03", "")
        if line[:1] == "{":
            block = line.find("{4:")
            if block < 0:
                continue
            line = line[block + 3 :]
        if held is not None:
            if _BROKEN_TAG.match(line):
                yield held[0], ":" + line
                held = None
                continue
            yield held
            held = None
        if line == ":":
            held = (number, line)
            continue
        yield number, line
    if held is not None:
        yield held


# --------------------------------------------------------------------------------------------
# Values


def _year(two_digits: int) -> int:
    # A window, not "always 20YY": a 1995 DEM statement is 1995, not 2095.
    return 1900 + two_digits if two_digits >= 80 else 2000 + two_digits


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        pass
    if month == 2 and 28 < day <= 30:
        # German banks value period-end interest on "30.02." (30/360 day count): that is the
        # last day of February. Any other impossible day is an error.
        return date(year, 3, 1) - _ONE_DAY
    return None


_ONE_DAY = timedelta(days=1)


def _yymmdd(text: str) -> date | None:
    return _make_date(_year(int(text[:2])), int(text[2:4]), int(text[4:6]))


def _entry_date(mmdd: str, value: date) -> date | None:
    """The booking date ``MMDD`` in the year that puts it nearest the value date (a booking on
    01.01. valued 31.12. is in the next year)."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    same_year = _make_date(value.year, month, day)
    if same_year is not None and abs((same_year - value).days) <= 182:
        return same_year  # the same day in another year is at least 183 days further away
    candidates = [same_year, *(_make_date(value.year + shift, month, day) for shift in (-1, 1))]
    dates = [d for d in candidates if d is not None]
    if not dates:
        return None
    return min(dates, key=lambda d: abs((d - value).days))


def _decimal(text: str) -> Decimal:
    cleaned = text.replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    if cleaned.count(".") > 1 or not cleaned or cleaned == ".":
        raise InvalidOperation
    return Decimal(cleaned)


_DATE_CACHE = 4096


class _Parser:
    def __init__(self, where: str, strict: bool) -> None:
        self.where = where
        self.strict = strict
        # The few dates of a file repeat on every line: each is worked out once.
        self._value_dates: dict[str, date | None] = {}
        self._entry_dates: dict[tuple[str, date], date | None] = {}
        self._dates: dict[str, tuple[date, date | None]] = {}

    def dates(self, value_text: str, entry_text: str | None, line: int) -> tuple[date, date | None]:
        """Value and entry date of a :61: line (cached by their text, ``YYMMDD[MMDD]``)."""
        value = self.value_date(value_text)
        if value is None:
            raise self.error(f"value date {value_text!r} is not a date (YYMMDD)", line, "61")
        entry = None
        if entry_text:
            entry = self.entry_date(entry_text, value)
            if entry is None:
                raise self.error(f"entry date {entry_text!r} is not a date (MMDD)", line, "61")
        if len(self._dates) >= _DATE_CACHE:
            self._dates.clear()
        self._dates[value_text + (entry_text or "")] = value, entry
        return value, entry

    def value_date(self, text: str) -> date | None:
        try:
            return self._value_dates[text]
        except KeyError:
            if len(self._value_dates) >= _DATE_CACHE:
                self._value_dates.clear()
            result = self._value_dates[text] = _yymmdd(text)
            return result

    def entry_date(self, text: str, value: date) -> date | None:
        key = (text, value)
        try:
            return self._entry_dates[key]
        except KeyError:
            if len(self._entry_dates) >= _DATE_CACHE:
                self._entry_dates.clear()
            result = self._entry_dates[key] = _entry_date(text, value)
            return result

    def error(self, reason: str, line: int | None, tag: str | None = None) -> StatementError:
        return StatementError(
            reason, where=self.where, line=line, field=f":{tag}:" if tag else None
        )

    def amount(self, text: str, line: int, tag: str) -> Decimal:
        try:
            return _decimal(text)
        except InvalidOperation:
            raise self.error(f"amount {text!r} is not a number", line, tag) from None

    def balance(self, value: str, line: int, tag: str) -> Amount:
        text = "".join(value.split())
        match = _BALANCE.fullmatch(text)
        if not match:
            raise self.error(
                f"balance {value.strip()!r} is not mark, date YYMMDD, currency, amount", line, tag
            )
        # "000000" is a placeholder some exports write: the balance has no date.
        undated = match["date"] == "000000"
        when = None if undated else _yymmdd(match["date"])
        if when is None and not undated:
            raise self.error(f"date {match['date']!r} is not a date (YYMMDD)", line, tag)
        amount = self.amount(match["amount"], line, tag)
        return Amount(
            match["mark"],
            when,
            match["currency"],
            -amount if match["mark"] == "D" else amount,
            intermediate=tag.endswith("M"),
        )

    def transaction(self, lines: list[str], line: int) -> Mt940Transaction:
        if len(lines) == 1:
            text = lines[0].rstrip()
        else:
            text = "\n".join(part.rstrip() for part in lines).strip("\n")
        match = _LINE61.match(text)
        if not match:
            raise self.error(
                f"statement line {lines[0].strip()!r} does not follow the :61: layout "
                "(YYMMDD[MMDD] C/D/RC/RD [funds code] amount with decimal comma, type, reference)",
                line,
                "61",
            )
        value_text, entry_text, mark, funds, amount_text, ttype, rest = match.groups()
        # "YYMMDD[MMDD]": the text starts with the dates
        dates = self._dates.get(text[:10] if entry_text else value_text)
        if dates is None:
            dates = self.dates(value_text, entry_text, line)
        value, entry = dates
        # The pattern admits only digits with one decimal comma or point: a valid Decimal.
        amount = Decimal(amount_text.replace(",", "."))
        # C and RD (reversal of a debit) bring money in; D and RC take it out.
        if mark in {"D", "RC"}:
            amount = -amount
        first, _, details = rest.partition("\n")
        customer, separator, bank = first.partition("//")
        if not separator and len(customer) > 16 and customer[15] == " " and customer[16:].strip():
            # The reference is a 16-character field; padded with spaces and followed by more text
            # (old Rabobank files put the counterparty's name there), the rest is a detail.
            details = f"{customer[16:]}\n{details}" if details else customer[16:]
            customer = customer[:16]
        if ttype is None and rest.strip():
            raise self.error(
                f"statement line {lines[0].strip()!r} has no transaction type (e.g. NTRF, NMSC)",
                line,
                "61",
            )
        return Mt940Transaction(
            line=line,
            value_date=value,
            entry_date=entry,
            mark=mark,
            funds_code=funds,
            amount=amount,
            transaction_type=ttype.strip() if ttype else None,
            customer_reference=customer.strip() or None,
            bank_reference=bank.strip() or None if separator else None,
            supplementary=" ".join(details.split("\n")).strip() or None if details else None,
        )

    def statements(
        self, fields: Iterator[Field | None]
    ) -> Iterator[Mt940Transaction | Mt940Statement]:
        statement: Mt940Statement | None = None
        pending: Mt940Transaction | None = None
        seen_any = False
        closed = False

        def finish(at: int | None) -> Iterator[Mt940Transaction | Mt940Statement]:
            nonlocal statement, pending, closed
            if pending is not None:
                yield pending
                pending = None
            if statement is not None:
                self.check_complete(statement, closed, at)
                yield statement
            statement = None
            closed = False

        previous_tag = ""
        details_lines: list[str] = []
        for item in fields:
            before, previous_tag = previous_tag, (item[0] if item is not None else "")
            if item is None:
                if statement is not None:
                    yield from finish(None)
                continue
            tag, value, line = item
            seen_any = True
            if tag == "20" or statement is None:
                if statement is not None:
                    yield from finish(line)
                statement = Mt940Statement(line=line)
                if tag == "20":
                    statement.reference = value[0].strip() or None
                    continue
                if self.strict:
                    raise self.error(
                        f"field :{tag}: before the statement's reference :20:", line, tag
                    )
            if tag not in KNOWN_TAGS:
                if self.strict:
                    raise self.error(f"unknown field :{tag}:", line, tag)
                continue
            # The two fields of every transaction first: they are nearly all of a file.
            if tag == "61":
                if closed:
                    raise self.error("statement line after the closing balance", line, tag)
                if pending is not None:
                    yield pending
                self.check_ready(statement, line)
                pending = self.transaction(value, line)
                pending.statement = statement
                statement.transaction_count += 1
                continue
            if tag == "86":
                if pending is not None and pending.details is None:
                    # Old Rabobank files repeat :86: for each line of one transaction's text.
                    pending.details = parse_details(value)
                    details_lines = value
                elif pending is not None and before == "86":
                    details_lines = details_lines + value
                    pending.details = parse_details(details_lines)
                else:
                    text = "\n".join(value)
                    statement.information = (
                        text
                        if statement.information is None
                        else f"{statement.information}\n{text}"
                    )
                continue
            head = value[0].strip()
            if tag == "21":
                statement.related_reference = head
            elif tag in ("25", "25P"):
                if statement.opening or statement.transaction_count or statement.floor_limits:
                    raise self.error(
                        "account identification :25: after the balance or the transactions "
                        "(a damaged file?)",
                        line,
                        tag,
                    )
                statement.account = head
            elif tag in ("28", "28C"):
                compact = head.replace(" ", "")
                if compact.isdigit() and len(compact) > 5:
                    compact = f"{compact[:5]}/{compact[5:]}"  # 5n5n without the slash
                match = _STATEMENT_NO.fullmatch(compact)
                statement.number = match["number"] if match else head
                statement.sequence = match["sequence"] if match else None
            elif tag in ("60", "60F", "60M"):
                if self.strict and (statement.opening or statement.transaction_count):
                    raise self.error("a second opening balance in one statement", line, tag)
                statement.opening = self.balance(head, line, tag)
            elif tag == "NS":
                text = "\n".join(value)
                if pending is not None:
                    pending.non_swift = text
                else:
                    statement.non_swift = text
            elif tag in ("62", "62F", "62M"):
                if pending is not None:
                    yield pending
                    pending = None
                if closed:
                    raise self.error("a second closing balance in one statement", line, tag)
                statement.closing = self.balance(head, line, tag)
                closed = True
            elif tag == "64":
                statement.available = self.balance(head, line, tag)
            elif tag == "65":
                statement.forward_available.append(self.balance(head, line, tag))
            elif tag in ("34", "34F"):
                statement.kind = "mt942"
                compact = "".join(head.split())
                match = _FLOOR.fullmatch(compact)
                if not match and self.strict:
                    raise self.error(
                        f"floor limit {head!r} is not currency, [D/C], amount (3!a[1!a]15d)",
                        line,
                        tag,
                    )
                # Not strict: a floor limit followed by text keeps its valid start; a floor
                # limit is information about the report, no posting depends on it.
                match = match or _FLOOR.match(compact)
                if match:
                    statement.floor_limits.append(
                        Amount(
                            match["mark"],
                            None,
                            match["currency"],
                            self.amount(match["amount"], line, tag),
                        )
                    )
            elif tag in ("13", "13D"):
                statement.kind = "mt942"
                statement.date_time = head
            elif tag in ("90D", "90C"):
                statement.kind = "mt942"
                if pending is not None:
                    yield pending
                    pending = None
                match = _SUM.fullmatch("".join(head.split()))
                if not match:
                    raise self.error(f"sum {head!r} is not count, currency, amount", line, tag)
                total = self.amount(match["amount"], line, tag)
                entry = (
                    int(match["count"] or 0),
                    Amount(tag[-1], None, match["currency"], -total if tag == "90D" else total),
                )
                if tag == "90D":
                    statement.sum_debits = entry
                else:
                    statement.sum_credits = entry
        if statement is not None:
            yield from finish(None)
        if not seen_any:
            raise self.error("no MT940 field found (a statement starts with :20:)", None)

    def check_ready(self, statement: Mt940Statement, line: int) -> None:
        if not self.strict:
            return
        if statement.account is None:
            raise self.error("statement line before the account identification :25:", line, "61")
        if statement.opening is None and statement.kind != "mt942":
            raise self.error("statement line before the opening balance :60F:", line, "61")

    def check_complete(self, statement: Mt940Statement, closed: bool, at: int | None) -> None:
        if not self.strict:
            return
        name = f"statement {statement.reference!r}" if statement.reference else "statement"
        if statement.account is None:
            raise self.error(f"{name} has no account identification :25:", statement.line, "25")
        if statement.kind == "mt942":
            return
        if statement.opening is None:
            raise self.error(f"{name} has no opening balance :60F:", statement.line, "60F")
        if not closed:
            raise self.error(
                f"{name} ends without a closing balance :62F: (the file may be truncated)",
                at,
                "62F",
            )


def iter_items(
    source: _source.SourceLike,
    *,
    source_name: str | None = None,
    encoding: str | None = None,
    strict: bool = True,
) -> Iterator[Mt940Transaction | Mt940Statement]:
    """Each transaction as soon as it is complete, then its statement when that ends."""
    where = _source.source_name_of(source, source_name)
    with _source.open_binary(source, where) as stream:
        yield from _items(stream, where, encoding, strict)


def _items(
    stream: BinaryIO, where: str, encoding: str | None, strict: bool
) -> Iterator[Mt940Transaction | Mt940Statement]:
    chosen = _source.resolve_encoding(stream, encoding, where)
    lines = _source.text_lines(stream, chosen, where)
    yield from _Parser(where, strict).statements(_fields(lines, where))


def parse(
    source: _source.SourceLike,
    *,
    source_name: str | None = None,
    encoding: str | None = None,
    strict: bool = True,
) -> list[Mt940Statement]:
    """Every message of the file with its transactions (not streaming; for inspection)."""
    statements: list[Mt940Statement] = []
    collected: list[Mt940Transaction] = []
    for item in iter_items(source, source_name=source_name, encoding=encoding, strict=strict):
        if isinstance(item, Mt940Transaction):
            collected.append(item)
        else:
            item.transactions = [t for t in collected if t.statement is item]
            collected = [t for t in collected if t.statement is not item]
            statements.append(item)
    return statements


# --------------------------------------------------------------------------------------------
# Postings


def _money_details(text: str | None) -> dict[str, tuple[str, str]]:
    if not text:
        return {}
    return {m.group(1): (m.group(2), m.group(3)) for m in _MONEY_DETAIL.finditer(text)}


_REVERSALS = frozenset({"RC", "RD"})


def _text(value: str | None) -> str | None:
    return (value.strip() or None) if value else None


# The Posting fields an MT940 transaction gives (its ``model_fields_set``).
_GIVEN_FIELDS = frozenset(
    {
        "id",
        "account_iban",
        "booking_date",
        "value_date",
        "currency",
        "amount",
        "bank_reference",
        "bank_transaction_code",
        "reversal",
        "status",
    }
)
_DETAIL_FIELDS = frozenset(
    {
        "counterparty_name",
        "counterparty_iban",
        "counterparty_bic",
        "remittance",
        "end_to_end_id",
        "purpose_code",
        "ultimate_debtor",
        "ultimate_creditor",
        "mandate_reference",
        "creditor_id",
        "booking_text",
        "references",
    }
)
_GIVEN_WITH_DETAILS = _GIVEN_FIELDS | _DETAIL_FIELDS
# SEPA tags without a Posting field of their own: kept in ``references`` (nothing the bank
# said is lost), after the :61: customer reference.
_REFERENCE_TAGS = ("KREF", "DEBT", "COAM", "OAMT", "BREF", "RREF", "MDAT", "SQTP", "ORCR", "ORMR")
_REFERENCE_TAG_SET = frozenset(_REFERENCE_TAGS)
# A :61: reference that only points elsewhere ("KREF+": see KREF+ in :86:) is no reference.
_NO_REFERENCE = frozenset({"NONREF", "NOTPROVIDED", "NONE", *SEPA_TAGS})


def _references(transaction: Mt940Transaction) -> tuple[tuple[str, str], ...]:
    found = []
    customer = transaction.customer_reference
    if customer and customer.upper().rstrip("+") not in _NO_REFERENCE:
        found.append(("CustomerReference", customer))
    details = transaction.details
    if details is not None and not _REFERENCE_TAG_SET.isdisjoint(details.sepa):
        sepa = details.sepa
        found += [(tag, sepa[tag]) for tag in _REFERENCE_TAGS if sepa.get(tag)]
    return tuple(found) if found else ()


def posting_values(
    transaction: Mt940Transaction, account: str | None, currency: str, status: str, where: str
) -> tuple[dict[str, Any], set[str]]:
    """Every Posting field of one transaction (without ``id``) and the fields the file gave.

    The values are validated here, in the form the Posting model stores them, so that the
    posting is built without a second validation (``PostingBuilder.clean_posting``): the amount
    through ``parse_amount`` in ``currency``, which the caller took through
    ``normalize_currency``; IBANs compact, texts stripped with blanks as ``None``.
    """
    details = transaction.details
    supplementary = transaction.supplementary
    try:
        amount = parse_amount(transaction.amount, currency)
    except MoneyError as error:
        raise StatementError(
            error.reason, where=where, line=transaction.line, field=":61: (amount)"
        ) from None
    values = blank_posting_values()
    values["amount"] = amount
    values["account_iban"] = account  # Mt940Statement.account_id: compact or None
    value_date = transaction.value_date
    values["booking_date"] = transaction.entry_date or value_date
    values["value_date"] = value_date
    values["currency"] = currency
    values["bank_reference"] = transaction.bank_reference  # stripped or None
    # the bank code: the :61: type, with the German GVC, primanota and text key extension
    code = transaction.transaction_type or ""
    if details is not None and details.gvc:
        code = "+".join(
            (code, details.gvc, details.primanota or "", details.text_key_extension or "")
        ).rstrip("+")
    values["bank_transaction_code"] = code.strip() or None
    values["reversal"] = transaction.mark in _REVERSALS
    values["status"] = status
    counterparty_account = None
    if details is None:
        fields = set(_GIVEN_FIELDS)
    else:
        fields = set(_GIVEN_WITH_DETAILS)
        sepa = details.sepa
        codes = details.codes
        bank = details.counterparty_bank
        compact_bank = "".join(bank.split()).upper() if bank else ""
        counterparty_account = details.counterparty_account
        # Texts stripped, blanks as None (the structured :86: gives them stripped already).
        name = details.counterparty_name
        values["counterparty_name"] = (name.strip() or None) if name else None
        values["counterparty_bic"] = compact_bank if _BIC.fullmatch(compact_bank) else None
        values["remittance"] = details.remittance
        text = details.posting_text  # ?00, the German Buchungstext
        values["booking_text"] = (text.strip() or None) if text else None
        text = sepa.get("EREF") or codes.get("EREF")
        values["end_to_end_id"] = real_reference(text.strip()) if text else None
        text = sepa.get("PURP") or codes.get("PURP")
        values["purpose_code"] = (text.strip() or None) if text else None
        if sepa:
            values["ultimate_debtor"] = _text(sepa.get("ABWA"))
            values["ultimate_creditor"] = _text(sepa.get("ABWE"))
            values["mandate_reference"] = _text(sepa.get("MREF"))
            values["creditor_id"] = _text(sepa.get("CRED"))
    if supplementary:
        extra = "".join(supplementary.split()).upper()
        if not counterparty_account and _IBAN.fullmatch(extra) and _iban_ok(extra):
            counterparty_account = extra  # Rabobank writes the counterparty's IBAN there
        money = _money_details(supplementary)
        field = ":61:"
        try:
            if "OCMT" in money:
                field = ":61: (instructed_amount)"
                instructed = normalize_currency(money["OCMT"][0])
                values["instructed_currency"] = instructed
                values["instructed_amount"] = parse_amount(_decimal(money["OCMT"][1]), instructed)
                fields |= {"instructed_currency", "instructed_amount"}
            if "CHGS" in money and money["CHGS"][0] == currency:
                field = ":61: (charges)"
                values["charges"] = parse_amount(_decimal(money["CHGS"][1]), currency)
                fields.add("charges")
        except InvalidOperation:
            raise StatementError(
                f"supplementary details {supplementary!r}: an amount is not a number",
                where=where,
                line=transaction.line,
                field=field,
            ) from None
        except MoneyError as error:
            raise StatementError(
                error.reason, where=where, line=transaction.line, field=field
            ) from None
    if counterparty_account:
        values["counterparty_iban"] = "".join(counterparty_account.split()).upper() or None
    values["references"] = _references(transaction)
    return values, fields


def _balances(statement: Mt940Statement) -> Iterator[dict[str, Any]]:
    currency = statement.currency
    account = statement.account_id
    entries: list[tuple[BalanceKind, Amount]] = []
    # An intermediate balance (:60M:/:62M:, a statement continued on another page) is an
    # interim booked balance, not the opening or closing balance of the statement.
    if statement.opening:
        opening = statement.opening
        entries.append(
            (BalanceKind.INTERIM if opening.intermediate else BalanceKind.OPENING, opening)
        )
    if statement.closing:
        closing = statement.closing
        entries.append(
            (BalanceKind.INTERIM if closing.intermediate else BalanceKind.CLOSING, closing)
        )
    if statement.available:
        entries.append((BalanceKind.CLOSING_AVAILABLE, statement.available))
    entries += [(BalanceKind.FORWARD_AVAILABLE, amount) for amount in statement.forward_available]
    for kind, amount in entries:
        if amount.date is None:
            continue
        yield {
            "kind": kind,
            "date": amount.date,
            "account_iban": account,
            "currency": amount.currency or currency,
            "amount": amount.amount,
        }


def iter_records(
    source: _source.SourceLike,
    *,
    source_name: str | None = None,
    encoding: str | None = None,
    strict: bool = True,
    statuses: Statuses = DEFAULT_STATUSES,
    **options: Any,
) -> Iterator[Posting | Balance]:
    """Postings and balances of an MT940/MT942 file, streaming (see the module docstring).

    Postings are handed out as they are read; an error further on raises StatementError after
    some were yielded, so a caller that must be all or nothing uses :func:`read`.
    """
    if options:
        raise TypeError(f"unknown option(s) for MT940: {', '.join(sorted(options))}")
    wanted = status_set(statuses)
    where = _source.source_name_of(source, source_name)
    with _source.open_binary(source, where) as stream:
        builder = PostingBuilder(where)
        # Per statement: its account, currency and posting status, worked out once.
        current: Mt940Statement | None = None
        account: str | None = None
        currency = status = ""
        keep = True
        for item in _items(stream, where, encoding, strict):
            if isinstance(item, Mt940Transaction):
                if item.statement is not current:
                    current = item.statement
                    assert current is not None
                    builder.start_statement(current)
                    account = current.account_id
                    currency = _statement_currency(current, item.line, where)
                    status = "PDNG" if current.kind == "mt942" else "BOOK"
                    keep = wanted_status(status, wanted)
                # Built (and checked) even when left out: read() and iter_records() refuse the
                # same files whatever the option.
                values, given = posting_values(item, account, currency, status, where)
                posting = builder.clean_posting(values, given)
                if keep:
                    yield posting
            else:
                for balance in _balances(item):
                    yield builder.balance(balance, line=item.line)


def _statement_currency(statement: Mt940Statement, line: int, where: str) -> str:
    """The statement's currency, known from its balances before its first transaction."""
    currency = statement.currency
    if currency is None:
        raise StatementError(
            "no currency for this statement line (no balance with a currency)",
            where=where,
            line=line,
            field=":61:",
        )
    try:
        return normalize_currency(currency)
    except MoneyError as error:
        raise StatementError(error.reason, where=where, line=line, field=":61:") from None


def read(
    source: _source.SourceLike,
    *,
    source_name: str | None = None,
    **options: Any,
) -> Statement:
    """The whole file as one Statement; any error raises StatementError and returns nothing."""
    where = _source.source_name_of(source, source_name)
    wanted = status_set(options.pop("statuses", DEFAULT_STATUSES))
    # Every record is read, so that an MT942 of pending items only is a statement (with its
    # account and currency) without postings rather than "no statement".
    records = iter_records(source, source_name=where, statuses=None, **options)
    return collect(records, format=FORMAT, where=where, statuses=wanted)
