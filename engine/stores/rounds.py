"""A store dispatch round built once, from matrices kept between rounds.

:func:`engine.live.replan` is general: every call rebuilds the routing model of the
whole remaining work (one site per stop, the distance and duration matrices of every
site pair), builds the native problem again for each relaxation stage and re-forecasts
every vehicle. A store day asks the same question every few seconds about nearly the
same points: the stores and pick-up points never move, a customer's home is known from
the moment the order is placed, and only the couriers' positions are new. A
:class:`RoundCache` therefore keeps

* one point per distinct location (every pickup at a store shares the store's point,
  every drop at a pick-up point the station's), and the distance and per-profile
  duration matrices between the known points; new points add their rows and columns
  only, and points no longer used are dropped when they are a quarter of the table;
* per round, only the couriers' start rows (their positions) are computed.

:func:`dispatch_round` builds the native problem data once per round directly from the
live plan (no routing model): every order not yet picked up is a pickup-and-delivery
pair that any courier on shift may take (re-assignment costs the disruption cost),
cargo on board is pinned to its carrier, the stop a courier drives to stays first, and
every promised delivery is *soft* at its deadline (priced lateness, ``job_due`` in the
core) so nothing is dropped and no relaxation stage is needed. One warm-started search
runs within the round's budget, bounded by :data:`MAX_ITERATIONS_PER_JOB` as well.

Courier shifts (the Meal Delivery Routing Problem rule): a courier may not pick up after
its off time but may finish its deliveries. In the problem a courier past its off time
lacks the skill every pickup needs (it keeps only the deliveries on board), and a
courier still on shift must be back at its store within :data:`END_GRACE_S` of the off
time (only the deliveries it carries may run later); after the search, any pickup the
plan would still start after the off time is taken off the courier's route with its
delivery (the order waits for the next round), so the rule holds exactly.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from engine.geo import SpeedProfile, distance_matrix
from engine.live import LivePlan, LiveVehicle, ReplanDiff, ReplanResult, forecast
from engine.live.eta import (
    Forecast,
    RiskWarning,
    StopEta,
    VehicleForecast,
    late_warning,
    start_load,
)
from engine.live.replan import DEFAULT_DISRUPTION_COST, TRAFFIC_HORIZON_S
from engine.live.traffic import factor_matrix
from engine.routing.core import ProblemData, SearchResult, search

IntArray = npt.NDArray[np.int64]

#: A courier still on shift plans to be back at its store at most this long after its
#: off time (guides the search; the exact rule is enforced after it, see the module).
END_GRACE_S: Final = 15 * 60
#: Lateness is priced from this long before a delivery's plan deadline (never before its
#: window opens). With the dispatcher's 15-minute plan margin, a standard 30-minute
#: promise is priced from the click on: the round then minimizes click-to-door time
#: (at the lateness price per minute) before distance, where pricing only after the
#: deadline let it use the slack and fall behind on busy days (Hangzhou, 450 orders, 12
#: couriers, seed 0: 69.5% within 30 minutes at 0, 93.6% at 900 s; bench/RESULTS.md).
DUE_BUFFER_S: Final = 900
#: Upper bound on the round's search: ruin-and-recreate iterations per job in the problem
#: (with the wall-clock budget, whichever comes first).
MAX_ITERATIONS_PER_JOB: Final = 20
#: Above this many jobs a round is split into regions of about this many jobs (stores
#: grouped by k-means, couriers to the region nearest to them), solved side by side.
JOBS_PER_REGION: Final = 700
#: Threads for the regions' searches.
REGION_THREADS: Final = 2
#: A time far enough to be "no limit" for windows and shifts (7 days).
FAR_S: Final = 7 * 86_400
#: The skill bit every pickup needs (a courier past its off time lacks it).
PICKUP_SKILL: Final = np.uint64(1)
_UNLIMITED: Final = 2**62
_Point = tuple[float, float]


class RoundCache:
    """Known points and the matrices between them, kept from round to round.

    Parameters
    ----------
    circuity
        Road circuity of the plan (distances are great circle × circuity).
    """

    def __init__(self, circuity: float) -> None:
        self.circuity = float(circuity)
        self.index: dict[_Point, int] = {}
        self.lat = np.zeros(0, dtype=np.float64)
        self.lon = np.zeros(0, dtype=np.float64)
        self.dist: IntArray = np.zeros((0, 0), dtype=np.int64)
        self.durs: dict[str, IntArray] = {}
        self.rebuilt_points = 0  # points whose rows were computed (for tests/benchmarks)
        #: Wall time of the last round after its search (kept out of the next search's budget).
        self.post_s = 0.0

    @property
    def size(self) -> int:
        """Points in the table."""
        return len(self.index)

    def ensure(self, points: list[_Point], profiles: list[str]) -> None:
        """Add ``points`` (and ``profiles``) not known yet: only their rows and columns
        are computed. Points not in ``points`` are dropped when they are a quarter of
        the table (the table is rebuilt from the points kept, no recomputation)."""
        want = dict.fromkeys(points)
        n_old = self.size
        dead = n_old - sum(1 for p in want if p in self.index)
        if n_old and dead * 4 > n_old:
            keep = [i for p, i in self.index.items() if p in want]
            sel = np.asarray(keep, dtype=np.int64)
            self.dist = self.dist[np.ix_(sel, sel)]
            self.durs = {k: d[np.ix_(sel, sel)] for k, d in self.durs.items()}
            self.lat, self.lon = self.lat[sel], self.lon[sel]
            self.index = {p: k for k, p in enumerate(p for p in self.index if p in want)}
        for prof in profiles:
            if prof not in self.durs:
                self.durs[prof] = SpeedProfile.for_type(prof).seconds(self.dist)
        new = [p for p in want if p not in self.index]
        if not new:
            return
        n, m = self.size, len(new)
        nlat = np.array([p[0] for p in new], dtype=np.float64)
        nlon = np.array([p[1] for p in new], dtype=np.float64)
        lat = np.concatenate([self.lat, nlat])
        lon = np.concatenate([self.lon, nlon])
        rows = distance_matrix(nlat, nlon, lat, lon, circuity=self.circuity)  # m × (n+m)
        cols = distance_matrix(self.lat, self.lon, nlat, nlon, circuity=self.circuity)  # n × m
        dist = np.empty((n + m, n + m), dtype=np.int64)
        dist[:n, :n] = self.dist
        dist[:n, n:] = cols
        dist[n:, :] = rows
        for prof, d in list(self.durs.items()):
            sp = SpeedProfile.for_type(prof)
            out = np.empty((n + m, n + m), dtype=np.int64)
            out[:n, :n] = d
            out[:n, n:] = sp.seconds(cols)
            out[n:, :] = sp.seconds(rows)
            self.durs[prof] = out
        self.dist, self.lat, self.lon = dist, lat, lon
        for p in new:
            self.index[p] = len(self.index)
        self.rebuilt_points += m


@dataclass
class RoundStats:
    """Where a round's time went (seconds) and its size."""

    build_s: float = 0.0
    search_s: float = 0.0
    apply_s: float = 0.0
    build_cpu_s: float = 0.0
    search_cpu_s: float = 0.0
    apply_cpu_s: float = 0.0
    regions: int = 0
    locations: int = 0
    jobs: int = 0
    stripped: list[str] = field(default_factory=list)


