"""Driver-side cost of cluster runs (no Ray needed): partitioning a market into regions
with their halos, and the connected components of a dispatch candidate graph.

Quick mode: 2,000 vehicles, 50,000 trips, 2,000 loads, 8 regions. Full
(``YUNLI_BENCH_FULL=1``): 100,000 vehicles, 2,000,000 trips, 100,000 loads, 32 regions.
The Ray runs themselves are measured by ``python -m bench.cluster_report``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.conftest import size
from engine.cluster import matching as cm
from engine.data.generator import generate_world

N_VEHICLES = size(2_000, 100_000)
N_TRIPS = size(50_000, 2_000_000)
N_LOADS = size(2_000, 100_000)
REGIONS = size(8, 32)


@pytest.fixture(scope="module")
def market() -> cm.Market:
    return cm.Market.from_world(generate_world(N_VEHICLES, N_TRIPS, N_LOADS, seed=11))


def test_partition_by_region(benchmark: Any, market: cm.Market) -> None:
    """Regions, halo fleets and their trips for every region (what the driver ships)."""
    tasks = benchmark(lambda: cm.recommend_tasks(market, k=20, regions=REGIONS))
    assert sum(t.loads.height for t in tasks) == market.loads.height
    assert sum(t.vehicles.height for t in tasks) >= market.vehicles.height // 2


def test_candidate_graph_components(benchmark: Any, market: cm.Market) -> None:
    """Union-find over a candidate graph of 30 random edges per load."""
    rng = np.random.default_rng(0)
    n_l, n_v = market.loads.height, market.vehicles.height
    lp = np.repeat(np.arange(n_l, dtype=np.int64), 30)
    vp = rng.integers(0, n_v, lp.size)
    comp = benchmark(lambda: cm.components(lp, vp, n_l, n_v))
    assert comp[lp].tolist() == comp[vp + n_l].tolist()
