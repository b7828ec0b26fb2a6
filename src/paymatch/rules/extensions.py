"""The shapes of matching extensions: extra reference patterns and extra ignore rules.

Plugins contribute them through the hooks ``paymatch_register_reference_patterns`` and
``paymatch_register_ignore_rules``; the matching rules consume them. This module knows nothing of
plugins or storage (house rule for ``rules/``): it only says what a pattern and a rule are.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

import attrs

from paymatch.core.models import Posting

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _check_name(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(
            f"name {value!r} must be lower case letters, digits, '_', '.' or '-' "
            "(it names the rule in every decision it explains)"
        )


class ReferenceKind(StrEnum):
    """What a reference found in remittance text refers to, i.e. which order field it is."""

    ORDER_NUMBER = "order_number"
    INVOICE_NUMBER = "invoice_number"
    CUSTOMER_NUMBER = "customer_number"
    PAYMENT_REFERENCE = "payment_reference"
    """A reference paymatch (or the merchant) issued for the order, e.g. on payment information."""

    @property
    def order_field(self) -> str:
        """The :class:`~paymatch.core.models.Order` attribute this kind of reference is matched
        against."""
        return _ORDER_FIELDS[self]


_ORDER_FIELDS = {
    ReferenceKind.ORDER_NUMBER: "number",
    ReferenceKind.INVOICE_NUMBER: "invoice_number",
    ReferenceKind.CUSTOMER_NUMBER: "customer_number",
    ReferenceKind.PAYMENT_REFERENCE: "payment_reference",
}


def _compile(value: re.Pattern[str] | str) -> re.Pattern[str]:
    if isinstance(value, str):
        return re.compile(value)
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        return value
    raise TypeError(f"a reference pattern needs a str regex, got {value!r}")


def _reference_group(regex: re.Pattern[str]) -> int | str:
    """The group that holds the reference: ``(?P<ref>...)``, else the only group, else all."""
    if "ref" in regex.groupindex:
        return "ref"
    if regex.groups == 0:
        return 0
    if regex.groups == 1:
        return 1
    raise ValueError(
        f"regex {regex.pattern!r} has {regex.groups} groups; "
        "name the one that holds the reference (?P<ref>...)"
    )


@attrs.frozen(slots=True)
class ReferencePattern:
    """A regular expression that finds references of one kind in remittance text.

    The reference is the named group ``ref`` if the regex has one, else its only group, else the
    whole match. The matcher normalises what is found the same way as the built-in references and
    compares it with the order field named by ``refers_to``. Example: Amazon order ids
    ``ReferencePattern("amazon-order-id", r"\\b(\\d{3}-\\d{7}-\\d{7})\\b", "order_number")``.
    """

    name: str = attrs.field(validator=_check_name)
    regex: re.Pattern[str] = attrs.field(converter=_compile)
    refers_to: ReferenceKind = attrs.field(converter=ReferenceKind)
    description: str = ""
    _group: int | str = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.regex.search("") is not None:
            raise ValueError(
                f"reference pattern {self.name!r}: regex {self.regex.pattern!r} matches the empty "
                "text, so it would find a reference everywhere"
            )
        object.__setattr__(self, "_group", _reference_group(self.regex))

    def findall(self, text: str) -> list[str]:
        """Every reference this pattern finds in ``text``, in order of appearance."""
        found = []
        for match in self.regex.finditer(text):
            value = match.group(self._group)
            if value:
                found.append(value)
        return found


@attrs.frozen(slots=True)
class IgnoreVerdict:
    """Why a posting is ignored: the rule that fired and its sentence for the merchant."""

    rule: str
    reason: str


class IgnoreRule(ABC):
    """A rule that decides a posting is not a customer payment (fees, transfers, payouts, ...).

    Subclass it and set ``name`` (lower case, unique among installed rules), or pass a plain
    function to :func:`as_ignore_rule`.
    """

    name: str
    description: str = ""

    @abstractmethod
    def why_ignored(self, posting: Posting) -> str | None:
        """A sentence saying why ``posting`` is ignored, or ``None`` if this rule does not apply."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'name', '?')!r}>"


class FunctionIgnoreRule(IgnoreRule):
    """An ignore rule made from a function ``posting -> reason or None``."""

    def __init__(
        self, function: Callable[[Posting], str | None], *, name: str, description: str = ""
    ) -> None:
        _check_name(None, None, name)
        self.function = function
        self.name = name
        self.description = description

    def why_ignored(self, posting: Posting) -> str | None:
        return self.function(posting)


def as_ignore_rule(value: Any) -> IgnoreRule:
    """An :class:`IgnoreRule` as it is, or a named function wrapped in one.

    The function's ``__name__`` becomes the rule name, with ``_`` shown as ``-``; a lambda has no
    usable name and is refused.
    """
    if isinstance(value, IgnoreRule):
        _check_name(None, None, getattr(value, "name", None))  # type: ignore[arg-type]
        return value
    if isinstance(value, type) or not callable(value):
        raise TypeError(
            f"an ignore rule must be an IgnoreRule object or a function posting -> reason, "
            f"got {value!r}"
        )
    name = getattr(value, "__name__", "")
    if not name or name == "<lambda>":
        raise TypeError(
            f"ignore rule {value!r} has no name; use a def function or FunctionIgnoreRule(name=...)"
        )
    doc = (getattr(value, "__doc__", None) or "").strip().splitlines()
    return FunctionIgnoreRule(
        value, name=name.strip("_").lower().replace("_", "-"), description=doc[0] if doc else ""
    )


def first_ignore_verdict(rules: Iterable[IgnoreRule], posting: Posting) -> IgnoreVerdict | None:
    """The verdict of the first rule (in the given order) that ignores ``posting``, or ``None``.

    A rule that answers something other than ``None`` or a non-empty sentence is a bug in the
    rule; it raises :class:`TypeError` naming the rule rather than ignoring a payment silently.
    """
    for rule in rules:
        reason = rule.why_ignored(posting)
        if reason is None:
            continue
        if not isinstance(reason, str) or not reason.strip():
            raise TypeError(
                f"ignore rule {rule.name!r} answered {reason!r}; it must answer None or a "
                "sentence saying why the posting is ignored"
            )
        return IgnoreVerdict(rule=rule.name, reason=reason.strip())
    return None
