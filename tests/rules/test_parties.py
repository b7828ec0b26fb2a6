import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.rules.parties import (
    PartyRules,
    iban_weight,
    name_similarity,
    name_weight,
    normalize_name,
    quick_words,
)


@pytest.mark.parametrize(
    ("payer", "customer", "at_least"),
    [
        ("MUELLER, JANA", "Jana Müller", 1.0),
        ("Jana Muller", "Jana Müller", 1.0),
        ("J. Mueller", "Jana Müller", 0.9),
        ("Hans u. Maria Schmidt", "Maria Schmidt", 1.0),
        ("Hans und Maria Schmidt", "Maria Schmidt", 1.0),
        ("MUELLER HAUSTECHNIK", "Müller Haustechnik GmbH", 1.0),
        ("Schulze e.K.", "Schulze", 1.0),
        ("Jana Mueler", "Jana Müller", 0.9),
        ("Dr. Peter Groß", "Peter Gross", 1.0),
        ("Frau Renée Lefèvre", "Renee Lefevre", 1.0),
    ],
)
def test_same_party(payer: str, customer: str, at_least: float) -> None:
    assert name_similarity(normalize_name(payer), normalize_name(customer)) >= at_least


@pytest.mark.parametrize(
    ("payer", "customer"),
    [("Peter Pan", "Jana Müller"), ("Hans Schmidt", "Maria Schmidt"), ("J. Meier", "Jana Müller")],
)
def test_other_party(payer: str, customer: str) -> None:
    assert name_similarity(normalize_name(payer), normalize_name(customer)) < 0.75


def test_initials_alone_do_not_match() -> None:
    assert name_similarity(normalize_name("J. M."), normalize_name("Jana Müller")) == 0.0


names = st.text(alphabet=st.characters(codec="latin-1", categories=["L", "Zs", "Pd", "Po"]))


@given(names)
def test_normalisation_is_idempotent(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(" ".join(once)) == once


@given(names)
def test_quick_words_contain_the_long_normalised_words(name: str) -> None:
    long_words = {word for word in normalize_name(name) if len(word) > 2}
    assert long_words <= set(quick_words(name))


def test_weights() -> None:
    rules = PartyRules()
    strong = name_weight(1.0, rules)
    weak = name_weight(0.8, rules)
    assert strong is not None
    assert weak is not None
    assert strong > weak > 0
    assert name_weight(0.5, rules) is None
    mismatch = name_weight(0.0, rules)
    assert mismatch is not None
    assert mismatch < 0
    assert iban_weight(1, rules) > iban_weight(3, rules) > strong
