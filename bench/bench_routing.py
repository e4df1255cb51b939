"""Routing benchmarks (pytest-benchmark): small and seeded by default.

Run with ``pytest bench/bench_routing.py --benchmark-enable``. Quick mode compares the
four solvers on C101 and R101 at 1 s each; ``YUNLI_BENCH_FULL=1`` takes the issue's 12
Solomon instances at 10 s. Whole sets come from the harness itself, e.g.
``python bench/peer_harness.py --set solomon --set x --set lilim --time-limit 10 --write``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from bench import peer_harness as ph
from engine.routing import check, formats

FULL = os.environ.get("YUNLI_BENCH_FULL", "") not in ("", "0")
NAMES = ph.SETS["solomon12"] if FULL else ["C101", "R101"]
LIMIT = 10.0 if FULL else 1.0


@pytest.fixture(scope="module")
def c101() -> formats.Instance:
    path, fmt = ph.instance_path("C101")
    return formats.read(path, fmt)


def test_checker_speed(benchmark: Any, c101: formats.Instance) -> None:
    """The checker on the C101 best-known solution (runs for every solver's answer)."""
    routes = formats.read_sol(ph.DATA / "solomon" / "C101.sol", c101)
    rep = benchmark(check, c101.problem, [(0, r) for r in routes])
    assert rep.feasible


def test_read_solomon(benchmark: Any) -> None:
    path, fmt = ph.instance_path("R101")
    inst = benchmark(formats.read, path, fmt)
    assert inst.problem.num_jobs == 100


@pytest.mark.parametrize("solver", ph.SOLVERS)
def test_quick_peer_gap(benchmark: Any, solver: str) -> None:
    """One solver on the instance list, seed 1: every answer checker-feasible."""

    def run() -> list[ph.Result]:
        out = []
        for n in NAMES:
            path, fmt = ph.instance_path(n)
            out.append(ph.run_one(formats.read(path, fmt), solver, LIMIT, 1))
        return out

    results = benchmark.pedantic(run, rounds=1, iterations=1)
    gaps = [g for g in (ph.gap_of(r) for r in results) if g is not None]
    benchmark.extra_info["mean_gap_pct"] = sum(gaps) / len(gaps) if gaps else None
    benchmark.extra_info["feasible"] = sum(r.feasible for r in results)
    if solver != "ortools":  # documented OR-Tools finds nothing on R101/RC101
        assert all(r.feasible for r in results), [r.note for r in results]
