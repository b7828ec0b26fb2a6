"""The Example Shop connector: open orders in, paid status out, over the shop's REST API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import ValidationError

from paymatch.connectors.interfaces import (
    ConnectorError,
    ConnectorKind,
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TransientConnectorError,
    WriteOutcome,
)
from paymatch.core.models import Order, PaymentCode

OPEN = {"awaiting_payment"}


class ExampleShop(OrderSource):
    """Orders of one Example Shop, read and written with an API token."""

    PLUGIN_NAME = "example"
    KIND = ConnectorKind.SHOP

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        page_size: int = 100,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.retries = retries
        self.backoff = backoff
        # The token lives only in the client's headers: never in repr, errors or logs.
        self._client = httpx.Client(
            base_url=self.base_url + "/api/v1",
            headers={"Authorization": f"Bearer {api_token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"ExampleShop(base_url={self.base_url!r})"

    def close(self) -> None:
        self._client.close()

    def default_mapping(self) -> StatusMapping:
        return StatusMapping(
            payment_methods={
                "bank_transfer": PaymentCode.PREPAYMENT,
                "invoice": PaymentCode.INVOICE,
                "cash_on_delivery": PaymentCode.COD,
            },
            open_statuses={code: frozenset(OPEN) for code in PaymentCode},
            paid_status=dict.fromkeys(PaymentCode, "paid"),
            cancelled_status=dict.fromkeys(PaymentCode, "cancelled"),
        )

    def list_open_orders(self) -> Iterator[Order | OrderProblem]:
        # What is open comes from the mapping in force (the merchant may add statuses), and a
        # status may be open for one payment code only: ask for each, keep what the mapping says.
        mapping = self.mapping
        for status in sorted(set().union(*mapping.open_statuses.values())):
            for order in self._pages({"status": status}):
                if isinstance(order, OrderProblem) or mapping.is_open(order):
                    yield order

    def list_changed_since(self, since: datetime) -> Iterator[Order | OrderProblem]:
        if since.tzinfo is None:
            raise ValueError("since must carry a time zone")
        return self._pages({"updated_since": since.astimezone(UTC).isoformat()})

    def get_order(self, order_id: str) -> Order | None:
        raw = self._request("GET", f"/orders/{order_id}", missing_ok=True)
        if raw is None:
            return None
        order = self._order(raw)
        if isinstance(order, OrderProblem):
            raise ConnectorError(f"order {order_id}: {order.reason}", connector=self.PLUGIN_NAME)
        return order

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        if write.status is None:
            raise ConnectorError("no status to write for this order", connector=self.PLUGIN_NAME)
        current = self.get_order(write.order_id)
        if current is None:
            return WriteOutcome.NOT_OPEN
        if current.status == write.status:
            return WriteOutcome.ALREADY_DONE
        if not self.mapping.is_open(current):
            return WriteOutcome.NOT_OPEN
        try:
            self._request("POST", f"/orders/{write.order_id}/status", json={"status": write.status})
        except ConnectorError as error:
            if error.code == "transition_not_allowed":  # the shop says: no longer open
                return WriteOutcome.NOT_OPEN
            raise
        return WriteOutcome.WRITTEN

    # -- the wire ------------------------------------------------------------------------------

    def _pages(self, params: dict[str, Any]) -> Iterator[Order | OrderProblem]:
        page, pages = 1, 1
        while page <= pages:
            body = self._request(
                "GET", "/orders", params={**params, "page": page, "per_page": self.page_size}
            )
            pages = body["pages"]
            for raw in body["orders"]:
                yield self._order(raw)
            page += 1

    def _order(self, raw: dict[str, Any]) -> Order | OrderProblem:
        try:
            customer = raw.get("customer") or {}
            return Order(
                id=str(raw["id"]),
                source=self.PLUGIN_NAME,
                number=raw.get("number"),
                amount=raw.get("total"),
                currency=raw.get("currency"),
                status=raw.get("status"),
                payment_method=raw.get("payment_method"),
                customer_name=customer.get("name"),
                email=customer.get("email"),
                created_at=raw.get("created_at"),
            )
        except (ValidationError, KeyError, TypeError, AttributeError) as error:
            reason = str(error).replace("\n", " ")
            return OrderProblem(
                order_id=str(raw.get("id")) if isinstance(raw, dict) else None, reason=reason
            )

    def _request(self, method: str, path: str, *, missing_ok: bool = False, **kwargs: Any) -> Any:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError as error:  # timeouts, refused connections
                if last:
                    raise TransientConnectorError(str(error), connector=self.PLUGIN_NAME) from None
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    if last:
                        raise self._error(response, TransientConnectorError)
                elif response.status_code == 404 and missing_ok:
                    return None
                elif response.is_error:
                    raise self._error(response, ConnectorError)
                else:
                    return response.json()
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _error(self, response: httpx.Response, kind: type[ConnectorError]) -> ConnectorError:
        try:
            error = response.json()["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            code, message = None, response.reason_phrase
        return kind(
            message, connector=self.PLUGIN_NAME, code=code, http_status=response.status_code
        )
