"""The Shopware 6 order source: open orders in, paid (or cancelled) status back."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Self

import httpx
from pydantic import ValidationError

from paymatch import ConfigError, Order
from paymatch.connectors.interfaces import (
    ConnectorKind,
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TargetStatus,
    WriteOutcome,
)
from paymatch_shopware import criteria
from paymatch_shopware.client import ShopwareClient
from paymatch_shopware.errors import (
    IllegalTransitionError,
    NoTransitionPathError,
    ShopwareError,
    ShopwareResponseError,
    UnsupportedWriteError,
)
from paymatch_shopware.mapping import all_open_states, default_mapping, open_states_for
from paymatch_shopware.orders import ShopwareOrder, is_open, parse_order
from paymatch_shopware.settings import ShopwareSettings
from paymatch_shopware.transitions import MAX_STEPS, next_transition

_HEX_ID = re.compile(r"[0-9a-f]{32}")


class ShopwareSource(OrderSource):
    """Orders of one Shopware 6 shop, through the Admin API (see the package README)."""

    PLUGIN_NAME: ClassVar[str] = "shopware"
    KIND: ClassVar[ConnectorKind] = ConnectorKind.SHOP
    PUSH: ClassVar[bool] = False

    def __init__(
        self,
        settings: ShopwareSettings | Mapping[str, Any],
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = _validated(settings)
        self._client = ShopwareClient(
            self.settings, transport=transport, clock=clock, sleep=sleep, rng=rng
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Self:
        return cls(settings)

    def __repr__(self) -> str:
        return f"ShopwareSource(url={self.settings.url!r}, source={self.settings.source!r})"

    def close(self) -> None:
        self._client.close()

    def default_mapping(self) -> StatusMapping:
        return default_mapping()

    # -- reading --------------------------------------------------------------------------------

    def list_open_orders(self) -> list[Order | OrderProblem]:
        """Every order whose active transaction is open and which is not cancelled.

        The list is complete or an exception is raised; it is built in full before it is returned.
        """
        rows = self._search_all(criteria.open_orders_filter(all_open_states(self.mapping)))
        result: list[Order | OrderProblem] = []
        for row in rows:
            _, item = parse_order(row, self.mapping, self.settings.source)
            if isinstance(item, OrderProblem) or is_open(item, self.mapping):
                result.append(item)
        return result

    def list_changed_since(self, since: datetime) -> list[Order | OrderProblem]:
        """Orders created or changed (order, payment, customer, billing address) since ``since``.

        A naive ``since`` is taken to be UTC.
        """
        rows = self._search_all(criteria.changed_since_filter(since))
        return [parse_order(row, self.mapping, self.settings.source)[1] for row in rows]

    def get_order(self, order_id: str) -> Order | None:
        row = self._find(order_id)
        if row is None:
            return None
        _, item = parse_order(row, self.mapping, self.settings.source)
        if isinstance(item, OrderProblem):
            raise ShopwareResponseError(f"order {order_id}: {item.reason}")
        return item

    # -- writing --------------------------------------------------------------------------------

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        """Move the active transaction to the mapped paid (or cancelled) state.

        Nothing is written when the transaction is there already (``ALREADY_DONE``) or when the
        order is gone, cancelled, or its payment is no longer open (``NOT_OPEN``). The allowed
        transitions are read from Shopware before every step (see :mod:`.transitions`).
        """
        target, allow_bridge = self._target_state(write)
        open_states = open_states_for(write.payment_code, self.mapping)
        visited: set[str] = set()
        reached: str | None = None  # the state our last step led to
        steps = 0
        retried_illegal = False
        while True:
            payload = self._fetch(write.order_id)
            if payload is None:
                return WriteOutcome.NOT_OPEN
            _check_currency(payload, write)
            if payload.cancelled:
                cancelling = write.target is TargetStatus.CANCELLED
                return WriteOutcome.ALREADY_DONE if cancelling else WriteOutcome.NOT_OPEN
            transaction = payload.active_transaction()
            if transaction is None:
                raise ShopwareError(f"order {write.order_id} has no payment transaction")
            state = transaction.stateMachineState.technicalName
            if state == target:
                return WriteOutcome.WRITTEN if steps else WriteOutcome.ALREADY_DONE
            if state not in open_states and state != reached:
                return WriteOutcome.NOT_OPEN
            if steps >= MAX_STEPS:
                raise NoTransitionPathError(
                    f"order {write.order_id}: {target!r} not reached after {steps} transitions "
                    f"(now {state!r})"
                )
            available = self._client.available_transitions(transaction.id)
            visited.add(state)
            step = next_transition(available, target, visited=visited, allow_bridge=allow_bridge)
            if step is None:
                allowed = ", ".join(sorted({t.action for t in available})) or "none"
                raise NoTransitionPathError(
                    f"order {write.order_id}: no allowed transition leads from {state!r} to "
                    f"{target!r} (allowed: {allowed})"
                )
            final = step.to_state == target
            try:
                reached = self._client.transition(
                    transaction.id,
                    step.action,
                    send_mail=final and self.settings.send_mail,
                    comment=f"paymatch {write.reference}",
                )
            except IllegalTransitionError:
                # The state changed between reading and writing (a person, a payment app):
                # look again once, then let the error surface.
                if retried_illegal:
                    raise
                retried_illegal = True
                continue
            steps += 1

    def _target_state(self, write: StatusWrite) -> tuple[str, bool]:
        code = write.payment_code
        if write.target is TargetStatus.PAID:
            return write.status or self.mapping.paid_status.get(code) or "paid", True
        status = write.status or self.mapping.cancelled_status.get(code)
        if status is None:
            raise UnsupportedWriteError(
                f"order {write.order_id}: the mapping has no cancelled status for {code.value!r}"
            )
        return status, False

    # -- searching ------------------------------------------------------------------------------

    def _find(self, order_id: str) -> dict[str, Any] | None:
        order_id = order_id.strip().lower()
        if not _HEX_ID.fullmatch(order_id):
            return None  # not a Shopware id: no such order there
        page = self._client.search_orders(
            criteria.search_body(criteria.by_id_filter(order_id), limit=1)
        )
        return page.data[0] if page.data else None

    def _fetch(self, order_id: str) -> ShopwareOrder | None:
        row = self._find(order_id)
        if row is None:
            return None
        try:
            return ShopwareOrder.model_validate(row)
        except ValidationError as error:
            raise ShopwareResponseError(
                f"order {order_id}: unreadable ({error.error_count()} errors)"
            ) from None

    def _search_all(self, filters: Sequence[criteria.Filter]) -> list[dict[str, Any]]:
        """All orders matching ``filters``, paged by a (createdAt, id) cursor instead of by offset.

        Offset paging skips an order whenever an earlier one leaves the result between two pages
        (it gets paid, say). Here each page asks for "createdAt at or after the last one seen,
        minus the orders already seen at that instant": orders leaving move nothing, orders
        created meanwhile come at the end, and orders sharing one createdAt are all read.
        """
        limit = self.settings.page_size
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        cursor: str | None = None
        seen_at_cursor: list[str] = []
        while True:
            body = criteria.search_body(
                filters, limit=limit, extra=criteria.after(cursor, seen_at_cursor)
            )
            page = self._client.search_orders(body)
            fresh = _take_new(page.data, seen)
            rows.extend(fresh)
            if page.total <= len(page.data):
                return rows
            if not fresh:
                raise ShopwareResponseError(
                    f"order search: {page.total} orders announced, but the page brought no new "
                    "one; the result would be incomplete"
                )
            last = _created_at(page.data[-1])
            at_last = [str(row["id"]) for row in page.data if _created_at(row) == last]
            if last == cursor:
                seen_at_cursor.extend(at_last)
            else:
                cursor, seen_at_cursor = last, at_last


def _validated(settings: ShopwareSettings | Mapping[str, Any]) -> ShopwareSettings:
    if isinstance(settings, ShopwareSettings):
        return settings
    if "status_mapping" in settings:
        raise ConfigError(
            "not a Shopware setting: write mapping overrides under [sources.<name>.mapping], "
            "the one place paymatch reads them",
            where="shopware settings",
            field="status_mapping",
        )
    try:
        return ShopwareSettings.model_validate(dict(settings))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(message, where="shopware settings", field=field) from None


def _take_new(data: list[dict[str, Any]], seen: set[str]) -> list[dict[str, Any]]:
    fresh = []
    for row in data:
        order_id = row.get("id") if isinstance(row, dict) else None
        if not isinstance(order_id, str):
            raise ShopwareResponseError("order search: a result without an id")
        if order_id not in seen:
            seen.add(order_id)
            fresh.append(row)
    return fresh


def _created_at(row: dict[str, Any]) -> str:
    value = row.get("createdAt")
    try:
        return criteria.storage_datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        raise ShopwareResponseError(
            f"order {row.get('id')}: createdAt {value!r} unreadable"
        ) from None


def _check_currency(payload: ShopwareOrder, write: StatusWrite) -> None:
    currency = payload.currency.isoCode.strip().upper()
    if currency != write.currency.strip().upper():
        raise ShopwareError(
            f"order {write.order_id} is in {currency}, the write is for {write.currency}; "
            "nothing written"
        )
