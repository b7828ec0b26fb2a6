"""JSON Schemas of the interchange formats, generated from the models.

``python -m paymatch.schemas docs/schemas`` writes them; a test keeps the copies in docs/ current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from paymatch.core.models import Decision, Order, Posting

MODELS: dict[str, type[BaseModel]] = {"order": Order, "posting": Posting, "decision": Decision}


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema (validation form: what paymatch accepts)."""
    return {
        f"{name}.schema.json": model.model_json_schema(mode="validation")
        for name, model in MODELS.items()
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas().items():
        (directory / name).write_text(render(schema), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas"))
