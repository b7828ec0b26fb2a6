"""The fake's search follows Shopware's criteria rules (so tests against it mean something)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from paymatch_shopware.fake import FakeShopware
from paymatch_shopware.fake.search import (
    Criteria,
    SearchError,
    apply_includes,
    matches,
    parse_criteria,
    select,
    shape,
)


def _rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{i:032x}",
            "n": i,
            "createdAt": f"2024-01-01T00:00:{i:02d}.000+00:00",
            "tags": [{"name": f"t{i % 3}"}],
            "apiAlias": "thing",
        }
        for i in range(count)
    ]


@given(count=st.integers(0, 40), limit=st.integers(1, 10), page=st.integers(1, 6))
def test_total_count_modes(count: int, limit: int, page: int) -> None:
    rows = _rows(count)
    offset = limit * (page - 1)
    for mode, expected in [
        (0, min(limit, max(0, count - offset))),
        (1, count),
        (2, max(0, min(count - offset, limit * 6 + 1))),
    ]:
        criteria = parse_criteria({"limit": limit, "page": page, "total-count-mode": mode}, "x")
        found, total = select(rows, criteria, "x")
        assert found == rows[offset : offset + limit]
        assert total == expected
    named = parse_criteria({"limit": limit, "total-count-mode": "exact"}, "x")
    assert named.total_count_mode == 1
    assert parse_criteria({"total-count-mode": "whatever"}, "x").total_count_mode == 0


@pytest.mark.parametrize(
    ("payload", "code", "pointer"),
    [
        ({"limit": 501}, "FRAMEWORK__QUERY_LIMIT_EXCEEDED", "/limit"),
        ({"limit": 0}, "FRAMEWORK__INVALID_LIMIT_QUERY", "/limit"),
        ({"limit": "many"}, "FRAMEWORK__INVALID_LIMIT_QUERY", "/limit"),
        ({"limit": 5, "page": 0}, "FRAMEWORK__INVALID_PAGE_QUERY", "/page"),
        ({"filter": {"a": 1}}, "FRAMEWORK__INVALID_FILTER_QUERY", "/filter"),
        (
            {"filter": [{"type": "fuzzy", "field": "n"}]},
            "FRAMEWORK__INVALID_FILTER_QUERY",
            "/filter/0",
        ),
        ({"filter": [{"type": "equals"}]}, "FRAMEWORK__INVALID_FILTER_QUERY", "/filter/0/field"),
        (
            {"filter": [{"type": "range", "field": "n"}]},
            "FRAMEWORK__INVALID_FILTER_QUERY",
            "/filter/0/parameters",
        ),
    ],
)
def test_invalid_criteria_are_400_with_pointers(
    payload: dict[str, Any], code: str, pointer: str
) -> None:
    with pytest.raises(SearchError) as raised:
        parse_criteria(payload, "order")
    (error,) = raised.value.errors
    assert error["code"] == code
    assert error["source"]["pointer"] == pointer
    assert error["status"] == "400"


def test_every_criteria_error_is_reported_at_once() -> None:
    with pytest.raises(SearchError) as raised:
        parse_criteria({"limit": 900, "page": -1}, "order")
    assert [e["source"]["pointer"] for e in raised.value.errors] == ["/limit", "/page"]


def test_an_unknown_association_is_refused() -> None:
    with pytest.raises(SearchError) as raised:
        parse_criteria({"associations": {"wishes": {}}}, "order")
    assert raised.value.errors[0]["code"] == "FRAMEWORK__ASSOCIATION_NOT_FOUND"


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ({"type": "equals", "field": "n", "value": 3}, [3]),
        ({"type": "equals", "field": "thing.n", "value": "3"}, [3]),
        ({"type": "equalsAny", "field": "n", "value": [1, 4]}, [1, 4]),
        ({"type": "equalsAny", "field": "n", "value": "1|4"}, [1, 4]),
        ({"type": "range", "field": "n", "parameters": {"gte": 2, "lt": 4}}, [2, 3]),
        (
            {
                "type": "range",
                "field": "createdAt",
                "parameters": {"gt": "2024-01-01 00:00:03.000"},
            },
            [4, 5],
        ),
        ({"type": "equals", "field": "createdAt", "value": "2024-01-01 00:00:02.000"}, [2]),
        ({"type": "equals", "field": "tags.name", "value": "t1"}, [1, 4]),
        ({"type": "contains", "field": "tags.name", "value": "T2"}, [2, 5]),
        ({"type": "prefix", "field": "id", "value": "0" * 31}, list(range(6))),
        ({"type": "suffix", "field": "id", "value": "5"}, [5]),
        (
            {
                "type": "not",
                "operator": "or",
                "queries": [
                    {"type": "equals", "field": "n", "value": 1},
                    {"type": "equals", "field": "n", "value": 2},
                ],
            },
            [0, 3, 4, 5],
        ),
        (
            {
                "type": "multi",
                "operator": "or",
                "queries": [
                    {"type": "equals", "field": "n", "value": 1},
                    {"type": "equals", "field": "n", "value": 2},
                ],
            },
            [1, 2],
        ),
        (
            {
                "type": "multi",
                "operator": "and",
                "queries": [
                    {"type": "range", "field": "n", "parameters": {"gt": 1}},
                    {"type": "equals", "field": "tags.name", "value": "t0"},
                ],
            },
            [3],
        ),
    ],
)
def test_filters(query: dict[str, Any], ids: list[int]) -> None:
    rows = _rows(6)
    assert [row["n"] for row in rows if matches(query, row, "thing")] == ids


def test_sorting_by_several_fields_and_directions() -> None:
    rows = _rows(9)
    criteria = parse_criteria(
        {"sort": [{"field": "tags.name", "order": "DESC"}, {"field": "n", "order": "ASC"}]}, "x"
    )
    found, _ = select(rows, criteria, "x")
    assert [row["n"] for row in found] == [2, 5, 8, 1, 4, 7, 0, 3, 6]


def test_unrequested_associations_are_null_and_nested_criteria_apply(
    fixture_order: dict[str, Any],
) -> None:
    plain = shape(fixture_order, Criteria(), "order")
    assert plain["transactions"] is None
    assert plain["orderCustomer"] is None
    assert plain["stateMachineState"] is not None  # loads by itself
    assert plain["amountTotal"] == fixture_order["amountTotal"]
    criteria = parse_criteria(
        {
            "associations": {
                "transactions": {
                    "filter": [
                        {
                            "type": "equals",
                            "field": "stateMachineState.technicalName",
                            "value": "paid",
                        }
                    ]
                },
                "billingAddress": {"associations": {"country": {}}},
            }
        },
        "order",
    )
    loaded = shape(fixture_order, criteria, "order")
    assert loaded["transactions"] == []  # the fixture's only transaction is open
    assert (
        loaded["billingAddress"]["country"]["iso"]
        == fixture_order["billingAddress"]["country"]["iso"]
    )
    assert loaded["billingAddress"]["salutation"] is None


def test_includes_keep_the_listed_fields_and_the_alias(fixture_order: dict[str, Any]) -> None:
    trimmed = apply_includes(fixture_order, {"order": ["id", "currency"], "currency": ["isoCode"]})
    assert trimmed == {
        "id": fixture_order["id"],
        "currency": {"isoCode": fixture_order["currency"]["isoCode"], "apiAlias": "currency"},
        "apiAlias": "order",
    }


def test_an_unknown_route_is_404(fake: FakeShopware) -> None:
    client_id, secret = next(iter(fake.integrations.items()))
    token = httpx.post(
        f"{fake.url}/api/oauth/token",
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    response = httpx.get(f"{fake.url}/api/order", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["status"] == "404"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"grant_type": "password", "client_id": "x", "client_secret": "y"}, 400, "2"),
        ({"grant_type": "client_credentials"}, 400, "3"),
    ],
)
def test_token_request_errors(
    fake: FakeShopware, body: dict[str, Any], status: int, code: str
) -> None:
    response = httpx.post(f"{fake.url}/api/oauth/token", json=body)
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code


def test_the_token_endpoint_takes_form_bodies_too(fake: FakeShopware) -> None:
    client_id, secret = next(iter(fake.integrations.items()))
    response = httpx.post(
        f"{fake.url}/api/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
