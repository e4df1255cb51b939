"""``solve(problem)``: pick a solver, set aside jobs no vehicle can serve, check the answer.

The Rust search core (:mod:`engine.routing.core`, issue 5) is used for the problems it
covers when it is built in; OR-Tools (:mod:`engine.routing.ortools_solver`) covers the
rest and is the fallback. Every answer is re-derived by the one checker
(:mod:`engine.routing.checker`), whose figures the :class:`Solution` reports.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from engine.errors import InvalidInputError
from engine.routing.checker import CheckReport, Route, Violation, check
from engine.routing.core import MAX_TIME_LIMIT_S, check_threads
from engine.routing.model import Problem

SOLVERS: Final = ("auto", "ortools", "core", "best")

Progress = Callable[[float, float], None]


@dataclass(frozen=True, slots=True)
class Unserved:
    """A job left out of the plan, and why.

    ``reason`` starts with ``unservable:`` when no vehicle type could serve the job on
    its own (too heavy, missing skill, window unreachable…), ``optional:`` when leaving
    it out was cheaper than its penalty, and ``not inserted:`` when the search found no
    place for it within the time limit.
    """

    job: int
    name: str
    required: bool
    reason: str


@dataclass(frozen=True)
class Solution:
    """Result of :func:`solve`.

    Attributes
    ----------
    problem
        The problem solved.
    routes
        Non-empty routes.
    unserved
        Jobs on no route, each with its reason.
    cost
        Objective recomputed by the checker: route costs plus penalties of dropped
        optional jobs (unserved required jobs carry no cost; see ``complete``).
    solver
        ``"ortools"`` or ``"core"``: which solver produced the routes.
    solver_reason
        Why that solver was chosen.
    runtime
        Wall-clock seconds of the whole call.
    status
        The solver's status (``"solved"``, ``"timeout"``: best so far at the limit,
        ``"no_solution"``, ``"interrupted"``: stopped by Ctrl-C or SIGTERM, best so far).

    violations
        Route rules broken (empty for every solution Yunli returns unless a solver errs).
    """

    problem: Problem
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    cost: float
    distance: int
    duration: int
    solver: str
    solver_reason: str
    runtime: float
    status: str
    violations: tuple[Violation, ...]

    @property
    def num_vehicles(self) -> int:
        """Number of routes."""
        return len(self.routes)

    @property
    def feasible(self) -> bool:
        """Every route satisfies every rule (unserved jobs aside)."""
        return not self.violations

    @property
    def complete(self) -> bool:
        """Feasible and every required job served."""
        return self.feasible and not any(u.required for u in self.unserved)

    def route_jobs(self) -> list[tuple[int, list[int]]]:
        """Routes as ``(vehicle_type, [job indices])`` (the checker's input)."""
        return [(r.vehicle_type, list(r.jobs)) for r in self.routes]

    def summary(self) -> str:
        """A one-line summary: cost, vehicles, distance, unserved jobs, solver and time."""
        req = sum(u.required for u in self.unserved)
        state = "feasible" if self.feasible else f"INFEASIBLE ({len(self.violations)} violations)"
        return (
            f"{state}: cost {self.cost:,.2f}, {self.num_vehicles} vehicles, "
            f"distance {self.distance:,}, {len(self.problem.jobs) - len(self.unserved)}/"
            f"{len(self.problem.jobs)} jobs served ({req} required unserved), "
            f"solver {self.solver}, {self.runtime:.1f} s [{self.status}]"
        )

    def to_polars(self) -> Any:
        """One row per visit: route, vehicle type, position, job, site, service start.

        Unserved jobs follow with a null route and their reason.

        Returns
        -------
        polars.DataFrame
        """
        import polars as pl

        rows: list[dict[str, Any]] = []
        jobs = self.problem.jobs
        for ri, r in enumerate(self.routes):
            for pos, (j, s) in enumerate(zip(r.jobs, r.service_starts, strict=False)):
                rows.append(
                    {
                        "route": ri,
                        "vehicle_type": r.vehicle_type_name,
                        "position": pos,
                        "job": jobs[j].name,
                        "kind": jobs[j].kind,
                        "site": jobs[j].site.name,
                        "service_start": s,
                        "reason": None,
                    }
                )
        for u in self.unserved:
            rows.append(
                {
                    "route": None,
                    "vehicle_type": None,
                    "position": None,
                    "job": u.name,
                    "kind": jobs[u.job].kind,
                    "site": jobs[u.job].site.name,
                    "service_start": None,
                    "reason": u.reason,
                }
            )
        schema = {
            "route": pl.Int64,
            "vehicle_type": pl.String,
            "position": pl.Int64,
            "job": pl.String,
            "kind": pl.String,
            "site": pl.String,
            "service_start": pl.Int64,
            "reason": pl.String,
        }
        return pl.DataFrame(rows, schema=schema)


# ---- jobs no vehicle can serve ------------------------------------------------------------
def _first_start(windows: Sequence[tuple[int, int]], t: int) -> int | None:
    for a, b in windows:
        if t <= b:
            return max(t, a)
    return None


def unservable_jobs(problem: Problem) -> dict[int, str]:
    """Jobs that no vehicle type can serve even alone on a route, with the reason.

    A job (a whole shipment for pickup–delivery pairs) is unservable when, for every
    vehicle type, it needs a skill the type lacks, exceeds its capacity in some
    dimension, or cannot be reached within its windows and back within the shift,
    maximum duration or maximum distance (breaks are not considered here).

    Returns
    -------
    dict
        Job index to reason (both halves of a shipment are listed).
    """
    arr = problem.to_arrays()
    out: dict[int, str] = {}
    dims = problem.dimensions
    for job in problem.jobs:
        if job.pair is not None and job.kind != "shipment_pickup":
            continue
        seq = [job.index] if job.pair is None else [job.index, job.pair]
        jm = int(arr["job_skills"][job.index])
        fails: dict[str, list[str]] = {}
        for t in problem.vehicle_types:
            if t.num_available == 0:
                continue
            k = t.index
            if jm & ~int(arr["type_skills"][k]):
                missing = sorted(job.skills - t.skills)
                fails.setdefault("skills", []).append(f"{t.name} lacks {missing}")
                continue
            cap = arr["type_capacity"][k]
            need = np.maximum(
                arr["job_delivery"][seq].max(axis=0), arr["job_pickup"][seq].max(axis=0)
            )
            over = [d for d in range(len(dims)) if need[d] > cap[d]]
            if over:
                d = over[0]
                fails.setdefault("capacity", []).append(
                    f"{dims[d]} {int(need[d])} > {t.name} capacity {int(cap[d])}"
                )
                continue
            tt = problem.travel(k)
            locs = [t.start.index, *(problem.jobs[j].site.index for j in seq), t.end.index]
            clock = t.shift[0]
            dist = 0
            ok_tw = True
            for i, j in enumerate(seq):
                clock += int(tt[locs[i], locs[i + 1]])
                dist += int(problem.distance[locs[i], locs[i + 1]])
                s = _first_start(problem.jobs[j].time_windows, clock)
                if s is None:
                    ok_tw = False
                    break
                clock = s + problem.jobs[j].service
            if not ok_tw:
                fails.setdefault("time_window", []).append(f"too late from {t.start.name}")
                continue
            clock += int(tt[locs[-2], locs[-1]])
            dist += int(problem.distance[locs[-2], locs[-1]])
            busy = sum(int(tt[a, b]) for a, b in itertools.pairwise(locs))
            busy += sum(problem.jobs[j].service for j in seq)
            if clock > t.shift[1]:
                fails.setdefault("shift", []).append(f"{t.name} cannot return by shift end")
            elif busy > t.max_duration:
                fails.setdefault("max_duration", []).append(f"{t.name}: {busy} s")
            elif dist > t.max_distance:
                fails.setdefault("max_distance", []).append(f"{t.name}: {dist} > {t.max_distance}")
            else:
                fails = {}
                break
        if not fails:
            continue
        if set(fails) == {"skills"}:
            reason = f"unservable: missing skill: no vehicle type has {sorted(job.skills)}"
        elif "capacity" in fails and set(fails) <= {"skills", "capacity"}:
            reason = (
                "unservable: too heavy or large for every vehicle type ("
                + "; ".join(fails["capacity"])
                + ")"
            )
        elif "time_window" in fails:
            reason = "unservable: time window unreachable from every depot"
        elif "shift" in fails:
            reason = "unservable: no vehicle can serve it and return within its shift"
        elif "max_duration" in fails:
            reason = "unservable: exceeds the maximum route duration of every vehicle type"
        else:
            reason = "unservable: exceeds the maximum route distance of every vehicle type"
        for j in seq:
            out[j] = reason
    return out


def _restrict(problem: Problem, keep: Sequence[int]) -> Problem:
    """The problem with only the jobs ``keep`` (re-indexed in that order)."""
    new = {j: i for i, j in enumerate(keep)}

    def pair(j: int) -> int | None:
        q = problem.jobs[j].pair
        return None if q is None else new[q]

    jobs = tuple(
        dataclasses.replace(problem.jobs[j], index=i, pair=pair(j)) for i, j in enumerate(keep)
    )
    return dataclasses.replace(problem, jobs=jobs, _arrays={})


def check_time_limit(time_limit: float, field: str = "time_limit") -> None:
    """Reject a time limit that is not a positive, finite number of seconds up to
    ``MAX_TIME_LIMIT_S`` (30 days, defined by the core).

    Raises
    ------
    InvalidInputError
        Naming ``field``.
    """
    if not 0 < time_limit <= MAX_TIME_LIMIT_S:
        raise InvalidInputError.at(
            field, f"must be in (0, {MAX_TIME_LIMIT_S:.0f}] seconds, got {time_limit}"
        )


# ---- the Rust core ------------------------------------------------------------------------
def core_available() -> bool:
    """True when the Rust search core is built into ``engine._core``."""
    from engine import _core

    return hasattr(_core, "solve_routing")


def core_unsupported(problem: Problem) -> str | None:
    """Why the Rust core cannot take ``problem`` (None when it can).

    The core implements the whole contract (``docs/routing_contract.md``), so the only
    reason today is that it is not built in; features it lacks in future go here.
    """
    if not core_available():
        return "the Rust search core is not built in"
    return None


def _solve_core(
    problem: Problem,
    time_limit: float,
    seed: int,
    max_iterations: int | None = None,
    threads: int = 1,
) -> tuple[list[tuple[int, list[int]]], str]:
    """Run the Rust search core on ``problem`` (through :mod:`engine.routing.core`)."""
    from engine.routing.core import problem_data, search

    data = problem_data(problem)
    out = search(
        data, time_limit=time_limit, seed=seed, max_iterations=max_iterations, threads=threads
    )
    return [(k, list(js)) for k, js in out.routes], "interrupted" if out.interrupted else "solved"


def _solve_with(
    which: str,
    problem: Problem,
    time_limit: float,
    seed: int,
    progress: Progress | None,
    options: dict[str, Any],
    max_iterations: int | None = None,
    threads: int = 1,
) -> tuple[list[tuple[int, list[int]]], str]:
    if which == "core":
        return _solve_core(problem, time_limit, seed, max_iterations, threads)
    from engine.routing.ortools_solver import solve_ortools

    res = solve_ortools(problem, time_limit=time_limit, seed=seed, on_solution=progress, **options)
    return [(k, list(js)) for k, js in res.routes], res.status


def solve(
    problem: Problem,
    time_limit: float = 10.0,
    seed: int = 0,
    solver: str = "auto",
    *,
    progress: Progress | None = None,
    max_iterations: int | None = None,
    threads: int = 1,
    **options: Any,
) -> Solution:
    """Solve a routing problem.

    Parameters
    ----------
    problem
        The problem (see :class:`~engine.routing.model.Model`).
    time_limit
        Wall-clock seconds (the whole call, solver start-up included).
    seed
        Random seed.
    solver
        ``"auto"`` (the Rust core for problems it covers, else OR-Tools), ``"ortools"``,
        ``"core"``, or ``"best"`` (both, half the time each, keeping the better).
    progress
        Called as ``progress(elapsed_seconds, objective)`` on improvements (OR-Tools).
    max_iterations
        Iteration budget of the Rust core: with it (and a ``time_limit`` long enough not
        to cut it short) the core's routes are the same for a seed on any machine and
        under any load. OR-Tools does not use it (see its ``solution_limit`` option).
        With ``threads > 1`` the budget is per search thread.
    threads
        Cooperating searches of the Rust core run side by side, one per thread: ``1``
        (the default: the single search, the same routes for a seed and budget on any
        machine), ``n`` up to :data:`~engine.routing.core.MAX_THREADS`, or ``0`` (one
        per core, what the ``yunli`` command uses; the answer then depends on the core
        count). With an iteration budget the routes are the same for a seed and thread
        count, and never worse than with one thread. OR-Tools does not use it.
    **options
        Passed to :func:`~engine.routing.ortools_solver.solve_ortools` (e.g.
        ``first_solution``, ``metaheuristic``, ``plain``).

    Returns
    -------
    Solution
        Routes and unserved jobs with reasons, figures recomputed by the checker.

    Raises
    ------
    InvalidInputError
        Unknown ``solver``, a ``time_limit`` that is not in ``(0, MAX_TIME_LIMIT_S]``
        (field ``time_limit``), ``threads`` outside ``[0, MAX_THREADS]`` (field
        ``threads``), or ``solver="core"`` when the core is not built in or does not
        cover the problem.
    """
    t0 = time.monotonic()
    if solver not in SOLVERS:
        raise InvalidInputError.at("solver", f"unknown solver {solver!r}; use one of {SOLVERS}")
    check_time_limit(time_limit)
    threads = check_threads(threads)
    bad = unservable_jobs(problem)
    keep = [j for j in range(problem.num_jobs) if j not in bad]
    sub = _restrict(problem, keep) if bad else problem
    why_not_core = core_unsupported(sub)
    if solver == "core" and why_not_core:
        raise InvalidInputError.at("solver", f"core solver unavailable: {why_not_core}")
    if solver == "auto":
        order = ["ortools"] if why_not_core else ["core"]
        reason = why_not_core or "the Rust core covers this problem"
    elif solver == "best" and not why_not_core:
        order, reason = ["core", "ortools"], "best of the Rust core and OR-Tools"
    elif solver == "best":
        order, reason = ["ortools"], f"OR-Tools only: {why_not_core}"
    else:
        order, reason = [solver], "requested"
    if "ortools" in order:
        import engine.routing.ortools_solver  # noqa: F401  (import time is not search time)
    remaining = time_limit - (time.monotonic() - t0)
    best: tuple[tuple[bool, int, float], str, list[tuple[int, list[int]]], str, CheckReport] | None
    best = None
    for i, which in enumerate(order):
        share = remaining / (len(order) - i) if keep else 0.1
        t1 = time.monotonic()
        routes, status = (
            _solve_with(
                which, sub, max(share, 0.05), seed, progress, options, max_iterations, threads
            )
            if keep
            else ([], "solved")
        )
        remaining -= time.monotonic() - t1
        rep = check(sub, routes)
        unserved_req = sum(1 for v in rep.violations if v.kind == "unserved")
        key = (not rep.routes_feasible, unserved_req, rep.cost)
        if best is None or key < best[0]:
            best = (key, which, routes, status, rep)
        if status == "interrupted":
            break  # Ctrl-C or SIGTERM: no further solver
    assert best is not None
    _, which, routes, best_status, rep = best
    if status != "interrupted":
        status = best_status
    # map back to the full problem's job indices
    back = keep
    full_routes = [(k, [back[j] for j in js]) for k, js in routes]
    full = check(problem, full_routes) if bad else rep
    unserved: list[Unserved] = []
    arr = problem.to_arrays()
    for j in full.dropped:
        job = problem.jobs[j]
        if j in bad:
            r = bad[j]
        elif not job.required:
            r = f"optional: left out at penalty {job.penalty}"
        else:
            r = "not inserted: no feasible place found within the time limit"
        unserved.append(Unserved(j, job.name, bool(arr["job_required"][j]), r))
    viol = tuple(v for v in full.violations if v.kind != "unserved")
    return Solution(
        problem=problem,
        routes=full.routes,
        unserved=tuple(unserved),
        cost=full.cost,
        distance=full.distance,
        duration=full.duration,
        solver=which,
        solver_reason=reason,
        runtime=time.monotonic() - t0,
        status=status,
        violations=viol,
    )
