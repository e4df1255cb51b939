"""Fleet load planning: :func:`plan_loads`."""

from __future__ import annotations

import math
import time
from collections import Counter

import numpy as np
import polars as pl

from engine.errors import InvalidInputError
from engine.routing.loadplan.binpacking import pack_bins
from engine.routing.loadplan.bounds import capacity_lp_bound
from engine.routing.loadplan.fleet_colgen import FleetMaster, fleet_dive
from engine.routing.loadplan.fleet_cpsat import cpsat_assignment
from engine.routing.loadplan.heuristics import downsize, fleet_heuristic
from engine.routing.loadplan.problem import Assignment, FleetProblem, score
from engine.routing.loadplan.results import (
    DIMENSIONS,
    Baseline,
    LoadPlan,
    Objective,
    Unplaced,
    VehicleLoad,
)
from engine.routing.loadplan.tuning import DIVE_SHARE, FLEET_CG_SHARE, MARGIN_S
from engine.routing.loadplan.validate import validate


def plan_loads(
    shipments: pl.DataFrame,
    fleet: pl.DataFrame,
    objective: Objective = "cost",
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 2,
) -> LoadPlan:
    """Choose vehicles and assign shipments to them at least total cost or vehicle count.

    Parameters
    ----------
    shipments
        One row per shipment: ``shipment_id`` (unique), ``weight_kg``, ``volume_l`` and
        optionally ``pallets`` (null = 0), whole numbers (a fraction such as ``700.5`` is
        refused).
    fleet
        One row per vehicle type: ``vehicle_type`` (unique), ``capacity_kg``, ``capacity_l``,
        optionally ``capacity_pallets`` (null or absent = no pallet limit), ``count``
        available and ``cost_fen`` per vehicle used, whole numbers.
    objective
        ``"cost"`` minimises total vehicle cost; ``"count"`` minimises the number of
        vehicles, then their cost.
    time_limit
        Wall-clock seconds; the best plan found by then is returned.
    seed
        Seed of the CP-SAT search.
    workers
        CP-SAT worker threads.

    Returns
    -------
    LoadPlan
        Never worse than the first-fit-decreasing baseline it reports. Shipments that fit
        no vehicle type, or for which no vehicle is left, are listed in ``unplaced`` with
        the reason; the rest of the plan is still solved.

    Raises
    ------
    InvalidInputError
        Missing columns, missing or duplicate ids, negative or NaN sizes, non-positive
        capacities, negative counts or costs, or an empty fleet; the error names the field
        and the row id.
    """
    t0 = time.monotonic()
    deadline = t0 + time_limit - min(MARGIN_S, 0.05 * time_limit)
    if objective not in ("cost", "count"):
        raise InvalidInputError.at("objective", f"must be 'cost' or 'count', got {objective!r}")
    if time_limit <= 0:
        raise InvalidInputError.at("time_limit", f"must be positive, got {time_limit}")
    fl = validate(shipments, fleet)
    n_all, n_dims = len(fl.ids), len(DIMENSIONS)
    avail = [k for k in range(len(fl.names)) if fl.counts[k] > 0]
    # Shipments no vehicle type can carry, with the dimension that stops each type.
    unplaced: list[Unplaced] = []
    items: list[int] = []
    for i in range(n_all):
        why = []
        for k in avail:
            over = [
                f"{DIMENSIONS[d][0]} {int(fl.sizes[i][d])} > {DIMENSIONS[d][1]} {cap}"
                for d in range(n_dims)
                if (cap := fl.caps[k][d]) is not None and fl.sizes[i][d] > cap
            ]
            if not over:
                break
            why.append(f"{fl.names[k]}: {over[0]}")
        else:
            unplaced.append(Unplaced(fl.ids[i], "fits no vehicle type (" + "; ".join(why) + ")"))
            continue
        items.append(i)
    dims = (
        [
            d
            for d in range(n_dims)
            if fl.sizes[items, d].sum() > 0 and any(fl.caps[k][d] is not None for k in avail)
        ]
        if items
        else []
    )
    huge = int(fl.sizes.sum()) + 1 if n_all else 1
    prob = FleetProblem(
        items,
        fl.sizes[np.ix_(items, dims)].astype(np.int64)
        if items
        else np.zeros((0, len(dims)), dtype=np.int64),
        np.array(
            [
                [fl.caps[k][d] if fl.caps[k][d] is not None else huge for d in dims]
                for k in range(len(fl.names))
            ],
            dtype=np.int64,
        ).reshape(len(fl.names), len(dims)),
        list(fl.counts),
        list(fl.costs),
        dims,
    )

    def loads(sol: Assignment) -> list[VehicleLoad]:
        out = []
        seq: Counter[int] = Counter()
        for k, its in sorted(sol, key=lambda v: (fl.names[v[0]], min(v[1]) if v[1] else 0)):
            seq[k] += 1
            orig = [items[i] for i in its]
            load = fl.sizes[orig].sum(axis=0) if orig else np.zeros(n_dims, dtype=np.int64)
            out.append(
                VehicleLoad(
                    f"{fl.names[k]}#{seq[k]}",
                    fl.names[k],
                    fl.costs[k],
                    tuple(fl.ids[i] for i in orig),
                    {DIMENSIONS[d][0]: int(load[d]) for d in range(n_dims)},
                    {DIMENSIONS[d][0]: fl.caps[k][d] for d in range(n_dims)},
                )
            )
        return out

    exhausted = "no vehicle left: the available fleet cannot carry it with the other shipments"

    def dropped_list(dropped: list[int]) -> list[Unplaced]:
        return unplaced + [Unplaced(fl.ids[items[i]], exhausted) for i in sorted(dropped)]

    def value(sol: Assignment) -> int:
        return sum(fl.costs[k] for k, _ in sol) if objective == "cost" else len(sol)

    if items and not dims:  # nothing takes any capacity: one vehicle, the cheapest
        k = min(avail, key=lambda j: (fl.costs[j], j))
        one: Assignment = [(k, list(range(len(items))))]
        none: list[int] = []
        base, base_drop, best, best_drop = one, none, one, none
    else:
        base, base_drop, best, best_drop = fleet_heuristic(prob, objective)
    baseline = Baseline(loads(base), dropped_list(base_drop))
    names = tuple(DIMENSIONS[d][0] for d in range(n_dims))

    def result(sol: Assignment, dropped: list[int], lb: int, proven: bool, method: str) -> LoadPlan:
        lb = min(lb, value(sol))
        return LoadPlan(
            objective,
            loads(sol),
            dropped_list(dropped),
            baseline,
            lb,
            proven or value(sol) <= lb,
            method,
            time.monotonic() - t0,
            names,
        )

    method = (
        "ffd"
        if score(prob, best, len(best_drop), objective)
        == score(prob, base, len(base_drop), objective)
        else "heuristic"
    )
    if not items:
        return result([], [], 0, True, "ffd")
    if not dims:  # one vehicle of the cheapest type is optimal for either objective
        return result(best, [], value(best), True, "ffd")
    # One dimension, one usable vehicle type: exact one-dimensional bin packing.
    usable = [k for k in avail if any(prob.fits(i, k) for i in range(len(items)))]
    if len(dims) <= 1 and len(usable) == 1:
        k = usable[0]
        sizes_1d = [int(s) for s in (prob.sizes[:, 0] if dims else np.zeros(len(items)))]
        cap_1d = int(prob.caps[k][0]) if dims else 1
        packed = pack_bins(
            sizes_1d,
            cap_1d,
            time_limit=max(0.1, deadline - time.monotonic()),
            seed=seed,
            workers=workers,
        )
        if packed.num_bins <= fl.counts[k]:
            sol = [(k, b) for b in packed.bins if b]
            unit = fl.costs[k] if objective == "cost" else 1
            return result(sol, [], packed.lower_bound * unit, packed.proven_optimal, packed.method)
    limits = [min(fl.counts[k], len(items)) for k in range(len(fl.names))]
    lb = capacity_lp_bound(prob, objective, limits) if not best_drop else 0
    if not best_drop and value(best) <= lb:
        return result(best, best_drop, lb, True, method)
    if not best_drop:
        # Column generation (bound) and LP dives (plans) before the CP-SAT model.
        weights = [float(c) if objective == "cost" else 1.0 for c in prob.costs]
        fm = FleetMaster(prob, weights, best)
        cg_end = time.monotonic() + FLEET_CG_SHARE * (deadline - time.monotonic())
        _, bound = fm.run(cg_end)
        if math.isfinite(bound):
            lb = max(lb, math.ceil(bound - 1e-6))
        if value(best) > lb:  # dive from the root LP, converged or not
            rng = np.random.default_rng(seed)
            dive_end = time.monotonic() + DIVE_SHARE * (deadline - time.monotonic())
            tries = 0
            while time.monotonic() < dive_end and value(best) > lb:
                dived = fleet_dive(fm, objective, value(best), dive_end, rng if tries else None)
                tries += 1
                if dived is not None:
                    dived = downsize(prob, dived, objective)
                    if score(prob, dived, 0, objective) < score(prob, best, 0, objective):
                        best, method = dived, "lp-dive"
        if value(best) <= lb:
            return result(best, [], lb, True, method)
    status, sol, dropped, bound = cpsat_assignment(
        prob, objective, best, best_drop, deadline, seed, workers
    )
    lb = max(lb, math.ceil(bound - 1e-6))
    if sol and score(prob, sol, len(dropped), objective) < score(
        prob, best, len(best_drop), objective
    ):
        return result(sol, dropped, lb, status == "OPTIMAL", "cp-sat")
    return result(best, best_drop, lb, status == "OPTIMAL", method)
