"""The contract suite fails for connectors that break the contract (so it can fail at all).

Each case runs the suite in a separate pytest session against a deliberately broken variant of
the fake connector and checks that exactly the tests for the broken promise fail.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

_HEADER = """
import pytest
from paymatch.connectors.interfaces import WriteOutcome, OrderProblem, TransientConnectorError
from paymatch.connectors.interfaces import ConnectorError
from paymatch.testing import FakeOrderSource, FakeOrderSourceHarness, OrderSourceContract


class Broken(FakeOrderSource):
{body}


class Harness(FakeOrderSourceHarness):
    def make_source(self, *, valid_credentials=True):
        key = self.shop.api_key if valid_credentials else "wrong-key"
        return Broken(shop=self.shop, api_key=key, page_size=self.page_size)


class TestBroken(OrderSourceContract):
    @pytest.fixture
    def harness(self):
        return Harness()
"""

BROKEN = {
    "write is not idempotent": (
        """
    def write_status(self, write):
        super().write_status(write)
        return WriteOutcome.WRITTEN
""",
        {
            "test_write_paid_is_idempotent",
            "test_write_paid_to_an_order_no_longer_open",
            "test_write_to_an_unknown_order_is_not_open",
            "test_write_cancelled_is_idempotent",
            "test_orders_the_merchant_does_not_count_as_open_are_left_alone",
        },
    ),
    "last page dropped": (
        """
    def list_open_orders(self):
        orders = list(super().list_open_orders())
        return orders[: len(orders) - len(orders) % self.page_size or None]
""",
        {"test_lists_every_open_order_across_pages"},
    ),
    "secret in repr": (
        """
    def __repr__(self):
        return f"Broken(api_key={self._api_key!r})"
""",
        {"test_secrets_stay_out_of_reprs_errors_and_logs"},
    ),
    "secret in log": (
        """
    def list_open_orders(self):
        import logging
        logging.getLogger("broken").debug("GET /orders key=%s", self._api_key)
        return super().list_open_orders()
""",
        {"test_secrets_stay_out_of_reprs_errors_and_logs"},
    ),
    "malformed order crashes the batch": (
        """
    def _parse(self, record):
        parsed = super()._parse(record)
        if isinstance(parsed, OrderProblem):
            raise ValueError(parsed.reason)
        return parsed
""",
        {"test_malformed_order_is_a_problem_not_a_crash"},
    ),
    "server failures not transient": (
        """
    def _request(self):
        try:
            super()._request()
        except TransientConnectorError as error:
            raise ConnectorError(str(error), connector="fake", http_status=error.http_status)
""",
        {
            "test_server_failures_are_transient[429]",
            "test_server_failures_are_transient[500]",
            "test_server_failures_are_transient[503]",
        },
    ),
    "system error code dropped": (
        """
    def _request(self):
        try:
            super()._request()
        except TransientConnectorError:
            raise
        except ConnectorError as error:
            raise ConnectorError("failed", connector="fake", http_status=error.http_status)
""",
        {"test_client_errors_carry_the_system_code"},
    ),
    "e-mail not read": (
        """
    def _parse(self, record):
        return super()._parse({**record, "email": None})
""",
        {"test_lists_every_open_order_across_pages", "test_gets_one_order"},
    ),
    "unknown order raises instead of None": (
        """
    def get_order(self, order_id):
        order = super().get_order(order_id)
        if order is None:
            raise KeyError(order_id)
        return order
""",
        {"test_unknown_order_is_none"},
    ),
    "the mapping in force is ignored": (
        """
    @property
    def mapping(self):
        return self.default_mapping()

    @mapping.setter
    def mapping(self, value):
        pass
""",
        {
            "test_an_open_status_added_by_the_merchant_is_listed",
            "test_orders_the_merchant_does_not_count_as_open_are_left_alone",
        },
    ),
    "changed-since ignores the date": (
        """
    def list_changed_since(self, since):
        return super().list_changed_since(since.replace(year=since.year - 1))
""",
        {"test_lists_orders_changed_since"},
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_contract_fails_exactly_for_the_broken_promise(
    pytester: pytest.Pytester, case: str
) -> None:
    body, expected = BROKEN[case]
    pytester.makepyfile(test_broken=_HEADER.format(body=body))
    result = pytester.runpytest("-p", "no:hypothesispytest", "-q")
    failed = {
        report.nodeid.rsplit("::", 1)[-1]
        for report in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        if report.failed
    }
    assert failed == expected, result.stdout.str()


def test_the_unbroken_fake_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken=_HEADER.format(body="    pass"))
    result = pytester.runpytest("-p", "no:hypothesispytest", "-q")
    result.assert_outcomes(passed=18)
