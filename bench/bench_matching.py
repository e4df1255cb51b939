"""Matching engine: profiles, batch top-k, single-load latency, dispatch, assignment.

Quick mode: a generated world of 2,000 vehicles, 50,000 trips and 2,000 loads
(seed 11), dense assignment 400 × 400. Full (``YUNLI_BENCH_FULL=1``): 20,000
vehicles, 2,000,000 trips, 20,000 loads (the issue's sizes), dense 5,000 × 5,000.

Baselines in the same process: the NumPy implementation of the same scoring and
top-k as an expert would write it (``bench/matching_numpy.py``: packed-key grid
joins, ``bincount``, the core's bound pruning, ``argpartition``; its results must
equal the core's) and ``scipy.optimize.linear_sum_assignment`` (same optimum). The
Rust batch here uses every core while NumPy uses one: for a like-for-like ratio
(one thread each, separate processes, CPU time beside wall time) run
``python bench/recommend_report.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy.optimize import linear_sum_assignment

from bench.conftest import size
from bench.matching_numpy import NumpyMatcher
from engine.data.generator import generate_world
from engine.data.loaders import World
from engine.matching import Matcher, dense_to_csr, max_weight_assignment

N_VEHICLES = size(2_000, 20_000)
N_TRIPS = size(50_000, 2_000_000)
N_LOADS = size(2_000, 20_000)
N_DENSE = size(400, 5_000)


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(N_VEHICLES, N_TRIPS, N_LOADS, seed=11)


@pytest.fixture(scope="module")
def matcher(world: World) -> Matcher:
    return Matcher.from_world(world)


@pytest.mark.benchmark(group="matching-profiles")
def test_build_profiles(benchmark: Any, world: World) -> None:
    m = benchmark.pedantic(Matcher.from_world, args=(world,), rounds=3, iterations=1)
    assert m.profile_summary()["trips"].sum() == world.trips.height


@pytest.mark.benchmark(group="matching-top20")
def test_top20_all_loads_rust(benchmark: Any, matcher: Matcher, world: World) -> None:
    out = benchmark.pedantic(
        matcher.recommend_vehicles_batch, kwargs={"k": 20}, rounds=3, warmup_rounds=1
    )
    assert out["load_id"].n_unique() > 0.8 * world.loads.height


@pytest.mark.benchmark(group="matching-top20")
def test_top20_all_loads_numpy_baseline(benchmark: Any, matcher: Matcher, world: World) -> None:
    nm = NumpyMatcher(world.vehicles, world.trips, now=world.now)
    nm.top_vehicles(world.loads, 20)  # warm, as the Rust side is
    out = benchmark.pedantic(nm.top_vehicles, args=(world.loads, 20), rounds=3, iterations=1)
    ref = matcher.recommend_vehicles_batch(k=20)
    assert out.height == ref.height
    j = out.join(ref, on=["load_id", "rank"], suffix="_core")
    assert (j["score"] - j["score_core"]).abs().max() < 1e-9  # type: ignore[operator]
    assert (j["vehicle_id"] == j["vehicle_id_core"]).all()


@pytest.mark.benchmark(group="matching-single")
def test_single_load_top20(benchmark: Any, matcher: Matcher, world: World) -> None:
    ids = world.loads["load_id"].to_list()
    it = iter(range(10**9))

    def one() -> pl.DataFrame:
        return matcher.recommend_vehicles(int(ids[next(it) % len(ids)]), k=20)

    benchmark.pedantic(one, rounds=200, iterations=1)


@pytest.mark.benchmark(group="matching-dispatch")
def test_dispatch_optimal(benchmark: Any, matcher: Matcher) -> None:
    r = benchmark.pedantic(matcher.dispatch, kwargs={"baselines": False}, rounds=3)
    assert r.assignments["vehicle_id"].is_unique().all()


@pytest.fixture(scope="module")
def dense() -> np.ndarray:
    rng = np.random.default_rng(3)
    p, q = rng.random((N_DENSE, 2)), rng.random((N_DENSE, 2))
    d = np.sqrt(((p[:, None, :] - q[None, :, :]) ** 2).sum(-1))
    return (1_000_000 * (1.5 - d)).astype(np.int64)


@pytest.mark.benchmark(group="assignment-dense")
def test_assignment_dense_yunli(benchmark: Any, dense: np.ndarray) -> None:
    csr = dense_to_csr(dense)
    a = benchmark.pedantic(max_weight_assignment, args=csr, rounds=1, iterations=1)
    r, c = linear_sum_assignment(dense, maximize=True)
    assert a.total == int(dense[r, c].sum())


@pytest.mark.benchmark(group="assignment-dense")
def test_assignment_dense_scipy_lsa(benchmark: Any, dense: np.ndarray) -> None:
    r, _ = benchmark.pedantic(
        linear_sum_assignment, args=(dense,), kwargs={"maximize": True}, rounds=1, iterations=1
    )
    assert len(r) == N_DENSE


@pytest.mark.benchmark(group="assignment-dense")
def test_assignment_sparse_50nn_yunli(benchmark: Any, dense: np.ndarray) -> None:
    k = 50
    idx = np.argpartition(-dense, k, axis=1)[:, :k]
    rows = np.repeat(np.arange(N_DENSE), k)
    indptr = np.arange(0, N_DENSE * k + 1, k)
    w = dense[rows, idx.ravel()]
    a = benchmark.pedantic(
        max_weight_assignment, args=(N_DENSE, N_DENSE, indptr, idx.ravel(), w), rounds=3
    )
    assert a.n_assigned == N_DENSE
