"""The streaming CAMT reader: lxml ``iterparse`` over a document, one record at a time.

Only a few elements reach Python (``Document``, the message, its records, ``GrpHdr``, ``Bal``,
``TxsSummry`` and ``Ntry``); each is handled when it is complete and then cleared together with
the siblings before it, so memory stays bounded however many entries a file has.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, tzinfo
from decimal import Decimal
from typing import Any

from lxml import etree
from pydantic import ValidationError

from paymatch.connectors.bank._records import DEFAULT_STATUSES, wanted_status
from paymatch.connectors.bank.camt_entry import Entry, RecordContext, account_id, read_entry
from paymatch.connectors.bank.camt_input import Document, Utf8Stream
from paymatch.connectors.bank.camt_xml import (
    CamtValueError,
    Element,
    amount,
    child,
    children,
    date_choice,
    date_value,
    find,
    local_name,
    namespace_of,
    sign,
    text,
    text_at,
    xml_path,
)
from paymatch.connectors.bank.identity import PostingIdentities, identity_key
from paymatch.core.errors import StatementError, StatementWarning
from paymatch.core.models import Balance, BalanceKind, Posting

_MESSAGES = {
    "BkToCstmrAcctRpt": ("052", "Rpt"),
    "BkToCstmrStmt": ("053", "Stmt"),
    "BkToCstmrDbtCdtNtfctn": ("054", "Ntfctn"),
}
_RECORDS = {"Rpt", "Stmt", "Ntfctn"}
_TAGS = [
    "{*}Document",
    *(f"{{*}}{name}{suffix}" for name in _MESSAGES for suffix in ("", "V01")),
    "{*}GrpHdr",
    *(f"{{*}}{name}" for name in sorted(_RECORDS)),
    "{*}Bal",
    "{*}TxsSummry",
    "{*}Ntry",
]
_NAMESPACE = re.compile(r"camt\.(05[234])\.001\.(\d{2})")
_ISO_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}"
SUPPORTED_VERSIONS = range(1, 11)

_BALANCE_KINDS = {
    "OPBD": BalanceKind.OPENING,
    "PRCD": BalanceKind.OPENING,  # previous closing booked = this statement's opening (DK)
    "CLBD": BalanceKind.CLOSING,
    "ITBD": BalanceKind.INTERIM,
    "OPAV": BalanceKind.OPENING_AVAILABLE,
    "CLAV": BalanceKind.CLOSING_AVAILABLE,
    "FWAV": BalanceKind.FORWARD_AVAILABLE,
    "ITAV": BalanceKind.INTERIM_AVAILABLE,
    "INFO": BalanceKind.INFORMATION,
    "XPCD": BalanceKind.EXPECTED_CREDIT,
    "XPDT": BalanceKind.EXPECTED_DEBIT,
}


@dataclass(frozen=True, slots=True)
class Options:
    encoding: str | None = None
    statuses: frozenset[str] | None = DEFAULT_STATUSES
    zone: tzinfo | None = None
    strict: bool = False


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """What :func:`read` needs to describe a statement beside its postings and balances."""

    format: str
    statement_id: str | None
    account: str | None
    currency: str | None


@dataclass(slots=True)
class _Record:
    element: Element
    index: int
    path: str
    context: RecordContext | None = None
    account_currency: str | None = None
    summary: Element | None = None
    balances: list[Balance] = field(default_factory=list)
    entries: int = 0
    currencies: set[str] = field(default_factory=set)
    gross: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    credits: tuple[int, Decimal] = (0, Decimal(0))
    debits: tuple[int, Decimal] = (0, Decimal(0))
    booked_net: Decimal = Decimal(0)
    booked_by_value_date: dict[date, Decimal] = field(default_factory=dict)


class _DocumentReader:
    def __init__(self, document: Document, options: Options) -> None:
        self.label = document.name
        self.stream = Utf8Stream(document.stream, document.name, options.encoding)
        self.options = options
        self.identities = PostingIdentities()
        self.message: Element | None = None
        self.message_path = ""
        self.record_name = ""
        self.format = ""
        self.created: date | None = None
        self.record: _Record | None = None
        self.records = 0
        self.entry_index = 0
        self.balance_index = 0

    # --- driving the parser ---------------------------------------------------------------------

    def __iter__(self) -> Iterator[Posting | Balance | RecordInfo]:
        events = etree.iterparse(
            self.stream,
            events=("start", "end"),
            tag=_TAGS,
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
            huge_tree=False,
        )
        try:
            for event, element in events:
                yield from self._handle(event, element)
        except etree.XMLSyntaxError as error:
            raise StatementError(
                f"not well-formed XML: {error.msg}", where=self.label, line=error.lineno or None
            ) from None
        except CamtValueError as error:
            raise self._error(error.reason, error.element) from None
        if self.message is None:
            raise StatementError(
                "not a CAMT statement: no BkToCstmrStmt, BkToCstmrAcctRpt or "
                "BkToCstmrDbtCdtNtfctn message in the Document",
                where=self.label,
            )
        if self.records == 0:
            raise StatementError(
                f"the message has no {self.record_name} (the schema requires at least one)",
                where=self.label,
                field=self.message_path,
            )

    def _handle(self, event: str, element: Element) -> Iterator[Posting | Balance | RecordInfo]:
        name = local_name(element.tag)
        parent = element.getparent()
        if event == "start":
            if name == "Document" and parent is None:
                self._check_document(element)
            elif self.message is None and parent is not None and parent.getparent() is None:
                self._start_message(element, name)
            elif name in _RECORDS and parent is self.message and self.message is not None:
                self._start_record(element, name)
            return
        record = self.record
        if record is not None and parent is record.element:
            if name == "Ntry":
                yield from self._entry(record, element)
            elif name == "Bal":
                yield from self._balance(record, element)
            elif name == "TxsSummry":
                self._header(record)
                record.summary = element
                return  # kept until the record ends, for the cross-check
            _release(element)
        elif record is not None and element is record.element:
            yield from self._end_record(record)
            _release(element)
        elif name == "GrpHdr" and parent is self.message and self.message is not None:
            created = find(element, "CreDtTm")
            if created is not None and text(created):
                self.created = date_value(created, self.options.zone)
            _release(element)

    # --- document and message -------------------------------------------------------------------

    def _check_document(self, element: Element) -> None:
        namespaces = [uri for uri in element.nsmap.values() if uri]
        own = namespace_of(element.tag)
        if own:
            namespaces.insert(0, own)
        if not namespaces:
            raise self._error(
                "the Document declares no namespace; a CAMT file names its message "
                "(urn:iso:std:iso:20022:tech:xsd:camt.053.001.08, ...)",
                element,
            )
        if not any(_NAMESPACE.search(uri) for uri in namespaces):
            raise self._error(
                f"unknown namespace {namespaces[0]!r}: not an ISO 20022 CAMT bank statement "
                "(camt.052, camt.053 or camt.054)",
                element,
            )

    def _start_message(self, element: Element, name: str) -> None:
        base = name[:-3] if name.endswith("V01") else name
        if base not in _MESSAGES:
            raise self._error(
                f"<{name}> is not a CAMT bank-to-customer message (expected BkToCstmrStmt, "
                "BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn)",
                element,
            )
        kind, record_name = _MESSAGES[base]
        candidates = []
        own = namespace_of(element.tag)
        for uri in ([own] if own else []) + list(element.nsmap.values()):
            match = _NAMESPACE.search(uri or "")
            if match and match.group(1) == kind:
                candidates.append((uri, match))
        if not candidates:
            found = own or next(iter(element.nsmap.values()), None)
            raise self._error(
                f"<{name}> is a camt.{kind} message but the namespace is {found!r}", element
            )
        uri, match = candidates[0]
        version = int(match.group(2))
        if version not in SUPPORTED_VERSIONS:
            raise self._error(
                f"unsupported CAMT version camt.{kind}.001.{match.group(2)} "
                "(supported: .001.01 to .001.10)",
                element,
            )
        expected = _ISO_NAMESPACE.format(kind=kind, version=match.group(2))
        if uri != expected:
            warnings.warn(
                StatementWarning(
                    f"{self.label}: unusual namespace {uri!r}, read as {expected.rsplit(':', 1)[1]}"
                ),
                stacklevel=4,
            )
        self.message = element
        self.message_path = f"Document/{name}"
        self.record_name = record_name
        self.format = f"camt.{kind}.001.{match.group(2)}"

    # --- records --------------------------------------------------------------------------------

    def _start_record(self, element: Element, name: str) -> None:
        if name != self.record_name:
            raise self._error(
                f"<{name}> does not belong in a {self.format} message (expected "
                f"<{self.record_name}>)",
                element,
            )
        self.records += 1
        self.entry_index = 0
        self.balance_index = 0
        self.record = _Record(element, self.records, f"{self.message_path}/{name}[{self.records}]")

    def _header(self, record: _Record) -> RecordInfo | None:
        """Read Id, dates, copy indicator and account once, from the children seen so far."""
        if record.context is not None:
            return None
        parts = children(record.element)
        zone = self.options.zone
        statement_id = text(_first(parts, "Id"))
        account = _first(parts, "Acct")
        account_number = account_id(account)
        record.account_currency = text_at(account, "Ccy")
        period = _first(parts, "FrToDt")
        fallback = (
            date_choice(find(period, "ToDtTm"), zone)
            if find(period, "ToDtTm") is not None
            else None
        )
        if fallback is None and find(period, "ToDt") is not None:
            fallback = date_choice(find(period, "ToDt"), zone)
        created = _first(parts, "CreDtTm")
        if fallback is None and created is not None and text(created):
            fallback = date_value(created, zone)
        record.context = RecordContext(
            label=self.label,
            account=account_number,
            account_compact="".join(account_number.split()).upper() if account_number else "",
            statement_id=statement_id,
            copy_duplicate=text(_first(parts, "CpyDplctInd")),
            fallback_date=fallback or self.created,
            zone=zone,
        )
        return RecordInfo(self.format, statement_id, account_number, record.account_currency)

    def _balance(self, record: _Record, element: Element) -> Iterator[Balance | RecordInfo]:
        info = self._header(record)
        if info is not None:
            yield info
        assert record.context is not None
        self.balance_index += 1
        parts = children(element)
        kind_element = find(_first(parts, "Tp"), "CdOrPrtry")
        code = text_at(kind_element, "Cd") or text_at(kind_element, "Prtry")
        if code is None:
            raise CamtValueError("balance without a type (Tp/CdOrPrtry/Cd or Prtry)", element)
        kind = _BALANCE_KINDS.get(code.upper(), BalanceKind.OTHER)
        found = amount(_first(parts, "Amt"))
        if found is None:
            raise CamtValueError("balance without an amount (Amt)", element)
        direction = sign(_first(parts, "CdtDbtInd"), required=True, context=element)
        assert direction is not None
        day = date_choice(_first(parts, "Dt"), self.options.zone)
        if day is None:
            raise CamtValueError("balance without a date (Dt/Dt or Dt/DtTm)", element)
        balance = Balance(
            kind=kind,
            date=day,
            account_iban=record.context.account,
            currency=found[1],
            amount=found[0] * direction,
            code=code,
        )
        record.balances.append(balance)
        yield balance

    def _entry(self, record: _Record, element: Element) -> Iterator[Posting | RecordInfo]:
        info = self._header(record)
        if info is not None:
            yield info
        assert record.context is not None
        self.entry_index += 1
        entry = read_entry(element, record.context)
        _count(record, entry)
        keep = wanted_status(entry.status, self.options.statuses)
        for fields in entry.postings:
            # Built (id numbered, values checked) even when left out, so that ids and errors
            # are the same whatever the statuses option.
            posting = self._posting(fields, entry)
            if keep:
                yield posting

    def _posting(self, fields: dict[str, Any], entry: Entry) -> Posting:
        key = identity_key(
            account=fields.get("account_iban"),
            booking_date=fields["booking_date"],
            value_date=fields.get("value_date"),
            amount=fields["amount"],
            currency=fields["currency"],
            bank_reference=fields.get("bank_reference"),
            counterparty_account=fields.get("counterparty_iban"),
            counterparty_name=fields.get("counterparty_name"),
            end_to_end_id=fields.get("end_to_end_id"),
            remittance=fields.get("remittance"),
        )
        fields["id"] = self.identities.next_id(key)
        try:
            # The same validation as Posting(**fields); the dict holds only the fields present,
            # so that pydantic spends no validator call on every absent (None) one.
            return Posting.model_validate(fields)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise self._error(f"{where}: {message}", entry.element) from None

    def _end_record(self, record: _Record) -> Iterator[RecordInfo]:
        info = self._header(record)
        if info is not None:
            yield info
        problems = [*_summary_problems(record), *_balance_problems(record)]
        for problem in problems:
            if self.options.strict:
                raise StatementError(problem, where=self.label, field=record.path)
            warnings.warn(StatementWarning(f"{self.label}, {record.path}: {problem}"), stacklevel=4)
        self.record = None

    # --- errors ---------------------------------------------------------------------------------

    def _error(self, reason: str, element: Element | None) -> StatementError:
        if element is None:
            return StatementError(reason, where=self.label)
        return StatementError(
            reason, where=self.label, line=element.sourceline, field=self._path(element)
        )

    def _path(self, element: Element) -> str:
        record = self.record
        if record is not None:
            anchor: Element | None = element
            while anchor is not None and anchor.getparent() is not record.element:
                anchor = anchor.getparent()
            if anchor is not None:
                name = local_name(anchor.tag)
                if name == "Ntry":
                    prefix = f"{record.path}/Ntry[{self.entry_index}]"
                    return xml_path(element, anchor, prefix)
                if name == "Bal":
                    prefix = f"{record.path}/Bal[{self.balance_index}]"
                    return xml_path(element, anchor, prefix)
                return xml_path(element, record.element, record.path)
            if element is record.element:
                return record.path
        if self.message is not None and element is not self.message:
            return xml_path(element, self.message, self.message_path)
        return xml_path(element, None, "")


def _first(parts: dict[str, list[Element]], name: str) -> Element | None:
    found = parts.get(name)
    return found[0] if found else None


def _release(element: Element) -> None:
    """Free a handled element and the already handled siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _count(record: _Record, entry: Entry) -> None:
    record.entries += 1
    record.currencies.add(entry.currency)
    record.gross += abs(entry.amount)
    record.net += entry.amount
    if entry.amount >= 0:
        record.credits = (record.credits[0] + 1, record.credits[1] + entry.amount)
    else:
        record.debits = (record.debits[0] + 1, record.debits[1] - entry.amount)
    if entry.booked:
        record.booked_net += entry.amount
        by_date = record.booked_by_value_date
        by_date[entry.value_date] = by_date.get(entry.value_date, Decimal(0)) + entry.amount


