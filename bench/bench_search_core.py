"""Rust routing search core through ``engine._core.solve_routing``.

Quick mode: a seeded random 100-job VRPTW, 200 ruin-and-recreate iterations. Full
(``YUNLI_BENCH_FULL=1``): 1,000 jobs, 2,000 iterations. Every solution is re-checked by
the independent checker. Quality against best-known solutions on the standard sets is
measured by the peer harness and ``cargo run --release --example benchmarks``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.conftest import size
from engine import _core
from engine.routing import Model
from engine.routing.checker import check
from engine.routing.model import Problem

N = size(100, 1_000)
ITERATIONS = size(200, 2_000)


@pytest.fixture(scope="module")
def problem() -> Problem:
    rng = np.random.default_rng(0)
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=500, y=500, name="D")
    m.add_vehicle_type(N, capacity=150, start=depot, shift=(0, 40_000))
    for x, y in rng.integers(0, 1000, (N, 2)):
        a = int(rng.integers(0, 36_000))
        m.add_job(
            m.add_site(x=int(x), y=int(y)),
            delivery=int(rng.integers(1, 20)),
            service=10,
            time_windows=[(a, a + 3000)],
        )
    return m.data()


@pytest.mark.benchmark(group="search-core")
def test_search_core_vrptw(benchmark: Any, problem: Problem) -> None:
    arrays: dict[str, Any] = problem.to_arrays()

    def run() -> dict[str, Any]:
        out: dict[str, Any] = _core.solve_routing(
            **arrays, time_limit_s=60.0, seed=1, max_iterations=ITERATIONS
        )
        return out

    out = benchmark(run)
    report = check(problem, out["routes"])
    assert report.feasible, report.violations
    assert out["cost"] == pytest.approx(report.cost, rel=1e-9)
