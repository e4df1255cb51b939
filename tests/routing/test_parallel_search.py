"""The search on several cores (``threads``) through the typed boundary and ``solve``.

Every cost compared here is recomputed by the one checker (``engine.routing.check``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine._core import SearchParams
from engine.cli import EXIT_INVALID, main
from engine.errors import InvalidInputError
from engine.routing import check, formats, solve
from engine.routing.core import MAX_THREADS, CancelToken, ProblemData, problem_data, search
from engine.routing.model import Problem

#: Single-thread results (seed 7, 1,500 iterations) of main before the parallel search
#: (commit 308aef8): cost and a hash of the routes. ``threads=1`` must keep them.
MAIN_RESULTS = {
    "C101.txt": (8273.0, "8b77cdd7047ee7ee"),
    "R201.txt": (11508.0, "f6780f74390d56ed"),
    "RC101.txt": (16561.0, "c4b43ed1753bf58d"),
    "X-n101-k25.vrp": (29129.0, "e8a3167052768326"),
    "lc101.txt": (1000828937.0, "3aaab70ef4211fe9"),
}


def _instance(data_dir: Path, name: str) -> Problem:
    return formats.read(data_dir / name).problem


def _data(data_dir: Path, name: str) -> ProblemData:
    return problem_data(_instance(data_dir, name))


def _routes_hash(routes: Any) -> str:
    return hashlib.sha256(json.dumps(routes).encode()).hexdigest()[:16]


def _checked_cost(problem: Problem, routes: list[tuple[int, list[int]]]) -> float:
    rep = check(problem, routes)
    assert rep.feasible, rep.violations[:3]
    assert not rep.dropped
    return rep.cost


@pytest.mark.parametrize("name", sorted(MAIN_RESULTS))
@pytest.mark.parametrize("threads", [None, 1])
def test_one_thread_is_unchanged(data_dir: Path, name: str, threads: int | None) -> None:
    """The default and ``threads=1`` give main's exact routes for a seed and budget."""
    kw = {} if threads is None else {"threads": threads}
    r = search(_data(data_dir, name), time_limit=600, seed=7, max_iterations=1500, **kw)
    assert (r.cost, _routes_hash(r.routes)) == MAIN_RESULTS[name]
    assert (r.threads, r.exchanges, r.iterations) == (1, 0, 1500)


def test_deterministic_for_seed_threads_and_budget(data_dir: Path) -> None:
    """Same seed, thread count and per-thread budget: the same routes, run after run."""
    data = _data(data_dir, "R201.txt")
    runs = [search(data, time_limit=600, seed=3, max_iterations=2500, threads=2) for _ in range(2)]
    assert runs[0].routes == runs[1].routes
    assert runs[0].cost == runs[1].cost
    assert runs[0].exchanges == runs[1].exchanges
    assert runs[0].threads == 2
    assert runs[0].iterations >= 2 * 2500


@pytest.mark.parametrize("name", ["R201.txt", "RC101.txt", "X-n101-k25.vrp"])
def test_two_threads_at_least_as_good(data_dir: Path, name: str) -> None:
    """At the same budget per thread, two threads end feasible and no worse than one
    (the first search is the single search; the second only adds candidates)."""
    problem = _instance(data_dir, name)
    data = problem_data(problem)
    costs = {}
    for t in (1, 2):
        r = search(data, time_limit=600, seed=11, max_iterations=2000, threads=t)
        assert r.feasible
        costs[t] = _checked_cost(problem, [(k, list(js)) for k, js in r.routes])
    assert costs[2] <= costs[1]


def test_cancel_stops_every_thread(data_dir: Path) -> None:
    """A token cancelled from another thread stops a two-thread search promptly; the
    result is the best complete solution so far, marked interrupted."""
    problem = _instance(data_dir, "RC101.txt")
    data = problem_data(problem)
    token = CancelToken()
    timer = threading.Timer(0.3, token.cancel)
    t0 = time.monotonic()
    timer.start()
    try:
        r = search(data, time_limit=120, seed=1, threads=2, cancel=token)
    finally:
        timer.cancel()
    assert time.monotonic() - t0 < 10
    assert r.interrupted
    assert r.threads == 2
    _checked_cost(problem, [(k, list(js)) for k, js in r.routes])


@pytest.mark.parametrize("bad", [-1, MAX_THREADS + 1, 10**6, 2.5, True, "2"])
def test_invalid_threads_named(data_dir: Path, bad: Any) -> None:
    """A thread count outside ``[0, MAX_THREADS]`` (or not an integer) is rejected,
    naming ``threads``, by the boundary and by ``solve``."""
    data = _data(data_dir, "C101.txt")
    with pytest.raises(InvalidInputError) as e:
        search(data, time_limit=1, threads=bad)
    assert e.value.field == "threads"
    with pytest.raises(InvalidInputError) as e:
        solve(_instance(data_dir, "C101.txt"), time_limit=1, threads=bad)
    assert e.value.field == "threads"


@pytest.mark.parametrize("bad", [-1, MAX_THREADS + 1])
def test_native_params_check_threads(bad: int) -> None:
    """The native ``SearchParams`` checks the count itself (field ``threads``)."""
    with pytest.raises(InvalidInputError) as e:
        SearchParams(time_limit=1.0, threads=bad)
    assert e.value.field == "threads"
    assert SearchParams(time_limit=1.0, threads=0).threads == 0


def test_solve_and_cli_threads(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``solve(threads=2)`` returns a complete plan; ``yunli solve --threads 2`` too, and
    ``--threads -1`` exits as invalid input."""
    problem = _instance(data_dir, "C101.txt")
    sol = solve(problem, time_limit=5, seed=2, max_iterations=800, threads=2)
    assert sol.complete
    assert sol.solver == "core"
    out = tmp_path / "s.json"
    path = str(data_dir / "C101.txt")
    args = ["solve", path, "--time-limit", "1", "--threads", "2", "--output", str(out)]
    assert main(args) == 0
    assert json.loads(out.read_text())["vehicles"] >= 10
    capsys.readouterr()
    assert main(["solve", path, "--time-limit", "1", "--threads", "-1"]) == EXIT_INVALID
    assert "threads" in capsys.readouterr().err


def test_bad_warm_start_with_threads(data_dir: Path) -> None:
    """A warm start that does not fit is the same typed error with several threads."""
    data = _data(data_dir, "C101.txt")
    with pytest.raises(InvalidInputError) as e:
        search(data, time_limit=5, initial_routes=[(99, [0])], threads=2)
    assert e.value.field == "initial_routes"
