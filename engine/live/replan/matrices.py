"""Free-flow matrices of a re-plan, kept between re-plans of the same plan.

A live plan's stops do not move: between two re-plans only the vehicles' positions
change, a few stops are added (new orders) and some are gone (served, cancelled). The
distances and free-flow travel times between stops (and end depots) are therefore
computed once and kept in a :class:`SiteMatrices` per plan; a re-plan gathers the rows
it needs, computes only the rows and columns of the vehicles' current positions and of
stops it has not seen, and applies traffic only to the legs a slowdown can touch
(:func:`engine.live.replan.problem.durations`).

The cache is keyed by the plan object and validated by coordinates (a point is looked
up by its latitude and longitude, never by a job id), so a wrong key can only cost time,
never give a wrong matrix.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from engine.geo import SpeedProfile, distance_matrix

IntMatrix = npt.NDArray[np.int64]

#: Plans whose matrices are kept (least recently used dropped first).
MAX_PLANS = 4


class SiteMatrices:
    """Distances and per-profile free-flow durations among the fixed points of a plan
    (stops and end depots), extended as new points appear and compacted when most of
    the points it holds are gone."""

    def __init__(self, circuity: float) -> None:
        self.circuity = circuity
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.keys: dict[tuple[float, float], int] = {}
        self.lat = np.zeros(0, dtype=np.float64)
        self.lon = np.zeros(0, dtype=np.float64)
        self.dist: IntMatrix = np.zeros((0, 0), dtype=np.int64)
        self.durs: dict[str, IntMatrix] = {}

    @property
    def size(self) -> int:
        """Points held."""
        return len(self.keys)

    def _extend(self, lat: list[float], lon: list[float]) -> None:
        n, k = self.size, len(lat)
        new_lat = np.concatenate([self.lat, np.asarray(lat, dtype=np.float64)])
        new_lon = np.concatenate([self.lon, np.asarray(lon, dtype=np.float64)])
        dist = np.empty((n + k, n + k), dtype=np.int64)
        dist[:n, :n] = self.dist
        fresh = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        dist[n:, :] = distance_matrix(*fresh, new_lat, new_lon, circuity=self.circuity)
        dist[:n, n:] = distance_matrix(self.lat, self.lon, *fresh, circuity=self.circuity)
        durs = {}
        for p, old in self.durs.items():
            d = np.empty_like(dist)
            d[:n, :n] = old
            prof = SpeedProfile.for_type(p)
            d[n:, :] = prof.seconds(dist[n:, :])
            d[:n, n:] = prof.seconds(dist[:n, n:])
            durs[p] = d
        for i, key in enumerate(zip(lat, lon, strict=True)):
            self.keys[key] = n + i
        self.lat, self.lon, self.dist, self.durs = new_lat, new_lon, dist, durs

    def gather(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], profiles: list[str]
    ) -> tuple[IntMatrix, dict[str, IntMatrix]]:
        """Distances and free-flow durations (per profile) among the given points, in
        their order, computing only those for points not seen before."""
        keys = list(zip(lat.tolist(), lon.tolist(), strict=True))
        with self.lock:
            if self.size > 2 * len(set(keys)) + 256:
                self._reset()  # compact: most of the points held are gone
            new = list(dict.fromkeys(k for k in keys if k not in self.keys))
            if new:
                self._extend([k[0] for k in new], [k[1] for k in new])
            for p in profiles:
                if p not in self.durs:
                    self.durs[p] = SpeedProfile.for_type(p).seconds(self.dist)
            idx = np.fromiter((self.keys[k] for k in keys), dtype=np.int64, count=len(keys))
            sel = np.ix_(idx, idx)
            return self.dist[sel], {p: self.durs[p][sel] for p in profiles}


_CACHES: OrderedDict[tuple[int, float], SiteMatrices] = OrderedDict()
_GUARD = threading.Lock()


def for_plan(plan_key: int, circuity: float) -> SiteMatrices:
    """The matrices kept for the plan with key ``plan_key`` (``id(plan)``)."""
    key = (plan_key, float(circuity))
    with _GUARD:
        sm = _CACHES.get(key)
        if sm is None:
            sm = _CACHES[key] = SiteMatrices(circuity)
            while len(_CACHES) > MAX_PLANS:
                _CACHES.popitem(last=False)
        else:
            _CACHES.move_to_end(key)
        return sm


def clear() -> None:
    """Forget every kept matrix."""
    with _GUARD:
        _CACHES.clear()


def site_matrices(
    plan_key: int,
    circuity: float,
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    moving: npt.NDArray[np.bool_],
    profiles: list[str],
) -> tuple[IntMatrix, dict[str, IntMatrix]]:
    """Distances and free-flow durations among all points: the ``moving`` ones (vehicle
    positions) computed now, the others gathered from the plan's kept matrices."""
    fixed = np.flatnonzero(~moving)
    mov = np.flatnonzero(moving)
    n = lat.shape[0]
    fd, fdurs = for_plan(plan_key, circuity).gather(lat[fixed], lon[fixed], profiles)
    dist = np.empty((n, n), dtype=np.int64)
    durs = {p: np.empty((n, n), dtype=np.int64) for p in profiles}
    sel = np.ix_(fixed, fixed)
    dist[sel] = fd
    for p in profiles:
        durs[p][sel] = fdurs[p]
    if mov.size:
        dist[mov, :] = distance_matrix(lat[mov], lon[mov], lat, lon, circuity=circuity)
        dist[:, mov] = distance_matrix(lat, lon, lat[mov], lon[mov], circuity=circuity)
        for p in profiles:
            prof = SpeedProfile.for_type(p)
            durs[p][mov, :] = prof.seconds(dist[mov, :])
            durs[p][:, mov] = prof.seconds(dist[:, mov])
    return dist, durs
