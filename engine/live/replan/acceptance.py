"""The acceptance rule of a re-plan: plans are judged by the ETA forecast.

Candidate plans (from the side-by-side searches, relaxation stages and correction
rounds) are ranked by :func:`score`: fewest promised jobs left out, then fewest late
stops, then most stops served, then least lateness. A new plan that the forecast finds
worse than the current one (more promised stops left out, or more late stops) is not
taken (:func:`keeps_current`), and a plan that leaves out more promised jobs than the
current plan repaired is never taken (:func:`feasibility_guard`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.live.eta import VehicleForecast, forecast_vehicle
from engine.live.replan.problem import ReplanProblem
from engine.live.state import LivePlan, LiveVehicle

#: Forecasts of a vehicle driving a route, within one re-plan: ``(vehicle, route) -> forecast``.
Memo = dict[tuple[str, tuple[str, ...]], VehicleForecast]


def forecast_route(plan: LivePlan, v: LiveVehicle, route: list[str], memo: Memo) -> Any:
    """Forecast of ``v`` driving ``route`` (the plan is left as it was), memoized."""
    key = (v.vehicle_id, tuple(route))
    if key not in memo:
        old = v.route
        v.route = route
        try:
            memo[key] = forecast_vehicle(plan, v)
        finally:
            v.route = old
    return memo[key]


def forecast_routes(
    plan: LivePlan, rp: ReplanProblem, routes: list[tuple[int, list[int]]], memo: Memo
) -> dict[str, Any]:
    """Forecast of every vehicle of ``rp`` driving ``routes`` (the plan is left as it was)."""
    by_k = dict(routes)
    return {
        vid: forecast_route(
            plan, plan.vehicles[vid], [rp.job_ids[j] for j in by_k.get(k, [])], memo
        )
        for k, vid in enumerate(rp.vehicle_ids)
    }


def score(
    fc: Mapping[str, Any],
    routes: list[tuple[int, list[int]]],
    rp: ReplanProblem,
    promised: set[str],
) -> tuple[int, int, int, int]:
    """Plan ranking by the ETA forecast (smaller is better): promised jobs left out,
    late stops, then stops served (more is better), then total lateness."""
    served = {rp.job_ids[j] for _, js in routes for j in js}
    missing = sum(1 for j in rp.job_ids if j in promised and j not in served)
    late = [s.late_s for f in fc.values() for s in f.stops if s.late_s]
    return missing, len(late), -len(served), sum(late)


def keeps_current(
    plan: LivePlan,
    rp: ReplanProblem,
    best: tuple[int, int, int, int],
    promised: set[str],
    memo: Memo,
) -> bool:
    """Whether the current routes (``rp.initial_routes``) rank better than the best new
    plan (``best``, its :func:`score`) on promised jobs left out and late stops: then
    the re-plan is not taken, and new orders it would have served wait for the next."""
    current = rp.initial_routes
    fc0 = forecast_routes(plan, rp, current, memo)
    return score(fc0, current, rp, promised)[:2] < best[:2]


Routes = list[tuple[int, list[int]]]


def left_out(rp: ReplanProblem, routes: Routes, promised: set[str]) -> tuple[int, list[int]]:
    """``(promised jobs left out, every required job left out)`` of ``routes``
    (job indices of ``rp``)."""
    on = {j for _, js in routes for j in js}
    out = [j for j, job in enumerate(rp.problem.jobs) if job.required and j not in on]
    return sum(1 for j in out if rp.job_ids[j] in promised), out


def feasibility_guard(
    rp: ReplanProblem, routes: Routes, promised: set[str], repair: Callable[[], Routes]
) -> tuple[Routes, bool]:
    """The plan to take instead of ``routes`` when they leave out promised jobs: the
    current plan repaired (``repair()``: its routes with the jobs that fit inserted,
    no search), when that leaves out fewer promised jobs. Returns ``(routes, repaired)``.

    A re-plan thus never replaces a plan that serves its promised jobs by one that
    drops some, whatever its search did (out of time, a mis-timed correction round).
    """
    lost, _ = left_out(rp, routes, promised)
    if not lost:
        return routes, False
    fixed = repair()
    if left_out(rp, fixed, promised)[0] < lost:
        return fixed, True
    return routes, False
