"""Distance matrix: Rust core vs vectorized NumPy haversine, same process, same points.

Quick mode: 1,000 × 1,000. Full (``YUNLI_BENCH_FULL=1``): 5,000 × 5,000, the size the
foundation issue sets its ≥ 5× target on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.conftest import size
from engine.geo import distance_matrix, haversine_numpy

N = size(1_000, 5_000)


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.uniform(18, 53, N), rng.uniform(74, 134, N)


@pytest.mark.benchmark(group="distance-matrix")
def test_rust_matrix(benchmark: Any, points: tuple[np.ndarray, np.ndarray]) -> None:
    lat, lon = points
    out = benchmark(distance_matrix, lat, lon)
    assert out.shape == (N, N)
    ref = haversine_numpy(lat[:200], lon[:200], lat, lon)
    assert np.abs(out[:200] - ref).max() <= 1.0


@pytest.mark.benchmark(group="distance-matrix")
def test_numpy_haversine_baseline(benchmark: Any, points: tuple[np.ndarray, np.ndarray]) -> None:
    lat, lon = points

    def run() -> np.ndarray:
        return np.rint(haversine_numpy(lat, lon, lat, lon)).astype(np.int64)

    out = benchmark(run)
    assert out.shape == (N, N)
