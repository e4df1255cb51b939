"""Traffic slowdowns: which legs an area or leg slowdown applies to, and the factor."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from engine.live.state import Slowdown
from engine.units import EARTH_RADIUS_M

Point = tuple[float, float]


def _local_xy(p: Point, origin: Point) -> tuple[float, float]:
    """Equirectangular projection around ``origin`` in metres (fine for areas < 500 km)."""
    lat0 = math.radians(origin[0])
    x = math.radians(p[1] - origin[1]) * math.cos(lat0) * EARTH_RADIUS_M
    y = math.radians(p[0] - origin[0]) * EARTH_RADIUS_M
    return x, y


def _segment_circle(a: Point, b: Point, center: Point, radius_m: float) -> bool:
    ax, ay = _local_xy(a, center)
    bx, by = _local_xy(b, center)
    dx, dy = bx - ax, by - ay
    seg2 = dx * dx + dy * dy
    t = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / seg2))
    px, py = ax + t * dx, ay + t * dy
    return px * px + py * py <= radius_m * radius_m


def _inside(p: tuple[float, float], poly: Sequence[tuple[float, float]]) -> bool:
    x, y = p
    inside = False
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_intersect(
    p1: tuple[float, float],
    p2: tuple[float, float],
    q1: tuple[float, float],
    q2: tuple[float, float],
) -> bool:
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return (d1 * d2 < 0) and (d3 * d4 < 0)


def _segment_polygon(a: Point, b: Point, polygon: Sequence[Point]) -> bool:
    origin = polygon[0]
    poly = [_local_xy(p, origin) for p in polygon]
    pa, pb = _local_xy(a, origin), _local_xy(b, origin)
    if _inside(pa, poly) or _inside(pb, poly):
        return True
    n = len(poly)
    return any(_segments_intersect(pa, pb, poly[i], poly[(i + 1) % n]) for i in range(n))


def leg_hits(s: Slowdown, a: Point, b: Point, a_id: str, b_id: str) -> bool:
    """Does slowdown ``s`` apply to the leg from ``a`` to ``b`` (ignoring time)?"""
    if s.leg is not None:
        return s.leg == (a_id, b_id)
    if s.area is None:
        return False
    if s.area[0] == "circle":
        _, lat, lon, r = s.area
        return _segment_circle(a, b, (float(lat), float(lon)), float(r))  # type: ignore[arg-type]
    _, pts = s.area
    return _segment_polygon(a, b, pts)  # type: ignore[arg-type]


def leg_factor(
    slowdowns: Sequence[Slowdown], a: Point, b: Point, a_id: str, b_id: str, depart: int
) -> float:
    """Travel-time multiplier of a leg departing at ``depart`` (the largest active factor)."""
    f = 1.0
    for s in slowdowns:
        if s.start <= depart <= s.end and s.factor > f and leg_hits(s, a, b, a_id, b_id):
            f = s.factor
    return f


def leg_factor_over(
    slowdowns: Sequence[Slowdown], a: Point, b: Point, a_id: str, b_id: str, t0: int, t1: int
) -> float:
    """Multiplier for planning: the largest factor of slowdowns overlapping ``[t0, t1]``."""
    f = 1.0
    for s in slowdowns:
        if s.end >= t0 and s.start <= t1 and s.factor > f and leg_hits(s, a, b, a_id, b_id):
            f = s.factor
    return f


def factor_matrix(
    slowdowns: Sequence[Slowdown],
    lat: np.ndarray,
    lon: np.ndarray,
    names: Sequence[str],
    t0: int,
    t1: int,
    depart: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Travel-time multipliers for every leg between the points, for planning over
    ``[t0, t1]``: the largest factor of the slowdowns active then that touch the leg.

    With ``depart = (lo, hi)``, legs leaving point ``i`` are expected to depart within
    ``[lo[i], hi[i]]`` and only slowdowns active at some time of that interval apply to
    them (``lo == hi`` at the predicted departure reproduces the ETA forecast for a
    route driven as planned).

    Vectorized over legs: circles by point-to-segment distance, polygons by endpoint
    containment and edge crossings, named legs by lookup.
    """
    n = lat.shape[0]
    out = np.ones((n, n), dtype=np.float64)
    rows, block = factor_rows(slowdowns, lat, lon, names, t0, t1, depart)
    out[rows] = block
    np.fill_diagonal(out, 1.0)
    return out


