from hypothesis import given
from hypothesis import strategies as st

from paymatch.rules.collective import subsets_with_sum


def test_unique_and_ambiguous_subsets() -> None:
    assert subsets_with_sum([1000, 2500, 3000], 3500, max_size=3) == [(0, 1)]
    assert len(subsets_with_sum([1000, 2000, 3000, 4000], 5000, max_size=3)) == 2
    assert subsets_with_sum([1000, 2500], 99, max_size=3) == []


@given(
    st.lists(st.integers(min_value=1, max_value=10_000), min_size=2, max_size=10),
    st.integers(min_value=1, max_value=30_000),
    st.integers(min_value=2, max_value=4),
    st.integers(min_value=0, max_value=5),
)
def test_subsets_sum_up_and_respect_bounds(
    amounts: list[int], target: int, size: int, tolerance: int
) -> None:
    found = subsets_with_sum(amounts, target, max_size=size, tolerance=tolerance)
    assert len(found) <= 2
    for subset in found:
        assert 2 <= len(subset) <= size
        assert len(set(subset)) == len(subset)
        assert abs(sum(amounts[i] for i in subset) - target) <= tolerance
    assert found == subsets_with_sum(amounts, target, max_size=size, tolerance=tolerance)
