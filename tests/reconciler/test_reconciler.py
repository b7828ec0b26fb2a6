from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from conftest_helpers import order, posting
from paymatch.connectors.interfaces import OrderProblem
from paymatch.connectors.memory import MemorySource
from paymatch.core.errors import InputError

pytestmark = pytest.mark.usefixtures("store_url")


def connected(make, clock, *orders, **config):
    """A reconciler whose memory source was connected before ``orders`` were created."""
    source = MemorySource()
    reconciler = make(source, **config)
    reconciler.connect_source("shop")
    clock.advance(timedelta(hours=1))
    for item in orders:
        source.put(item.model_copy(update={"created_at": clock.now().replace(tzinfo=None)}))
        reconciler.receive_order("shop", source.orders[item.id])
    return reconciler, source


def test_import_is_idempotent_and_overlapping_statements_add_nothing(make, clock) -> None:
    reconciler, _ = connected(make, clock, order("1", "10001", "20.00"))
    first = reconciler.import_postings([posting("a", "x"), posting("b", "y")])
    again = reconciler.import_postings([posting("b", "y"), posting("c", "z"), posting("c", "z")])
    assert (first.new, first.duplicates) == (2, 0)
    assert (again.new, again.duplicates) == (1, 2)
    assert sorted(p.posting.id for p in reconciler.postings()) == ["a", "b", "c"]


def test_payment_is_assigned_written_back_once_and_audited(make, clock) -> None:
    reconciler, source = connected(make, clock, order("1", "10001", "20.00"))
    report = reconciler.import_postings([posting("p1", "Order 10001", "20.00")])
    assert report.assigned == 1
    stored = reconciler.order("1")
    assert (stored.state, stored.paid) == ("paid", Decimal("20.00"))
    assert [e.event for e in reconciler.history("1")] == ["created", "payment_assigned"]
    assert source.writes == []  # only through the outbox
    tick = reconciler.tick()
    assert tick.outbox.get("written") == 1
    assert [(w.order_id, w.status) for w in source.writes] == [("1", "paid")]
    assert source.orders["1"].status == "paid"
    reconciler.tick(clock.advance(timedelta(hours=1)))
    assert len(source.writes) == 1
    assert reconciler.posting("p1").status == "assigned"


def test_ambiguous_posting_waits_for_review_and_manual_assign_resolves_it(make, clock) -> None:
    reconciler, source = connected(
        make, clock, order("1", "10001", "20.00"), order("2", "10002", "20.00")
    )
    report = reconciler.import_postings([posting("p", "10001 10002", "20.00")])
    assert report.suggested == 1
    [item] = reconciler.review_queue()
    assert {c.order_id for c in item.candidates} == {"1", "2"}
    made = reconciler.assign("p", "2", by="jana", note="customer called")
    assert (made.method, made.created_by, made.amount) == ("manual", "jana", Decimal("20.00"))
    assert reconciler.review_queue() == []
    assert reconciler.order("2").state == "paid"
    reconciler.tick()
    assert [w.order_id for w in source.writes] == ["2"]


def test_unassign_is_kept_as_audit_and_reopens_the_order(make, clock) -> None:
    reconciler, _ = connected(make, clock, order("1", "10001", "20.00"))
    reconciler.import_postings([posting("p", "10001", "20.00")])
    [undone] = reconciler.unassign("p", by="jana", reason="wrong customer")
    assert (undone.unassigned_by, undone.unassign_reason) == ("jana", "wrong customer")
    assert reconciler.order("1").state == "open"
    assert reconciler.order("1").paid == 0
    assert reconciler.posting("p").status == "unmatched"
    assert len(reconciler.assignments()) == 1
    assert reconciler.assignments(include_unassigned=False) == []
    # the write-back queued while it was paid is obsolete now
    assert reconciler.tick().outbox.get("obsolete") == 1
    with pytest.raises(InputError, match="no active assignment"):
        reconciler.unassign("p", by="jana", reason="again")


def test_manual_assign_checks_amounts_and_ignore_needs_no_assignment(make, clock) -> None:
    reconciler, _ = connected(make, clock, order("1", "10001", "50.00"))
    reconciler.import_postings([posting("p", "nothing", "20.00"), posting("d", "fee", "-3.00")])
    with pytest.raises(InputError, match="unassigned"):
        reconciler.assign("p", "1", "20.01", by="jana")
    with pytest.raises(InputError, match="debit"):
        reconciler.assign("d", "1", by="jana")
    with pytest.raises(InputError, match="unknown order"):
        reconciler.assign("p", "9", by="jana")
    reconciler.assign("p", "1", "5.00", by="jana")
    with pytest.raises(InputError, match="unassign it first"):
        reconciler.ignore("p", by="jana", reason="refund")
    reconciler.assign("p", "1", by="jana")  # the rest
    assert reconciler.posting("p").assigned == Decimal("20.00")
    assert reconciler.order("1").state == "partially_paid"
    ignored = reconciler.ignore("d", by="jana", reason="bank fee")
    assert ignored.status == "ignored"


