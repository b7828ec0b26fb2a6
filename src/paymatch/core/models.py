"""The vocabulary of paymatch as validated models (DESIGN.md, "Vocabulary").

These pydantic models sit at the edges: files, the CLI, connectors and the Python API all hand
paymatch these objects. They are frozen, amounts are exact ``Decimal`` values checked against the
currency's minor unit (see :mod:`paymatch.core.money`), and floats are refused.

Field order matters in one place: ``currency`` is declared before the amounts so that the amount
validators can check the number of decimal places against it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from paymatch.core.money import normalize_currency, parse_amount


def _no_float(value: Any) -> Any:
    """Let strings, ints and Decimals through to the amount check; refuse floats early."""
    if isinstance(value, float | bool):
        raise ValueError(
            f"amount {value!r} is a {type(value).__name__}; write amounts as decimal strings "
            'such as "12.50" (floats cannot hold cents exactly)'
        )
    if isinstance(value, str):
        return value.strip()
    return value


def _compact(value: Any) -> Any:
    """IBANs, BICs and the like: upper case without spaces; empty means absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        return value
    text = "".join(value.split()).upper()
    return text or None


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return value


def _currency(value: Any) -> str:
    try:
        return normalize_currency(value)
    except ValueError as error:
        raise ValueError(str(error)) from None


Amount = Annotated[Decimal, BeforeValidator(_no_float)]
Currency = Annotated[str, BeforeValidator(_currency)]
Compact = Annotated[str | None, BeforeValidator(_compact)]
Text = Annotated[str | None, BeforeValidator(_blank_to_none)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)


def _check_amount(value: Decimal | None, info: ValidationInfo) -> Decimal | None:
    """Quantize an amount field to the model's currency, refusing extra decimal places."""
    if value is None:
        return None
    currency = info.data.get("currency")
    if currency is None:  # the currency itself failed; pydantic reports that error
        return value
    try:
        return parse_amount(value, currency)
    except ValueError as error:
        raise ValueError(getattr(error, "reason", str(error))) from None


class PaymentCode(StrEnum):
    """How the customer pays. A source's payment methods map onto these; unmapped is unmanaged."""

    PREPAYMENT = "prepayment"
    INVOICE = "invoice"
    COD = "cod"


class CashDiscount(_Model):
    """Skonto: ``percent`` off the amount when paid on or before ``until``."""

    percent: Annotated[Decimal, BeforeValidator(_no_float)] = Field(gt=0, lt=100)
    until: date | None = None


