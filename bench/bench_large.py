"""Large instances (issue 17 item 2): preparing a problem with matrices vs matrix-free.

The same city problem (``bench/scale_vrptw.py``) built into the core's ``ProblemData``
from its ``L×L`` matrices and from its coordinates (arcs on demand, k-d tree neighbour
lists), in the same process. Quick mode: 1,500 stops; full (``YUNLI_BENCH_FULL=1``):
5,000 stops. The whole plans at 5,000–50,000 stops: ``python bench/large_instances.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from bench.conftest import size
from engine.routing.core import problem_data
from engine.routing.model import Problem

N = size(1_500, 5_000)


def _city(matrix_free: bool) -> Problem:
    path = Path(__file__).resolve().parent / "scale_vrptw.py"
    spec = importlib.util.spec_from_file_location("scale_vrptw", path)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import engine.routing.model as model

    old = model.MATRIX_FREE_ABOVE
    model.MATRIX_FREE_ABOVE = 0 if matrix_free else 10**9
    try:
        p: Problem = mod.city_vrptw(N, seed=0)
    finally:
        model.MATRIX_FREE_ABOVE = old
    return p


@pytest.mark.benchmark(group="large-problem-data")
@pytest.mark.parametrize("matrix_free", [False, True], ids=["matrices", "matrix-free"])
def test_problem_data(benchmark: Any, matrix_free: bool) -> None:
    p = _city(matrix_free)
    data = benchmark(problem_data, p)
    assert data.matrix_free == matrix_free
    assert data.num_jobs == N
