"""``yunli demo`` section: a morning plan re-planned live after a day's events."""

from __future__ import annotations

import time

import numpy as np

from engine.data.loaders import World
from engine.live.build import plan_from_solution
from engine.live.eta import forecast
from engine.live.events import Breakdown, NewJob, Traffic, apply_events
from engine.live.replan import replan
from engine.live.scenario import advance, city_day, random_new_shipment
from engine.live.state import Slowdown
from engine.routing.solve import solve

#: Fixed search budgets (iterations of the Rust core; the time limits only cap them), so
#: the section plans and re-plans the same way every run, whatever the machine's load.
MORNING_ITERATIONS = 8_000
REPLAN_ITERATIONS = 1_500
TIME_CAP_S = 60.0


def section_live(world: World) -> str:
    """Plan a Shanghai city day, drive it to 10:00, then a new order, a traffic jam and a
    breakdown arrive; re-plan and show the dispatcher's diff, ETAs and warnings."""
    del world  # the live demo runs on its own city-distribution day
    sc = city_day(12, 120, seed=5)
    t0 = time.perf_counter()
    sol = solve(
        sc.problem, time_limit=TIME_CAP_S, seed=5, solver="core", max_iterations=MORNING_ITERATIONS
    )
    plan = plan_from_solution(sol)
    lines = [f"Morning plan ({time.perf_counter() - t0:.1f} s): {sol.summary()}"]
    now = sc.day_start + 2 * 3600
    advance(plan, now)
    served = sum(len(v.served) for v in plan.vehicles.values())
    rng = np.random.default_rng(5)
    p, d = random_new_shipment(rng, sc, now + 60, "NEW-ORDER")
    busiest = max(plan.vehicles.values(), key=lambda v: len(v.route)).vehicle_id
    jam = Slowdown(2.5, now, now + 3 * 3600, area=("circle", sc.depot[0], sc.depot[1], 8_000.0))
    rep = apply_events(
        plan,
        [NewJob(now + 60, p, d), Traffic(now + 60, jam), Breakdown(now + 60, busiest)],
    )
    lines.append(
        f"10:00 — {served} stops served; events: new order NEW-ORDER, traffic ×2.5 within 8 km "
        f"of the depot, breakdown of {busiest} ({len(rep.released_jobs)} jobs released, "
        f"{sum(len(v) for v in rep.stranded_cargo.values())} on board flagged)"
    )
    res = replan(plan, time_limit=TIME_CAP_S, seed=5, max_iterations=REPLAN_ITERATIONS)
    lines.append(f"Re-plan in {res.runtime_s * 1000:.0f} ms: " + res.diff.summary())
    f = forecast(plan)
    owner = plan.vehicle_of("NEW-ORDER:pickup")
    if owner is not None:
        eta = next(s for s in f.vehicles[owner.vehicle_id].stops if s.job_id == "NEW-ORDER:pickup")
        lines.append(
            f"NEW-ORDER goes to {owner.vehicle_id}: pickup ETA "
            f"{time.strftime('%H:%M', time.gmtime(eta.service_start + 8 * 3600))} (CST)"
        )
    kinds: dict[str, int] = {}
    for w in f.warnings:
        kinds[w.kind] = kinds.get(w.kind, 0) + 1
    lines.append(
        f"Risk warnings: {kinds or 'none'}"
        + (f"; e.g. {f.warnings[0].message}" if f.warnings else "")
    )
    return "\n".join(lines)
