import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.rules import creditor_reference, payment_reference
from paymatch.rules.payment_reference import ALPHABET, InvalidPaymentReference

numbers = st.integers(min_value=0, max_value=10**8)


@given(numbers)
def test_generated_references_are_valid_and_unambiguous(number: int) -> None:
    reference = payment_reference.generate(number)
    assert payment_reference.validate(reference) == reference
    assert len(reference) == 9
    assert not set(reference[2:]) & set("0O1IL2Z5S8BQU")


@given(numbers)
def test_generated_references_follow_the_definition(number: int) -> None:
    # base-23 digits of the spread number, least significant first, then the check character
    value = ((number + 1_000_003) * 40_507_447) % 23**6
    payload = ""
    for _ in range(6):
        value, digit = divmod(value, 23)
        payload += ALPHABET[digit]
    expected = "PM" + payload + payment_reference.calc_check_character(payload)
    assert payment_reference.generate(number) == expected


def test_issued_references_never_change() -> None:
    # printed in payment information already sent: a store must issue the same ones forever
    issued = {0: "PM7FY4YFX", 1: "PMH3CVAP9", 42: "PMRK4NCXM", 999_999: "PMWCT7RRM"}
    assert {n: payment_reference.generate(n) for n in issued} == issued


def test_generated_references_are_unique() -> None:
    issued = {payment_reference.generate(number) for number in range(20_000)}
    assert len(issued) == 20_000


@given(numbers, st.integers(min_value=2, max_value=8), st.sampled_from(ALPHABET))
def test_every_single_wrong_character_is_detected(number: int, at: int, other: str) -> None:
    reference = payment_reference.generate(number)
    if reference[at] == other:
        return
    wrong = reference[:at] + other + reference[at + 1 :]
    assert not payment_reference.is_valid(wrong)


@given(numbers, st.integers(min_value=2, max_value=7))
def test_every_swap_of_neighbours_is_detected(number: int, at: int) -> None:
    reference = payment_reference.generate(number)
    swapped = reference[:at] + reference[at + 1] + reference[at] + reference[at + 2 :]
    if swapped != reference:
        assert not payment_reference.is_valid(swapped)


def test_written_forms() -> None:
    reference = payment_reference.generate(42)
    grouped = payment_reference.format(reference)
    assert payment_reference.validate(grouped.lower()) == reference
    assert payment_reference.validate(reference[2:]) == reference  # without the prefix
    text = f"Bestellung 10023 Ref {grouped.lower()} danke"
    assert payment_reference.find_in_text(text) == [reference]


def test_wrong_check_character_is_refused_with_reason() -> None:
    reference = payment_reference.generate(7)
    wrong = reference[:-1] + next(c for c in ALPHABET if c != reference[-1])
    with pytest.raises(InvalidPaymentReference, match="check character"):
        payment_reference.validate(wrong)
    assert payment_reference.find_in_text(f"Ref {wrong}") == []


@given(numbers)
def test_rf_form_round_trip(number: int) -> None:
    reference = payment_reference.generate(number)
    rf = creditor_reference.from_payment_reference(reference)
    assert creditor_reference.is_valid(rf)
    assert creditor_reference.inner(rf) == reference
