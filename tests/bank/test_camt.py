"""CAMT reader, one feature at a time, on small documents built here."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paymatch.connectors.bank import camt
from paymatch.core.errors import ConfigError, StatementError, StatementWarning
from paymatch.core.models import Balance, BalanceKind, Posting

# --- building documents --------------------------------------------------------------------------

NS = "urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}"
MESSAGE = {"052": ("BkToCstmrAcctRpt", "Rpt"), "053": ("BkToCstmrStmt", "Stmt")}
MESSAGE["054"] = ("BkToCstmrDbtCdtNtfctn", "Ntfctn")


def status(code: str, version: str) -> str:
    return f"<Sts><Cd>{code}</Cd></Sts>" if int(version) >= 7 else f"<Sts>{code}</Sts>"


def entry(
    amount: str = "10.00",
    indicator: str = "CRDT",
    *,
    currency: str = "EUR",
    code: str = "BOOK",
    version: str = "02",
    booking: str = "<BookgDt><Dt>2024-03-01</Dt></BookgDt>",
    value: str = "<ValDt><Dt>2024-03-02</Dt></ValDt>",
    extra: str = "",
    details: str = "",
    after: str = "",
) -> str:
    body = f"<NtryDtls>{details}</NtryDtls>" if details else ""
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"{extra}{status(code, version)}{booking}{value}{after}{body}</Ntry>"
    )


def balance(code: str, amount: str, indicator: str = "CRDT", day: str = "2024-03-01") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def document(
    *entries: str,
    kind: str = "053",
    version: str = "02",
    balances: str = "",
    header: str = "",
    summary: str = "",
    iban: str = "DE89370400440532013000",
    namespace: str | None = None,
    records: int = 1,
) -> bytes:
    message, record = MESSAGE[kind]
    uri = namespace if namespace is not None else NS.format(kind=kind, version=version)
    account = f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>" if iban else ""
    body = "".join(
        f"<{record}><Id>S{n + 1}</Id><CreDtTm>2024-03-02T08:00:00</CreDtTm>{header}{account}"
        f"{balances}{summary}{''.join(entries)}</{record}>"
        for n in range(records)
    )
    xmlns = f' xmlns="{uri}"' if uri else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document{xmlns}><{message}>'
        f"<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-03-02T08:00:00</CreDtTm></GrpHdr>"
        f"{body}</{message}></Document>\n"
    ).encode()


def tx(
    *,
    amount: str | None = None,
    currency: str = "EUR",
    indicator: str | None = None,
    inner: str = "",
) -> str:
    amt = f'<Amt Ccy="{currency}">{amount}</Amt>' if amount is not None else ""
    ind = f"<CdtDbtInd>{indicator}</CdtDbtInd>" if indicator else ""
    return f"<TxDtls>{amt}{ind}{inner}</TxDtls>"


def tx_v02(amount: str, inner: str = "") -> str:
    """A camt.053.001.02 TxDtls: no TxDtls/Amt, the amount in AmtDtls/TxAmt."""
    return (
        f'<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>{inner}</TxDtls>'
    )


def read(data: bytes, **options: object) -> list[Posting]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatementWarning)
        return list(camt.read(data, **options).postings)  # type: ignore[arg-type]


def one(data: bytes, **options: object) -> Posting:
    (posting,) = read(data, **options)
    return posting


PARTIES = (
    "<RltdPties><Dbtr><Nm>Jana Müller</Nm></Dbtr><DbtrAcct><Id><IBAN>DE02120300000000202051"
    "</IBAN></Id></DbtrAcct><UltmtDbtr><Nm>Müller GmbH</Nm></UltmtDbtr><Cdtr><Nm>Shop AG</Nm>"
    "</Cdtr><CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct></RltdPties>"
    "<RltdAgts><DbtrAgt><FinInstnId><BIC>BYLADEM1001</BIC></FinInstnId></DbtrAgt></RltdAgts>"
)


# --- sniffing ------------------------------------------------------------------------------------


def test_sniff_recognises_camt_and_nothing_else() -> None:
    assert camt.sniff(document(entry()))
    assert camt.sniff(b"\xef\xbb\xbf" + document(entry()))
    assert camt.sniff(document(entry()).decode().encode("utf-16"))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("auszug.xml", document(entry()))
    assert camt.sniff(archive.getvalue())
    assert not camt.sniff(b":20:STARTUMS\r\n:25:20041111/0123456789\r\n:28C:1\r\n")
    assert not camt.sniff(b"Buchungstag;Valuta;Betrag\n01.03.2024;01.03.2024;12,50\n")
    pain = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn>'
    assert not camt.sniff(pain)


# --- versions, namespaces, messages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "version"),
    [(k, v) for k in ("052", "053", "054") for v in ("01", "02", "04", "06", "08", "10")],
)
def test_every_message_kind_and_version(kind: str, version: str) -> None:
    statement = camt.read(document(entry(version=version), kind=kind, version=version))
    assert statement.format == f"camt.{kind}.001.{version}"
    (posting,) = statement.postings
    assert (posting.amount, posting.status) == (Decimal("10.00"), "BOOK")
    assert statement.statement_id == "S1"
    assert statement.account_iban == "DE89370400440532013000"


def test_prefix_only_namespace_with_unprefixed_elements() -> None:
    # Bundesbank: xmlns:n0="...camt.053.001.08" while every element is in no namespace
    data = document(entry(version="08"), version="08", namespace="").replace(
        b"<Document>", b'<Document xmlns:n0="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
    )
    statement = camt.read(data)
    assert statement.format == "camt.053.001.08"
    assert len(statement.postings) == 1


def test_prefixed_elements() -> None:
    data = (
        b'<n:Document xmlns:n="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><n:BkToCstmrStmt>'
        b'<n:Stmt><n:Id>1</n:Id><n:Ntry><n:Amt Ccy="EUR">1.50</n:Amt><n:CdtDbtInd>DBIT'
        b"</n:CdtDbtInd><n:Sts>BOOK</n:Sts><n:BookgDt><n:Dt>2024-01-02</n:Dt></n:BookgDt>"
        b"</n:Ntry></n:Stmt></n:BkToCstmrStmt></n:Document>"
    )
    assert one(data).amount == Decimal("-1.50")


def test_odd_namespace_spelling_is_read_with_a_warning() -> None:
    odd = "urn:iso:std:iso:20023:tech:xsd:camt.053.001.02"  # the "20023" typo seen in the wild
    with pytest.warns(StatementWarning, match="unusual namespace"):
        statement = camt.read(document(entry(), namespace=odd))
    assert statement.format == "camt.053.001.02"


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03", "unknown namespace"),
        ("", "declares no namespace"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.13", "unsupported CAMT version"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.052.001.08", "namespace is"),
    ],
)
def test_wrong_namespaces_are_refused(namespace: str, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        camt.read(document(entry(), namespace=namespace))


def test_non_statement_xml_is_refused() -> None:
    with pytest.raises(StatementError, match="root element is <rss>"):
        camt.read(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>')
    pain = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        b"<CstmrCdtTrfInitn/></Document>"
    )
    with pytest.raises(StatementError, match="no BkToCstmrStmt"):
        camt.read(pain)


def test_statement_without_records_is_refused() -> None:
    data = document(entry()).replace(b"<Stmt>", b"<!--").replace(b"</Stmt>", b"-->")
    with pytest.raises(StatementError, match="no Stmt"):
        camt.read(data)


def test_trimmed_document_without_header_account_and_balances() -> None:
    data = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
        + entry().encode()
        + b"</Stmt></BkToCstmrStmt></Document>"
    )
    statement = camt.read(data)
    (posting,) = statement.postings
    assert posting.account_iban is None
    assert statement.balances == ()


# --- entries: amounts, signs, status, dates ------------------------------------------------------


def test_sign_comes_from_cdtdbtind() -> None:
    credit, debit = read(document(entry("5.00", "CRDT"), entry("7.25", "DBIT")))
    assert (credit.amount, debit.amount) == (Decimal("5.00"), Decimal("-7.25"))
    assert credit.is_credit
    assert not debit.is_credit


def test_only_booked_entries_by_default() -> None:
    data = document(
        entry("1.00", code="BOOK", version="08"),
        entry("2.00", code="PDNG", version="08"),
        entry("3.00", code="INFO", version="08"),
        kind="052",
        version="08",
    )
    assert [p.amount for p in read(data)] == [Decimal("1.00")]
    everything = read(data, statuses=None)
    assert [(p.amount, p.status) for p in everything] == [
        (Decimal("1.00"), "BOOK"),
        (Decimal("2.00"), "PDNG"),
        (Decimal("3.00"), "INFO"),
    ]
    assert [p.status for p in read(data, statuses={"book", "pdng"})] == ["BOOK", "PDNG"]


def test_entry_without_status_counts_as_booked() -> None:
    data = document(entry().replace("<Sts>BOOK</Sts>", ""))
    assert one(data).status is None


def test_reversal_keeps_the_booked_sign_and_flags_it() -> None:
    data = document(
        entry("9.99", "DBIT", extra="<RvslInd>true</RvslInd>", details=tx(inner=PARTIES))
    )
    posting = one(data)
    assert posting.amount == Decimal("-9.99")
    assert posting.reversal is True
    # a reversal carries the reversed transaction's parties: a reversed credit names its payer
    assert posting.counterparty_name == "Jana Müller"


def test_booking_date_as_date_time_and_time_zone() -> None:
    data = document(
        entry(
            booking="<BookgDt><DtTm>2014-01-04T23:00:00Z</DtTm></BookgDt>",
            value="<ValDt><DtTm>2014-01-05T10:00:00+01:00</DtTm></ValDt>",
        )
    )
    posting = one(data)
    assert (posting.booking_date, posting.value_date) == (date(2014, 1, 4), date(2014, 1, 5))
    local = one(data, timezone="Europe/Berlin")
    assert (local.booking_date, local.value_date) == (date(2014, 1, 5), date(2014, 1, 5))
    with pytest.raises(ConfigError, match="time zone"):
        camt.read(data, timezone="Mars/Olympus")


def test_missing_booking_date_falls_back_to_value_date_then_statement() -> None:
    no_booking = one(document(entry(booking="")))
    assert no_booking.booking_date == date(2024, 3, 2)
    neither = one(document(entry(booking="", value="")))
    assert neither.booking_date == date(2024, 3, 2)  # the record's CreDtTm


def test_a_repeated_element_is_read_at_its_first_occurrence_on_each_path() -> None:
    # Schema-invalid, but seen in the wild: an element that may occur once appears twice. The
    # reader takes the first element on each path, wherever its parent sits.
    repeated = (
        "<BkTxCd><Prtry><Issr>DK</Issr></Prtry></BkTxCd>"
        "<BkTxCd><Prtry><Cd>NTRF+166+9310+997</Cd></Prtry></BkTxCd>"
        "<AddtlNtryInf>first</AddtlNtryInf><AddtlNtryInf>second</AddtlNtryInf>"
    )
    posting = one(document(entry(after=repeated)))
    assert posting.bank_transaction_code == "NTRF+166+9310+997"
    assert posting.booking_text == "first"


def test_single_transaction_entry_books_the_entry_amount() -> None:
    # Bundesbank file 11: Ntry 20000.00 but its only TxDtls says 250000.00
    posting = one(document(entry("20000.00", "DBIT", details=tx(amount="250000.00"))))
    assert posting.amount == Decimal("-20000.00")


def test_batch_is_split_into_its_transactions() -> None:
    details = tx(amount="3.50", inner="<RmtInf><Ustrd>one</Ustrd></RmtInf>") + tx(
        amount="2.50", inner="<RmtInf><Ustrd>two</Ustrd></RmtInf>"
    )
    batch = "<Btch><PmtInfId>PMT-1</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>"
    first, second = read(document(entry("6.00", "DBIT", details=batch + details)))
    assert (first.amount, first.remittance) == (Decimal("-3.50"), "one")
    assert (second.amount, second.remittance) == (Decimal("-2.50"), "two")
    assert ("Btch/PmtInfId", "PMT-1") in first.references
    assert first.id != second.id


def test_batch_of_version_02_uses_the_transaction_amount() -> None:
    details = tx_v02("564.05") + tx_v02("100.00")
    amounts = [p.amount for p in read(document(entry("664.05", "DBIT", details=details)))]
    assert amounts == [Decimal("-564.05"), Decimal("-100.00")]


def test_netting_batch_uses_each_transactions_own_sign() -> None:
    details = tx(amount="10.00", indicator="CRDT") + tx(amount="3.00", indicator="DBIT")
    amounts = [p.amount for p in read(document(entry("7.00", "CRDT", details=details)))]
    assert amounts == [Decimal("10.00"), Decimal("-3.00")]


@pytest.mark.parametrize(
    "details",
    [
        tx(amount="3.00") + tx(amount="2.00"),  # does not add up to 6.00 (e.g. net of charges)
        tx(amount="3.00", currency="CHF") + tx(amount="3.00", currency="CHF"),  # other currency
        tx() + tx(amount="6.00"),  # an amount missing
    ],
)
def test_batch_that_cannot_be_split_stays_one_posting(details: str) -> None:
    references = "<Refs><EndToEndId>E-{n}</EndToEndId></Refs><RmtInf><Ustrd>text {n}</Ustrd>"
    details = details.replace("<TxDtls>", "<TxDtls>" + references + "</RmtInf>", 2)
    details = details.replace("{n}", "1", 2).replace("{n}", "2", 2)
    posting = one(document(entry("6.00", "CRDT", details=details)))
    assert posting.amount == Decimal("6.00")
    assert posting.remittance == "text 1 text 2"
    assert posting.end_to_end_id is None  # they differ: neither is "the" one
    assert ("EndToEndId", "E-1") in posting.references
    assert ("NbOfTxs", "2") in posting.references


def test_bad_amounts_are_errors_with_path_and_line() -> None:
    data = document(entry("1.00"), entry("12,50"))
    with pytest.raises(StatementError) as caught:
        camt.read(data, source_name="auszug.xml")
    error = caught.value
    assert error.where == "auszug.xml"
    assert error.field == "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"
    assert error.line == 2
    assert "12,50" in error.reason


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('<Amt Ccy="EUR">-5.00</Amt>', "negative"),
        ('<Amt Ccy="EUR">1.005</Amt>', "decimal places"),
        ('<Amt Ccy="XYZ">1.00</Amt>', "ISO 4217"),
        ("<Amt>1.00</Amt>", "Ccy"),
        ("<CdtDbtInd>CRDT</CdtDbtInd>", "CdtDbtInd"),
    ],
)
def test_bad_entry_values(bad: str, message: str) -> None:
    data = document(entry()).replace(b'<Amt Ccy="EUR">10.00</Amt>', bad.encode())
    if bad.startswith("<CdtDbtInd"):
        data = document(entry()).replace(
            b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>X</CdtDbtInd>"
        )
    with pytest.raises(StatementError, match=message):
        camt.read(data)


def test_bad_dates_are_errors() -> None:
    data = document(entry(booking="<BookgDt><Dt>2024-02-30</Dt></BookgDt>"))
    with pytest.raises(StatementError, match="2024-02-30") as caught:
        camt.read(data)
    assert caught.value.field == "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt/Dt"


def test_nothing_is_returned_from_a_file_that_fails() -> None:
    data = document(entry("1.00"), entry("2.00"), entry("x"))
    with pytest.raises(StatementError):
        camt.read(data)
    seen: list[object] = []
    with pytest.raises(StatementError):
        seen.extend(camt.iter_records(data))  # streaming: what came before is the caller's


# --- transaction details -------------------------------------------------------------------------


def test_credit_counterparty_is_the_debtor() -> None:
    refs = (
        "<Refs><EndToEndId>E2E-1</EndToEndId><MndtId>M-7</MndtId><TxId>T-1</TxId>"
        "<AcctSvcrRef>TX-REF</AcctSvcrRef></Refs>"
    )
    remittance = (
        "<RmtInf><Ustrd>Bestellung 10023 </Ustrd><Ustrd> Kunde 77</Ustrd><Strd><CdtrRefInf>"
        "<Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref></CdtrRefInf>"
        "<RfrdDocInf><Nb>RE-4711</Nb></RfrdDocInf></Strd></RmtInf>"
        "<AddtlTxInf>SEPA-Gutschrift</AddtlTxInf>"
    )
    bank_code = (
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
        "<Prtry><Cd>NTRF+166+9310+997</Cd><Issr>DK</Issr></Prtry></BkTxCd>"
    )
    posting = one(
        document(
            entry(
                "49.90",
                after="<AcctSvcrRef>BANK-1</AcctSvcrRef>" + bank_code,
                details=tx(inner=refs + PARTIES + "<Purp><Cd>GDDS</Cd></Purp>" + remittance),
            )
        )
    )
    assert posting.counterparty_name == "Jana Müller"
    assert posting.counterparty_iban == "DE02120300000000202051"
    assert posting.counterparty_bic == "BYLADEM1001"
    assert posting.ultimate_debtor == "Müller GmbH"
    assert posting.remittance == "Bestellung 10023 Kunde 77"
    assert posting.creditor_reference == "RF18539007547034"
    assert ("RfrdDocInf", "RE-4711") in posting.references
    assert posting.end_to_end_id == "E2E-1"
    assert posting.mandate_reference == "M-7"
    assert posting.bank_reference == "BANK-1"
    assert ("AcctSvcrRef", "TX-REF") in posting.references
    assert ("TxId", "T-1") in posting.references
    assert posting.bank_transaction_code == "NTRF+166+9310+997"
    assert ("BkTxCd/Domn", "PMNT/RCDT/ESCT") in posting.references
    assert posting.purpose_code == "GDDS"
    assert posting.additional_info == "SEPA-Gutschrift"


def test_debit_counterparty_is_the_creditor_but_never_the_own_account() -> None:
    outgoing = one(
        document(
            entry(
                "5.00",
                "DBIT",
                details=tx(
                    inner=PARTIES.replace("DE89370400440532013000", "DE75512108001245126199")
                ),
            )
        )
    )
    assert outgoing.counterparty_name == "Shop AG"
    # the creditor's account is this very account (own IBAN): the other party is meant
    own = one(document(entry("5.00", "DBIT", details=tx(inner=PARTIES))))
    assert own.counterparty_name == "Jana Müller"


def test_version_08_party_names_and_creditor_id() -> None:
    parties = (
        "<RltdPties><Cdtr><Pty><Nm>Stadtwerke</Nm><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id>"
        "<SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></Pty></Cdtr></RltdPties>"
    )
    posting = one(
        document(entry("30.00", "DBIT", version="08", details=tx(inner=parties)), version="08")
    )
    assert posting.counterparty_name == "Stadtwerke"
    assert posting.creditor_id == "DE98ZZZ09999999999"


def test_notprovided_is_no_reference() -> None:
    refs = "<Refs><EndToEndId>NOTPROVIDED</EndToEndId><InstrId>NOTPROVIDED</InstrId></Refs>"
    posting = one(document(entry(details=tx(inner=refs))))
    assert posting.end_to_end_id is None
    assert posting.references == ()


def test_instructed_amount_exchange_rate_and_charges() -> None:
    details = tx(
        amount="20.97",
        inner=(
            '<AmtDtls><InstdAmt><Amt Ccy="CHF">19.69</Amt><CcyXchg><SrcCcy>CHF</SrcCcy>'
            "<TrgtCcy>EUR</TrgtCcy><XchgRate>0.9433</XchgRate></CcyXchg></InstdAmt></AmtDtls>"
            '<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">1.50</TtlChrgsAndTaxAmt></Chrgs>'
        ),
    )
    posting = one(document(entry("20.97", details=details)))
    assert (posting.instructed_amount, posting.instructed_currency) == (Decimal("19.69"), "CHF")
    assert posting.exchange_rate == Decimal("0.9433")
    assert posting.charges == Decimal("1.50")


def test_return_reason_is_kept() -> None:
    returned = "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Konto erloschen</AddtlInf></RtrInf>"
    posting = one(document(entry("5.00", details=tx(inner=returned))))
    assert posting.return_reason == "AC04"
    assert ("RtrInf/AddtlInf", "Konto erloschen") in posting.references


def test_copy_duplicate_indicator_and_statement_id() -> None:
    posting = one(document(entry(), header="<CpyDplctInd>DUPL</CpyDplctInd>"))
    assert (posting.copy_duplicate, posting.statement_id) == ("DUPL", "S1")


def test_other_account_identification_and_version_01_layout() -> None:
    data = document(entry(), kind="052", version="01", iban="").replace(
        b"<Id>S1</Id>", b"<Id>S1</Id><Acct><Id><PrtryAcct><Id>4711</Id></PrtryAcct></Id></Acct>"
    )
    assert one(data).account_iban == "4711"


def test_posting_ids_are_stable_and_tell_identical_bookings_apart() -> None:
    data = document(entry("12.00"), entry("12.00"))
    first = read(data)
    assert len({p.id for p in first}) == 2
    assert [p.id for p in read(data)] == [p.id for p in first]


def test_postings_round_trip_through_the_interchange_model() -> None:
    for posting in read(document(entry(details=tx(inner=PARTIES)), entry("1.00", "DBIT"))):
        assert Posting.model_validate_json(posting.model_dump_json()) == posting


# --- balances and cross-checks --------------------------------------------------------------------


def test_balances() -> None:
    balances = (
        balance("PRCD", "100.00")
        + balance("CLBD", "5.00", "DBIT", "2024-03-01")
        + "<Bal><Tp><CdOrPrtry><Prtry>Verfuegbar</Prtry></CdOrPrtry></Tp>"
        '<Amt Ccy="EUR">80.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><DtTm>2024-03-01T18:00:00'
        "</DtTm></Dt></Bal>"
    )
    data = document(entry("105.00", "DBIT"), balances=balances)
    statement = camt.read(data)
    opening, closing, other = statement.balances
    assert (opening.kind, opening.code, opening.amount) == (BalanceKind.OPENING, "PRCD", 100)
    assert (closing.kind, closing.amount) == (BalanceKind.CLOSING, Decimal("-5.00"))
    assert (other.kind, other.code, other.date) == (
        BalanceKind.OTHER,
        "Verfuegbar",
        date(2024, 3, 1),
    )
    assert all(isinstance(b, Balance) and b.account_iban for b in statement.balances)


def test_balances_that_do_not_add_up_warn_or_fail_when_strict() -> None:
    data = document(entry("1.00"), balances=balance("OPBD", "10.00") + balance("CLBD", "12.00"))
    with pytest.warns(StatementWarning, match="closing balance is 12.00"):
        camt.read(data)
    with pytest.raises(StatementError, match="closing balance"):
        camt.read(data, strict=True)
    fine = document(entry("2.00"), balances=balance("OPBD", "10.00") + balance("CLBD", "12.00"))
    assert len(read(fine, strict=True)) == 1


def test_pending_entries_are_not_in_the_booked_balance() -> None:
    data = document(
        entry("2.00"),
        entry("50.00", code="PDNG"),
        kind="052",
        balances=balance("OPBD", "10.00") + balance("CLBD", "12.00"),
    )
    assert len(read(data, strict=True, statuses=None)) == 2


def test_transaction_summary_is_checked() -> None:
    summary = (
        "<TxsSummry><TtlNtries><NbOfNtries>3</NbOfNtries><Sum>3.00</Sum></TtlNtries>"
        "<TtlCdtNtries><NbOfNtries>2</NbOfNtries><Sum>2.00</Sum></TtlCdtNtries></TxsSummry>"
    )
    good = document(entry("1.00"), entry("1.00"), entry("1.00", "DBIT"), summary=summary)
    assert len(read(good, strict=True)) == 3
    bad = document(entry("1.00"), entry("1.00"), summary=summary)
    with pytest.raises(StatementError, match="counts 3 entries, the record has 2"):
        camt.read(bad, strict=True)


# --- encodings -----------------------------------------------------------------------------------


def latin9(text: str) -> bytes:
    return (
        document(entry(details=tx(inner=f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf>")))
        .decode()
        .encode("iso8859_15")
    )


def test_declared_utf8_but_latin9_falls_back_with_a_warning() -> None:
    data = latin9("Rückzahlung 5 €")  # ü = 0xFC, € = 0xA4 in ISO-8859-15
    with pytest.warns(StatementWarning, match="ISO-8859-15"):
        posting = camt.read(data).postings[0]
    assert posting.remittance == "Rückzahlung 5 €"


def test_windows_1252_bytes_are_not_turned_into_mojibake() -> None:
    data = document(entry(details=tx(inner="<RmtInf><Ustrd>5 €</Ustrd></RmtInf>"))).decode()
    cp1252 = data.encode("cp1252")  # € = 0x80
    with pytest.warns(StatementWarning), pytest.raises(StatementError, match="cp1252"):
        camt.read(cp1252)
    assert one(cp1252, encoding="cp1252").remittance == "5 €"


def test_declared_encodings_are_honoured() -> None:
    text = document(entry(details=tx(inner="<RmtInf><Ustrd>Grüße</Ustrd></RmtInf>"))).decode()
    declared = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert one(declared).remittance == "Grüße"
    assert one(text.encode("utf-16")).remittance == "Grüße"


def test_broken_utf8_after_real_utf8_is_an_error() -> None:
    data = document(entry(details=tx(inner="<RmtInf><Ustrd>Grüße \xff</Ustrd></RmtInf>")))
    broken = data.replace("\xff".encode(), b"\xff")
    with pytest.raises(StatementError, match="UTF-8") as caught:
        camt.read(broken)
    assert caught.value.line == 2


# --- bad input and security ----------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(StatementError, match="empty"):
        camt.read(data, source_name="leer.xml")


def test_truncated_xml_names_the_line() -> None:
    data = document(entry(), entry())
    with pytest.raises(StatementError, match="not well-formed XML") as caught:
        camt.read(data[: len(data) // 2], source_name="cut.xml")
    assert caught.value.where == "cut.xml"
    assert caught.value.line is not None


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-01</Dt></BookgDt><AddtlNtryInf>&lol9;</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>"""

