"""An order source held in memory: for tests, demos and hosts that hand orders over themselves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from paymatch.connectors.interfaces import (
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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class MemorySource(OrderSource):
    """Orders in a dict. ``put``/``delete`` change them; ``writes`` records every status written.

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
        self.mapping = mapping or simple_mapping()
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
        self.changed_at[order.id] = at or order.created_at or _now()

    def delete(self, order_id: str) -> None:
        self.orders.pop(order_id, None)
        self.changed_at.pop(order_id, None)

    def default_mapping(self) -> StatusMapping:
        return self.mapping

    def list_open_orders(self) -> list[Order | OrderProblem]:
        found: list[Order | OrderProblem] = list(self.problems)
        found += [order for order in self.orders.values() if self.mapping.is_open(order)]
        return found

    def list_changed_since(self, since: datetime) -> list[Order | OrderProblem]:
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
        if write.status is not None and order.status == write.status:
            return WriteOutcome.ALREADY_DONE
        if not self.mapping.is_open(order):
            return WriteOutcome.NOT_OPEN
        self.orders[order.id] = order.model_copy(update={"status": write.status})
        self.changed_at[order.id] = _now()
        self.writes.append(write)
        return WriteOutcome.WRITTEN