#: Rows of legs tested at a time (keeps the pairwise temporaries small and reused).
HIT_ROWS = 128


def factor_rows(
    slowdowns: Sequence[Slowdown],
    lat: np.ndarray,
    lon: np.ndarray,
    names: Sequence[str],
    t0: int,
    t1: int,
    depart: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`factor_matrix` restricted to the rows (legs' origins) a slowdown touches:
    ``(rows, block)`` with ``block[i]`` the multipliers of the legs leaving
    ``rows[i]``; every other leg's multiplier is 1 (the diagonal may be > 1 here)."""
    n = lat.shape[0]
    parts = list(factor_blocks(slowdowns, lat, lon, names, t0, t1, depart))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.ones((0, n), dtype=np.float64)
    return np.concatenate([r for r, _ in parts]), np.concatenate([f for _, f in parts])


def factor_blocks(
    slowdowns: Sequence[Slowdown],
    lat: np.ndarray,
    lon: np.ndarray,
    names: Sequence[str],
    t0: int,
    t1: int,
    depart: tuple[np.ndarray, np.ndarray] | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """:func:`factor_rows` in blocks of at most :data:`HIT_ROWS` rows (ascending): each
    ``(rows, block)`` holds only rows a slowdown touches. Nothing ``L×L`` is built: the
    pairwise tests run on one block of rows at a time."""
    n = lat.shape[0]
    pos = {nm: i for i, nm in enumerate(names)}
    legs: list[tuple[int, int, float]] = []
    areas: list[tuple[np.ndarray, Slowdown, np.ndarray, np.ndarray, Any]] = []
    cand = np.zeros(n, dtype=bool)
    for s in slowdowns:
        if s.end < t0 or s.start > t1 or s.factor <= 1.0:
            continue
        rows = None if depart is None else (depart[0] <= s.end) & (depart[1] >= s.start)
        if rows is not None and not rows.any():
            continue
        if s.leg is not None:
            a, b = pos.get(s.leg[0]), pos.get(s.leg[1])
            if a is not None and b is not None and (rows is None or rows[a]):
                legs.append((a, b, float(s.factor)))
                cand[a] = True
            continue
        if s.area is None:
            continue
        # Only the legs that may depart while the slowdown is active (rows) are tested.
        mask = np.ones(n, dtype=bool) if rows is None else rows
        if s.area[0] == "circle":
            _, clat, clon, _r = s.area
            origin = (float(clat), float(clon))  # type: ignore[arg-type]
            x, y = _xy_arrays(lat, lon, origin)
            extra: Any = None
        else:
            pts = list(s.area[1])  # type: ignore[call-overload]
            origin = (float(pts[0][0]), float(pts[0][1]))
            x, y = _xy_arrays(lat, lon, origin)
            poly = [_local_xy((float(p[0]), float(p[1])), origin) for p in pts]
            extra = (poly, _inside_all(x, y, poly))
        areas.append((mask, s, x, y, extra))
        cand |= mask
    rows_c = np.flatnonzero(cand)
    for c in range(0, rows_c.size, HIT_ROWS):
        rws = rows_c[c : c + HIT_ROWS]
        block = np.ones((rws.size, n), dtype=np.float64)
        for mask, s, x, y, extra in areas:
            sel = mask[rws]
            if not sel.any():
                continue
            sub = rws[sel]
            area = s.area
            assert area is not None
            if extra is None:
                hit = _circle_hits(x[sub], y[sub], x, y, float(area[3]))  # type: ignore[arg-type]
            else:
                poly, inside = extra
                hit = _polygon_hits(x[sub], y[sub], inside[sub], x, y, inside, poly)
            cur = block[sel]
            np.maximum(cur, float(s.factor), out=cur, where=hit)
            block[sel] = cur
        for a, b, f in legs:
            i = np.searchsorted(rws, a)
            if i < rws.size and rws[i] == a:
                block[i, b] = max(block[i, b], f)
        touched = (block > 1.0).any(axis=1)
        if touched.any():
            yield (rws, block) if touched.all() else (rws[touched], block[touched])


def _circle_hits(
    ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, r: float
) -> np.ndarray:
    """``hit[i, j]``: the segment from ``a[i]`` to ``b[j]`` (local metres, the circle's
    centre at the origin) comes within ``r`` of the centre. An endpoint inside, or the
    closest point of the line strictly between the endpoints (``a·b < |a|²`` and
    ``a·b < |b|²``) and the line within ``r`` (``(a×b)² ≤ r² |b - a|²``); the dot and
    cross products of all pairs come from two matrix products."""
    a = np.stack([ax, ay], axis=1)
    aa = (ax * ax + ay * ay)[:, None]
    bb = (bx * bx + by * by)[None, :]
    g = a @ np.stack([bx, by])
    c = a @ np.stack([by, -bx])
    r2 = r * r
    hit: np.ndarray = (g < aa) & (g < bb)
    hit &= c * c <= r2 * (aa + bb - 2.0 * g)
    hit |= aa <= r2
    hit |= bb <= r2
    return hit


def _polygon_hits(
    ax: np.ndarray,
    ay: np.ndarray,
    a_in: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    b_in: np.ndarray,
    poly: Sequence[tuple[float, float]],
) -> np.ndarray:
    """``hit[i, j]``: the segment from ``a[i]`` to ``b[j]`` has an endpoint inside the
    polygon or properly crosses one of its edges (as :func:`_segments_intersect`). The
    pairwise part of the edge test, ``a × b``, is one matrix product shared by all edges;
    the rest is per point."""
    hit: np.ndarray = a_in[:, None] | b_in[None, :]
    cab = np.stack([ax, ay], axis=1) @ np.stack([by, -bx])  # a × b
    n = len(poly)
    for k in range(n):
        (qx1, qy1), (qx2, qy2) = poly[k], poly[(k + 1) % n]
        d1 = (qx2 - qx1) * (ay - qy1) - (qy2 - qy1) * (ax - qx1)
        d2 = (qx2 - qx1) * (by - qy1) - (qy2 - qy1) * (bx - qx1)
        side = (d1[:, None] < 0) & (d2[None, :] > 0) | (d1[:, None] > 0) & (d2[None, :] < 0)
        if not side.any():
            continue
        # d3 = (b - a) × (q1 - a), d4 = (b - a) × (q2 - a), each split into b, a and a × b
        d3 = (bx * qy1 - by * qx1)[None, :] + (ay * qx1 - ax * qy1)[:, None] + cab
        d4 = (bx * qy2 - by * qx2)[None, :] + (ay * qx2 - ax * qy2)[:, None] + cab
        hit |= side & ((d3 < 0) & (d4 > 0) | (d3 > 0) & (d4 < 0))
    return hit


def _inside_all(x: np.ndarray, y: np.ndarray, poly: Sequence[tuple[float, float]]) -> np.ndarray:
    """:func:`_inside` for every point ``(x[i], y[i])`` at once (ray casting)."""
    inside = np.zeros(x.shape[0], dtype=bool)
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if y1 == y2:
            continue  # a horizontal edge never satisfies (y1 > y) != (y2 > y)
        crosses = (y1 > y) != (y2 > y)
        inside ^= crosses & (x < (x2 - x1) * (y - y1) / (y2 - y1) + x1)
    return inside


def _xy_arrays(lat: np.ndarray, lon: np.ndarray, origin: Point) -> tuple[np.ndarray, np.ndarray]:
    lat0 = math.radians(origin[0])
    x = np.radians(lon - origin[1]) * math.cos(lat0) * EARTH_RADIUS_M
    y = np.radians(lat - origin[0]) * EARTH_RADIUS_M
    return x, y
