"""Packing heuristics: first-fit and best-fit decreasing for one dimension, and the
first-fit variants with vehicle-type preferences and downsizing for a heterogeneous fleet."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.routing.loadplan.problem import Assignment, FleetProblem, score
from engine.routing.loadplan.results import Objective


def first_fit_decreasing(sizes: Sequence[int], capacity: int) -> list[list[int]]:
    """First-fit decreasing: items by decreasing size, each into the first bin it fits.

    Parameters
    ----------
    sizes
        Non-negative item sizes, each at most ``capacity``.
    capacity
        Bin capacity.

    Returns
    -------
    list of list of int
        Item indices per bin, bins in opening order.
    """
    order = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
    loads: list[int] = []
    bins: list[list[int]] = []
    for i in order:
        w = sizes[i]
        for b, load in enumerate(loads):
            if load + w <= capacity:
                loads[b] += w
                bins[b].append(i)
                break
        else:
            loads.append(w)
            bins.append([i])
    return bins


def best_fit_decreasing(sizes: Sequence[int], capacity: int) -> list[list[int]]:
    """Best-fit decreasing: each item into the fullest bin that still holds it.

    Parameters and return value as :func:`first_fit_decreasing`.
    """
    order = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
    loads: list[int] = []
    bins: list[list[int]] = []
    for i in order:
        w = sizes[i]
        best = -1
        for b, load in enumerate(loads):
            if load + w <= capacity and (best < 0 or load > loads[best]):
                best = b
        if best < 0:
            loads.append(w)
            bins.append([i])
        else:
            loads[best] += w
            bins[best].append(i)
    return bins


def item_order(p: FleetProblem) -> list[int]:
    top = np.maximum(p.sizes.max(axis=0, initial=0), 1)
    rel = p.sizes / top
    return sorted(
        range(len(p.items)), key=lambda i: (-float(rel[i].max()), -float(rel[i].sum()), i)
    )


def first_fit(
    p: FleetProblem, order: list[int], type_order: list[int]
) -> tuple[Assignment, list[int]]:
    """First fit over open vehicles; a new vehicle is the first type in ``type_order`` that
    has one left and holds the item.

    One vectorized test per item over every open vehicle (loads and capacities held as
    ``(vehicles, dimensions)`` arrays), not one per (item, vehicle) pair.
    """
    left = list(p.counts)
    dims = p.sizes.shape[1] if p.sizes.ndim == 2 else 0
    room = max(16, min(len(order), 1024))
    loads = np.zeros((room, dims), dtype=np.int64)
    caps = np.zeros((room, dims), dtype=np.int64)
    sol: Assignment = []
    dropped: list[int] = []
    for i in order:
        s = p.sizes[i]
        n = len(sol)
        if n:
            fits = np.all(loads[:n] + s <= caps[:n], axis=1)
            b = int(fits.argmax())
            if fits[b]:
                loads[b] += s
                sol[b][1].append(i)
                continue
        for k in type_order:
            if left[k] > 0 and p.fits(i, k):
                left[k] -= 1
                if n == len(loads):
                    loads = np.concatenate([loads, np.zeros_like(loads)])
                    caps = np.concatenate([caps, np.zeros_like(caps)])
                loads[n] = s
                caps[n] = p.caps[k]
                sol.append((k, [i]))
                break
        else:
            dropped.append(i)
    return sol, dropped


def type_orders(p: FleetProblem, objective: Objective) -> list[list[int]]:
    """The baseline's type preference first, then alternatives tried by the heuristic."""
    top = np.maximum(p.sizes.max(axis=0, initial=0), 1).astype(np.float64)
    finite = np.minimum(p.caps, np.iinfo(np.int64).max // 4).astype(np.float64)
    score = np.minimum(finite / top, 1e6).mean(axis=1) if p.dims else np.ones(len(p.counts))
    ks = list(range(len(p.counts)))
    if objective == "cost":
        base = sorted(ks, key=lambda k: (p.costs[k] / max(float(score[k]), 1e-12), -score[k], k))
    else:
        base = sorted(ks, key=lambda k: (-score[k], p.costs[k], k))
    orders = [
        base,
        sorted(ks, key=lambda k: (-score[k], p.costs[k], k)),
        sorted(ks, key=lambda k: (p.costs[k], -score[k], k)),
    ]
    orders.extend([k, *[j for j in base if j != k]] for k in ks)
    return orders


def downsize(p: FleetProblem, sol: Assignment, objective: Objective) -> Assignment:
    """Move each vehicle's load to the cheapest type (for ``count`` too: count is unchanged)
    that has one left and holds it."""
    left = list(p.counts)
    for k, _ in sol:
        left[k] -= 1
    out: Assignment = []
    for k, items in sorted(sol, key=lambda v: -p.costs[v[0]]):
        load = p.sizes[items].sum(axis=0)
        best = k
        for j in range(len(p.counts)):
            if left[j] > 0 and p.costs[j] < p.costs[best] and np.all(load <= p.caps[j]):
                best = j
        if best != k:
            left[best] -= 1
            left[k] += 1
        out.append((best, items))
    return out


def fleet_heuristic(
    p: FleetProblem, objective: Objective
) -> tuple[Assignment, list[int], Assignment, list[int]]:
    """Returns the FFD baseline and the best of several first-fit variants with downsizing."""
    order = item_order(p)
    orders = type_orders(p, objective)
    base, base_drop = first_fit(p, order, orders[0])
    best, best_drop = base, base_drop
    for to in orders:
        sol, drop = first_fit(p, order, to)
        sol = downsize(p, sol, objective)
        if score(p, sol, len(drop), objective) < score(p, best, len(best_drop), objective):
            best, best_drop = sol, drop
    return base, base_drop, best, best_drop
