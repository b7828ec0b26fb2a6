"""Accuracy of the matcher on generated shop data with truth (issue 2, "Benchmarks").

    .venv/bin/python bench/accuracy.py              # 20,000 orders / 5,000 postings, seeds 1-3
    .venv/bin/python bench/accuracy.py --seeds 7 --show-errors 20
    .venv/bin/python bench/accuracy.py --orders 100000 --postings 20000 --mode batch

Reports, per mode (batch ``Matcher().match`` and incremental ``Matcher().index(...).match``):
precision of automatic assignments, the automatic share of determinable postings, suggestion
recall (truth in the top 3), a breakdown by case and by noise tag, and the wrong automatic
assignments with their evidence. Targets: precision >= 99.9 %, automatic share >= 95 %,
suggestion recall >= 98 %. ``--check`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from evaluation import report
from evaluation.metrics import Evaluation, Tally, evaluate, is_harmful
from evaluation.runner import load, run_batch, run_incremental
from generate import add_arguments, config_from, ensure
from paymatch import MatchConfig

MODES = {"batch": run_batch, "incremental": run_incremental}


def merge(tallies: list[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        for name in (
            "postings",
            "assignable",
            "determinable",
            "automatic",
            "correct",
            "wrong",
            "harmful",
            "auto_determinable",
            "auto_undeterminable",
            "recall_hits",
        ):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
        total.decisions.update(tally.decisions)
    return total


def merge_groups(evaluations: list[Evaluation], attribute: str) -> dict[str, Tally]:
    names = sorted({name for e in evaluations for name in getattr(e, attribute)})
    return {
        name: merge(
            [getattr(e, attribute)[name] for e in evaluations if name in getattr(e, attribute)]
        )
        for name in names
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser, orders=20_000, postings=5_000)
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (%(default)s)")
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument(
        "--show-errors",
        type=int,
        nargs="?",
        const=50,
        default=0,
        metavar="N",
        help="print up to N wrong automatic assignments with their evidence (default 50)",
    )
    parser.add_argument(
        "--show-missed",
        type=int,
        default=0,
        metavar="N",
        help="print up to N determinable postings that were not assigned",
    )
    parser.add_argument("--tags", action="store_true", help="also break down by noise tag")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--config", type=Path, help="matcher configuration (TOML, see docs) instead of defaults"
    )
    args = parser.parse_args()
    seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    modes = list(MODES) if args.mode == "both" else [args.mode]
    config = MatchConfig.from_toml(args.config) if args.config else None

    results: dict[str, list[Evaluation]] = {mode: [] for mode in modes}
    figures: dict[str, Any] = {"orders": args.orders, "postings": args.postings, "seeds": seeds}
    for seed in seeds:
        folder = ensure(config_from(args, seed))
        data = load(folder)
        postings = {p.id: p for p in data.postings}
        orders = {o.id: o for o in data.orders}
        for mode in modes:
            started = time.perf_counter()
            run = MODES[mode](data, config)
            elapsed = time.perf_counter() - started
            by_id = {d.posting_id: d for d in run.decisions}
            evaluation = evaluate(run.outcomes(), data.truths)
            results[mode].append(evaluation)
            label = f"{mode}, seed {seed}: {len(data.orders)} orders, {len(data.postings)} postings"
            print(report.summary(evaluation, label) + f"\n- run time {elapsed:.1f} s")
            for posting_id, error in sorted(run.crashes.items()):
                posting = postings[posting_id]
                print(
                    f"- MATCHER CRASHED on {posting_id} ({posting.counterparty_name!r}, "
                    f"{posting.remittance!r}): {error}"
                )
            print()
            figures.setdefault(mode, {})[str(seed)] = report.headline(evaluation.overall)
            figures[mode][str(seed)]["crashes"] = run.crashes
            # The harmful ones first: they ship goods that were never paid for.
            errors = sorted(evaluation.errors, key=lambda e: (not is_harmful(*e), e[0].posting_id))
            for shown, (bad, truth) in enumerate(errors):
                if shown >= args.show_errors:
                    break
                label = "HARMFUL " if is_harmful(bad, truth) else "incomplete "
                print(
                    report.describe_error(
                        postings[bad.posting_id], by_id[bad.posting_id], truth, label=label
                    )
                )
                for order_id in {o for o, _ in truth.assignments} | {
                    a.order_id for a in by_id[bad.posting_id].assignments
                }:
                    print(report.describe_order(orders[order_id]))
                print()
            missed_ones = [(m, t) for m, t in evaluation.missed if m.posting_id in by_id]
            for shown, (missed, truth) in enumerate(missed_ones):
                if shown >= args.show_missed:
                    break
                print(
                    report.describe_error(
                        postings[missed.posting_id], by_id[missed.posting_id], truth
                    )
                )
                print()

    failed = False
    for mode in modes:
        overall = merge([e.overall for e in results[mode]])
        print(f"## {mode}: all seeds together\n")
        print(report.summary(Evaluation(overall, {}, {}, [], []), f"{mode}, seeds {args.seeds}"))
        print()
        print(report.table(merge_groups(results[mode], "by_case"), "case"))
        print()
        if args.tags:
            print(report.table(merge_groups(results[mode], "by_tag"), "tag"))
            print()
        figures.setdefault(mode, {})["all"] = report.headline(overall)
        failed |= not all(report.verdicts(overall).values())
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 1 if (failed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
