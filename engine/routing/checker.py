"""One independent solution checker for every routing solver.

:func:`check` re-derives every figure of a solution from the :class:`Problem` and the
routes alone (it never trusts a solver's numbers): load per dimension along each route,
time windows (several per job, with waiting), driver breaks, shift windows, maximum
duration and distance, pickup–delivery pairing, precedence and same-vehicle, skills and
fleet counts, and the objective of ``docs/routing_contract.md``.

Semantics the checker fixes (solvers must produce schedules that satisfy them):

* A route leaves its start depot no earlier than the shift start and reaches the end
  depot no later than the shift end. Service at a job must start inside one of its
  windows; arriving early means waiting.
* Single jobs' deliveries are on board from the start depot; pickups stay on board to
  the end depot; a shipment's amount is on board from its pickup to its delivery. The
  load must stay within capacity in every dimension at every point.
* Each break of a used vehicle is taken once, in its listed order, starting inside its
  window, between the end of one service and the start of the next (at the stop, on the
  road, or on arrival before service), or before returning to the end depot.
* Route duration is end arrival minus departure, with the departure delayed as far as
  possible without delaying the end arrival (waiting at the start is not counted). With
  several windows per job this is exact when the delay does not jump a window and an
  upper bound otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import InvalidInputError
from engine.routing.model import Problem


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``kind`` (e.g. ``capacity``, ``time_window``), the route index
    (``-1`` if none), the job index (``-1`` if none) and a readable message."""

    kind: str
    route: int
    job: int
    message: str


@dataclass(frozen=True, slots=True)
class Route:
    """One vehicle's route with its figures, recomputed from the problem by :func:`check`
    (:class:`~engine.routing.solve.Solution` reports these same objects).

    ``jobs`` are job indices in visit order (``job_names`` their names);
    ``service_starts`` the time service starts at each; ``departure``/``arrival`` at the
    start/end depot; ``peak_load`` the highest load per dimension; ``cost`` fixed +
    distance + time cost.
    """

    vehicle_type: int
    vehicle_type_name: str
    jobs: tuple[int, ...]
    job_names: tuple[str, ...]
    distance: int
    duration: int
    departure: int
    arrival: int
    service_starts: tuple[int, ...]
    peak_load: tuple[int, ...]
    cost: float


