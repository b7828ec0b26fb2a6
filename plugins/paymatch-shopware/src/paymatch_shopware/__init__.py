"""paymatch connector for the Shopware 6 Admin API (see the package README)."""

from __future__ import annotations

from paymatch import hookimpl
from paymatch_shopware.errors import (
    IllegalTransitionError,
    NoTransitionPathError,
    ShopwareAuthError,
    ShopwareError,
    ShopwareResponseError,
    ShopwareTransientError,
    UnsupportedWriteError,
)
from paymatch_shopware.mapping import default_mapping
from paymatch_shopware.settings import ShopwareSettings
from paymatch_shopware.source import ShopwareSource

__version__ = "0.1.0"

__all__ = [
    "IllegalTransitionError",
    "NoTransitionPathError",
    "ShopwareAuthError",
    "ShopwareError",
    "ShopwareResponseError",
    "ShopwareSettings",
    "ShopwareSource",
    "ShopwareTransientError",
    "UnsupportedWriteError",
    "default_mapping",
    "paymatch_register_order_sources",
]


@hookimpl
def paymatch_register_order_sources() -> list[type[ShopwareSource]]:
    return [ShopwareSource]
