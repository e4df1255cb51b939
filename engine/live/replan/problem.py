"""The re-plan problem: the remaining work of a live plan as a routing problem.

Every vehicle on duty becomes its own vehicle type (one vehicle) starting where it is,
when it is there, with the cargo it carries; cargo on board is pinned to its carrier,
the stop a vehicle drives to stays first, moving a job off its vehicle costs the
disruption cost, traffic slows the legs it touches at their predicted departures, and
stops that cannot be on time are planned late (relaxed windows, or soft lateness at a
price). See :mod:`engine.live.replan` for the whole re-plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.errors import InfeasibleError
from engine.geo import SpeedProfile, distance_matrix
from engine.live.eta import Forecast
from engine.live.replan.arcs import site_arcs
from engine.live.state import LiveJob, LivePlan, LiveVehicle
from engine.live.traffic import factor_blocks
from engine.routing.core import LiveTerms
from engine.routing.model import Model, Problem

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
#: Plan to arrive this long before a window closes where possible, so that delays and
#: jams do not make stops late (the real window is kept for a stop already inside the
#: buffer, or that no vehicle can reach before it). 30 minutes: in the day simulator it
#: cut late stops (seed 3: 4-5 instead of 4-8 at 10 minutes) for 10-25 more of the 60
#: new orders left unaccepted.
PLANNING_BUFFER_S = 1_800
#: Without lateness costs: a stop predicted late may be planned up to this much later
#: than its current ETA (0: re-planning never makes a late stop later).
LATE_SLACK_S = 0
#: A window relaxed for a job that can no longer be served on time: served as soon as
#: possible (its lateness shows in the warnings) rather than dropped.
LATE_HORIZON_S = 7 * 86_400


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
    #: Unused (kept for compatibility): re-timing gathers the free-flow travel times
    #: from the plan's arc cache (:mod:`~engine.live.replan.arcs`).
    free_durations: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)


def effective_windows(
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
    return open_ or [(now, now + LATE_HORIZON_S)]


def earliest_arrivals(
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
    t0 = np.array([max(plan.now, v.position_time) + v.delay_s for v in active], dtype=np.int64)
    best = np.full(len(jobs), np.iinfo(np.int64).max, dtype=np.int64)
    for prof in sorted({v.profile for v in active}):
        ks = np.array([k for k, v in enumerate(active) if v.profile == prof])
        secs = SpeedProfile.for_type(prof).seconds(dist[ks])
        best = np.minimum(best, (t0[ks, None] + secs).min(axis=0))
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
    earliest = earliest_arrivals(plan, active, pending)
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
                pickup_windows=effective_windows(
                    job, plan.now, earliest.get(job.job_id), relax, buffer_s
                ),
                delivery_windows=effective_windows(
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
            time_windows=effective_windows(
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
    dist, durs, profiles = set_matrices(m, plan, active, departures)
    problem = with_matrices(m.data(name=f"replan@{plan.now}", matrix_free=True), dist, durs)
    assert problem.profiles == profiles
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
        set_soft(rp, soft, late_stop_cost, late_cost_per_hour)
    return rp


def set_soft(rp: ReplanProblem, soft: Mapping[str, int], per_stop: int, per_hour: int) -> None:
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


def relaxed(
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
            w = effective_windows(plan.jobs[jid], plan.now, None, relax)
            if w is not None:
                jobs[i] = dataclasses.replace(jobs[i], time_windows=tuple(w))
    problem = dataclasses.replace(rp.problem, jobs=tuple(jobs), _arrays={})
    out = dataclasses.replace(rp, problem=problem)
    if soft:
        set_soft(out, soft, per_stop, per_hour)
    return out


def set_matrices(
    m: Model,
    plan: LivePlan,
    active: list[LiveVehicle],
    departures: Mapping[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Distances and per-profile durations of the model's sites (``L×L`` and ``P×L×L``,
    the profiles in the order :meth:`Model.data` gives them), with traffic slowdowns on
    the legs they touch (only when active at the leg's predicted departure, given
    ``departures``). The fixed sites' arcs come from the plan's cache
    (:mod:`~engine.live.replan.arcs`); the vehicles' positions are computed."""
    sites = m._sites
    lat = np.array([s.lat for s in sites], dtype=np.float64)
    lon = np.array([s.lon for s in sites], dtype=np.float64)
    names = [s.name for s in sites]
    starts = {f"@{v.vehicle_id}" for v in active}
    moving = np.array([nm in starts for nm in names], dtype=bool)
    profiles = tuple(dict.fromkeys(t.profile for t in m._types))
    cache = site_arcs(plan, int(np.count_nonzero(~moving)))
    dist, durs = cache.matrices(lat, lon, moving, list(profiles))
    slow(plan, active, lat, lon, names, durs, departures)
    return dist, durs, profiles


