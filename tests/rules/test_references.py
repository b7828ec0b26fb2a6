from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.rules.references import (
    ReferenceKind,
    ReferenceRules,
    code_key,
    exact_weight,
    near_miss,
    near_miss_variants,
    near_miss_weight,
    printed_key,
    reference_key,
    scan,
    scan_codes,
    serial_groups,
)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("10023", "10023"),
        ("SW10023", "10023"),
        ("sw-10023", "10023"),
        ("#10023", "10023"),
        ("010023", "10023"),
        ("1OO23", "10023"),
        ("1OO2l", "10021"),
        ("RE-2026-00123", "202600123"),
        ("re 2026 00123", "202600123"),
        ("K-004711", "4711"),
        ("A-1234-B", "1234B"),
        ("Rechnung", None),
        ("000", None),
        ("0E", None),
    ],
)
def test_reference_keys(written: str, key: str | None) -> None:
    assert reference_key(written) == key


@given(st.from_regex(r"[A-Za-z]{0,3}[ \-]?[0-9]{3,9}", fullmatch=True))
def test_reference_key_is_idempotent(written: str) -> None:
    key = reference_key(written)
    if key is not None:
        assert reference_key(key) == key


def _keys(text: str) -> dict[str, bool]:
    return {reference.key: reference.anchored for reference in scan(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Bestellung 10023",
        "Bestellung Nr. 10 023 vom 12.11.2026",
        "Best.Nr.:10023",
        "#10023",
        "Bestellung10023",
        "auftrag 010023",
        "ORDER 1OO23",
    ],
)
def test_scan_finds_the_order_number_anchored(text: str) -> None:
    assert _keys(text).get("10023") is True


def test_scan_splits_runs_and_skips_dates() -> None:
    keys = _keys("RE-2026-00123 Kd-Nr 4711 vom 12.11.2026")
    assert "202600123" in keys
    assert "4711" in keys
    assert "12112026" not in keys


def test_letter_prefix_is_kept_for_comparison_with_the_order() -> None:
    (reference,) = scan("SW-10023 danke")
    assert (reference.key, reference.prefix, reference.anchored) == ("10023", "SW", False)
    (separate,) = scan("SW 10023")
    assert separate.prefix == "SW"


def test_bare_number_is_not_anchored() -> None:
    assert _keys("Miete Wohnung 10115 Berlin") == {"10115": False}


def test_several_references_in_one_text() -> None:
    keys = _keys("Bestellungen 10023 und 10024, Kd 77")
    assert {"10023", "10024"} <= set(keys)


@pytest.mark.parametrize(
    ("written", "order", "how"),
    [
        ("10032", "10023", "two digits swapped"),
        ("100223", "10023", "a digit doubled"),
        ("100273", "10023", "an extra digit"),
        ("1023", "10023", "a digit dropped"),
        ("10024", "10023", None),  # a different digit is a different number
        ("10023", "10023", None),
        ("32001", "10023", None),
    ],
)
def test_near_miss(written: str, order: str, how: str | None) -> None:
    assert near_miss(written, order) == how


typo = st.sampled_from(["swap", "drop", "double"])


@given(st.from_regex(r"[1-9][0-9]{3,8}", fullmatch=True), typo, st.data())
def test_every_typo_is_found_both_ways(key: str, kind: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=1, max_value=len(key) - 2))
    if kind == "swap":
        written = key[:position] + key[position + 1] + key[position] + key[position + 2 :]
    elif kind == "drop":
        written = key[:position] + key[position + 1 :]
    else:
        written = key[:position] + key[position] + key[position:]
    if written == key:
        return
    assert near_miss(written, key) is not None
    assert key in {variant for variant, _ in near_miss_variants(written)}


def test_weights_order_exact_over_near_miss() -> None:
    rules = ReferenceRules()
    exact = exact_weight("10023", ReferenceKind.ORDER_NUMBER, tries=1, anchored=False, rules=rules)
    near = near_miss_weight("10023", tries=1, anchored=False, rules=rules)
    anchored = exact_weight(
        "10023", ReferenceKind.ORDER_NUMBER, tries=1, anchored=True, rules=rules
    )
    longer = exact_weight(
        "1002345", ReferenceKind.ORDER_NUMBER, tries=1, anchored=False, rules=rules
    )
    customer = exact_weight(
        "10023", ReferenceKind.CUSTOMER_NUMBER, tries=1, anchored=False, rules=rules
    )
    assert near < exact - 2  # clearly less: more than a hundred times weaker
    assert anchored > exact
    assert longer > exact
    assert customer < exact


