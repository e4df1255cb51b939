"""Rust routing search core through its typed boundary (``engine.routing.core``).

Quick mode: a seeded random 100-job VRPTW and a 50-pair pickup–delivery problem with
windows, 200 ruin-and-recreate iterations. Full (``YUNLI_BENCH_FULL=1``): 1,000 jobs
(500 pairs), 2,000 iterations. Every solution is re-checked by
the independent checker. Quality against best-known solutions on the standard sets is
measured by the peer harness and ``cargo run --release --example benchmarks``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.conftest import size
from engine.routing import Model
from engine.routing.checker import check
from engine.routing.core import SearchResult, problem_data, search
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
    data = problem_data(problem)

    def run() -> SearchResult:
        return search(data, time_limit=60.0, seed=1, max_iterations=ITERATIONS)

    out = benchmark(run)
    report = check(problem, out.routes)
    assert report.feasible, report.violations
    assert out.cost == pytest.approx(report.cost, rel=1e-9)


@pytest.fixture(scope="module")
def pd_problem() -> Problem:
    rng = np.random.default_rng(1)
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=500, y=500, name="D")
    m.add_vehicle_type(N // 2, capacity=150, start=depot, shift=(0, 40_000), fixed_cost=1000)
    for _ in range(N // 2):
        (x1, y1), (x2, y2) = rng.integers(0, 1000, (2, 2))
        a = int(rng.integers(0, 28_000))
        m.add_shipment(
            m.add_site(x=int(x1), y=int(y1)),
            m.add_site(x=int(x2), y=int(y2)),
            amount=int(rng.integers(1, 20)),
            pickup_service=10,
            delivery_service=10,
            pickup_windows=[(a, a + 3000)],
            delivery_windows=[(a, a + 8000)],
        )
    return m.data()


@pytest.mark.benchmark(group="search-core")
def test_search_core_pickup_delivery(benchmark: Any, pd_problem: Problem) -> None:
    data = problem_data(pd_problem)

    def run() -> SearchResult:
        return search(data, time_limit=60.0, seed=1, max_iterations=ITERATIONS)

    out = benchmark(run)
    report = check(pd_problem, out.routes)
    assert report.feasible, report.violations
    assert out.cost == pytest.approx(report.cost, rel=1e-9)
