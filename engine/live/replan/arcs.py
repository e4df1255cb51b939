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

import mmap
import sys
import threading
import weakref
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.errors import InvalidInputError
from engine.geo import SpeedProfile, distance_matrix
from engine.live.state import LivePlan, LiveVehicle, Slowdown
from engine.live.traffic import leg_hits

IntMatrix = npt.NDArray[np.int64]

#: Rows gathered (or computed) at a time: keeps temporaries small and reused.
ROW_BLOCK = 256
#: Spare room when the cache or a buffer grows (share of the rows or cells needed).
SPARE = 0.1
#: Cells of the cache: metres and seconds fit 32 bits (half the Earth's circumference
#: is 2·10^7 m; checked as computed).
CELL = np.int32
#: Buffers kept for the problems' matrices (a re-plan's problem may outlive it, in its
#: result, while the next re-plan runs; a correction round re-times a second problem).
KEPT_BUFFERS = 3
#: Rebuild when fewer than this share of the cached rows are in use.
MIN_LIVE_SHARE = 0.5

Point = tuple[float, float]
#: A vehicle as a re-plan left it: route, delay, latitude, longitude.
Left = tuple[tuple[str, ...], int, float, float]


def _pages(n: int, dtype: Any) -> npt.NDArray[Any]:
    """``n`` zeros of ``dtype`` in an anonymous memory map: plain pages, faulted in as
    written. (NumPy advises transparent huge pages for large arrays; on a busy host the
    kernel may then compact memory in the faulting thread, which cost seconds here.)"""
    if n == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, n * np.dtype(dtype).itemsize), dtype=dtype)


