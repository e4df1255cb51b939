"""Routing over Ray: many depots in parallel, and one large city decomposed and repaired.

``solve_many`` solves one problem per depot (or per cluster) as Ray tasks, each with its
own time limit, and merges the answers into one plan with per-partition figures.

``solve_decomposed`` splits one large single-depot problem into angular sectors around
the depot (shipment halves stay together; the fleet is shared out in proportion to
each sector's demand), solves the sectors in parallel, then runs a boundary-repair
pass: for each pair of neighbouring sectors, the routes nearest their shared
boundary are re-solved together and the result is kept only when it serves the same
jobs at a lower cost. Pairs that share no sector are repaired in parallel (two rounds:
even pairs, then odd pairs). The whole run spends a stated CPU budget, split between
the sectors and the repair pass, so it can be compared with an undecomposed
:func:`engine.routing.solve` given the same CPU time.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.cluster.runtime import PartitionRun, Progress, run_partitions
from engine.errors import InvalidInputError
from engine.routing.arcs import CoordinateArcs, LazyDurations, LazyMatrix
from engine.routing.checker import check
from engine.routing.model import Problem, Site
from engine.routing.solve import Solution, Unserved, solve

RouteList = list[tuple[int, list[int]]]


def subproblem(
    problem: Problem, jobs: Sequence[int], counts: Sequence[int] | None = None
) -> Problem:
    """The problem restricted to ``jobs`` (re-indexed in that order) and the sites they
    and the fleet use, with ``counts`` vehicles per type (default: unchanged).

    A shipment's two halves must both be in ``jobs`` or both out.

    Raises
    ------
    InvalidInputError
        An unknown job, a repeated job, a shipment half without its sibling, or
        ``counts`` of the wrong length or negative.
    """
    keep = [int(j) for j in jobs]
    new_job = {j: i for i, j in enumerate(keep)}
    if len(new_job) != len(keep) or any(not 0 <= j < problem.num_jobs for j in keep):
        raise InvalidInputError.at("jobs", "unknown or repeated job index")
    for j in keep:
        q = problem.jobs[j].pair
        if q is not None and q not in new_job:
            raise InvalidInputError.at("jobs", f"shipment half {j} without its sibling {q}")
    types = problem.vehicle_types
    if counts is not None and (len(counts) != len(types) or any(c < 0 for c in counts)):
        raise InvalidInputError.at("counts", f"need {len(types)} non-negative counts")
    used: dict[int, int] = {}
    for t in types:
        for s in (t.start, t.end):
            used.setdefault(s.index, len(used))
    for j in keep:
        used.setdefault(problem.jobs[j].site.index, len(used))
    old = np.fromiter(used, dtype=np.int64, count=len(used))
    sites: list[Site] = [problem.sites[int(i)] for i in old]
    new_sites = tuple(dataclasses.replace(s, index=i) for i, s in enumerate(sites))

    def site(s: Site) -> Site:
        return new_sites[used[s.index]]

    new_types = tuple(
        dataclasses.replace(
            t,
            start=site(t.start),
            end=site(t.end),
            num_available=t.num_available if counts is None else int(counts[t.index]),
        )
        for t in types
    )
    new_jobs = tuple(
        dataclasses.replace(
            problem.jobs[j],
            index=i,
            site=site(problem.jobs[j].site),
            pair=None if problem.jobs[j].pair is None else new_job[problem.jobs[j].pair],  # type: ignore[index]
        )
        for i, j in enumerate(keep)
    )
    if problem.matrix_free and problem.arcs is not None:
        # Matrix-free: the part's sites keep their coordinates (no L×L slices).
        a = problem.arcs
        arcs = CoordinateArcs(a.metric, a.points[old], a.circuity, a.speeds)
        return Problem(
            dimensions=problem.dimensions,
            sites=new_sites,
            jobs=new_jobs,
            vehicle_types=new_types,
            profiles=problem.profiles,
            skills=problem.skills,
            distance=LazyMatrix(arcs),
            durations=LazyDurations(arcs),
            name=problem.name,
            meta=dict(problem.meta),
            arcs=arcs,
        )
    dist = np.ascontiguousarray(problem.distance[np.ix_(old, old)])
    durs = np.ascontiguousarray(problem.durations[:, old][:, :, old])
    return Problem(
        dimensions=problem.dimensions,
        sites=new_sites,
        jobs=new_jobs,
        vehicle_types=new_types,
        profiles=problem.profiles,
        skills=problem.skills,
        distance=dist,
        durations=durs,
        name=problem.name,
        meta=dict(problem.meta),
    )


@dataclass(frozen=True)
class RouteTask:
    """One routing partition: a problem, its time limit, seed and solver."""

    name: str
    problem: Problem
    time_limit: float
    seed: int = 0
    solver: str = "auto"


@dataclass(frozen=True)
class PartitionPlan:
    """A partition's answer, compact enough to send back (no matrices)."""

    routes: RouteList
    cost: float
    distance: int
    jobs: int
    vehicles: int
    unserved_required: int
    feasible: bool
    runtime: float
    status: str


