"""paymatch: assign bank postings to open orders, run the payment lifecycle, tell the shop."""

from paymatch.connectors.hookspecs import hookimpl
from paymatch.core.config import MatchConfig
from paymatch.core.errors import (
    ConfigError,
    InputError,
    MoneyError,
    PaymatchError,
    PluginError,
    StatementError,
)
from paymatch.core.matcher import Matcher, MatchIndex
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
    "InputError",
    "MatchConfig",
    "MatchIndex",
    "Matcher",
    "MoneyError",
    "Order",
    "PaymatchError",
    "PaymentCode",
    "PluginError",
    "Posting",
    "Statement",
    "StatementError",
    "hookimpl",
]
