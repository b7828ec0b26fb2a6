"""paymatch: assign bank postings to open orders, run the payment lifecycle, tell the shop."""

from paymatch.connectors.hookspecs import hookimpl
from paymatch.core.clock import FixedClock, SystemClock
from paymatch.core.config import MatchConfig
from paymatch.core.errors import (
    ConfigError,
    IllegalTransition,
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
from paymatch.core.reconciler import Reconciler
from paymatch.core.settings import PaymatchConfig, load_config
from paymatch.core.store import Store

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
    "FixedClock",
    "IllegalTransition",
    "InputError",
    "MatchConfig",
    "MatchIndex",
    "Matcher",
    "MoneyError",
    "Order",
    "PaymatchConfig",
    "PaymatchError",
    "PaymentCode",
    "PluginError",
    "Posting",
    "Reconciler",
    "Statement",
    "StatementError",
    "Store",
    "SystemClock",
    "hookimpl",
    "load_config",
]
