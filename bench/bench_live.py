"""Live re-planning: re-plan after one event, and ETAs after a position update.

Quick mode: 10 vehicles / 100 stops. Full (``YUNLI_BENCH_FULL=1``): 50 vehicles / 500
stops, the size of the issue's targets (re-plan p50 ≤ 300 ms, p95 ≤ 1 s; ETAs ≤ 5 ms).
``python -m bench.live_report`` gives percentiles and the quality comparison.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.conftest import size
from engine.live import (
    LivePlan,
    NewJob,
    PositionUpdate,
    apply_events,
    forecast,
    plan_from_solution,
    replan,
)
from engine.live.scenario import advance, city_day, random_new_shipment
from engine.routing import solve

VEHICLES = size(10, 50)
STOPS = size(100, 500)


@pytest.fixture(scope="module")
def live() -> tuple[Any, LivePlan]:
    sc = city_day(VEHICLES, STOPS, seed=0)
    sol = solve(sc.problem, time_limit=size(2, 20), seed=0, solver="core")
    plan = plan_from_solution(sol)
    advance(plan, sc.day_start + 5400)
    return sc, plan


@pytest.mark.benchmark(group="live")
def test_replan_after_new_order(benchmark: Any, live: tuple[Any, LivePlan]) -> None:
    sc, base = live
    rng = np.random.default_rng(0)
    counter = iter(range(10**6))

    def setup() -> tuple[tuple[LivePlan], dict[str, Any]]:
        plan = base.copy()
        i = next(counter)
        t = plan.now + 60
        p, d = random_new_shipment(rng, sc, t, f"B{i}")
        apply_events(plan, [NewJob(t, p, d)])
        return (plan,), {"time_limit": 0.2, "seed": i}

    res = benchmark.pedantic(replan, setup=setup, rounds=size(3, 20), iterations=1)
    assert res.feasible or res.diff.unassigned


@pytest.mark.benchmark(group="live")
def test_eta_after_position_update(benchmark: Any, live: tuple[Any, LivePlan]) -> None:
    _, base = live
    plan = base.copy()
    vid = next(v.vehicle_id for v in plan.vehicles.values() if v.route)
    clock = iter(range(1, 10**9))

    def update() -> int:
        v = plan.vehicles[vid]
        apply_events(plan, [PositionUpdate(plan.now + next(clock), vid, v.lat, v.lon + 1e-5)])
        return len(forecast(plan, [vid]).warnings)

    assert benchmark(update) >= 0
