"""Lead-time distributions: convolution, mixtures and quantiles (property-based)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.crossborder.dist import DayDist
from engine.errors import InvalidInputError

pairs = st.dictionaries(st.integers(0, 30), st.integers(0, 50), min_size=1, max_size=8).filter(
    lambda d: sum(d.values()) > 0
)


def _dist(d: dict[int, int]) -> DayDist:
    return DayDist.from_pairs([[k, v] for k, v in d.items()])


@settings(max_examples=100, deadline=None)
@given(pairs, pairs, st.integers(1, 10_000), st.integers(1, 10_000))
def test_convolution_and_quantiles(a: dict[int, int], b: dict[int, int], q1: int, q2: int) -> None:
    """The sum's mean is the sum of means; quantiles grow with the level and lie in the
    support; P(X <= quantile) reaches the level."""
    x, y = _dist(a), _dist(b)
    s = x + y
    assert s.mean() == pytest.approx(x.mean() + y.mean())
    assert s.total == x.total * y.total
    lo, hi = sorted((q1, q2))
    assert s.quantile(lo) <= s.quantile(hi)
    assert s.offset <= s.quantile(hi) <= s.max_days
    assert s.prob_within(s.quantile(hi)) >= hi / 10_000 - 1e-12


@settings(max_examples=100, deadline=None)
@given(pairs, pairs, st.integers(0, 10_000))
def test_mixture(a: dict[int, int], b: dict[int, int], bp: int) -> None:
    """A mixture's mean is the weighted mean of its parts."""
    x, y = _dist(a), _dist(b)
    m = x.mixed(y, bp)
    assert m.mean() == pytest.approx((1 - bp / 10_000) * x.mean() + bp / 10_000 * y.mean())


def test_sampling_matches_weights() -> None:
    """Draws follow the weights."""
    d = DayDist.from_pairs([[1, 1], [3, 3]])
    rng = random.Random(0)
    draws = [d.sample(rng) for _ in range(8000)]
    assert set(draws) == {1, 3}
    assert abs(draws.count(3) / 8000 - 0.75) < 0.03


@pytest.mark.parametrize(
    "bad",
    [[], [[1]], [[1, -1]], [[-1, 1]], [[1, 1], [1, 2]], [[1, 0]], [[1.5, 1]], "1,1"],
)
def test_bad_pairs(bad: object) -> None:
    """Malformed distributions fail naming the field."""
    with pytest.raises(InvalidInputError) as e:
        DayDist.from_pairs(bad, "transit_days")
    assert e.value.field == "transit_days"
