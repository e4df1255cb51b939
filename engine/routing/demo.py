"""``yunli demo`` section: route optimization on a city day, Rust core beside OR-Tools."""

from __future__ import annotations

from engine.data.loaders import World
from engine.live.scenario import city_day
from engine.routing.checker import check
from engine.routing.solve import solve

#: The OR-Tools run's budget: a fixed number of solutions (so it plans the same routes
#: every run, whatever the machine's load), with :data:`TIME_CAP_S` as a safety cap.
ORTOOLS_SOLUTIONS = 200
#: Wall-clock cap of the budgeted run; the Rust core's run is limited by
#: :data:`CORE_TIME_LIMIT_S` (wall clock, so its routes vary from run to run until
#: :func:`engine.routing.solve.solve` takes an iteration budget for the core).
TIME_CAP_S = 60.0
CORE_TIME_LIMIT_S = 2.0


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
    for solver in ("core", "ortools"):
        if solver == "core":
            sol = solve(p, time_limit=CORE_TIME_LIMIT_S, seed=1, solver="core")
            label = f"{CORE_TIME_LIMIT_S:g} s budget"
        else:
            sol = solve(
                p, time_limit=TIME_CAP_S, seed=1, solver="ortools", solution_limit=ORTOOLS_SOLUTIONS
            )
            label = f"{ORTOOLS_SOLUTIONS} solutions"
        rep = check(p, sol.route_jobs())
        lines.append(
            f"  {solver:>7}: {sol.num_vehicles} routes, {sol.distance / 1000:,.1f} km, "
            f"{len(sol.unserved)} unserved, checker {'OK' if rep.feasible else 'VIOLATIONS'}"
            f" ({label}, {sol.runtime:.1f} s)"
        )
    return "\n".join(lines)