def _start_time(plan: LivePlan, v: LiveVehicle) -> int:
    return max(plan.now, v.position_time) + v.delay_s


def _centers(points: list[_Point], g: int) -> npt.NDArray[np.float64]:
    """``g`` region centres over ``points`` (deterministic k-means, farthest-point start)."""
    xy = np.array(points, dtype=np.float64)
    cs = [xy[0]]
    for _ in range(1, g):
        d = np.min([((xy - c) ** 2).sum(axis=1) for c in cs], axis=0)
        cs.append(xy[int(np.argmax(d))])
    c = np.array(cs)
    for _ in range(10):
        lab = np.argmin(((xy[:, None, :] - c[None, :, :]) ** 2).sum(axis=2), axis=1)
        for r in range(g):
            if np.any(lab == r):
                c[r] = xy[lab == r].mean(axis=0)
    return c


def _nearest(c: npt.NDArray[np.float64], pts: list[_Point]) -> list[int]:
    """Index of the nearest centre of each point (degrees, fine for a city)."""
    if not pts:
        return []
    xy = np.asarray(pts, dtype=np.float64)
    d = ((xy[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
    return [int(x) for x in np.argmin(d, axis=1)]


@dataclass
class _Region:
    """One region's native problem and how it maps back to the plan."""

    vehicles: list[LiveVehicle]
    job_ids: list[str]
    loc: IntArray
    durs: IntArray
    dist: IntArray
    starts: IntArray
    profile_of: dict[str, int]
    n_static: int
    ends: IntArray
    data: ProblemData | None = None
    initial: list[tuple[int, list[int]]] = field(default_factory=list)
    fixed: list[int] = field(default_factory=list)
    allowed: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _build_region(
    plan: LivePlan,
    cache: RoundCache,
    vehicles: list[LiveVehicle],
    job_ids: list[str],
    committed: dict[str, str],
    owner: dict[str, str],
    profiles: list[str],
    *,
    late_stop_cost: int,
    late_cost_per_hour: int,
    disruption_cost: int,
    end_grace_s: int,
    due_buffer_s: int,
) -> _Region:
    now = plan.now
    k_of = {v.vehicle_id: k for k, v in enumerate(vehicles)}
    job_pts = [(plan.jobs[j].lat, plan.jobs[j].lon) for j in job_ids]
    ends = [(v.end_lat, v.end_lon) for v in vehicles]
    sel_idx = list(dict.fromkeys(cache.index[p] for p in job_pts + ends))
    local = {g: i for i, g in enumerate(sel_idx)}
    sel = np.asarray(sel_idx, dtype=np.int64)
    n_static, nv = len(sel_idx), len(vehicles)
    n_loc = n_static + nv
    vlat = np.array([v.lat for v in vehicles], dtype=np.float64)
    vlon = np.array([v.lon for v in vehicles], dtype=np.float64)
    slat, slon = cache.lat[sel], cache.lon[sel]
    srows = distance_matrix(vlat, vlon, slat, slon, circuity=plan.circuity)
    dist = np.zeros((n_loc, n_loc), dtype=np.int64)
    dist[:n_static, :n_static] = cache.dist[np.ix_(sel, sel)]
    dist[n_static:, :n_static] = srows
    durs = np.zeros((len(profiles), n_loc, n_loc), dtype=np.int64)
    for p, prof in enumerate(profiles):
        durs[p, :n_static, :n_static] = cache.durs[prof][np.ix_(sel, sel)]
        durs[p, n_static:, :n_static] = SpeedProfile.for_type(prof).seconds(srows)
    starts = np.array([_start_time(plan, v) for v in vehicles], dtype=np.int64)
    horizon = now + TRAFFIC_HORIZON_S
    slow = [s for s in plan.slowdowns if s.end >= now and s.start <= horizon and s.factor > 1.0]
    if slow:
        lo = np.full(n_loc, now, dtype=np.int64)
        hi = np.full(n_loc, horizon, dtype=np.int64)
        lo[n_static:] = hi[n_static:] = starts
        names = [f"p{i}" for i in range(n_static)] + [f"@{v.vehicle_id}" for v in vehicles]
        fac = factor_matrix(
            slow,
            np.concatenate([slat, vlat]),
            np.concatenate([slon, vlon]),
            names,
            now,
            horizon,
            (lo, hi),
        )
        if np.any(fac > 1.0):
            durs = np.rint(durs * fac[None, :, :]).astype(np.int64)
    loc = np.array([local[cache.index[p]] for p in job_pts], dtype=np.int64)
    nj = len(job_ids)
    index = {j: i for i, j in enumerate(job_ids)}
    nd = len(plan.dimensions)
    zero = (0,) * nd
    far = now + FAR_S
    big = int(np.iinfo(np.int64).max)
    deliv_l: list[tuple[int, ...]] = []
    pick_l: list[tuple[int, ...]] = []
    serv_l: list[int] = []
    tw_l: list[tuple[int, int]] = []
    skill_l: list[int] = []
    pair_l: list[int] = []
    ispick_l: list[bool] = []
    allowed_l: list[int] = []
    home_l: list[int] = []
    due_l: list[int] = []
    pick_skill = int(PICKUP_SKILL)
    for i, jid in enumerate(job_ids):
        job = plan.jobs[jid]
        kind = job.kind
        serv_l.append(job.service_s)
        home_l.append(k_of.get(owner.get(jid, ""), -1))
        opens = job.windows[0][0] if job.windows else now
        tw_l.append((min(max(opens, now), far), far))
        if kind == "shipment_pickup":
            deliv_l.append(zero)
            pick_l.append(job.amounts)
            ispick_l.append(True)
            pair_l.append(i + 1)
            skill_l.append(pick_skill)
            allowed_l.append(-1)
            due_l.append(big)
        elif kind in ("shipment_delivery", "delivery"):
            deliv_l.append(job.amounts)
            pick_l.append(zero)
            ispick_l.append(False)
            paired = kind == "shipment_delivery" and jid not in committed
            pair_l.append(i - 1 if paired else -1)
            skill_l.append(pick_skill if paired else 0)
            allowed_l.append(k_of[committed[jid]] if jid in committed else -1)
            due_l.append(
                max(job.windows[-1][0], job.windows[-1][1] - due_buffer_s) if job.windows else big
            )
        else:
            deliv_l.append(zero)
            pick_l.append(job.amounts)
            ispick_l.append(False)
            pair_l.append(-1)
            skill_l.append(0)
            allowed_l.append(-1)
            due_l.append(big)
    shape = (nj, nd)
    delivery = np.array(deliv_l, dtype=np.int64).reshape(shape)
    pickup = np.array(pick_l, dtype=np.int64).reshape(shape)
    service = np.array(serv_l, dtype=np.int64)
    tw = np.array(tw_l, dtype=np.int64).reshape((nj, 2))
    skills = np.array(skill_l, dtype=np.uint64)
    pair_of = np.array(pair_l, dtype=np.int64)
    is_pickup = np.array(ispick_l, dtype=bool)
    allowed = np.array(allowed_l, dtype=np.int64)
    home = np.array(home_l, dtype=np.int64)
    due = np.array(due_l, dtype=np.int64)
    cap = np.zeros((nv, nd), dtype=np.int64)
    type_tw = np.zeros((nv, 2), dtype=np.int64)
    type_skills = np.zeros(nv, dtype=np.uint64)
    type_end = np.zeros(nv, dtype=np.int64)
    for k, v in enumerate(vehicles):
        carried = list(v.on_board)
        carries = False
        for jid in v.route:
            if committed.get(jid) == v.vehicle_id:
                carries = True
                carried = [c - a for c, a in zip(carried, plan.jobs[jid].amounts, strict=True)]
        cap[k] = [max(1, c - max(0, x)) for c, x in zip(v.capacity, carried, strict=True)]
        on_shift = now < v.shift_end
        type_skills[k] = PICKUP_SKILL if on_shift else np.uint64(0)
        end = int(starts[k]) + FAR_S if carries or not on_shift else v.shift_end + end_grace_s
        type_tw[k] = (int(starts[k]), max(int(starts[k]), end))
        type_end[k] = local[cache.index[ends[k]]]
    profile_of = {p: i for i, p in enumerate(profiles)}
    reg = _Region(vehicles, job_ids, loc, durs, dist, starts, profile_of, n_static, type_end)
    reg.allowed = allowed
    reg.initial = [(k, [index[j] for j in v.route if j in index]) for k, v in enumerate(vehicles)]
    reg.fixed = [
        1 if (v.en_route and r and v.route and v.route[0] in index) else 0
        for v, (_, r) in zip(vehicles, reg.initial, strict=True)
    ]
    reg.data = ProblemData(
        distance=dist,
        durations=durs,
        job_location=loc,
        job_delivery=delivery,
        job_pickup=pickup,
        job_service=service,
        job_tw_offsets=np.arange(nj + 1, dtype=np.int64),
        job_tw=tw,
        job_skills=skills,
        job_required=np.ones(nj, dtype=bool),
        job_penalty=np.zeros(nj, dtype=np.int64),
        job_priority=np.zeros(nj, dtype=np.int64),
        pair_of=pair_of,
        is_pickup=is_pickup,
        type_count=np.ones(nv, dtype=np.int64),
        type_capacity=cap,
        type_start=np.arange(n_static, n_loc, dtype=np.int64),
        type_end=type_end,
        type_fixed_cost=np.zeros(nv, dtype=np.int64),
        type_cost_per_km=np.array([v.cost_per_km for v in vehicles], dtype=np.int64),
        type_cost_per_hour=np.array([v.cost_per_hour for v in vehicles], dtype=np.int64),
        type_tw=type_tw,
        type_max_duration=np.full(nv, _UNLIMITED, dtype=np.int64),
        type_max_distance=np.full(nv, _UNLIMITED, dtype=np.int64),
        type_skills=type_skills,
        type_profile=np.array([profile_of[v.profile] for v in vehicles], dtype=np.int64),
        type_breaks_offsets=np.zeros(nv + 1, dtype=np.int64),
        type_breaks=np.zeros((0, 3), dtype=np.int64),
        job_allowed_type=allowed,
        job_home_type=home,
        job_disruption_cost=np.full(nj, int(disruption_cost), dtype=np.int64),
        job_due=due,
        job_late_cost=np.full(nj, int(late_stop_cost), dtype=np.int64),
        job_late_cost_per_hour=np.full(nj, int(late_cost_per_hour), dtype=np.int64),
    )
    return reg


def _walk(
    plan: LivePlan, reg: _Region, k: int, route: list[int]
) -> tuple[VehicleForecast, set[int]]:
    """Predicted times of ``route`` on the region's matrices, and the jobs (pickup and its
    delivery) whose pickup would start at or after the courier's off time."""
    v = reg.vehicles[k]
    locs = [reg.n_static + k, *(int(reg.loc[j]) for j in route), int(reg.ends[k])]
    src, dst = locs[:-1], locs[1:]
    legs = reg.durs[reg.profile_of[v.profile]][src, dst].tolist()
    metres = int(reg.dist[src, dst].sum())
    t = int(reg.starts[k])
    load = list(start_load(plan, v))
    stops: list[StopEta] = []
    warnings: list[RiskWarning] = []
    bad: set[int] = set()
    now, off = plan.now, v.shift_end
    for pos, j in enumerate(route):
        jid = reg.job_ids[j]
        job = plan.jobs[jid]
        arrival = t + legs[pos]
        start, late = arrival, 0
        if job.windows:
            for a, b in job.windows:
                if arrival <= b:
                    start = max(arrival, a)
                    break
            else:
                late = arrival - job.windows[-1][1]
        start = max(start, now)
        pick = job.kind == "shipment_pickup"
        if pick and start >= off:
            bad |= {j, j + 1}
        load = [x + a if pick else x - a for x, a in zip(load, job.amounts, strict=True)]
        t = start + job.service_s
        stops.append(StopEta(v.vehicle_id, pos, jid, arrival, start, t, tuple(load), late))
        if late:
            warnings.append(late_warning(v.vehicle_id, jid, arrival, late))
    end_arrival = t + legs[-1]
    return VehicleForecast(v.vehicle_id, tuple(stops), end_arrival, metres, tuple(warnings)), bad


def dispatch_round(
    plan: LivePlan,
    cache: RoundCache,
    *,
    time_limit: float,
    seed: int = 0,
    late_stop_cost: int,
    late_cost_per_hour: int,
    disruption_cost: int = DEFAULT_DISRUPTION_COST,
    end_grace_s: int = END_GRACE_S,
    due_buffer_s: int = DUE_BUFFER_S,
    jobs_per_region: int = JOBS_PER_REGION,
    stats: RoundStats | None = None,
) -> ReplanResult:
    """Re-plan ``plan`` in place for one dispatch round (see the module docstring).

    Callers check that there is work and a courier on duty. ``stats`` (if given) is
    filled with where the round's time went.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    st = stats if stats is not None else RoundStats()
    now = plan.now
    active = [v for v in plan.vehicles.values() if v.status == "active"]
    owner: dict[str, str] = {}
    committed: dict[str, str] = {}
    for v in active:
        for jid in v.route:
            owner[jid] = v.vehicle_id
        for jid in plan.committed(v):
            committed[jid] = v.vehicle_id
    broken_cargo = {
        j for v in plan.vehicles.values() if v.status == "broken" for j in plan.committed(v)
    }
    profiles = sorted({v.profile for v in active})
    # Units of work: pairs not picked up, deliveries on board (with their carrier).
    units: list[tuple[list[str], str | None]] = []
    pts: list[_Point] = []
    for jid, job in plan.jobs.items():
        if job.status != "pending" or jid in broken_cargo:
            continue
        if job.kind == "shipment_pickup":
            assert job.pair is not None
            d = plan.jobs[job.pair]
            units.append(([jid, d.job_id], None))
            pts += [(job.lat, job.lon), (d.lat, d.lon)]
        elif job.kind == "shipment_delivery" and jid in committed:
            units.append(([jid], committed[jid]))
            pts.append((job.lat, job.lon))
        elif job.kind not in ("shipment_pickup", "shipment_delivery"):
            units.append(([jid], committed.get(jid)))
            pts.append((job.lat, job.lon))
    cache.ensure(pts + [(v.end_lat, v.end_lon) for v in active], profiles)
    n_jobs = sum(len(u) for u, _ in units)
    # Regions: one below jobs_per_region jobs; else stores in k-means groups.
    g = max(1, round(n_jobs / max(1, jobs_per_region)))
    anchors = list(dict.fromkeys((plan.jobs[u[0]].lat, plan.jobs[u[0]].lon) for u, _ in units))
    g = min(g, len(anchors)) if anchors else 1
    region_of_v = dict.fromkeys((v.vehicle_id for v in active), 0)
    unit_region = [0] * len(units)
    if g > 1:
        c = _centers(anchors, g)
        near_v = _nearest(c, [(v.lat, v.lon) for v in active])
        region_of_v = {v.vehicle_id: r for v, r in zip(active, near_v, strict=True)}
        near_u = _nearest(c, [(plan.jobs[u[0]].lat, plan.jobs[u[0]].lon) for u, _ in units])
        unit_region = [
            region_of_v[carrier] if carrier is not None else r
            for (_, carrier), r in zip(units, near_u, strict=True)
        ]
        pickers = {region_of_v[v.vehicle_id] for v in active if now < v.shift_end}
        # Every region needs couriers for its orders and orders for its couriers.
        if any(r not in pickers for r in unit_region) or set(unit_region) != set(
            region_of_v.values()
        ):
            g, region_of_v = 1, dict.fromkeys(region_of_v, 0)
            unit_region = [0] * len(units)
    regions: list[_Region] = []
    for r in range(g):
        vs = [v for v in active if region_of_v[v.vehicle_id] == r]
        js = [j for (u, _), ur in zip(units, unit_region, strict=True) if ur == r for j in u]
        if not vs:
            continue
        regions.append(
            _build_region(
                plan,
                cache,
                vs,
                js,
                committed,
                owner,
                profiles,
                late_stop_cost=late_stop_cost,
                late_cost_per_hour=late_cost_per_hour,
                disruption_cost=disruption_cost,
                end_grace_s=end_grace_s,
                due_buffer_s=due_buffer_s,
            )
        )
    t1, c1 = time.perf_counter(), time.process_time()

    def run(ir: tuple[int, _Region]) -> SearchResult:
        i, reg = ir
        assert reg.data is not None
        return search(
            reg.data,
            time_limit=max(0.01, time_limit - (time.perf_counter() - t0) - cache.post_s),
            seed=seed + 7919 * i,
            max_iterations=max(100, MAX_ITERATIONS_PER_JOB * len(reg.job_ids)),
            initial_routes=reg.initial,
            fixed_prefixes=reg.fixed,
        )

    if len(regions) == 1:
        results = [run((0, regions[0]))]
    else:
        with ThreadPoolExecutor(min(REGION_THREADS, len(regions))) as pool:
            results = list(pool.map(run, enumerate(regions)))
    t2, c2 = time.perf_counter(), time.process_time()
    new_routes: dict[str, list[str]] = {}
    fcs: dict[str, VehicleForecast] = {}
    stripped: list[str] = []
    cost, feasible, iterations, solver_s = 0.0, True, 0, 0.0
    for reg, res in zip(regions, results, strict=True):
        cost += res.cost
        feasible &= res.feasible
        iterations += res.iterations
        solver_s = max(solver_s, res.runtime_s)
        # Cargo on board is never dropped (it goes at the end of its carrier's route).
        routes = {int(k): [int(j) for j in js] for k, js in res.routes}
        for j in res.dropped:
            if reg.allowed[j] >= 0:
                routes.setdefault(int(reg.allowed[j]), []).append(int(j))
        for k, v in enumerate(reg.vehicles):
            route = routes.get(k, [])
            f, bad = _walk(plan, reg, k, route)
            if bad:
                # No pickup at or after the off time: those orders wait for the next round.
                route = [j for j in route if j not in bad]
                stripped += [
                    reg.job_ids[j]
                    for j in sorted(bad)
                    if plan.jobs[reg.job_ids[j]].kind == "shipment_pickup"
                ]
                f, _ = _walk(plan, reg, k, route)
            new_routes[v.vehicle_id] = [reg.job_ids[j] for j in route]
            fcs[v.vehicle_id] = f
    st.stripped = stripped
    # Apply.
    diff = ReplanDiff()
    old_owner = {j: v.vehicle_id for v in plan.vehicles.values() for j in v.route}
    for v in active:
        ids = new_routes.get(v.vehicle_id, [])
        if ids != v.route:
            diff.changed_vehicles.append(v.vehicle_id)
            v.route = ids
        for jid in ids:
            plan.jobs[jid].promised = True
    new_owner = {j: v.vehicle_id for v in plan.vehicles.values() for j in v.route}
    for jid in set(old_owner) | set(new_owner):
        if old_owner.get(jid) != new_owner.get(jid):
            diff.moved[jid] = (old_owner.get(jid), new_owner.get(jid))
    gone = set(stripped) | {plan.jobs[j].pair for j in stripped}
    for u, _ in units:
        for jid in u:
            if jid not in new_owner:
                diff.unassigned[jid] = (
                    "its courier's shift ends before the pickup: waits for the next round"
                    if jid in gone
                    else "no courier on duty can carry it"
                )
    plan.version += 1
    # ETAs: the walk over the round's matrices (exact without traffic); with traffic
    # slowdowns, the time-aware forecast of the live plan.
    others = [vid for vid, v in plan.vehicles.items() if v.status != "active" and v.route]
    if plan.slowdowns:
        fc = forecast(plan, [*fcs, *others])
    else:
        fc = Forecast({**fcs, **forecast(plan, others).vehicles})
    t3, c3 = time.perf_counter(), time.process_time()
    st.build_s, st.search_s, st.apply_s = t1 - t0, t2 - t1, t3 - t2
    st.build_cpu_s, st.search_cpu_s, st.apply_cpu_s = c1 - c0, c2 - c1, c3 - c2
    cache.post_s = min(t3 - t2, time_limit / 2)
    st.regions = len(regions)
    st.locations = sum(r.n_static + len(r.vehicles) for r in regions)
    st.jobs = n_jobs
    return ReplanResult(
        diff=diff,
        forecast=fc,
        runtime_s=t3 - t0,
        solver_runtime_s=solver_s,
        cost=cost,
        feasible=feasible,
        iterations=iterations,
        problem=None,
        routes=[],
    )
