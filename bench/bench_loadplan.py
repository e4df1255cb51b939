"""Load-planning benchmarks (pytest-benchmark): small and seeded by default.

Run with ``pytest bench/bench_loadplan.py --benchmark-enable``. Quick mode packs four
one-dimensional instances (u120_05, t60_00, Hard28 BPP766 and BPP47) and one heterogeneous
fleet problem; ``YUNLI_BENCH_FULL=1`` takes every u120, t60 and hard28 instance at 10 s each.
The table with times and the FFD baseline comes from ``python bench/loadplan_report.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from engine.routing.loadplan import first_fit_decreasing, pack_bins, plan_loads
from engine.routing.loadplan.io import read_bpp, read_optima

FULL = os.environ.get("YUNLI_BENCH_FULL", "") not in ("", "0")
DATA = Path(__file__).resolve().parent / "data" / "binpacking"
QUICK = [
    "u120/Falkenauer_u120_05",
    "t60/Falkenauer_t60_00",
    "hard28/Hard28_BPP766",
    "hard28/Hard28_BPP47",
]
FILES = (
    sorted(
        str(p.relative_to(DATA).with_suffix(""))
        for pattern in ("u120/*u120_*.txt", "t60/*t60_*.txt", "hard28/Hard28_*.txt")
        for p in DATA.glob(pattern)
    )
    if FULL
    else QUICK
)
OPTIMA = read_optima(DATA / "optima.csv")


@pytest.mark.parametrize("name", FILES)
def test_pack_bins(benchmark: Any, name: str) -> None:
    """One-dimensional packing at 10 s, 2 workers; records bins, optimum and FFD."""
    inst = read_bpp(DATA / f"{name}.txt")
    res = benchmark.pedantic(
        pack_bins,
        args=(inst.sizes, inst.capacity),
        kwargs={"time_limit": 10.0, "seed": 0, "workers": 2},
        rounds=1,
        iterations=1,
    )
    opt = OPTIMA[inst.name]
    benchmark.extra_info.update(
        bins=res.num_bins,
        optimum=opt,
        ffd=len(first_fit_decreasing(inst.sizes, inst.capacity)),
        proven=res.proven_optimal,
        method=res.method,
    )
    assert res.num_bins >= opt
    assert res.num_bins <= res.ffd_bins


@pytest.mark.parametrize("kind", ["scholl3", "triplets"])
def test_pack_bins_large_capacity(benchmark: Any, kind: str) -> None:
    """Capacity 100,000 (generated: Scholl data set 3, seed 0; Falkenauer triplets, 120
    items), 10 s, 2 workers; records bins, lower bound and FFD."""
    from engine.routing.loadplan.generate import falkenauer_triplets, scholl_hard

    g = scholl_hard(0) if kind == "scholl3" else falkenauer_triplets(0, n=120)
    res = benchmark.pedantic(
        pack_bins,
        args=(g.sizes, g.capacity),
        kwargs={"time_limit": 10.0, "seed": 0, "workers": 2},
        rounds=1,
        iterations=1,
    )
    benchmark.extra_info.update(
        bins=res.num_bins, lower_bound=res.lower_bound, ffd=res.ffd_bins,
        proven=res.proven_optimal, method=res.method, optimum=g.optimum,
    )  # fmt: skip
    assert res.lower_bound <= res.num_bins <= res.ffd_bins


def test_plan_loads_heterogeneous(benchmark: Any) -> None:
    """80 seeded shipments (weight, volume, pallets) on a four-type fleet, 5 s."""
    rng = np.random.default_rng(7)
    n = 80
    shipments = pl.DataFrame(
        {
            "shipment_id": [f"s{i}" for i in range(n)],
            "weight_kg": rng.integers(50, 4000, n),
            "volume_l": rng.integers(100, 15_000, n),
            "pallets": rng.integers(0, 6, n),
        }
    )
    fleet = pl.DataFrame(
        {
            "vehicle_type": ["van", "4.2m", "7.6m", "9.6m"],
            "capacity_kg": [1500, 4000, 10_000, 18_000],
            "capacity_l": [8_000, 16_000, 45_000, 60_000],
            "capacity_pallets": [4, 8, 16, 22],
            "count": [20, 15, 8, 5],
            "cost_fen": [25_000, 45_000, 90_000, 130_000],
        }
    )
    plan = benchmark.pedantic(
        plan_loads,
        args=(shipments, fleet),
        kwargs={"objective": "cost", "time_limit": 5.0, "seed": 0},
        rounds=1,
        iterations=1,
    )
    benchmark.extra_info.update(
        cost_fen=plan.total_cost_fen,
        vehicles=plan.num_vehicles,
        ffd_cost_fen=plan.baseline.total_cost_fen,
        lower_bound=plan.lower_bound,
    )
    assert plan.total_cost_fen <= plan.baseline.total_cost_fen
