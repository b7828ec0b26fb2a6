"""The WooCommerce order source: open orders in, the paid (or cancelled) status back out."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from paymatch import ConfigError, Order
from paymatch.connectors.interfaces import (
    ConnectorError,
    ConnectorKind,
    OrderProblem,
    OrderSource,
    StatusMapping,
    StatusWrite,
    TargetStatus,
    WriteOutcome,
)
from paymatch_woocommerce.client import WooCommerceClient
from paymatch_woocommerce.errors import WooCommerceError, WooCommerceProtocolError
from paymatch_woocommerce.mapping import DEFAULT_MAPPING
from paymatch_woocommerce.orders import parse_order
from paymatch_woocommerce.settings import WooCommerceSettings
from paymatch_woocommerce.webhooks import WebhookReceiver

log = logging.getLogger(__name__)


class WooCommerceSource(OrderSource):
    """A WooCommerce shop, through its REST API v3 (and its webhooks when a secret is set).

    ``PUSH`` is true on an instance configured with a ``webhook_secret``: the shop then hands
    over new and changed orders itself (see :meth:`webhook_receiver`).
    """

    PLUGIN_NAME: ClassVar[str] = "woocommerce"
    KIND: ClassVar[ConnectorKind] = ConnectorKind.SHOP

    def __init__(
        self,
        settings: Mapping[str, Any] | WooCommerceSettings | None = None,
        /,
        *,
        client: WooCommerceClient | None = None,
        **options: Any,
    ) -> None:
        if settings is None:
            settings = options
        elif options:
            raise TypeError("pass the settings either as a mapping or as keywords, not both")
        self.settings = WooCommerceSettings.parse(settings)
        self.client = client or WooCommerceClient(self.settings)
        # Per instance: only a shop with a webhook secret pushes its orders.
        self.PUSH = self.settings.webhook_secret is not None  # type: ignore[misc]

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> WooCommerceSource:
        return cls(settings)

    def __repr__(self) -> str:
        return f"WooCommerceSource(name={self.settings.name!r}, url={self.settings.url!r})"

    def close(self) -> None:
        self.client.close()

    def default_mapping(self) -> StatusMapping:
        return DEFAULT_MAPPING

    # -- reading ---------------------------------------------------------------------------

    def parse(self, data: Any) -> Order | OrderProblem:
        """One order's REST JSON as this source reports it (name, meta keys from the settings)."""
        return parse_order(
            data,
            source=self.settings.name,
            invoice_number_meta_keys=self.settings.invoice_number_meta_keys,
            language_meta_keys=self.settings.language_meta_keys,
        )

    def list_open_orders(self) -> list[Order | OrderProblem]:
        """Every order that is open under the mapping (complete, or an exception)."""
        statuses = sorted(set().union(*self.mapping.open_statuses.values()))
        if not statuses:
            return []
        result: list[Order | OrderProblem] = []
        for data in self.client.list_orders({"status": ",".join(statuses)}):
            parsed = self.parse(data)
            # A status can be open for one payment code only (processing: COD), and orders of
            # unmapped payment methods are not managed; a broken order is only reported when its
            # own status and method say it is open.
            if isinstance(parsed, Order):
                if self.mapping.is_open(parsed):
                    result.append(parsed)
            elif self._looks_open(data):
                result.append(parsed)
        return result

    def _looks_open(self, data: Any) -> bool:
        method = data.get("payment_method") if isinstance(data, Mapping) else None
        code = self.mapping.payment_methods.get(method) if isinstance(method, str) else None
        if code is None:
            return False
        return data.get("status") in self.mapping.open_statuses.get(code, frozenset())

    def list_changed_since(self, since: datetime) -> list[Order | OrderProblem]:
        """Orders created or changed at or after ``since`` (naive means UTC), trashed ones too.

        WooCommerce compares ``modified_after`` exclusively and to the second, so the query
        starts one second earlier: a few orders may come twice across calls, none is missed.
        """
        if since.tzinfo is not None:
            since = since.astimezone(UTC).replace(tzinfo=None)
        after = since.replace(microsecond=0) - timedelta(seconds=1)
        query = {"modified_after": after.isoformat(), "dates_are_gmt": "true"}
        seen: dict[str, Order | OrderProblem] = {}
        nameless: list[Order | OrderProblem] = []
        for status in ("any", "trash"):
            for data in self.client.list_orders({**query, "status": status}):
                parsed = self.parse(data)
                key = parsed.id if isinstance(parsed, Order) else parsed.order_id
                if key is None:
                    nameless.append(parsed)
                else:
                    seen[key] = parsed
        return [*seen.values(), *nameless]

    def get_order(self, order_id: str) -> Order | None:
        data = self.client.get_order(order_id)
        if data is None:
            return None
        parsed = self.parse(data)
        if isinstance(parsed, OrderProblem):
            raise WooCommerceProtocolError(f"order {order_id}: {parsed.reason}")
        return parsed

    # -- writing ---------------------------------------------------------------------------

    def _target_status(self, write: StatusWrite, order: Order) -> str:
        if write.status:
            return write.status
        code = self.mapping.payment_code(order) or write.payment_code
        table = (
            self.mapping.paid_status
            if write.target is TargetStatus.PAID
            else self.mapping.cancelled_status
        )
        status = table.get(code)
        if not status:
            raise WooCommerceError(f"no WooCommerce status is mapped for {write.target} ({code})")
        return status

    def write_status(self, write: StatusWrite) -> WriteOutcome:
        """Set the mapped status with ``PUT /orders/{id}`` after reading the order first.

        ``set_paid`` is not used: WooCommerce ignores it for on-hold bank-transfer orders. Already
        in the target status: ``ALREADY_DONE``; gone, trashed, or in a status that is not open for
        its payment code (a person changed it): ``NOT_OPEN``. Nothing is written then.
        """
        data = self.client.get_order(write.order_id)
        if data is None:
            return WriteOutcome.NOT_OPEN
        order = self.parse(data)
        if isinstance(order, OrderProblem):
            raise WooCommerceProtocolError(f"order {write.order_id}: {order.reason}")
        target = self._target_status(write, order)
        if order.status == target:
            return WriteOutcome.ALREADY_DONE
        # The order's own method decides the code; a method this connector's mapping does not
        # know (mapped in paymatch's configuration only) keeps the code paymatch managed it by.
        code = self.mapping.payment_code(order) or write.payment_code
        if order.status not in self.mapping.open_statuses.get(code, frozenset()):
            return WriteOutcome.NOT_OPEN
        changes: dict[str, Any] = {"status": target}
        if write.target is TargetStatus.PAID and not data.get("transaction_id"):
            changes["transaction_id"] = write.reference
        updated = self.client.update_order(write.order_id, changes)
        if updated is None:
            return WriteOutcome.NOT_OPEN
        if updated.get("status") != target:
            raise WooCommerceError(
                f"order {write.order_id}: WooCommerce answered status {updated.get('status')!r} "
                f"instead of {target!r} (a plugin may refuse the change)"
            )
        if self.settings.order_note:
            self._note(write, target)
        return WriteOutcome.WRITTEN

    def _note(self, write: StatusWrite, target: str) -> None:
        if write.target is TargetStatus.PAID:
            when = f" on {write.paid_on.isoformat()}" if write.paid_on else ""
            text = (
                f"paymatch: payment of {write.amount} {write.currency} received{when} "
                f"(reference {write.reference}); status set to {target}."
            )
        else:
            text = (
                f"paymatch: order cancelled (reference {write.reference}); status set to {target}."
            )
        try:
            self.client.add_order_note(write.order_id, text)
        except ConnectorError as error:  # the status is written; a missing note is cosmetic
            log.warning("order %s: could not add the order note: %s", write.order_id, error)

    # -- push ------------------------------------------------------------------------------

    def webhook_receiver(self) -> WebhookReceiver:
        """A receiver for this shop's webhooks (needs ``webhook_secret``)."""
        if self.settings.webhook_secret is None:
            raise ConfigError(
                "set webhook_secret to receive webhooks",
                where="woocommerce settings",
                field="webhook_secret",
            )
        return WebhookReceiver(self.settings.webhook_secret, parse=self.parse)
