"""A local fake of the Shopware 6 Admin API, for testing code that uses this connector.

Start it, seed it with serialized orders (the shape Shopware sends) and point the connector at
``fake.url``::

    with FakeShopware() as fake:
        fake.add_order(order)
        source = ShopwareSource(fake.settings())
        ...

See :mod:`paymatch_shopware.fake.server` for what it reproduces.
"""

from paymatch_shopware.fake.clock import ManualClock
from paymatch_shopware.fake.server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    FakeShopware,
    HistoryEntry,
    RecordedRequest,
    negotiate,
    shopware_time,
)
from paymatch_shopware.fake.state_machine import TransactionStateMachine, state_id

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "FakeShopware",
    "HistoryEntry",
    "ManualClock",
    "RecordedRequest",
    "TransactionStateMachine",
    "negotiate",
    "shopware_time",
    "state_id",
]
