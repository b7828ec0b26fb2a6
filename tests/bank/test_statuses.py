"""One rule for posting statuses in every bank format: booked only by default.

``statuses`` (default ``{"BOOK"}``, ``None`` for all) is accepted by each format's
``iter_records``/``read`` and by ``read_statement``/``iter_statement``; a posting without a
status counts as booked. Pending postings (CAMT ``PDNG`` entries, MT942 items, CSV rows such as
DKB "Vorgemerkt") are left out unless asked for, and the ids of the postings returned do not
depend on the option.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import corpus_checks  # tests/bank/corpus_checks.py, on sys.path by tests/bank/conftest.py
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_camt import document, entry

from paymatch.cli import main
from paymatch.connectors.bank import bank_csv, camt, iter_statement, mt940, read_statement
from paymatch.connectors.bank._records import status_set
from paymatch.connectors.interfaces import BankFormat, BankSource
from paymatch.connectors.plugins import PaymatchPluginManager
from paymatch.core.errors import ConfigError, StatementError, StatementWarning
from paymatch.core.models import Balance, Posting, Statement
from paymatch.core.reconciler import _read_statement

IBAN = "DE89370400440532013000"
_MT_LINE = ":61:2512301230{mark}{amount}NTRFNONREF//B{ref}\n:86:166?20Order {ref}?32Kunde\n"


def mt940_message(lines: list[tuple[str, str]], *, interim: bool, ref: str = "S1") -> str:
    """An MT940 statement, or an MT942 interim report, of ``(amount, reference)`` credits."""
    body = "".join(_MT_LINE.format(mark="C", amount=a, ref=r) for a, r in lines)
    if interim:
        total = sum(Decimal(a.replace(",", ".")) for a, _ in lines)  # the :90C: sum
        sums = f":90C:{len(lines)}EUR{total:.2f}".replace(".", ",")
        return (
            f":20:{ref}\n:25:{IBAN}\n:28C:1/1\n:34F:EUR0,00\n:13D:2512301200+0100\n"
            f"{body}{sums}\n:64:C251230EUR105,00\n-\n"
        )
    return (
        f":20:{ref}\n:25:{IBAN}\n:28C:1/1\n:60F:C251229EUR100,00\n{body}:62F:C251230EUR100,00\n-\n"
    )


# A user profile with a status column (as DKB's and Sparkasse's): "Gebucht" is booked,
# "Vorgemerkt" pending; other words are kept as written.
CSV_PROFILE: dict[str, Any] = {
    "name": "statusbank",
    "delimiter": ";",
    "decimal": ",",
    "date_format": "%d.%m.%Y",
    "currency": "EUR",
    "columns": {
        "booking_date": "Datum",
        "amount": "Betrag",
        "remittance": "Zweck",
        "status": "Status",
    },
    "status_values": {"Gebucht": "BOOK", "Vorgemerkt": "PDNG"},
}


def csv_file(rows: list[tuple[str, str, str]]) -> bytes:
    """A CSV export of ``(status cell, amount, remittance)`` rows."""
    lines = ["Datum;Betrag;Zweck;Status", *(f"01.03.2026;{a};{r};{s}" for s, a, r in rows)]
    return ("\n".join(lines) + "\n").encode()


def csv_read(data: bytes, **options: Any) -> Statement:
    return read_statement(data, profile=bank_csv.load_profile(CSV_PROFILE), **options)


def camt_file(codes: list[str], kind: str = "052") -> bytes:
    return document(*(entry(f"{i + 1}.00", code=code) for i, code in enumerate(codes)), kind=kind)


# --- the option ----------------------------------------------------------------------------------


def test_the_option_takes_names_one_name_or_none() -> None:
    assert status_set(None) is None
    assert status_set("pdng") == {"PDNG"}
    assert status_set(["book", " Pdng "]) == {"BOOK", "PDNG"}
    with pytest.raises(ConfigError, match="no status given"):
        status_set(set())
    with pytest.raises(ConfigError, match="non-empty strings"):
        status_set(["BOOK", ""])
    with pytest.raises(ConfigError, match="non-empty strings"):
        status_set([1])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="non-empty strings"):
        status_set(1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "read",
    [
        lambda: mt940.read(mt940_message([("1,00", "1")], interim=False), statuses=set()),
        lambda: camt.read(camt_file(["BOOK"]), statuses=[]),
        lambda: csv_read(csv_file([("Gebucht", "1,00", "a")]), statuses=()),
        lambda: list(iter_statement(camt_file(["BOOK"]), statuses=set())),
    ],
)
def test_an_empty_status_filter_is_refused_by_every_format(read: Callable[[], object]) -> None:
    with pytest.raises(ConfigError, match="None for every posting"):
        read()


# --- per format: pending left out by default, returned with the option ---------------------------


def test_mt942_items_are_left_out_by_default_and_the_report_stays_a_statement() -> None:
    data = mt940_message([("2,00", "1"), ("3,00", "2")], interim=True).encode()
    statement = read_statement(data)
    assert statement.postings == ()
    assert (statement.account_iban, statement.currency) == (IBAN, "EUR")
    assert [b.amount for b in statement.balances] == [105]  # the :64: balance is kept
    assert [r for r in iter_statement(data) if isinstance(r, Posting)] == []
    pending = read_statement(data, statuses={"BOOK", "PDNG"}).postings
    assert [(p.amount, p.status) for p in pending] == [(2, "PDNG"), (3, "PDNG")]
    assert read_statement(data, statuses=None).postings == pending
    assert mt940.read(data, statuses="pdng").postings == pending


def test_an_mt942_without_balances_and_only_pending_items_is_no_error() -> None:
    data = mt940_message([("2,00", "1")], interim=True).replace(":64:C251230EUR105,00\n", "")
    statement = read_statement(data.encode())
    assert (statement.postings, statement.balances, statement.currency) == ((), (), "EUR")
    assert list(iter_statement(data.encode())) == []
    assert len(read_statement(data.encode(), statuses=None).postings) == 1


def test_mt940_and_mt942_in_one_file() -> None:
    data = (
        mt940_message([("1,00", "1")], interim=False, ref="DAY")
        + mt940_message([("2,00", "2")], interim=True, ref="NOW")
    ).encode()
    assert [p.amount for p in read_statement(data).postings] == [1]
    assert [p.status for p in read_statement(data, statuses=None).postings] == ["BOOK", "PDNG"]
    assert [p.status for p in read_statement(data, statuses={"PDNG"}).postings] == ["PDNG"]


def test_camt_pending_entries_through_the_entry_points() -> None:
    data = camt_file(["BOOK", "PDNG", "INFO"])
    assert [p.status for p in read_statement(data).postings] == ["BOOK"]
    assert [p.status for p in iter_statement(data) if isinstance(p, Posting)] == ["BOOK"]
    both = read_statement(data, statuses=["BOOK", "PDNG"]).postings
    assert [p.status for p in both] == ["BOOK", "PDNG"]
    assert [p.status for p in read_statement(data, statuses=None).postings] == [
        "BOOK",
        "PDNG",
        "INFO",
    ]


def test_a_camt_report_of_pending_entries_only_is_a_statement_without_postings() -> None:
    data = camt_file(["PDNG", "PDNG"])
    statement = read_statement(data)
    assert (statement.postings, statement.account_iban) == ((), IBAN)
    assert [r for r in iter_statement(data) if isinstance(r, Posting)] == []


def test_csv_pending_rows_are_left_out_by_default() -> None:
    data = csv_file([("Gebucht", "1,00", "a"), ("Vorgemerkt", "2,00", "b"), ("", "3,00", "c")])
    # An empty status cell counts as booked.
    assert [(p.amount, p.status) for p in csv_read(data).postings] == [(1, "BOOK"), (3, None)]
    assert [p.status for p in csv_read(data, statuses={"BOOK", "PDNG"}).postings] == [
        "BOOK",
        "PDNG",
        None,
    ]
    assert [p.status for p in csv_read(data, statuses={"PDNG"}).postings] == ["PDNG"]
    profile = bank_csv.load_profile(CSV_PROFILE)
    streamed = [r.remittance for r in bank_csv.iter_records(data, profile=profile)]
    assert streamed == ["a", "c"]


def test_a_csv_of_pending_rows_only_is_a_statement_without_postings() -> None:
    data = csv_file([("Vorgemerkt", "2,00", "b")])
    statement = csv_read(data)
    assert (statement.postings, statement.format) == ((), "csv:statusbank")
    profile = bank_csv.load_profile(CSV_PROFILE)
    assert list(iter_statement(data, profile=profile)) == []


def test_a_csv_status_the_profile_does_not_map_is_left_out_with_a_warning() -> None:
    data = csv_file([("Gebucht", "1,00", "a"), ("Storniert", "2,00", "b"), ("Storniert", "3", "c")])
    with pytest.warns(StatementWarning, match=r"'Storniert' \(2\).*status_values"):
        assert [p.amount for p in csv_read(data).postings] == [1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatementWarning)
        assert [p.status for p in csv_read(data, statuses=None).postings] == [
            "BOOK",
            "Storniert",
            "Storniert",
        ]
        assert len(csv_read(data, statuses={"book", "storniert"}).postings) == 3


def test_keep_statuses_decides_what_is_a_posting_and_statuses_chooses_among_them() -> None:
    profile = {**CSV_PROFILE, "keep_statuses": ["BOOK", "PDNG"]}
    profile["status_values"] = {**CSV_PROFILE["status_values"], "Abgelehnt": "declined"}
    data = csv_file(
        [("Gebucht", "1,00", "a"), ("Vorgemerkt", "2,00", "b"), ("Abgelehnt", "3", "c")]
    )

    def read(**options: Any) -> list[str | None]:
        statement = read_statement(data, profile=bank_csv.load_profile(profile), **options)
        return [p.status for p in statement.postings]

    assert read() == ["BOOK"]
    assert read(statuses={"BOOK", "PDNG"}) == ["BOOK", "PDNG"]
    # A declined row is never a posting, whatever statuses asks for.
    assert read(statuses=None) == ["BOOK", "PDNG"]
    assert read(statuses={"DECLINED"}) == []
    # An unknown word is still an error under keep_statuses, with any statuses.
    unknown = data + b"01.03.2026;4,00;d;Neu\n"
    for statuses in ({"BOOK"}, None):
        with pytest.raises(StatementError, match="status 'Neu' is none the profile"):
            read_statement(unknown, profile=bank_csv.load_profile(profile), statuses=statuses)


def test_a_plugin_format_that_ignores_the_option_is_filtered_all_the_same(
    paymatch_plugin_manager: PaymatchPluginManager,
    register_connector: Callable[..., str],
    tmp_path: Path,
) -> None:
    class Careless(BankFormat):
        PLUGIN_NAME = "careless"

        def sniff(self, head: bytes) -> bool:
            return head.startswith(b"CARELESS")

        def iter_records(
            self, source: BankSource, *, source_name: str | None = None, **options: Any
        ) -> Iterator[Posting | Balance]:
            for number, status in enumerate(["BOOK", "PDNG", None]):
                yield Posting(
                    id=str(number),
                    booking_date="2026-03-01",
                    amount="1",
                    currency="EUR",
                    status=status,
                )

    register_connector(Careless(), name="careless")
    assert [p.id for p in read_statement(b"CARELESS").postings] == ["0", "2"]
    assert [r.id for r in iter_statement(b"CARELESS") if isinstance(r, Posting)] == ["0", "2"]
    assert len(read_statement(b"CARELESS", statuses=None).postings) == 3
    # The reconciler's import_statement(path) reads through the format directly: booked only.
    path = tmp_path / "careless.txt"
    path.write_bytes(b"CARELESS")
    assert [p.id for p in _read_statement(path).postings] == ["0", "2"]


def test_import_statement_reads_booked_postings_only(tmp_path: Path) -> None:
    path = tmp_path / "day.sta"
    path.write_text(
        mt940_message([("1,00", "1")], interim=False, ref="DAY")
        + mt940_message([("2,00", "2")], interim=True, ref="NOW")
    )
    statement = _read_statement(path)
    assert [(p.amount, p.status) for p in statement.postings] == [(1, "BOOK")]
    assert len(statement.balances) == len(read_statement(path, statuses=None).balances)


# --- the invariant: filtering is selection, ids never change -------------------------------------

STATUS_FILTERS = st.none() | st.sets(
    st.sampled_from(["BOOK", "pdng", "INFO", "Storniert"]), min_size=1
)


def _same_selection(every: tuple[Posting, ...], chosen: tuple[Posting, ...], wanted: Any) -> None:
    names = status_set(wanted)
    expected = tuple(p for p in every if names is None or (p.status or "BOOK").upper() in names)
    assert chosen == expected  # the same postings, in the same order, with the same ids


# Few distinct rows, so that repeats (numbered ids) between statuses are common.
ROWS = st.lists(
    st.tuples(
        st.sampled_from(["Gebucht", "Vorgemerkt", "", "Storniert"]),
        st.sampled_from(["1,00", "2,00"]),
        st.sampled_from(["a", "b"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, wanted=STATUS_FILTERS)
def test_csv_filtering_selects_from_the_unfiltered_postings(
    rows: list[tuple[str, str, str]], wanted: Any
) -> None:
    data = csv_file(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatementWarning)
        every = csv_read(data, statuses=None).postings
        _same_selection(every, csv_read(data, statuses=wanted).postings, wanted)
        profile = bank_csv.load_profile(CSV_PROFILE)
        streamed = tuple(bank_csv.iter_records(data, profile=profile, statuses=wanted))
    _same_selection(every, streamed, wanted)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    messages=st.lists(
        st.tuples(st.booleans(), st.lists(st.sampled_from(["1,00", "2,00"]), max_size=4)),
        min_size=1,
        max_size=4,
    ),
    wanted=STATUS_FILTERS,
)
def test_mt940_filtering_selects_from_the_unfiltered_postings(
    messages: list[tuple[bool, list[str]]], wanted: Any
) -> None:
    data = "".join(
        mt940_message([(a, "1") for a in amounts], interim=interim, ref=f"S{i}")
        for i, (interim, amounts) in enumerate(messages)
    ).encode()
    every = mt940.read(data, statuses=None)
    chosen = read_statement(data, statuses=wanted)
    _same_selection(every.postings, chosen.postings, wanted)
    assert chosen.balances == every.balances
    streamed = tuple(r for r in mt940.iter_records(data, statuses=wanted) if type(r) is Posting)
    _same_selection(every.postings, streamed, wanted)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    codes=st.lists(st.sampled_from(["BOOK", "PDNG", "INFO"]), min_size=1, max_size=8),
    amounts=st.lists(st.sampled_from(["1.00", "2.00"]), min_size=8, max_size=8),
    wanted=STATUS_FILTERS,
)
def test_camt_filtering_selects_from_the_unfiltered_postings(
    codes: list[str], amounts: list[str], wanted: Any
) -> None:
    # Entries of the same amount and dates are twins: their ids are numbered in file order,
    # whichever are left out.
    data = document(*(entry(amounts[i], code=code) for i, code in enumerate(codes)), kind="052")
    every = camt.read(data, statuses=None).postings
    _same_selection(every, camt.read(data, statuses=wanted).postings, wanted)
    streamed = tuple(r for r in iter_statement(data, statuses=wanted) if type(r) is Posting)
    _same_selection(every, streamed, wanted)  # type: ignore[arg-type]


# --- the bank-sample corpus ----------------------------------------------------------------------

_ROOT = corpus_checks.samples_root()
_CASES = corpus_checks.mt940_cases(_ROOT) if _ROOT.is_dir() else []


def _readable(path: Path) -> dict[str, object] | None:
    """The options that read ``path`` (strict first), or None for a file meant to fail."""
    for options in ({}, {"strict": False}):
        try:
            mt940.read(path, statuses=None, **options)
        except StatementError:
            continue
        return options
    return None


@pytest.mark.parametrize("case", _CASES, ids=[c.id for c in _CASES])
def test_sample_statuses(case: corpus_checks.Case, bank_samples: Path) -> None:
    """MT940 postings are booked, MT942 items pending: by default only the booked ones are
    returned (the balances always), with the option all of them, same ids, same order."""
    path = bank_samples / case.path
    options = _readable(path)
    if options is None:
        return
    everything = mt940.read(path, statuses=None, **options)
    default = mt940.read(path, **options)
    both = read_statement(path, format="mt940", statuses={"BOOK", "PDNG"}, **options)
    assert {p.status for p in everything.postings} <= {"BOOK", "PDNG"}
    assert default.postings == tuple(p for p in everything.postings if p.status == "BOOK")
    assert both.postings == everything.postings
    assert default.balances == everything.balances == both.balances
    statements = mt940.parse(path, **options)
    pending = sum(len(s.transactions) for s in statements if s.kind == "mt942")
    assert len(everything.postings) - len(default.postings) == pending


def test_the_samples_hold_interim_reports_with_items(bank_samples: Path) -> None:
    # The status test above is not vacuous: some samples hold MT942 items left out by default.
    left_out = 0
    for case in corpus_checks.mt940_cases(bank_samples):
        path = bank_samples / case.path
        options = _readable(path)
        if options is not None:
            everything = mt940.read(path, statuses=None, **options).postings
            left_out += len(everything) - len(mt940.read(path, **options).postings)
    assert left_out >= 10


# --- paymatch postings ---------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    day = tmp_path / "day.sta"
    day.write_text(
        mt940_message([("1,00", "1")], interim=False, ref="DAY")
        + mt940_message([("2,00", "2")], interim=True, ref="NOW")
    )
    out = tmp_path / "postings.jsonl"
    result = CliRunner().invoke(main, ["postings", str(day), "--out", str(out), *args])
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return result.exit_code, rows, result.output


def test_the_postings_command_writes_booked_postings_by_default(tmp_path: Path) -> None:
    code, rows, output = _cli(tmp_path)
    assert code == 0, output
    assert [row["status"] for row in rows] == ["BOOK"]


@pytest.mark.parametrize(
    ("args", "statuses"),
    [
        (["--status", "BOOK", "--status", "pdng"], ["BOOK", "PDNG"]),
        (["--status", "PDNG"], ["PDNG"]),
        (["--all-statuses"], ["BOOK", "PDNG"]),
    ],
)
def test_the_postings_command_writes_the_statuses_asked_for(
    tmp_path: Path, args: list[str], statuses: list[str]
) -> None:
    code, rows, output = _cli(tmp_path, *args)
    assert code == 0, output
    assert [row["status"] for row in rows] == statuses


def test_status_and_all_statuses_exclude_each_other(tmp_path: Path) -> None:
    code, rows, output = _cli(tmp_path, "--status", "PDNG", "--all-statuses")
    assert code == 2
    assert "exclude each other" in output
    assert rows == []


def test_the_help_says_the_default() -> None:
    result = CliRunner().invoke(main, ["postings", "--help"])
    assert "booked (BOOK) only" in " ".join(result.output.split())