def test_first_connection_open_orders_are_not_managed_closed_ones_skipped(make, clock) -> None:
    source = MemorySource(
        [
            order("1", "10001", "20.00"),
            order("2", "10002", "30.00", status="paid"),
            order("3", "10003", "30.00", payment_method="paypal", payment_code=None),
        ]
    )
    reconciler = make(source)
    report = reconciler.connect_source("shop")
    assert (report.not_managed, report.new) == (1, 0)
    assert [o.order_id for o in reconciler.orders()] == ["1"]
    assert reconciler.order("1").state == "not_managed"
    assert reconciler.notifications() == []  # a not-managed order is never notified
    assert reconciler.connect_source("shop").not_managed == 0  # connecting twice is a no-op
    # A payment adopts it and is written back.
    reconciler.import_postings([posting("p", "10001", "20.00")])
    assert reconciler.order("1").state == "paid"
    reconciler.tick()
    assert [w.order_id for w in source.writes] == ["1"]


def test_changes_are_saved_and_re_trigger_payment_information(make, clock) -> None:
    reconciler, source = connected(make, clock, order("1", "10001", "20.00", email="a@x.de"))
    base = source.orders["1"]
    assert [n.kind for n in reconciler.notifications()] == ["payment_information"]
    assert reconciler.receive_order("shop", base).unchanged == 1
    reconciler.receive_order("shop", base.model_copy(update={"email": "b@x.de"}))
    reconciler.receive_order(
        "shop", base.model_copy(update={"email": "b@x.de", "amount": Decimal("25.00")})
    )
    notes = reconciler.notifications(recipient="customer")
    assert [n.data.get("reason") for n in notes] == ["new_order", "email_changed", "amount_changed"]
    assert reconciler.order("1").amount == Decimal("25.00")
    assert reconciler.order("1").order.email == "b@x.de"


def test_status_change_and_deletion_remove_and_payment_is_not_written_back(make, clock) -> None:
    reconciler, source = connected(
        make, clock, order("1", "10001", "20.00"), order("2", "10002", "20.00")
    )
    closed = source.orders["1"].model_copy(update={"status": "cancelled"})
    assert reconciler.receive_order("shop", closed).removed == 1
    assert reconciler.receive_removal("shop", "2").removed == 1
    assert {o.state for o in reconciler.orders()} == {"removed_externally"}
    reconciler.import_postings([posting("p", "10002", "20.00")])
    reconciler.tick()
    assert source.writes == []
    merchant = [n.kind for n in reconciler.notifications(recipient="merchant")]
    assert "payment_for_removed_order" in merchant


def test_not_tracked_only_from_a_complete_list(make, clock) -> None:
    reconciler, source = connected(
        make, clock, order("1", "10001", "20.00"), order("2", "10002", "20.00")
    )
    source.delete("2")
    clock.advance(timedelta(hours=1))
    partial = reconciler.sync("shop", "new")
    assert partial.not_tracked == 0
    assert reconciler.order("2").state == "open"
    full = reconciler.sync("shop", "full")
    assert full.not_tracked == 1
    assert reconciler.order("2").state == "not_tracked"
    assert reconciler.order("1").state == "open"


def test_a_malformed_order_is_reported_and_the_rest_proceeds(make, clock) -> None:
    reconciler, _ = connected(
        make,
        clock,
        **{
            "accounts": [{"iban": "DE89370400440532013000", "currency": "EUR", "sources": ["shop"]}]
        },
    )
    good = order("1", "10001", "20.00")
    report = reconciler.sync_engine.receive(
        "shop",
        reconciler.mapping("shop"),
        [
            good,
            order("2", "10002", "5.00", currency="USD"),
            order("3", "1", "1.00"),
            order("3", "2", "2.00"),
            OrderProblem(order_id="4", reason="amount missing"),
        ],
        now=clock.now(),
        mode="push",
    )
    reasons = {p.order_id: p.reason for p in report.problems}
    assert set(reasons) == {"2", "3", "4"}
    assert "currency USD" in reasons["2"]
    assert "2 times" in reasons["3"]
    assert [o.order_id for o in reconciler.orders()] == ["1"]


