"""The one-pass entry index the CAMT reader stands on (``camt_xml.index_entry``).

The index must hold every element of an ``Ntry`` exactly once, under its local-name path, in
document order per path, with each transaction detail (``NtryDtls/TxDtls``, or ``TxDtls`` on
the entry as in .001.01) in an index of its own. A slow, obviously correct recursive walk is the
reference it is checked against, on random element trees.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from paymatch.connectors.bank.camt_xml import Element, Flat, index_entry

NAMES = ["Amt", "NtryDtls", "TxDtls", "Btch", "Refs", "Nm", "RltdPties", "Dbtr", "Ustrd"]
NAMESPACES = ["urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", None]

Tree = tuple[str, list["Tree"]]
trees: st.SearchStrategy[Tree] = st.recursive(
    st.tuples(st.sampled_from(NAMES), st.just([])),
    lambda inner: st.tuples(st.sampled_from(NAMES), st.lists(inner, max_size=4)),
    max_leaves=30,
)


def build(namespace: str | None, children: list[Tree]) -> Element:
    def tag(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    def add(parent: Element, node: Tree) -> None:
        element = etree.SubElement(parent, tag(node[0]))
        element.text = node[0].lower()
        for child in node[1]:
            add(element, child)

    entry = etree.Element(tag("Ntry"))
    for node in children:
        add(entry, node)
    return entry


def reference_index(entry: Element) -> tuple[Flat, list[tuple[Element, Flat]]]:
    """Recursive walk: paths below the entry, or below a detail inside the detail's own index."""
    flat: Flat = {}
    nested: list[tuple[Element, Flat]] = []
    direct: list[tuple[Element, Flat]] = []

    def walk(parent: Element, prefix: str, target: Flat, at_entry: bool) -> None:
        for element in parent:
            path = prefix + etree.QName(element).localname
            target.setdefault(path, []).append(element)
            if at_entry and path in {"NtryDtls/TxDtls", "TxDtls"}:
                detail: Flat = {}
                (nested if prefix else direct).append((element, detail))
                walk(element, "", detail, at_entry=False)
            else:
                walk(element, path + "/", target, at_entry)

    walk(entry, "", flat, at_entry=True)
    return flat, nested + direct


@given(st.sampled_from(NAMESPACES), st.lists(trees, max_size=5))
def test_index_matches_a_recursive_walk(namespace: str | None, children: list[Tree]) -> None:
    entry = build(namespace, children)
    assert index_entry(entry) == reference_index(entry)


@given(st.sampled_from(NAMESPACES), st.lists(trees, max_size=5))
def test_every_element_is_indexed_once(namespace: str | None, children: list[Tree]) -> None:
    entry = build(namespace, children)
    flat, details = index_entry(entry)
    indexes = [flat, *(index for _, index in details)]
    everything = [element for index in indexes for found in index.values() for element in found]
    assert sorted(map(id, everything)) == sorted(id(e) for e in entry.iter() if e is not entry)


def test_details_are_grouped_and_ordered() -> None:
    entry = etree.fromstring(
        "<Ntry><TxDtls><Amt>1</Amt></TxDtls><NtryDtls><TxDtls><Amt>2</Amt><Amt>3</Amt></TxDtls>"
        "</NtryDtls><NtryDtls><TxDtls><Amt>4</Amt><TxDtls><Amt>5</Amt></TxDtls></TxDtls>"
        "</NtryDtls><Amt>6</Amt></Ntry>"
    )
    flat, details = index_entry(entry)
    assert [e.text for e in flat["Amt"]] == ["6"]
    texts = [[e.text for e in index["Amt"]] for _, index in details]
    assert texts == [["2", "3"], ["4"], ["1"]]  # NtryDtls ones first, in file order
    # a TxDtls inside a detail is part of that detail, not a transaction of its own
    assert [e.text for e in details[1][1]["TxDtls/Amt"]] == ["5"]