def slow(
    plan: LivePlan,
    active: list[LiveVehicle],
    lat: np.ndarray,
    lon: np.ndarray,
    names: list[str],
    durs: np.ndarray,
    departures: Mapping[str, int] | None,
) -> None:
    """Slow the free-flow travel times ``durs`` (``P×L×L``, in place) by the traffic (see
    :func:`build_problem`): only the rows of legs a slowdown touches, in blocks of rows."""
    horizon = plan.now + TRAFFIC_HORIZON_S
    active_slow = [s for s in plan.slowdowns if s.end >= plan.now and s.start <= horizon]
    if not active_slow:
        return
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
    for r, f in factor_blocks(active_slow, lat, lon, names, plan.now, horizon, depart):
        f[np.arange(r.size), r] = 1.0  # no slowdown on the diagonal
        for d in durs:
            d[r] = np.rint(d[r] * f).astype(np.int64)


def with_matrices(problem: Problem, dist: np.ndarray, durs: np.ndarray) -> Problem:
    """``problem`` (built matrix-free, so that no matrix was computed) holding the dense
    matrices ``dist`` and ``durs`` instead."""
    return dataclasses.replace(problem, distance=dist, durations=durs, arcs=None, _arrays={})


def retimed(rp: ReplanProblem, plan: LivePlan, departures: Mapping[str, int]) -> ReplanProblem:
    """``rp`` with travel times re-derived for new predicted departures (same sites)."""
    pr = rp.problem
    lat = np.array([s.lat for s in pr.sites], dtype=np.float64)
    lon = np.array([s.lon for s in pr.sites], dtype=np.float64)
    active = [plan.vehicles[vid] for vid in rp.vehicle_ids]
    names = [s.name for s in pr.sites]
    starts = {f"@{v.vehicle_id}" for v in active}
    moving = np.array([nm in starts for nm in names], dtype=bool)
    cache = site_arcs(plan, int(np.count_nonzero(~moving)))
    _, durs = cache.matrices(lat, lon, moving, list(pr.profiles))
    slow(plan, active, lat, lon, names, durs, departures)
    problem = dataclasses.replace(pr, durations=durs, _arrays={})
    return dataclasses.replace(rp, problem=problem)


def late_now(
    plan: LivePlan, before: Forecast, *, priced: bool, first_stops: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Stops already predicted late on their current route are planned late rather than
    dropped (that also keeps the warm start feasible): at a price per stop and per hour
    late when ``priced`` (soft: ``soft[job] = due``) so the search makes them punctual
    where it can, or, unpriced, no later than predicted now. The stops vehicles drive to
    (``first_stops``) may be served at any time.

    Returns
    -------
    tuple
        ``(relax, soft)``: job id -> latest planned service start, job id -> due time.
    """
    late: dict[str, int] = {}
    soft: dict[str, int] = {}
    for f in before.vehicles.values():
        for st in f.stops:
            job = plan.jobs[st.job_id]
            if st.late_s and priced and st.job_id not in first_stops:
                late[st.job_id] = plan.now + LATE_HORIZON_S
                soft[st.job_id] = job.windows[-1][1]
            elif st.late_s:
                late[st.job_id] = st.service_start + LATE_SLACK_S
            elif len(job.windows) == 1 and st.service_start > job.windows[0][1] - PLANNING_BUFFER_S:
                # On time but inside the buffer: keep the real window, not the buffered one.
                late[st.job_id] = job.windows[0][1]
    for jid in first_stops:
        late[jid] = plan.now + LATE_HORIZON_S
    return late, soft
