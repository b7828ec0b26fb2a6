from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from paymatch.rules import creditor_reference, payment_reference


def test_valid_and_invalid() -> None:
    assert creditor_reference.is_valid("RF18 5390 0754 7034")
    assert not creditor_reference.is_valid("RF17 5390 0754 7034")


def test_find_grouped_reference_before_other_words() -> None:
    text = "Zahlung RF18 5390 0754 7034 Danke und rf18539007547034"
    assert creditor_reference.find_in_text(text) == ["RF18539007547034"]


def test_wrong_check_digits_are_not_found() -> None:
    assert creditor_reference.find_in_text("RF17 5390 0754 7034") == []


# The fast paths in creditor_reference must agree with python-stdnum, which stays the authority.
_ANY_TEXT = st.text(
    alphabet=st.sampled_from("RFrf0123456789AZaz -./:,\u2013\u00adÄß\ufb00\u0131 ")
    | st.characters(),
    max_size=30,
)


@given(_ANY_TEXT)
def test_is_valid_agrees_with_stdnum(reference: str) -> None:
    assert creditor_reference.is_valid(reference) == iso11649.is_valid(reference)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=21))
def test_rf_check_digits_agree_with_stdnum(body: str) -> None:
    rf = creditor_reference.from_payment_reference(body)
    assert rf == f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"
    assert iso11649.is_valid(rf)


def test_rf_form_of_paymatch_reference() -> None:
    reference = payment_reference.generate(12345)
    rf = creditor_reference.from_payment_reference(reference.lower())
    assert rf.endswith(reference)
    assert creditor_reference.inner(rf) == reference
    assert creditor_reference.is_valid(rf)
