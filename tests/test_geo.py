"""Distance and travel-time matrices: agreement with NumPy haversine, units, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InvalidInputError
from engine.geo import Matrices, SpeedProfile, distance_matrix, haversine_numpy
from engine.units import DEFAULT_CIRCUITY


def _points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(18, 53, n), rng.uniform(74, 134, n)


def test_agrees_with_numpy_within_one_metre() -> None:
    lat, lon = _points(300, 1)
    lat2, lon2 = _points(200, 2)
    d = distance_matrix(lat, lon, lat2, lon2)
    ref = haversine_numpy(lat, lon, lat2, lon2, circuity=DEFAULT_CIRCUITY)
    assert d.dtype == np.int64
    assert d.shape == (300, 200)
    assert np.abs(d - ref).max() <= 1.0


def test_square_default_and_symmetry() -> None:
    lat, lon = _points(50, 3)
    d = distance_matrix(lat, lon, circuity=1.0)
    assert np.array_equal(d, d.T)
    assert np.all(np.diagonal(d) == 0)
    # Shanghai–Beijing is about 1,067 km great-circle.
    sb = distance_matrix([31.22222], [121.45806], [39.9075], [116.39723], circuity=1.0)
    assert 1_060_000 < sb[0, 0] < 1_075_000


def test_empty_sets_give_empty_matrices() -> None:
    assert distance_matrix([], [], [1.0], [1.0]).shape == (0, 1)
    assert distance_matrix([1.0], [1.0], [], []).shape == (1, 0)


@pytest.mark.parametrize(
    ("lat", "lon", "words"),
    [
        ([float("nan")], [120.0], "latitude NaN"),
        ([91.0], [120.0], "latitude 91"),
        ([30.0], [-181.0], "longitude"),
    ],
)
def test_bad_coordinates(lat: list[float], lon: list[float], words: str) -> None:
    with pytest.raises(InvalidInputError, match="sources") as info:
        distance_matrix(lat, lon, [30.0], [120.0])
    assert words in str(info.value)


def test_bad_circuity_and_lengths() -> None:
    with pytest.raises(InvalidInputError, match="circuity"):
        distance_matrix([30.0], [120.0], circuity=0.9)
    with pytest.raises(InvalidInputError, match="sources"):
        distance_matrix([30.0, 31.0], [120.0])


def test_oversized_request_rejected_before_allocating() -> None:
    big = np.zeros(30_000)
    with pytest.raises(InvalidInputError, match="exceed"):
        distance_matrix(big, big)


def test_speed_profile_durations() -> None:
    p = SpeedProfile(36.0, 72.0, 10_000.0)
    d = np.array([[0, 5_000], [30_000, 10_000]], dtype=np.int64)
    assert p.seconds(d).tolist() == [[0, 500], [2000, 1000]]
    vans = SpeedProfile.for_type("van")
    trailers = SpeedProfile.for_type("trailer")
    far = np.array([500_000], dtype=np.int64)
    assert vans.seconds(far)[0] < trailers.seconds(far)[0]
    with pytest.raises(InvalidInputError, match="unknown vehicle type"):
        SpeedProfile.for_type("rocket")
    with pytest.raises(InvalidInputError, match="urban_kmh"):
        SpeedProfile(0.0, 50.0, 0.0).seconds(far)


def test_matrices_from_points_has_profile_per_type() -> None:
    lat, lon = _points(20, 4)
    m = Matrices.from_points(lat, lon)
    assert m.distance.shape == (20, 20)
    assert set(m.durations) >= {"van", "trailer"}
    assert np.all(m.duration("van") >= 0)


def test_user_matrices_are_checked() -> None:
    dist = np.array([[0, 10], [12, 0]])
    m = Matrices.from_user(dist, np.array([[0, 5], [6, 0]]))
    assert m.source == "user"
    assert m.duration("anything").tolist() == [[0, 5], [6, 0]]
    with pytest.raises(InvalidInputError, match="shape"):
        Matrices.from_user(dist, np.zeros((3, 3)))
    with pytest.raises(InvalidInputError, match="negative"):
        Matrices.from_user(np.array([[0, -1], [1, 0]]), dist)
    with pytest.raises(InvalidInputError, match="nan"):
        Matrices.from_user(np.array([[0.0, np.nan], [1.0, 0.0]]), dist)
    with pytest.raises(InvalidInputError, match="not an integer"):
        Matrices.from_user(np.array([[0.0, 1.5], [1.0, 0.0]]), dist)
    with pytest.raises(InvalidInputError, match="diagonal"):
        Matrices.from_user(np.array([[3, 1], [1, 0]]), dist)
    with pytest.raises(InvalidInputError, match="2-D"):
        Matrices.from_user(np.zeros(4), dist)
    with pytest.raises(InvalidInputError, match="no duration matrix"):
        Matrices.from_user(dist, {"van": dist}).duration("trailer")
