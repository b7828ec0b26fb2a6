"""paymatch-example: a paymatch connector for the Example Shop API."""

from paymatch import hookimpl
from paymatch.rules.extensions import ReferencePattern
from paymatch_example.connector import ExampleShop

__all__ = ["ExampleShop"]


@hookimpl
def paymatch_register_order_sources() -> list[type[ExampleShop]]:
    return [ExampleShop]


@hookimpl
def paymatch_register_reference_patterns() -> list[ReferencePattern]:
    # Customers often write "EX 1001" or "ex1001" for order EX-1001.
    return [ReferencePattern("example-order-number", r"(?i)\bEX[- ]?\d{4,}\b", "order_number")]