def solve_partition(task: RouteTask) -> PartitionPlan:
    """Solve one partition with an unmodified :func:`engine.routing.solve` (the task body)."""
    sol = solve(task.problem, time_limit=task.time_limit, seed=task.seed, solver=task.solver)
    return PartitionPlan(
        routes=sol.route_jobs(),
        cost=sol.cost,
        distance=sol.distance,
        jobs=task.problem.num_jobs,
        vehicles=sol.num_vehicles,
        unserved_required=sum(u.required for u in sol.unserved),
        feasible=sol.feasible,
        runtime=sol.runtime,
        status=sol.status,
    )


def _runs_frame(
    runs: Sequence[PartitionRun[PartitionPlan]], limits: Sequence[float]
) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "partition": r.name,
                "jobs": r.value.jobs,
                "vehicles": r.value.vehicles,
                "cost": r.value.cost,
                "distance_km": r.value.distance / 1000,
                "unserved_required": r.value.unserved_required,
                "feasible": r.value.feasible,
                "time_limit_s": lim,
                "solve_s": r.value.runtime,
                "wall_s": r.wall_s,
                "cpu_s": r.cpu_s,
                "node_id": r.node_id,
                "attempts": r.attempts,
                "peak_rss_mib": r.peak_rss_mib,
            }
            for r, lim in zip(runs, limits, strict=True)
        ]
    )


@dataclass(frozen=True)
class MultiPlan:
    """Merged result of :func:`solve_many`.

    ``plans`` maps partition name to its answer (job indices of that partition's
    problem); ``partitions`` has one row per partition (jobs, vehicles, cost,
    distance, unserved, time limit, solve/wall/CPU seconds, node, attempts).
    """

    plans: dict[str, PartitionPlan]
    partitions: pl.DataFrame
    seconds: float

    @property
    def cost(self) -> float:
        """Total cost over partitions."""
        return float(sum(p.cost for p in self.plans.values()))

    def summary(self) -> str:
        """One paragraph: totals, nodes, time limits honoured, retries."""
        f = self.partitions
        over = int((f["solve_s"] > f["time_limit_s"] + 0.5).sum())
        return (
            f"{f.height} partitions on {f['node_id'].n_unique()} node(s) in {self.seconds:.2f} s: "
            f"{int(f['jobs'].sum()):,} jobs, {int(f['vehicles'].sum()):,} vehicles, cost "
            f"{self.cost:,.0f}, {float(f['distance_km'].sum()):,.1f} km, "
            f"{int(f['unserved_required'].sum())} required jobs unserved; CPU "
            f"{float(f['cpu_s'].sum()):.1f} s; partitions over their time limit (+0.5 s): {over}; "
            f"retried: {int((f['attempts'] > 1).sum())}"
        )


