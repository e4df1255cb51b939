"""The OR-Tools routing solver: every feature of the problem model, the reference for breadth.

:func:`solve_ortools` maps a :class:`~engine.routing.model.Problem` onto OR-Tools'
``RoutingModel``:

* one OR-Tools node per job plus one per depot location; vehicles expanded from types;
* arc costs ``cost_per_km * distance / 1000`` per vehicle type, ``cost_per_hour`` as a span
  cost on the time dimension, fixed costs per vehicle; all costs multiplied by one integer
  scale so they are exact;
* a time dimension per speed profile (transit = service at the origin + travel), windows
  (several per job, gaps removed from the cumul domain), shift windows, maximum duration
  as a span bound, breaks as interval variables taken only by used vehicles within their
  route; a distance dimension when some type has a maximum distance;
* one load dimension per capacity dimension; when single deliveries (on board from the
  start) meet pickups on one route the start load is tied to the route's delivered total;
* pickup–delivery pairs (same vehicle, pickup first), skills as allowed vehicles,
  optional jobs as disjunctions with their penalty.

In ``robust`` mode (the default) required jobs also get a disjunction, with a penalty
above any insertion cost, so a solution always exists and the search returns its best so
far when time runs out; a job it could not insert is reported, not fatal. The first
solution comes from parallel cheapest insertion, which finds complete solutions on every
standard instance (path-cheapest-arc, OR-Tools' usual choice, finds none on Solomon R101
and RC101 within 10 s), and guided local search improves it.

``plain`` mode is OR-Tools as documented (path cheapest arc, guided local search, hard
visits for required jobs): the peer harness's baseline.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from engine.errors import InvalidInputError
from engine.routing.model import UNLIMITED, Problem

FIRST_SOLUTION = routing_enums_pb2.FirstSolutionStrategy
METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic

#: Above this many jobs the quadratic-time parallel cheapest insertion gives way to
#: local cheapest insertion (one pass over the jobs) so large problems start quickly.
LARGE_PROBLEM_JOBS = 600


@dataclass(frozen=True, slots=True)
class OrtoolsResult:
    """Raw answer of :func:`solve_ortools`.

    Attributes
    ----------
    routes
        ``(vehicle_type, [job indices])`` for every non-empty route.
    dropped
        Jobs on no route (among those given to the solver).
    objective
        OR-Tools' objective divided by the cost scale (``nan`` without a solution).
    status
        ``"solved"``, ``"timeout"`` (best-so-far at the limit) or ``"no_solution"``.
    solutions
        Number of improving solutions seen.
    """

    routes: tuple[tuple[int, tuple[int, ...]], ...]
    dropped: tuple[int, ...]
    objective: float
    status: str
    solutions: int


def _cost_scale(problem: Problem) -> int:
    """Smallest integer S making every per-km and per-hour cost an integer per unit."""
    s = 1
    for t in problem.vehicle_types:
        s = math.lcm(s, 1000 // math.gcd(1000, t.cost_per_km))
        if t.cost_per_hour:
            s = math.lcm(s, 3600 // math.gcd(3600, t.cost_per_hour))
    return s


def _is_plain_cvrp(problem: Problem, active: Sequence[int]) -> bool:
    """No windows, shifts, pairs or breaks: savings builds better starts than insertion."""
    if any(t.breaks or t.shift != (0, UNLIMITED) for t in problem.vehicle_types):
        return False
    return all(
        problem.jobs[j].pair is None and problem.jobs[j].time_windows == ((0, UNLIMITED),)
        for j in active
    )


def _strategy(name: str) -> int:
    try:
        return int(getattr(FIRST_SOLUTION, name))
    except AttributeError:
        raise InvalidInputError.at("first_solution", f"unknown strategy {name!r}") from None


def greedy_routes(
    problem: Problem, active: Sequence[int], vtypes: Sequence[int]
) -> list[list[int]] | None:
    """Time-window-aware nearest-neighbour routes, vectorized over the candidates.

    Vehicles are filled one after another (in the order of ``vtypes``): each route
    repeatedly appends the job reachable soonest (travel plus waiting) among those that
    keep capacity in every dimension, meet a window, and let the vehicle return within
    its shift, duration and distance limits. Jobs that fit nowhere are left out (the
    search then inserts them). Linear work per appended job, so it starts large
    problems in seconds where OR-Tools' insertion heuristics take minutes.

    Returns
    -------
    list or None
        Job lists per vehicle, or None for problems with shipments or breaks.
    """
    if any(problem.jobs[j].pair is not None for j in active) or any(
        problem.vehicle_types[k].breaks for k in vtypes
    ):
        return None
    arr = problem.to_arrays()
    act = np.asarray(active, dtype=np.int64)
    n = len(act)
    loc = arr["job_location"][act]
    svc = arr["job_service"][act]
    nw = max(len(problem.jobs[j].time_windows) for j in active)
    ws = np.full((n, nw), np.iinfo(np.int64).max // 4, dtype=np.int64)
    we = np.full((n, nw), -1, dtype=np.int64)
    for i, j in enumerate(active):
        for w, (a, b) in enumerate(problem.jobs[j].time_windows):
            ws[i, w], we[i, w] = a, b
    deliv = arr["job_delivery"][act]
    pick = arr["job_pickup"][act]
    skills = arr["job_skills"][act]
    free = np.ones(n, dtype=bool)
    out: list[list[int]] = [[] for _ in vtypes]
    big = np.iinfo(np.int64).max // 4
    for v, k in enumerate(vtypes):
        if not free.any():
            break
        t_ = problem.vehicle_types[k]
        tt = problem.durations[int(arr["type_profile"][k])]
        ok_skill = (skills & ~np.uint64(arr["type_skills"][k])) == 0
        cap = arr["type_capacity"][k]
        back_t = tt[loc, t_.end.index]
        back_d = problem.distance[loc, t_.end.index]
        cur, clock, dist = t_.start.index, t_.shift[0], 0
        total = np.zeros_like(cap)
        rel_last = np.zeros_like(cap)
        peak_rel = np.zeros_like(cap)
        depart = t_.shift[0]
        while True:
            arrive = clock + tt[cur, loc]
            st = np.where(arrive[:, None] <= we, np.maximum(arrive[:, None], ws), big).min(axis=1)
            new_rel = rel_last[None, :] - deliv + pick
            load_ok = (total[None, :] + deliv + np.maximum(peak_rel[None, :], new_rel) <= cap).all(
                axis=1
            )
            fin = st + svc + back_t
            ok = (
                free
                & ok_skill
                & load_ok
                & (st < big)
                & (fin <= t_.shift[1])
                & (fin - depart <= t_.max_duration)
                & (dist + problem.distance[cur, loc] + back_d <= t_.max_distance)
            )
            if not ok.any():
                break
            score = np.where(ok, st - clock, big)
            c = int(np.argmin(score))
            if not out[v]:
                depart = max(depart, int(st[c]) - int(tt[cur, loc[c]]))
            out[v].append(int(act[c]))
            free[c] = False
            dist += int(problem.distance[cur, loc[c]])
            clock = int(st[c] + svc[c])
            cur = int(loc[c])
            total = total + deliv[c]
            rel_last = new_rel[c]
            peak_rel = np.maximum(peak_rel, rel_last)
    return out


def solve_ortools(
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 0,
    exclude: Collection[int] = (),
    plain: bool = False,
    first_solution: str | None = None,
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    max_vehicles_per_type: int | None = None,
    initial_routes: Sequence[tuple[int, Sequence[int]]] | None = None,
    on_solution: Callable[[float, float], None] | None = None,
    log_search: bool = False,
    solution_limit: int | None = None,
) -> OrtoolsResult:
    """Solve ``problem`` with OR-Tools within ``time_limit`` seconds of wall-clock time.

    Parameters
    ----------
    problem
        The problem.
    time_limit
        Wall-clock seconds for the whole call, model building included.
    seed
        Seeds OR-Tools' random generator (used by its randomized operators); the default
        search is deterministic for a given time budget.
    exclude
        Job indices to leave out (for example those no vehicle can serve).
    plain
        OR-Tools as documented: path cheapest arc, guided local search, required jobs
        as hard visits. For the benchmark baseline.
    first_solution
        Name of a ``FirstSolutionStrategy`` (default: parallel cheapest insertion, or
        local cheapest insertion above :data:`LARGE_PROBLEM_JOBS` jobs).
    metaheuristic
        Name of a ``LocalSearchMetaheuristic``.
    max_vehicles_per_type
        Cap on the vehicles instantiated per type (default: as many as there are jobs).
    initial_routes
        A warm start: ``(vehicle_type, [jobs])`` routes (jobs not given are inserted).
    on_solution
        Called as ``on_solution(elapsed_seconds, objective)`` on every improvement.
    log_search
        Print OR-Tools' search log.
    solution_limit
        A search budget in solutions (every solution the search accepts counts): the
        search stops after that many, so a run is reproducible for a seed whenever the
        budget, not ``time_limit``, ends it (its large-neighbourhood steps then run to
        completion instead of being cut after 100 ms). ``None``: only the time limit.

    Returns
    -------
    OrtoolsResult
        Routes, dropped jobs, objective and status.

    Raises
    ------
    InvalidInputError
        Unknown strategy names, a non-positive time limit or solution limit.
    """
    t0 = time.monotonic()
    if not time_limit > 0:
        raise InvalidInputError.at("time_limit", f"must be positive, got {time_limit}")
    if solution_limit is not None and solution_limit < 1:
        raise InvalidInputError.at("solution_limit", f"must be >= 1, got {solution_limit}")
    arr = problem.to_arrays()
    excl = set(int(j) for j in exclude)
    active = [j for j in range(problem.num_jobs) if j not in excl]
    if not active:
        return OrtoolsResult((), (), 0.0, "solved", 0)
    na = len(active)

    # ---- vehicles and nodes ----
    vtypes: list[int] = []
    cap_v = na if max_vehicles_per_type is None else max_vehicles_per_type
    for t in problem.vehicle_types:
        vtypes += [t.index] * min(t.num_available, max(cap_v, 1))
    nv = len(vtypes)
    depot_locs = sorted(
        {int(arr["type_start"][k]) for k in vtypes} | {int(arr["type_end"][k]) for k in vtypes}
    )
    depot_node = {loc: na + i for i, loc in enumerate(depot_locs)}
    node_loc = np.array([int(arr["job_location"][j]) for j in active] + depot_locs, dtype=np.int64)
    nn = len(node_loc)
    starts = [depot_node[int(arr["type_start"][k])] for k in vtypes]
    ends = [depot_node[int(arr["type_end"][k])] for k in vtypes]
    manager = pywrapcp.RoutingIndexManager(nn, nv, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    solver.ReSeed(int(seed) & 0x7FFFFFFF)
    node_of_job = {j: i for i, j in enumerate(active)}

    ix = np.ix_(node_loc, node_loc)
    dist_n = np.ascontiguousarray(problem.distance[ix])
    service_n = np.zeros(nn, dtype=np.int64)
    service_n[:na] = arr["job_service"][active]

    # ---- costs ----
    scale = _cost_scale(problem)
    cost_cb: dict[int, int] = {}
    max_arc = int(dist_n.max()) if dist_n.size else 0
    for v, k in enumerate(vtypes):
        t = problem.vehicle_types[k]
        a = t.cost_per_km * scale // 1000
        if a not in cost_cb:
            cost_cb[a] = routing.RegisterTransitMatrix((dist_n * a).tolist())
        routing.SetArcCostEvaluatorOfVehicle(cost_cb[a], v)
        if t.fixed_cost:
            routing.SetFixedCostOfVehicle(t.fixed_cost * scale, v)

    # ---- time ----
    profiles = sorted({int(arr["type_profile"][k]) for k in vtypes})
    time_cb: dict[int, int] = {}
    max_travel = 0
    for p in profiles:
        tr = np.ascontiguousarray(problem.durations[p][ix]) + service_n[:, None]
        max_travel = max(max_travel, int(tr.max()))
        time_cb[p] = routing.RegisterTransitMatrix(tr.tolist())
    horizon = int(UNLIMITED)
    routing.AddDimensionWithVehicleTransits(
        [time_cb[int(arr["type_profile"][k])] for k in vtypes], horizon, horizon, False, "time"
    )
    time_dim = routing.GetDimensionOrDie("time")
    for i, j in enumerate(active):
        tws = problem.jobs[j].time_windows
        cv = time_dim.CumulVar(manager.NodeToIndex(i))
        cv.SetRange(tws[0][0], tws[-1][1])
        for (_, b), (a2, _) in itertools.pairwise(tws):
            cv.RemoveInterval(b + 1, a2 - 1)
    for v, k in enumerate(vtypes):
        t = problem.vehicle_types[k]
        time_dim.CumulVar(routing.Start(v)).SetRange(t.shift[0], t.shift[1])
        time_dim.CumulVar(routing.End(v)).SetRange(t.shift[0], t.shift[1])
        if t.max_duration < UNLIMITED:
            time_dim.SetSpanUpperBoundForVehicle(t.max_duration, v)
        if t.cost_per_hour:
            time_dim.SetSpanCostCoefficientForVehicle(t.cost_per_hour * scale // 3600, v)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    # ---- breaks ----
    if any(problem.vehicle_types[k].breaks for k in vtypes):
        visit = [0] * routing.Size()
        for idx in range(routing.Size()):
            if not routing.IsStart(idx):
                visit[idx] = int(service_n[manager.IndexToNode(idx)])
        for v, k in enumerate(vtypes):
            brs = problem.vehicle_types[k].breaks
            if not brs:
                continue
            ivs = []
            active_v = routing.ActiveVehicleVar(v)
            prev = None
            for bi, brk in enumerate(brs):
                iv = solver.FixedDurationIntervalVar(
                    brk.window_start, brk.window_end, brk.duration, True, f"break_{v}_{bi}"
                )
                solver.Add(iv.PerformedExpr() == active_v)
                solver.Add(iv.SafeStartExpr(horizon) >= time_dim.CumulVar(routing.Start(v)))
                solver.Add(iv.SafeEndExpr(0) <= time_dim.CumulVar(routing.End(v)))
                if prev is not None:
                    solver.Add(iv.SafeStartExpr(horizon) >= prev.SafeEndExpr(0))
                prev = iv
                ivs.append(iv)
            time_dim.SetBreakIntervalsOfVehicle(ivs, v, visit)

    # ---- distance limit ----
    if any(problem.vehicle_types[k].max_distance < UNLIMITED for k in vtypes):
        dcb = routing.RegisterTransitMatrix(dist_n.tolist())
        routing.AddDimensionWithVehicleCapacity(
            dcb,
            0,
            [int(min(problem.vehicle_types[k].max_distance, horizon)) for k in vtypes],
            True,
            "distance",
        )

    # ---- loads ----
    pair = arr["pair_of"]
    deliv, pick = arr["job_delivery"], arr["job_pickup"]
    single = np.array([pair[j] < 0 for j in active])
    for d, dname in enumerate(problem.dimensions):
        caps = [int(arr["type_capacity"][k][d]) for k in vtypes]
        del_single = np.where(single, deliv[active, d], 0).astype(np.int64)
        del_pair = np.where(single, 0, deliv[active, d]).astype(np.int64)
        pk = pick[active, d].astype(np.int64)
        if not del_single.any() and not pk.any():
            continue
        pad = [0] * (nn - na)
        if not pk.any():
            cb = routing.RegisterUnaryTransitVector(del_single.tolist() + pad)
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load_{dname}")
        elif not del_single.any():
            cb = routing.RegisterUnaryTransitVector((pk - del_pair).tolist() + pad)
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load_{dname}")
        else:
            cb = routing.RegisterUnaryTransitVector((pk - del_pair - del_single).tolist() + pad)
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, False, f"load_{dname}")
            cb2 = routing.RegisterUnaryTransitVector(del_single.tolist() + pad)
            routing.AddDimensionWithVehicleCapacity(cb2, 0, caps, True, f"startload_{dname}")
            ld = routing.GetDimensionOrDie(f"load_{dname}")
            sd = routing.GetDimensionOrDie(f"startload_{dname}")
            for v in range(nv):
                solver.Add(ld.CumulVar(routing.Start(v)) == sd.CumulVar(routing.End(v)))

    # ---- pairs, skills, disjunctions ----
    for j in active:
        q = int(pair[j])
        if q >= 0 and arr["is_pickup"][j] and q in node_of_job:
            pi = manager.NodeToIndex(node_of_job[j])
            di = manager.NodeToIndex(node_of_job[q])
            routing.AddPickupAndDelivery(pi, di)
            solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
            solver.Add(time_dim.CumulVar(pi) <= time_dim.CumulVar(di))
    tmask = [int(arr["type_skills"][k]) for k in vtypes]
    for j in active:
        m = int(arr["job_skills"][j])
        if m:
            forbidden = [v for v in range(nv) if m & ~tmask[v]]
            if forbidden:
                routing.VehicleVar(manager.NodeToIndex(node_of_job[j])).RemoveValues(forbidden)
    max_fixed = max((problem.vehicle_types[k].fixed_cost for k in vtypes), default=0)
    max_cph = max((problem.vehicle_types[k].cost_per_hour for k in vtypes), default=0)
    max_a = max(cost_cb)
    big = 10 * (
        max_fixed * scale
        + 4 * max_arc * max_a
        + max_cph * scale * 4 * max(max_travel, 1)
        + int(arr["job_penalty"].max(initial=0)) * scale
        + 1
    )
    big = min(big, (2**62) // (na + 1))
    for j in active:
        idx = manager.NodeToIndex(node_of_job[j])
        if not arr["job_required"][j]:
            routing.AddDisjunction([idx], int(arr["job_penalty"][j]) * scale)
        elif not plain:
            routing.AddDisjunction([idx], big)

    # ---- search ----
    params = pywrapcp.DefaultRoutingSearchParameters()
    if plain:
        fs = "PATH_CHEAPEST_ARC"
    elif first_solution is not None:
        fs = first_solution
    elif _is_plain_cvrp(problem, active):
        fs = "SAVINGS"
    elif na <= LARGE_PROBLEM_JOBS:
        fs = "PARALLEL_CHEAPEST_INSERTION"
    else:
        fs = "LOCAL_CHEAPEST_INSERTION"
    params.first_solution_strategy = _strategy(fs)
    if metaheuristic == "ITERATED_LOCAL_SEARCH":
        params.use_iterated_local_search = True
        params.local_search_metaheuristic = METAHEURISTIC.GREEDY_DESCENT
        rr = params.iterated_local_search_parameters.ruin_recreate_parameters
        sisr = rr.ruin_strategies.add().sisr
        sisr.max_removed_sequence_size = 10
        sisr.avg_num_removed_visits = 10
        sisr.bypass_factor = 0.01
    else:
        try:
            params.local_search_metaheuristic = int(getattr(METAHEURISTIC, metaheuristic))
        except AttributeError:
            raise InvalidInputError.at("metaheuristic", f"unknown {metaheuristic!r}") from None
    params.log_search = log_search
    if solution_limit is not None:
        params.solution_limit = int(solution_limit)
        # OR-Tools bounds each large-neighbourhood completion by wall-clock time (100 ms by
        # default), which makes a budgeted run depend on the machine's load: let each
        # completion finish (the whole call keeps its time limit).
        params.lns_time_limit.FromMilliseconds(int(time_limit * 1000))

    n_sol = 0
    best = math.inf

    def _cb() -> None:
        nonlocal n_sol, best
        n_sol += 1
        obj = routing.CostVar().Max() / scale
        if obj < best:
            best = obj
            if on_solution is not None:
                on_solution(time.monotonic() - t0, obj)

    routing.AddAtSolutionCallback(_cb)
    start_routes: list[list[int]] | None = None
    if initial_routes:
        start_routes = [[] for _ in range(nv)]
        free = list(range(nv))
        for k, jobs in initial_routes:
            veh = next((u for u in free if vtypes[u] == k), None)
            if veh is None:
                continue
            free.remove(veh)
            start_routes[veh] = [j for j in jobs if j in node_of_job]
    elif not plain and first_solution is None and na > LARGE_PROBLEM_JOBS:
        start_routes = greedy_routes(problem, active, vtypes)

    # the search gets what model building left of the limit, less a reserve for reading
    # and checking the answer and for the search's own overshoot on large problems
    reserve = 0.05 + 0.001 * na

    def set_deadline() -> None:
        remaining = max(0.05, time_limit - (time.monotonic() - t0) - reserve)
        params.time_limit.FromMilliseconds(int(remaining * 1000))

    if start_routes is not None:
        per_v = [[manager.NodeToIndex(node_of_job[j]) for j in r] for r in start_routes]
        set_deadline()
        routing.CloseModelWithParameters(params)
        init = routing.ReadAssignmentFromRoutes(per_v, True)
        set_deadline()
        sol = routing.SolveFromAssignmentWithParameters(init, params) if init else None
        if sol is None and init is not None:
            sol = init  # no improvement in time: the warm start is the best so far
        if sol is None:
            set_deadline()
            sol = routing.SolveWithParameters(params)
    else:
        set_deadline()
        sol = routing.SolveWithParameters(params)
    if sol is None:
        return OrtoolsResult((), tuple(active), math.nan, "no_solution", n_sol)
    routes: list[tuple[int, tuple[int, ...]]] = []
    served: set[int] = set()
    for v in range(nv):
        idx = routing.Start(v)
        seq = []
        idx = sol.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            j = active[manager.IndexToNode(idx)]
            seq.append(j)
            idx = sol.Value(routing.NextVar(idx))
        if seq:
            routes.append((vtypes[v], tuple(seq)))
            served.update(seq)
    dropped = tuple(j for j in active if j not in served)
    status = "timeout" if time.monotonic() - t0 >= 0.95 * (time_limit - reserve) else "solved"
    return OrtoolsResult(tuple(routes), dropped, sol.ObjectiveValue() / scale, status, n_sol)
