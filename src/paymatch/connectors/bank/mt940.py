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
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from paymatch.connectors.bank import _source
from paymatch.connectors.bank._records import PostingBuilder, collect
from paymatch.connectors.bank.mt940_details import Details, parse_details
from paymatch.core.errors import StatementError
from paymatch.core.models import Balance, BalanceKind, Posting, Statement

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
    """Signed: debit balances are negative."""


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
    return bool(_SNIFF.search(head[: _source.HEAD_SIZE]))


# --------------------------------------------------------------------------------------------
# Lines to fields


def _looks_wrapped(tag: str) -> bool:
    """An unknown two-digit "tag" inside free text is wrapped text such as a time ``13:12:11``
    cut before ``:12:``, not a field (``:65F:`` or ``:12:`` after a balance still are)."""
    return tag not in KNOWN_TAGS and tag.isdigit()


def _fields(lines: Iterator[str], where: str) -> Iterator[Field | None]:
    """Tagged fields with their continuation lines; ``None`` marks the end of a message."""
    current: Field | None = None
    ended = False  # the message has its closing balance (or MT942 sums): "-" surely ends it
    numbered = _clean_lines(lines)
    upcoming = next(numbered, None)
    while upcoming is not None:
        number, line = upcoming
        upcoming = next(numbered, None)
        stripped = line.strip()
        if stripped == "-" or stripped.startswith("-}"):
            # ING wraps text so that a line holds just "-": inside free text of a message that
            # has not ended, "-" only ends the message when a field, block or the end follows.
            following = upcoming[1] if upcoming else ""
            if (
                stripped == "-"
                and current is not None
                and current[0] in _TEXT_TAGS
                and not ended
                and following.strip()
                and not _TAG_LINE.match(following)
                and not following.startswith("{")
            ):
                current[1].append(line)
                continue
            if current:
                yield current
                current = None
            ended = False
            yield None
            continue
        if stripped.startswith("{5:") or stripped == "}":
            continue
        match = _TAG_LINE.match(line)
        if match and not (
            current is not None and current[0] in _TEXT_TAGS and _looks_wrapped(match.group(1))
        ):
            if current:
                yield current
            tag = match.group(1)
            if tag == "20":
                ended = False
            elif tag[:2] in ("62", "90"):
                ended = True
            current = (tag, [line[match.end() :]], number)
            continue
        if current is None:
            continue  # transport headers before a message
        if not stripped and current[0] != "86":
            continue
        current[1].append(line)
    if current:
        yield current