def test_write_back_retries_with_backoff_then_tells_the_merchant(make, clock) -> None:
    reconciler, source = connected(make, clock, order("1", "10001", "20.00"))
    source.fail_writes = 10_000
    reconciler.import_postings([posting("p", "10001", "20.00")])
    outcomes = []
    for _ in range(400):
        outcomes.append(reconciler.outbox_worker.run(clock.now()))
        clock.advance(timedelta(minutes=30))
    total = sum(outcomes, start=Counter())
    assert total["expired"] == 1
    assert 7 <= total["retry"] <= 7 * 24 * 2 + 10  # backoff, not every half hour forever
    [item] = [i for i in reconciler.outbox() if i.kind == "write_status"]
    assert item.status == "expired"
    assert item.deadline - item.created_at == timedelta(days=7)
    assert "write_back_failed" in [n.kind for n in reconciler.notifications(recipient="merchant")]
    assert source.writes == []


def test_write_back_skips_when_the_source_already_shows_it(make, clock) -> None:
    reconciler, source = connected(make, clock, order("1", "10001", "20.00"))
    reconciler.import_postings([posting("p", "10001", "20.00")])
    source.put(source.orders["1"].model_copy(update={"status": "paid"}))  # set by a person
    assert reconciler.tick().outbox.get("already_done") == 1
    assert source.writes == []


def test_first_import_may_be_no_assignment(make, clock) -> None:
    iban = "DE89370400440532013000"
    reconciler, _ = connected(
        make,
        clock,
        order("1", "10001", "20.00"),
        accounts=[{"iban": iban, "currency": "EUR", "first_import": "no_assignment"}],
    )
    first = reconciler.import_postings([posting("a", "10001", "20.00")], account_iban=iban)
    assert (first.no_assignment, first.assigned) == (1, 0)
    second = reconciler.import_postings([posting("b", "10001", "20.00")], account_iban=iban)
    assert second.assigned == 1
    with pytest.raises(InputError, match="not configured"):
        reconciler.import_postings([posting("c", "x", account_iban="DE02120300000000202051")])


def test_tick_runs_schedules_and_deadlines(make, clock) -> None:
    source = MemorySource()
    reconciler = make(
        source, sources={"shop": {"connector": "memory", "send_payment_information": True}}
    )
    assert [r.mode for r in reconciler.tick().syncs] == ["connect"]
    source.put(order("1", "10001", "20.00", created_at=clock.now().replace(tzinfo=None)))
    modes = []
    for _ in range(20):  # 60 minutes in 3-minute steps
        clock.advance(timedelta(minutes=3))
        modes += [r.mode for r in reconciler.tick().syncs]
    assert modes.count("new") == 2
    assert modes.count("poll") == 18
    assert reconciler.order("1").state == "open"
    clock.advance(timedelta(days=60))
    report = reconciler.tick()
    assert report.due_events >= 1
    assert reconciler.order("1").state == "cancelled"  # an unpaid prepayment order
    assert [e.event for e in reconciler.history("1")][-1] == "deadline_reached"
    assert reconciler.tick().due_events == 0


class _BrokenSource(MemorySource):
    """A third-party connector with a bug: listing raises something that is no PaymatchError."""

    def list_open_orders(self) -> list:
        raise KeyError("billing_address")


def test_a_plugin_crash_in_one_source_does_not_stop_the_others(make, clock, caplog) -> None:
    shop = MemorySource()
    reconciler = make(
        shop,
        extra_sources={"broken": _BrokenSource()},
        sources={"shop": {"connector": "memory"}, "broken": {"connector": "memory"}},
    )
    report = reconciler.tick()
    by_source = {r.source: r for r in report.syncs}
    assert (by_source["shop"].mode, by_source["shop"].error) == ("connect", None)
    assert by_source["broken"].error == "KeyError: 'billing_address'"
    assert "scheduled sync of source 'broken' failed" in caplog.text
    shop.put(order("1", "10001", "20.00", created_at=clock.now().replace(tzinfo=None)))
    clock.advance(timedelta(hours=1))
    reconciler.tick()  # the broken source fails again; the shop's new order still arrives
    assert reconciler.order("1").state == "open"


def test_assigned_amounts_never_exceed_the_posting(make, clock) -> None:
    reconciler, _ = connected(make, clock, order("1", "10001", "50.00"))
    reconciler.import_postings([posting("p", "10001", "80.00")])
    stored = reconciler.posting("p")
    assert (stored.status, stored.assigned) == ("partial", Decimal("50.00"))
    reconciler.assign("p", "1", by="jana")  # overpayment: the rest goes to the paid order
    assert reconciler.order("1").paid == Decimal("80.00")
    with pytest.raises(InputError):
        reconciler.assign("p", "1", "0.01", by="jana")
