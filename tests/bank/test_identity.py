from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from paymatch.connectors.bank.identity import PostingIdentities, identity_key, real_reference

BASE = {
    "account": "DE89370400440532013000",
    "booking_date": date(2026, 11, 2),
    "value_date": date(2026, 11, 2),
    "amount": Decimal("49.90"),
    "currency": "EUR",
}


def test_bank_reference_decides_when_present() -> None:
    one = identity_key(**BASE, bank_reference="ABC123", remittance="Bestellung 1")
    two = identity_key(**BASE, bank_reference="ABC123", remittance="Bestellung  1 (gekürzt)")
    assert one == two
    assert one != identity_key(**BASE, bank_reference="ABC124", remittance="Bestellung 1")


def test_nonref_falls_back_to_content() -> None:
    one = identity_key(**BASE, bank_reference="NONREF", remittance="Bestellung 1")
    two = identity_key(**BASE, bank_reference=None, remittance="bestellung   1")
    assert one == two
    assert one != identity_key(**BASE, remittance="Bestellung 2")


def test_exact_repeats_get_distinct_but_stable_ids() -> None:
    key = identity_key(**BASE, remittance="Bestellung 1")
    first, second = PostingIdentities(), PostingIdentities()
    ids_a = [first.next_id(key), first.next_id(key)]
    ids_b = [second.next_id(key), second.next_id(key)]
    assert ids_a == ids_b
    assert ids_a[0] != ids_a[1]


@given(st.lists(st.text(min_size=1).filter(lambda s: not s.isspace()), max_size=5))
def test_identity_ignores_spacing_of_text(words: list[str]) -> None:
    text = " ".join(word.strip() for word in words)
    one = identity_key(**BASE, remittance=text)
    two = identity_key(**BASE, remittance="  " + text.replace(" ", " \n  ") + "\t")
    assert one == two


@given(st.from_regex(r"[a-z0-9 ]{0,30}", fullmatch=True))
def test_identity_ignores_case_of_ascii_text(text: str) -> None:
    assert identity_key(**BASE, remittance=text) == identity_key(**BASE, remittance=text.upper())


@given(
    st.one_of(
        st.sampled_from(["NOTPROVIDED", "notprovided", " NONREF ", "NONE", "N/A", "", "E2E-1"]),
        st.text(max_size=12),
    ),
    st.sampled_from([None, "ABC123", "NONREF"]),
)
def test_dropping_a_placeholder_reference_keeps_the_id(
    text: str, bank_reference: str | None
) -> None:
    # readers drop "no reference" placeholders from the posting; ids of postings already
    # stored must not change because of it
    kept = real_reference(text)
    assert kept in (None, text)
    assert identity_key(**BASE, bank_reference=bank_reference, end_to_end_id=text) == identity_key(
        **BASE, bank_reference=bank_reference, end_to_end_id=kept
    )


def test_placeholders_are_dropped_and_references_kept() -> None:
    assert [real_reference(v) for v in ("NOTPROVIDED", "nonref", "", None)] == [None] * 4
    assert real_reference("E2E-1") == "E2E-1"
