"""The one typed boundary to the Rust routing search core (``engine._core``).

Every caller (:func:`engine.routing.solve`, the live re-plan, benchmarks, tests) goes
through the two functions here: :func:`problem_data` builds the native, immutable
:class:`~engine._core.ProblemData` from a :class:`~engine.routing.model.Problem` (plus
the optional per-job terms of live re-planning), and :func:`search` runs the search on
it and returns the native :class:`~engine._core.SearchResult`. A new contract field
touches :func:`problem_data`, ``ProblemData`` in ``rust_core/src/python/routing.rs`` and
the stub ``engine/_core.pyi``, nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine._core import (
    MAX_THREADS,
    MAX_TIME_LIMIT_S,
    CancelToken,
    ProblemData,
    SearchParams,
    SearchResult,
    solve_routing,
)
from engine.errors import InvalidInputError
from engine.interrupt import run_cancellable
from engine.routing.model import Problem

IntArray = npt.NDArray[np.int64]

__all__ = [
    "MAX_THREADS",
    "MAX_TIME_LIMIT_S",
    "CancelToken",
    "LiveTerms",
    "ProblemData",
    "SearchResult",
    "check_threads",
    "problem_data",
    "search",
]


def check_threads(threads: int, field: str = "threads") -> int:
    """Check a thread count for the search: ``0`` (one search per core) to
    :data:`MAX_THREADS`; returns it as an ``int``.

    Raises
    ------
    InvalidInputError
        Naming ``field``, for anything else (negative, too large, not an integer).
    """
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer):
        raise InvalidInputError.at(field, f"must be an integer, got {threads!r}")
    if not 0 <= int(threads) <= MAX_THREADS:
        raise InvalidInputError.at(
            field, f"must be in [0, {MAX_THREADS}] (0: one per core), got {threads}"
        )
    return int(threads)


@dataclass(frozen=True)
class LiveTerms:
    """Per-job terms of live re-planning, one ``int64`` entry per job (all optional).

    Attributes
    ----------
    allowed_type
        The only vehicle type that may serve each job (``-1``: any).
    home_type
        The type each job is on now (``-1``: none); serving it with another type costs
        ``disruption_cost`` (cost units).
    disruption_cost
        Cost of moving each job off its home type.
    due, late_cost, late_cost_per_hour
        Soft lateness (all three or none): a service start after ``due`` costs
        ``late_cost`` plus ``late_cost_per_hour`` per hour late instead of being
        infeasible (windows stay hard limits).
    """

    allowed_type: IntArray | None = None
    home_type: IntArray | None = None
    disruption_cost: IntArray | None = None
    due: IntArray | None = None
    late_cost: IntArray | None = None
    late_cost_per_hour: IntArray | None = None


def problem_data(problem: Problem, terms: LiveTerms | None = None) -> ProblemData:
    """The native problem of ``problem`` (and live ``terms``), validated by the core.

    A matrix-free ``problem`` (see :mod:`engine.routing.arcs`) passes its coordinates and
    speed profiles; the core then computes arcs on demand and holds no matrix.

    Build it once and search it as often as needed (from several threads at once).

    Raises
    ------
    InvalidInputError
        Arrays the core rejects, naming the array.
    """
    a = problem.to_arrays()
    t = terms or LiveTerms()
    arcs = problem.arcs if problem.matrix_free else None
    return ProblemData(
        distance=a.get("distance"),
        durations=a.get("durations"),
        coordinates=None if arcs is None else arcs.points,
        metric=None if arcs is None else arcs.metric,
        circuity=None if arcs is None else arcs.circuity,
        speed_profiles=None if arcs is None else arcs.speeds,
        job_location=a["job_location"],
        job_delivery=a["job_delivery"],
        job_pickup=a["job_pickup"],
        job_service=a["job_service"],
        job_tw_offsets=a["job_tw_offsets"],
        job_tw=a["job_tw"],
        job_skills=a["job_skills"],
        job_required=a["job_required"],
        job_penalty=a["job_penalty"],
        job_priority=a["job_priority"],
        pair_of=a["pair_of"],
        is_pickup=a["is_pickup"],
        type_count=a["type_count"],
        type_capacity=a["type_capacity"],
        type_start=a["type_start"],
        type_end=a["type_end"],
        type_fixed_cost=a["type_fixed_cost"],
        type_cost_per_km=a["type_cost_per_km"],
        type_cost_per_hour=a["type_cost_per_hour"],
        type_tw=a["type_tw"],
        type_max_duration=a["type_max_duration"],
        type_max_distance=a["type_max_distance"],
        type_skills=a["type_skills"],
        type_profile=a["type_profile"],
        type_breaks_offsets=a["type_breaks_offsets"],
        type_breaks=a["type_breaks"],
        job_allowed_type=t.allowed_type,
        job_home_type=t.home_type,
        job_disruption_cost=t.disruption_cost,
        job_due=t.due,
        job_late_cost=t.late_cost,
        job_late_cost_per_hour=t.late_cost_per_hour,
    )


def search(
    data: ProblemData,
    *,
    time_limit: float,
    seed: int = 0,
    max_iterations: int | None = None,
    initial_routes: Sequence[tuple[int, Sequence[int]]] | None = None,
    fixed_prefixes: Sequence[int] | None = None,
    pinned: Sequence[bool] | None = None,
    cancel: CancelToken | None = None,
    threads: int = 1,
    settled: Sequence[bool] | None = None,
) -> SearchResult:
    """Run the Rust search on ``data`` (the GIL is released while it runs).

    The search stops early, returning its best solution so far with ``interrupted``
    set, when ``cancel`` is cancelled, on Ctrl-C (when called from the main thread), or
    when :func:`engine.interrupt.cancel_running` is called (the server's solver
    processes do on SIGTERM).

    Parameters
    ----------
    data
        The problem (see :func:`problem_data`).
    time_limit
        Wall-clock seconds, at most :data:`MAX_TIME_LIMIT_S`.
    seed
        Random seed.
    max_iterations
        Iteration budget (of each search when ``threads > 1``); with it the run is
        reproducible for a seed and thread count.
    initial_routes
        Warm start: ``(vehicle_type, [job, ...])`` per route (may be incomplete).
    fixed_prefixes, pinned
        Per initial route: how many leading jobs stay in place, and whether the whole
        route must not change.
    settled
        Per initial route: the caller knows that no local-search move between two
        settled routes improves (for example the descended routes of a previous search,
        unchanged since), so the first descent only tries moves that touch an unsettled
        route. Default: none settled.
    cancel
        A token to stop the search from elsewhere (one is made when not given); it
        stops every thread.
    threads
        Cooperating searches run side by side, one per thread (``1``: the single
        search, unchanged; ``0``: one per core). Each has its own random stream; they
        exchange their best solutions every fixed number of iterations, and the first
        follows the single search's trajectory exactly, so under an iteration budget
        more threads never give a worse answer than one. ``iterations`` in the result
        is the total over the searches.

    Returns
    -------
    engine._core.SearchResult

    Raises
    ------
    InvalidInputError
        A time limit that is not finite or not in ``[0, MAX_TIME_LIMIT_S]`` (field
        ``time_limit``), a warm start that does not fit the problem, or ``threads``
        outside ``[0, MAX_THREADS]`` (field ``threads``).
    """
    params = SearchParams(
        time_limit=float(time_limit),
        seed=int(seed),
        max_iterations=None if max_iterations is None else int(max_iterations),
        initial_routes=None
        if initial_routes is None
        else [(int(k), [int(j) for j in js]) for k, js in initial_routes],
        fixed_prefixes=None if fixed_prefixes is None else [int(f) for f in fixed_prefixes],
        pinned=None if pinned is None else [bool(p) for p in pinned],
        threads=check_threads(threads),
        settled=None if settled is None else [bool(s) for s in settled],
    )
    token = CancelToken() if cancel is None else cancel
    result, _ = run_cancellable(lambda: solve_routing(data, params, token), token)
    return result
