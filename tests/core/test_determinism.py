"""Decisions must not depend on the process: Python randomises the order of sets of strings per
process (PYTHONHASHSEED), so any decision that follows a set's order differs between runs."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import json
from paymatch import Matcher, Order, Posting

names = ["Anna Kraus", "Anna Lang", "Max Kraus", "Max Lang", "Eva Lang", "Eva Kraus"]
orders = [
    Order(id=f"o{i}", source="ab"[i % 2], number=str(10000 + i), customer_name=name,
          customer_number=f"K{i % 3}", amount="30.00", currency="EUR", created_at="2026-11-01")
    for i, name in enumerate(names)
]
# payers whose name words all lead to equally many orders, and an IBAN that paid several customers
payers = ["Kraus Anna Lang", "Lang Max Eva", "Anna Eva Kraus", "Max Anna Lang Kraus"]
postings = [
    Posting(id=f"p{j}", booking_date="2026-11-20", amount="30.00", currency="EUR",
            counterparty_name=payer)
    for j, payer in enumerate(payers)
] + [
    Posting(id="iban", booking_date="2026-11-20", amount="60.00", currency="EUR",
            counterparty_iban="DE89370400440532013000")
]
history = {"DE89370400440532013000": ["K0", "K1", "K2"]}
decisions = Matcher().match(postings, orders, history=history)
print(json.dumps([d.model_dump(mode="json") for d in decisions]))
"""


def _decisions(hash_seed: int) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_decisions_do_not_depend_on_the_hash_seed() -> None:
    first = _decisions(0)
    assert '"decision"' in first
    for seed in range(1, 6):
        assert _decisions(seed) == first, f"PYTHONHASHSEED={seed} decides differently"
