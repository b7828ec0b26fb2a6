"""Evidence kept with decisions and review items is what each Evidence dumps by itself."""

from hypothesis import given
from hypothesis import strategies as st

from paymatch.core.models import Evidence, EvidenceKind
from paymatch.core.records import evidence_json

evidence = st.builds(
    Evidence,
    kind=st.sampled_from(EvidenceKind),
    weight=st.floats(min_value=-10, max_value=10, allow_nan=False),
    text=st.text(max_size=40),
)


@given(st.lists(evidence, max_size=6))
def test_evidence_json_equals_dumping_each_item(items: list[Evidence]) -> None:
    assert evidence_json(items) == [item.model_dump(mode="json") for item in items]
    assert evidence_json(tuple(items)) == evidence_json(items)