def solve_many(
    tasks: Sequence[RouteTask],
    *,
    max_attempts: int = 3,
    progress: Progress | None = None,
) -> MultiPlan:
    """Solve independent routing problems (one per depot or cluster) in parallel on Ray.

    Raises
    ------
    InvalidInputError
        Repeated partition names or a bad time limit.
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    for t in tasks:
        if not t.time_limit > 0:
            raise InvalidInputError.at("time_limit", f"must be positive, got {t.time_limit}")
    t0 = time.perf_counter()
    runs = run_partitions(
        solve_partition,
        list(tasks),
        names=[t.name for t in tasks],
        max_attempts=max_attempts,
        progress=progress,
    )
    frame = _runs_frame(runs, [t.time_limit for t in tasks])
    return MultiPlan({r.name: r.value for r in runs}, frame, time.perf_counter() - t0)


def city_problems(
    n_cities: int, stops: int, vehicles: int, *, seed: int = 0, radius_m: float = 15_000.0
) -> list[tuple[str, Problem]]:
    """A national plan: one seeded distribution day (``engine.live.scenario.city_day``)
    in each of the ``n_cities`` largest distinct cities."""
    from engine.data.generator import load_cities
    from engine.live.scenario import city_day

    names = (
        load_cities()
        .sort("population", descending=True)
        .unique("name", keep="first", maintain_order=True)["name"]
        .head(n_cities)
        .to_list()
    )
    return [
        (
            name,
            city_day(vehicles, stops, city=name, radius_m=radius_m, seed=seed + i).problem,
        )
        for i, name in enumerate(names)
    ]


# ---- decomposition of one large city ----------------------------------------------------------


def _depot(problem: Problem) -> Site:
    starts = {t.start.index for t in problem.vehicle_types}
    if len(starts) != 1:
        raise InvalidInputError.at(
            "vehicle_types", "decomposition needs one depot shared by every vehicle type"
        )
    s = problem.vehicle_types[0].start
    if s.lat is None or s.lon is None:
        raise InvalidInputError.at("sites", "decomposition needs sites with lat/lon")
    return s


def _angles(problem: Problem) -> npt.NDArray[np.float64]:
    """Bearing of each job's site from the depot (radians, 0..2π); shipment halves
    share their pickup's bearing."""
    d = _depot(problem)
    assert d.lat is not None
    assert d.lon is not None
    lat = np.array([j.site.lat if j.site.lat is not None else d.lat for j in problem.jobs])
    lon = np.array([j.site.lon if j.site.lon is not None else d.lon for j in problem.jobs])
    a = np.arctan2((lat - d.lat), (lon - d.lon) * math.cos(math.radians(d.lat))) % (2 * math.pi)
    for j in problem.jobs:
        if j.pair is not None and j.kind != "shipment_pickup":
            a[j.index] = a[j.pair]
    return np.asarray(a)


def sectors(problem: Problem, n: int) -> list[list[int]]:
    """Split the jobs into ``n`` angular sectors around the depot of about equal job
    counts (a shipment's halves in the same sector), in angular order.

    Raises
    ------
    InvalidInputError
        ``n < 1``, more sectors than jobs, several depots or sites without lat/lon.
    """
    if n < 1 or n > problem.num_jobs:
        raise InvalidInputError.at("clusters", f"must be in [1, {problem.num_jobs}], got {n}")
    a = _angles(problem)
    order = np.argsort(a, kind="stable")
    # start the sweep at the widest empty angle, so no sector straddles a dense area
    gaps = np.diff(np.concatenate([a[order], [a[order[0]] + 2 * math.pi]]))
    start = (int(np.argmax(gaps)) + 1) % order.size
    order = np.roll(order, -start)
    out: list[list[int]] = [[] for _ in range(n)]
    for s, chunk in enumerate(np.array_split(order, n)):
        out[s] = chunk.tolist()
    where = {j: s for s, js in enumerate(out) for j in js}
    for j in problem.jobs:  # move a delivery half next to its pickup
        if j.pair is not None and j.kind != "shipment_pickup" and where[j.index] != where[j.pair]:
            out[where[j.index]].remove(j.index)
            out[where[j.pair]].append(j.index)
            where[j.index] = where[j.pair]
    return [sorted(js) for js in out if js]


