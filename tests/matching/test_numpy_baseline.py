"""The NumPy baseline of the matching benchmarks (``bench/matching_numpy.py``) gives the
core's top-k: same pairs, same ranking rule, same scores within float tolerance."""

from __future__ import annotations

import polars as pl
import pytest

from bench.matching_numpy import NumpyMatcher
from engine.data.generator import generate_world
from engine.matching import SCORE_COMPONENTS, Matcher, MatchParams, MatchWeights


@pytest.mark.parametrize(
    ("weights", "params", "k"),
    [
        (None, None, 20),
        (
            MatchWeights(expertise=0.5, backhaul=0.4, deadhead_per_100km=0.1, price=0.5),
            MatchParams(lane_radius_km=25.0, max_deadhead_km=120.0, half_life_days=30.0),
            5,
        ),
    ],
)
def test_numpy_baseline_equals_core_top_k(
    weights: MatchWeights | None, params: MatchParams | None, k: int
) -> None:
    world = generate_world(1_500, 40_000, 1_200, seed=5)
    m = Matcher.from_world(world, weights=weights, params=params)
    core = m.recommend_vehicles_batch(k=k)
    nm = NumpyMatcher(world.vehicles, world.trips, now=world.now, weights=weights, params=params)
    assert nm.n_lanes == m._core.n_lanes
    ref = nm.top_vehicles(world.loads, k, chunk=500)
    assert ref.columns == core.columns
    assert ref.height == core.height > world.loads.height  # most loads get several vehicles
    assert core["expertise"].max() > 0.3  # expertise takes part in the ranking  # type: ignore[operator]
    j = ref.join(core, on=["load_id", "rank"], how="full", suffix="_core")
    assert j.height == core.height
    assert (j["vehicle_id"] == j["vehicle_id_core"]).all()
    for c in ("score", *SCORE_COMPONENTS):
        diff = (j[c].cast(pl.Float64) - j[f"{c}_core"].cast(pl.Float64)).abs().max()
        assert diff is not None
        assert diff <= 1e-9, (c, diff)  # type: ignore[operator]
