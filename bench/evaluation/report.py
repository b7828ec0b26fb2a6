"""Readable reports of an evaluation: headline figures, breakdowns, the wrong assignments."""

from __future__ import annotations

from typing import Any

from .metrics import Evaluation, Tally, Truth

TARGETS = {"precision": 0.999, "automatic_share": 0.95, "suggestion_recall": 0.98}


def percent(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f} %"


def headline(tally: Tally) -> dict[str, Any]:
    return {
        "postings": tally.postings,
        "assignable": tally.assignable,
        "determinable_assignable": tally.determinable,
        "automatic": tally.automatic,
        "automatic_correct": tally.correct,
        "automatic_wrong": tally.wrong,
        "automatic_harmful": tally.harmful,
        "precision": tally.precision,
        "automatic_share": tally.automatic_share,
        "suggestion_recall": tally.suggestion_recall,
        "decisions": dict(sorted(tally.decisions.items())),
    }


def verdicts(tally: Tally) -> dict[str, bool]:
    values = {
        "precision": tally.precision,
        "automatic_share": tally.automatic_share,
        "suggestion_recall": tally.suggestion_recall,
    }
    return {name: (values[name] or 0.0) >= target for name, target in TARGETS.items()}


def table(rows: dict[str, Tally], title: str) -> str:
    lines = [
        f"| {title} | postings | assignable | determinable | auto ok | wrong (harmful) | precision "
        "| auto share | recall@3 | assigned/suggested/unmatched/ignored |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in sorted(rows, key=lambda n: (-rows[n].postings, n)):
        t = rows[name]
        d = t.decisions
        spread = f"{d['assigned']}/{d['suggested']}/{d['unmatched']}/{d['ignored']}"
        if d["crashed"]:
            spread += f" ({d['crashed']} crashed)"
        lines.append(
            f"| {name} | {t.postings} | {t.assignable} | {t.determinable} | {t.correct} "
            f"| {t.wrong} ({t.harmful}) | {percent(t.precision)} | {percent(t.automatic_share)} "
            f"| {percent(t.suggestion_recall)} | {spread} |"
        )
    return "\n".join(lines)


def summary(evaluation: Evaluation, label: str) -> str:
    t = evaluation.overall
    ok = verdicts(t)
    mark = {True: "met", False: "MISSED"}
    return "\n".join(
        [
            f"### {label}",
            "",
            f"- postings {t.postings}, with a true order {t.assignable}, "
            f"of which determinable {t.determinable}",
            f"- automatic assignments {t.automatic}: correct {t.correct}, wrong {t.wrong} "
            f"(harmful {t.harmful}: money credited to an order it does not belong to)",
            f"- precision {percent(t.precision, 3)} (target >= 99.9 %: {mark[ok['precision']]})",
            f"- automatic share {percent(t.automatic_share)} "
            f"(target >= 95 %: {mark[ok['automatic_share']]})",
            f"- suggestion recall {percent(t.suggestion_recall)} "
            f"(target >= 98 %: {mark[ok['suggestion_recall']]})",
            f"- correct automatic assignments a person could not have been sure of: "
            f"{t.auto_undeterminable}",
        ]
    )


def describe_error(posting: Any, decision: Any, truth: Truth, *, label: str = "") -> str:
    """One wrong automatic assignment with everything needed to see why it happened."""
    lines = [
        f"posting {posting.id} {label}[{truth.case}; {', '.join(truth.tags)}]",
        f"  {posting.booking_date} {posting.amount} {posting.currency} "
        f"from {posting.counterparty_name!r} ({posting.counterparty_iban})",
        f"  remittance: {posting.remittance!r}",
        f"  truth: {[(o, str(a)) for o, a in truth.assignments] or 'pays no open order'} "
        f"(determinable: {truth.determinable}; {truth.reason})",
        f"  assigned: {[(a.order_id, str(a.amount)) for a in decision.assignments]}"
        + (f" ({decision.reason})" if getattr(decision, "reason", None) else ""),
    ]
    for candidate in list(decision.candidates)[:3]:
        lines.append(f"  candidate {candidate.order_id} score {candidate.score:.3f}")
        for evidence in candidate.evidence:
            lines.append(f"    - {evidence.kind} {evidence.weight:+.2f}: {evidence.text}")
    return "\n".join(lines)


def describe_order(order: Any) -> str:
    return (
        f"    order {order.id}: {order.number} inv {order.invoice_number} "
        f"cust {order.customer_number} {order.customer_name!r} {order.company or ''} "
        f"{order.amount} open {order.due_amount} {order.currency} {order.payment_code} "
        f"created {order.created_at:%Y-%m-%d}"
    )