XXE = b"""<?xml version="1.0"?>
<!-- a comment first -->
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-01</Dt></BookgDt><AddtlNtryInf>&xxe;</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, XXE, XXE.replace(b"file:///etc/passwd", b"http://127.0.0.1:9/x")]
)
def test_entity_attacks_are_refused_before_parsing(data: bytes) -> None:
    with pytest.raises(StatementError, match="DOCTYPE is not allowed"):
        camt.read(data)


def test_undeclared_entity_is_an_xml_error_not_an_expansion() -> None:
    data = document(entry(after="<AddtlNtryInf>&secret;</AddtlNtryInf>"))
    with pytest.raises(StatementError, match="not well-formed"):
        camt.read(data)


# --- sources: paths, streams, ZIP archives -------------------------------------------------------


def test_paths_streams_and_pipes(tmp_path: Path) -> None:
    data = document(entry())
    path = tmp_path / "auszug.xml"
    path.write_bytes(data)
    assert camt.read(path).source_name == str(path)
    assert camt.read(str(path)).postings == camt.read(data).postings

    class Pipe(io.RawIOBase):  # not seekable, like stdin
        def __init__(self, payload: bytes) -> None:
            self._payload = io.BytesIO(payload)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
            chunk = self._payload.read(min(len(buffer), 7))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    assert len(camt.read(io.BufferedReader(Pipe(data))).postings) == 1
    with pytest.raises(StatementError, match="cannot open"):
        camt.read(tmp_path / "missing.xml")


def test_zip_archive_of_statements(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.xml", document(entry("1.00")))
        zipped.writestr("readme.txt", "not a statement")
        zipped.writestr("b.xml", document(entry("2.00")))
    with pytest.warns(StatementWarning, match="readme.txt"):
        statement = camt.read(archive.getvalue(), source_name="c53.zip")
    assert [p.amount for p in statement.postings] == [Decimal("1.00"), Decimal("2.00")]
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as zipped:
        zipped.writestr("a.xml", document(entry("x")))
    with pytest.raises(StatementError, match=r"c53\.zip!a\.xml"):
        camt.read(broken.getvalue(), source_name="c53.zip")
    with pytest.raises(StatementError, match="ZIP"):
        camt.read(b"PK\x03\x04 broken")


# --- properties ----------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=10**9)


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(
        st.tuples(
            st.lists(st.tuples(cents, st.booleans()), min_size=0, max_size=4),
            st.booleans(),
            st.sampled_from(["BOOK", "PDNG"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_postings_add_up_to_the_booked_entries(
    entries: list[tuple[list[tuple[int, bool]], bool, str]],
) -> None:
    """Whatever the batches look like, the postings of booked entries sum to what was booked."""
    built, expected_total, expected_count = [], 0, 0
    for members, splittable, code in entries:
        split_ok = splittable
        signed = [units if credit else -units for units, credit in members]
        total = sum(signed) if members else 1234
        if total == 0:
            total = 1
            split_ok = False
        amounts = [f"{abs(value) / 100:.2f}" for value in signed]
        details = "".join(
            tx(amount=amount, indicator="CRDT" if value > 0 else "DBIT")
            for amount, value in zip(amounts, signed, strict=True)
        )
        if not split_ok and len(members) > 1:
            total += 1  # the details no longer add up: the entry stays whole
        indicator = "CRDT" if total > 0 else "DBIT"
        built.append(entry(f"{abs(total) / 100:.2f}", indicator, code=code, details=details))
        if code == "BOOK":
            expected_total += total
            split = split_ok and len(members) > 1
            expected_count += len(members) if split else 1
    postings = read(document(*built))
    assert sum(p.amount for p in postings) == Decimal(expected_total) / 100
    assert len(postings) == expected_count
    assert len({p.id for p in postings}) == len(postings)
