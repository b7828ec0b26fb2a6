"""What a batch keeps of a waiting posting decides exactly as the whole evaluation would.

``MatchIndex.match_batch`` keeps, per posting waiting for its turn, only the hypotheses the
decision reads and the (order, version) pairs of all of them; these tests hold that trimmed
record to the full list of hypotheses, for any ``max_candidates`` and evidence threshold.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from paymatch.core.config import MatchConfig
from paymatch.core.matcher import Matcher
from paymatch.interchange import read_orders, read_postings

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "paymatch" / "examples"
ORDERS = read_orders(EXAMPLES / "orders.jsonl")
POSTINGS = read_postings(EXAMPLES / "postings.jsonl")


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=6),
    st.sampled_from([-5.0, 0.0, 0.5, 1.0, 2.0, 4.0]),
    st.lists(st.sampled_from([order.id for order in ORDERS]), max_size=3),
)
def test_the_kept_hypotheses_decide_as_all_of_them(
    max_candidates: int, min_evidence: float, paid: list[str]
) -> None:
    config = MatchConfig.from_mapping(
        {"decision": {"max_candidates": max_candidates, "suggest_min_evidence": min_evidence}}
    )
    index = Matcher(config).index(ORDERS)
    evaluated = []
    for posting in POSTINGS:
        if index._screen(posting) is not None:
            continue
        hypotheses = index._scorer.evaluate(posting, assignable=index._assignable)
        waiting = index._waiting(hypotheses)
        assert len(waiting.hypotheses) <= len(hypotheses)
        assert index._decide(posting, waiting.hypotheses) == index._decide(posting, hypotheses)
        evaluated.append((hypotheses, waiting))
    assert evaluated
    for order_id in paid:  # orders change: the trimmed record goes stale exactly when they do
        index.apply(order_id, Decimal("0.01"))
    for hypotheses, waiting in evaluated:
        assert waiting.is_stale() == any(hypothesis.is_stale() for hypothesis in hypotheses)
