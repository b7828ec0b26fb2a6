"""The MT940 reader's fast paths against the plain rules they stand for.

The hot path of the reader splits SEPA tags with one ``re.split`` and finds ``:61:`` tags
without a regex; these properties hold them to the plain definitions (a left-to-right scan for
tags, the tag-line pattern) on arbitrary text built from the pieces that matter. The whole
reader is compared old against new by ``bench/mt940_digest.py``.
"""

from __future__ import annotations

import re
from collections.abc import Container

from hypothesis import given
from hypothesis import strategies as st

from paymatch.connectors.bank import mt940, mt940_details
from paymatch.connectors.bank.mt940_details import SEPA_TAGS, split_sepa

_TAG = re.compile(r"(" + "|".join(SEPA_TAGS) + r")\+")


def _reference_split(purpose: str, boundaries: Container[int]) -> tuple[str, dict[str, str]]:
    """The definition: every tag match, left to right; a tag glued to a letter or digit before
    it counts only at a subfield boundary; a value runs to the next tag that counts."""
    starts = [
        (m.start(), m.group(1), m.end())
        for m in _TAG.finditer(purpose)
        if m.start() == 0 or not purpose[m.start() - 1].isalnum() or m.start() in boundaries
    ]
    if not starts:
        return purpose.strip(), {}
    tags: dict[str, str] = {}
    for index, (_, name, value_start) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(purpose)
        value = purpose[value_start:end].strip()
        tags[name] = f"{tags[name]} {value}".strip() if name in tags else value
    return purpose[: starts[0][0]].strip(), tags


_PIECES = st.sampled_from(
    [*SEPA_TAGS, *(f"{tag}+" for tag in SEPA_TAGS), "+", " ", "x", "1", "/", "ü", "BI", "C+"]
)
_PURPOSES = st.lists(_PIECES | st.text(max_size=4), max_size=14).map("".join)


@given(purpose=_PURPOSES, data=st.data())
def test_sepa_tags_split_as_a_left_to_right_scan_finds_them(
    purpose: str, data: st.DataObject
) -> None:
    boundaries = tuple(
        data.draw(st.lists(st.integers(0, max(len(purpose), 1)), max_size=4, unique=True))
    )
    assert split_sepa(purpose, boundaries) == _reference_split(purpose, boundaries)


_LINE_STARTS = st.sampled_from(
    [":61:", ":86:", ":6:", ":611:", ":60F:", ":NS:", ":١٢:", ":²¹:", ":6a:"]
)


# Without the bytes and line ends that are removed before fields are found.
_TEXT = st.text(st.characters(blacklist_characters="\x01\x03\r\n"), max_size=8)


@given(line=st.tuples(_LINE_STARTS | _TEXT, _TEXT).map("".join))
def test_a_tag_line_is_found_as_the_tag_pattern_finds_it(line: str) -> None:
    # One field per tag line, its value the text after the tag; wrapped text otherwise.
    lines = [":20:X", ":25:A", line]
    match = mt940._TAG_LINE.match(line)
    fields = [f for f in mt940._fields(iter(lines), "x") if f is not None]
    if match:
        assert fields[-1][0] == match.group(1)
        assert fields[-1][1][0] == line[match.end() :]
    else:
        assert [f[0] for f in fields] == ["20", "25"]


def test_structured_purpose_keeps_the_subfield_order_of_numbers() -> None:
    details = mt940_details.parse_details(["166?21b?20a?60c?22 d?30X"])
    assert details.purpose == "ab dc"
