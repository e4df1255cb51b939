"""Lower bounds: Martello–Toth L2 for bin packing, the fractional capacity cover for a fleet."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.routing.loadplan.problem import FleetProblem
from engine.routing.loadplan.results import Objective


def l2_bound(sizes: Sequence[int], capacity: int) -> int:
    """Martello–Toth lower bound L2 on the number of bins.

    Parameters
    ----------
    sizes
        Item sizes, each at most ``capacity``.
    capacity
        Bin capacity (positive).

    Returns
    -------
    int
        ``max(ceil(sum / C), max over k of L(k))`` where ``L(k)`` counts the items larger
        than ``C - k``, those in ``(C/2, C-k]``, and the bins the items in ``[k, C/2]`` need
        beyond the room left by the second group.
    """
    s = sorted((x for x in sizes if x > 0), reverse=True)
    if not s:
        return 0
    arr = np.asarray(s, dtype=np.int64)
    best = -(-int(arr.sum()) // capacity)
    ks = sorted({int(x) for x in arr if 2 * x <= capacity} | {0})
    for k in ks:
        j1 = arr > capacity - k
        j2 = (arr <= capacity - k) & (2 * arr > capacity)
        j3 = (2 * arr <= capacity) & (arr >= k)
        n2 = int(j2.sum())
        free = n2 * capacity - int(arr[j2].sum())
        extra = max(0, -(-(int(arr[j3].sum()) - free) // capacity))
        best = max(best, int(j1.sum()) + n2 + extra)
    return best


def capacity_lp_bound(p: FleetProblem, objective: Objective, limits: list[int]) -> int:
    """Cheapest fractional fleet covering the total size in every dimension (GLOP)."""
    from ortools.linear_solver import pywraplp

    if not p.items or not p.dims:
        return 0 if not p.items else 1
    lp = pywraplp.Solver.CreateSolver("GLOP")
    y = [lp.NumVar(0.0, float(limits[k]), "") for k in range(len(p.counts))]
    total = p.sizes.sum(axis=0)
    for d in range(len(p.dims)):
        lp.Add(
            sum(float(min(p.caps[k][d], 1 << 50)) * y[k] for k in range(len(y))) >= float(total[d])
        )
    obj = [float(p.costs[k]) if objective == "cost" else 1.0 for k in range(len(y))]
    lp.Minimize(sum(c * v for c, v in zip(obj, y, strict=True)))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return 0
    value: float = lp.Objective().Value()
    return max(0, math.ceil(value - 1e-6))
