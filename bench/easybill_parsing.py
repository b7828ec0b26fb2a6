"""How fast the Easybill connector turns invoices into orders (its own cost per invoice).

Documents are shaped like the Easybill API's ``Document`` model: every property of the model in
``connector-specs/easybill-openapi.json``, filled from the spec's examples, with a customer
snapshot, then varied per invoice (amounts in cents, partial payments, numbers). The figure is
``paymatch_easybill.documents.to_order`` in memory: network and Easybill's rate limit (10 or 60
requests a minute, 1,000 invoices per request) dominate any real listing.

Run: ``.venv/bin/python bench/easybill_parsing.py [--invoices 20000]``
(``PAYMATCH_CONNECTOR_SPECS`` points at the connector specs; default ``../shared/connector-specs``).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from pathlib import Path
from typing import Any

from paymatch_easybill.documents import to_order

from paymatch import Order

ROOT = Path(__file__).resolve().parent.parent


def _instance(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """An object of the spec's model with every property, from its examples and defaults."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _instance(spec, spec["definitions"][name])
    if "allOf" in schema or "properties" in schema:
        result: dict[str, Any] = {}
        for part in schema.get("allOf", []):
            result.update(_instance(spec, part))
        for name, prop in schema.get("properties", {}).items():
            result[name] = _instance(spec, prop)
        return result
    for key in ("example", "default"):
        if key in schema:
            return copy.deepcopy(schema[key])
    return {"integer": 0, "number": 0, "boolean": False, "array": [], "string": ""}.get(
        schema.get("type", "")
    )


def documents(count: int) -> list[dict[str, Any]]:
    folder = Path(
        os.environ.get("PAYMATCH_CONNECTOR_SPECS", ROOT.parent / "shared" / "connector-specs")
    )
    spec = json.loads((folder / "easybill-openapi.json").read_text(encoding="utf-8"))
    template = _instance(spec, {"$ref": "#/definitions/Document"})
    template.update(
        type="INVOICE",
        is_draft=False,
        currency="EUR",
        document_date="2024-03-01",
        due_date="2024-03-15",
        created_at="2024-03-01 09:30:00",
        edited_at="2024-03-01 09:30:00",
        cash_allowance=2,
        cash_allowance_days=7,
    )
    result = []
    for i in range(count):
        document = copy.deepcopy(template)
        document.update(
            id=2_558_000_000 + i,
            number=f"RE-{100000 + i}",
            order_number=f"SW{10000 + i}" if i % 2 else "",
            amount=1000 + (i * 7919) % 250000,
            paid_amount=(i % 5 == 0) * 500,
        )
        result.append(document)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20000)
    args = parser.parse_args()
    docs = documents(args.invoices)
    start = time.perf_counter()
    orders = [to_order(document, source="easybill") for document in docs]
    elapsed = time.perf_counter() - start
    assert all(isinstance(order, Order) for order in orders)
    print(
        f"parse: {args.invoices} invoices in {elapsed:.2f} s, "
        f"{args.invoices / elapsed:,.0f} invoices/s"
    )


if __name__ == "__main__":
    main()