def _clean_lines(lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    """Numbered lines without line ends, SOH/ETX bytes and the SWIFT block headers; a tag
    broken after its first colon (``:`` / ``86:...``) is put together again."""
    held: tuple[int, str] | None = None
    for number, line in _plain_lines(lines):
        if held is not None:
            if re.match(r"(\d\d[A-Z]?|NS):", line):
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


def _plain_lines(lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n").replace("\x01", "").replace("\x03", "")
        if line.startswith("{"):
            block = line.find("{4:")
            if block < 0:
                continue
            line = line[block + 3 :]
        yield number, line


# --------------------------------------------------------------------------------------------
# Values


def _year(two_digits: int) -> int:
    # A window, not "always 20YY": a 1995 DEM statement is 1995, not 2095.
    return 1900 + two_digits if two_digits >= 80 else 2000 + two_digits


def _make_date(year: int, month: int, day: int) -> date | None:
    if not 1 <= month <= 12 or day < 1:
        return None
    last = calendar.monthrange(year, month)[1]
    if day > last:
        # German banks value period-end interest on "30.02." (30/360 day count): that is the
        # last day of February. Any other impossible day is an error.
        if month == 2 and day <= 30:
            return date(year, 2, last)
        return None
    return date(year, month, day)


def _yymmdd(text: str) -> date | None:
    return _make_date(_year(int(text[:2])), int(text[2:4]), int(text[4:6]))


def _entry_date(mmdd: str, value: date) -> date | None:
    month, day = int(mmdd[:2]), int(mmdd[2:])
    candidates = [_make_date(value.year + shift, month, day) for shift in (0, -1, 1)]
    dates = [d for d in candidates if d is not None]
    if not dates:
        return None
    # The booking is near its value date; that decides the year around new year.
    return min(dates, key=lambda d: abs((d - value).days))


def _decimal(text: str) -> Decimal:
    cleaned = text.replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    if cleaned.count(".") > 1 or not cleaned or cleaned == ".":
        raise InvalidOperation
    return Decimal(cleaned)


class _Parser:
    def __init__(self, where: str, strict: bool) -> None:
        self.where = where
        self.strict = strict

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
            match["mark"], when, match["currency"], -amount if match["mark"] == "D" else amount
        )

    def transaction(self, lines: list[str], line: int) -> Mt940Transaction:
        text = "\n".join(part.rstrip() for part in lines).strip("\n")
        match = _LINE61.match(text)
        if not match:
            raise self.error(
                f"statement line {lines[0].strip()!r} does not follow the :61: layout "
                "(YYMMDD[MMDD] C/D/RC/RD [funds code] amount with decimal comma, type, reference)",
                line,
                "61",
            )
        value = _yymmdd(match["value"])
        if value is None:
            raise self.error(f"value date {match['value']!r} is not a date (YYMMDD)", line, "61")
        entry = None
        if match["entry"]:
            entry = _entry_date(match["entry"], value)
            if entry is None:
                raise self.error(f"entry date {match['entry']!r} is not a date (MMDD)", line, "61")
        amount = self.amount(match["amount"], line, "61")
        mark = match["mark"]
        # C and RD (reversal of a debit) bring money in; D and RC take it out.
        if mark in ("D", "RC"):
            amount = -amount
        rest = match["rest"]
        first, _, details = rest.partition("\n")
        customer, separator, bank = first.partition("//")
        ttype = match["type"]
        if ttype is None and not rest.strip():
            ttype = None
        elif ttype is None:
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
            funds_code=match["funds"],
            amount=amount,
            transaction_type=ttype.strip() if ttype else None,
            customer_reference=customer.strip() or None,
            bank_reference=bank.strip() or None if separator else None,
            supplementary=" ".join(details.split("\n")).strip() or None,
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
            elif tag == "61":
                if closed:
                    raise self.error("statement line after the closing balance", line, tag)
                if pending is not None:
                    yield pending
                self.check_ready(statement, line)
                pending = self.transaction(value, line)
                pending.statement = statement
                statement.transaction_count += 1
            elif tag == "86":
                if pending is not None and pending.details is None:
                    # Old Rabobank files repeat :86: for each line of one transaction's text.
                    pending.details = parse_details(value)
                    details_lines = list(value)
                elif pending is not None and before == "86":
                    details_lines += value
                    pending.details = parse_details(details_lines)
                else:
                    text = "\n".join(value)
                    statement.information = (
                        text
                        if statement.information is None
                        else f"{statement.information}\n{text}"
                    )
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
                match = _FLOOR.fullmatch("".join(head.split()))
                if not match:
                    raise self.error(
                        f"floor limit {head!r} is not currency, [D/C], amount", line, tag
                    )
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


def _bank_code(transaction: Mt940Transaction) -> str | None:
    details = transaction.details
    parts = [transaction.transaction_type or ""]
    if details and details.gvc:
        parts += [details.gvc, details.primanota or "", details.text_key_extension or ""]
    code = "+".join(parts).rstrip("+")
    return code or None


def posting_fields(transaction: Mt940Transaction, statement: Mt940Statement) -> dict[str, Any]:
    """The Posting fields of one transaction (without ``id``)."""
    details = transaction.details
    sepa = details.sepa if details else {}
    codes = details.codes if details else {}
    bank = details.counterparty_bank if details else None
    compact_bank = "".join(bank.split()).upper() if bank else ""
    money = _money_details(transaction.supplementary)
    account = details.counterparty_account if details else None
    extra = "".join((transaction.supplementary or "").split()).upper()
    if not account and _IBAN.fullmatch(extra) and _iban_ok(extra):
        account = extra  # Rabobank writes the counterparty's IBAN into the supplementary details
    currency = statement.currency
    data: dict[str, Any] = {
        "account_iban": statement.account_id,
        "booking_date": transaction.booking_date,
        "value_date": transaction.value_date,
        "currency": currency,
        "amount": transaction.amount,
        "counterparty_name": details.counterparty_name if details else None,
        "counterparty_iban": account,
        "counterparty_bic": compact_bank if _BIC.fullmatch(compact_bank) else None,
        "remittance": details.remittance if details else "",
        "end_to_end_id": sepa.get("EREF") or codes.get("EREF"),
        "bank_reference": transaction.bank_reference,
        "bank_transaction_code": _bank_code(transaction),
        "reversal": transaction.mark in ("RC", "RD"),
        "ultimate_debtor": sepa.get("ABWA"),
        "ultimate_creditor": sepa.get("ABWE"),
        "mandate_reference": sepa.get("MREF"),
        "creditor_id": sepa.get("CRED"),
        "purpose_code": sepa.get("PURP") or codes.get("PURP"),
        "status": "PDNG" if statement.kind == "mt942" else "BOOK",
    }
    if "OCMT" in money:
        data["instructed_currency"] = money["OCMT"][0]
        data["instructed_amount"] = _decimal(money["OCMT"][1])
    if "CHGS" in money and money["CHGS"][0] == currency:
        data["charges"] = _decimal(money["CHGS"][1])
    return data


_BALANCE_KINDS = {
    "F": (BalanceKind.OPENING, BalanceKind.CLOSING),
    "M": (BalanceKind.INTERIM, BalanceKind.INTERIM),
}


def _balances(statement: Mt940Statement) -> Iterator[dict[str, Any]]:
    currency = statement.currency
    account = statement.account_id
    entries: list[tuple[BalanceKind, Amount]] = []
    if statement.opening:
        entries.append((BalanceKind.OPENING, statement.opening))
    if statement.closing:
        entries.append((BalanceKind.CLOSING, statement.closing))
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
    **options: Any,
) -> Iterator[Posting | Balance]:
    """Postings and balances of an MT940/MT942 file, streaming (see the module docstring).

    Postings are handed out as they are read; an error further on raises StatementError after
    some were yielded, so a caller that must be all or nothing uses :func:`read`.
    """
    if options:
        raise TypeError(f"unknown option(s) for MT940: {', '.join(sorted(options))}")
    where = _source.source_name_of(source, source_name)
    with _source.open_binary(source, where) as stream:
        builder = PostingBuilder(where)
        for item in _items(stream, where, encoding, strict):
            if isinstance(item, Mt940Transaction):
                statement = item.statement
                assert statement is not None
                if statement.currency is None:
                    raise StatementError(
                        "no currency for this statement line (no balance with a currency)",
                        where=where,
                        line=item.line,
                        field=":61:",
                    )
                if builder.statement_key != id(statement):
                    builder.start_statement(id(statement))
                yield builder.posting(posting_fields(item, statement), line=item.line, field=":61:")
            else:
                for balance in _balances(item):
                    yield builder.balance(balance, line=item.line)


def read(
    source: _source.SourceLike,
    *,
    source_name: str | None = None,
    **options: Any,
) -> Statement:
    """The whole file as one Statement; any error raises StatementError and returns nothing."""
    where = _source.source_name_of(source, source_name)
    return collect(iter_records(source, source_name=where, **options), format=FORMAT, where=where)
