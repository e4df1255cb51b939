"""Live re-planning figures: latency, position-update cost, quality vs a cold solve.

On a 50-vehicle, 500-stop city day (``engine.live.scenario.city_day``), planned in the
morning by the Rust core:

1. re-plan latency after one event (a new O2O order, then a cancellation, a traffic jam,
   a delay), end to end through :func:`engine.live.replan`, p50/p95/max;
2. ETA + risk warnings after one position update (apply + forecast of that vehicle);
3. quality: the re-planned routes against a from-scratch ``--cold`` second solve of the
   same remaining problem (same fixed next stops and pinned cargo), gap in distance.

``python -m bench.live_report [--events 30] [--cold 30]`` prints a Markdown block for
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from engine.live import (
    CancelJob,
    NewJob,
    PositionUpdate,
    Slowdown,
    Traffic,
    VehicleDelayed,
    apply_events,
    forecast,
    plan_from_solution,
    replan,
)
from engine.live.scenario import advance, city_day, random_new_shipment
from engine.routing import solve
from engine.routing.checker import check
from engine.routing.core import problem_data, search


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q))


def run(n_events: int = 30, cold_s: float = 30.0, seed: int = 0, morning_s: float = 20.0) -> str:
    """Measure and return the Markdown report."""
    sc = city_day(50, 500, seed=seed)
    sol = solve(sc.problem, time_limit=morning_s, seed=seed, solver="core")
    plan = plan_from_solution(sol)
    rng = np.random.default_rng(seed)
    # Put the fleet on the road: drive the morning plan as forecast until 09:30.
    advance(plan, sc.day_start + 5400)
    t = plan.now
    lat: list[float] = []
    for i in range(n_events):
        t += 120
        kind = i % 4
        if kind == 0 or kind == 2:
            p, d = random_new_shipment(rng, sc, t, f"E{i:03d}")
            ev = [NewJob(t, p, d)]
        elif kind == 1:
            pend = [j for j, job in plan.jobs.items() if job.status == "pending" and "pickup" in j]
            ev = [CancelJob(t, pend[int(rng.integers(len(pend)))])]
        else:
            v = [v for v in plan.vehicles.values() if v.route][int(rng.integers(10))]
            ev = [
                Traffic(
                    t,
                    Slowdown(1.8, t, t + 7200, area=("circle", v.lat, v.lon, 5_000.0)),
                ),
                VehicleDelayed(t, v.vehicle_id, 900),
            ]
        apply_events(plan, ev)
        t0 = time.perf_counter()
        replan(plan, time_limit=0.2, seed=seed + i)
        lat.append((time.perf_counter() - t0) * 1000)

    # ETA + warnings after a position update of one vehicle.
    pos_ms: list[float] = []
    movers = [v.vehicle_id for v in plan.vehicles.values() if v.route]
    for i in range(200):
        vid = movers[i % len(movers)]
        v = plan.vehicles[vid]
        t += 1
        t0 = time.perf_counter()
        apply_events(plan, [PositionUpdate(t, vid, v.lat + 1e-4, v.lon)])
        forecast(plan, [vid])
        pos_ms.append((time.perf_counter() - t0) * 1000)

    # Quality, on a healthy mid-morning state: the 20 s morning plan driven as forecast
    # until 09:30, one new order, a 0.3 s warm re-plan vs a cold solve of the same
    # remaining problem (same pinned cargo and fixed next stops), no disruption cost.
    fresh = plan_from_solution(sol)
    advance(fresh, sc.day_start + 5400)
    p, d = random_new_shipment(rng, sc, sc.day_start + 5460, "Q")
    apply_events(fresh, [NewJob(sc.day_start + 5460, p, d)])
    res = replan(fresh, time_limit=0.3, seed=seed, disruption_cost=0)
    rp = res.problem
    assert rp is not None
    warm = check(rp.problem, res.routes)
    cold_init = [(k, r[:f]) for (k, r), f in zip(rp.initial_routes, rp.fixed_prefixes, strict=True)]
    cold = search(
        problem_data(rp.problem, rp.terms),
        time_limit=cold_s,
        seed=seed,
        initial_routes=cold_init,
        fixed_prefixes=rp.fixed_prefixes,
    )
    cold_rep = check(rp.problem, cold.routes)
    gap = warm.cost / cold_rep.cost - 1 if cold_rep.cost else float("nan")
    # Same work: the warm plan without the jobs the cold solve left out (and their
    # pickup-delivery partners), visit order kept.
    gone = set(cold_rep.dropped)
    gone |= {rp.problem.jobs[j].pair for j in gone if rp.problem.jobs[j].pair is not None}
    same = check(rp.problem, [(k, [j for j in js if j not in gone]) for k, js in res.routes])
    gap_same = same.cost / cold_rep.cost - 1 if cold_rep.cost else float("nan")
    f = forecast(plan)
    return "\n".join(
        [
            f"- re-plan after one event, {n_events} events (new orders, cancellations, "
            f"traffic + delay), 50 vehicles / {len(plan.jobs)} jobs: p50 {_pct(lat, 50):.0f} ms, "
            f"p95 {_pct(lat, 95):.0f} ms, max {max(lat):.0f} ms (search budget 200 ms)",
            f"- position update → ETAs + warnings of that vehicle: p50 {_pct(pos_ms, 50):.2f} ms, "
            f"p99 {_pct(pos_ms, 99):.2f} ms over 200 updates",
            f"- quality: re-plan (0.3 s, warm) distance {warm.cost:,.0f} m "
            f"(feasible {warm.feasible}, {len(warm.dropped)} dropped) vs cold {cold_s:.0f} s "
            f"solve {cold_rep.cost:,.0f} m (feasible {cold_rep.feasible}, "
            f"{len(cold_rep.dropped)} dropped): gap {gap * 100:+.2f}%; same work (the re-plan "
            f"without the {len(gone)} jobs the cold solve left out, routes feasible "
            f"{same.routes_feasible}): {same.cost:,.0f} m, gap {gap_same * 100:+.2f}%; last "
            f"re-plan {res.runtime_s * 1000:.0f} ms",
            f"- plan after the run: {f.late_stops} late stops, {len(f.warnings)} warnings",
        ]
    )


def main() -> None:
    """Print the report."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=30)
    ap.add_argument("--cold", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(f"nproc={os.cpu_count()}")
    print(run(a.events, a.cold, a.seed))


if __name__ == "__main__":
    main()
