"""Re-optimize a live plan from its current state, keeping what is committed.

The remaining work becomes a routing :class:`~engine.routing.Problem` in which
every vehicle on duty is its own vehicle type (one vehicle) starting where it
is, when it is there, with the cargo it carries:

* served stops are gone (fixed in the past);
* cargo on board (depot deliveries once departed, shipments picked up) is pinned
  to the vehicle carrying it (``job_allowed_type``);
* depot deliveries of vehicles still at the depot may move only between vehicles
  still at a depot (skill ``at_depot``);
* the stop a vehicle is driving to stays first unless diversion is allowed
  (a fixed route prefix);
* moving a job off its current vehicle costs ``disruption_cost`` (``job_home_type``);
* traffic slowdowns scale the travel times of the legs they touch, when active at
  the leg's predicted departure (time-aware, as the ETA forecast does);
* stops predicted late, and promised stops that fit nowhere on time, are planned
  with soft lateness: a price per late stop and per hour late in the objective
  (``job_due`` in the core) instead of a hard window, so the search trades distance
  for punctuality; every other stop keeps a hard window (with a planning buffer),
  and a new job is accepted only where it fits on time.

The Rust search core is warm-started from the current routes (two searches side by
side by default). The ETA forecast then judges the plans: it picks between the
searches; when the plan has late stops, a correction round re-derives the traffic
at the new plan's departures and searches on; and a plan with more late stops (or
fewer promised jobs) than the current one is not taken, new orders then waiting
for the next re-plan. With ``verify`` the answer is checked by the independent
checker before the plan changes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import InfeasibleError, InvalidInputError
from engine.geo import SpeedProfile, distance_matrix
from engine.live.eta import Forecast, VehicleForecast, forecast, forecast_vehicle
from engine.live.state import LiveJob, LivePlan, LiveVehicle
from engine.live.traffic import factor_matrix
from engine.routing.core import LiveTerms, ProblemData, SearchResult, problem_data, search
from engine.routing.model import Model, Problem
from engine.routing.solve import check_time_limit

#: Default cost of moving one job to another vehicle (cost units = metres at the
#: default 1000 per km): 2 km of driving.
DEFAULT_DISRUPTION_COST = 2_000
#: Horizon over which traffic slowdowns are considered when re-planning (s).
TRAFFIC_HORIZON_S = 12 * 3600
_AT_DEPOT = "at_depot"
#: Cost of planning a promised stop late (cost units = metres at 1000 per km): serving a
#: stop late is worth 30 km of driving, and each hour late another 20 km. Stops that are
#: predicted late, and promised stops that fit nowhere on time, are planned with these
#: soft-lateness costs (``job_due`` in the core) instead of hard windows, so the search
#: trades distance for punctuality instead of merely keeping late stops late.
LATE_STOP_COST = 30_000
LATE_COST_PER_HOUR = 20_000
#: Without lateness costs (both 0): a stop predicted late may be planned up to this much
#: later than its current ETA (0: re-planning never makes a late stop later), and a
#: promised job that fits nowhere on time may be planned this much later than its window,
#: tried in turn (the last stage accepts any lateness rather than dropping the job).
LATE_SLACK_S = 0
RELAX_STAGES_S = (0, 600, 1_800, 3_600, 7_200, 7 * 86_400)
#: Plan to arrive this long before a window closes where possible, so that delays and
#: jams do not make stops late (the real window is kept for a stop already inside the
#: buffer, or that no vehicle can reach before it). 30 minutes: in the day simulator it
#: cut late stops (seed 3: 4-5 instead of 4-8 at 10 minutes) for 10-25 more of the 60
#: new orders left unaccepted.
PLANNING_BUFFER_S = 1_800
#: Share of the time limit for the first search; the rest goes to at most this many
#: correction rounds while the plan has late stops (see :func:`replan`).
FIRST_ROUND_SHARE = 0.6
CORRECTION_ROUNDS = 1


@dataclass
class ReplanProblem:
    """The routing problem of the remaining work and how it maps back to the plan."""

    problem: Problem
    vehicle_ids: list[str]
    job_ids: list[str]
    terms: LiveTerms
    initial_routes: list[tuple[int, list[int]]]
    fixed_prefixes: list[int]
    stranded: dict[str, list[str]]


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
        Pending jobs left without a vehicle, with the reason.
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
    """A re-plan: the diff, the new forecast, timings and the solver's figures."""

    diff: ReplanDiff
    forecast: Forecast
    runtime_s: float
    solver_runtime_s: float
    cost: float
    feasible: bool
    iterations: int
    problem: ReplanProblem | None = None
    routes: list[tuple[int, list[int]]] = field(default_factory=list)


