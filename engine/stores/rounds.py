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

Large rounds (above :data:`FOCUS_ABOVE_JOBS` jobs, e.g. 1,000 open orders on 300
couriers) cost what changed, not the whole plan: while most orders are on a route, a
*focus round* builds the native problem for a focus set only (:func:`_focus`: couriers
whose route changed since the last round or who are near their off time, for each order
on no route the couriers nearest to its store and home by some stop of their route and
those free soonest to get there, then a rotation over the stores in Morton order, every courier
with a pickup there, up to :data:`FOCUS_JOBS` jobs); every other courier keeps its route
and is only walked on the kept matrices for its ETAs. The search of a large round is the
warm start's insertion and descent plus a few ruin-and-recreate iterations sized to the
change
(:data:`LARGE_ITERATIONS_PER_CHANGED_JOB`). A large round that is mostly construction
(the first of a busy day) is split into small regions
(:data:`CONSTRUCT_JOBS_PER_REGION`) and descends before it ends. Below
:data:`FOCUS_ABOVE_JOBS` a round is what it was.

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from operator import add, sub
from typing import Any, Final

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
#: Above this many jobs in a round, while at most a third of them are on no route, a
#: round re-plans a focus set (:func:`_focus`): the couriers whose route changed, those
#: near their off time, the couriers nearest each order on no route, and a rotation of
#: the others up to about :data:`FOCUS_JOBS` jobs; every other courier keeps its route as
#: the last round left it (each is re-planned within a few rounds by the rotation).
#: Below it (every store day measured in bench/RESULTS.md, at most 68 jobs a round) a
#: round re-plans everything, as before.
FOCUS_ABOVE_JOBS: Final = 800
#: Jobs a focus round aims to put in play (the rotation fills up to it).
FOCUS_JOBS: Final = 600
#: Least wall-clock limit of a focus round's search. The search is bounded by its
#: iterations (:data:`LARGE_ITERATIONS_PER_CHANGED_JOB`) and ends long before on an idle
#: machine; on a loaded one this keeps the descent after the insertion (checked only at
#: each pass start), which a 60 ms cap skipped at load 20 (more km per new order).
FOCUS_SEARCH_S: Final = 0.1
#: Per order on no route, the couriers in focus: the nearest (by their position or some
#: stop of their route to the store, plus the same to the home: a bundle both ways) and
#: those free soonest to get to the store (their last round's route end, then the
#: distance at :data:`FOCUS_SPEED_MPS`); only a ranking, the search decides. At 1,000 ×
#: 300, 8 nearest and 2 soonest added the least distance per new order of the variants
#: tried (4/4, 6/2, 8/0, 8/2).
FOCUS_NEAREST: Final = 8
FOCUS_SOONEST: Final = 2
FOCUS_SPEED_MPS: Final = 4.0
#: Couriers this close to their off time are always in focus (exact off-time matrices).
FOCUS_OFF_S: Final = 3600
#: Ruin-and-recreate iterations of a large round's search (above
#: :data:`FOCUS_ABOVE_JOBS` jobs) per job that changed since the last round (on no route,
#: or on a courier whose route changed): at 1,000 orders and 300 couriers an iteration
#: costs 4–16 ms of CPU and 100–1,000 of them did not lower the plan's cost (construction
#: and the descent from the warm start do the work).
LARGE_ITERATIONS_PER_CHANGED_JOB: Final = 0.1
#: Region size of a large round (above :data:`FOCUS_ABOVE_JOBS`) in which more than a
#: third of the jobs are on no route (the first round of a busy day): insertion cost
#: grows with the routes in a region, so smaller regions build the plan faster
#: (1,000 orders, 300 couriers, load 12–17: 0.46 s of CPU against 1.1 s with 700).
CONSTRUCT_JOBS_PER_REGION: Final = 250
#: The search's wall-clock limit in such a round, at least: it is iteration-bounded
#: (:data:`LARGE_ITERATIONS_PER_CHANGED_JOB`), so this lets the descent after the
#: construction start (the plan of the first round is otherwise left undescended, and
#: later focus rounds repair it only slowly). 1,000 × 300 at load 14, first round: 0.01 s
#: 592 ms CPU, 2,375 km planned; 0.3 s 594 ms, 2,197 km; 1.0 s 1,402 ms, 2,116 km.
CONSTRUCT_SEARCH_S: Final = 0.3
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

    The tables are kept with spare room (grown by half when full), so a round with a
    few new points writes only their rows and columns, and copies nothing else.

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
        self._dist: IntArray = np.zeros((0, 0), dtype=np.int64)
        self._durs: dict[str, IntArray] = {}
        self.rebuilt_points = 0  # points whose rows were computed (for tests/benchmarks)
        #: Wall time of the last round after its search (kept out of the next search's budget).
        self.post_s = 0.0
        #: Each courier's route as the last round left it (to tell which changed since).
        self.last_routes: dict[str, list[str]] = {}
        #: Where the rotation of couriers re-planned in focus rounds stands.
        self.cursor = 0
        #: Per courier, when and where (lat, lon) its last round's route ends.
        self.free_at: dict[str, tuple[int, float, float]] = {}

    @property
    def size(self) -> int:
        """Points in the table."""
        return len(self.index)

    @property
    def dist(self) -> IntArray:
        """Distances (m) between the known points, in :attr:`index` order."""
        n = self.size
        return self._dist[:n, :n]

    @property
    def durs(self) -> dict[str, IntArray]:
        """Durations (s) per speed profile between the known points."""
        n = self.size
        return {k: d[:n, :n] for k, d in self._durs.items()}

    def duration(self, profile: str) -> IntArray:
        """The duration table of ``profile`` (a view; known after :meth:`ensure`)."""
        n = self.size
        return self._durs[profile][:n, :n]

    def _resize(self, sel: IntArray | None, room: int) -> None:
        """Tables of ``room`` rows holding the points ``sel`` (``None``: all) first."""
        n = self.size
        sel_ = np.arange(n, dtype=np.int64) if sel is None else sel
        k = len(sel_)

        def moved(a: IntArray) -> IntArray:
            out = np.zeros((room, room), dtype=np.int64)
            out[:k, :k] = a[np.ix_(sel_, sel_)] if sel is not None else a[:k, :k]
            return out

        self._dist = moved(self._dist)
        self._durs = {p: moved(d) for p, d in self._durs.items()}
        self.lat, self.lon = self.lat[sel_].copy(), self.lon[sel_].copy()

    def ensure(self, points: list[_Point], profiles: list[str]) -> None:
        """Add ``points`` (and ``profiles``) not known yet: only their rows and columns
        are computed. Points not in ``points`` are dropped when they are a quarter of
        the table (the table is rebuilt from the points kept, no recomputation)."""
        want = dict.fromkeys(points)
        n_old = self.size
        index = self.index
        new = [p for p in want if p not in index]
        dead = n_old - (len(want) - len(new))
        if n_old and dead * 4 > n_old:
            keep = [i for p, i in index.items() if p in want]
            self._resize(np.asarray(keep, dtype=np.int64), max(len(keep) + len(new), 16) * 3 // 2)
            self.index = index = {p: k for k, p in enumerate(p for p in index if p in want)}
        n = self.size
        for prof in profiles:
            if prof not in self._durs:
                d = np.zeros_like(self._dist)
                d[:n, :n] = SpeedProfile.for_type(prof).seconds(self._dist[:n, :n])
                self._durs[prof] = d
        if not new:
            return
        m = len(new)
        if n + m > self._dist.shape[0]:
            self._resize(None, (n + m) * 3 // 2 + 16)
        nlat = np.array([p[0] for p in new], dtype=np.float64)
        nlon = np.array([p[1] for p in new], dtype=np.float64)
        self.lat = np.concatenate([self.lat[:n], nlat])
        self.lon = np.concatenate([self.lon[:n], nlon])
        rows = distance_matrix(nlat, nlon, self.lat, self.lon, circuity=self.circuity)  # m × (n+m)
        cols = distance_matrix(self.lat[:n], self.lon[:n], nlat, nlon, circuity=self.circuity)
        self._dist[:n, n : n + m] = cols
        self._dist[n : n + m, : n + m] = rows
        for prof, d in self._durs.items():
            sp = SpeedProfile.for_type(prof)
            d[:n, n : n + m] = sp.seconds(cols)
            d[n : n + m, : n + m] = sp.seconds(rows)
        for p in new:
            index[p] = len(index)
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
    search_jobs: int = 0
    kept: int = 0
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
        durs[p, :n_static, :n_static] = cache.duration(prof)[np.ix_(sel, sel)]
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
    far = now + FAR_S
    big = int(np.iinfo(np.int64).max)
    # Column by column over the jobs (no per-job branching in Python).
    jl = [plan.jobs[j] for j in job_ids]
    kinds = [j.kind for j in jl]
    is_pickup = np.array([k == "shipment_pickup" for k in kinds], dtype=bool)
    is_drop = np.array([k in ("shipment_delivery", "delivery") for k in kinds], dtype=bool)
    is_com = np.array([j in committed for j in job_ids], dtype=bool)
    paired = np.array([k == "shipment_delivery" for k in kinds], dtype=bool) & ~is_com
    amounts = np.array([j.amounts for j in jl], dtype=np.int64).reshape((nj, nd))
    delivery = np.where(is_drop[:, None], amounts, 0)
    pickup = np.where(is_drop[:, None], 0, amounts)
    service = np.array([j.service_s for j in jl], dtype=np.int64)
    has_w = np.array([bool(j.windows) for j in jl], dtype=bool)
    opens = np.array([j.windows[0][0] if j.windows else now for j in jl], dtype=np.int64)
    last_a = np.array([j.windows[-1][0] if j.windows else 0 for j in jl], dtype=np.int64)
    last_b = np.array([j.windows[-1][1] if j.windows else 0 for j in jl], dtype=np.int64)
    tw = np.empty((nj, 2), dtype=np.int64)
    tw[:, 0] = np.minimum(np.maximum(opens, now), far)
    tw[:, 1] = far
    ar = np.arange(nj, dtype=np.int64)
    pair_of = np.where(is_pickup, ar + 1, np.where(paired, ar - 1, -1))
    skills = np.where(is_pickup | paired, PICKUP_SKILL, np.uint64(0)).astype(np.uint64)
    home = np.array([k_of.get(owner.get(j, ""), -1) for j in job_ids], dtype=np.int64)
    allowed = np.array(
        [k_of[committed[j]] if c else -1 for j, c in zip(job_ids, is_com.tolist(), strict=True)],
        dtype=np.int64,
    )
    due = np.where(is_drop & has_w, np.maximum(last_a, last_b - due_buffer_s), big).astype(np.int64)
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
    plan: LivePlan,
    v: LiveVehicle,
    start: int,
    route: list[str],
    legs: list[int],
    metres: int,
) -> tuple[VehicleForecast, set[int]]:
    """Predicted times of ``route`` (job ids) from ``start`` with the given leg durations
    (one more than the stops: the last goes to the end), and the positions in ``route``
    of the jobs (pickup and its delivery) whose pickup would start at or after the
    courier's off time."""
    t = start
    load = start_load(plan, v)
    stops: list[StopEta] = []
    warnings: list[RiskWarning] = []
    bad: set[int] = set()
    now, off, vid = plan.now, v.shift_end, v.vehicle_id
    jobs = plan.jobs
    for pos, jid in enumerate(route):
        job = jobs[jid]
        arrival = t + legs[pos]
        start_s, late = arrival, 0
        windows = job.windows
        if windows:
            for a, b in windows:
                if arrival <= b:
                    start_s = max(arrival, a)
                    break
            else:
                late = arrival - windows[-1][1]
        if start_s < now:
            start_s = now
        if job.kind == "shipment_pickup":
            if start_s >= off:
                bad.add(pos)
                d = job.pair
                bad.update(q for q in range(pos + 1, len(route)) if route[q] == d)
            load = tuple(map(add, load, job.amounts))
        else:
            load = tuple(map(sub, load, job.amounts))
        t = start_s + job.service_s
        stops.append(StopEta(vid, pos, jid, arrival, start_s, t, load, late))
        if late:
            warnings.append(late_warning(vid, jid, arrival, late))
    end_arrival = t + legs[-1]
    return VehicleForecast(vid, tuple(stops), end_arrival, metres, tuple(warnings)), bad


def _region_legs(reg: _Region, k: int, route: list[int]) -> tuple[list[int], int]:
    """Leg durations and metres of region courier ``k`` driving ``route`` (job indices)."""
    v = reg.vehicles[k]
    locs = [reg.n_static + k, *(int(reg.loc[j]) for j in route), int(reg.ends[k])]
    src, dst = locs[:-1], locs[1:]
    legs: list[int] = reg.durs[reg.profile_of[v.profile]][src, dst].tolist()
    return legs, int(reg.dist[src, dst].sum())


def _cache_legs(
    plan: LivePlan, cache: RoundCache, vehicles: list[LiveVehicle]
) -> list[tuple[list[int], int]]:
    """Leg durations and metres of each courier's current route on the kept matrices
    (the first leg from its position), for couriers kept out of the round's search."""
    if not vehicles:
        return []
    idx = cache.index
    jobs = plan.jobs
    firsts = [
        (jobs[v.route[0]].lat, jobs[v.route[0]].lon) if v.route else (v.end_lat, v.end_lon)
        for v in vehicles
    ]
    vlat = np.array([v.lat for v in vehicles], dtype=np.float64)
    vlon = np.array([v.lon for v in vehicles], dtype=np.float64)
    flat = np.array([p[0] for p in firsts], dtype=np.float64)
    flon = np.array([p[1] for p in firsts], dtype=np.float64)
    first_m = np.empty(len(vehicles), dtype=np.int64)
    for a in range(0, len(vehicles), 256):
        b = min(len(vehicles), a + 256)
        block = distance_matrix(vlat[a:b], vlon[a:b], flat[a:b], flon[a:b], circuity=plan.circuity)
        first_m[a:b] = np.diagonal(block)
    out: list[tuple[list[int], int]] = []
    by_prof: dict[str, list[int]] = {}
    for i, v in enumerate(vehicles):
        by_prof.setdefault(v.profile, []).append(i)
    first_s = np.empty(len(vehicles), dtype=np.int64)
    inner: list[tuple[list[int], list[int]]] = [([], []) for _ in vehicles]
    for prof, ks in by_prof.items():
        sel = np.asarray(ks, dtype=np.int64)
        first_s[sel] = SpeedProfile.for_type(prof).seconds(first_m[sel])
        src: list[int] = []
        dst: list[int] = []
        spans: list[tuple[int, int]] = []
        for k in ks:
            v = vehicles[k]
            locs = [idx[(jobs[j].lat, jobs[j].lon)] for j in v.route]
            locs.append(idx[(v.end_lat, v.end_lon)])
            a = len(src)
            src += locs[:-1]
            dst += locs[1:]
            spans.append((a, len(src)))
        dur = cache.duration(prof)[src, dst].tolist() if src else []
        met = cache.dist[src, dst].tolist() if src else []
        for k, (a, b) in zip(ks, spans, strict=True):
            inner[k] = (dur[a:b], met[a:b])
    for i in range(len(vehicles)):
        d, m = inner[i]
        out.append(([int(first_s[i]), *d], int(first_m[i]) + sum(m)))
    return out


def _morton(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> IntArray:
    """Morton (Z-order) codes of points on a 2**16 grid over the whole world."""
    y = np.clip(((lat + 90.0) / 180.0 * 65535.0).astype(np.int64), 0, 65535)
    x = np.clip(((lon + 180.0) / 360.0 * 65535.0).astype(np.int64), 0, 65535)
    code = np.zeros(len(lat), dtype=np.int64)
    for b in range(16):
        code |= ((x >> b) & 1) << (2 * b)
        code |= ((y >> b) & 1) << (2 * b + 1)
    return code


def _focus(
    plan: LivePlan,
    cache: RoundCache,
    active: list[LiveVehicle],
    units: list[tuple[list[str], str | None]],
    owner: dict[str, str],
    *,
    focus_jobs: int,
    nearest: int,
    soonest: int,
    off_s: int,
) -> set[str]:
    """The couriers a focus round re-plans (see :data:`FOCUS_ABOVE_JOBS`): those whose
    route changed since the last round or who are new, those within ``off_s`` of their
    off time, the ``nearest`` couriers to each store with an order on no route, and
    then the next couriers of a rotation until about ``focus_jobs`` jobs are in play."""
    now = plan.now
    chosen: set[str] = set()
    for v in active:
        if cache.last_routes.get(v.vehicle_id) != v.route or v.shift_end - now <= off_s:
            chosen.add(v.vehicle_id)
    free_units = [u for u, carrier in units if carrier is None and u[0] not in owner]
    free_pts = [(plan.jobs[u[0]].lat, plan.jobs[u[0]].lon) for u in free_units]
    free_to = [(plan.jobs[u[-1]].lat, plan.jobs[u[-1]].lon) for u in free_units]
    pickers = [v for v in active if now < v.shift_end]
    if free_pts and pickers:
        # Per store: the couriers free soonest to get there (by the last round's route
        # ends), and the nearest by their position or any stop of their route (where an
        # order bundles with what they carry).
        free = [
            cache.free_at.get(v.vehicle_id, (_start_time(plan, v), v.lat, v.lon)) for v in pickers
        ]
        ft = np.array([f[0] for f in free], dtype=np.float64)
        flat_ = np.array([f[1] for f in free])
        flon = np.array([f[2] for f in free])
        jobs = plan.jobs
        starts_at: list[int] = []
        rlat: list[float] = []
        rlon: list[float] = []
        for v in pickers:
            starts_at.append(len(rlat))
            rlat.append(v.lat)
            rlon.append(v.lon)
            for j in v.route:
                rlat.append(jobs[j].lat)
                rlon.append(jobs[j].lon)
        m_per_deg = 111_195.0
        coslat = np.cos(np.radians(float(np.mean(flat_))))

        def metres(
            pts: list[_Point], la: npt.NDArray[np.float64], lo: npt.NDArray[np.float64]
        ) -> Any:
            fp = np.asarray(pts, dtype=np.float64)
            return m_per_deg * np.hypot(
                la[None, :] - fp[:, 0:1], (lo[None, :] - fp[:, 1:2]) * coslat
            )

        soon = ft[None, :] + metres(free_pts, flat_, flon) / FOCUS_SPEED_MPS
        # Near the store and near the home by some stop (or the position): a bundle.
        ra, ro = np.array(rlat), np.array(rlon)
        near = np.minimum.reduceat(metres(free_pts, ra, ro), starts_at, axis=1)
        near = near + np.minimum.reduceat(metres(free_to, ra, ro), starts_at, axis=1)
        for score, k in ((soon, soonest), (near, nearest)):
            k = min(k, len(pickers))
            if k <= 0:
                continue
            if k >= len(pickers):
                chosen |= {v.vehicle_id for v in pickers}
            else:
                best = np.argpartition(score, k - 1, axis=1)[:, :k]
                chosen |= {pickers[int(i)].vehicle_id for i in np.unique(best)}
    # The rotation runs over the pickup points (stores) in a space-filling (Morton)
    # order: each round takes the next stores and every courier with a stop there, so
    # the couriers in play share stores and can trade and bundle orders.
    n_route = {v.vehicle_id: len(v.route) for v in active}
    n_free = sum(len(u) for u, carrier in units if carrier is None and u[0] not in owner)
    jobs_in = n_free + sum(n_route[c] for c in chosen)
    if jobs_in >= focus_jobs or len(chosen) >= len(active):
        return chosen
    at: dict[_Point, set[str]] = {}
    for v in active:
        for jid in v.route:
            job = plan.jobs[jid]
            if job.kind == "shipment_pickup":
                at.setdefault((job.lat, job.lon), set()).add(v.vehicle_id)
    if not at:
        return chosen
    spots = list(at)
    key = _morton(np.array([p[0] for p in spots]), np.array([p[1] for p in spots]))
    order = np.lexsort((np.arange(len(spots)), key))
    after = int(np.searchsorted(key[order], cache.cursor, side="right"))
    last = cache.cursor
    for step in range(len(spots)):
        i = int(order[(after + step) % len(spots)])
        last = int(key[i])
        for vid in sorted(at[spots[i]] - chosen):
            chosen.add(vid)
            jobs_in += n_route[vid]
        if jobs_in >= focus_jobs:
            break
    cache.cursor = last
    return chosen


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
    focus_above_jobs: int = FOCUS_ABOVE_JOBS,
    focus_jobs: int = FOCUS_JOBS,
    focus_search_s: float = FOCUS_SEARCH_S,
    stats: RoundStats | None = None,
) -> ReplanResult:
    """Re-plan ``plan`` in place for one dispatch round (see the module docstring).

    Callers check that there is work and a courier on duty. ``stats`` (if given) is
    filled with where the round's time went. Above ``focus_above_jobs`` jobs (and while
    most orders are on a route) the search sees only a focus set of couriers and the
    orders on no route (see :data:`FOCUS_ABOVE_JOBS`); ``focus_above_jobs=0`` turns it
    off.
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
    # Focus: above focus_above_jobs jobs, while at most a third of them are on no route,
    # only some couriers are re-planned; the others keep their routes.
    kept: list[LiveVehicle] = []
    n_free = sum(len(u) for u, c in units if c is None and u[0] not in owner)
    if 0 < focus_above_jobs < n_jobs and n_free * 3 <= n_jobs:
        chosen = _focus(
            plan,
            cache,
            active,
            units,
            owner,
            focus_jobs=focus_jobs,
            nearest=FOCUS_NEAREST,
            soonest=FOCUS_SOONEST,
            off_s=FOCUS_OFF_S,
        )
        # A unit split over a kept and a chosen courier brings both in.
        holds = [{owner[j] for j in u if j in owner} | ({c} if c else set()) for u, c in units]
        for h in holds:
            if h & chosen:
                chosen |= h
        kept = [v for v in active if v.vehicle_id not in chosen]
        active_f = [v for v in active if v.vehicle_id in chosen]
        units = [uc for uc, h in zip(units, holds, strict=True) if h <= chosen]
    else:
        active_f = active
    n_search = sum(len(u) for u, _ in units)
    n_changed = n_free + sum(
        len(v.route) for v in active if cache.last_routes.get(v.vehicle_id) != v.route
    )
    # Regions: one below jobs_per_region jobs; else stores in k-means groups (smaller
    # ones when a large round is mostly construction).
    construct = 0 < focus_above_jobs < n_jobs and not kept and n_free * 3 > n_jobs
    if construct:
        jobs_per_region = min(jobs_per_region, CONSTRUCT_JOBS_PER_REGION)
    g = max(1, round(n_search / max(1, jobs_per_region)))
    anchors = list(dict.fromkeys((plan.jobs[u[0]].lat, plan.jobs[u[0]].lon) for u, _ in units))
    g = min(g, len(anchors)) if anchors else 1
    region_of_v = dict.fromkeys((v.vehicle_id for v in active_f), 0)
    unit_region = [0] * len(units)
    if g > 1:
        c = _centers(anchors, g)
        near_v = _nearest(c, [(v.lat, v.lon) for v in active_f])
        region_of_v = {v.vehicle_id: r for v, r in zip(active_f, near_v, strict=True)}
        near_u = _nearest(c, [(plan.jobs[u[0]].lat, plan.jobs[u[0]].lon) for u, _ in units])
        unit_region = [
            region_of_v[carrier] if carrier is not None else r
            for (_, carrier), r in zip(units, near_u, strict=True)
        ]
        pickers = {region_of_v[v.vehicle_id] for v in active_f if now < v.shift_end}
        # Every region needs couriers for its orders and orders for its couriers.
        if any(r not in pickers for r in unit_region) or set(unit_region) != set(
            region_of_v.values()
        ):
            g, region_of_v = 1, dict.fromkeys(region_of_v, 0)
            unit_region = [0] * len(units)
    regions: list[_Region] = []
    for r in range(g):
        vs = [v for v in active_f if region_of_v[v.vehicle_id] == r]
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

    # The least wall-clock limit of a large round's search (it is iteration-bounded):
    # enough for the descent to start after the insertion, also on a loaded machine.
    floor = CONSTRUCT_SEARCH_S if construct else focus_search_s if kept else 0.0
    # A large round's search: construction and descent from the warm start, then a few
    # ruin-and-recreate iterations sized to what changed since the last round.
    large = 0 < focus_above_jobs < n_jobs

    def iterations_of(reg: _Region) -> int:
        if not large:
            return max(100, MAX_ITERATIONS_PER_JOB * len(reg.job_ids))
        share = len(reg.job_ids) / max(1, n_search)
        return int(LARGE_ITERATIONS_PER_CHANGED_JOB * n_changed * share)

    def run(ir: tuple[int, _Region]) -> SearchResult:
        i, reg = ir
        assert reg.data is not None
        left = time_limit - (time.perf_counter() - t0) - cache.post_s
        return search(
            reg.data,
            time_limit=max(0.01, left, floor),
            seed=seed + 7919 * i,
            max_iterations=iterations_of(reg),
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

    def settle(
        v: LiveVehicle,
        start: int,
        route: list[str],
        legs: list[int],
        metres: int,
        relegs: Callable[[list[str]], tuple[list[int], int]],
    ) -> None:
        f, bad = _walk(plan, v, start, route, legs, metres)
        if bad:
            # No pickup at or after the off time: those orders wait for the next round.
            stripped.extend(
                route[q] for q in sorted(bad) if plan.jobs[route[q]].kind == "shipment_pickup"
            )
            route = [j for q, j in enumerate(route) if q not in bad]
            legs, metres = relegs(route)
            f, _ = _walk(plan, v, start, route, legs, metres)
        new_routes[v.vehicle_id] = route
        fcs[v.vehicle_id] = f
        if f.stops:
            last = plan.jobs[f.stops[-1].job_id]
            cache.free_at[v.vehicle_id] = (f.stops[-1].departure, last.lat, last.lon)
        else:
            cache.free_at[v.vehicle_id] = (start, v.lat, v.lon)

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
        pos_of = {jid: j for j, jid in enumerate(reg.job_ids)}
        for k, v in enumerate(reg.vehicles):
            route = routes.get(k, [])
            legs, metres = _region_legs(reg, k, route)

            def relegs(
                ids: list[str], reg: _Region = reg, k: int = k, pos_of: dict[str, int] = pos_of
            ) -> tuple[list[int], int]:
                return _region_legs(reg, k, [pos_of[j] for j in ids])

            settle(v, int(reg.starts[k]), [reg.job_ids[j] for j in route], legs, metres, relegs)
    if kept:
        kept_legs = _cache_legs(plan, cache, kept)
        for v, (legs, metres) in zip(kept, kept_legs, strict=True):

            def relegs_c(ids: list[str], v: LiveVehicle = v) -> tuple[list[int], int]:
                w = replace(v, route=ids)
                return _cache_legs(plan, cache, [w])[0]

            settle(v, _start_time(plan, v), list(v.route), legs, metres, relegs_c)
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
    cache.last_routes = {v.vehicle_id: list(v.route) for v in active}
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
    st.search_jobs = n_search
    st.kept = len(kept)
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
