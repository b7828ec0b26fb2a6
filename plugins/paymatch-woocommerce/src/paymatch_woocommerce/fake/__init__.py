"""A fake WooCommerce shop for tests (yours too): real HTTP on 127.0.0.1, the real wire format."""

from __future__ import annotations

from paymatch_woocommerce.fake.auth import ApiKey
from paymatch_woocommerce.fake.server import (
    Delivery,
    FakeWebhookError,
    FakeWooCommerce,
    RecordedRequest,
    Webhook,
)

__all__ = [
    "ApiKey",
    "Delivery",
    "FakeWebhookError",
    "FakeWooCommerce",
    "RecordedRequest",
    "Webhook",
]