#: The former name of :class:`Route` (one type since issue 16).
RouteReport = Route


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Result of :func:`check`.

    Attributes
    ----------
    violations
        Every broken rule found (empty when the solution is feasible).
    cost
        The objective: route costs plus the penalties of dropped optional jobs.
    distance, duration
        Totals over routes.
    routes
        Per-route figures.
    dropped
        Jobs on no route (optional and required alike).
    """

    violations: tuple[Violation, ...]
    cost: float
    distance: int
    duration: int
    routes: tuple[Route, ...]
    dropped: tuple[int, ...]

    @property
    def feasible(self) -> bool:
        """True when no rule is broken and every required job is served."""
        return not self.violations

    @property
    def routes_feasible(self) -> bool:
        """True when every route is feasible (required jobs may still be unserved)."""
        return all(v.kind == "unserved" for v in self.violations)

    @property
    def num_vehicles(self) -> int:
        """Number of non-empty routes."""
        return len(self.routes)

    def summary(self) -> str:
        """One line: feasibility, cost, vehicles, violations by kind."""
        kinds: dict[str, int] = {}
        for v in self.violations:
            kinds[v.kind] = kinds.get(v.kind, 0) + 1
        state = "feasible" if self.feasible else f"INFEASIBLE {kinds}"
        return f"{state}; cost {self.cost:.2f}; {self.num_vehicles} vehicles"


def _next_start(windows: Sequence[tuple[int, int]], t: int) -> int | None:
    """Earliest service start >= t inside a window, or None."""
    for a, b in windows:
        if t <= b:
            return max(t, a)
    return None


def _gap(t: int, travel: int, brks: Sequence[tuple[int, int, int]]) -> int | None:
    """Arrival after leaving at ``t`` with ``travel`` to drive, taking ``brks`` on the way.

    Driving before a break's window opens is always at least as good as idling, so the
    driver drives until the break starts (or arrives and waits).
    """
    rem = travel
    for ws, we, du in brks:
        start = max(t, ws)
        if start > we:
            return None
        rem -= min(rem, start - t)
        t = start + du
    return t + rem


class _Route:
    """Earliest-time schedule of one route, breaks placed by dynamic programming."""

    def __init__(self, problem: Problem, k: int, seq: Sequence[int]) -> None:
        arr = problem.to_arrays()
        self.seq = list(seq)
        self.loc = [int(arr["type_start"][k])] + [int(arr["job_location"][j]) for j in seq]
        self.loc.append(int(arr["type_end"][k]))
        tt = problem.travel(k)
        # One vectorized read per route (a matrix-free problem computes the legs).
        self.travel = [int(x) for x in tt[self.loc[:-1], self.loc[1:]]]
        self.service = [int(arr["job_service"][j]) for j in seq]
        self.windows = [problem.jobs[j].time_windows for j in seq]
        vt = problem.vehicle_types[k]
        self.brks = [(b.window_start, b.window_end, b.duration) for b in vt.breaks]
        self.shift = vt.shift

    def run(self, depart: int) -> tuple[int | None, list[int], list[tuple[int, str]]]:
        """Schedule leaving at ``depart``: (end arrival or None, service starts, problems).

        When no schedule meets a stop's windows, the problem is recorded and the schedule
        continues with service starting on arrival, so later stops are still checked.
        """
        nb = len(self.brks)
        inf = None
        states: list[int | None] = [depart] + [inf] * nb
        starts: list[int] = []
        issues: list[tuple[int, str]] = []
        for i, tr in enumerate(self.travel):
            last = i == len(self.travel) - 1
            new: list[int | None] = [inf] * (nb + 1)
            arrivals: list[int] = []
            for b, t in enumerate(states):
                if t is None:
                    continue
                for m in range(b, nb + 1):
                    if last and m != nb:
                        continue
                    arr_t = _gap(t, tr, self.brks[b:m])
                    if arr_t is None:
                        break  # taking even more breaks in this gap cannot help
                    arrivals.append(arr_t)
                    if last:
                        val: int | None = arr_t
                    else:
                        s = _next_start(self.windows[i], arr_t)
                        val = None if s is None else s + self.service[i]
                    if val is not None and (new[m] is None or val < new[m]):  # type: ignore[operator]
                        new[m] = val
            if all(v is None for v in new):
                if last:
                    if not arrivals:
                        issues.append((-1, "break"))
                        return None, starts, issues
                    return min(arrivals), starts, issues
                if arrivals:
                    issues.append((i, "time_window"))
                    a = min(arrivals)
                else:
                    issues.append((i, "break"))
                    a = (states[0] or 0) + tr
                # continue as if served on arrival (with the breaks taken so far)
                best_b = max((b for b, t in enumerate(states) if t is not None), default=0)
                new = [inf] * (nb + 1)
                new[best_b] = a + self.service[i]
                starts.append(a)
            elif last:
                return new[nb], starts, issues
            else:
                starts.append(min(v for v in new if v is not None) - self.service[i])
            states = new
        # unreachable: the loop returns at the last leg
        raise AssertionError("route schedule ended without the end leg")

    def best(self) -> tuple[int, int, list[int], list[tuple[int, str]]]:
        """(departure, end arrival, service starts, problems), departure delayed as far as
        possible without delaying the end arrival."""
        d0 = self.shift[0]
        end0, starts0, issues0 = self.run(d0)
        if end0 is None or issues0:
            return d0, end0 if end0 is not None else d0, starts0, issues0
        busy = sum(self.travel) + sum(self.service) + sum(b[2] for b in self.brks)
        lo, hi = 0, max(0, end0 - d0 - busy)
        while lo < hi:  # largest delay keeping the same end arrival
            mid = (lo + hi + 1) // 2
            e, _, iss = self.run(d0 + mid)
            if e is not None and not iss and e == end0:
                lo = mid
            else:
                hi = mid - 1
        if lo:
            end1, starts1, _ = self.run(d0 + lo)
            return d0 + lo, end0 if end1 is None else end1, starts1, []
        return d0, end0, starts0, issues0


def route_schedule(problem: Problem, k: int, jobs: Sequence[int]) -> tuple[int, int, list[int]]:
    """Departure, end arrival and service start times of a route of vehicle type ``k``.

    Returns
    -------
    tuple
        ``(departure, arrival, service_starts)`` as the checker computes them.
    """
    d, e, s, _ = _Route(problem, k, jobs).best()
    return d, e, s


def check(
    problem: Problem,
    routes: Sequence[tuple[int, Sequence[int]]],
) -> CheckReport:
    """Check a solution against every rule of the problem and recompute its cost.

    Parameters
    ----------
    problem
        The problem the solution claims to solve.
    routes
        ``(vehicle_type, [job indices in visit order])`` per vehicle; empty routes are
        ignored. Jobs on no route are dropped.

    Returns
    -------
    CheckReport
        Violations, recomputed cost and per-route figures.

    Raises
    ------
    InvalidInputError
        A vehicle type or job index out of range (field ``routes``).
    """
    arr = problem.to_arrays()
    nj, nk = problem.num_jobs, len(problem.vehicle_types)
    dist = problem.distance
    deliv, pick = arr["job_delivery"], arr["job_pickup"]
    pair = arr["pair_of"]
    viol: list[Violation] = []
    reports: list[Route] = []
    seen = np.full(nj, -1, dtype=np.int64)
    pos = np.full(nj, -1, dtype=np.int64)
    used = [0] * nk
    for r, (k, seq) in enumerate(routes):
        k = int(k)
        if not 0 <= k < nk:
            raise InvalidInputError.at("routes", f"route {r}: unknown vehicle type {k}")
        seq = [int(j) for j in seq]
        if not seq:
            continue
        ri = len(reports)
        for p, j in enumerate(seq):
            if not 0 <= j < nj:
                raise InvalidInputError.at("routes", f"route {r}: unknown job index {j}")
            if seen[j] >= 0:
                viol.append(Violation("duplicate", ri, j, f"job {j} is visited more than once"))
            seen[j], pos[j] = ri, p
        used[k] += 1
        vt = problem.vehicle_types[k]
        tmask = int(arr["type_skills"][k])
        for j in seq:
            if int(arr["job_skills"][j]) & ~tmask:
                viol.append(
                    Violation("skills", ri, j, f"job {j} needs skills the vehicle type lacks")
                )
        # load along the route
        cap = arr["type_capacity"][k]
        single = np.array([pair[j] < 0 for j in seq])
        load = deliv[seq][single].sum(axis=0) if single.any() else np.zeros_like(cap)
        peak = load.copy()
        if np.any(load > cap):
            viol.append(Violation("capacity", ri, -1, f"start load {load.tolist()} > {cap}"))
        for j in seq:
            load = load - deliv[j] + pick[j]
            peak = np.maximum(peak, load)
            if np.any(load > cap) or np.any(load < 0):
                viol.append(
                    Violation("capacity", ri, j, f"load {load.tolist()} after job {j} vs {cap}")
                )
        # distance and time
        locs = [int(vt.start.index)] + [int(arr["job_location"][j]) for j in seq]
        locs.append(int(vt.end.index))
        d = int(dist[locs[:-1], locs[1:]].sum())
        rt = _Route(problem, k, seq)
        dep, end, starts, issues = rt.best()
        for i, kind in issues:
            j = seq[i] if i >= 0 else -1
            what = "no service start in its windows" if kind == "time_window" else "break"
            viol.append(Violation(kind, ri, j, f"job {j}: {what}" if j >= 0 else "break"))
        if end > vt.shift[1]:
            viol.append(Violation("shift", ri, -1, f"returns at {end} after shift end"))
        dur = end - dep
        if dur > vt.max_duration:
            viol.append(Violation("max_duration", ri, -1, f"duration {dur} > {vt.max_duration}"))
        if d > vt.max_distance:
            viol.append(Violation("max_distance", ri, -1, f"distance {d} > {vt.max_distance}"))
        cost = vt.fixed_cost + vt.cost_per_km * d / 1000 + vt.cost_per_hour * dur / 3600
        reports.append(
            Route(
                vehicle_type=k,
                vehicle_type_name=vt.name,
                jobs=tuple(seq),
                job_names=tuple(problem.jobs[j].name for j in seq),
                distance=d,
                duration=dur,
                departure=dep,
                arrival=end,
                service_starts=tuple(starts),
                peak_load=tuple(peak.tolist()),
                cost=cost,
            )
        )
    for k in range(nk):
        if used[k] > int(arr["type_count"][k]):
            viol.append(
                Violation("fleet", -1, -1, f"type {k}: {used[k]} routes > {arr['type_count'][k]}")
            )
    for j in range(nj):
        q = int(pair[j])
        if q >= 0 and arr["is_pickup"][j]:
            if (seen[j] >= 0) != (seen[q] >= 0):
                viol.append(Violation("pairing", -1, j, f"shipment {j}->{q} served only in part"))
            elif seen[j] >= 0 and seen[j] != seen[q]:
                viol.append(Violation("pairing", int(seen[j]), j, f"{j}->{q} on two vehicles"))
            elif seen[j] >= 0 and pos[j] > pos[q]:
                viol.append(
                    Violation("precedence", int(seen[j]), j, f"delivery {q} before pickup {j}")
                )
    dropped = tuple(int(j) for j in np.flatnonzero(seen < 0))
    penalty = 0
    for j in dropped:
        if arr["job_required"][j]:
            viol.append(Violation("unserved", -1, j, f"required job {j} is not served"))
        else:
            penalty += int(arr["job_penalty"][j])
    return CheckReport(
        violations=tuple(viol),
        cost=sum(r.cost for r in reports) + penalty,
        distance=sum(r.distance for r in reports),
        duration=sum(r.duration for r in reports),
        routes=tuple(reports),
        dropped=dropped,
    )
