"""``replan``: one re-plan of a live plan, from problem to diff.

The rounds: a first search (:mod:`~engine.live.replan.search`) of the re-plan problem
(:mod:`~engine.live.replan.problem`); relaxation stages while promised jobs are left
out; correction rounds re-deriving the traffic at the new plan's departures while it
has late stops; the acceptance rule (:mod:`~engine.live.replan.acceptance`); then the
chosen routes are applied to the plan and the diff and new forecast returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from engine.errors import InfeasibleError, InvalidInputError
from engine.live.eta import Forecast, forecast
from engine.live.replan import problem
from engine.live.replan.acceptance import (
    Memo,
    feasibility_guard,
    forecast_route,
    forecast_routes,
    keeps_current,
    left_out,
    score,
)
from engine.live.replan.arcs import remember_routes, settled_routes
from engine.live.replan.explain import Unserved, explain
from engine.live.replan.problem import (
    DEFAULT_DISRUPTION_COST,
    LATE_COST_PER_HOUR,
    LATE_STOP_COST,
    PLANNING_BUFFER_S,
    ReplanProblem,
    build_problem,
)
from engine.live.replan.search import Searches, as_initial, final_routes
from engine.live.state import LivePlan
from engine.routing.checker import check
from engine.routing.solve import check_time_limit

#: Without lateness costs (both 0): a promised job that fits nowhere on time may be
#: planned this much later than its window, tried in turn (the last stage accepts any
#: lateness rather than dropping the job).
RELAX_STAGES_S = (0, 600, 1_800, 3_600, 7_200, 7 * 86_400)
#: Share of the time limit for the first search; the rest goes to at most this many
#: correction rounds while the plan has late stops (see :func:`replan`).
FIRST_ROUND_SHARE = 0.6
CORRECTION_ROUNDS = 1
#: The first search gets at least this share of the time limit, however long building
#: the problem took (large plans, a loaded machine): the re-plan then overruns its limit
#: by at most this much rather than searching for nothing.
MIN_SEARCH_SHARE = 0.3
#: Search time of each round when ``max_iterations`` is not given, from the size of the
#: disruption: this much, plus :data:`SEARCH_PER_JOB_S` per job on no route (new orders,
#: jobs released by a breakdown) and :data:`SEARCH_PER_LATE_S` per stop predicted late,
#: within what the time limit leaves (correction rounds at most as long as the first). A
#: warm-started search of a small disruption gains nothing after ~100 iterations (~15 ms
#: at 500 stops); a jam or a breakdown keeps improving to ~1,000. The budget is time, not
#: iterations, so that the core's annealing cools by the end of it even on a loaded
#: machine (an iteration budget cut short by the clock ends the search still hot).
SEARCH_BASE_S = 0.02
SEARCH_PER_JOB_S = 0.006
SEARCH_PER_LATE_S = 0.0015


@dataclass
class ReplanDiff:
    """What a re-plan changed, for a dispatcher.

    Attributes
    ----------
    moved
        ``job_id -> (old vehicle or None, new vehicle or None)`` for jobs whose vehicle changed.
    changed_vehicles
        Vehicles whose pending sequence changed.
    eta_changes
        ``job_id -> seconds`` the predicted service start moved (positive = later).
    distance_change_m, late_stops_change, lateness_change_s
        New minus old remaining distance, late stops and total lateness.
    unassigned
        Pending jobs left without a vehicle, with the reason (``constraint: detail``,
        see :class:`~engine.live.replan.explain.Unserved`).
    """

    moved: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    changed_vehicles: list[str] = field(default_factory=list)
    eta_changes: dict[str, int] = field(default_factory=dict)
    distance_change_m: int = 0
    late_stops_change: int = 0
    lateness_change_s: int = 0
    unassigned: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """A few readable lines."""
        lines = [
            f"{len(self.moved)} jobs moved, {len(self.changed_vehicles)} vehicles changed, "
            f"distance {self.distance_change_m / 1000:+.1f} km, late stops "
            f"{self.late_stops_change:+d}, lateness {self.lateness_change_s / 60:+.0f} min",
        ]
        for jid, (a, b) in list(self.moved.items())[:5]:
            lines.append(f"  {jid}: {a or '-'} → {b or '-'}")
        for jid, why in list(self.unassigned.items())[:5]:
            lines.append(f"  unassigned {jid}: {why}")
        return "\n".join(lines)


@dataclass
class ReplanResult:
    """A re-plan: the diff, the new forecast, timings and the solver's figures.

    Attributes
    ----------
    feasible
        The plan taken serves every required pending job (promised or new) within the
        hard constraints of the re-plan; when not, :attr:`infeasible` says why. (Cargo
        on board a broken-down vehicle is not part of the re-plan: see
        ``diff.unassigned``.)
    infeasible
        ``job_id -> Unserved`` for every required job the plan taken leaves out: which
        constraint (time window, capacity, shift end, skills/vehicle type, max
        distance, ...) stops every vehicle (:mod:`engine.live.replan.explain`).
    kept_current
        The search's plan was not taken: the forecast found it later than the current
        plan, which is kept (new orders wait), or it left out more promised jobs than the
        current plan repaired by the core (jobs inserted where they fit), which is taken
        instead (see :mod:`engine.live.replan.acceptance`).
    iterations
        Search iterations over all rounds; ``budget_s`` the first round's search time.
    phases_s
        Wall seconds per phase: ``forecast``, ``build``, ``search``, ``correction``,
        ``finish``.
    """

    diff: ReplanDiff
    forecast: Forecast
    runtime_s: float
    solver_runtime_s: float
    cost: float
    feasible: bool
    iterations: int
    problem: ReplanProblem | None = None
    routes: list[tuple[int, list[int]]] = field(default_factory=list)
    infeasible: dict[str, Unserved] = field(default_factory=dict)
    kept_current: bool = False
    budget_s: float = 0.0
    phases_s: dict[str, float] = field(default_factory=dict)


def replan(
    plan: LivePlan,
    *,
    time_limit: float = 0.25,
    seed: int = 0,
    allow_diversion: bool = False,
    disruption_cost: int = DEFAULT_DISRUPTION_COST,
    max_iterations: int | None = None,
    verify: bool = False,
    late_stop_cost: int = LATE_STOP_COST,
    late_cost_per_hour: int = LATE_COST_PER_HOUR,
    searches: int = 2,
) -> ReplanResult:
    """Re-optimize ``plan`` in place from its current state (see the module docstring).

    Parameters
    ----------
    time_limit
        Wall-clock seconds for the re-plan: the searches get what building the problem
        left of it (the first at least :data:`MIN_SEARCH_SHARE` of it), and usually stop
        sooner, at their budget sized to the disruption.
    max_iterations
        Iteration budget of each search (then the time limit alone caps the searches).
        Default: each search gets a time sized to the disruption
        (:data:`SEARCH_BASE_S`, plus :data:`SEARCH_PER_JOB_S` per job on no route and
        :data:`SEARCH_PER_LATE_S` per stop predicted late) within the time limit.
        With it, and a time limit that is not reached, a re-plan is reproducible.
    allow_diversion
        Let vehicles abandon the stop they are driving to.
    disruption_cost
        Cost of moving a job to another vehicle (cost units; 1000 per km by default).
    verify
        Also run the independent checker on the new routes before accepting them
        (tens of milliseconds on 500 stops; the tests and benchmarks turn it on).
    late_stop_cost, late_cost_per_hour
        Price of a promised stop planned late (cost units per stop, and per hour late).
        Stops predicted late, and promised stops that fit nowhere on time, may be planned
        late at this price; all other stops keep hard windows, and new jobs are accepted
        only where they fit on time. ``0, 0`` keeps late stops late without trying to
        make them punctual.
    searches
        Independent searches (seeds ``seed + 7919 i``) run side by side on as many
        threads; the one whose plan the ETA forecast ranks best is taken (fewest promised
        jobs left out, then fewest late stops, then most stops served).

    Raises
    ------
    InfeasibleError
        No vehicle on duty for pending jobs.
    InvalidInputError
        Bad parameters. The plan is unchanged on any error.
    """
    check_time_limit(time_limit)
    if disruption_cost < 0:
        raise InvalidInputError.at("disruption_cost", "must be >= 0")
    if late_stop_cost < 0 or late_cost_per_hour < 0:
        raise InvalidInputError.at("late_stop_cost", "lateness costs must be >= 0")
    if searches < 1:
        raise InvalidInputError.at("searches", f"must be >= 1, got {searches}")
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    before = forecast(plan)
    phases["forecast"] = time.perf_counter() - t0
    memo: Memo = {
        (vid, tuple(plan.vehicles[vid].route)): f
        for vid, f in before.vehicles.items()
        if plan.vehicles[vid].status == "active"
    }
    priced = late_stop_cost > 0 or late_cost_per_hour > 0
    # The stop a vehicle is driving to is visited first whatever its window says.
    first_stops = {
        v.route[0]
        for v in plan.vehicles.values()
        if v.status == "active" and v.en_route and v.route and not allow_diversion
    }
    late_now, soft = problem.late_now(plan, before, priced=priced, first_stops=first_stops)
    rp = build_problem(
        plan,
        allow_diversion=allow_diversion,
        disruption_cost=disruption_cost,
        relax=late_now,
        buffer_s=PLANNING_BUFFER_S,
        soft=soft,
        late_stop_cost=late_stop_cost,
        late_cost_per_hour=late_cost_per_hour,
        departures={s.job_id: s.departure for f in before.vehicles.values() for s in f.stops},
    )
    # Only jobs already promised (on a route before this re-plan, or on board) are planned
    # late when they fit nowhere on time; a new job that does not fit stays unassigned, so
    # the dispatcher can hand it elsewhere instead of making a late promise.
    promised = {j for j, job in plan.jobs.items() if job.promised}
    promised |= {j for v in plan.vehicles.values() for j in v.route}

    placed = sum(len(js) for _, js in rp.initial_routes)
    sized = (
        SEARCH_BASE_S
        + SEARCH_PER_JOB_S * (len(rp.job_ids) - placed)
        + SEARCH_PER_LATE_S * before.late_stops
        if max_iterations is None
        else float("inf")
    )
    searches_ = Searches(plan, seed, searches, max_iterations, promised, memo)
    searches_.settled = settled_routes(plan, [plan.vehicles[vid] for vid in rp.vehicle_ids])
    run = searches_.run
    t_search = time.perf_counter()
    phases["build"] = t_search - t0 - phases["forecast"]
    iterations = 0

    first = FIRST_ROUND_SHARE * time_limit - (time.perf_counter() - t0)
    budget = min(sized, max(MIN_SEARCH_SHARE * time_limit, first))
    res = run(rp, rp.initial_routes, budget)
    iterations += res.iterations
    relax = dict(late_now)
    # Priced: one stage, any lateness at the price of lateness.
    stages = RELAX_STAGES_S[-1:] if priced else RELAX_STAGES_S
    for stage, extra_s in enumerate(stages):
        dropped_required = [
            rp.job_ids[j]
            for j in res.dropped
            if plan.jobs[rp.job_ids[j]].required and rp.job_ids[j] in promised
        ]
        if not dropped_required:
            break
        # Out of time: go straight to the last stage (any lateness) and stop there.
        out_of_time = time.perf_counter() - t0 > time_limit
        extra = RELAX_STAGES_S[-1] if out_of_time else extra_s
        # Required jobs the search could not fit on time are planned late instead (a
        # little later at each stage when unpriced): relax their windows (and their
        # partners'), and those of cargo pinned to the same vehicle, then repair from
        # the routes found.
        allowed = rp.terms.allowed_type
        assert allowed is not None
        pinned_to = {rp.job_ids[j]: int(k) for j, k in enumerate(allowed) if k >= 0}
        stuck = {pinned_to[j] for j in dropped_required if j in pinned_to}
        for jid in dropped_required + [j for j, k in pinned_to.items() if k in stuck]:
            for x in (jid, plan.jobs[jid].pair):
                if x is not None:
                    job = plan.jobs[x]
                    close = max((b for _, b in job.windows), default=plan.now)
                    relax[x] = max(relax.get(x, 0), max(close, plan.now) + extra)
                    if priced and job.windows and x not in first_stops:
                        soft.setdefault(x, close)
        rp = problem.relaxed(rp, plan, relax, soft, late_stop_cost, late_cost_per_hour)
        warm = as_initial(res.routes, len(rp.vehicle_ids))
        left = time_limit - (time.perf_counter() - t0)
        share = 2 if priced else len(stages) - stage  # priced: keep time for the correction
        res = run(rp, warm, min(sized, max(0.03, left / share)))
        iterations += res.iterations
        if out_of_time:
            break
    routes = final_routes(res, rp)
    solved = True
    t_corr = time.perf_counter()
    phases["search"] = t_corr - t_search
    if priced:
        # The search plans with each leg's traffic at its departure in the plan it started
        # from; stops moved into (or out of) a slowdown make that picture wrong. While the
        # plan has late stops and time is left, correction rounds re-derive the travel
        # times at the best plan's departures, let the stops it has late be late at a
        # price, search on from it, and keep whichever plan the forecast finds better.
        fc = forecast_routes(plan, rp, routes, memo)
        best = score(fc, routes, rp, promised)
        for rnd in range(CORRECTION_ROUNDS):
            left = time_limit - (time.perf_counter() - t0)
            late = {s.job_id for f in fc.values() for s in f.stops if s.late_s}
            if not late or left < 0.03:
                break
            for jid in late - first_stops:
                relax[jid] = plan.now + problem.LATE_HORIZON_S
                soft.setdefault(jid, plan.jobs[jid].windows[-1][1])
            deps = {s.job_id: s.departure for f in fc.values() for s in f.stops}
            rp2 = problem.retimed(
                problem.relaxed(rp, plan, relax, soft, late_stop_cost, late_cost_per_hour),
                plan,
                deps,
            )
            res2 = run(
                rp2,
                as_initial(routes, len(rp.vehicle_ids)),
                min(sized, left / (CORRECTION_ROUNDS - rnd)),
            )
            iterations += res2.iterations
            routes2 = final_routes(res2, rp2)
            fc2 = forecast_routes(plan, rp2, routes2, memo)
            score2 = score(fc2, routes2, rp, promised)
            if score2 <= best:
                rp, res, routes, fc, best = rp2, res2, routes2, fc2, score2
        # Acceptance: a plan that the forecast finds worse than the current one (more
        # promised stops left out, or more late stops) is not taken; new orders it would
        # have served stay unassigned and are tried again at the next re-plan.
        if keeps_current(plan, rp, best, promised, memo):
            routes, solved = [(k, list(js)) for k, js in rp.initial_routes], False
    # Feasibility guard: the plan taken never leaves out more promised jobs than the
    # current plan repaired (its routes with the jobs that fit inserted, no search).
    routes, repaired = feasibility_guard(
        rp, routes, promised, lambda: final_routes(searches_.repair(rp), rp)
    )
    kept = repaired or not solved
    solved = solved or repaired
    missing = left_out(rp, routes, promised)[1]
    phases["correction"] = time.perf_counter() - t_corr
    t_fin = time.perf_counter()
    report = check(rp.problem, routes) if verify and solved else None
    if report is not None and not report.routes_feasible:
        # Required jobs left out are reported (``infeasible``); broken routes are refused.
        bad = next(v for v in report.violations if v.kind != "unserved")
        raise InfeasibleError(f"re-plan rejected by the checker: {bad}; the plan is unchanged")
    old_owner = {j: v.vehicle_id for v in plan.vehicles.values() for j in v.route}
    old_routes = {vid: list(v.route) for vid, v in plan.vehicles.items()}
    new_routes: dict[str, list[str]] = {vid: [] for vid in rp.vehicle_ids}
    for k, js in routes:
        new_routes[rp.vehicle_ids[k]] = [rp.job_ids[j] for j in js]
    served_in_problem = {j for js in new_routes.values() for j in js}
    diff = ReplanDiff()
    for vid, route in new_routes.items():
        plan.vehicles[vid].route = route
        for jid in route:
            plan.jobs[jid].promised = True
        if route != old_routes.get(vid, []):
            diff.changed_vehicles.append(vid)
    for v in plan.vehicles.values():
        if v.status == "broken":
            v.route = sorted(plan.committed(v), key=lambda j: old_routes[v.vehicle_id].index(j))
    new_owner = {j: v.vehicle_id for v in plan.vehicles.values() for j in v.route}
    for jid in set(old_owner) | set(new_owner):
        if old_owner.get(jid) != new_owner.get(jid):
            diff.moved[jid] = (old_owner.get(jid), new_owner.get(jid))
    why: dict[str, Unserved] = {}
    if missing:
        # New orders the acceptance rule held back are not diagnosed: they would fit.
        held = {rp.job_ids[j] for j in missing if not solved and rp.job_ids[j] not in promised}
        why = explain(rp, routes, [j for j in missing if rp.job_ids[j] not in held])
        for jid in held:
            why[jid] = Unserved(
                jid,
                "not_accepted",
                "the re-plan serving it was worse for the jobs already promised (one left "
                "out, or more late stops); tried again at the next re-plan",
            )
    for jid in rp.job_ids:
        if jid not in served_in_problem:
            job = plan.jobs[jid]
            diff.unassigned[jid] = (
                "optional job dropped (cheaper than its penalty)"
                if not job.required
                else str(why[jid])
            )
    for vid, jobs in rp.stranded.items():
        for jid in jobs:
            diff.unassigned[jid] = f"on board broken-down vehicle {vid}"
    plan.version += 1
    remember_routes(plan, not kept)
    after = Forecast(
        {
            vid: forecast_route(plan, v, v.route, memo)
            if v.status == "active"
            else forecast(plan, [vid]).vehicles[vid]
            for vid, v in plan.vehicles.items()
            if v.status != "off" or v.route
        }
    )
    old_start = {s.job_id: s.service_start for f in before.vehicles.values() for s in f.stops}
    for f in after.vehicles.values():
        for s in f.stops:
            if s.job_id in old_start and s.service_start != old_start[s.job_id]:
                diff.eta_changes[s.job_id] = s.service_start - old_start[s.job_id]
    diff.distance_change_m = after.distance_m - before.distance_m
    diff.late_stops_change = after.late_stops - before.late_stops
    diff.lateness_change_s = after.total_lateness_s - before.total_lateness_s
    phases["finish"] = time.perf_counter() - t_fin
    return ReplanResult(
        diff=diff,
        forecast=after,
        runtime_s=time.perf_counter() - t0,
        solver_runtime_s=res.runtime_s,
        cost=res.cost,
        feasible=not missing,
        iterations=iterations,
        problem=rp,
        routes=routes,
        infeasible={j: u for j, u in why.items() if plan.jobs[j].required},
        kept_current=kept,
        budget_s=budget,
        phases_s=phases,
    )
