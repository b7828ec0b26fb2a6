"""Which account payment information names: the most specific one that serves the order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paymatch.core.errors import ConfigError
from paymatch.notify.accounts import (
    NoAccountError,
    PayeeAccount,
    accounts_from_config,
    choose_account,
)

IBANS = [
    "DE89370400440532013000",
    "DE02120300000000202051",
    "AT611904300234573201",
    "DE02500105170137075030",
    "NL91ABNA0417164300",
    "FR1420041010050500013M02606",
]


def test_country_account_beats_catch_all_whatever_the_order() -> None:
    catch_all = PayeeAccount(iban=IBANS[0])
    austria = PayeeAccount(iban=IBANS[2], countries=["at"])
    for accounts in ([catch_all, austria], [austria, catch_all]):
        assert choose_account(accounts, currency="EUR", source="s", country="AT") == austria
        assert choose_account(accounts, currency="EUR", source="s", country="DE") == catch_all
        assert choose_account(accounts, currency="EUR", source="s", country=None) == catch_all


def test_source_account_beats_one_for_every_source_and_currency_must_fit() -> None:
    general = PayeeAccount(iban=IBANS[0])
    shop_b = PayeeAccount(iban=IBANS[1], sources=["b"])
    francs = PayeeAccount(iban="CH9300762011623852957", currency="chf")
    accounts = [general, shop_b, francs]
    assert choose_account(accounts, currency="EUR", source="b", country="DE") == shop_b
    assert choose_account(accounts, currency="EUR", source="a", country="DE") == general
    assert choose_account(accounts, currency="CHF", source="a", country="CH") == francs
    with pytest.raises(NoAccountError, match="USD"):
        choose_account(accounts, currency="USD", source="a", country="US")


def test_account_for_other_countries_only_never_serves_unknown_country() -> None:
    with pytest.raises(NoAccountError, match="billing country unknown"):
        choose_account(
            [PayeeAccount(iban=IBANS[2], countries=["AT"])],
            currency="EUR",
            source="s",
            country=None,
        )


def test_config_entries_are_validated_with_their_position() -> None:
    accounts = accounts_from_config(
        [{"iban": "de89 3704 0044 0532 0130 00", "bic": "cobadeffxxx", "first_import": "match"}]
    )
    assert accounts[0].iban == IBANS[0]
    assert accounts[0].bic == "COBADEFFXXX"
    assert accounts[0].iban_formatted == "DE89 3704 0044 0532 0130 00"
    with pytest.raises(ConfigError) as raised:
        accounts_from_config([{"iban": IBANS[0]}, {"iban": "DE00370400440532013000"}])
    assert raised.value.field == "accounts[2].iban"
    with pytest.raises(ConfigError, match="BIC"):
        accounts_from_config([{"iban": IBANS[0], "bic": "XX"}])


account_specs = st.lists(
    st.tuples(
        st.sampled_from(IBANS),
        st.sampled_from(["EUR", "CHF"]),
        st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True),
        st.lists(st.sampled_from(["DE", "AT", "NL"]), max_size=2, unique=True),
    ),
    max_size=6,
)


@given(
    specs=account_specs,
    currency=st.sampled_from(["EUR", "CHF"]),
    source=st.sampled_from(["a", "b", "c"]),
    country=st.sampled_from(["DE", "AT", "NL", None]),
)
def test_choice_serves_the_order_and_is_most_specific(
    specs: list[tuple[str, str, list[str], list[str]]],
    currency: str,
    source: str,
    country: str | None,
) -> None:
    accounts = [
        PayeeAccount(iban=iban, currency=cur, sources=sources, countries=countries)
        for iban, cur, sources, countries in specs
    ]
    serving = [a for a in accounts if a.serves(currency=currency, source=source, country=country)]
    if not serving:
        with pytest.raises(NoAccountError):
            choose_account(accounts, currency=currency, source=source, country=country)
        return
    chosen = choose_account(accounts, currency=currency, source=source, country=country)
    assert chosen in serving
    assert chosen.currency == currency
    assert not chosen.sources or source in chosen.sources
    assert not chosen.countries or country in chosen.countries

    # nothing serving is more specific, and of equally specific ones the first listed wins
    def rank(a: PayeeAccount) -> tuple[int, int]:
        return (bool(a.countries), bool(a.sources))

    assert all(rank(a) <= rank(chosen) for a in serving)
    assert chosen is next(a for a in serving if rank(a) == rank(chosen))
