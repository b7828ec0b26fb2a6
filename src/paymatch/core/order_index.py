"""The matcher's index of open orders: every way a posting can point to an order, kept in
dictionaries so that a posting finds its candidates without looking at every order.

Building must be cheap (a million orders in seconds), so an entry keeps only what the lookups
need; what is needed to *weigh* a candidate (normalised names, who the customer is, discount
terms) is worked out the first time the order becomes a candidate. Open amounts change as
assignments are made: that moves an entry to another amount bucket and bumps its ``version``,
so that a batch knows which evaluations went stale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from sys import intern
from typing import Any

import attrs

from paymatch.core.config import MatchConfig
from paymatch.core.errors import InputError
from paymatch.core.models import CashDiscount, Order, PaymentCode
from paymatch.rules import creditor_reference, payment_reference
from paymatch.rules.amounts import CashDiscountTerms
from paymatch.rules.parties import normalize_name, quick_words
from paymatch.rules.references import ReferenceKind, code_key, reference_key

_REFERENCE_FIELDS = (
    ("number", ReferenceKind.ORDER_NUMBER),
    ("invoice_number", ReferenceKind.INVOICE_NUMBER),
    ("customer_number", ReferenceKind.CUSTOMER_NUMBER),
)
KEY_KINDS = tuple(kind for _, kind in _REFERENCE_FIELDS)
"""What each place of :attr:`OrderEntry.keys` holds the key of."""
_NO_KEYS: tuple[str | None, str | None, str | None] = (None, None, None)


@attrs.define(slots=True)
class Details:
    """What weighing an order as a candidate needs; worked out once, on first use."""

    name_words: tuple[str, ...]
    company_words: tuple[str, ...]
    party: str
    """Who the customer is: customer number, else e-mail, else name; groups a payer's orders."""
    created: date | None
    cash_discount: CashDiscountTerms | None


@attrs.define(slots=True, eq=False, weakref_slot=False)
class OrderEntry:
    """One order as the matcher sees it: the fields it needs, copied out of the :class:`Order`
    so that the caller may drop its order objects once they are indexed (a million pydantic
    models weigh several times what these slotted records do)."""

    id: str
    source: str
    currency: str
    amount: Decimal
    open: Decimal
    number: str | None
    invoice_number: str | None
    customer_number: str | None
    customer_name: str | None
    company: str | None
    email: str | None
    created_at: datetime | None
    due_date: date | None
    known_ibans: tuple[str, ...]
    cash_discount: CashDiscount | None
    payment_code: PaymentCode | None
    payment_reference: str | None = None
    keys: tuple[str | None, str | None, str | None] = _NO_KEYS
    """Reference keys of its order, invoice and customer number (kinds: :data:`KEY_KINDS`);
    ``None`` where it has no such number or one too short to look up. One tuple of strings,
    not a (key, kind) pair per number: at a million orders that is 2.4 million objects fewer."""
    version: int = 0
    alive: bool = True
    details: Details | None = None

    @classmethod
    def of(cls, order: Order) -> OrderEntry:
        # The fields from the model's __dict__, where pydantic keeps them: half the time of an
        # attribute lookup each, and this runs once per order of an index build.
        fields = order.__dict__
        return cls(
            fields["id"],
            fields["source"],
            fields["currency"],
            fields["amount"],
            order.due_amount,
            fields["number"],
            fields["invoice_number"],
            fields["customer_number"],
            fields["customer_name"],
            fields["company"],
            fields["email"],
            fields["created_at"],
            fields["due_date"],
            fields["known_ibans"],
            fields["cash_discount"],
            fields["payment_code"],
            fields["payment_reference"],
        )

    @classmethod
    def from_json(
        cls, document: Mapping[str, Any], *, id: str, amount: Decimal, open: Decimal
    ) -> OrderEntry:
        """The entry of an order kept as its JSON form (``Order.model_dump(mode="json")``).

        No validation: only for documents written from a validated :class:`Order` (the store's
        order rows), where building a pydantic model per order would cost several times what
        indexing it does. ``amount`` and ``open`` come as exact values from the caller; the
        conversions below are the ones pydantic applies to that JSON form (a test keeps the
        two in step).
        """
        get = document.get
        created_at = get("created_at")
        due_date = get("due_date")
        cash_discount = get("cash_discount")
        payment_code = get("payment_code")
        return cls(
            id,
            get("source", "default"),
            document["currency"],
            amount,
            open,
            get("number"),
            get("invoice_number"),
            get("customer_number"),
            get("customer_name"),
            get("company"),
            get("email"),
            datetime.fromisoformat(created_at) if created_at else None,
            date.fromisoformat(due_date) if due_date else None,
            tuple(get("known_ibans", ())),
            CashDiscount.model_validate(cash_discount) if cash_discount else None,
            (_PAYMENT_CODES.get(payment_code) or PaymentCode(payment_code))
            if payment_code
            else None,
            get("payment_reference") or None,
        )

    @property
    def is_open(self) -> bool:
        return self.alive and self.open > 0