def _decimal(element: Element | None) -> Decimal | None:
    value = text(element)
    if value is None:
        return None
    try:
        return Decimal(value)
    except ArithmeticError:
        raise CamtValueError(f"{value!r} is not a decimal number", element) from None


def _summary_problems(record: _Record) -> Iterator[str]:
    """``TxsSummry`` against the entries actually in the record."""
    summary = record.summary
    if summary is None:
        return
    single_currency = len(record.currencies) <= 1
    totals = child(summary, "TtlNtries")
    if totals is not None:
        count = text_at(totals, "NbOfNtries")
        if count is not None and count.isdigit() and int(count) != record.entries:
            yield f"TxsSummry counts {int(count)} entries, the record has {record.entries}"
        total = _decimal(child(totals, "Sum"))
        if total is not None and single_currency and total != record.gross:
            yield f"TxsSummry sum {total} differs from the entries' sum {record.gross}"
        net_block = child(totals, "TtlNetNtry")
        net = _decimal(child(net_block, "Amt")) if net_block is not None else None
        net_sign = child(net_block, "CdtDbtInd") if net_block is not None else None
        if net is None:  # .001.02: TtlNetNtryAmt and CdtDbtInd directly in TtlNtries
            net = _decimal(child(totals, "TtlNetNtryAmt"))
            net_sign = child(totals, "CdtDbtInd")
        if net is not None and single_currency:
            direction = sign(net_sign, required=False, context=summary) or 1
            if net * direction != record.net:
                yield f"TxsSummry net {net * direction} differs from the entries' net {record.net}"
    for name, (count_seen, sum_seen) in (
        ("TtlCdtNtries", record.credits),
        ("TtlDbtNtries", record.debits),
    ):
        block = child(summary, name)
        if block is None:
            continue
        count = text_at(block, "NbOfNtries")
        if count is not None and count.isdigit() and int(count) != count_seen:
            yield f"TxsSummry {name} counts {int(count)} entries, the record has {count_seen}"
        total = _decimal(child(block, "Sum"))
        if total is not None and single_currency and total != sum_seen:
            yield f"TxsSummry {name} sum {total} differs from the entries' sum {sum_seen}"


def _balance_problems(record: _Record) -> Iterator[str]:
    """Opening balance plus booked entries must give the closing balance."""
    if len(record.currencies) > 1:
        return
    currency = next(iter(record.currencies), None)

    def pick(*codes: str) -> Balance | None:
        for code in codes:
            found = [b for b in record.balances if (b.code or "").upper() == code]
            if len(found) == 1 and (currency is None or found[0].currency == currency):
                return found[0]
            if found:
                return None
        return None

    opening = pick("OPBD", "PRCD")
    closing = pick("CLBD")
    if opening is None or closing is None or opening.currency != closing.currency:
        return
    expected = opening.amount + record.booked_net
    # Swiss banks leave entries valued after the closing date out of the closing balance
    valued = sum(
        (v for day, v in record.booked_by_value_date.items() if day <= closing.date), Decimal(0)
    )
    if closing.amount not in {expected, opening.amount + valued}:
        yield (
            f"opening balance {opening.amount} plus the booked entries {record.booked_net} "
            f"gives {expected}, but the closing balance is {closing.amount} {closing.currency}"
        )


def read_document(document: Document, options: Options) -> Iterator[Posting | Balance | RecordInfo]:
    return iter(_DocumentReader(document, options))
