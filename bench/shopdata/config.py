"""What the generator makes: sizes, the mix of payment cases and the noise rates, with defaults.

The defaults describe an ordinary German online shop with a Shopware and a WooCommerce front end
and invoice customers (B2B) on one bank account. Every share here is documented in
docs/benchmarks.md ("The data mix"); change them with ``--mix case=share`` on the command line
(shares are relative weights and need not sum to 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

# Share of postings per case. A case that needs several postings (a partial payment and its
# completion, instalments, a duplicate) counts all of its postings here.
DEFAULT_CASES: dict[str, float] = {
    # payments for orders
    "exact": 0.655,  # one order, the full open amount
    "partial": 0.030,  # too little (forgot the shipping, rounded down); the rest follows later
    "instalments": 0.008,  # an order paid in two or three instalments
    "overpayment": 0.015,  # too much (rounded up, shipping paid twice, voucher ignored)
    "skonto": 0.030,  # invoice paid within the discount period, minus the discount
    "skonto_late": 0.004,  # discount taken after the period ended (the rest stays open)
    "bank_fee": 0.010,  # foreign transfer, the banks kept a fee
    "collective": 0.025,  # one transfer for several orders of one customer
    "cod_payout": 0.020,  # cash on delivery: the carrier pays out what it collected
    "third_party": 0.020,  # a parent, employer or other company pays
    "twins": 0.008,  # two open orders with the same amount, no reference: undecidable
    "duplicate": 0.010,  # the customer paid the same order twice (second one pays nothing open)
    "other_currency": 0.005,  # paid in CHF/USD/GBP to a foreign-currency account
    # postings that pay no order
    "unrelated_credit": 0.090,  # PSP payouts, card settlements, tax refund, supplier credit, ...
    "debit": 0.070,  # salary, rent, supplier invoices, direct debits, refunds to customers
}

MULTI_POSTING_CASES = {"partial": 2, "instalments": 3, "duplicate": 2}


@dataclass(frozen=True, slots=True)
class Noise:
    """How often payers and banks garble what reaches the merchant (shares, 0..1)."""

    no_reference: float = 0.11  # an order payment without any order/invoice/customer number
    customer_number_only: float = 0.04  # only the customer number ("Kd-Nr 4711")
    stale_reference: float = 0.01  # the number of another (older) order of the same customer
    format_variant: float = 0.45  # the number written differently (prefix, spaces, case, zeros)
    slip: float = 0.015  # O for 0, l or I for 1
    digit_error: float = 0.03  # one swapped, dropped or doubled digit
    sepa_wrapper: float = 0.10  # "EREF+... SVWZ+..." left in the remittance text
    upper_case_text: float = 0.15  # the bank upper-cases the whole text
    chatty: float = 0.06  # a long sentence around the reference (may get cut at 140 chars)
    email_in_text: float = 0.03  # the customer's e-mail address in the text
    payer_other_account: float = 0.05  # paid from a partner's account: name does not match
    missing_name: float = 0.01  # the bank delivers no counterparty name
    known_iban: float = 0.35  # returning customers whose IBAN paid an earlier order


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    seed: int = 1
    orders: int = 20_000
    postings: int = 5_000
    as_of: date = date(2026, 11, 30)
    """The last booking date; postings fall in the ``window_days`` before it."""
    window_days: int = 14
    history_days: int = 120
    """Open orders were created up to this many days before ``as_of``."""
    cases: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_CASES))
    noise: Noise = field(default_factory=Noise)
    # Which front end an order comes from; invoice customers are served by both.
    source_shares: dict[str, float] = field(
        default_factory=lambda: {"shopware": 0.62, "woocommerce": 0.38}
    )
    payment_code_shares: dict[str, float] = field(
        default_factory=lambda: {"prepayment": 0.66, "invoice": 0.29, "cod": 0.05}
    )
    business_share: float = 0.22
    """Share of customers that are companies (they mostly buy on invoice)."""
    skonto_share: float = 0.35
    """Share of invoice orders of companies with cash-discount terms."""
    chf_order_share: float = 0.01
    """Orders from Swiss customers billed in CHF (paid to the CHF account)."""
    partly_paid_share: float = 0.02
    """Open orders that already received a partial payment before the window (open_amount set)."""

    def with_cases(self, overrides: dict[str, float]) -> GeneratorConfig:
        unknown = set(overrides) - set(DEFAULT_CASES)
        if unknown:
            raise ValueError(f"unknown case(s) {sorted(unknown)}; known: {sorted(DEFAULT_CASES)}")
        if any(share < 0 for share in overrides.values()):
            raise ValueError("case shares must not be negative")
        cases = {**self.cases, **overrides}
        if sum(cases.values()) <= 0:
            raise ValueError("at least one case needs a positive share")
        return replace(self, cases=cases)

    def posting_targets(self) -> dict[str, int]:
        """How many postings each case gets: the shares scaled to ``postings``, rounded fairly."""
        total = sum(self.cases.values())
        raw = {case: self.postings * share / total for case, share in self.cases.items()}
        counts = {case: int(value) for case, value in raw.items()}
        # Largest remainders get the postings that rounding down left over.
        left = self.postings - sum(counts.values())
        for case in sorted(raw, key=lambda c: (counts[c] - raw[c], c))[:left]:
            counts[case] += 1
        return counts