_PAYMENT_CODES = {code.value: code for code in PaymentCode}


class OrderIndex:
    """Open orders, indexed by reference key, own reference, amount, name word, IBAN, customer
    number and e-mail."""

    def __init__(
        self,
        config: MatchConfig,
        history: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.config = config
        self.entries: dict[str, OrderEntry] = {}
        self.by_key: dict[str, OrderEntry | list[OrderEntry]] = {}
        """Orders by reference key, once per key and build; read it through :meth:`keyed`.
        Kept lean, as most keys belong to one order: such a key holds the entry itself, not a
        list, and what kind of number the key is the entry's ``keys`` say. At a million orders
        a list and an (entry, kind) pair per key were 4 million objects for the memory and the
        garbage collector to carry."""
        self.by_own_reference: dict[str, list[OrderEntry]] = {}
        self.by_amount: dict[str, dict[Decimal, list[OrderEntry]]] = {}
        """Per currency, per open amount; may hold stale entries (check ``open``)."""
        self.by_word: dict[str, list[OrderEntry]] = {}
        self.by_name: dict[tuple[str, ...], list[OrderEntry]] = {}
        """Sorted lookup words of a whole customer or company name: a payer who writes the name
        as the shop has it (in any order) finds its orders in one step."""
        self.by_iban: dict[str, list[OrderEntry]] = {}
        self.by_customer: dict[str, list[OrderEntry]] = {}
        """Customer number (upper case) or e-mail (lower case): a payer's orders."""
        self.open_count: Counter[str] = Counter()
        self.sources: set[str] = set()
        self.history: dict[str, frozenset[str]] = {}
        self.code_count = 0
        """How many letter keys (order or invoice numbers without a digit) were indexed: texts
        are searched for letter codes only where there are some."""
        self._min_key = config.references.min_key_length
        if history:
            self.set_history(history)

    # -- history ----------------------------------------------------------------------------

    def set_history(self, history: Mapping[str, Iterable[str]]) -> None:
        """Which customer numbers each IBAN paid before (besides the orders' ``known_ibans``)."""
        self.history = {
            "".join(iban.split()).upper(): frozenset(n.strip().upper() for n in numbers)
            for iban, numbers in history.items()
        }

    def customers_of_iban(self, iban: str) -> frozenset[str]:
        return self.history.get(iban, frozenset())

    def orders_of_iban(self, iban: str) -> list[OrderEntry]:
        """Orders whose customer this IBAN paid before: by ``known_ibans`` or the history."""
        found = list(self.by_iban.get(iban, ()))
        # sorted: the candidates' order must not follow the sets' (hash seed) order
        for number in sorted(self.history.get(iban, ())):
            for source in sorted(self.sources):
                found.extend(self.by_customer.get(f"{source}#{number}", ()))
        return found

    # -- building ---------------------------------------------------------------------------

    def add(self, order: Order) -> OrderEntry:
        """Index one order."""
        return self.add_entry(OrderEntry.of(order))

    def add_entry(self, entry: OrderEntry) -> OrderEntry:
        """Index one order's entry. Kept lean: this runs a million times for a large shop, so
        the common cases of the helpers it stands for (:func:`reference_key`,
        :func:`_customer_keys`, :meth:`_enter_amount`) are written out here; a test keeps the
        index it builds equal to the one those helpers describe."""
        entries = self.entries
        if entry.id in entries:
            raise InputError(f"order id {entry.id!r} is indexed twice", field="id")
        entries[entry.id] = entry
        # one string object per source and currency, not one per order (~100 bytes an order)
        entry.source = source = intern(entry.source)
        entry.currency = currency = intern(entry.currency)
        self.sources.add(source)
        by_key = self.by_key
        min_key = self._min_key
        keys: list[str | None] = []
        for value in (entry.number, entry.invoice_number, entry.customer_number):
            key = None
            if value:
                key = (value.lstrip("0") or None) if value.isdigit() else reference_key(value)
                if key is None and len(keys) < 2:  # an order or invoice number: a letter code?
                    key = self.letter_key(value)
                if key is not None:
                    if len(key) < min_key:
                        key = None
                    elif key not in keys:  # once, whatever its kinds
                        bucket = by_key.get(key)
                        if bucket is None:
                            by_key[key] = entry
                        elif isinstance(bucket, list):
                            bucket.append(entry)
                        else:
                            by_key[key] = [bucket, entry]
            keys.append(key)
        number, invoice, customer = keys
        if number is None and invoice is None and customer is None:
            entry.keys = _NO_KEYS
        else:
            entry.keys = (number, invoice, customer)
        if entry.payment_reference:
            for form in own_reference_forms(entry.payment_reference):
                self.by_own_reference.setdefault(form, []).append(entry)
        by_word, by_name = self.by_word, self.by_name
        for name in (entry.customer_name, entry.company):
            if name:
                words = quick_words(name)
                for word in words:
                    bucket_ = by_word.get(word)
                    if bucket_ is None:
                        by_word[word] = [entry]
                    elif bucket_[-1] is not entry:
                        bucket_.append(entry)
                if len(words) > 1:
                    whole = tuple(sorted(words))
                    named = by_name.get(whole)
                    if named is None:
                        by_name[whole] = [entry]
                    else:
                        named.append(entry)
        for iban in entry.known_ibans:
            self.by_iban.setdefault(iban, []).append(entry)
        # the keys of _customer_keys, in its order
        by_customer = self.by_customer
        if entry.customer_number:
            customer_key = f"{source}#{entry.customer_number.strip().upper()}"
            known = by_customer.get(customer_key)
            if known is None:
                by_customer[customer_key] = [entry]
            else:
                known.append(entry)
        email = entry.email
        if email:
            folded = email.strip().lower()
            # the entry's own string where it is already the key: the index keeps no second copy
            customer_key = email if folded == email else folded
            known = by_customer.get(customer_key)
            if known is None:
                by_customer[customer_key] = [entry]
            else:
                known.append(entry)
        open_ = entry.open
        if open_ > 0:
            self.open_count[currency] += 1
            buckets = self.by_amount.get(currency)
            if buckets is None:
                buckets = self.by_amount[currency] = {}
            amount_bucket = buckets.get(open_)
            if amount_bucket is None:
                buckets[open_] = [entry]
            else:
                amount_bucket.append(entry)
        return entry

    def letter_key(self, value: str) -> str | None:
        """The letter key of an order or invoice number without a digit (see :func:`code_key`).
        Short ones are indexed too (``min_key_length`` applies): a plugin's reference pattern
        may find them, where the text scan looks only for ``min_code_length`` letters or more."""
        key = code_key(value)
        if key is not None:
            self.code_count += 1
        return key

    def _enter_amount(self, entry: OrderEntry) -> None:
        currency = entry.currency
        self.open_count[currency] += 1
        buckets = self.by_amount.get(currency)
        if buckets is None:
            buckets = self.by_amount[currency] = {}
        bucket = buckets.get(entry.open)
        if bucket is None:
            buckets[entry.open] = [entry]
        else:
            bucket.append(entry)

    def _leave_amount(self, entry: OrderEntry) -> None:
        """Take an open entry out of the counts; its bucket is cleaned lazily."""
        self.open_count[entry.currency] -= 1

    def details(self, entry: OrderEntry) -> Details:
        """The weighing details of ``entry``, worked out on first use."""
        if entry.details is None:
            entry.details = self._details(entry)
        return entry.details

    def _details(self, order: OrderEntry) -> Details:
        name_words = normalize_name(order.customer_name) if order.customer_name else ()
        company_words = normalize_name(order.company) if order.company else ()
        created = order.created_at.date() if order.created_at else None
        customers = _customer_keys(order)
        if customers:
            party = customers[0]
        elif company_words or name_words:
            party = "name:" + " ".join(sorted(company_words or name_words))
        else:
            party = f"order:{order.source}:{order.id}"
        return Details(
            name_words=name_words,
            company_words=company_words,
            party=party,
            created=created,
            cash_discount=self._cash_discount(order, created),
        )

    def _cash_discount(self, order: OrderEntry, created: date | None) -> CashDiscountTerms | None:
        if order.cash_discount is not None:
            return CashDiscountTerms(order.cash_discount.percent, order.cash_discount.until)
        rules = self.config.amounts
        if rules.cash_discount_percent is not None and order.payment_code is PaymentCode.INVOICE:
            until = created + timedelta(days=rules.cash_discount_days) if created else None
            return CashDiscountTerms(rules.cash_discount_percent, until)
        return None

    # -- changing ---------------------------------------------------------------------------

    def remove(self, order_id: str) -> None:
        """Forget an order (paid elsewhere, cancelled, deleted). Unknown ids are ignored.

        Its references stay in the lookup lists as a dead entry that lookups skip.
        """
        entry = self.entries.pop(order_id, None)
        if entry is None:
            return
        if entry.open > 0:
            self._leave_amount(entry)
        entry.alive = False
        entry.version += 1

    def update(self, order: Order) -> OrderEntry:
        """Replace an order by its new content (amounts, references, names may have changed)."""
        return self.update_entry(OrderEntry.of(order))

    def update_entry(self, entry: OrderEntry) -> OrderEntry:
        self.remove(entry.id)
        return self.add_entry(entry)

    def apply(self, order_id: str, amount: Decimal) -> None:
        """Reduce the open amount by ``amount`` (negative: an unassignment raises it again)."""
        entry = self.entries.get(order_id)
        if entry is None:
            raise KeyError(f"order {order_id!r} is not in the index")
        if entry.open > 0:
            self._leave_amount(entry)
        entry.open -= amount
        entry.version += 1
        if entry.open > 0:
            self._enter_amount(entry)

    # -- looking up -------------------------------------------------------------------------

    def keyed(self, key: str) -> list[tuple[OrderEntry, ReferenceKind]]:
        """The orders with reference key ``key``, each with the kind of number that has it (an
        order whose order number and customer number share the key comes once per kind)."""
        bucket = self.by_key.get(key)
        if bucket is None:
            return []
        if not isinstance(bucket, list):
            return [
                (bucket, kind)
                for own, kind in zip(bucket.keys, KEY_KINDS, strict=True)
                if own == key
            ]
        return [
            (entry, kind)
            for entry in bucket
            for own, kind in zip(entry.keys, KEY_KINDS, strict=True)
            if own == key
        ]

    def amount_bucket_size(self, currency: str, amount: Decimal) -> int:
        """About how many open orders have exactly ``amount`` open (stale entries included)."""
        bucket = self.by_amount.get(currency, {}).get(amount)
        return len(bucket) if bucket else 0

    def with_amount(self, currency: str, amount: Decimal) -> list[OrderEntry]:
        """The open orders whose open amount is exactly ``amount``."""
        bucket = self.by_amount.get(currency, {}).get(amount)
        if not bucket:
            return []
        live = [entry for entry in bucket if entry.open == amount and entry.alive]
        if len(live) != len(bucket):
            # drop stale entries now, and duplicates left by an amount that came back
            unique = list(dict.fromkeys(live))
            self.by_amount[currency][amount] = unique
            live = unique
        return live

    def customer_orders(self, entry: OrderEntry) -> list[OrderEntry]:
        """The open orders of the same customer (by customer number or e-mail), ``entry``
        included; just ``entry`` when the customer has neither."""
        customers = _customer_keys(entry)
        if not customers:
            return [entry]
        return [e for e in self.by_customer.get(customers[0], ()) if e.is_open]


def _customer_keys(order: Order | OrderEntry) -> list[str]:
    keys = []
    if order.customer_number:
        keys.append(f"{order.source}#{order.customer_number.strip().upper()}")
    if order.email:
        email = order.email.strip().lower()
        # the entry's own string where it is already the key: the index keeps no second copy
        keys.append(order.email if email == order.email else email)
    return keys


def own_reference_forms(reference: str) -> list[str]:
    """Every compact form under which an order's own reference can be written."""
    text = "".join(reference.split()).upper()
    forms = {text}
    # both validators reject early what cannot be theirs (creditor_reference: no R and F)
    if payment_reference.is_valid(text):
        compact = payment_reference.compact(text)
        forms |= {compact, creditor_reference.from_payment_reference(compact)}
    if creditor_reference.is_valid(text):
        forms.add(creditor_reference.inner(text))
    return sorted(forms)
