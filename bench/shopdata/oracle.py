"""Could a careful person have known? The ``determinable`` flag of the truth.

The person has all the shop's data (every open order with its number, invoice number, customer
number, names, e-mail, amount and cash-discount terms), the IBAN history, and the posting as the
bank delivered it. They go through the postings by booking date and settle what they are sure of.
They are *certain* of an assignment when:

1. every order the money belongs to is named by a reference they can read in the remittance text
   (another spelling of the number, O for 0 and l for 1 included), and that reference points to
   that order only, or, where it could mean several orders (``10023`` is an order number here and
   a customer number there), only that one fits the payer or the amount; or
   Nothing in the text names a different open order (a customer who copied the number of their
   other open order has paid one of two orders, and only the amount hints which); and
2. the reference has a real digit error, but the payer is known to be that order's customer, the
   amount is exactly what that order asks for, and no order the mistyped number could mean fits;
   or
3. there is no readable reference for (some of) the orders, but the payer is identified by what
   the person sees (an IBAN from the history leads to the orders carrying the customer numbers it
   paid before; the customer's e-mail or customer number in the text; a name leads to the orders
   of everybody with that name) and among those open orders exactly one order,
   or exactly one combination of orders, explains the rest of the amount: the open amount exactly,
   or the amount less a cash discount the order grants (to the cent, give or take one) within its
   period. Without a reference a short or excess amount (partial payment, bank fee, rounding up)
   is never certain: it could be meant for something else.

Everything else is not determinable, even where a guess would usually be right. Postings that pay
no order (unrelated credits, debits, another currency, a second payment of a paid order) have no
assignment to determine; their flag is true.
"""

from __future__ import annotations

from datetime import date

from . import amounts, text
from .cases import PostingRecord
from .numbers import NEAR
from .people import Identity
from .world import OrderRecord, World

SUBSET_LIMIT = 24  # a person (with a spreadsheet) checks combinations of at most this many orders


