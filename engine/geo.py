"""Distance and travel-time matrices.

Road distance is the great-circle distance times a circuity factor, in integer
metres; travel time comes from a vehicle type's speed profile, in integer
seconds. Both are computed in Rust across all cores with the GIL released and
returned as ``int64`` NumPy arrays. Matrices from any road-routing engine
(OSRM, Valhalla, a map vendor) can replace them through :meth:`Matrices.from_user`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from engine import _core
from engine.data.schemas import VEHICLE_TYPES
from engine.errors import InvalidInputError
from engine.units import DEFAULT_CIRCUITY, EARTH_RADIUS_M

IntMatrix = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Largest matrix (cells) computed in one call: 400M cells = 3.2 GB of int64.
MAX_CELLS: Final = 400_000_000


@dataclass(frozen=True, slots=True)
class SpeedProfile:
    """Speeds of a vehicle type.

    The first ``urban_m`` metres of a leg are driven at ``urban_kmh``, the rest at
    ``highway_kmh``.
    """

    urban_kmh: float
    highway_kmh: float
    urban_m: float

    @classmethod
    def for_type(cls, vehicle_type: str) -> SpeedProfile:
        """The profile of a vehicle type of :data:`engine.data.schemas.VEHICLE_TYPES`.

        Raises
        ------
        InvalidInputError
            If the type is unknown.
        """
        try:
            t = VEHICLE_TYPES[vehicle_type]
        except KeyError:
            raise InvalidInputError.at(
                "vehicle_type", f"unknown vehicle type {vehicle_type!r}"
            ) from None
        return cls(t.urban_kmh, t.highway_kmh, float(t.urban_m))

    def seconds(self, metres: IntMatrix) -> IntMatrix:
        """Travel time in seconds for distances in metres (any shape)."""
        d = np.ascontiguousarray(metres, dtype=np.int64)
        out = _core.duration_from_distance(
            d.ravel(), self.urban_kmh, self.highway_kmh, self.urban_m
        )
        return out.reshape(d.shape)


def _points(lat: npt.ArrayLike, lon: npt.ArrayLike, name: str) -> tuple[FloatArray, FloatArray]:
    a = np.ascontiguousarray(lat, dtype=np.float64).ravel()
    o = np.ascontiguousarray(lon, dtype=np.float64).ravel()
    if a.shape != o.shape:
        raise InvalidInputError.at(name, f"{a.size} latitudes but {o.size} longitudes")
    return a, o


def distance_matrix(
    src_lat: npt.ArrayLike,
    src_lon: npt.ArrayLike,
    dst_lat: npt.ArrayLike | None = None,
    dst_lon: npt.ArrayLike | None = None,
    *,
    circuity: float = DEFAULT_CIRCUITY,
) -> IntMatrix:
    """Road-distance matrix in integer metres from sources to destinations.

    Parameters
    ----------
    src_lat, src_lon
        Source coordinates in degrees.
    dst_lat, dst_lon
        Destination coordinates; default: the sources (a square matrix).
    circuity
        Road distance / great-circle distance (≥ 1; 1.3 is typical for China's
        road network between cities).

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(len(src), len(dst))``.

    Raises
    ------
    InvalidInputError
        NaN or out-of-range coordinates, mismatched lengths, ``circuity < 1``
        or a request above :data:`MAX_CELLS` cells.
    """
    a, o = _points(src_lat, src_lon, "sources")
    if dst_lat is None or dst_lon is None:
        b, p = a, o
    else:
        b, p = _points(dst_lat, dst_lon, "destinations")
    if a.size * b.size > MAX_CELLS:
        raise InvalidInputError.at(
            "matrix", f"{a.size} × {b.size} cells exceed the limit of {MAX_CELLS:,}"
        )
    return _core.distance_matrix(a, o, b, p, float(circuity))


def haversine_numpy(
    src_lat: npt.ArrayLike,
    src_lon: npt.ArrayLike,
    dst_lat: npt.ArrayLike,
    dst_lon: npt.ArrayLike,
    *,
    circuity: float = DEFAULT_CIRCUITY,
) -> FloatArray:
    """Reference vectorized NumPy haversine (float metres, not rounded).

    Used as the baseline in benchmarks and as the oracle in tests.
    """
    p1 = np.radians(np.asarray(src_lat, dtype=np.float64))[:, None]
    p2 = np.radians(np.asarray(dst_lat, dtype=np.float64))[None, :]
    dl = np.radians(
        np.asarray(dst_lon, dtype=np.float64)[None, :]
        - np.asarray(src_lon, dtype=np.float64)[:, None]
    )
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * circuity * np.arcsin(np.sqrt(h)))


def _check_user_matrix(m: npt.ArrayLike, name: str, shape: tuple[int, int] | None) -> IntMatrix:
    arr = np.asarray(m)
    if arr.ndim != 2:
        raise InvalidInputError.at(name, f"must be 2-D, got shape {arr.shape}")
    if shape is not None and arr.shape != shape:
        raise InvalidInputError.at(name, f"shape {arr.shape} does not match {shape}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            i, j = np.argwhere(~np.isfinite(arr))[0]
            raise InvalidInputError.at(name, f"entry [{i}, {j}] is {arr[i, j]}")
        if not np.all(arr == np.round(arr)):
            i, j = np.argwhere(arr != np.round(arr))[0]
            raise InvalidInputError.at(
                name, f"entry [{i}, {j}] = {arr[i, j]} is not an integer (units are m / s)"
            )
    elif not np.issubdtype(arr.dtype, np.integer):
        raise InvalidInputError.at(name, f"dtype {arr.dtype} is not numeric")
    if arr.size and arr.min() < 0:
        i, j = np.argwhere(arr < 0)[0]
        raise InvalidInputError.at(name, f"entry [{i}, {j}] = {arr[i, j]} is negative")
    if arr.shape[0] == arr.shape[1] and arr.size and np.any(np.diagonal(arr) != 0):
        i = int(np.argmax(np.diagonal(arr) != 0))
        raise InvalidInputError.at(name, f"diagonal entry [{i}, {i}] must be 0")
    return np.ascontiguousarray(arr, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Matrices:
    """A distance matrix (metres) and one duration matrix (seconds) per profile.

    Attributes
    ----------
    distance
        ``int64`` metres, shape ``(n, m)``.
    durations
        ``int64`` seconds keyed by profile name (vehicle type), same shape.
    source
        ``"great_circle"`` or ``"user"``.
    """

    distance: IntMatrix
    durations: dict[str, IntMatrix] = field(default_factory=dict)
    source: str = "great_circle"

    @classmethod
    def from_points(
        cls,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        *,
        profiles: tuple[str, ...] = tuple(VEHICLE_TYPES),
        circuity: float = DEFAULT_CIRCUITY,
    ) -> Matrices:
        """Square matrices over one point set, with a duration matrix per vehicle type."""
        dist = distance_matrix(lat, lon, circuity=circuity)
        durs = {p: SpeedProfile.for_type(p).seconds(dist) for p in profiles}
        return cls(dist, durs, "great_circle")

    @classmethod
    def from_user(
        cls,
        distance: npt.ArrayLike,
        durations: dict[str, npt.ArrayLike] | npt.ArrayLike,
    ) -> Matrices:
        """Matrices supplied by the caller (from any road-routing engine).

        ``durations`` is one matrix for every profile or a dict keyed by
        profile. Values must be finite, non-negative integers (metres and
        seconds); square matrices must have a zero diagonal.

        Raises
        ------
        InvalidInputError
            On wrong shapes, dtypes or values, naming the matrix and entry.
        """
        dist = _check_user_matrix(distance, "distance", None)
        shape = (int(dist.shape[0]), int(dist.shape[1]))
        if isinstance(durations, dict):
            if not durations:
                raise InvalidInputError.at("durations", "at least one duration matrix is required")
            durs = {
                k: _check_user_matrix(v, f"durations[{k!r}]", shape) for k, v in durations.items()
            }
        else:
            durs = {"default": _check_user_matrix(durations, "durations", shape)}
        return cls(dist, durs, "user")

    def duration(self, profile: str) -> IntMatrix:
        """The duration matrix of ``profile`` (or the single user matrix).

        Raises
        ------
        InvalidInputError
            If there is no matrix for ``profile``.
        """
        if profile in self.durations:
            return self.durations[profile]
        if "default" in self.durations:
            return self.durations["default"]
        raise InvalidInputError.at("profile", f"no duration matrix for profile {profile!r}")
