"""paymatch-easybill: the Easybill (REST API v1) connector for paymatch.

Open invoices become paymatch orders; a paid order becomes a payment on its invoice
(``POST /document-payments``). See the package README for settings and behaviour.
"""

from paymatch import hookimpl
from paymatch_easybill.client import (
    EasybillError,
    EasybillTransientError,
    UnsupportedWriteError,
)
from paymatch_easybill.settings import DEFAULT_BASE_URL, EasybillSettings
from paymatch_easybill.source import EasybillSource

__all__ = [
    "DEFAULT_BASE_URL",
    "EasybillError",
    "EasybillSettings",
    "EasybillSource",
    "EasybillTransientError",
    "UnsupportedWriteError",
]


@hookimpl
def paymatch_register_order_sources() -> list[type[EasybillSource]]:
    return [EasybillSource]
