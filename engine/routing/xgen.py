"""Seeded CVRP instances in the style of the X set (Uchoa et al., 2017).

The rules of "New benchmark instances for the Capacitated Vehicle Routing Problem"
(E. Uchoa, D. Pecin, A. Pessoa, M. Poggi, T. Vidal, A. Subramanian, EJOR 257, 2017),
section 3, on the integer grid ``[0, 1000]²``:

Depot position
    ``C`` central ``(500, 500)``; ``E`` eccentric ``(0, 0)``; ``R`` random.
Customer positioning
    ``R`` random (uniform over the grid); ``C`` clustered: ``S ~ U{3..8}`` seed
    customers placed at random, every other customer drawn by rejection, a random point
    ``p`` being accepted with probability ``Σ_s exp(-d(p, s) / 40)``; ``RC``: half the
    customers clustered that way, the other half random. No two points coincide.
Demand distribution
    ``U`` unitary (1); ``1-10`` and ``5-10`` (small values, large / small variance);
    ``1-100`` and ``50-100`` (large values, large / small variance); ``Q`` depending on
    the quadrant (``U{51..100}`` in the first and third quadrants around ``(500, 500)``,
    else ``U{1..50}``); ``SL`` many small values, few large (a share ``U[0.70, 0.95]``
    of customers ``U{1..10}``, the rest ``U{50..100}``).
Capacity
    The average route size ``r`` is drawn from the triangular distribution
    ``T(3, 6, 25)``; ``Q = ceil(r · Σ demand / n)`` (raised to the largest demand when
    below it, which the rule allows for short routes of ``SL`` demands: otherwise the
    instance would be infeasible).

Distances are Euclidean, rounded to the nearest integer (the set's convention); the
fleet is unlimited (one vehicle per customer available).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from engine.errors import InvalidInputError
from engine.routing.model import Model, Problem

DEPOTS: Final = ("C", "E", "R")
CUSTOMERS: Final = ("R", "C", "RC")
DEMANDS: Final = ("U", "1-10", "5-10", "1-100", "50-100", "Q", "SL")
GRID: Final = 1000


@dataclass(frozen=True)
class XInstance:
    """A generated instance: its parameters, points and the routing problem.

    Attributes
    ----------
    xy
        ``(n + 1) × 2`` integer points, depot first.
    demand
        ``n + 1`` demands (the depot's is 0).
    seeds
        Indices (into ``xy``) of the cluster seed customers (empty for ``R``).
    """

    name: str
    depot: str
    customers: str
    demand_kind: str
    route_size: float
    capacity: int
    xy: npt.NDArray[np.int64]
    demand: npt.NDArray[np.int64]
    seeds: tuple[int, ...]
    problem: Problem

    def write_vrplib(self, path: str | Path) -> Path:
        """Write the instance as a CVRPLIB ``.vrp`` file (``EUC_2D``)."""
        p = Path(path)
        n = len(self.xy)
        lines = [
            f"NAME : {self.name}",
            f"COMMENT : X-style (Uchoa et al. 2017 rules) {self.depot}/{self.customers}/"
            f"{self.demand_kind} r={self.route_size:.2f}",
            "TYPE : CVRP",
            f"DIMENSION : {n}",
            "EDGE_WEIGHT_TYPE : EUC_2D",
            f"CAPACITY : {self.capacity}",
            "NODE_COORD_SECTION",
            *(f"{i + 1}\t{x}\t{y}" for i, (x, y) in enumerate(self.xy.tolist())),
            "DEMAND_SECTION",
            *(f"{i + 1}\t{d}" for i, d in enumerate(self.demand.tolist())),
            "DEPOT_SECTION",
            "1",
            "-1",
            "EOF",
        ]
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return p


def _triangular(rng: np.random.Generator, a: float, c: float, b: float) -> float:
    return float(rng.triangular(a, c, b))


def _positions(
    rng: np.random.Generator, n: int, customers: str, depot_xy: tuple[int, int]
) -> tuple[npt.NDArray[np.int64], tuple[int, ...]]:
    taken = {depot_xy}
    pts: list[tuple[int, int]] = []

    def fresh() -> tuple[int, int]:
        while True:
            p = (int(rng.integers(0, GRID + 1)), int(rng.integers(0, GRID + 1)))
            if p not in taken:
                return p

    n_clustered = {"R": 0, "C": n, "RC": n // 2}[customers]
    seeds: list[int] = []
    if n_clustered:
        s = min(int(rng.integers(3, 9)), n_clustered)
        for _ in range(s):
            p = fresh()
            taken.add(p)
            pts.append(p)
            seeds.append(len(pts))  # index in xy (depot is 0)
        sx = np.array([pts[i - 1] for i in seeds], dtype=np.float64)
        while len(pts) < n_clustered:
            p = fresh()
            d = np.hypot(sx[:, 0] - p[0], sx[:, 1] - p[1])
            if rng.random() < float(np.exp(-d / 40.0).sum()):
                taken.add(p)
                pts.append(p)
    while len(pts) < n:
        p = fresh()
        taken.add(p)
        pts.append(p)
    xy = np.array([depot_xy, *pts], dtype=np.int64)
    return xy, tuple(seeds)


def _demands(
    rng: np.random.Generator, kind: str, xy: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    n = len(xy) - 1
    if kind == "U":
        d = np.ones(n, dtype=np.int64)
    elif kind in ("1-10", "5-10", "1-100", "50-100"):
        lo, hi = (int(v) for v in kind.split("-"))
        d = rng.integers(lo, hi + 1, size=n)
    elif kind == "Q":
        x, y = xy[1:, 0], xy[1:, 1]
        odd = ((x >= GRID // 2) & (y >= GRID // 2)) | ((x < GRID // 2) & (y < GRID // 2))
        d = np.where(odd, rng.integers(51, 101, size=n), rng.integers(1, 51, size=n))
    else:  # "SL"
        share = rng.uniform(0.70, 0.95)
        small = rng.random(n) < share
        d = np.where(small, rng.integers(1, 11, size=n), rng.integers(50, 101, size=n))
    return np.concatenate([[0], d]).astype(np.int64)


def x_instance(
    n: int,
    *,
    depot: str = "R",
    customers: str = "RC",
    demand: str = "1-100",
    seed: int = 0,
    route_size: float | None = None,
    matrix_free: bool | None = None,
) -> XInstance:
    """Generate one X-style CVRP instance with ``n`` customers (see the module rules).

    Parameters
    ----------
    n
        Number of customers (at least 1).
    depot, customers, demand
        One of :data:`DEPOTS`, :data:`CUSTOMERS`, :data:`DEMANDS`.
    seed
        Random seed: the same arguments give the same instance.
    route_size
        Average customers per route ``r``; default drawn from ``T(3, 6, 25)``.
    matrix_free
        Passed to :meth:`Model.data` (default: automatic by size).

    Raises
    ------
    InvalidInputError
        An unknown kind or ``n < 1`` (naming the argument).
    """
    for field, v, ok in (
        ("depot", depot, DEPOTS),
        ("customers", customers, CUSTOMERS),
        ("demand", demand, DEMANDS),
    ):
        if v not in ok:
            raise InvalidInputError.at(field, f"{v!r}: use one of {ok}")
    if n < 1 or n > (GRID + 1) ** 2 - 1:
        raise InvalidInputError.at("n", f"must be in 1..{(GRID + 1) ** 2 - 1}, got {n}")
    rng = np.random.default_rng(seed)
    if depot == "C":
        dxy = (GRID // 2, GRID // 2)
    elif depot == "E":
        dxy = (0, 0)
    else:
        dxy = (int(rng.integers(0, GRID + 1)), int(rng.integers(0, GRID + 1)))
    xy, seeds = _positions(rng, n, customers, dxy)
    dem = _demands(rng, demand, xy)
    r = _triangular(rng, 3, 6, 25) if route_size is None else float(route_size)
    cap = max(math.ceil(r * float(dem.sum()) / n), int(dem.max()))
    name = f"XS-n{n + 1}-{depot}{customers}-{demand}-s{seed}"
    m = Model(dimensions=("demand",))
    d = m.add_depot(x=float(xy[0, 0]), y=float(xy[0, 1]), name="1")
    m.add_vehicle_type(n, capacity=cap, start=d, name="vehicle")
    for i in range(1, n + 1):
        s = m.add_site(x=float(xy[i, 0]), y=float(xy[i, 1]), name=str(i + 1))
        m.add_job(s, delivery=int(dem[i]), name=str(i + 1))
    meta = {"format": "vrplib", "cost_scale": 1, "explicit": False, "generator": "x-style"}
    prob = m.data(name=name, meta=meta, matrix_free=matrix_free)
    return XInstance(name, depot, customers, demand, r, cap, xy, dem, seeds, prob)