def share_fleet(problem: Problem, groups: Sequence[Sequence[int]]) -> list[list[int]]:
    """Vehicles of each type per group, in proportion to the group's demand (first
    dimension, deliveries plus pickups), by largest remainder: the groups' counts add
    up to the fleet's."""
    arr = problem.to_arrays()
    demand = arr["job_delivery"][:, 0] + arr["job_pickup"][:, 0]
    w = np.array([max(1, int(demand[list(g)].sum())) for g in groups], dtype=np.float64)
    w /= w.sum()
    out = [[0] * len(problem.vehicle_types) for _ in groups]
    for t in problem.vehicle_types:
        exact = w * t.num_available
        base = np.floor(exact).astype(int)
        for i in np.argsort(-(exact - base), kind="stable")[: t.num_available - int(base.sum())]:
            base[i] += 1
        for g, c in enumerate(base):
            out[g][t.index] = int(c)
    return out


@dataclass(frozen=True)
class DecomposedPlan:
    """Result of :func:`solve_decomposed`.

    ``routes`` (vehicle type, job indices of the full problem) and the checker's
    figures of the merged plan; ``cost_before_repair``; ``repairs`` accepted out of
    ``repair_attempts``; per-partition figures of both stages; the CPU seconds spent in
    the workers (``cpu_s``) against the ``cpu_budget``.
    """

    routes: RouteList
    cost: float
    distance: int
    feasible: bool
    unserved_required: int
    cost_before_repair: float
    repairs: int
    repair_attempts: int
    partitions: pl.DataFrame
    cpu_budget: float
    cpu_s: float
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One paragraph: cost before and after repair, vehicles, CPU, wall."""
        return (
            f"{len(self.routes)} routes, cost {self.cost:,.0f} (before repair "
            f"{self.cost_before_repair:,.0f}; {self.repairs}/{self.repair_attempts} repairs "
            f"kept), {self.distance / 1000:,.1f} km, {self.unserved_required} required jobs "
            f"unserved, {'feasible' if self.feasible else 'INFEASIBLE'}; CPU {self.cpu_s:.1f} s "
            f"of a {self.cpu_budget:.1f} s budget, wall {self.seconds:.1f} s"
        )


def _route_cost(problem: Problem, routes: RouteList) -> float:
    return float(check(problem, routes).cost) if routes else 0.0


def solve_decomposed(
    problem: Problem,
    clusters: int,
    cpu_budget: float,
    *,
    repair_share: float = 0.25,
    seed: int = 0,
    solver: str = "auto",
    max_attempts: int = 3,
    progress: Progress | None = None,
) -> DecomposedPlan:
    """Solve one large single-depot problem as ``clusters`` sectors plus a boundary repair.

    Parameters
    ----------
    problem
        A problem whose vehicle types all start at one depot with coordinates.
    clusters
        Number of angular sectors (partitions) of the first stage.
    cpu_budget
        Total search seconds: ``(1 - repair_share) * cpu_budget`` shared by the sectors,
        the rest by the repairs (each task's time limit is its share).
    repair_share
        Part of the budget for the boundary repair (0 disables it).

    Raises
    ------
    InvalidInputError
        Bad ``clusters``, budget or share, several depots, sites without coordinates.
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    if not cpu_budget > 0:
        raise InvalidInputError.at("cpu_budget", f"must be positive, got {cpu_budget}")
    if not 0 <= repair_share < 1:
        raise InvalidInputError.at("repair_share", f"must be in [0, 1), got {repair_share}")
    t0 = time.perf_counter()
    groups = sectors(problem, clusters)
    fleet = share_fleet(problem, groups)
    k = len(groups)
    limit = cpu_budget * (1 - repair_share) / k
    tasks = [
        RouteTask(f"sector-{s}", subproblem(problem, g, fleet[s]), limit, seed + s, solver)
        for s, g in enumerate(groups)
    ]
    runs = run_partitions(
        solve_partition,
        tasks,
        names=[t.name for t in tasks],
        max_attempts=max_attempts,
        progress=progress,
    )
    frames = [_runs_frame(runs, [limit] * k).with_columns(pl.lit("sectors").alias("stage"))]
    # routes per sector, in full-problem job indices
    per: list[RouteList] = [
        [(ty, [groups[s][j] for j in js]) for ty, js in r.value.routes] for s, r in enumerate(runs)
    ]
    before = _route_cost(problem, [r for rs in per for r in rs])
    cpu = sum(r.cpu_s for r in runs)
    pairs = [(s, (s + 1) % k) for s in range(k)] if k > 2 else ([(0, 1)] if k == 2 else [])
    repairs = attempts = 0
    if pairs and repair_share > 0:
        rounds = [pairs[0::2], pairs[1::2]] if k > 2 else [pairs]
        if k > 2 and k % 2 == 1:  # the last pair wraps onto sector 0: a round of its own
            rounds = [pairs[0 : k - 1 : 2], pairs[1 : k - 1 : 2], [pairs[-1]]]
        rlimit = cpu_budget * repair_share / len(pairs)
        angles = _angles(problem)
        for rnd in (r for r in rounds if r):
            rtasks, chosen = [], []
            for a, b in rnd:
                sel_a, sel_b = _boundary_routes(per[a], per[b], angles, groups[a], groups[b])
                jobs = sorted(j for _, js in (sel_a + sel_b) for j in js)
                if not jobs:
                    continue
                counts = [x + y for x, y in zip(fleet[a], fleet[b], strict=True)]
                for ty, _ in [r for r in per[a] if r not in sel_a] + [
                    r for r in per[b] if r not in sel_b
                ]:
                    counts[ty] -= 1
                sub = subproblem(problem, jobs, counts)
                rtasks.append(RouteTask(f"repair-{a}-{b}", sub, rlimit, seed + 1000 + a, solver))
                chosen.append((a, b, sel_a, sel_b, jobs))
            if not rtasks:
                continue
            rruns = run_partitions(
                solve_partition,
                rtasks,
                names=[t.name for t in rtasks],
                max_attempts=max_attempts,
                progress=progress,
            )
            frames.append(
                _runs_frame(rruns, [rlimit] * len(rruns)).with_columns(
                    pl.lit("repair").alias("stage")
                )
            )
            cpu += sum(r.cpu_s for r in rruns)
            for (a, b, sel_a, sel_b, jobs), rr in zip(chosen, rruns, strict=True):
                attempts += 1
                plan = rr.value
                new = [(ty, [jobs[j] for j in js]) for ty, js in plan.routes]
                old_cost = _route_cost(problem, sel_a + sel_b)
                if plan.unserved_required or not plan.feasible:
                    continue
                if _route_cost(problem, new) < old_cost - 1e-6:
                    repairs += 1
                    keep_a = [r for r in per[a] if r not in sel_a]
                    keep_b = [r for r in per[b] if r not in sel_b]
                    in_a = set(groups[a])
                    for r in new:  # a repaired route joins the sector most of its stops are in
                        (
                            keep_a if sum(j in in_a for j in r[1]) * 2 >= len(r[1]) else keep_b
                        ).append(r)
                    per[a], per[b] = keep_a, keep_b
    routes = [r for rs in per for r in rs]
    rep = check(problem, routes)
    unserved_req = sum(1 for v in rep.violations if v.kind == "unserved")
    return DecomposedPlan(
        routes=routes,
        cost=float(rep.cost),
        distance=int(rep.distance),
        feasible=rep.routes_feasible,
        unserved_required=unserved_req,
        cost_before_repair=before,
        repairs=repairs,
        repair_attempts=attempts,
        partitions=pl.concat(frames, how="diagonal"),
        cpu_budget=cpu_budget,
        cpu_s=cpu,
        seconds=time.perf_counter() - t0,
    )


def _boundary_routes(
    ra: RouteList,
    rb: RouteList,
    angles: npt.NDArray[np.float64],
    ga: Sequence[int],
    gb: Sequence[int],
) -> tuple[RouteList, RouteList]:
    """The half of each sector's routes nearest the boundary between the two sectors."""
    ca = float(_circ_mean(angles[list(ga)]))
    cb = float(_circ_mean(angles[list(gb)]))

    def toward(routes: RouteList, other: float, own: float) -> RouteList:
        def key(r: tuple[int, list[int]]) -> float:
            m = float(_circ_mean(angles[r[1]])) if r[1] else own
            return _circ_dist(m, other) - _circ_dist(m, own)

        ranked = sorted(routes, key=key)
        return ranked[: math.ceil(len(ranked) / 2)]

    return toward(ra, cb, ca), toward(rb, ca, cb)


def _circ_mean(a: npt.NDArray[np.float64]) -> float:
    return float(np.arctan2(np.sin(a).mean(), np.cos(a).mean()) % (2 * math.pi))


def _circ_dist(x: float, y: float) -> float:
    d = abs(x - y) % (2 * math.pi)
    return min(d, 2 * math.pi - d)


# ---- one user problem on the cluster (``yunli optimize --ray``) --------------------------------

#: Jobs per sector when a single-depot problem is decomposed automatically.
SECTOR_JOBS: Final = 2500


@dataclass(frozen=True)
class DepotGroup:
    """The jobs one depot serves and the vehicles per type that start there."""

    name: str
    jobs: list[int]
    counts: list[int]


def depot_groups(problem: Problem) -> list[DepotGroup]:
    """Split a problem by depot (the start site of its vehicle types).

    Each job goes to the depot with the shortest round trip to it among the depots
    that have a vehicle type with the job's skills (any depot when none has); a
    shipment's delivery goes with its pickup. Each group keeps the vehicles of the
    types starting at its depot (the others get 0). Depots with no job are left out.
    A problem with one depot is one group.
    """
    types = problem.vehicle_types
    starts: dict[int, list[int]] = {}
    for t in types:
        starts.setdefault(t.start.index, []).append(t.index)
    depots = list(starts)
    if len(depots) == 1:
        d = depots[0]
        return [
            DepotGroup(
                problem.sites[d].name,
                list(range(problem.num_jobs)),
                [t.num_available for t in types],
            )
        ]
    sites = np.array([j.site.index for j in problem.jobs], dtype=np.int64)
    far = np.iinfo(np.int64).max // 4
    cost = np.empty((len(depots), sites.size), dtype=np.int64)
    for k, d in enumerate(depots):
        at = np.full(sites.size, d, dtype=np.int64)
        there = np.asarray(problem.distance[at, sites], dtype=np.int64)
        back = np.asarray(problem.distance[sites, at], dtype=np.int64)
        cost[k] = there + back
        for j in problem.jobs:
            if j.skills and not any(j.skills <= types[t].skills for t in starts[d]):
                cost[k, j.index] = far
    choice = np.argmin(cost, axis=0)
    for j in problem.jobs:
        if j.pair is not None and j.kind != "shipment_pickup":
            choice[j.index] = choice[j.pair]
    out = []
    for k, d in enumerate(depots):
        jobs = np.flatnonzero(choice == k).tolist()
        if not jobs:
            continue
        here = set(starts[d])
        counts = [t.num_available if t.index in here else 0 for t in types]
        out.append(DepotGroup(problem.sites[d].name or f"depot-{d}", jobs, counts))
    return out


def merged_solution(
    problem: Problem, routes: RouteList, *, runtime: float, status: str, reason: str
) -> Solution:
    """A :class:`~engine.routing.solve.Solution` of the whole problem from routes merged
    from partitions (job indices of ``problem``), checked by the checker as one plan."""
    rep = check(problem, routes)
    arr = problem.to_arrays()
    unserved = []
    for j in rep.dropped:
        job = problem.jobs[j]
        why = (
            f"optional: left out at penalty {job.penalty}"
            if not job.required
            else "not inserted: no feasible place found in its partition within the time limit"
        )
        unserved.append(Unserved(j, job.name, bool(arr["job_required"][j]), why))
    return Solution(
        problem=problem,
        routes=rep.routes,
        unserved=tuple(unserved),
        cost=rep.cost,
        distance=rep.distance,
        duration=rep.duration,
        solver="ray",
        solver_reason=reason,
        runtime=runtime,
        status=status,
        violations=tuple(v for v in rep.violations if v.kind != "unserved"),
    )


@dataclass(frozen=True)
class ClusterPlan:
    """Result of :func:`optimize`: the merged plan, per-partition figures and how the
    problem was split (``"depots"``, ``"sectors"`` or ``"whole"``)."""

    solution: Solution
    partitions: pl.DataFrame
    split: str


def optimize(
    problem: Problem,
    time_limit: float,
    *,
    seed: int = 0,
    solver: str = "auto",
    sectors: int | None = None,
    max_attempts: int = 3,
    progress: Progress | None = None,
) -> ClusterPlan:
    """Plan one problem on the cluster (what ``yunli optimize --ray`` runs).

    * Several depots: one partition per depot (:func:`depot_groups`), each solved
      within ``time_limit`` seconds, merged into one plan.
    * One depot: ``sectors`` partitions (default: one per :data:`SECTOR_JOBS` jobs,
      so a small problem is one partition) — :func:`solve_decomposed` with each
      sector's limit ``time_limit`` and a boundary repair of a third of it per pair.

    The merged plan is checked as a whole by the checker.

    Raises
    ------
    InvalidInputError
        A non-positive time limit or ``sectors``; decomposition of a problem without
        coordinates.
    ClusterUnavailableError, PartitionFailedError
        See :func:`~engine.cluster.runtime.run_partitions`.
    """
    if not time_limit > 0:
        raise InvalidInputError.at("time_limit", f"must be positive, got {time_limit}")
    if sectors is not None and sectors < 1:
        raise InvalidInputError.at("partitions", f"must be >= 1, got {sectors}")
    t0 = time.perf_counter()
    groups = depot_groups(problem)
    if len(groups) > 1 and sectors is not None:
        raise InvalidInputError.at(
            "partitions",
            f"sectors apply to a one-depot problem; this one has {len(groups)} depots with "
            "jobs (one partition each)",
        )
    if len(groups) > 1:
        tasks = [
            RouteTask(g.name, subproblem(problem, g.jobs, g.counts), time_limit, seed, solver)
            for g in groups
        ]
        mp = solve_many(tasks, max_attempts=max_attempts, progress=progress)
        routes = [
            (ty, [g.jobs[j] for j in js]) for g in groups for ty, js in mp.plans[g.name].routes
        ]
        status = "timeout" if any(p.status == "timeout" for p in mp.plans.values()) else "solved"
        sol = merged_solution(
            problem,
            routes,
            runtime=time.perf_counter() - t0,
            status=status,
            reason=f"{len(groups)} depots, one partition each",
        )
        return ClusterPlan(sol, mp.partitions, "depots")
    k = sectors if sectors is not None else max(1, math.ceil(problem.num_jobs / SECTOR_JOBS))
    if k == 1:
        mp = solve_many(
            [RouteTask(groups[0].name, problem, time_limit, seed, solver)],
            max_attempts=max_attempts,
            progress=progress,
        )
        plan = mp.plans[groups[0].name]
        sol = merged_solution(
            problem,
            plan.routes,
            runtime=time.perf_counter() - t0,
            status=plan.status,
            reason="one depot, small enough for one partition",
        )
        return ClusterPlan(sol, mp.partitions, "whole")
    share = 0.25
    d = solve_decomposed(
        problem,
        k,
        time_limit * k / (1 - share),
        repair_share=share,
        seed=seed,
        solver=solver,
        max_attempts=max_attempts,
        progress=progress,
    )
    sol = merged_solution(
        problem,
        d.routes,
        runtime=time.perf_counter() - t0,
        status="timeout",
        reason=f"one depot in {k} sectors + boundary repair ({d.repairs}/{d.repair_attempts} kept)",
    )
    return ClusterPlan(sol, d.partitions, "sectors")