class Oracle:
    def __init__(self, world: World) -> None:
        self.world = world
        self.by_key: dict[str, list[OrderRecord]] = {}
        self.orders_by_number: dict[int, list[OrderRecord]] = {}
        self.full: dict[tuple[str, str], set[int]] = {}
        self.initial: dict[tuple[str, str], set[int]] = {}
        self.surname: dict[str, set[int]] = {}
        self.company: dict[str, set[int]] = {}
        self.email: dict[str, int] = {}
        self.open = {order.id: order.open for order in world.orders}
        for order in world.orders:
            self.by_key.setdefault(f"N:{int(order.digits)}", []).append(order)
            if order.customer_number:
                number = int(order.customer_number)
                self.orders_by_number.setdefault(number, []).append(order)
                # A bare "10023" may just as well be this customer number.
                self.by_key.setdefault(f"N:{number}", []).append(order)
            if order.invoice:
                key = f"RE:{order.invoice_year}:{order.invoice_sequence}"
                self.by_key.setdefault(key, []).append(order)
        for customer in world.customers:
            cid = customer.cid
            last, first = text.name_key(customer.last), text.name_key(customer.first)
            self.full.setdefault((last, first), set()).add(cid)
            self.initial.setdefault((last, first[:1]), set()).add(cid)
            self.surname.setdefault(last, set()).add(cid)
            if customer.is_company:
                self.company.setdefault(text.company_key(customer.company_core), set()).add(cid)
            self.email[customer.email.lower()] = cid

    # --- who pays ---------------------------------------------------------------------------

    def _identity(self, identity: Identity) -> set[int]:
        kind = identity[0]
        if kind == "full":
            return self.full.get((identity[1], identity[2]), set())
        if kind == "initial":
            return self.initial.get((identity[1], identity[2]), set())
        if kind == "surname":
            return self.surname.get(identity[1], set())
        if kind == "couple":
            return self.full.get((identity[1], identity[2]), set()) | self.full.get(
                (identity[1], identity[3]), set()
            )
        if kind == "company":
            return self.company.get(identity[1], set())
        return set()

    def party(self, posting: PostingRecord) -> tuple[Payers, str]:
        """Whose orders the payer's can be, strongest evidence first; empty if nobody's.

        Only what the person sees counts: an IBAN or a customer number leads to the orders that
        carry those customer numbers (not to the same person's guest orders), an e-mail to the
        orders with that e-mail, a name to the orders of everybody with that name.
        """
        if posting.iban and posting.iban in self.world.history:
            numbers = {int(n) for n in self.world.history[posting.iban]}
            found = Payers(self, numbers=numbers)
            if found.size():
                return found, "IBAN paid before"
        numbers, emails, names = set(), set(), set()
        for mention in posting.remittance.mentions:
            if mention.key.startswith("EMAIL:"):
                cid = self.email.get(mention.key[6:])
                if cid is not None:
                    emails.add(cid)
            elif mention.key.startswith("C:"):
                numbers.add(int(mention.key[2:]))
            elif mention.key.startswith("NAME:"):
                _, last, first = mention.key.split(":")
                names |= self.full.get((last, first), set())
            elif mention.key.startswith("COMPANY:"):
                names |= self.company.get(mention.key[8:], set())
        if emails or numbers:
            return Payers(
                self, cids=emails, numbers=numbers
            ), "e-mail or customer number in the text"
        if names:
            return Payers(self, cids=names), "customer name in the text"
        return Payers(self, cids=self._identity(posting.identity)), "payer name"

    # --- what the amount explains -------------------------------------------------------------

    def _explains(self, order: OrderRecord, amount: int, booking: date) -> bool:
        open_ = self.open[order.id]
        if open_ <= 0:
            return False
        if amount == open_:
            return True
        percent, until = order.skonto_percent, order.skonto_until
        if percent is None or until is None or booking > until or open_ != order.amount:
            return False
        return abs(amount - amounts.discounted(open_, percent)) <= 1

    def _payable(self, order: OrderRecord, posting: PostingRecord) -> bool:
        return (
            order.currency == posting.currency
            and order.created.date() <= posting.booking
            and self.open[order.id] > 0
        )

    def _fits(self, order: OrderRecord, payers: Payers, posting: PostingRecord) -> bool:
        return payers.includes(order) or self._explains(order, posting.amount, posting.booking)

    # --- the judgement -------------------------------------------------------------------------

    def judge_all(self, postings: list[PostingRecord]) -> None:
        for posting in sorted(postings, key=lambda p: (p.booking, p.id)):
            if not posting.truth:
                posting.determinable, posting.reason = True, "pays no open order"
                continue
            posting.determinable, posting.reason = self.judge(posting)
            if posting.determinable:
                for order_id, value in posting.truth:
                    settled = posting.settles or value >= self.open[order_id]
                    self.open[order_id] = 0 if settled else self.open[order_id] - value

    def judge(self, posting: PostingRecord) -> tuple[bool, str]:
        payers, how = self.party(posting)
        truth = dict(posting.truth)
        readable: set[str] = set()
        for mention in posting.remittance.mentions:
            if mention.order_id is None or mention.order_id not in truth:
                continue
            order = self.world.by_id[mention.order_id]
            targets = [t for t in self.by_key.get(mention.key, []) if self._payable(t, posting)]
            if mention.kind == NEAR:
                exact = self._explains(order, posting.amount, posting.booking)
                if (
                    payers.includes(order)
                    and exact
                    and not any(self._fits(t, payers, posting) for t in targets if t.id != order.id)
                ):
                    readable.add(order.id)
                continue
            ids = {t.id for t in targets}
            if order.id not in ids:
                continue
            if len(ids) == 1 or {t.id for t in targets if self._fits(t, payers, posting)} == {
                order.id
            }:
                readable.add(order.id)
        for mention in posting.remittance.mentions:
            if (
                mention.order_id is None
                and mention.key[:2] in {"N:", "RE"}
                and mention.kind != NEAR
            ):
                named = [t for t in self.by_key.get(mention.key, []) if self._payable(t, posting)]
                if named and not any(t.id in truth for t in named):
                    return False, "the text names another open order"
        unread = set(truth) - readable
        if not unread:
            return True, "reference readable for every order paid"
        if not payers.size():
            return False, "no readable reference and the payer is nobody known"
        rest = posting.amount - sum(truth[order_id] for order_id in readable)
        if payers.size() > 4 * SUBSET_LIMIT:
            return False, f"payer identified ({how}) but too many open orders to be sure"
        pool = [
            order
            for order in payers.orders()
            if order.id not in readable and self._payable(order, posting)
        ]
        singles = [o.id for o in pool if self._explains(o, rest, posting.booking)]
        if len(pool) > SUBSET_LIMIT:
            pool = [o for o in pool if self.open[o.id] < rest]
            if len(pool) > SUBSET_LIMIT:
                return False, f"payer identified ({how}) but too many open orders to be sure"
        combos = _count_subsets([self.open[o.id] for o in pool], rest, cap=2, min_size=2)
        explanations = len(singles) + combos
        if explanations == 1:
            if len(unread) == 1 and singles == sorted(unread):
                return True, f"payer identified ({how}); amount fits one order only"
            if len(unread) > 1 and not singles and sum(self.open[i] for i in unread) == rest:
                return True, f"payer identified ({how}); one combination of orders fits"
            return False, f"payer identified ({how}); the amount fits another order"
        if explanations == 0:
            return False, f"payer identified ({how}) but no order explains the amount exactly"
        return False, f"payer identified ({how}); {explanations}+ orders fit the amount"