def _put(dst: npt.NDArray[np.int32], values: IntMatrix) -> None:
    """``dst[...] = values``, refusing values that do not fit a cache cell."""
    if values.size and int(values.max()) > np.iinfo(CELL).max:
        raise InvalidInputError.at(
            "distance", f"an arc of {int(values.max())} does not fit the re-plan's arc cache"
        )
    dst[...] = values


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
        self.dist: npt.NDArray[np.int32] = np.empty((0, 0), dtype=CELL)
        self.free: dict[str, npt.NDArray[np.int32]] = {}
        self.lock = threading.Lock()
        self._bufs: list[npt.NDArray[np.int64]] = []
        #: What the last re-plan left (see :func:`settled_routes`): per vehicle its
        #: route, delay and position, and the plan's slowdowns; ``None`` until a re-plan
        #: took its search's routes.
        self.after: tuple[dict[str, Left], list[Slowdown]] | None = None

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
        dist = _pages(cap * cap, CELL).reshape(cap, cap)
        dist[:n, :n] = self.dist[:n, :n]
        self.dist = dist
        for p, m in self.free.items():
            f = _pages(cap * cap, CELL).reshape(cap, cap)
            f[:n, :n] = m[:n, :n]
            self.free[p] = f

    def _buffer(self, size: int) -> npt.NDArray[np.int64]:
        """A flat buffer of at least ``size`` cells for a problem's matrices: one of
        the kept buffers that no problem still uses (no view of it is alive), else a
        new one (kept, up to :data:`KEPT_BUFFERS`). Writing into memory already
        touched costs far less than fresh pages, which a virtual machine may fault
        in slowly."""
        for b in self._bufs:
            # References: the list, ``b`` and the call's argument; a live view adds one.
            if b.size >= size and sys.getrefcount(b) <= 3:
                return b
        b = _pages(int(size * (1 + SPARE)), np.int64)
        if len(self._bufs) >= KEPT_BUFFERS:
            self._bufs.pop(0)
        self._bufs.append(b)
        return b

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
            profiles = [(SpeedProfile.for_type(p), m) for p, m in self.free.items()]
            # In blocks of rows: the new rows against every point, then the old rows
            # against the new points.
            for a in range(n, n + k, ROW_BLOCK):
                b = min(n + k, a + ROW_BLOCK)
                rows = distance_matrix(lat[a:b], lon[a:b], lat, lon, circuity=self.circuity)
                _put(self.dist[a:b, : n + k], rows)
                for sp, m in profiles:
                    _put(m[a:b, : n + k], sp.seconds(rows))
            for a in range(0, n, ROW_BLOCK):
                b = min(n, a + ROW_BLOCK)
                cols = distance_matrix(lat[a:b], lon[a:b], lat[n:], lon[n:], circuity=self.circuity)
                _put(self.dist[a:b, n : n + k], cols)
                for sp, m in profiles:
                    _put(m[a:b, n : n + k], sp.seconds(cols))
            self.n = n + k
        return np.fromiter((self.slot[p] for p in points), dtype=np.intp, count=len(points))

    def profile(self, name: str) -> npt.NDArray[np.int32]:
        """Free-flow travel times of speed profile ``name`` between the cached points."""
        m = self.free.get(name)
        if m is None:
            m = _pages(self.capacity**2, CELL).reshape(self.capacity, self.capacity)
            sp = SpeedProfile.for_type(name)
            for a in range(0, self.n, ROW_BLOCK):
                b = min(self.n, a + ROW_BLOCK)
                _put(m[a:b, : self.n], sp.seconds(self.dist[a:b, : self.n].astype(np.int64)))
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
        are computed for this call only, the others come from (and go into) the cache.

        The matrices are views of a buffer kept for the next re-plans once no problem
        uses them any more (see :meth:`_buffer`)."""
        with self.lock:
            return self._matrices(lat, lon, moving, profiles)

    def _matrices(
        self,
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        moving: npt.NDArray[np.bool_],
        profiles: list[str],
    ) -> tuple[IntMatrix, IntMatrix]:
        n_pts = lat.shape[0]
        fixed = ~moving
        slot = np.zeros(n_pts, dtype=np.intp)
        slot[fixed] = self.slots(list(zip(lat[fixed].tolist(), lon[fixed].tolist(), strict=True)))
        frees = [self.profile(p) for p in profiles]
        cells = n_pts * n_pts
        buf = self._buffer((1 + len(profiles)) * cells)
        dist = buf[:cells].reshape(n_pts, n_pts)
        durs = buf[cells : (1 + len(profiles)) * cells].reshape(len(profiles), n_pts, n_pts)
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


def remember_routes(plan: LivePlan, searched: bool) -> None:
    """Record the routes a re-plan just gave ``plan`` (``searched``: they are its search's
    routes, which its local-search descents left without an improving move between
    routes they did not change; else the plan kept is not recorded)."""
    entry = _CACHE.get(id(plan))
    if entry is None or entry[0]() is not plan:
        return
    c = entry[1]
    routes = {
        vid: (tuple(v.route), v.delay_s, v.lat, v.lon)
        for vid, v in plan.vehicles.items()
        if v.status == "active"
    }
    c.after = (routes, list(plan.slowdowns)) if searched else None


def settled_routes(plan: LivePlan, vehicles: list[LiveVehicle]) -> list[bool] | None:
    """Per vehicle (in order): its route is settled (see ``engine.routing.core.search``)
    when it is the route the last re-plan left it, less the stops served since, with the
    same delay, and no slowdown added or removed since touches a leg of it (or of the
    way to its first stop). ``None`` when nothing is known (no earlier re-plan, or it
    kept the plan it had). A heuristic: a route the last search changed but could not
    descend within its time counts as settled too; the search still improves it by
    ruin and recreate, and moves touching it are tried again once it changes. A vehicle
    that only moved on (served stops, reported a position) keeps its routes settled, as
    time passing does; a delay, a changed route or a new jam unsettles them."""
    entry = _CACHE.get(id(plan))
    if entry is None or entry[0]() is not plan or entry[1].after is None:
        return None
    routes, slowdowns = entry[1].after
    changed = [s for s in plan.slowdowns if s not in slowdowns]
    changed += [s for s in slowdowns if s not in plan.slowdowns]
    out = []
    for v in vehicles:
        last = routes.get(v.vehicle_id)
        route = tuple(v.route)
        ok = (
            last is not None
            and last[1] == v.delay_s
            and len(route) <= len(last[0])
            and last[0][len(last[0]) - len(route) :] == route
        )
        if ok and changed and route:
            pts = [(v.lat, v.lon)] + [(plan.jobs[j].lat, plan.jobs[j].lon) for j in route]
            ids = [f"@{v.vehicle_id}", *route]
            ok = not any(
                leg_hits(s, pts[i], pts[i + 1], ids[i], ids[i + 1])
                for s in changed
                for i in range(len(route))
            )
        out.append(ok)
    return out
