"""An order source held in memory: for tests, demos and hosts that hand orders over themselves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from paymatch.connectors.interfaces import (
    ConnectorError,
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TransientConnectorError,
    WriteOutcome,
)
from paymatch.core.errors import ConfigError
from paymatch.core.models import Order, PaymentCode


def simple_mapping() -> StatusMapping:
    """Statuses in paymatch's own words: ``open`` (waiting for payment), ``paid``, ``cancelled``.

    Payment methods named like the payment codes (``prepayment``, ``invoice``, ``cod``) map to them.
    """
    return StatusMapping(
        payment_methods={code.value: code for code in PaymentCode},
        open_statuses={code: frozenset({"open"}) for code in PaymentCode},
        paid_status=dict.fromkeys(PaymentCode, "paid"),
        cancelled_status=dict.fromkeys(PaymentCode, "cancelled"),
    )


def outcome_without_writing(
    source: OrderSource, order: Order, write: StatusWrite
) -> WriteOutcome | None:
    """What a write to ``order`` comes to without writing (already done, not open under the
    mapping in force), or ``None`` when it is to be written. A write without a status is refused
    for good: these sources store statuses, nothing else."""
    if write.status is None:
        raise ConnectorError(
            f"order {write.order_id}: the mapping names no {write.target} status for "
            f"{write.payment_code}",
            connector=source.PLUGIN_NAME,
            code="no_status",
        )
    if order.status == write.status:
        return WriteOutcome.ALREADY_DONE
    if not source.mapping.is_open(order):
        return WriteOutcome.NOT_OPEN
    return None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as a naive UTC time (a naive one is taken to be UTC already), so that times
    from orders, from paymatch's store and from callers compare."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class MemorySource(OrderSource):
    """Orders in a dict. ``put``/``delete`` change them; ``writes`` records every status written.

    ``mapping`` is the default mapping (:func:`simple_mapping` unless given); what is open is
    decided by the mapping in force (``self.mapping``, which the configuration may override).
    ``fail_writes`` makes the next N ``write_status`` calls fail as a transient error, to exercise
    paymatch's retries.
    """

    PLUGIN_NAME = "memory"

    def __init__(
        self,
        orders: Iterable[Order] = (),
        *,
        mapping: StatusMapping | None = None,
        fail_writes: int = 0,
    ) -> None:
        self._default_mapping = mapping or simple_mapping()
        self.fail_writes = fail_writes
        self.orders: dict[str, Order] = {}
        self.changed_at: dict[str, datetime] = {}
        self.writes: list[StatusWrite] = []
        self.problems: list[OrderProblem] = []
        for order in orders:
            self.put(order)

    @classmethod
    def from_settings(cls, settings: Any) -> MemorySource:
        if settings:
            raise ConfigError(
                f"the memory source takes no settings, got {sorted(settings)}", field="settings"
            )
        return cls()

    def put(self, order: Order, *, at: datetime | None = None) -> None:
        """Add or replace an order, as changed at ``at`` (default: now)."""
        self.orders[order.id] = order
        self.changed_at[order.id] = naive_utc(at or order.created_at or _now())

    def delete(self, order_id: str) -> None:
        self.orders.pop(order_id, None)
        self.changed_at.pop(order_id, None)

    def default_mapping(self) -> StatusMapping:
        return self._default_mapping

    def list_open_orders(self) -> list[Order | OrderProblem]:
        found: list[Order | OrderProblem] = list(self.problems)
        found += [order for order in self.orders.values() if self.mapping.is_open(order)]
        return found

    def list_changed_since(self, since: datetime) -> list[Order | OrderProblem]:
        since = naive_utc(since)
        found: list[Order | OrderProblem] = list(self.problems)
        found += [o for o in self.orders.values() if self.changed_at[o.id] >= since]
        return found

    def get_order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        if self.fail_writes > 0:
            self.fail_writes -= 1
            raise TransientConnectorError("temporarily unavailable", connector=self.PLUGIN_NAME)
        order = self.orders.get(write.order_id)
        if order is None:
            return WriteOutcome.NOT_OPEN
        settled = outcome_without_writing(self, order, write)
        if settled is not None:
            return settled
        self.orders[order.id] = order.model_copy(update={"status": write.status})
        self.changed_at[order.id] = _now()
        self.writes.append(write)
        return WriteOutcome.WRITTEN
