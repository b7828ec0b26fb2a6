"""The shop-data generator: deterministic, valid interchange files, a truth that adds up."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN

from paymatch.interchange import read_orders, read_postings
from shopdata import GeneratorConfig, generate, write
from shopdata import numbers as nr
from shopdata.oracle import _count_subsets
from shopdata.remittance import SEPA_LIMIT, Mention, compose
from shopdata.text import transliterate

SMALL = GeneratorConfig(seed=5, orders=3_000, postings=800)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shopdata")
    write(generate(SMALL), folder)
    return folder


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_seed_same_bytes_other_seed_other_data(files: Path, tmp_path: Path) -> None:
    write(generate(SMALL), tmp_path)
    for name in ("orders.jsonl", "postings.jsonl", "truth.jsonl", "history.json"):
        assert (tmp_path / name).read_bytes() == (files / name).read_bytes(), name
    other = generate(GeneratorConfig(seed=6, orders=3_000, postings=800))
    assert [p.remittance.text for p in other.postings] != [
        json.loads(line)["remittance"]
        for line in (files / "postings.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def test_files_are_valid_interchange_input(files: Path) -> None:
    orders = read_orders(files / "orders.jsonl")
    postings = read_postings(files / "postings.jsonl")
    assert len(orders) == SMALL.orders
    assert len(postings) == SMALL.postings
    assert len({o.id for o in orders}) == len(orders)
    assert len({p.id for p in postings}) == len(postings)
    assert all(len(p.remittance) <= SEPA_LIMIT for p in postings)
    for posting in postings:
        if posting.counterparty_iban and posting.counterparty_iban[:2].isalpha():
            IBAN(posting.counterparty_iban)  # raises on a wrong check digit
    for iban in json.loads((files / "history.json").read_text(encoding="utf-8")):
        IBAN(iban)


def test_truth_adds_up(files: Path) -> None:
    orders = {o.id: o for o in read_orders(files / "orders.jsonl")}
    postings = {p.id: p for p in read_postings(files / "postings.jsonl")}
    truths = _lines(files / "truth.jsonl")
    assert {t["posting_id"] for t in truths} == set(postings)
    paid: Counter[str] = Counter()
    for truth in truths:
        posting = postings[str(truth["posting_id"])]
        assignments = truth["assignments"]
        assert isinstance(assignments, list)
        total = Decimal(0)
        for item in assignments:
            order = orders[item["order_id"]]
            amount = Decimal(item["amount"])
            assert order.currency == posting.currency
            assert order.created_at is not None
            assert order.created_at.date() <= posting.booking_date
            assert amount > 0
            paid[order.id] += amount
            total += amount
        if assignments:
            assert posting.amount > 0
            assert total <= posting.amount  # never more than the money that came in
        if truth["case"] in {"debit", "unrelated_credit", "other_currency"}:
            assert not assignments
        if truth["case"] == "twins":
            assert truth["determinable"] is False
    for order_id, amount in paid.items():
        assert amount <= orders[order_id].due_amount  # an order is never paid beyond what is open


def test_case_mix_follows_the_config(files: Path) -> None:
    counts = Counter(str(t["case"]) for t in _lines(files / "truth.jsonl"))
    targets = SMALL.posting_targets()
    assert sum(counts.values()) == SMALL.postings
    for case, target in targets.items():
        if case != "exact":  # exact fills what multi-posting cases leave over
            assert abs(counts[case] - target) <= 2, case


def test_duplicates_point_at_each_other(files: Path) -> None:
    truths = {t["posting_id"]: t for t in _lines(files / "truth.jsonl")}
    duplicates = [t for t in truths.values() if t["case"] == "duplicate"]
    assert duplicates
    for truth in duplicates:
        (other,) = truth["interchangeable_with"]  # type: ignore[misc]
        assert truths[other]["interchangeable_with"] == [truth["posting_id"]]


def test_mix_overrides_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown case"):
        SMALL.with_cases({"lottery": 1.0})
    only_debits = GeneratorConfig(seed=1, orders=200, postings=50).with_cases(
        dict.fromkeys(SMALL.cases, 0.0) | {"debit": 1.0}
    )
    dataset = generate(only_debits)
    assert {p.case for p in dataset.postings} == {"debit"}
    assert all(p.amount < 0 and not p.truth for p in dataset.postings)


# --- the pieces ----------------------------------------------------------------------------


def _one_edit_apart(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance 1: one swap of neighbours, one deletion or one insertion."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
    short, long_ = sorted((a, b), key=len)
    return len(long_) - len(short) == 1 and any(
        long_[:i] + long_[i + 1 :] == short for i in range(len(long_))
    )


@given(st.text("0123456789", min_size=3, max_size=9), st.integers(0, 2**32))
def test_a_digit_error_is_exactly_one_real_typo(digits: str, seed: int) -> None:
    wrong = nr.digit_error(digits, random.Random(seed))
    assert wrong != digits
    assert _one_edit_apart(digits, wrong)


@given(st.integers(10_000, 999_999), st.integers(0, 2**32))
def test_spellings_keep_the_number_and_errors_change_it(number: int, seed: int) -> None:
    rng = random.Random(seed)
    for kind_rates in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 0.0)):
        written = nr.write_plain_number(str(number), "SW", rng, kind_rates)
        assert written.key == nr.number_key(str(number))
        assert written.kind in {nr.EXACT, nr.FORMAT, nr.SLIP}
    near = nr.write_plain_number(str(number), "SW", rng, (0.0, 0.0, 1.0))
    assert near.kind == nr.NEAR
    assert near.key != nr.number_key(str(number))
    invoice = nr.write_invoice_number(2026, number % 100_000 or 1, rng, (1.0, 0.0, 0.0))
    assert invoice.key == nr.invoice_key(2026, number % 100_000 or 1)


@given(st.text("0123456789", min_size=18, max_size=18))
def test_generated_ibans_have_valid_check_digits(bban: str) -> None:
    IBAN(nr.iban("DE", bban))


@given(
    st.lists(st.text("abcXYZ äöüß.-", min_size=1, max_size=40), min_size=1, max_size=8),
    st.integers(0, 2**32),
)
def test_mentions_keep_their_place_through_the_bank(words: list[str], seed: int) -> None:
    pieces: list[str | tuple[str, Mention]] = []
    for i, word in enumerate(words):
        pieces.append((word, Mention(f"K:{i}", "exact", f"o{i}")) if i % 2 else word)
    result = compose(pieces, random.Random(seed), upper=0.5, wrapper=0.5)
    assert len(result.text) <= SEPA_LIMIT
    for mention in result.mentions:
        index = int(mention.key[2:])
        shown = result.text[mention.start : mention.end]
        assert shown.lower() in (words[index].lower(), _bank_upper(words[index]).lower())
    survived = {m.key for m in result.mentions}
    for i in range(1, len(words), 2):
        if f"K:{i}" not in survived:
            assert result.truncated


def _bank_upper(word: str) -> str:
    return transliterate(word).upper()


@given(st.lists(st.integers(1, 500), max_size=12), st.integers(1, 1500))
def test_subset_count_agrees_with_brute_force(values: list[int], target: int) -> None:
    brute = sum(
        1
        for size in range(2, len(values) + 1)
        for combo in itertools.combinations(range(len(values)), size)
        if sum(values[i] for i in combo) == target
    )
    assert _count_subsets(values, target, cap=3, min_size=2) == min(brute, 3)