#: A window relaxed for a job that can no longer be served on time: served as soon as
#: possible (its lateness shows in the warnings) rather than dropped.
_LATE_HORIZON_S = 7 * 86_400


def _effective_windows(
    job: LiveJob,
    now: int,
    earliest: int | None = None,
    relax: Mapping[str, int] | None = None,
    buffer: int = 0,
) -> list[tuple[int, int]] | None:
    """Windows still reachable from ``earliest`` (the soonest any vehicle can be there).

    A job in ``relax`` gets one window from now until the given instant (its predicted
    late service start: re-planning may not make it later); a job no vehicle can reach
    in time gets one window from now on.
    """
    if not job.windows:
        return None
    if relax is not None and job.job_id in relax:
        end = max(now, relax[job.job_id])
        return [(min(max(now, job.windows[0][0]), end), end)]
    t = now if earliest is None else max(now, earliest)
    open_ = [
        (lo, b - buffer if b - buffer >= max(lo, t) else b)
        for a, b in job.windows
        if b >= t
        for lo in (max(a, now),)
    ]
    return open_ or [(now, now + _LATE_HORIZON_S)]


def _earliest_arrivals(
    plan: LivePlan, active: list[LiveVehicle], jobs: list[LiveJob]
) -> dict[str, int]:
    """Soonest direct arrival of any active vehicle at each job (free flow)."""
    if not active or not jobs:
        return {}
    vlat = np.array([v.lat for v in active])
    vlon = np.array([v.lon for v in active])
    jlat = np.array([j.lat for j in jobs])
    jlon = np.array([j.lon for j in jobs])
    dist = distance_matrix(vlat, vlon, jlat, jlon, circuity=plan.circuity)
    best = np.full(len(jobs), np.iinfo(np.int64).max, dtype=np.int64)
    for k, v in enumerate(active):
        t0 = max(plan.now, v.position_time) + v.delay_s
        secs = SpeedProfile.for_type(v.profile).seconds(dist[k])
        best = np.minimum(best, t0 + secs)
    return {j.job_id: int(b) for j, b in zip(jobs, best, strict=True)}


