"""``yunli demo`` section: route optimization on a city day, Rust core beside OR-Tools."""

from __future__ import annotations

from engine.data.loaders import World
from engine.live.scenario import city_day
from engine.routing.checker import check
from engine.routing.solve import solve


def section_routing(world: World) -> str:
    """A 200-stop Shanghai day (deliveries and pickup–delivery shipments with time windows,
    two capacity dimensions) solved by the Rust core and by OR-Tools with the same budget,
    both verified by the independent checker."""
    del world  # the routing demo uses a generated city-distribution day
    sc = city_day(25, 200, seed=11)
    p = sc.problem
    lines = [
        f"{p.name}: {p.num_jobs} stops ({sum(j.kind == 'delivery' for j in p.jobs)} deliveries, "
        f"{sum(j.kind == 'shipment_pickup' for j in p.jobs)} shipments), "
        f"{p.num_vehicles} trucks of {p.vehicle_types[0].capacity} {p.dimensions}"
    ]
    for solver in ("core", "ortools"):
        sol = solve(p, time_limit=2.0, seed=1, solver=solver)
        rep = check(p, sol.route_jobs())
        lines.append(
            f"  {solver:>7}: {sol.num_vehicles} routes, {sol.distance / 1000:,.1f} km, "
            f"{len(sol.unserved)} unserved, checker {'OK' if rep.feasible else 'VIOLATIONS'}"
            f" ({sol.runtime:.1f} s)"
        )
    return "\n".join(lines)
