"""A generated data set: orders, postings, IBAN history and the truth, and its files.

Files (all UTF-8, in one folder):

- ``orders.jsonl``    the open orders, interchange format (docs/formats.md)
- ``postings.jsonl``  the postings, interchange format
- ``history.json``    ``{"<counterparty IBAN>": ["<customer number>", ...]}``
- ``truth.jsonl``     per posting: ``posting_id``, ``case``, ``assignments``
                      (``[{"order_id", "amount"}]``), ``determinable``, ``reason``, ``tags``,
                      ``interchangeable_with``, ``intended_orders``
- ``manifest.json``   the generator's settings and the resulting mix
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .cases import CaseBuilder, PostingRecord
from .config import MULTI_POSTING_CASES, GeneratorConfig
from .oracle import Oracle
from .world import World, build_world

FILES = ("orders.jsonl", "postings.jsonl", "history.json", "truth.jsonl", "manifest.json")


@dataclass(slots=True)
class Dataset:
    config: GeneratorConfig
    world: World
    postings: list[PostingRecord]

    def manifest(self) -> dict[str, Any]:
        cases = Counter(p.case for p in self.postings)
        assignable = [p for p in self.postings if p.truth]
        settings = asdict(self.config)
        settings["as_of"] = self.config.as_of.isoformat()
        return {
            "generator": "bench/generate.py",
            "settings": settings,
            "orders": len(self.world.orders),
            "postings": len(self.postings),
            "history_ibans": len(self.world.history),
            "cases": dict(sorted(cases.items())),
            "assignable": len(assignable),
            "determinable_assignable": sum(p.determinable for p in assignable),
        }


def generate(config: GeneratorConfig) -> Dataset:
    """The data set for ``config``; the same config always gives the same data set."""
    targets = config.posting_targets()
    world = build_world(config, twins=targets.get("twins", 0))
    builder = CaseBuilder(world, config)
    postings: list[PostingRecord] = []
    for case in sorted(targets):
        if case == "exact":
            continue  # exact fills whatever the other cases leave
        size = MULTI_POSTING_CASES.get(case, 1)
        made = 0
        while targets[case] - made >= size:
            new = getattr(builder, case)()
            made += len(new)
            postings += new
    while len(postings) < config.postings:
        postings += builder.exact()
    _assign_ids(postings, builder)
    Oracle(world).judge_all(postings)
    return Dataset(config, world, postings)


def _assign_ids(postings: list[PostingRecord], builder: CaseBuilder) -> None:
    """Ids in booking order with ties shuffled, so neither the id nor the position tells a case."""
    keys = [(p.booking, builder.rng.random()) for p in postings]
    order = sorted(range(len(postings)), key=lambda i: keys[i])
    ranked = [postings[i] for i in order]
    postings[:] = ranked
    for number, posting in enumerate(postings, start=1):
        posting.id = f"p{number:07d}"


def write(dataset: Dataset, folder: Path) -> None:
    """Write the data set's files; each file appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[str]] = {}
    for posting in dataset.postings:
        if posting.group:
            groups.setdefault(posting.group, []).append(posting.id)
    truths = []
    for posting in dataset.postings:
        record = posting.truth_json()
        if posting.group:
            record["interchangeable_with"] = [i for i in groups[posting.group] if i != posting.id]
        truths.append(record)
    _write_lines(folder / "orders.jsonl", (o.to_json() for o in dataset.world.orders))
    _write_lines(folder / "postings.jsonl", (p.to_json() for p in dataset.postings))
    _write_lines(folder / "truth.jsonl", truths)
    _write_text(folder / "history.json", json.dumps(dataset.world.history, sort_keys=True))
    _write_text(folder / "manifest.json", json.dumps(dataset.manifest(), indent=2) + "\n")


def _write_lines(path: Path, records: Any) -> None:
    _write_text(
        path,
        "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records),
    )


def _write_text(path: Path, content: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(content, encoding="utf-8")
    os.replace(partial, path)