class Order(_Model):
    """An open receivable from a source (shop, marketplace, invoicing system)."""

    id: str = Field(min_length=1)
    source: str = "default"
    number: Text = None
    invoice_number: Text = None
    customer_number: Text = None
    payment_reference: Text = None
    """A reference paymatch issued for this order (with check digit); the strongest signal."""
    customer_name: Text = None
    company: Text = None
    email: Text = None
    currency: Currency
    amount: Amount
    open_amount: Amount | None = None
    """What is still to be paid; ``None`` means the whole ``amount``."""
    payment_code: PaymentCode | None = None
    created_at: datetime | None = None
    due_date: date | None = None
    country: Compact = None
    language: Text = None
    known_ibans: tuple[str, ...] = ()
    cash_discount: CashDiscount | None = None
    status: Text = None
    """The source's own status name, as the source reports it."""
    payment_method: Text = None
    """The source's own payment-method name; the source's mapping turns it into ``payment_code``."""

    _amounts = field_validator("amount", "open_amount")(_check_amount)

    @field_validator("known_ibans", mode="before")
    @classmethod
    def _ibans(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        return tuple(iban for iban in (_compact(v) for v in value) if iban)

    @field_validator("created_at", mode="before")
    @classmethod
    def _date_only_is_midnight(cls, value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, str) and len(value.strip()) == 10:
            return value.strip() + "T00:00:00"
        return value

    @property
    def due_amount(self) -> Decimal:
        """The amount still open: ``open_amount`` if given, else ``amount``."""
        return self.amount if self.open_amount is None else self.open_amount


class Posting(_Model):
    """One booked bank transaction. Credits (money in) are positive, debits negative."""

    id: str = Field(min_length=1)
    account_iban: Compact = None
    booking_date: date
    value_date: date | None = None
    currency: Currency
    amount: Amount
    counterparty_name: Text = None
    counterparty_iban: Compact = None
    """The counterparty's account: an IBAN, or another account number where the bank gives one."""
    counterparty_bic: Compact = None
    remittance: str = ""
    """Unstructured remittance information (Verwendungszweck), lines joined by a space."""
    end_to_end_id: Text = None
    creditor_reference: Text = None
    """Structured creditor reference (``CdtrRefInf/Ref``), e.g. an ISO 11649 ``RF...`` reference."""
    bank_reference: Text = None
    """The bank's own reference of the booking (``AcctSvcrRef``, MT940 bank reference)."""
    # What bank files carry beyond the interchange format; kept so nothing the bank said is lost.
    bank_transaction_code: Text = None
    """e.g. ``NTRF+166+9310+997`` (German) or ``PMNT/RCDT/ESCT`` (ISO domain/family/sub-family)."""
    reversal: bool = False
    # The instructed currency comes first, so that the instructed amount's validator can check
    # the amount against it (validators see only the fields declared before theirs).
    instructed_currency: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    instructed_amount: Amount | None = None
    exchange_rate: Annotated[Decimal | None, BeforeValidator(_no_float)] = None
    charges: Amount | None = None
    """Charges booked with this transaction, in the posting currency, when the bank reports them."""
    ultimate_debtor: Text = None
    ultimate_creditor: Text = None
    mandate_reference: Text = None
    creditor_id: Text = None
    purpose_code: Text = None
    status: Text = None
    """Entry status where the bank reports one (``BOOK``, ``PDNG``, ``INFO``). A posting with
    a status other than ``BOOK`` is never assigned automatically, only suggested."""
    booking_text: Text = None
    """The bank's booking text of the entry (CAMT ``AddtlNtryInf``, e.g. "Überweisungsgutschr.")."""
    additional_info: Text = None
    """Free text the bank adds to the transaction (CAMT ``AddtlTxInf``)."""
    return_reason: Text = None
    """Reason code of a returned or reversed payment (CAMT ``RtrInf/Rsn``, e.g. ``AC04``)."""
    references: tuple[tuple[str, str], ...] = ()
    """Every further reference the bank gave, as (name, value) pairs in file order, e.g.
    ``("TxId", "...")``, ``("Btch/PmtInfId", "...")``, ``("RfrdDocInf", "invoice 4711")``."""
    statement_id: Text = None
    """The id of the statement, report or notification the posting came from."""
    copy_duplicate: Text = None
    """``CODU``/``COPY``/``DUPL`` where the bank marks the statement as a copy or duplicate."""

    _amounts = field_validator("amount", "charges")(_check_amount)

    @property
    def booked(self) -> bool:
        """Whether the bank has booked it: a status of ``BOOK``, or none given."""
        return self.status is None or self.status.upper() == "BOOK"

    @field_validator("instructed_amount")
    @classmethod
    def _instructed(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        # The instructed amount is in its own currency; it is checked against that one.
        if value is None:
            return None
        currency = info.data.get("instructed_currency") or info.data.get("currency")
        if currency is None:
            return value
        try:
            return parse_amount(value, normalize_currency(currency))
        except ValueError as error:
            raise ValueError(getattr(error, "reason", str(error))) from None

    @field_validator("remittance", mode="before")
    @classmethod
    def _remittance(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


class EvidenceKind(StrEnum):
    """The kinds of signal a rule can contribute to a candidate."""

    REFERENCE = "reference"
    REFERENCE_NEAR = "reference_near"
    CREDITOR_REFERENCE = "creditor_reference"
    END_TO_END_ID = "end_to_end_id"
    AMOUNT = "amount"
    IBAN = "iban"
    NAME = "name"
    DATE = "date"
    COLLECTIVE = "collective"
    IGNORE = "ignore"


class Evidence(_Model):
    """One signal that fired for a candidate, with its weight and a sentence a merchant reads."""

    kind: EvidenceKind
    weight: float
    text: str


class Candidate(_Model):
    """An order that may be paid by the posting, with its score and the evidence for it."""

    order_id: str
    score: float
    """Probability (0 to 1) that the posting pays this order, given all the evidence."""
    amount: Decimal | None = None
    """What this posting would pay on the order if assigned."""
    together_with: tuple[str, ...] = ()
    """Other orders the same posting would pay at once (a collective payment)."""
    evidence: tuple[Evidence, ...] = ()


class DecisionKind(StrEnum):
    ASSIGNED = "assigned"
    SUGGESTED = "suggested"
    UNMATCHED = "unmatched"
    IGNORED = "ignored"


class AssignmentMethod(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class AssignedAmount(_Model):
    """The part of a posting that goes to one order."""

    order_id: str
    amount: Decimal
    write_off: Decimal | None = None
    """A shortfall that counts as settled (cash discount, bank fee, tolerance), if any."""
    write_off_reason: str | None = None


class Decision(_Model):
    """The matcher's verdict on one posting."""

    posting_id: str
    decision: DecisionKind
    assignments: tuple[AssignedAmount, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    """Best first; for ``assigned`` the chosen ones come first, for ``suggested`` up to five."""
    reason: str | None = None
    """Why the decision fell as it did, in one sentence (e.g. the ignore rule, the margin)."""


class Assignment(_Model):
    """A posting, or part of it, assigned to an order, as the store keeps it."""

    posting_id: str
    order_id: str
    currency: Currency
    amount: Amount
    method: AssignmentMethod
    evidence: tuple[Evidence, ...] = ()
    created_at: datetime | None = None

    _amounts = field_validator("amount")(_check_amount)


class BalanceKind(StrEnum):
    OPENING = "opening"
    CLOSING = "closing"
    INTERIM = "interim"
    OPENING_AVAILABLE = "opening_available"
    CLOSING_AVAILABLE = "closing_available"
    FORWARD_AVAILABLE = "forward_available"
    INTERIM_AVAILABLE = "interim_available"
    INFORMATION = "information"
    EXPECTED_CREDIT = "expected_credit"
    EXPECTED_DEBIT = "expected_debit"
    OTHER = "other"
    """A bank-specific balance type; ``Balance.code`` holds the bank's name for it."""


class Balance(_Model):
    """A balance reported by a statement. ``amount`` is signed (negative = debit balance)."""

    kind: BalanceKind
    date: date
    account_iban: Compact = None
    currency: Currency
    amount: Amount
    code: Text = None
    """The balance type as the file names it (CAMT ``OPBD``, ``PRCD``, a proprietary name)."""

    _amounts = field_validator("amount")(_check_amount)


class Statement(_Model):
    """What a bank file holds: postings and balances of one or more accounts."""

    format: str
    """``camt.053.001.08``, ``mt940``, ``csv:<profile>``, ..."""
    source_name: str
    postings: tuple[Posting, ...] = ()
    balances: tuple[Balance, ...] = ()
    account_iban: Compact = None
    currency: str | None = None
    statement_id: Text = None
