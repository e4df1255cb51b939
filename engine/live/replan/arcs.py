"""Distances and free-flow travel times of a live plan's sites, kept across re-plans.

Every event re-plans the same live plan over nearly the same sites: the job sites and
the end depots change only by the jobs added since, while the vehicles' positions move.
:class:`SiteArcs` keeps the distance and free-flow travel-time matrices of the fixed
sites (job sites and end depots, keyed by their coordinates) with spare room and
computes only the rows and columns of points it has not seen; a re-plan adds the rows
and columns of the vehicles' current positions and gathers its problem's matrices from
it in blocks of rows (no ``L×L`` temporaries). Every value is the one
:func:`engine.geo.distance_matrix` and :meth:`engine.geo.SpeedProfile.seconds` give for
the same two points, cell for cell, so a problem built from the cache equals one built
from scratch.

One cache per plan (:func:`site_arcs`), held weakly: it goes with the plan. It is rebuilt
when the plan's circuity changes or when most of its rows belong to points no longer
used (a long-running plan whose jobs were served).
"""

from __future__ import annotations

import weakref

import numpy as np
import numpy.typing as npt

from engine.geo import SpeedProfile, distance_matrix
from engine.live.state import LivePlan

IntMatrix = npt.NDArray[np.int64]

#: Rows gathered (or computed) at a time: keeps temporaries small and reused.
ROW_BLOCK = 256
#: Spare room when the cache grows (share of the rows needed).
SPARE = 0.25
#: Rebuild when fewer than this share of the cached rows are in use.
MIN_LIVE_SHARE = 0.5

Point = tuple[float, float]


class SiteArcs:
    """Distance and free-flow travel-time matrices of the fixed points of a plan.

    Attributes
    ----------
    circuity
        The plan's circuity the distances were computed with.
    n
        Points cached (rows in use).
    """

    def __init__(self, circuity: float) -> None:
        self.circuity = circuity
        self.slot: dict[Point, int] = {}
        self.n = 0
        self.lat = np.empty(0, dtype=np.float64)
        self.lon = np.empty(0, dtype=np.float64)
        self.dist: IntMatrix = np.empty((0, 0), dtype=np.int64)
        self.free: dict[str, IntMatrix] = {}

    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return int(self.dist.shape[0])

    def _grow(self, need: int) -> None:
        cap = max(64, int(need * (1 + SPARE)))
        n = self.n
        lat = np.zeros(cap, dtype=np.float64)
        lon = np.zeros(cap, dtype=np.float64)
        lat[:n], lon[:n] = self.lat[:n], self.lon[:n]
        self.lat, self.lon = lat, lon
        dist = np.zeros((cap, cap), dtype=np.int64)
        dist[:n, :n] = self.dist[:n, :n]
        self.dist = dist
        for p, m in self.free.items():
            f = np.zeros((cap, cap), dtype=np.int64)
            f[:n, :n] = m[:n, :n]
            self.free[p] = f

    def slots(self, points: list[Point]) -> npt.NDArray[np.intp]:
        """The rows of ``points`` (new points are added: their rows and columns computed)."""
        new: list[Point] = []
        for pt in points:
            if pt not in self.slot:
                self.slot[pt] = self.n + len(new)
                new.append(pt)
        if new:
            n, k = self.n, len(new)
            if n + k > self.capacity:
                self._grow(n + k)
            self.lat[n : n + k] = [p[0] for p in new]
            self.lon[n : n + k] = [p[1] for p in new]
            lat, lon = self.lat[: n + k], self.lon[: n + k]
            nlat, nlon = lat[n:], lon[n:]
            rows = distance_matrix(nlat, nlon, lat, lon, circuity=self.circuity)
            cols = distance_matrix(lat[:n], lon[:n], nlat, nlon, circuity=self.circuity)
            self.dist[n : n + k, : n + k] = rows
            self.dist[:n, n : n + k] = cols
            for p, m in self.free.items():
                sp = SpeedProfile.for_type(p)
                m[n : n + k, : n + k] = sp.seconds(rows)
                m[:n, n : n + k] = sp.seconds(cols)
            self.n = n + k
        return np.fromiter((self.slot[p] for p in points), dtype=np.intp, count=len(points))

    def profile(self, name: str) -> IntMatrix:
        """Free-flow travel times of speed profile ``name`` between the cached points."""
        m = self.free.get(name)
        if m is None:
            m = np.zeros((self.capacity, self.capacity), dtype=np.int64)
            sp = SpeedProfile.for_type(name)
            for a in range(0, self.n, ROW_BLOCK):
                b = min(self.n, a + ROW_BLOCK)
                m[a:b, : self.n] = sp.seconds(self.dist[a:b, : self.n])
            self.free[name] = m
        return m

    def matrices(
        self,
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        moving: npt.NDArray[np.bool_],
        profiles: list[str],
    ) -> tuple[IntMatrix, IntMatrix]:
        """Distance (``L×L``) and free-flow durations (``P×L×L``, ``profiles`` in order)
        between the points ``(lat, lon)``; points flagged ``moving`` (vehicle positions)
        are computed for this call only, the others come from (and go into) the cache."""
        n_pts = lat.shape[0]
        fixed = ~moving
        slot = np.zeros(n_pts, dtype=np.intp)
        slot[fixed] = self.slots(list(zip(lat[fixed].tolist(), lon[fixed].tolist(), strict=True)))
        frees = [self.profile(p) for p in profiles]
        dist = np.empty((n_pts, n_pts), dtype=np.int64)
        durs = np.empty((len(profiles), n_pts, n_pts), dtype=np.int64)
        cols = slot[None, :]
        for a in range(0, n_pts, ROW_BLOCK):
            rows = slot[a : a + ROW_BLOCK, None]
            dist[a : a + ROW_BLOCK] = self.dist[rows, cols]
            for i, f in enumerate(frees):
                durs[i, a : a + ROW_BLOCK] = f[rows, cols]
        mv = np.flatnonzero(moving)
        if mv.size:
            out = distance_matrix(lat[mv], lon[mv], lat, lon, circuity=self.circuity)
            into = distance_matrix(lat, lon, lat[mv], lon[mv], circuity=self.circuity)
            dist[:, mv] = into
            dist[mv, :] = out
            for i, p in enumerate(profiles):
                sp = SpeedProfile.for_type(p)
                durs[i][:, mv] = sp.seconds(into)
                durs[i][mv, :] = sp.seconds(out)
        return dist, durs


#: ``id(plan) -> (weak reference to the plan, its cache)``; an entry leaves with its plan.
_CACHE: dict[int, tuple[weakref.ref[LivePlan], SiteArcs]] = {}


def site_arcs(plan: LivePlan, in_use: int) -> SiteArcs:
    """The cache of ``plan`` (``in_use``: fixed points the coming problem has), new or
    rebuilt when the circuity changed or too few cached rows are still in use."""
    key = id(plan)
    entry = _CACHE.get(key)
    c = entry[1] if entry is not None and entry[0]() is plan else None
    stale = c is not None and (
        c.circuity != plan.circuity or (c.n > 256 and in_use < MIN_LIVE_SHARE * c.n)
    )
    if c is None or stale:
        c = SiteArcs(plan.circuity)
        if entry is None or entry[0]() is not plan:
            weakref.finalize(plan, _CACHE.pop, key, None)
        _CACHE[key] = (weakref.ref(plan), c)
    return c
