"""Time limits honoured: the wall time of time-limited solves against their limit.

Run with ``pytest bench/bench_time_limits.py --benchmark-enable``. These figures were
timing assertions in the test suite (a solve must stop near its limit); they are measured
here instead, and the overshoot (wall time minus the limit) is recorded as
``extra_info["overshoot_s"]`` beside the CPU time.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from bench import peer_harness as ph
from engine.routing import core_available, formats, solve
from engine.routing.ortools_solver import solve_ortools


def _instance(name: str) -> formats.Instance:
    path, fmt = ph.instance_path(name)
    return formats.read(path, fmt)


def _timed(benchmark: Any, limit: float, run: Any) -> Any:
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    out = benchmark.pedantic(run, rounds=1, iterations=1)
    wall = time.perf_counter() - t0
    benchmark.extra_info.update(
        limit_s=limit,
        wall_s=round(wall, 3),
        cpu_s=round(time.process_time() - cpu0, 3),
        overshoot_s=round(wall - limit, 3),
    )
    return out


@pytest.mark.benchmark(group="time-limits")
def test_ortools_time_limit(benchmark: Any) -> None:
    """OR-Tools on R201 (not solved to optimality in 1.5 s): stops at its limit."""
    inst = _instance("R201")
    res = _timed(benchmark, 1.5, lambda: solve_ortools(inst.problem, time_limit=1.5))
    assert res.status == "timeout"


@pytest.mark.benchmark(group="time-limits")
@pytest.mark.skipif(not core_available(), reason="the Rust core is not built in")
def test_best_of_both_time_limit(benchmark: Any) -> None:
    """``solver="best"`` runs the core and OR-Tools within one 2 s limit on R101."""
    inst = _instance("R101")
    sol = _timed(benchmark, 2.0, lambda: solve(inst.problem, time_limit=2.0, solver="best"))
    assert sol.complete
