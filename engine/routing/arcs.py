"""Matrix-free arcs: distances and travel times computed from coordinates on demand.

A routing :class:`~engine.routing.model.Problem` over ``L`` sites normally holds an
``L×L`` distance matrix and one ``L×L`` duration matrix per speed profile (10,000 sites:
800 MB per ``int64`` matrix). In matrix-free mode it holds the coordinates instead: the
Rust core computes each arc when the search needs it, and the problem's ``distance`` and
``durations`` are :class:`LazyMatrix` / :class:`LazyDurations` views that compute the
entries asked for (``problem.distance[a, b]`` with integers or integer arrays). Every
value is bit for bit the matrix entry the matrix mode would have built:

``haversine``
    Great circle × circuity in integer metres, exactly as
    :func:`engine.geo.distance_matrix`; seconds from :class:`engine.geo.SpeedProfile`.
``euclidean``
    Planar ``x``/``y`` sites: Euclidean distance rounded half to even (``numpy.rint``,
    as :class:`~engine.routing.model.Model` does); travel time equals distance.
``euclidean_half_up``
    The VRPLIB ``EUC_2D`` rounding ``floor(d + 0.5)``; travel time equals distance.

:class:`~engine.routing.model.Model` picks the mode by itself above
:data:`MATRIX_FREE_ABOVE` sites (``Model.data(matrix_free=...)`` overrides it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from engine import _core
from engine.errors import InvalidInputError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Above this many sites a problem built from coordinates is matrix-free by default
#: (three ``int64`` matrices of 3,000² are 216 MB; below, the table lookups of the matrix
#: mode are as fast and every tool that wants a dense matrix has one).
MATRIX_FREE_ABOVE: Final = 3_000

#: Metric names understood by the core.
METRICS: Final = ("haversine", "euclidean", "euclidean_half_up")

#: Largest dense matrix a lazy view materialises on request (cells: 200 MB of int64).
MAX_DENSE_CELLS: Final = 25_000_000


@dataclass(frozen=True, eq=False)
class CoordinateArcs:
    """How a matrix-free problem's arcs are computed.

    Attributes
    ----------
    metric
        One of :data:`METRICS`.
    points
        ``L×2`` float64: ``(lat, lon)`` in degrees for ``haversine``, else ``(x, y)``.
    circuity
        Road distance / great-circle distance (``haversine`` only).
    speeds
        ``P×3`` float64 per speed profile: ``urban_kmh, highway_kmh, urban_m`` (see
        :class:`engine.geo.SpeedProfile`); a row of zeros means travel time equals
        distance.
    """

    metric: str
    points: FloatArray
    circuity: float
    speeds: FloatArray

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InvalidInputError.at("metric", f"{self.metric!r}: use one of {METRICS}")
        pts = np.ascontiguousarray(self.points, dtype=np.float64)
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise InvalidInputError.at("coordinates", f"expected shape (L, 2), got {pts.shape}")
        bad = ~np.isfinite(pts).all(axis=1)
        if self.metric == "haversine":
            bad |= (np.abs(pts[:, 0]) > 90) | (np.abs(pts[:, 1]) > 180)
            if not (np.isfinite(self.circuity) and self.circuity >= 1):
                raise InvalidInputError.at("circuity", f"must be >= 1, got {self.circuity}")
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidInputError.at(
                "coordinates", f"site {i}: ({pts[i, 0]}, {pts[i, 1]}) is not a valid point", i
            )
        sp = np.ascontiguousarray(self.speeds, dtype=np.float64).reshape(-1, 3)
        pts.flags.writeable = False
        sp.flags.writeable = False
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "speeds", sp)

    @property
    def num_locations(self) -> int:
        """Number of sites ``L``."""
        return int(self.points.shape[0])

    def distance(self, a: npt.ArrayLike, b: npt.ArrayLike) -> IntArray:
        """Distances from sites ``a`` to sites ``b`` (integer arrays, broadcast together)."""
        ia, ib = np.broadcast_arrays(self._index(a), self._index(b))
        pa, pb = self.points[ia.ravel()], self.points[ib.ravel()]
        if self.metric == "haversine":
            d = _core.pair_distances(
                np.ascontiguousarray(pa[:, 0]),
                np.ascontiguousarray(pa[:, 1]),
                np.ascontiguousarray(pb[:, 0]),
                np.ascontiguousarray(pb[:, 1]),
                float(self.circuity),
            )
        else:
            diff = pa - pb
            e = np.sqrt(diff[:, 0] * diff[:, 0] + diff[:, 1] * diff[:, 1])
            d = (np.rint(e) if self.metric == "euclidean" else np.floor(e + 0.5)).astype(np.int64)
        return np.asarray(d, dtype=np.int64).reshape(ia.shape)

    def duration(self, profile: int, a: npt.ArrayLike, b: npt.ArrayLike) -> IntArray:
        """Travel times of profile ``profile`` from sites ``a`` to sites ``b``."""
        d = self.distance(a, b)
        row = self.speeds[int(profile)]
        if not row.any():
            return d
        out = _core.duration_from_distance(
            np.ascontiguousarray(d.ravel()), float(row[0]), float(row[1]), float(row[2])
        )
        return np.asarray(out, dtype=np.int64).reshape(d.shape)

    def _index(self, key: npt.ArrayLike) -> IntArray:
        k = np.asarray(key)
        if not np.issubdtype(k.dtype, np.integer):
            raise InvalidInputError.at("index", f"site indices must be integers, got {k.dtype}")
        n = self.num_locations
        if k.size and (k.min() < -n or k.max() >= n):
            raise IndexError(f"site index out of range for {n} sites")
        return np.asarray(np.where(k < 0, k + n, k), dtype=np.int64)


def _pair_key(key: Any) -> tuple[Any, Any] | None:
    """``(rows, cols)`` when ``key`` indexes elementwise by integers, else None."""
    if not (isinstance(key, tuple) and len(key) == 2):
        return None
    for k in key:
        if isinstance(k, slice) or k is Ellipsis or k is None:
            return None
        if not np.issubdtype(np.asarray(k).dtype, np.integer):
            return None
    return key[0], key[1]


def _dense_guard(cells: int) -> None:
    if cells > MAX_DENSE_CELLS:
        raise InvalidInputError.at(
            "matrix",
            f"a dense matrix of {cells:,} cells is over {MAX_DENSE_CELLS:,}: this problem is "
            "matrix-free (index it by site pairs instead)",
        )


class LazyMatrix:
    """A read-only ``L×L`` matrix (distances, or one profile's travel times) computed on
    access: ``m[a, b]`` with integers or integer arrays (broadcast as NumPy does) computes
    just those entries; any other indexing, or ``numpy.asarray(m)``, builds the dense
    matrix (refused above :data:`MAX_DENSE_CELLS` cells with ``InvalidInputError``)."""

    def __init__(self, arcs: CoordinateArcs, profile: int | None = None) -> None:
        self.arcs = arcs
        self.profile = profile
        n = arcs.num_locations
        self.shape: tuple[int, int] = (n, n)
        self.dtype = np.dtype(np.int64)
        self.ndim = 2

    def _values(self, a: npt.ArrayLike, b: npt.ArrayLike) -> IntArray:
        if self.profile is None:
            return self.arcs.distance(a, b)
        return self.arcs.duration(self.profile, a, b)

    def dense(self) -> IntArray:
        """The whole matrix."""
        n = self.shape[0]
        _dense_guard(n * n)
        idx = np.arange(n, dtype=np.int64)
        return self._values(idx[:, None], idx[None, :])

    def __getitem__(self, key: Any) -> IntArray:
        pair = _pair_key(key)
        if pair is not None:
            return self._values(*pair)
        return self.dense()[key]  # type: ignore[no-any-return]

    def __array__(self, dtype: Any = None, copy: Any = None) -> IntArray:
        d = self.dense()
        return d if dtype is None else d.astype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        what = "distance" if self.profile is None else f"durations[{self.profile}]"
        return f"LazyMatrix({what}, {self.shape[0]}×{self.shape[1]}, {self.arcs.metric})"


class LazyDurations:
    """``P×L×L`` travel times computed on access: ``d[p]`` is a :class:`LazyMatrix`,
    ``d[p, a, b]`` computes entries; anything else builds the dense array (guarded)."""

    def __init__(self, arcs: CoordinateArcs) -> None:
        self.arcs = arcs
        n = arcs.num_locations
        self.shape: tuple[int, int, int] = (int(arcs.speeds.shape[0]), n, n)
        self.dtype = np.dtype(np.int64)
        self.ndim = 3

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int | np.integer):
            p = int(key)
            if not -self.shape[0] <= p < self.shape[0]:
                raise IndexError(f"profile {p} out of range for {self.shape[0]} profiles")
            return LazyMatrix(self.arcs, p % self.shape[0])
        if isinstance(key, tuple) and len(key) == 3 and isinstance(key[0], int | np.integer):
            pair = _pair_key(key[1:])
            if pair is not None:
                return self.arcs.duration(int(key[0]), *pair)
        return np.asarray(self)[key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> IntArray:
        p, n, _ = self.shape
        _dense_guard(p * n * n)
        d = np.stack([LazyMatrix(self.arcs, i).dense() for i in range(p)])
        return d if dtype is None else d.astype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        p, n, _ = self.shape
        return f"LazyDurations({p}×{n}×{n}, {self.arcs.metric})"
