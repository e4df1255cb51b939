"""``yunli demo`` section: route optimization on a city day, Rust core beside OR-Tools."""

from __future__ import annotations

import time

from engine.data.loaders import World
from engine.live.scenario import city_day
from engine.routing.checker import check
from engine.routing.core import problem_data, search
from engine.routing.solve import solve

#: Both runs have fixed search budgets, so the section plans the same routes every run
#: whatever the machine's load (only the timings differ). OR-Tools' budget: a number of
#: solutions.
ORTOOLS_SOLUTIONS = 200
#: The Rust core's budget: a fixed number of ruin-and-recreate iterations (about 2 s on
#: one core of the development machine).
CORE_ITERATIONS = 20_000
#: Wall-clock cap of both budgeted runs (reached only on a machine many times slower).
TIME_CAP_S = 60.0


def section_routing(world: World) -> str:
    """A 200-stop Shanghai day (deliveries and pickup–delivery shipments with time windows,
    two capacity dimensions) solved by the Rust core and by OR-Tools, both verified by the
    independent checker."""
    del world  # the routing demo uses a generated city-distribution day
    sc = city_day(25, 200, seed=11)
    p = sc.problem
    lines = [
        f"{p.name}: {p.num_jobs} stops ({sum(j.kind == 'delivery' for j in p.jobs)} deliveries, "
        f"{sum(j.kind == 'shipment_pickup' for j in p.jobs)} shipments), "
        f"{p.num_vehicles} trucks of {p.vehicle_types[0].capacity} {p.dimensions}"
    ]
    # The core through its one search function (engine.routing.core), which takes an
    # iteration budget; OR-Tools through solve() with a solution budget.
    t0 = time.perf_counter()
    res = search(problem_data(p), time_limit=TIME_CAP_S, seed=1, max_iterations=CORE_ITERATIONS)
    runs = [("core", res.routes, f"{CORE_ITERATIONS:,} iterations", time.perf_counter() - t0)]
    sol = solve(
        p, time_limit=TIME_CAP_S, seed=1, solver="ortools", solution_limit=ORTOOLS_SOLUTIONS
    )
    runs.append(("ortools", sol.route_jobs(), f"{ORTOOLS_SOLUTIONS} solutions", sol.runtime))
    for solver, routes, budget, seconds in runs:
        rep = check(p, routes)
        lines.append(
            f"  {solver:>7}: {sum(1 for _, js in routes if js)} routes, "
            f"{rep.distance / 1000:,.1f} km, {len(rep.dropped)} unserved, "
            f"checker {'OK' if rep.feasible else 'VIOLATIONS'} ({budget}, {seconds:.1f} s)"
        )
    return "\n".join(lines)