def build_problem(
    plan: LivePlan,
    *,
    allow_diversion: bool = False,
    disruption_cost: int = DEFAULT_DISRUPTION_COST,
    relax: Mapping[str, int] | None = None,
    buffer_s: int = PLANNING_BUFFER_S,
    soft: Mapping[str, int] | None = None,
    late_stop_cost: int = LATE_STOP_COST,
    late_cost_per_hour: int = LATE_COST_PER_HOUR,
    departures: Mapping[str, int] | None = None,
) -> ReplanProblem:
    """The routing problem of the remaining work (see the module docstring).

    ``departures`` (job id -> predicted departure, e.g. from the current forecast) makes
    traffic time-aware: a slowdown slows the legs leaving a stop only if it is active
    when the vehicle is predicted to leave there (legs leaving a vehicle's position: at
    its start; stops without a prediction: any time until their window closes). Without
    it a slowdown active anywhere in the planning horizon slows every leg it touches.

    Jobs no vehicle can reach before their windows close get one window from now on, and
    the jobs in ``relax`` one window until the instant given: they are planned late
    rather than dropped. Jobs in ``soft`` (job id -> due time) are late after their due
    time at ``late_stop_cost`` plus ``late_cost_per_hour`` (cost units) instead of
    infeasible.

    Raises
    ------
    InfeasibleError
        If no vehicle is on duty while jobs are pending.
    """
    dims = plan.dimensions
    active = [v for v in plan.vehicles.values() if v.status == "active"]
    stranded = {
        v.vehicle_id: sorted(plan.committed(v))
        for v in plan.vehicles.values()
        if v.status == "broken" and plan.committed(v)
    }
    stranded_ids = {j for js in stranded.values() for j in js}
    pending = [
        j for j in plan.jobs.values() if j.status == "pending" and j.job_id not in stranded_ids
    ]
    if pending and not active:
        raise InfeasibleError("no vehicle is on duty to serve the pending jobs")
    earliest = _earliest_arrivals(plan, active, pending)
    m = Model(dimensions=dims)
    carrier_of = {j: v for v in plan.vehicles.values() for j in v.route}
    committed_of = {v.vehicle_id: plan.committed(v) for v in plan.vehicles.values()}
    owner: dict[str, int] = {}
    vehicle_ids: list[str] = []
    at_depot = [not v.departed for v in active]
    for k, v in enumerate(active):
        t0 = max(plan.now, v.position_time) + v.delay_s
        start = m.add_site(lat=v.lat, lon=v.lon, name=f"@{v.vehicle_id}")
        end = m.add_depot(lat=v.end_lat, lon=v.end_lon, name=f"end@{v.vehicle_id}")
        committed = committed_of[v.vehicle_id]
        carried = list(v.on_board)
        for jid in committed:
            carried = [c - a for c, a in zip(carried, plan.jobs[jid].amounts, strict=True)]
        cap = tuple(max(1, c - max(0, x)) for c, x in zip(v.capacity, carried, strict=True))
        day_start = min(v.shift_start, v.position_time)
        m.add_vehicle_type(
            1,
            capacity=cap,
            start=start,
            end=end,
            cost_per_km=v.cost_per_km,
            cost_per_hour=v.cost_per_hour,
            shift=(t0, max(t0, v.shift_end) + 7 * 86_400),
            max_duration=max(1, v.max_duration_s - (t0 - day_start) + 7 * 86_400),
            skills=set(v.skills) | ({_AT_DEPOT} if at_depot[k] else set()),
            profile=v.profile,
            name=v.vehicle_id,
        )
        vehicle_ids.append(v.vehicle_id)
        for jid in v.route:
            owner[jid] = k
    job_ids: list[str] = []
    allowed: list[int] = []
    home: list[int] = []
    index: dict[str, int] = {}
    done: set[str] = set()
    for job in pending:
        if job.job_id in done:
            continue
        k_owner = owner.get(job.job_id, -1)
        carrier = carrier_of.get(job.job_id)
        pinned = carrier is not None and job.job_id in committed_of[carrier.vehicle_id]
        site = m.add_site(lat=job.lat, lon=job.lon, name=job.job_id)
        if job.kind == "shipment_pickup" and job.pair is not None:
            partner = plan.jobs[job.pair]
            dsite = m.add_site(lat=partner.lat, lon=partner.lon, name=partner.job_id)
            m.add_shipment(
                site,
                dsite,
                amount=job.amounts,
                pickup_service=job.service_s,
                delivery_service=partner.service_s,
                pickup_windows=_effective_windows(
                    job, plan.now, earliest.get(job.job_id), relax, buffer_s
                ),
                delivery_windows=_effective_windows(
                    partner, plan.now, earliest.get(partner.job_id), relax, buffer_s
                ),
                skills=set(job.skills),
                required=job.required,
                penalty=job.penalty,
                name=job.job_id,
            )
            for jid in (job.job_id, partner.job_id):
                index[jid] = len(job_ids)
                job_ids.append(jid)
                allowed.append(-1)
                home.append(k_owner)
                done.add(jid)
            continue
        if job.kind == "shipment_delivery" and not pinned:
            continue  # added with its pickup
        skills = set(job.skills)
        if job.kind == "delivery" and not pinned:
            skills.add(_AT_DEPOT)
        m.add_job(
            site,
            delivery=job.amounts if job.kind in ("delivery", "shipment_delivery") else None,
            pickup=job.amounts if job.kind == "pickup" else None,
            service=job.service_s,
            time_windows=_effective_windows(
                job, plan.now, earliest.get(job.job_id), relax, buffer_s
            ),
            skills=skills,
            required=job.required,
            penalty=job.penalty,
            name=job.job_id,
        )
        index[job.job_id] = len(job_ids)
        job_ids.append(job.job_id)
        allowed.append(k_owner if pinned else -1)
        home.append(k_owner)
        done.add(job.job_id)
    if not active:
        m.add_vehicle_type(1, capacity=(1,) * len(dims), start=m.add_depot(lat=0.0, lon=0.0))
    _set_matrices(m, plan, active, departures)
    problem = m.data(name=f"replan@{plan.now}")
    initial: list[tuple[int, list[int]]] = []
    fixed: list[int] = []
    for k, v in enumerate(active):
        route = [index[j] for j in v.route if j in index]
        initial.append((k, route))
        fixed.append(1 if (v.en_route and route and not allow_diversion) else 0)
    terms = LiveTerms(
        allowed_type=np.array(allowed, dtype=np.int64),
        home_type=np.array(home, dtype=np.int64),
        disruption_cost=np.full(len(job_ids), int(disruption_cost), dtype=np.int64),
    )
    rp = ReplanProblem(problem, vehicle_ids, job_ids, terms, initial, fixed, stranded)
    if soft:
        _set_soft(rp, soft, late_stop_cost, late_cost_per_hour)
    return rp


