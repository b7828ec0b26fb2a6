"""The matcher's configuration: every weight, threshold and tolerance in one place.

Each signal's settings live beside the signal in ``paymatch.rules`` and are gathered here into
:class:`MatchConfig`, which loads from TOML (a ``[match]`` table, or the whole file)::

    [match.amounts]
    tolerance = "0.05"
    cash_discount_percent = "2"

    [match.decision]
    assign_threshold = 0.995

The likelihoods (``*_m`` settings: how often a signal is seen when the posting does pay the
order) and chances (``*_u*``: how often it is seen by coincidence) combine into each candidate's
probability, see docs/matching.md.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from paymatch.core.errors import ConfigError
from paymatch.rules.amounts import AmountRules
from paymatch.rules.collective import CollectiveRules
from paymatch.rules.dates import DateRules
from paymatch.rules.ignore import IgnoreRules
from paymatch.rules.parties import PartyRules
from paymatch.rules.references import ReferenceRules


class DecisionRules(BaseModel):
    """When a candidate is assigned, suggested, or nothing is."""

    unrelated_share: float = Field(
        0.3,
        gt=0,
        lt=1,
        description="Share of postings (after ignore rules) that pay no open order at all.",
    )
    unseen_share: float = Field(
        0.01,
        ge=0,
        lt=1,
        description="Share of payments for an order that no signal points to (the background).",
    )
    assign_threshold: float = Field(
        0.995, gt=0.5, lt=1, description="Least probability of the best candidate to assign it."
    )
    assign_margin: float = Field(
        2.0,
        ge=0,
        description="Least lead of the best candidate over the runner-up, in log10 odds "
        "(2.0: at least 100 times more likely).",
    )
    suggest_min_evidence: float = Field(
        1.0,
        description="Least combined evidence (log10 likelihood ratio) for a candidate to be "
        "suggested to a person.",
    )
    max_candidates: int = Field(5, ge=1, le=20, description="Candidates kept in a decision.")
    amount_bucket_limit: int = Field(
        64,
        ge=0,
        description="Orders found by amount alone only if at most this many share the amount.",
    )
    namesake_limit: int = Field(
        12,
        ge=0,
        description="When more open orders than this have the payer's name, only those whose "
        "amount may be paid in full by the posting are weighed one by one; the rest count in "
        "the background.",
    )
    name_bucket_limit: int = Field(
        400,
        ge=0,
        description="Orders found by a payer-name word only if at most this many share it.",
    )


class MatchConfig(BaseModel):
    """Everything the matcher can be told. Defaults are documented per field."""

    model_config = ConfigDict(extra="forbid")

    references: ReferenceRules = Field(default_factory=ReferenceRules)
    amounts: AmountRules = Field(default_factory=AmountRules)
    parties: PartyRules = Field(default_factory=PartyRules)
    dates: DateRules = Field(default_factory=DateRules)
    collective: CollectiveRules = Field(default_factory=CollectiveRules)
    ignore: IgnoreRules = Field(default_factory=IgnoreRules)
    decision: DecisionRules = Field(default_factory=DecisionRules)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, where: str = "config") -> MatchConfig:
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or None
            raise ConfigError(first["msg"], where=where, field=field) from None

    @classmethod
    def from_toml(cls, path: str | Path) -> MatchConfig:
        """Load from a TOML file: its ``[match]`` table if it has one, else the whole file."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(error.strerror or str(error), where=str(path)) from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"not valid TOML: {error}", where=str(path)) from None
        section = data.get("match", data)
        if not isinstance(section, dict):
            raise ConfigError("[match] must be a table", where=str(path))
        return cls.from_mapping(section, where=str(path))


def reference_markdown() -> str:
    """The configuration reference (docs/matching.md), generated from the models."""
    lines = ["| setting | default | meaning |", "|---|---|---|"]
    for section, field in MatchConfig.model_fields.items():
        model = field.default_factory() if field.default_factory else None  # type: ignore[call-arg]
        if not isinstance(model, BaseModel):
            continue
        for name, setting in type(model).model_fields.items():
            default = getattr(model, name)
            if isinstance(default, frozenset | set):
                shown = ", ".join(sorted(default))
            elif isinstance(default, list):
                shown = ", ".join(str(item) for item in default) or "(none)"
            else:
                shown = "(none)" if default is None else str(default)
            lines.append(f"| `{section}.{name}` | {shown} | {setting.description or ''} |")
    return "\n".join(lines) + "\n"
