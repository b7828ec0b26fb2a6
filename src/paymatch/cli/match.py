"""``paymatch match``: decide which posting pays which order, from files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from paymatch.core.config import MatchConfig
from paymatch.core.errors import InputError
from paymatch.core.matcher import Matcher
from paymatch.interchange import iter_orders, read_postings, write_json_lines


def _history(path: Path | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read the payer history: {error}", where=str(path)) from None
    if not isinstance(data, dict) or not all(
        isinstance(numbers, list) and all(isinstance(n, str) for n in numbers)
        for numbers in data.values()
    ):
        raise InputError(
            'the payer history must be a JSON object {"IBAN": ["customer number", ...]}',
            where=str(path),
        )
    return data


@click.command("match")
@click.option(
    "--orders",
    "orders_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Open orders, JSON Lines (or .csv).",
)
@click.option(
    "--postings",
    "postings_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Bank postings, JSON Lines (or .csv); `paymatch postings` writes them from statements.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML file with a [match] table (weights, thresholds, tolerances).",
)
@click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="JSON object of payer IBANs and the customer numbers they paid before.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the decisions (JSON Lines); default: standard output.",
)
def match_command(
    orders_path: Path,
    postings_path: Path,
    config_path: Path | None,
    history_path: Path | None,
    out_path: Path | None,
) -> None:
    """Match POSTINGS against open ORDERS and write one decision per posting.

    Nothing is written when an input line is malformed: the error names the file, the line and
    the field.
    """
    config = MatchConfig.from_toml(config_path) if config_path else MatchConfig()
    # The small inputs first, so that a mistake in them is reported before a large order file
    # is indexed. The orders are streamed into the index: each Order is dropped once its entry
    # is made, so a million of them never live at once. Any bad line still stops everything
    # before a single decision is written.
    history = _history(history_path)
    postings = read_postings(postings_path)
    index = Matcher.with_plugins(config).index(iter_orders(orders_path), history=history)
    decisions = index.match_batch(postings)
    # Freed now (by reference counting), before the output is written: a collector pass on the
    # way would otherwise walk all of it, and the writing needs none of it.
    del index
    write_json_lines(decisions, out_path)
    counts = Counter(decision.decision.value for decision in decisions)
    summary = ", ".join(
        f"{counts[kind]} {kind}" for kind in ("assigned", "suggested", "unmatched", "ignored")
    )
    click.echo(f"{len(decisions)} postings: {summary}", err=True)