def _set_soft(rp: ReplanProblem, soft: Mapping[str, int], per_stop: int, per_hour: int) -> None:
    """Give the jobs in ``soft`` their due time and lateness costs (core ``job_due``)."""
    n = len(rp.job_ids)
    due = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    for i, jid in enumerate(rp.job_ids):
        if jid in soft:
            due[i] = soft[jid]
    rp.terms = dataclasses.replace(
        rp.terms,
        due=due,
        late_cost=np.full(n, int(per_stop), dtype=np.int64),
        late_cost_per_hour=np.full(n, int(per_hour), dtype=np.int64),
    )


def _relaxed(
    rp: ReplanProblem,
    plan: LivePlan,
    relax: Mapping[str, int],
    soft: Mapping[str, int],
    per_stop: int,
    per_hour: int,
) -> ReplanProblem:
    """``rp`` with the windows of the jobs in ``relax`` widened and the jobs in ``soft``
    given their due times (no model rebuild: same jobs, same indices, same matrices)."""
    jobs = list(rp.problem.jobs)
    for i, jid in enumerate(rp.job_ids):
        if jid in relax:
            w = _effective_windows(plan.jobs[jid], plan.now, None, relax)
            if w is not None:
                jobs[i] = dataclasses.replace(jobs[i], time_windows=tuple(w))
    problem = dataclasses.replace(rp.problem, jobs=tuple(jobs), _arrays={})
    out = dataclasses.replace(rp, problem=problem)
    if soft:
        _set_soft(out, soft, per_stop, per_hour)
    return out


