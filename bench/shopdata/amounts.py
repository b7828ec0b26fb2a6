"""Order totals as shops produce them: catalogue prices, baskets, shipping, vouchers, VAT.

Consumer baskets are a few catalogue items at psychological price points plus shipping below the
free-shipping threshold, so totals such as 24.89 (19.99 + 4.90) recur constantly. Business
invoices are net positions plus 19 % VAT, so their cents vary more. All arithmetic is in cents.
"""

from __future__ import annotations

import bisect
import itertools
import random
from decimal import ROUND_HALF_UP, Decimal

from . import vocab

CENT = Decimal("0.01")


def cents(value: str | float) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))


def money(value_cents: int) -> str:
    """Cents as the interchange's decimal string (``"49.90"``)."""
    sign = "-" if value_cents < 0 else ""
    value_cents = abs(value_cents)
    return f"{sign}{value_cents // 100}.{value_cents % 100:02d}"


class Catalogue:
    """A shop's products: prices at price points, popularity following a power law."""

    def __init__(self, rng: random.Random, size: int = 400) -> None:
        points = [cents(p) for p in vocab.PRICE_POINTS]
        # Cheap items are more common in a catalogue than expensive ones.
        weights = [1 / (i + 4) for i in range(len(points))]
        self.prices = rng.choices(points, weights=weights, k=size)
        self._cumulative = list(itertools.accumulate(1 / (r + 1) ** 0.9 for r in range(size)))

    def item(self, rng: random.Random) -> int:
        point = rng.random() * self._cumulative[-1]
        return self.prices[bisect.bisect_right(self._cumulative, point)]


def consumer_total(catalogue: Catalogue, rng: random.Random, *, cod: bool) -> int:
    """A consumer order total in cents."""
    count = rng.choices((1, 2, 3, 4, 5), weights=(0.55, 0.25, 0.11, 0.06, 0.03))[0]
    total = 0
    for _ in range(count):
        quantity = 1 if rng.random() < 0.9 else 2
        total += catalogue.item(rng) * quantity
    if rng.random() < 0.05:  # voucher: a fixed amount or a percentage
        if rng.random() < 0.5:
            total = max(total - 500, 100)
        else:
            total -= total * 10 // 100
    if total < vocab.FREE_SHIPPING_FROM * 100:
        total += cents(rng.choice(vocab.SHIPPING_DE))
    if cod:
        total += cents(vocab.COD_FEE)
    return total


def business_total(catalogue: Catalogue, rng: random.Random) -> int:
    """A business invoice total in cents: net positions plus 19 % VAT, rounded half up."""
    positions = rng.choices((1, 2, 3, 5, 8, 12), weights=(0.25, 0.25, 0.2, 0.15, 0.1, 0.05))[0]
    net = 0
    for _ in range(positions):
        quantity = rng.choice((1, 1, 2, 3, 5, 10, 20))
        # Business customers see net prices: the catalogue price without VAT.
        unit = (Decimal(catalogue.item(rng)) / Decimal("1.19")).to_integral_value(ROUND_HALF_UP)
        net += int(unit) * quantity
    gross = (Decimal(net) * Decimal("1.19")).to_integral_value(ROUND_HALF_UP)
    return int(gross)


def discounted(total_cents: int, percent: Decimal) -> int:
    """The amount a payer transfers after taking ``percent`` cash discount (half up)."""
    value = Decimal(total_cents) * (Decimal(100) - percent) / Decimal(100)
    return int(value.to_integral_value(ROUND_HALF_UP))
