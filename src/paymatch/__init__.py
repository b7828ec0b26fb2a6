"""paymatch: assign bank postings to open orders, run the payment lifecycle, tell the shop."""

from paymatch.connectors.hookspecs import hookimpl
from paymatch.core.errors import (
    ConfigError,
    IllegalTransition,
    InputError,
    MoneyError,
    PaymatchError,
    StatementError,
)
from paymatch.core.models import (
    AssignedAmount,
    Assignment,
    AssignmentMethod,
    Balance,
    Candidate,
    CashDiscount,
    Decision,
    DecisionKind,
    Evidence,
    EvidenceKind,
    Order,
    PaymentCode,
    Posting,
    Statement,
)

__version__ = "0.1.0"

__all__ = [
    "AssignedAmount",
    "Assignment",
    "AssignmentMethod",
    "Balance",
    "Candidate",
    "CashDiscount",
    "ConfigError",
    "Decision",
    "DecisionKind",
    "Evidence",
    "EvidenceKind",
    "IllegalTransition",
    "InputError",
    "MoneyError",
    "Order",
    "PaymatchError",
    "PaymentCode",
    "Posting",
    "Statement",
    "StatementError",
    "hookimpl",
]
