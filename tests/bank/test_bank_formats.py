"""Unit and property tests of the MT940 and CSV readers, detection and de-duplication."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paymatch.connectors.bank import bank_csv, detect_format, mt940, read_statement
from paymatch.core.errors import StatementError

HEAD = ":20:REF\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C251230EUR100,00\n"


def mt(lines: str, closing: str = ":62F:C260102EUR100,00\n-\n") -> bytes:
    return (HEAD + lines + closing).encode("utf-8")


def test_credit_debit_and_reversals() -> None:
    data = mt(
        ":61:2512301230C10,00NTRFNONREF\n:86:166?00GUTSCHRIFT?20SVWZ+Order 1\n"
        ":61:2512301230D2,5NMSCNONREF\n"
        ":61:2512301230RD3,NMSCNONREF\n"
        ":61:2512301230RCR4,00NMSCNONREF\n"
    )
    amounts = [p.amount for p in read_statement(data).postings]
    assert amounts == [Decimal("10.00"), Decimal("-2.50"), Decimal("3.00"), Decimal("-4.00")]


def test_entry_date_rolls_over_new_year_and_defaults_to_value_date() -> None:
    data = mt(":61:2512310101C1,00NTRFNONREF\n:61:260102C1,00NTRFNONREF\n")
    first, second = read_statement(data).postings
    assert (first.value_date, first.booking_date) == (date(2025, 12, 31), date(2026, 1, 1))
    assert second.booking_date == second.value_date == date(2026, 1, 2)


def test_german_86_subfields_and_sepa_tags_across_subfields() -> None:
    data = mt(
        ":61:2512301230C49,90NTRFNONREF//BANKREF1\n"
        ":86:166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E-1?21MREF+M1 CRED+DE98ZZ?22Z09999999999 S"
        "?23VWZ+Bestellung 10023 Mül\n?24ler?30COBADEFFXXX?31DE89370400440532013000?32Max ?33Müller"
        "?34997\n"
    )
    (posting,) = read_statement(data).postings
    assert posting.end_to_end_id == "E2E-1"
    assert posting.mandate_reference == "M1"
    assert posting.creditor_id == "DE98ZZZ09999999999"
    assert posting.remittance == "Bestellung 10023 Müller"
    assert posting.counterparty_name == "Max Müller"
    assert posting.counterparty_bic == "COBADEFFXXX"
    assert posting.counterparty_iban == "DE89370400440532013000"
    assert posting.bank_transaction_code == "NTRF+166+9310+997"
    assert posting.bank_reference == "BANKREF1"


def test_swift_envelope_and_several_statements() -> None:
    one = mt(":61:2512301230C1,00NTRFNONREF\n").decode()
    text = "{1:F01X}{2:O940X}{4:\n" + one.replace("\n-\n", "\n-}\n") + one
    assert len(read_statement(text.encode()).postings) == 2


@pytest.mark.parametrize("encoding", ["cp1252", "cp850", "utf-8"])
def test_encodings_are_detected(encoding: str) -> None:
    data = mt(":61:2512301230C1,00NTRFNONREF\n:86:166?20Müller Straße Grüße?32MÜLLER GMBH\n")
    (posting,) = read_statement(data.decode().encode(encoding)).postings
    assert posting.remittance == "Müller Straße Grüße"
    assert posting.counterparty_name == "MÜLLER GMBH"


def test_undecidable_encoding_names_the_option() -> None:
    data = mt(":61:2512301230C1,00NTRFNONREF\n:86:166?20Öl\n").decode().encode("cp1252")
    with pytest.raises(StatementError, match="encoding="):
        read_statement(data)
    assert read_statement(data, encoding="cp1252").postings[0].remittance == "Öl"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (mt(":61:2512301230C1,00NTRFNONREF\n", closing=""), "closing balance"),
        (mt(":61:25123X1230C1,00NTRFNONREF\n"), ":61:"),
        (mt(":61:2513301230C1,00NTRFNONREF\n"), "not a date"),
        (mt(":61:2512301230C1,001NTRFNONREF\n"), "decimal places"),
    ],
)
def test_bad_input_is_a_statement_error(data: bytes, reason: str) -> None:
    with pytest.raises(StatementError, match=reason):
        read_statement(data, format="mt940" if data else None, source_name="x.sta")


def test_detection_from_content() -> None:
    assert detect_format(mt("")) == "mt940"
    csv_head = (
        "Buchungstag;Valuta;Buchungstext;Auftraggeber / Empfänger;Verwendungszweck;Betrag in EUR;\n"
    )
    assert detect_format(csv_head.encode()) == "csv"
    with pytest.raises(StatementError, match="unknown file format"):
        detect_format(b"hello world")


def test_overlapping_statements_have_no_duplicate_ids_but_twins_stay_two() -> None:
    twin = ":61:2512301230C12,00NMSCNONREF\n:86:000?20Order 7?32Peter\n"
    day1 = mt(twin + twin)
    ids1 = [p.id for p in read_statement(day1).postings]
    ids2 = [p.id for p in read_statement(day1).postings]
    assert len(set(ids1)) == 2  # two identical real bookings stay two
    assert ids1 == ids2  # the same statement read twice gives the same ids


CSV_PROFILE = {
    "delimiter": ";",
    "decimal": ",",
    "thousands": ".",
    "date_format": "%d.%m.%Y",
    "currency": "EUR",
    "sign": "indicator",
    "columns": {
        "booking_date": "Datum",
        "amount": "Betrag",
        "indicator": "SH",
        "remittance": "Text",
    },
}


def test_user_csv_profile_with_sh_indicator() -> None:
    data = b"Datum;Text;Betrag;SH\n01.02.2026;Order 1;1.234,50;H\n02.02.2026;Fee;2,00;S\n"
    statement = read_statement(data, profile=bank_csv.load_profile(CSV_PROFILE))
    assert [p.amount for p in statement.postings] == [Decimal("1234.50"), Decimal("-2.00")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.56", "1234.56"),
        ("-1,234.56", "-1234.56"),
        ("$1,234.56", "1234.56"),
        ("1,234.56 USD", "1234.56"),
        ("   1,234.56   ", "1234.56"),
        ("", None),
        ("USD", None),
    ],
)
def test_number_parsing(text: str, value: str | None) -> None:
    result = bank_csv.parse_number(text, ".", ",")
    assert result == (Decimal(value) if value else None)


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=400)
    | st.text(alphabet=":0123456789CDRNTFS?,-/+ \nEURAB", max_size=400).map(str.encode)
)
def test_mt940_fuzz_gives_postings_or_statement_error(data: bytes) -> None:
    with contextlib.suppress(StatementError):
        mt940.read(HEAD.encode() + data)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet='Datum;TextBetragSH\n0123456789.,-"', max_size=300))
def test_csv_fuzz_gives_postings_or_statement_error(text: str) -> None:
    with contextlib.suppress(StatementError):
        read_statement(
            ("Datum;Text;Betrag;SH\n" + text).encode(), profile=bank_csv.load_profile(CSV_PROFILE)
        )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (":61:2512301230C1" + "0" * 30 + ",00NTRFNONREF\n", "too large"),
        (":61:2512301230C1,00NTRFNONREF\n/OCMT/USD1,2,3/\n", "supplementary details"),
        (":61:2512301230C1,00NTRFNONREF\n/OCMT/XYZ1,00/\n", "ISO 4217"),
    ],
)
def test_bad_amounts_in_statement_lines_name_the_line(line: str, reason: str) -> None:
    with pytest.raises(StatementError, match=reason) as info:
        read_statement(mt(line), source_name="x.sta")
    assert (info.value.where, info.value.line) == ("x.sta", 5)


@given(
    st.dates(min_value=date(1980, 1, 2), max_value=date(2079, 12, 30)),
    st.integers(0, 13),
    st.integers(0, 32),
)
def test_entry_date_is_the_valid_date_nearest_the_value_date(
    value: date, month: int, day: int
) -> None:
    found = mt940._entry_date(f"{month:02d}{day:02d}", value)
    nearby = [mt940._make_date(value.year + shift, month, day) for shift in (0, -1, 1)]
    valid = [d for d in nearby if d is not None]
    if not valid:
        assert found is None
        return
    assert found in valid
    assert abs((found - value).days) == min(abs((d - value).days) for d in valid)
