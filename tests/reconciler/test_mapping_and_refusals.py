"""The merchant's mapping overrides reach the connector; a final refusal is not retried."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest_helpers import order, posting
from paymatch.connectors.files import FileSource
from paymatch.connectors.interfaces import (
    ConnectorError,
    StatusMapping,
    StatusWrite,
    TransientConnectorError,
    WriteOutcome,
)
from paymatch.connectors.memory import MemorySource, simple_mapping
from paymatch.core.clock import FixedClock
from paymatch.core.errors import ConfigError
from paymatch.core.models import PaymentCode
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import config_from_dict
from paymatch.core.store import Store

pytestmark = pytest.mark.usefixtures("store_url")

ON_HOLD = {"open_statuses": {"prepayment": ["open", "on-hold"]}}


def test_an_open_status_added_in_the_configuration_reaches_the_connector(make, clock) -> None:
    source = MemorySource()
    reconciler = make(source, sources={"shop": {"connector": "memory", "mapping": ON_HOLD}})
    assert source.mapping.open_statuses[PaymentCode.PREPAYMENT] == {"open", "on-hold"}
    assert reconciler.mapping("shop") is source.mapping
    reconciler.connect_source("shop")
    clock.advance(timedelta(hours=1))
    for item in (order("1", "10001", "20.00"), order("2", "10002", "30.00", status="on-hold")):
        source.put(item.model_copy(update={"created_at": clock.now().replace(tzinfo=None)}))
    reconciler.sync("shop", "new")
    assert {o.order_id: o.state for o in reconciler.orders()} == {"1": "open", "2": "open"}
    # The complete list comes from the connector: with the override it holds the on-hold order,
    # so that order is not taken for one the shop stopped reporting.
    assert reconciler.sync("shop", "full").not_tracked == 0
    assert reconciler.order("2").state == "open"
    # And the connector's own check before the write agrees that on-hold is open.
    reconciler.import_postings([posting("p", "10002", "30.00")])
    assert reconciler.tick().outbox.get("written") == 1
    assert [w.order_id for w in source.writes] == ["2"]
    assert source.orders["2"].status == "paid"


def test_a_connector_built_from_settings_gets_the_overrides(
    store_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    orders = tmp_path / "orders.jsonl"
    record = {"id": "7", "amount": "5.00", "currency": "EUR", "payment_code": "prepayment"}
    orders.write_text(json.dumps({**record, "status": "on-hold"}) + "\n")
    assert FileSource(orders).list_open_orders() == [], "on hold is not open by default"
    config = config_from_dict(
        {
            "sources": {
                "shop": {
                    "connector": "file",
                    "settings": {"orders": str(orders)},
                    "mapping": ON_HOLD,
                }
            }
        }
    )
    reconciler = Reconciler(Store.open(store_url), config=config, clock=clock, worker_id="t")
    try:
        connector = reconciler.connector("shop")
        assert connector is not None
        assert [o.id for o in connector.list_open_orders()] == ["7"]
        assert reconciler.connect_source("shop").not_managed == 1
    finally:
        reconciler.close()


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"open_status": {}}, "unknown mapping keys"),
        ({"open_statuses": {"prepayment": "on-hold"}}, "open_statuses"),
    ],
)
def test_bad_overrides_are_configuration_errors(
    make, mapping: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        make(sources={"shop": {"connector": "memory", "mapping": mapping}})
    assert raised.value.field is not None
    assert raised.value.field.startswith("sources.shop.mapping")


class Refusing(MemorySource):
    """A memory source whose writes fail with a given error; counts the attempts."""

    def __init__(self, error: ConnectorError, **options: Any) -> None:
        super().__init__(**options)
        self.error = error
        self.attempts = 0

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        self.attempts += 1
        raise self.error


def _with_new_order(make, clock, source: MemorySource) -> Reconciler:
    """A reconciler whose source got order 1 (10001, 20.00) after it was connected."""
    reconciler = make(source)
    reconciler.connect_source("shop")
    clock.advance(timedelta(hours=1))
    item = order("1", "10001", "20.00").model_copy(
        update={"created_at": clock.now().replace(tzinfo=None)}
    )
    source.put(item)
    reconciler.receive_order("shop", item)
    return reconciler


def _paid_order(make, clock, source: MemorySource) -> Reconciler:
    reconciler = _with_new_order(make, clock, source)
    reconciler.import_postings([posting("p", "10001", "20.00")])
    assert reconciler.order("1").state == "paid"
    return reconciler


def _run_for_days(reconciler: Reconciler, clock: FixedClock, days: int) -> Counter[str]:
    total: Counter[str] = Counter()
    for _ in range(days * 4):
        total += reconciler.outbox_worker.run(clock.now())
        clock.advance(timedelta(hours=6))
    return total


def test_a_final_refusal_is_not_retried_and_the_merchant_is_told_at_once(make, clock) -> None:
    refusal = ConnectorError(
        "status transition refused", connector="memory", code="invalid_state", http_status=422
    )
    assert refusal.final
    source = Refusing(refusal)
    reconciler = _paid_order(make, clock, source)
    first_run = clock.now()
    outcomes = _run_for_days(reconciler, clock, 8)
    assert outcomes["failed"] == 1
    assert outcomes["retry"] == outcomes["expired"] == 0
    assert source.attempts == 1
    [item] = [i for i in reconciler.outbox() if i.kind == "write_status"]
    assert item.status == "failed"
    assert "invalid_state" in (item.last_error or "")
    [notice] = [n for n in reconciler.notifications() if n.kind == "write_back_failed"]
    assert notice.recipient == "merchant"
    assert notice.order_id == "1"
    assert notice.data["final"] is True
    assert notice.data["code"] == "invalid_state"
    assert notice.created_at.replace(tzinfo=None) == first_run.replace(tzinfo=None)


@pytest.mark.parametrize(
    "error",
    [
        TransientConnectorError("rate limited", connector="memory", http_status=429),
        ConnectorError("invalid API key", connector="memory", code="unauthorized", http_status=401),
    ],
    ids=["transient", "credentials-refused"],
)
def test_errors_that_may_pass_are_retried_until_the_deadline(
    make, clock, error: ConnectorError
) -> None:
    assert not error.final
    source = Refusing(error)
    reconciler = _paid_order(make, clock, source)
    outcomes = _run_for_days(reconciler, clock, 8)
    assert outcomes["failed"] == 0
    assert outcomes["expired"] == 1
    assert source.attempts > 5
    [notice] = [n for n in reconciler.notifications() if n.kind == "write_back_failed"]
    assert notice.data["final"] is False


def test_a_cancellation_the_source_cannot_take_ends_at_once(make, clock) -> None:
    """The lifecycle cancels an unpaid prepayment order at its deadline and writes it back; a
    source without a cancelled status refuses that for good (as Easybill does)."""
    mapping = simple_mapping()
    no_cancel = StatusMapping(
        payment_methods=mapping.payment_methods,
        open_statuses=mapping.open_statuses,
        paid_status=mapping.paid_status,
        cancelled_status={},
    )
    source = MemorySource(mapping=no_cancel)
    reconciler = _with_new_order(make, clock, source)
    outcomes: Counter[str] = Counter()
    for _ in range(90):
        clock.advance(timedelta(days=1))
        outcomes += Counter(reconciler.tick().outbox)
    assert reconciler.order("1").state == "cancelled"
    assert outcomes["failed"] == 1
    assert outcomes["retry"] == 0
    [item_done] = [i for i in reconciler.outbox() if i.kind == "write_status"]
    assert item_done.status == "failed"
    [notice] = [n for n in reconciler.notifications() if n.kind == "write_back_failed"]
    assert notice.data["target"] == "cancelled"
    assert notice.data["code"] == "no_status"
    assert source.orders["1"].status == "open"
