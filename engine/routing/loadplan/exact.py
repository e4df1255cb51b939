"""Exact one-dimensional models: reduced-cost pattern enumeration with set partitioning
(SCIP), and arc flow on the compressed pattern graph (CP-SAT)."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.routing.loadplan.colgen import ItemTypes


def _dual_table(
    types: ItemTypes, capacity: int, duals: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``D[t][c]``: largest dual value packable in capacity ``c`` from types ``t`` on."""
    m = len(types.sizes)
    table = np.zeros((m + 1, capacity + 1))
    for t in range(m - 1, -1, -1):
        w = types.sizes[t]
        d = table[t + 1].copy()
        if w > 0 and duals[t] > 0:
            for _ in range(min(types.counts[t], capacity // w)):
                nd = d.copy()
                nd[w:] = np.maximum(d[w:], d[: capacity + 1 - w] + duals[t])
                d = nd
        table[t] = d
    return table


def _weight_table(types: ItemTypes, capacity: int) -> npt.NDArray[np.int64]:
    """``W[t][c]``: largest total size packable in capacity ``c`` from types ``t`` on."""
    m = len(types.sizes)
    reach = np.zeros((m + 1, capacity + 1), dtype=bool)
    reach[m][0] = True
    for t in range(m - 1, -1, -1):
        w = types.sizes[t]
        r = reach[t + 1].copy()
        layer = r.copy()
        if w > 0:
            for _ in range(min(types.counts[t], capacity // w)):
                nxt = np.zeros(capacity + 1, dtype=bool)
                nxt[w:] = layer[: capacity + 1 - w]
                layer = nxt
                r |= nxt
        reach[t] = r
    idx = np.where(reach, np.arange(capacity + 1), 0)
    return np.maximum.accumulate(idx, axis=1)


class _FractionalBounds:
    """Capacity-free stand-ins for the dense tables: for types ``t…`` (sizes decreasing),
    the Dantzig bound on the dual value that fits in a room (copies taken fractionally), and
    on the load: at most ``room // smallest size`` more items, so at most the sum of that
    many of the largest copies left."""

    def __init__(self, types: ItemTypes, duals: npt.NDArray[np.float64]) -> None:
        m = len(types.sizes)
        w = np.asarray(types.sizes, dtype=np.int64)
        n = np.asarray(types.counts, dtype=np.int64)
        self.smallest = int(w[w > 0].min()) if (w > 0).any() else 1
        copies = np.repeat(w, n)  # every copy, largest first
        self.first = np.concatenate(([0], np.cumsum(n)))  # index of type t's first copy
        self.prefix = np.concatenate(([0], np.cumsum(copies)))
        self.tables: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64],
                                npt.NDArray[np.float64]]] = []  # fmt: skip
        for t in range(m + 1):
            ok = [u for u in range(t, m) if duals[u] > 0 and w[u] > 0]
            ok.sort(key=lambda u: -float(duals[u]) / float(w[u]))
            size = np.array([w[u] * n[u] for u in ok], dtype=np.int64)
            value = np.array([float(duals[u]) * float(n[u]) for u in ok])
            cw = np.concatenate(([0], np.cumsum(size)))
            cv = np.concatenate(([0.0], np.cumsum(value)))
            ratio = np.concatenate((value / np.maximum(size, 1), [0.0]))
            self.tables.append((cw, cv, ratio))

    def value(self, t: int, room: int) -> float:
        cw, cv, ratio = self.tables[t]
        k = int(np.searchsorted(cw, room, side="right")) - 1
        return float(cv[k] + (room - cw[k]) * ratio[k])

    def load(self, t: int, room: int) -> int:
        a = int(self.first[t])
        b = min(a + room // self.smallest, len(self.prefix) - 1)
        return min(room, int(self.prefix[b] - self.prefix[a]))


def enumerate_patterns(
    types: ItemTypes,
    capacity: int,
    cuts: Sequence[tuple[npt.NDArray[np.float64], float]],
    min_load: int,
    limit: int,
    deadline: float,
) -> list[Counter[int]] | None:
    """Every pattern with load at least ``min_load`` and, for each dual-feasible ``(duals,
    gap)`` in ``cuts``, reduced cost ``1 - duals·pattern <= gap``; None past ``limit``
    patterns or past ``deadline``.

    With ``target`` bins and a dual-feasible ``duals`` of bound ``b``, the reduced costs of
    the bins used sum to exactly ``target - b`` and their free space to
    ``target × capacity - total size``, so no packing with ``target`` bins uses any other
    pattern: the enumeration is exact, and several dual solutions cut it further.
    """
    duals = np.array([d for d, _ in cuts]).reshape(len(cuts), len(types.sizes))
    need = np.array([1.0 - g - 1e-9 for _, g in cuts])
    m = len(types.sizes)
    if not types.sparse(capacity):
        tables = [_dual_table(types, capacity, d) for d, _ in cuts]
        wtable = _weight_table(types, capacity)

        def dual_room(j: int, t: int, room: int) -> float:
            return float(tables[j][t][room])

        def load_room(t: int, room: int) -> int:
            return int(wtable[t][room])
    else:
        fractional = [_FractionalBounds(types, d) for d, _ in cuts]

        def dual_room(j: int, t: int, room: int) -> float:
            return fractional[j].value(t, room)

        def load_room(t: int, room: int) -> int:
            return fractional[0].load(t, room)

    out: list[Counter[int]] = []
    cur: list[int] = []
    overflow = False
    nodes = 0

    def reachable(value: npt.NDArray[np.float64], t: int, room: int) -> bool:
        return all(value[j] + dual_room(j, t, room) >= need[j] for j in range(len(need)))

    def dfs(start: int, load: int, value: npt.NDArray[np.float64]) -> None:
        nonlocal overflow, nodes
        if overflow:
            return
        nodes += 1
        if nodes % 1024 == 0 and time.monotonic() > deadline:
            overflow = True
            return
        if cur and load >= min_load and bool(np.all(value >= need)):
            out.append(Counter(cur))
            if len(out) > limit:
                overflow = True
                return
        room = capacity - load
        # Types too large for the room are skipped at once (sizes are decreasing).
        for t in range(max(start, bisect.bisect_left(neg_sizes, -room)), m):
            if load + load_room(t, room) < min_load or not reachable(value, t, room):
                break
            w = types.sizes[t]
            if w > room:
                continue
            k = 0
            lo, val = load, value
            while k < types.counts[t] and lo + w <= capacity:
                k += 1
                lo += w
                val = val + duals[:, t]
                cur.append(t)
                rest = capacity - lo
                if lo + load_room(t + 1, rest) >= min_load and reachable(val, t + 1, rest):
                    dfs(t + 1, lo, val)
            del cur[len(cur) - k :]

    neg_sizes = [-w for w in types.sizes]
    dfs(0, 0, np.zeros(len(cuts)))
    return None if overflow else out


def set_partition(
    types: ItemTypes, patterns: Sequence[Counter[int]], target: int, deadline: float
) -> tuple[str, list[Counter[int]]]:
    """Choose exactly ``target`` patterns covering every item exactly (SCIP).

    Returns ``("feasible", patterns)``, ``("infeasible", [])`` or ``("unknown", [])``.
    """
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None or deadline - time.monotonic() <= 0.05:
        return "unknown", []
    # Cutting planes slow these exact-cover models down (BPP40: 5.7 s with, 0.9 s without).
    solver.SetSolverSpecificParametersAsString(
        "separating/maxrounds = 0\nseparating/maxroundsroot = 0"
    )
    xs = []
    rows: list[list[Any]] = [[] for _ in types.sizes]
    for p in patterns:
        ub = min(types.counts[t] // a for t, a in p.items())
        x = solver.IntVar(0.0, float(ub), "")
        xs.append(x)
        for t, a in p.items():
            rows[t].append(a * x)
    for t, n in enumerate(types.counts):
        if not rows[t]:
            return "infeasible", []
        solver.Add(solver.Sum(rows[t]) == n)
    solver.Add(solver.Sum(xs) == target)
    remaining = deadline - time.monotonic()
    if remaining <= 0.05:
        return "unknown", []
    solver.SetTimeLimit(int(remaining * 1000))
    status = solver.Solve()
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        chosen: list[Counter[int]] = []
        for x, p in zip(xs, patterns, strict=True):
            chosen.extend([p] * round(x.solution_value()))
        return "feasible", chosen
    if status == pywraplp.Solver.INFEASIBLE:
        return "infeasible", []
    return "unknown", []


def arcflow(
    types: ItemTypes,
    capacity: int,
    duals: npt.NDArray[np.float64] | None,
    gap: float,
    hint: Sequence[Counter[int]],
    lower: int,
    deadline: float,
    seed: int,
    workers: int,
) -> tuple[bool, list[Counter[int]]]:
    """Arc-flow model on the compressed pattern graph, solved by CP-SAT.

    Nodes are partial loads; item arcs follow decreasing size with at most ``counts[t]``
    copies of type ``t``; arcs whose best pattern has reduced cost above ``gap`` are
    dropped; nodes are relabelled by ``capacity`` minus their longest path to the end, which
    merges nodes without losing a pattern. Minimises the number of bins; the hint is the
    heuristic packing. Returns (proven optimal, patterns of the best solution).
    """
    from ortools.sat.python import cp_model

    m = len(types.sizes)
    reach = np.zeros(capacity + 1, dtype=bool)
    reach[0] = True
    arcs: list[tuple[int, int, int]] = []
    for t, w in enumerate(types.sizes):
        if w == 0:
            continue
        layer = reach.copy()
        src = np.zeros(capacity + 1, dtype=bool)
        for _ in range(types.counts[t]):
            src |= layer
            nxt = np.zeros(capacity + 1, dtype=bool)
            nxt[w:] = layer[: capacity + 1 - w]
            if not nxt.any():
                break
            layer = nxt
            reach |= nxt
        arcs.extend((int(s), int(s) + w, t) for s in np.flatnonzero(src[: capacity + 1 - w]))
    if duals is not None:
        fwd = np.full(capacity + 1, -1e18)
        fwd[0] = 0.0
        for s, e, t in sorted(arcs):
            fwd[e] = max(fwd[e], fwd[s] + duals[t])
        bwd = np.zeros(capacity + 1)
        for s, e, t in sorted(arcs, reverse=True):
            bwd[s] = max(bwd[s], bwd[e] + duals[t])
        arcs = [a for a in arcs if 1.0 - fwd[a[0]] - duals[a[2]] - bwd[a[1]] <= gap + 1e-7]
    longest = np.zeros(capacity + 1, dtype=np.int64)
    out: dict[int, list[tuple[int, int]]] = {}
    for s, e, t in arcs:
        out.setdefault(s, []).append((e, t))
    for s in range(capacity, -1, -1):
        if s in out:
            longest[s] = max(types.sizes[t] + longest[e] for e, t in out[s])

    def label(s: int) -> int:
        return 0 if s == 0 else capacity - int(longest[s])

    carcs = sorted({(label(s), label(e), t) for s, e, t in arcs})
    nodes = sorted({0, capacity} | {u for u, _, _ in carcs} | {v for _, v, _ in carcs})
    upper = max(len(hint), lower)
    model = cp_model.CpModel()
    flow = [model.new_int_var(0, types.counts[t], "") for _, _, t in carcs]
    loss = {u: model.new_int_var(0, upper, "") for u in nodes if u != capacity}
    z = model.new_int_var(lower, upper, "bins")
    inflow: dict[int, list[Any]] = {u: [] for u in nodes}
    outflow: dict[int, list[Any]] = {u: [] for u in nodes}
    by_type: list[list[Any]] = [[] for _ in range(m)]
    for (u, v, t), f in zip(carcs, flow, strict=True):
        outflow[u].append(f)
        inflow[v].append(f)
        by_type[t].append(f)
    for u, f in loss.items():
        outflow[u].append(f)
        inflow[capacity].append(f)
    for u in nodes:
        if u == 0:
            model.add(sum(outflow[u]) == z)
        elif u == capacity:
            model.add(sum(inflow[u]) == z)
        else:
            model.add(sum(inflow[u]) == sum(outflow[u]))
    for t in range(m):
        if types.sizes[t] == 0:
            continue
        if not by_type[t]:
            return False, []
        model.add(sum(by_type[t]) == types.counts[t])
    model.minimize(z)
    # Hint: each heuristic bin as a path (items by decreasing size), if every arc survived.
    index = {a: k for k, a in enumerate(carcs)}
    hflow = [0] * len(carcs)
    hloss: Counter[int] = Counter()
    ok = len(hint) <= upper
    for p in hint:
        pos = 0
        for t in sorted(p):
            for _ in range(p[t]):
                k = index.get((label(pos), label(pos + types.sizes[t]), t))
                if k is None:
                    ok = False
                    break
                hflow[k] += 1
                pos += types.sizes[t]
        if label(pos) != capacity:
            hloss[label(pos)] += 1
    if ok:
        for f, h in zip(flow, hflow, strict=True):
            model.add_hint(f, h)
        for u, f in loss.items():
            model.add_hint(f, hloss[u])
        model.add_hint(z, len(hint))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, deadline - time.monotonic())
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return True, []
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, []
    # Decompose the flow into paths from 0 to the end.
    rest: dict[int, list[list[int]]] = {}
    for (u, v, t), f in zip(carcs, flow, strict=True):
        val = solver.value(f)
        if val:
            rest.setdefault(u, []).append([v, t, val])
    patterns: list[Counter[int]] = []
    for _ in range(solver.value(z)):
        u = 0
        pat: Counter[int] = Counter()
        while rest.get(u):
            arc = rest[u][-1]
            arc[2] -= 1
            if arc[2] == 0:
                rest[u].pop()
            pat[arc[1]] += 1
            u = arc[0]
        patterns.append(pat)
    return status == cp_model.OPTIMAL, patterns
