"""The postings: how each kind of payment (or non-payment) reaches the merchant's account.

Each case builder picks the orders it pays, decides who pays and what they write, and records
the truth: which orders the money belongs to and how much of it each gets. Whether a careful
person could have known that is decided afterwards by :mod:`.oracle`, from what ended up in the
posting, not here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from . import amounts, numbers, people, text, vocab
from .config import GeneratorConfig
from .people import Customer, Identity
from .remittance import (
    CHATTY_OPENINGS,
    INVOICE_TEMPLATES,
    NO_REFERENCE_TEXTS,
    ORDER_TEMPLATES,
    Mention,
    Piece,
    Remittance,
    compose,
)
from .world import OrderRecord, World


@dataclass(slots=True)
class PostingRecord:
    case: str
    booking: date
    amount: int  # cents, signed (debits negative)
    currency: str
    account: str
    name: str | None
    iban: str | None
    bic: str | None
    remittance: Remittance
    identity: Identity
    truth: list[tuple[str, int]]  # (order id, cents) the posting pays
    tags: list[str] = field(default_factory=list)
    settles: bool = False  # the order counts as paid although the amount is short (Skonto, fee)
    group: str | None = None  # postings that are interchangeable (the same payment twice)
    intended: list[str] = field(default_factory=list)  # orders meant, where none can be paid
    end_to_end_id: str | None = None
    id: str = ""
    determinable: bool = False
    reason: str = ""

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "id": self.id,
            "account_iban": self.account,
            "booking_date": self.booking.isoformat(),
            "value_date": self.booking.isoformat(),
            "amount": amounts.money(self.amount),
            "currency": self.currency,
            "remittance": self.remittance.text,
        }
        if self.name:
            record["counterparty_name"] = self.name
        if self.iban:
            record["counterparty_iban"] = self.iban
        if self.bic:
            record["counterparty_bic"] = self.bic
        if self.end_to_end_id:
            record["end_to_end_id"] = self.end_to_end_id
        return record

    def truth_json(self) -> dict[str, object]:
        return {
            "posting_id": self.id,
            "case": self.case,
            "assignments": [
                {"order_id": order_id, "amount": amounts.money(value)}
                for order_id, value in self.truth
            ],
            "determinable": self.determinable,
            "reason": self.reason,
            "tags": self.tags,
            "interchangeable_with": [],
            "intended_orders": self.intended,
        }


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CARRIER_IBAN = numbers.iban("DE", "10010010" + "0008855107")


class CaseBuilder:
    """Builds postings case by case, consuming each open order at most once."""

    def __init__(self, world: World, config: GeneratorConfig) -> None:
        self.world = world
        self.config = config
        self.noise = config.noise
        self.rng = random.Random(f"{config.seed}:postings")
        self.window_start = config.as_of - timedelta(days=config.window_days - 1)
        self.used: set[str] = set()
        self.rates = (self.noise.format_variant, self.noise.slip, self.noise.digit_error)
        self._pools: dict[str, list[OrderRecord]] = {}
        self._other_ibans: dict[str, tuple[str, str | None]] = {}
        rng = self.rng
        orders = sorted(world.orders, key=lambda o: o.id)
        payable = [o for o in orders if o.twin_of is None]
        self._pools["any"] = [o for o in payable if o.payment_code != "cod"]
        self._pools["eur"] = [o for o in self._pools["any"] if o.currency == "EUR"]
        self._pools["cod"] = [o for o in payable if o.payment_code == "cod"]
        self._pools["skonto"] = [o for o in payable if o.skonto_percent is not None]
        self._pools["foreign"] = [
            o for o in self._pools["eur"] if o.customer.country in {"CH", "GB", "US", "NO", "CA"}
        ]
        self._pools["twins"] = [o for o in orders if o.twin_of is not None and o.id < o.twin_of]
        for pool in self._pools.values():
            rng.shuffle(pool)
        multi: dict[int, int] = {}
        for order in self._pools["eur"]:
            multi[order.customer.cid] = multi.get(order.customer.cid, 0) + 1
        self._multi = sorted(cid for cid, count in multi.items() if count >= 2)
        rng.shuffle(self._multi)

    # --- picking orders -----------------------------------------------------------------------

    def _take(self, pool: str, accept: Callable[[OrderRecord], bool] | None = None) -> OrderRecord:
        candidates = self._pools[pool]
        passed_over: list[OrderRecord] = []  # not right for this case, still open for others
        try:
            while candidates:
                order = candidates.pop()
                if order.id in self.used:
                    continue
                if accept is not None and not accept(order):
                    passed_over.append(order)
                    continue
                self.used.add(order.id)
                return order
        finally:
            candidates.extend(reversed(passed_over))
        if pool != "eur":
            return self._take("eur", accept)
        raise RuntimeError("ran out of open orders: generate more orders per posting")

    def _booking(self, order: OrderRecord, *, latest: date | None = None) -> date:
        """When the money arrives: prepayments within days, invoices within weeks."""
        rng = self.rng
        latest = latest or self.config.as_of
        if order.payment_code == "invoice":
            delay = rng.uniform(3, 30)
        elif order.payment_code == "cod":
            delay = rng.uniform(2, 6)
        else:
            delay = rng.expovariate(1 / 2.5)
        booking = order.created.date() + timedelta(days=int(delay))
        if booking < self.window_start:  # paid late: arrives some day within the window
            booking = self.window_start + timedelta(days=rng.randrange(self.config.window_days))
        booking = max(booking, order.created.date())
        return min(booking, latest)

    # --- who pays, what they write -------------------------------------------------------------

    def _payer(self, customer: Customer) -> tuple[str | None, Identity, str, str | None, list[str]]:
        rng = self.rng
        if rng.random() < self.noise.payer_other_account:
            name, identity = (
                people.relative_name(customer, rng)
                if rng.random() < 0.5
                else people.stranger_name(rng)
            )
            account, bic = numbers.random_iban(rng)
            return name, identity, account, bic, ["other_account"]
        name, identity = people.payer_for(customer, rng)
        tags = [f"payer_{identity[0]}"]
        if rng.random() < self.noise.missing_name:
            return None, ("none",), customer.iban, customer.bic, ["name_missing"]
        return name, identity, customer.iban, customer.bic, tags

    def _reference(self, order: OrderRecord, *, prefer_invoice: float = 0.75) -> tuple[Piece, str]:
        if order.invoice and self.rng.random() < prefer_invoice:
            written = numbers.write_invoice_number(
                order.invoice_year, order.invoice_sequence, self.rng, self.rates
            )
            field_name = "invoice"
        else:
            written = numbers.write_plain_number(order.digits, order.prefix, self.rng, self.rates)
            field_name = "number"
        mention = Mention(written.key, written.kind, order.id)
        return (written.text, mention), f"ref_{field_name}_{written.kind}"

    def _stale_reference(self, order: OrderRecord, paid: int) -> tuple[Piece, str]:
        """The number of another order of the same customer: copied from an old confirmation,
        or the customer's other, older open order. Only the amount says which order is paid,
        so the other open order is named only where the amount is exactly this order's and not
        the other's (otherwise nothing could ever tell, and the truth would be arbitrary)."""
        others = [  # an order the customer already had when ordering this one
            o
            for o in self.world.by_customer[order.customer.cid]
            if o.created < order.created and o.open != order.open
        ]
        if others and paid == order.open and self.rng.random() < 0.5:
            other = min(others, key=lambda o: o.id)
            digits, prefix, tag = other.digits, other.prefix, "stale_reference_open"
        else:  # an order paid long ago: its number is no longer among the open ones
            digits = str(max(1, int(order.digits) - self.rng.randint(300, 3000)))
            prefix, tag = order.prefix, "stale_reference_old"
        shown = f"{prefix}{digits}"
        return (shown, Mention(numbers.number_key(digits), numbers.EXACT, None)), tag

    def _values(self, order: OrderRecord) -> dict[str, Piece | None]:
        customer = order.customer
        rng = self.rng
        shown = text.transliterate(f"{customer.first} {customer.last}")
        if rng.random() < 0.5:
            shown = f"{customer.first} {customer.last}"
        name_key = f"NAME:{text.name_key(customer.last)}:{text.name_key(customer.first)}"
        values: dict[str, Piece | None] = {
            "name": (shown, Mention(name_key, "exact", None)),
            "email": (customer.email, Mention(f"EMAIL:{customer.email.lower()}", "exact", None)),
            "day": f"{order.created.day:02d}.{order.created.month:02d}.",
            "date": order.created.strftime("%d.%m.%Y"),
            "cust": None,
            "company": None,
        }
        if order.customer_number:
            written = numbers.write_customer_number(order.customer_number, rng)
            # The templates already say "Kd-Nr", so only the number goes in there.
            values["cust"] = (written.text.split()[-1], Mention(written.key, "exact", None))
        if customer.is_company:
            key = f"COMPANY:{text.company_key(customer.company_core)}"
            values["company"] = (customer.company, Mention(key, "exact", None))
        return values

    def _fill(self, template: str, values: dict[str, Piece | None]) -> list[Piece] | None:
        pieces: list[Piece] = []
        position = 0
        for match in _PLACEHOLDER.finditer(template):
            literal = template[position : match.start()].strip()
            if literal:
                pieces.append(literal)
            value = values.get(match.group(1))
            if value is None:
                return None
            pieces.append(value)
            position = match.end()
        tail = template[position:].strip()
        if tail:
            pieces.append(tail)
        return pieces

    def _order_text(self, order: OrderRecord, tags: list[str], paid: int) -> list[Piece]:
        """What a payer writes for one order: a reference in some sentence, or nothing usable."""
        rng = self.rng
        values = self._values(order)
        roll = rng.random()
        if roll < self.noise.no_reference:
            tags.append("no_reference")
            return self._first_fit(NO_REFERENCE_TEXTS, values)
        if roll < self.noise.no_reference + self.noise.customer_number_only and values["cust"]:
            tags.append("customer_number_only")
            cust = values["cust"]
            assert cust is not None
            label = rng.choice(("Kd-Nr", "Kundennr.", "Kundennummer", "KdNr"))
            extra = rng.choice(("", "Bestellung vom {day}", "Zahlung", "{name}"))
            tail = self._fill(extra, values) or []
            return [label, cust, *tail]
        stale = roll < (
            self.noise.no_reference + self.noise.customer_number_only + self.noise.stale_reference
        )
        if stale:
            reference, tag = self._stale_reference(order, paid)
        else:
            reference, tag = self._reference(order)
        tags.append(tag)
        values["ref"] = reference
        templates = INVOICE_TEMPLATES if "invoice" in tag else ORDER_TEMPLATES
        pieces = self._first_fit(templates, values)
        if rng.random() < self.noise.chatty:
            tags.append("chatty")
            pieces = [rng.choice(CHATTY_OPENINGS), *pieces]
        if rng.random() < self.noise.email_in_text and values["email"] is not None:
            tags.append("email_in_text")
            pieces.append(values["email"])
        return pieces

    def _first_fit(
        self, templates: tuple[str, ...], values: dict[str, Piece | None]
    ) -> list[Piece]:
        for _ in range(20):
            pieces = self._fill(self.rng.choice(templates), values)
            if pieces is not None:
                return pieces
        return []

    def _compose(self, pieces: list[Piece]) -> Remittance:
        return compose(
            pieces, self.rng, upper=self.noise.upper_case_text, wrapper=self.noise.sepa_wrapper
        )

    def _e2e(self) -> str:
        if self.rng.random() < 0.7:
            return "NOTPROVIDED"
        return f"E2E{self.rng.randrange(10**15):015d}"

    def _posting(
        self,
        case: str,
        order: OrderRecord,
        *,
        amount: int,
        pieces: list[Piece],
        payer: tuple[str | None, Identity, str, str | None, list[str]],
        tags: list[str],
        booking: date,
        truth: list[tuple[str, int]],
    ) -> PostingRecord:
        name, identity, account, bic, payer_tags = payer
        remittance = self._compose(pieces)
        all_tags = [*tags, *payer_tags]
        if remittance.truncated:
            all_tags.append("truncated")
        if account in self.world.history:
            all_tags.append("known_iban")
        return PostingRecord(
            case=case,
            booking=booking,
            amount=amount,
            currency=order.currency,
            account=self.world.merchant_accounts[order.currency],
            name=name,
            iban=account,
            bic=bic,
            remittance=remittance,
            identity=identity,
            truth=truth,
            tags=all_tags,
            end_to_end_id=self._e2e(),
        )

    # --- the cases ------------------------------------------------------------------------------

    def exact(self) -> list[PostingRecord]:
        order = self._take("any")
        tags: list[str] = []
        pieces = self._order_text(order, tags, paid=order.open)
        payer = self._payer(order.customer)
        booking = self._booking(order)
        truth = [(order.id, order.open)]
        return [
            self._posting(
                "exact",
                order,
                amount=order.open,
                pieces=pieces,
                payer=payer,
                tags=tags,
                booking=booking,
                truth=truth,
            )
        ]

    def partial(self) -> list[PostingRecord]:
        latest = self.config.as_of - timedelta(days=2)
        order = self._take("any", lambda o: o.open >= 1500 and o.created.date() <= latest)
        rng = self.rng
        open_ = order.open
        options = [open_ - 490, (open_ // 1000) * 1000, (open_ // 200) * 100]
        first = rng.choice([value for value in options if 0 < value < open_] or [open_ // 2])
        booking = max(self._booking(order, latest=latest), self.window_start)
        booking = min(booking, latest)
        payer = self._payer(order.customer)
        tags: list[str] = []
        pieces = self._order_text(order, tags, paid=first)
        one = self._posting(
            "partial",
            order,
            amount=first,
            pieces=pieces,
            payer=payer,
            tags=tags,
            booking=booking,
            truth=[(order.id, first)],
        )
        rest = open_ - first
        later = booking + timedelta(days=rng.randint(1, (self.config.as_of - booking).days))
        tags2: list[str] = ["remainder"]
        reference, tag = self._reference(order)
        tags2.append(tag)
        if rng.random() < self.noise.no_reference:
            pieces2: list[Piece] = [rng.choice(("Restzahlung", "Rest", "Nachzahlung", "Differenz"))]
            tags2 = ["remainder", "no_reference"]
        else:
            lead = rng.choice(("Restzahlung", "Rest Bestellung", "Nachzahlung Versandkosten", ""))
            pieces2 = [lead, reference]
        two = self._posting(
            "partial",
            order,
            amount=rest,
            pieces=pieces2,
            payer=payer,
            tags=tags2,
            booking=later,
            truth=[(order.id, rest)],
        )
        return [one, two]

    def instalments(self) -> list[PostingRecord]:
        rng = self.rng
        start = self.window_start
        order = self._take("any", lambda o: o.open >= 10000 and o.created.date() <= start)
        count = 3
        part = (order.open // count // 100) * 100 or order.open // count
        values = [part] * (count - 1) + [order.open - part * (count - 1)]
        payer = self._payer(order.customer)
        days = sorted(rng.sample(range(self.config.window_days), count))
        reference, tag = self._reference(order)
        postings = []
        for index, (value, day) in enumerate(zip(values, days, strict=True), start=1):
            booking = max(self.window_start + timedelta(days=day), order.created.date())
            lead = rng.choice((f"Rate {index}/{count}", f"{index}. Rate", "Teilzahlung", "Rate"))
            pieces: list[Piece] = [lead, "Bestellung", reference]
            truth = [(order.id, value)]
            postings.append(
                self._posting(
                    "instalments",
                    order,
                    amount=value,
                    pieces=pieces,
                    payer=payer,
                    tags=[tag],
                    booking=booking,
                    truth=truth,
                )
            )
        return postings

    def overpayment(self) -> list[PostingRecord]:
        rng = self.rng
        order = self._take("any")
        open_ = order.open
        rounded = -(-open_ // 1000) * 1000
        extra = rng.choice([rounded - open_ if rounded > open_ else 1000, 490, 500, 100])
        tags: list[str] = []
        pieces = self._order_text(order, tags, paid=open_ + extra)
        payer = self._payer(order.customer)
        truth = [(order.id, open_)]
        return [
            self._posting(
                "overpayment",
                order,
                amount=open_ + extra,
                pieces=pieces,
                payer=payer,
                tags=tags,
                booking=self._booking(order),
                truth=truth,
            )
        ]

    def skonto(self, *, late: bool = False) -> list[PostingRecord]:
        rng = self.rng
        as_of, start = self.config.as_of, self.window_start

        def usable(order: OrderRecord) -> bool:
            until = order.skonto_until
            assert until is not None
            if late:
                return start <= until < as_of
            return until >= start and order.created.date() <= until

        order = self._take("skonto", usable)
        if order.skonto_percent is None or order.skonto_until is None:
            # The pool ran dry and an ordinary order came back: pay it in full instead.
            return self._as_exact(order, "skonto_late" if late else "skonto")
        until = order.skonto_until
        if late:
            booking = until + timedelta(days=rng.randint(1, max(1, (as_of - until).days)))
        else:
            earliest = max(order.created.date(), start)
            booking = earliest + timedelta(days=rng.randint(0, max(0, (until - earliest).days)))
        booking = min(booking, as_of)
        paid = amounts.discounted(order.open, order.skonto_percent)
        tags: list[str] = []
        if rng.random() < 0.2:  # payers round the discount their own way
            paid += rng.choice((-1, 1))
            tags.append("skonto_rounding")
        pieces = self._order_text(order, tags, paid=paid)
        if rng.random() < 0.4:
            pieces.append(rng.choice(("abzgl. Skonto", f"abzgl. {order.skonto_percent}% Skonto")))
        payer = self._payer(order.customer)
        case = "skonto_late" if late else "skonto"
        posting = self._posting(
            case,
            order,
            amount=paid,
            pieces=pieces,
            payer=payer,
            tags=tags,
            booking=booking,
            truth=[(order.id, paid)],
        )
        posting.settles = not late
        return [posting]

    def skonto_late(self) -> list[PostingRecord]:
        return self.skonto(late=True)

    def _as_exact(self, order: OrderRecord, case: str) -> list[PostingRecord]:
        tags: list[str] = ["fallback_exact"]
        pieces = self._order_text(order, tags, paid=order.open)
        payer = self._payer(order.customer)
        truth = [(order.id, order.open)]
        return [
            self._posting(
                case,
                order,
                amount=order.open,
                pieces=pieces,
                payer=payer,
                tags=tags,
                booking=self._booking(order),
                truth=truth,
            )
        ]

    def bank_fee(self) -> list[PostingRecord]:
        rng = self.rng
        order = self._take("foreign", lambda o: o.open >= 3000)
        fee = amounts.cents(rng.choice(vocab.FEE_AMOUNTS))
        while fee * 3 > order.open:
            fee //= 2
        paid = order.open - fee
        country = rng.choices(
            [c for c, _ in vocab.FOREIGN_COUNTRIES], weights=[w for _, w in vocab.FOREIGN_COUNTRIES]
        )[0]
        account, bic = self._foreign_account(order.customer, country)
        name, identity = people.payer_for(order.customer, rng)
        reference, tag = self._reference(order)
        template = rng.choice(
            ("Order {ref}", "Invoice {ref}", "Payment order {ref}", "{ref}", "/ROC/{ref}")
        )
        pieces = self._fill(template, {"ref": reference}) or [reference]
        tags = [tag]
        if rng.random() < self.noise.no_reference:
            pieces, tags = ["Payment"], ["no_reference"]
        payer = (name, identity, account, bic, [f"payer_{identity[0]}", f"from_{country}"])
        posting = self._posting(
            "bank_fee",
            order,
            amount=paid,
            pieces=pieces,
            payer=payer,
            tags=tags,
            booking=self._booking(order),
            truth=[(order.id, paid)],
        )
        posting.settles = True
        return [posting]

    def _foreign_account(self, customer: Customer, country: str) -> tuple[str, str | None]:
        key = f"{customer.cid}:{country}"
        if key not in self._other_ibans:
            self._other_ibans[key] = numbers.random_iban(self.rng, country)
        return self._other_ibans[key]

    def collective(self) -> list[PostingRecord]:
        rng = self.rng
        while self._multi:
            cid = self._multi.pop()
            open_orders = [
                o
                for o in self.world.by_customer[cid]
                if o.id not in self.used
                and o.currency == "EUR"
                and o.payment_code != "cod"
                and o.twin_of is None
            ]
            if len(open_orders) >= 2:
                break
        else:
            return self.exact()
        open_orders.sort(key=lambda o: o.id)
        count = min(len(open_orders), rng.choice((2, 2, 2, 3, 3, 4, 5)))
        chosen = sorted(rng.sample(open_orders, count), key=lambda o: o.created)
        for order in chosen:
            self.used.add(order.id)
        total = sum(o.open for o in chosen)
        customer = chosen[0].customer
        values = self._values(chosen[0])
        roll = rng.random()
        tags: list[str] = [f"orders_{count}"]
        pieces: list[Piece]
        if roll < 0.72:
            tags.append("named")
            lead = rng.choice(("Rechnungen", "RE", "Sammelzahlung", "Bestellungen", ""))
            pieces = [lead]
            for order in chosen:
                reference, tag = self._reference(order, prefer_invoice=0.9)
                tags.append(tag)
                pieces.append(reference)
                if rng.random() < 0.3:
                    pieces.append(f"{amounts.money(order.open).replace('.', ',')} EUR")
            if values["cust"] is not None and rng.random() < 0.4:
                pieces += ["Kd-Nr", values["cust"]]
        else:
            tags.append("unnamed")
            options = ["Sammelzahlung", "Rechnungen Oktober/November", "offene Rechnungen"]
            pieces = [rng.choice(options)]
            if values["cust"] is not None and rng.random() < 0.6:
                pieces += ["Kd-Nr", values["cust"]]
        payer = self._payer(customer)
        booking = max(self._booking(chosen[-1]), chosen[-1].created.date())
        truth = [(o.id, o.open) for o in chosen]
        return [
            self._posting(
                "collective",
                chosen[0],
                amount=total,
                pieces=pieces,
                payer=payer,
                tags=tags,
                booking=booking,
                truth=truth,
            )
        ]

    def cod_payout(self) -> list[PostingRecord]:
        rng = self.rng
        order = self._take("cod")
        tracking = f"00340434{rng.randrange(10**12):012d}"
        if order.payment_code != "cod":
            return self._as_exact(order, "cod_payout")
        tags: list[str] = []
        if rng.random() < 0.25:
            pieces: list[Piece] = ["NACHNAHME SDG-NR", tracking]
            tags.append("no_reference")
        else:
            reference, tag = self._reference(order)
            tags.append(tag)
            pieces = rng.choice(
                (
                    ["NACHNAHME", reference, "SDG-NR", tracking],
                    ["NN-Betrag Sendung", tracking, "Ref", reference],
                    ["COD", tracking, reference],
                )
            )
        carrier = rng.choice(("DHL Paket GmbH", "Deutsche Post AG", "DEUTSCHE POST AG NACHNAHME"))
        payer = (
            carrier,
            ("company", text.company_key(text.strip_legal_form(carrier))),
            _CARRIER_IBAN,
            "PBNKDEFFXXX",
            ["carrier"],
        )
        truth = [(order.id, order.open)]
        return [
            self._posting(
                "cod_payout",
                order,
                amount=order.open,
                pieces=pieces,
                payer=payer,
                tags=tags,
                booking=self._booking(order),
                truth=truth,
            )
        ]

    def third_party(self) -> list[PostingRecord]:
        rng = self.rng
        order = self._take("any")
        customer = order.customer
        roll = rng.random()
        if customer.is_company and roll < 0.5:
            shown = rng.choice(
                (
                    f"Steuerbuero {people.surname(rng)}",
                    f"{customer.company_core} Holding GmbH",
                    f"{rng.choice(vocab.COMPANY_WORDS)} Verwaltungs GmbH",
                )
            )
            name, identity = (
                text.transliterate(shown).upper(),
                (
                    "company",
                    text.company_key(text.strip_legal_form(shown)),
                ),
            )
            kind = "other_company"
        elif roll < 0.55:
            name, identity = people.relative_name(customer, rng)
            kind = "relative"
        elif roll < 0.8:
            name, identity = people.employer_name(rng)
            kind = "employer"
        else:
            name, identity = people.stranger_name(rng)
            kind = "friend"
        account, bic = numbers.random_iban(rng)
        if customer.numbers and rng.random() < 0.15:
            known = sorted({n for n in customer.numbers.values() if n})
            if known:  # this payer has paid for the customer before
                self.world.history[account] = known
        tags = [f"third_party_{kind}"]
        values = self._values(order)
        if rng.random() < 0.15:
            pieces = [rng.choice(("Zahlung", "Bestellung", "Geschenk"))]
            tags.append("no_reference")
        else:
            reference, tag = self._reference(order)
            tags.append(tag)
            values["ref"] = reference
            template = rng.choice(
                (
                    "Bestellung {ref} fuer {name}",
                    "{ref} {name}",
                    "{ref}",
                    "Bestellung {ref}",
                    "Rechnung {ref} {company}",
                )
            )
            pieces = self._fill(template, values) or [reference]
        payer = (name, identity, account, bic, [])
        truth = [(order.id, order.open)]
        return [
            self._posting(
                "third_party",
                order,
                amount=order.open,
                pieces=pieces,
                payer=payer,
                tags=tags,
                booking=self._booking(order),
                truth=truth,
            )
        ]

    def twins(self) -> list[PostingRecord]:
        rng = self.rng
        pool = self._pools["twins"]
        while pool:
            first = pool.pop()
            second = self.world.by_id[first.twin_of or ""]
            if first.id not in self.used and second.id not in self.used:
                break
        else:
            return self.exact()
        self.used.update((first.id, second.id))
        earlier = min(first, second, key=lambda o: (o.created, o.id))
        values = self._values(earlier)
        pieces = self._first_fit(NO_REFERENCE_TEXTS, values)
        name, identity = people.payer_for(earlier.customer, rng)
        payer = (name, identity, earlier.customer.iban, earlier.customer.bic, [])
        booking = self._booking(max(first, second, key=lambda o: o.created))
        truth = [(earlier.id, earlier.open)]
        return [
            self._posting(
                "twins",
                earlier,
                amount=earlier.open,
                pieces=pieces,
                payer=payer,
                tags=["no_reference"],
                booking=booking,
                truth=truth,
            )
        ]

    def duplicate(self) -> list[PostingRecord]:
        rng = self.rng
        latest = self.config.as_of - timedelta(days=1)
        order = self._take("any", lambda o: o.created.date() <= latest)
        booking = min(self._booking(order, latest=latest), latest)
        tags: list[str] = []
        pieces = self._order_text(order, tags, paid=order.open)
        payer = self._payer(order.customer)
        first = self._posting(
            "duplicate",
            order,
            amount=order.open,
            pieces=pieces,
            payer=payer,
            tags=tags,
            booking=booking,
            truth=[(order.id, order.open)],
        )
        later = booking + timedelta(days=rng.randint(1, (self.config.as_of - booking).days))
        second = self._posting(
            "duplicate",
            order,
            amount=order.open,
            pieces=[],
            payer=payer,
            tags=["second"],
            booking=later,
            truth=[],
        )
        second.remittance = first.remittance  # the same transfer again, word for word
        second.tags = [*first.tags, "second"]
        second.intended = [order.id]
        first.group = second.group = f"dup-{order.id}"
        return [first, second]

    def other_currency(self) -> list[PostingRecord]:
        rng = self.rng
        order = self._take("eur")
        currency, rate = rng.choice((("USD", "1.08"), ("GBP", "0.86"), ("CHF", "0.94")))
        converted = int(
            (Decimal(order.open) * Decimal(rate) * Decimal(rng.uniform(0.98, 1.02))).to_integral()
        )
        reference, tag = self._reference(order)
        name, identity = people.payer_for(order.customer, rng)
        account, bic = numbers.random_iban(rng, rng.choice(("CH", "GB")))
        remittance = self._compose([rng.choice(("Order", "Bestellung", "Invoice")), reference])
        posting = PostingRecord(
            case="other_currency",
            booking=self._booking(order),
            amount=converted,
            currency=currency,
            account=self.world.merchant_accounts[currency],
            name=name,
            iban=account,
            bic=bic,
            remittance=remittance,
            identity=identity,
            truth=[],
            tags=[tag, currency],
            intended=[order.id],
        )
        return [posting]

    def unrelated_credit(self) -> list[PostingRecord]:
        return [self._unrelated(vocab.UNRELATED_CREDITS, sign=1)]

    def debit(self) -> list[PostingRecord]:
        return [self._unrelated(vocab.DEBITS, sign=-1)]

    def _unrelated(
        self, templates: tuple[tuple[str, str, str], ...], *, sign: int
    ) -> PostingRecord:
        rng = self.rng
        who, what, kind = rng.choice(templates)
        sample = self.world.orders[rng.randrange(len(self.world.orders))]
        fill = {
            "city": rng.choice(vocab.CITIES),
            "word": rng.choice(vocab.COMPANY_WORDS),
            "kind": rng.choice(vocab.COMPANY_KINDS),
            "person": f"{people.first_name(rng)} {people.surname(rng)}",
            "own": "Lindenhof Versand GmbH",
            "month": rng.choice(vocab.MONTHS),
            "q": str(rng.randint(1, 4)),
            "taxno": f"{rng.randrange(100, 999)}/{rng.randrange(10**4)}/{rng.randrange(10**4)}",
            "order": sample.number,
            "d": (self.config.as_of - timedelta(days=rng.randrange(20))).strftime("%d.%m.%Y"),
            "alnum10": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10)),
        }
        for digits in (4, 5, 6, 7, 8, 9, 10, 12, 16):
            fill[f"n{digits}"] = f"{rng.randrange(10**digits):0{digits}d}"
        name = who.format(**fill)
        remittance_text = what.format(**fill)
        if "{order}" in what:  # a refund or a returned debit of a real order: its amount
            value = sample.amount
        elif rng.random() < 0.25:  # a single sale moved from PayPal & co: an order-like amount
            value = self.world.orders[rng.randrange(len(self.world.orders))].amount
        else:
            value = int(rng.lognormvariate(10, 1.2)) + 100
        key = name
        if key not in self._other_ibans:
            self._other_ibans[key] = numbers.random_iban(rng)
        account, bic = self._other_ibans[key]
        booking = self.window_start + timedelta(days=rng.randrange(self.config.window_days))
        case = "unrelated_credit" if sign > 0 else "debit"
        return PostingRecord(
            case=case,
            booking=booking,
            amount=sign * value,
            currency="EUR",
            account=self.world.merchant_accounts["EUR"],
            name=text.transliterate(name).upper() if rng.random() < 0.5 else name,
            iban=account,
            bic=bic,
            remittance=self._compose([remittance_text]),
            identity=("none",),
            truth=[],
            tags=[kind],
            end_to_end_id=self._e2e(),
        )