# -- letter codes -------------------------------------------------------------------------------

# Pretix-like codes: letters without vowels, so that no code is a word of the filler texts.
CODE = st.text(alphabet="BCDFGHJKMNPQRSTVWXZ", min_size=5, max_size=7)
FILLER = ["Bestellung", "vielen Dank", "Gruss", "Zahlung", "MfG", "Hallo Team,", "für"]


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("XKPRT", "XKPRT"),
        ("dummy-xkprt", "DUMMYXKPRT"),
        (" AB CD.EF ", "ABCDEF"),
        ("Müller", None),  # not ASCII: a name, not a code
        ("SW10023", None),  # a number: reference_key's
        ("A--B", None),
        ("", None),
    ],
)
def test_code_keys(written: str, key: str | None) -> None:
    assert code_key(written) == key


def _codes(text: str, codes: set[str], min_length: int = 5) -> dict[str, tuple[str, bool]]:
    found = scan_codes(text, codes, min_length=min_length)
    return {reference.key: (reference.written, reference.anchored) for reference in found}


def test_scan_codes_finds_codes_written_every_way() -> None:
    codes = {"XKPRT", "DUMMYHNWQZ"}
    assert _codes("Bestellung DUMMY-XKPRT", codes) == {"XKPRT": ("XKPRT", False)}
    assert _codes("Bestellung XKPRT", codes) == {"XKPRT": ("XKPRT", True)}
    assert _codes("dummyxkprt danke", codes) == {"XKPRT": ("xkprt", False)}  # glued prefix
    assert _codes("Dummy hnwqz", codes) == {"DUMMYHNWQZ": ("Dummy hnwqz", False)}
    assert _codes("DUMMY1XKPRT XKPRT2 XKPR", codes) == {}  # beside digits: a number's
    assert _codes("XKPRTS", codes) == {}  # an ending is tried, a beginning is not


@given(
    CODE,
    st.lists(st.sampled_from(FILLER), max_size=3),
    st.lists(st.sampled_from(FILLER), max_size=3),
    st.sampled_from([str.upper, str.lower, str.title]),
)
def test_scan_codes_finds_a_code_among_any_words(
    code: str, before: list[str], after: list[str], case: Any
) -> None:
    text = case(" ".join([*before, code, *after]))
    assert set(_codes(text, {code})) == {code}
    assert _codes(text, set()) == {}


# -- year and serial, zero padding ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        ("RE-2026-00123", ("2026", "123")),
        ("2026/00123", ("2026", "123")),
        ("AU2026-0001", ("2026", "1")),
        ("R2026.11.0042", ("2026", "11", "42")),
        ("202600123", None),  # one group: its serial cannot be told from its year
        ("SW10023", None),
        ("RE26-00123", ("26", "123")),
        ("123-45678-9", None),  # no year first
    ],
)
def test_serial_groups(value: str, groups: tuple[str, ...] | None) -> None:
    assert serial_groups(value) == groups


@given(
    year=st.integers(min_value=1990, max_value=2099),
    serial=st.integers(min_value=1, max_value=99999),
    shop_zeros=st.integers(min_value=0, max_value=3),
    payer_zeros=st.integers(min_value=0, max_value=3),
    prefix=st.sampled_from(["RE-", "RE ", "", "Rg.", "re"]),
    separator=st.sampled_from(["-", "/", " ", "."]),
)
def test_a_serial_written_with_other_padding_is_found_with_its_groups(
    *, year: int, serial: int, shop_zeros: int, payer_zeros: int, prefix: str, separator: str
) -> None:
    shop = f"RE-{year}-{'0' * shop_zeros}{serial}"
    text = f"Rechnung {prefix}{year}{separator}{'0' * payer_zeros}{serial} danke"
    keys = {reference.key: reference.groups for reference in scan(text)}
    shop_key = reference_key(shop)
    assert shop_key in keys
    # found as written (no groups to check) or read with other padding (then only for a
    # number with the same year and serial)
    assert keys[shop_key] in (None, serial_groups(shop))


def test_printed_key_counts_leading_zeros_only_as_the_shop_prints_them() -> None:
    assert printed_key("000000123", "000000123", "123") == "000000123"
    assert printed_key("INV-000123", "INV-000123", "123") == "000123"
    assert printed_key("0123", "000000123", "123") == "123"  # other zeros: the key
    assert printed_key("123", "000000123", "123") == "123"
    assert printed_key("SW10023", "SW10023", "10023") == "10023"
