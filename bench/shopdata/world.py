"""The shop's side: customers, their open orders, and the IBANs seen paying before.

Orders come from a Shopware shop (numbers ``SW10023``, customer numbers from 10000 as in
Shopware's default) and a WooCommerce shop (post ids ``4711`` shown as ``#4711``, customer numbers
are WordPress user ids); invoice orders carry an invoice number ``RE-2026-00123`` from the
merchant's one invoice series. Order ids are opaque, so no matcher can read the answer from them.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from . import amounts, numbers
from .config import GeneratorConfig
from .people import Customer, new_customer


@dataclass(slots=True)
class OrderRecord:
    id: str
    source: str
    customer: Customer
    payment_code: str
    currency: str
    amount: int  # cents
    open: int  # cents still open when the batch starts
    created: datetime
    due: date | None = None
    skonto_percent: Decimal | None = None
    skonto_until: date | None = None
    number: str = ""
    digits: str = ""  # the number's digits (what a payer copies)
    prefix: str = ""
    invoice: str | None = None
    invoice_year: int = 0
    invoice_sequence: int = 0
    customer_number: str | None = None
    twin_of: str | None = None

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "id": self.id,
            "source": self.source,
            "number": self.number,
            "customer_name": self.customer.person_name,
            "email": self.customer.email,
            "amount": amounts.money(self.amount),
            "currency": self.currency,
            "payment_code": self.payment_code,
            "created_at": self.created.isoformat(timespec="seconds"),
            "country": self.customer.country,
        }
        if self.invoice:
            record["invoice_number"] = self.invoice
        if self.customer_number:
            record["customer_number"] = self.customer_number
        if self.customer.is_company:
            record["company"] = self.customer.company
        if self.due:
            record["due_date"] = self.due.isoformat()
        if self.open != self.amount:
            record["open_amount"] = amounts.money(self.open)
        if self.skonto_percent is not None and self.skonto_until is not None:
            record["cash_discount"] = {
                "percent": str(self.skonto_percent),
                "until": self.skonto_until.isoformat(),
            }
        return record


@dataclass(slots=True)
class World:
    config: GeneratorConfig
    customers: list[Customer]
    orders: list[OrderRecord]
    by_id: dict[str, OrderRecord]
    by_customer: dict[int, list[OrderRecord]]
    history: dict[str, list[str]]
    catalogue: amounts.Catalogue
    merchant_accounts: dict[str, str]


def _weighted_indices(rng: random.Random, weights: list[float], k: int) -> list[int]:
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    return [bisect.bisect_right(cumulative, rng.random() * total) for _ in range(k)]


def _age_days(rng: random.Random, code: str, limit: int) -> float:
    """How old an order still open today is: prepayments are paid or cancelled quickly."""
    if code == "invoice":
        age = rng.uniform(0, 60)
    elif code == "cod":
        age = rng.expovariate(1 / 6)
    else:
        age = rng.expovariate(1 / 12)
    return min(age, limit - 1)


def build_world(config: GeneratorConfig, twins: int) -> World:
    """Customers and ``config.orders`` open orders, ``twins`` of them twins of another order."""
    rng = random.Random(f"{config.seed}:world")
    customer_count = max(20, int(config.orders * 0.62))
    customers = [
        new_customer(cid, rng, company=rng.random() < config.business_share)
        for cid in range(customer_count)
    ]
    # How much each customer orders: a heavy tail; companies order more.
    activity = [
        # capped: even a busy business customer has a few dozen open orders, not thousands
        min(rng.paretovariate(1.6), 25.0) * (2.5 if customer.is_company else 1.0)
        for customer in customers
    ]
    base_count = config.orders - twins
    owners = _weighted_indices(rng, activity, base_count)
    catalogue = amounts.Catalogue(rng)
    as_of = datetime.combine(config.as_of, datetime.min.time()) + timedelta(hours=23, minutes=59)
    person_codes = list(config.payment_code_shares)
    person_weights = list(config.payment_code_shares.values())

    orders: list[OrderRecord] = []
    for owner in owners:
        customer = customers[owner]
        if customer.is_company:
            code = "invoice" if rng.random() < 0.85 else "prepayment"
        else:
            code = rng.choices(person_codes, weights=person_weights)[0]
        source = "shopware" if rng.random() < config.source_shares["shopware"] else "woocommerce"
        created = as_of - timedelta(days=_age_days(rng, code, config.history_days))
        created = created.replace(microsecond=0)
        currency = "CHF" if customer.country == "CH" and rng.random() < 0.35 else "EUR"
        if customer.is_company and code == "invoice":
            total = amounts.business_total(catalogue, rng)
        else:
            total = amounts.consumer_total(catalogue, rng, cod=code == "cod")
        order = OrderRecord(
            id="",
            source=source,
            customer=customer,
            payment_code=code,
            currency=currency,
            amount=total,
            open=total,
            created=created,
        )
        if code == "invoice":
            order.due = created.date() + timedelta(days=rng.choice((14, 14, 30)))
            if customer.is_company and rng.random() < config.skonto_share:
                order.skonto_percent = rng.choices(
                    (Decimal("2"), Decimal("3"), Decimal("1.5")), weights=(0.7, 0.2, 0.1)
                )[0]
                order.skonto_until = created.date() + timedelta(days=rng.choice((7, 10, 14)))
        if rng.random() < config.partly_paid_share and total > 2000:
            order.open = total - rng.choice((total // 2, 1000, 2000, total // 3))
        orders.append(order)

    # Twins: the same customer ordered the same again (a re-order, a gift for two people).
    candidates = [o for o in orders if o.currency == "EUR" and o.payment_code != "cod"]
    pairs: list[tuple[OrderRecord, OrderRecord]] = []
    for base in rng.sample(candidates, min(twins, len(candidates))):
        earlier = base.created - timedelta(days=rng.uniform(1, 10))
        twin = OrderRecord(
            id="",
            source=base.source,
            customer=base.customer,
            payment_code=base.payment_code,
            currency=base.currency,
            amount=base.amount,
            open=base.amount,
            created=earlier.replace(microsecond=0),
            due=base.due,
        )
        base.open = base.amount
        base.skonto_percent = base.skonto_until = None
        orders.append(twin)
        pairs.append((base, twin))

    _number_orders(orders, rng)
    _number_customers(orders, rng)
    ids = list(range(len(orders)))
    rng.shuffle(ids)  # opaque ids: neither the number nor the creation order shows
    for order, opaque in zip(orders, ids, strict=True):
        order.id = f"o{opaque:07d}"
    for base, twin in pairs:
        base.twin_of, twin.twin_of = twin.id, base.id

    by_customer: dict[int, list[OrderRecord]] = {}
    for order in orders:
        by_customer.setdefault(order.customer.cid, []).append(order)
    history: dict[str, list[str]] = {}
    for customer in customers:
        known = [n for n in customer.numbers.values() if n]
        if known and rng.random() < config.noise.known_iban:
            history[customer.iban] = sorted(set(known))
    accounts = {
        "EUR": numbers.iban("DE", "37050198" + "1931425378"),
        "CHF": numbers.iban("CH", "09000000" + "250097798"),
        "USD": numbers.iban("DE", "10070000" + "0603550401"),
        "GBP": numbers.iban("DE", "10070000" + "0603550402"),
    }
    return World(
        config=config,
        customers=customers,
        orders=orders,
        by_id={order.id: order for order in orders},
        by_customer=by_customer,
        history=history,
        catalogue=catalogue,
        merchant_accounts=accounts,
    )


def _number_orders(orders: list[OrderRecord], rng: random.Random) -> None:
    """Numbers in creation order: Shopware counts up from 10000, WooCommerce post ids have gaps
    (other posts share the counter), invoices count per year from the year's earlier invoices.

    Between two open orders lie the orders that were paid (or cancelled) meanwhile: few among
    yesterday's orders, most among those of two months ago. So open numbers are sparse, as in a
    real shop, and a mistyped number usually names no open order at all.
    """
    orders.sort(key=lambda o: (o.created, o.amount, o.customer.cid))
    newest = orders[-1].created if orders else datetime.min

    def closed_between(order: OrderRecord) -> int:
        age_days = (newest - order.created).total_seconds() / 86400
        return int(rng.expovariate(1 / min(0.3 + age_days / 5, 12)))

    shop_next = 10000 + rng.randrange(0, 5000)
    woo_next = 3000 + rng.randrange(0, 2000)
    invoice_next: dict[int, int] = {}
    for order in orders:
        if order.source == "shopware":
            order.digits, order.prefix = str(shop_next), "SW"
            order.number = numbers.shopware_number(shop_next)
            shop_next += 1 + closed_between(order)
        else:
            order.digits, order.prefix = str(woo_next), ""
            order.number = str(woo_next)
            woo_next += rng.choice((1, 1, 1, 2, 3)) + closed_between(order)
        if order.payment_code == "invoice":
            year = order.created.year
            # Invoices of earlier months of the year came before the open ones.
            sequence = invoice_next.setdefault(year, 100 + order.created.timetuple().tm_yday * 3)
            invoice_next[year] = sequence + 1 + closed_between(order) // 2
            order.invoice_year, order.invoice_sequence = year, sequence
            order.invoice = numbers.invoice_number(year, sequence)


def _number_customers(orders: list[OrderRecord], rng: random.Random) -> None:
    """Customer numbers per shop; some consumers order as guests (no number)."""
    next_number = {"shopware": 10000, "woocommerce": 2}
    for order in orders:
        customer = order.customer
        if order.source not in customer.numbers:
            guest = not customer.is_company and rng.random() < (
                0.15 if order.source == "shopware" else 0.40
            )
            if guest:
                customer.numbers[order.source] = None
            else:
                customer.numbers[order.source] = str(next_number[order.source])
                next_number[order.source] += 1
        order.customer_number = customer.numbers[order.source]
