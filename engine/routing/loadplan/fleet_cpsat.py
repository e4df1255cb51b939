"""The CP-SAT assignment model of fleet load planning."""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any

from engine.routing.loadplan.heuristics import item_order
from engine.routing.loadplan.problem import Assignment, FleetProblem
from engine.routing.loadplan.results import Objective


def cpsat_assignment(
    p: FleetProblem,
    objective: Objective,
    hint: Assignment,
    hint_dropped: list[int],
    deadline: float,
    seed: int,
    workers: int,
) -> tuple[str, Assignment, list[int], float]:
    """Assignment model: shipment → vehicle booleans, vehicles of a type used in order,
    the first shipment of the j-th vehicle of a type at position ≥ j, capacity-cover cuts.

    Returns (status name, assignment, dropped items, best objective bound of the model).
    """
    from ortools.sat.python import cp_model

    n, types = len(p.items), len(p.counts)
    order = item_order(p)
    pos = {i: r for r, i in enumerate(order)}
    ub_cost = sum(p.costs[k] for k, _ in hint)
    allow_drop = bool(hint_dropped)
    vehicles: list[int] = []  # type of each vehicle slot
    for k in range(types):
        fit = sum(1 for i in range(n) if p.fits(i, k))
        cap = min(p.counts[k], fit)
        if not allow_drop:
            if objective == "cost" and p.costs[k] > 0:
                cap = min(cap, ub_cost // p.costs[k])
            if objective == "count":
                cap = min(cap, len(hint))
        vehicles.extend([k] * cap)
    model = cp_model.CpModel()
    used = [model.new_bool_var(f"u{b}") for b in range(len(vehicles))]
    x: dict[tuple[int, int], Any] = {}
    slot = Counter[int]()
    slot_index = []
    for b, k in enumerate(vehicles):
        j = slot[k]
        slot[k] += 1
        slot_index.append(j)
        if j > 0:
            model.add_implication(used[b], used[b - 1])
        for i in range(n):
            if pos[i] >= j and p.fits(i, k):
                x[i, b] = model.new_bool_var("")
                model.add_implication(x[i, b], used[b])
    by_item: list[list[Any]] = [[] for _ in range(n)]
    by_vehicle: list[list[tuple[int, Any]]] = [[] for _ in vehicles]
    for (i, b), v in x.items():
        by_item[i].append(v)
        by_vehicle[b].append((i, v))
    drop = [model.new_bool_var("") if allow_drop else None for _ in range(n)]
    for i in range(n):
        d = drop[i]
        if d is not None:
            model.add(sum(by_item[i]) + d == 1)
        else:
            model.add_exactly_one(by_item[i])
    for b, k in enumerate(vehicles):
        for di in range(len(p.dims)):
            cap = int(p.caps[k][di])
            terms = [(int(p.sizes[i][di]), v) for i, v in by_vehicle[b] if p.sizes[i][di] > 0]
            if sum(w for w, _ in terms) > cap:
                model.add(sum(w * v for w, v in terms) <= cap * used[b])
    for di in range(len(p.dims)):
        total = [
            int(p.sizes[i][di]) * (1 - d) if d is not None else int(p.sizes[i][di])
            for i, d in enumerate(drop)
        ]
        model.add(
            sum(int(min(p.caps[k][di], 1 << 40)) * used[b] for b, k in enumerate(vehicles))
            >= sum(total)
        )
    big = sum(p.costs[k] for k in vehicles) + 1
    weight = [p.costs[k] if objective == "cost" else big + p.costs[k] for k in vehicles]
    penalty = sum(weight) + 1
    model.minimize(
        sum(w * u for w, u in zip(weight, used, strict=True))
        + sum(penalty * d for d in drop if d is not None)
    )
    # Hint: the heuristic's vehicles of each type ordered by their first shipment.
    hinted: dict[tuple[int, int], int] = {}
    hused = [0] * len(vehicles)
    starts = {k: vehicles.index(k) for k in set(vehicles)}
    per_type: dict[int, list[list[int]]] = {}
    for k, items in hint:
        per_type.setdefault(k, []).append(items)
    ok = True
    for k, loads in per_type.items():
        loads.sort(key=lambda items: min(pos[i] for i in items))
        if k not in starts or len(loads) > slot[k]:
            ok = False
            break
        for j, items in enumerate(loads):
            b = starts[k] + j
            hused[b] = 1
            for i in items:
                hinted[i, b] = 1
    if ok:
        for key, v in x.items():
            model.add_hint(v, hinted.get(key, 0))
        for b, u in enumerate(used):
            model.add_hint(u, hused[b])
        hd = set(hint_dropped)
        for i, d in enumerate(drop):
            if d is not None:
                model.add_hint(d, int(i in hd))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, deadline - time.monotonic())
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return name, [], [], 0.0
    sol: Assignment = []
    for b, k in enumerate(vehicles):
        items = [i for i, v in by_vehicle[b] if solver.boolean_value(v)]
        if items:
            sol.append((k, items))
    dropped = [i for i, d in enumerate(drop) if d is not None and solver.boolean_value(d)]
    bound = solver.best_objective_bound
    if objective == "count":
        bound = math.floor(bound / big + 1e-9)
    return name, sol, dropped, float(bound) if not allow_drop else 0.0