def _score(
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


def _as_initial(routes: Any, n_types: int) -> list[tuple[int, list[int]]]:
    """Solver routes as a warm start with one entry per vehicle type."""
    found = {int(k): [int(j) for j in js] for k, js in routes}
    return [(k, found.get(k, [])) for k in range(n_types)]


def _set_matrices(
    m: Model,
    plan: LivePlan,
    active: list[LiveVehicle],
    departures: Mapping[str, int] | None = None,
) -> None:
    """Distances and per-profile durations, with traffic slowdowns on the legs they touch
    (only when active at the leg's predicted departure, given ``departures``)."""
    sites = m._sites
    lat = np.array([s.lat for s in sites], dtype=np.float64)
    lon = np.array([s.lon for s in sites], dtype=np.float64)
    dist = distance_matrix(lat, lon, circuity=plan.circuity)
    profiles = sorted({v.profile for v in active}) or ["light_truck"]
    names = [s.name for s in sites]
    m.set_matrix(dist, _durations(plan, active, lat, lon, names, dist, profiles, departures))


def _durations(
    plan: LivePlan,
    active: list[LiveVehicle],
    lat: np.ndarray,
    lon: np.ndarray,
    names: list[str],
    dist: np.ndarray,
    profiles: list[str],
    departures: Mapping[str, int] | None,
) -> dict[str, np.ndarray]:
    """Travel times per speed profile, slowed by the traffic (see :func:`build_problem`)."""
    durs = {p: SpeedProfile.for_type(p).seconds(dist) for p in profiles}
    horizon = plan.now + TRAFFIC_HORIZON_S
    active_slow = [s for s in plan.slowdowns if s.end >= plan.now and s.start <= horizon]
    if not active_slow:
        return durs
    depart = None
    if departures is not None:
        start_at = {f"@{v.vehicle_id}": max(plan.now, v.position_time) + v.delay_s for v in active}
        lo = np.full(len(names), plan.now, dtype=np.int64)
        hi = np.full(len(names), horizon, dtype=np.int64)
        for i, nm in enumerate(names):
            t = start_at.get(nm, departures.get(nm))
            if t is not None:
                lo[i] = hi[i] = t
            elif nm in plan.jobs and plan.jobs[nm].windows:
                hi[i] = max(plan.now, plan.jobs[nm].windows[-1][1])
        depart = (lo, hi)
    factor = factor_matrix(active_slow, lat, lon, names, plan.now, horizon, depart)
    if np.any(factor > 1.0):
        durs = {p: np.rint(d * factor).astype(np.int64) for p, d in durs.items()}
    return durs


def _retimed(rp: ReplanProblem, plan: LivePlan, departures: Mapping[str, int]) -> ReplanProblem:
    """``rp`` with travel times re-derived for new predicted departures (same sites)."""
    pr = rp.problem
    lat = np.array([s.lat for s in pr.sites], dtype=np.float64)
    lon = np.array([s.lon for s in pr.sites], dtype=np.float64)
    active = [plan.vehicles[vid] for vid in rp.vehicle_ids]
    durs = _durations(
        plan,
        active,
        lat,
        lon,
        [s.name for s in pr.sites],
        np.asarray(pr.distance),
        list(pr.profiles),
        departures,
    )
    stacked = np.stack([durs[p] for p in pr.profiles]).astype(np.int64)
    problem = dataclasses.replace(pr, durations=stacked, _arrays={})
    return dataclasses.replace(rp, problem=problem)


#: Forecasts of a vehicle driving a route, within one re-plan: ``(vehicle, route) -> forecast``.
_Memo = dict[tuple[str, tuple[str, ...]], VehicleForecast]


def _forecast_route(plan: LivePlan, v: LiveVehicle, route: list[str], memo: _Memo) -> Any:
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


def _forecast_routes(
    plan: LivePlan, rp: ReplanProblem, routes: list[tuple[int, list[int]]], memo: _Memo
) -> dict[str, Any]:
    """Forecast of every vehicle of ``rp`` driving ``routes`` (the plan is left as it was)."""
    by_k = dict(routes)
    return {
        vid: _forecast_route(
            plan, plan.vehicles[vid], [rp.job_ids[j] for j in by_k.get(k, [])], memo
        )
        for k, vid in enumerate(rp.vehicle_ids)
    }


def _final_routes(res: SearchResult, rp: ReplanProblem) -> list[tuple[int, list[int]]]:
    """The solver's routes; cargo on board is never dropped: whatever the search could
    not fit goes at the end of its carrier's route (its lateness shows in the warnings)."""
    allowed = rp.terms.allowed_type
    assert allowed is not None
    by_type = {k: list(js) for k, js in res.routes}
    for j in res.dropped:
        k = int(allowed[j])
        if k >= 0:
            by_type.setdefault(k, []).append(int(j))
    return sorted(by_type.items())


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
        Wall-clock seconds for the search (the core stops earlier when it converges
        within ``max_iterations``).
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
    before = forecast(plan)
    memo: _Memo = {
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
    # Stops already predicted late on their current route are planned late rather than
    # dropped (that also keeps the warm start feasible): at a price per stop and per hour
    # late (soft, ``soft[job] = due``) so the search makes them punctual where it can, or,
    # unpriced, no later than predicted now.
    late_now: dict[str, int] = {}
    soft: dict[str, int] = {}
    for f in before.vehicles.values():
        for st in f.stops:
            job = plan.jobs[st.job_id]
            if st.late_s and priced and st.job_id not in first_stops:
                late_now[st.job_id] = plan.now + _LATE_HORIZON_S
                soft[st.job_id] = job.windows[-1][1]
            elif st.late_s:
                late_now[st.job_id] = st.service_start + LATE_SLACK_S
            elif len(job.windows) == 1 and st.service_start > job.windows[0][1] - PLANNING_BUFFER_S:
                # On time but inside the buffer: keep the real window, not the buffered one.
                late_now[st.job_id] = job.windows[0][1]
    for jid in first_stops:
        late_now[jid] = plan.now + _LATE_HORIZON_S
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
    from engine.routing.checker import check

    # Only jobs already promised (on a route before this re-plan, or on board) are planned
    # late when they fit nowhere on time; a new job that does not fit stays unassigned, so
    # the dispatcher can hand it elsewhere instead of making a late promise.
    promised = {j for j, job in plan.jobs.items() if job.promised}
    promised |= {j for v in plan.vehicles.values() for j in v.route}

    def solve_one(
        data: ProblemData,
        rp: ReplanProblem,
        initial: list[tuple[int, list[int]]],
        budget: float,
        s: int,
    ) -> SearchResult:
        return search(
            data,
            time_limit=max(0.01, budget),
            seed=s,
            max_iterations=max_iterations,
            initial_routes=initial,
            fixed_prefixes=rp.fixed_prefixes,
        )

    def run(rp: ReplanProblem, initial: list[tuple[int, list[int]]], budget: float) -> SearchResult:
        # Independent searches side by side on one native problem (the core releases the
        # GIL); the ETA forecast of their plans picks one.
        data = problem_data(rp.problem, rp.terms)
        if searches == 1:
            return solve_one(data, rp, initial, budget, seed)
        with ThreadPoolExecutor(searches) as pool:
            runs = list(
                pool.map(
                    lambda i: solve_one(data, rp, initial, budget, seed + 7919 * i),
                    range(searches),
                )
            )
        scored = []
        for i, r in enumerate(runs):
            rts = _final_routes(r, rp)
            scored.append((_score(_forecast_routes(plan, rp, rts, memo), rts, rp, promised), i))
        return runs[min(scored)[1]]

    res = run(rp, rp.initial_routes, FIRST_ROUND_SHARE * time_limit - (time.perf_counter() - t0))
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
        rp = _relaxed(rp, plan, relax, soft, late_stop_cost, late_cost_per_hour)
        warm = _as_initial(res.routes, len(rp.vehicle_ids))
        left = time_limit - (time.perf_counter() - t0)
        share = 2 if priced else len(stages) - stage  # priced: keep time for the correction
        res = run(rp, warm, max(0.03, left / share))
        if out_of_time:
            break
    routes = _final_routes(res, rp)
    solved = True
    if priced:
        # The search plans with each leg's traffic at its departure in the plan it started
        # from; stops moved into (or out of) a slowdown make that picture wrong. While the
        # plan has late stops and time is left, correction rounds re-derive the travel
        # times at the best plan's departures, let the stops it has late be late at a
        # price, search on from it, and keep whichever plan the forecast finds better.
        fc = _forecast_routes(plan, rp, routes, memo)
        best = _score(fc, routes, rp, promised)
        for rnd in range(CORRECTION_ROUNDS):
            left = time_limit - (time.perf_counter() - t0)
            late = {s.job_id for f in fc.values() for s in f.stops if s.late_s}
            if not late or left < 0.03:
                break
            for jid in late - first_stops:
                relax[jid] = plan.now + _LATE_HORIZON_S
                soft.setdefault(jid, plan.jobs[jid].windows[-1][1])
            deps = {s.job_id: s.departure for f in fc.values() for s in f.stops}
            rp2 = _retimed(
                _relaxed(rp, plan, relax, soft, late_stop_cost, late_cost_per_hour), plan, deps
            )
            res2 = run(
                rp2, _as_initial(routes, len(rp.vehicle_ids)), left / (CORRECTION_ROUNDS - rnd)
            )
            routes2 = _final_routes(res2, rp2)
            fc2 = _forecast_routes(plan, rp2, routes2, memo)
            score2 = _score(fc2, routes2, rp, promised)
            if score2 <= best:
                rp, res, routes, fc, best = rp2, res2, routes2, fc2, score2
        # Acceptance: a plan that the forecast finds worse than the current one (more
        # promised stops left out, or more late stops) is not taken; new orders it would
        # have served stay unassigned and are tried again at the next re-plan.
        current = rp.initial_routes
        fc0 = _forecast_routes(plan, rp, current, memo)
        if _score(fc0, current, rp, promised)[:2] < best[:2]:
            routes, solved = [(k, list(js)) for k, js in current], False
    report = check(rp.problem, routes) if verify and solved else None
    if report is not None and report.violations:
        raise InfeasibleError(
            f"re-plan rejected by the checker: {report.violations[0]}; the plan is unchanged"
        )
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
    for jid in rp.job_ids:
        if jid not in served_in_problem:
            job = plan.jobs[jid]
            diff.unassigned[jid] = (
                "optional job dropped (cheaper than its penalty)"
                if not job.required
                else "not accepted yet: the re-plan serving it had more late stops"
                if not solved
                else "no vehicle can serve it on time within its capacity and skills"
            )
    for vid, jobs in rp.stranded.items():
        for jid in jobs:
            diff.unassigned[jid] = f"on board broken-down vehicle {vid}"
    plan.version += 1
    after = Forecast(
        {
            vid: _forecast_route(plan, v, v.route, memo)
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
    return ReplanResult(
        diff=diff,
        forecast=after,
        runtime_s=time.perf_counter() - t0,
        solver_runtime_s=res.runtime_s,
        cost=res.cost,
        feasible=res.feasible,
        iterations=res.iterations,
        problem=rp,
        routes=routes,
    )
