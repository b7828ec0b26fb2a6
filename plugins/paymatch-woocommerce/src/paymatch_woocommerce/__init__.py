"""paymatch connector for WooCommerce: REST API v3 (Basic auth / OAuth 1.0a) and webhooks."""

from __future__ import annotations

from paymatch import hookimpl
from paymatch_woocommerce.client import WooCommerceClient
from paymatch_woocommerce.errors import (
    WebhookRejected,
    WooCommerceAuthError,
    WooCommerceError,
    WooCommerceProtocolError,
    WooCommerceTransientError,
)
from paymatch_woocommerce.mapping import DEFAULT_MAPPING
from paymatch_woocommerce.orders import parse_order
from paymatch_woocommerce.settings import WooCommerceSettings
from paymatch_woocommerce.source import WooCommerceSource
from paymatch_woocommerce.webhooks import (
    OrderDeleted,
    OrderPushed,
    WebhookEvent,
    WebhookIgnored,
    WebhookPing,
    WebhookReceiver,
    verify_signature,
    webhook_signature,
)

__version__ = "0.1.0"


@hookimpl
def paymatch_register_order_sources() -> list[type[WooCommerceSource]]:
    return [WooCommerceSource]


__all__ = [
    "DEFAULT_MAPPING",
    "OrderDeleted",
    "OrderPushed",
    "WebhookEvent",
    "WebhookIgnored",
    "WebhookPing",
    "WebhookReceiver",
    "WebhookRejected",
    "WooCommerceAuthError",
    "WooCommerceClient",
    "WooCommerceError",
    "WooCommerceProtocolError",
    "WooCommerceSettings",
    "WooCommerceSource",
    "WooCommerceTransientError",
    "parse_order",
    "paymatch_register_order_sources",
    "verify_signature",
    "webhook_signature",
]