class Payers:
    """The orders a payer can be behind: those of some customers (by name or e-mail) and those
    carrying some customer numbers (by IBAN history or a number in the text)."""

    def __init__(
        self, oracle: Oracle, *, cids: set[int] | None = None, numbers: set[int] | None = None
    ) -> None:
        self._oracle = oracle
        self.cids = cids or set()
        self.numbers = numbers or set()

    def includes(self, order: OrderRecord) -> bool:
        if order.customer.cid in self.cids:
            return True
        return bool(order.customer_number) and int(order.customer_number or 0) in self.numbers

    def orders(self) -> list[OrderRecord]:
        by_customer, by_number = self._oracle.world.by_customer, self._oracle.orders_by_number
        found = {o.id: o for cid in sorted(self.cids) for o in by_customer.get(cid, [])}
        for number in sorted(self.numbers):
            found.update((o.id, o) for o in by_number.get(number, []))
        return [found[key] for key in sorted(found)]

    def size(self) -> int:
        """How many orders (an upper bound where customers and numbers overlap)."""
        by_customer, by_number = self._oracle.world.by_customer, self._oracle.orders_by_number
        return sum(len(by_customer.get(c, ())) for c in self.cids) + sum(
            len(by_number.get(n, ())) for n in self.numbers
        )


def _count_subsets(values: list[int], target: int, *, cap: int, min_size: int) -> int:
    """How many subsets (of at least ``min_size`` items) sum to ``target``, counted up to cap.

    Meet in the middle: all sums of each half (2^12 at most for 24 values), then pairs.
    """
    values = [value for value in values if 0 < value <= target]
    if target <= 0 or len(values) < min_size:
        return 0
    half = len(values) // 2
    left, right = _sums(values[:half], target), _sums(values[half:], target)
    by_sum: dict[int, list[int]] = {}
    for total, size in right:
        by_sum.setdefault(total, []).append(size)
    count = 0
    for total, size in left:
        for other in by_sum.get(target - total, ()):
            if size + other >= min_size:
                count += 1
                if count >= cap:
                    return cap
    return count


def _sums(values: list[int], limit: int) -> list[tuple[int, int]]:
    """(sum, size) of every subset of ``values`` whose sum stays within ``limit``."""
    sums = [(0, 0)]
    for value in values:
        sums += [(total + value, size + 1) for total, size in sums if total + value <= limit]
    return sums
