"""Postings built without a second validation keep every guarantee of the Posting model.

``PostingBuilder`` builds each Posting once (docs/bank-statements.md, "Speed"). These tests hold
it to the model: for arbitrary field values it gives what ``Posting.model_validate`` gives and
refuses what the model refuses; every posting the MT940 parser builds from its own validated
values is unchanged by validating it again.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from paymatch.connectors.bank import _records, mt940
from paymatch.connectors.bank._records import PostingBuilder
from paymatch.connectors.bank.identity import PostingIdentities, identity_key
from paymatch.core.errors import StatementError
from paymatch.core.models import Posting

texts = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(["", "  ", " a  b ", "de89 3704\t0044", "ÄÖü ", "NONREF"]),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
)
dates = st.one_of(
    st.dates(),
    st.none(),
    st.datetimes(),
    st.dates().map(date.isoformat),
    st.just(datetime(2026, 1, 2)),
)
amounts = st.one_of(
    *(st.decimals(allow_nan=False, allow_infinity=False, places=places) for places in range(5)),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["12.50", "1,5", "x", True, None]),
)
currencies = st.sampled_from(["EUR", "eur ", " JPY", "KWD", "DEM", "XXX", "ABC", "", 7, None])
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "account_iban": texts,
    "value_date": dates,
    "counterparty_name": texts,
    "counterparty_iban": texts,
    "counterparty_bic": texts,
    "remittance": texts,
    "end_to_end_id": texts,
    "creditor_reference": texts,
    "bank_reference": texts,
    "bank_transaction_code": texts,
    "reversal": st.one_of(st.booleans(), st.sampled_from([0, 1, "true", None])),
    "instructed_amount": amounts,
    "instructed_currency": st.one_of(currencies, texts),
    "exchange_rate": st.one_of(
        st.none(), st.decimals(allow_nan=False), st.floats(), st.just("1.1")
    ),
    "charges": amounts,
    "ultimate_debtor": texts,
    "ultimate_creditor": texts,
    "mandate_reference": texts,
    "creditor_id": texts,
    "purpose_code": texts,
    "status": texts,
    "a_field_the_rules_do_not_know": texts,
}
postings_data = st.fixed_dictionaries(
    {"booking_date": dates, "currency": currencies, "amount": amounts},
    optional=FIELDS,
).map(lambda data: {k: v for k, v in data.items() if not (k == "booking_date" and v is None)})


def _same(ours: Posting, reference: Posting) -> None:
    """Equal in every value, its type and its number of decimal places."""
    assert ours.model_dump_json(exclude={"id"}) == reference.model_dump_json(exclude={"id"})
    assert ours.model_copy(update={"id": "-"}) == reference.model_copy(update={"id": "-"})
    assert [type(v) for v in ours.__dict__.values()] == [
        type(v) for v in reference.__dict__.values()
    ]


@settings(max_examples=400, deadline=None)
@given(postings_data)
def test_builder_agrees_with_model_validation(data: dict[str, Any]) -> None:
    try:
        reference = Posting.model_validate({"id": "-", **data})
    except (ValidationError, ValueError):
        reference = None
    if reference is None:
        with pytest.raises(StatementError) as info:
            PostingBuilder("x.sta").posting(data, line=3, field=":61:")
        assert (info.value.where, info.value.line) == ("x.sta", 3)
        return
    ours = PostingBuilder("x.sta").posting(data, line=3, field=":61:")
    _same(ours, reference)
    assert ours.model_fields_set == reference.model_fields_set
    values = reference.__dict__
    expected_key = identity_key(
        account=values["account_iban"],
        booking_date=values["booking_date"],
        value_date=values["value_date"],
        amount=values["amount"],
        currency=values["currency"],
        bank_reference=values["bank_reference"],
        counterparty_account=values["counterparty_iban"],
        counterparty_name=values["counterparty_name"],
        end_to_end_id=values["end_to_end_id"],
        remittance=values["remittance"],
    )
    assert ours.id == PostingIdentities().next_id(expected_key)


def test_the_model_allows_building_from_clean_values() -> None:
    # If this fails, Posting gained something (an alias, a mutable default, ...) that makes
    # every bank posting go through full validation: correct, but several times slower.
    assert _records._CONSTRUCTIBLE


def test_a_bad_amount_names_line_and_field() -> None:
    data = {"booking_date": date(2026, 1, 2), "currency": "EUR", "amount": Decimal("1.005")}
    with pytest.raises(StatementError, match="more decimal places than EUR") as info:
        PostingBuilder("x.sta").posting(data, line=7, field=":61:")
    assert (info.value.line, info.value.field) == (7, ":61: (amount)")


def test_ids_follow_the_documented_formula() -> None:
    identities = PostingIdentities()
    key = "ref\x1fDE89370400440532013000\x1fB1"
    first, second = identities.next_id(key), identities.next_id(key)
    assert first == "pm-" + hashlib.sha256(key.encode()).hexdigest()[:32]
    assert second == "pm-" + hashlib.sha256(f"{key}\x1f#2".encode()).hexdigest()[:32]


# ----------------------------------------------------------------------------------------------
# MT940: the parser validates its values itself; validating its postings again changes nothing

subfield_text = st.lists(
    st.sampled_from([*"abcXYZ019 +/-.,:?äöüÄÖÜß", "EREF+", "SVWZ+", "KREF+", "IBAN+"]),
    max_size=30,
).map("".join)


@st.composite
def mt940_transaction(draw: st.DrawFn) -> str:
    day = draw(st.integers(1, 28))
    mark = draw(st.sampled_from(["C", "D", "RC", "RD", "CR", "DR"]))
    amount = f"{draw(st.integers(0, 99999))},{draw(st.sampled_from(['', '5', '05']))}"
    reference = draw(st.sampled_from(["NONREF", "KREF+1", "ABC 123", ""]))
    bank = draw(st.sampled_from(["", "//B1", "// b 2 "]))
    extra = draw(
        st.sampled_from(["", "\n/OCMT/USD12,5//CHGS/EUR0,50/", "\nNL91 ABNA 0417 1643 00"])
    )
    line = f":61:2601{day:02d}01{day:02d}{mark}{amount}NTRF{reference}{bank}{extra}\n"
    keys = draw(
        st.lists(st.sampled_from(["00", "10", "20", "21", "22", "30", "31", "32", "33", "34"]))
    )
    body = "".join(f"?{key}{draw(subfield_text)}" for key in keys)
    details = draw(st.sampled_from([f"166{body}", body, "/EREF/x/CNTP/NL91ABNA0417164300/y/Z /"]))
    wrapped = "\n".join(details[i : i + 65] for i in range(0, len(details), 65))
    return line + (f":86:{wrapped}\n" if wrapped.strip() else "")


@settings(max_examples=200, deadline=None)
@given(st.lists(mt940_transaction(), min_size=1, max_size=4))
def test_mt940_postings_are_fixed_points_of_validation(transactions: list[str]) -> None:
    text = (
        ":20:REF\n:25:DE89 3704 0044 0532 0130 00\n:28C:1/1\n:60F:C251230EUR100,00\n"
        + "".join(transactions)
        + ":62F:C260102EUR100,00\n-\n"
    )
    try:
        statement = mt940.read(text.encode("utf-8"))
    except StatementError:
        return
    for posting in statement.postings:
        _same(posting, Posting.model_validate(posting.model_dump()))


def test_corpus_mt940_postings_are_fixed_points_of_validation(bank_samples: Path) -> None:
    checked = 0
    for path in sorted(bank_samples.glob("*mt940*/**/*")):
        if not path.is_file() or path.suffix in {".json", ".md", ".py", ".php", ".rs"}:
            continue
        try:
            statement = mt940.read(path, strict=False)
        except StatementError:
            continue
        for posting in statement.postings:
            _same(posting, Posting.model_validate(posting.model_dump()))
            checked += 1
    assert checked > 500
