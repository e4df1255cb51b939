"""Load planning: choose vehicles from a heterogeneous fleet and assign shipments to them.

Two entry points:

* :func:`pack_bins` — one-dimensional bin packing (identical bins, minimise their number).
  Heuristics (first-fit and best-fit decreasing) and the Martello–Toth L2 bound first; if
  they disagree, the Gilmore–Gomory LP bound by column generation (GLOP master, numpy DP
  pricing, dual-optimal inequalities, Wentges smoothing), then, aiming at the lower bound:

  - *arc flow* (Valério de Carvalho) on a compressed graph (longest-path relabelling as in
    Brandão & Pedroso), solved by CP-SAT with the heuristic packing as a hint — first when
    the graph is small (capacity × item sizes ≤ 20,000, e.g. Falkenauer u120), last otherwise;
  - *LP diving*: fix the patterns the LP uses most and re-solve the residual LP, greedily
    first, then with randomised choices, until the rest packs by first fit;
  - *pattern enumeration*: every pattern whose reduced cost is within the gap between the
    target and the LP bound and whose free space is within the total slack (exact fixing),
    then a set-partitioning model with exactly ``target`` bins solved by SCIP, the MIP
    solver bundled with OR-Tools (CP-SAT times out on these exact-cover models while SCIP
    solves them in seconds). An infeasible target raises the lower bound.

* :func:`plan_loads` — shipments with weight, volume and optional pallet counts, and a fleet
  of vehicle types (capacity per dimension, number available, cost per vehicle in fen).
  Minimises total vehicle cost or vehicle count: first-fit heuristics (several vehicle-type
  preferences, then each vehicle moved to the cheapest type that holds its load), the
  fractional capacity-cover bound, column generation over (vehicle type, pattern) columns
  with CP-SAT pricing for a Lagrangian bound and LP dives, then a CP-SAT assignment model
  (symmetry breaking within each type, capacity-cover cuts, the best plan so far as a hint)
  for the time left. A one-dimensional, single-type problem goes to :func:`pack_bins`. The
  result never costs more than the first-fit-decreasing baseline reported beside it.

Sizes and capacities are integers (kg, litres, pallets; costs in fen), see
:mod:`engine.units`.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.errors import InvalidInputError

Objective = Literal["cost", "count"]

#: Largest ``capacity × item types`` for which the exact one-dimensional search runs.
_MAX_EXACT_CELLS: Final = 4_000_000
#: At most this many reduced-cost patterns go to the set-partitioning model.
_MAX_PATTERNS: Final = 20_000
#: Below this ``capacity × item types`` the arc-flow model (CP-SAT) is tried first: its
#: graph is small, while the patterns of many small items overwhelm set partitioning.
_ARCFLOW_FIRST_CELLS: Final = 20_000
#: The quick exact try: at most this many patterns, this share of the time left.
_QUICK_PATTERNS: Final = 1_000
_QUICK_SHARE: Final = 0.5
#: Share of the time left after the LP bound that LP diving may use.
_DIVE_SHARE: Final = 0.5
#: Seconds kept back from the time limit for model teardown and the answer.
_MARGIN_S: Final = 0.4
#: The arc-flow model is not started with less time than this left.
_ARCFLOW_MIN_S: Final = 1.0
#: Share of plan_loads' time left that the fleet column generation may use.
_FLEET_CG_SHARE: Final = 0.3
#: Seconds of column generation per step of a fleet dive.
_FLEET_STEP_S: Final = 0.3
#: Share of the time limit the column generation may use.
_CG_SHARE: Final = 0.45
_EPS: Final = 1e-7


# --------------------------------------------------------------------------------------
# One-dimensional bin packing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BinPacking:
    """Result of :func:`pack_bins`.

    Attributes
    ----------
    bins
        Item indices (into the input ``sizes``) per bin.
    lower_bound
        Proven lower bound on the number of bins (L2 or the rounded-up LP bound).
    proven_optimal
        ``len(bins) == lower_bound``.
    ffd_bins
        Bins used by first-fit decreasing, the baseline.
    method
        What produced ``bins``: ``"ffd"``, ``"bfd"``, ``"lp-dive"``, ``"patterns+scip"``
        or ``"arcflow+cpsat"``.
    wall_time_s
        Wall-clock seconds spent.
    """

    bins: list[list[int]]
    lower_bound: int
    proven_optimal: bool
    ffd_bins: int
    method: str
    wall_time_s: float

    @property
    def num_bins(self) -> int:
        """Number of bins used."""
        return len(self.bins)


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


@dataclass(slots=True)
class _Types:
    """Items grouped by size: ``sizes`` decreasing, ``counts``, and the item indices."""

    sizes: list[int]
    counts: list[int]
    members: list[list[int]]

    @classmethod
    def of(cls, sizes: Sequence[int], items: Sequence[int]) -> _Types:
        groups: dict[int, list[int]] = {}
        for i in items:
            groups.setdefault(sizes[i], []).append(i)
        ws = sorted(groups, reverse=True)
        return cls(ws, [len(groups[w]) for w in ws], [groups[w] for w in ws])

    def pattern_of(self, bin_items: Sequence[int], sizes: Sequence[int]) -> Counter[int]:
        index = {w: t for t, w in enumerate(self.sizes)}
        return Counter(index[sizes[i]] for i in bin_items)

    def to_bins(self, patterns: Sequence[Counter[int]]) -> list[list[int]]:
        """Turn patterns (type → copies) covering every item into bins of item indices."""
        pools = [list(m) for m in self.members]
        bins: list[list[int]] = []
        for p in patterns:
            b: list[int] = []
            for t, k in sorted(p.items()):
                take = min(k, len(pools[t]))
                b.extend(pools[t][:take])
                del pools[t][:take]
            if b:
                bins.append(b)
        if any(pools):
            raise AssertionError("patterns do not cover every item")
        return bins


def _price(
    types: _Types, capacity: int, duals: npt.NDArray[np.float64]
) -> tuple[float, Counter[int]]:
    """Bounded knapsack: the pattern of largest total dual value (numpy DP over capacity)."""
    dp = np.zeros(capacity + 1)
    takes: list[tuple[int, npt.NDArray[np.bool_]]] = []
    for t, (w, n) in enumerate(zip(types.sizes, types.counts, strict=True)):
        if duals[t] <= 1e-12 or w == 0:
            continue
        for _ in range(min(n, capacity // w)):
            cand = dp[: capacity + 1 - w] + duals[t]  # a copy: old values, 0-1 semantics
            take = np.zeros(capacity + 1, dtype=bool)
            np.greater(cand, dp[w:] + 1e-12, out=take[w:])
            np.maximum(dp[w:], cand, out=dp[w:])
            takes.append((t, take))
    cap = int(np.argmax(dp))
    value = float(dp[cap])
    pattern: Counter[int] = Counter()
    for t, take in reversed(takes):
        if take[cap]:
            pattern[t] += 1
            cap -= types.sizes[t]
    return value, pattern


@dataclass(slots=True)
class _LpBound:
    """A dual-feasible solution of the Gilmore–Gomory LP and its bound."""

    bound: float
    duals: npt.NDArray[np.float64]
    converged: bool
    iterations: int


class _Master:
    """Gilmore–Gomory LP solved by column generation (GLOP master, numpy DP pricing).

    The duals are scaled by the best pricing value so they are always dual feasible; the
    bound is then valid at any iteration (Farley's bound). Dual-optimal inequalities
    ``duals[t] >= duals[t + 1]`` (a larger item can stand in for a smaller one) enter as
    exchange columns, and Wentges smoothing steadies the duals.
    """

    def __init__(self, types: _Types, capacity: int, init: Sequence[Counter[int]]) -> None:
        from ortools.linear_solver import pywraplp

        self.types, self.capacity = types, capacity
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.rows = [self.lp.Constraint(float(n), self.lp.infinity()) for n in types.counts]
        self.obj = self.lp.Objective()
        self.obj.SetMinimization()
        self.counts = np.asarray(types.counts, dtype=np.float64)
        self.columns: list[tuple[Counter[int], Any]] = []
        for p in init:
            self.add(p)
        for t in range(len(types.sizes) - 1):
            v = self.lp.NumVar(0.0, self.lp.infinity(), "")
            self.rows[t].SetCoefficient(v, -1.0)
            self.rows[t + 1].SetCoefficient(v, 1.0)

    def set_demand(self, left: Sequence[int]) -> None:
        """Re-target the master at a residual problem: demands ``left``, and the columns
        that no longer fit them switched off."""
        inf = self.lp.infinity()
        self.types = _Types(self.types.sizes, list(left), self.types.members)
        self.counts = np.asarray(left, dtype=np.float64)
        for r, d in zip(self.rows, left, strict=True):
            r.SetLb(float(d))
        for p, v in self.columns:
            v.SetUb(inf if all(a <= left[t] for t, a in p.items()) else 0.0)

    def add(self, p: Counter[int]) -> None:
        v = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.columns.append((p, v))
        self.obj.SetCoefficient(v, 1.0)
        for t, a in p.items():
            self.rows[t].SetCoefficient(v, float(a))

    def run(self, deadline: float, target: int) -> _LpBound:
        """Generate columns until no pattern prices out, ``deadline`` passes or the bound
        reaches ``target``."""
        from ortools.linear_solver import pywraplp

        best = _LpBound(0.0, np.zeros(len(self.types.sizes)), False, 0)
        alpha = 0.0
        it = 0
        while True:
            it += 1
            best.iterations = it
            if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                return best
            master = self.obj.Value()
            duals = np.maximum(np.array([r.dual_value() for r in self.rows]), 0.0)
            while True:
                sep = alpha * best.duals + (1.0 - alpha) * duals if alpha > 0 else duals
                value, pattern = _price(self.types, self.capacity, sep)
                scaled = sep / max(value, 1.0)
                bound = float(scaled @ self.counts)
                if bound > best.bound:
                    best.bound, best.duals = bound, scaled
                gain = 1.0 - sum(float(duals[t]) * a for t, a in pattern.items())
                if gain < -1e-9 or alpha == 0.0:
                    break
                alpha = 0.0  # mis-pricing: price the master's own duals
            if gain >= -1e-9 or master - best.bound < 1e-6:
                best.converged = True
                return best
            if time.monotonic() > deadline or math.ceil(best.bound - 1e-6) >= target:
                return best
            alpha = 0.7
            self.add(pattern)


def _dive(
    master: _Master,
    capacity: int,
    target: int,
    deadline: float,
    rng: np.random.Generator | None = None,
) -> list[Counter[int]] | None:
    """LP diving: fix the patterns the LP relaxation uses most, re-solve the residual LP by
    column generation, until the residual packs by first fit; gives up once the residual LP
    bound shows ``target`` bins are out of reach. Returns ``target`` or fewer patterns.
    Without ``rng`` the most used pattern is fixed; with it, one of the leading four at
    random, weighted by LP value. The master is restored to the full demand afterwards."""
    full = list(master.types.counts)
    sizes = master.types.sizes
    left = list(full)
    fixed: list[Counter[int]] = []
    try:
        while time.monotonic() < deadline:
            rest = [t for t in range(len(left)) for _ in range(left[t])]
            if not rest:
                return fixed
            ff = first_fit_decreasing([sizes[t] for t in rest], capacity)
            if len(fixed) + len(ff) <= target:
                return fixed + [Counter(rest[i] for i in b) for b in ff]
            master.set_demand(left)
            lp = master.run(deadline, 10**9)
            if not lp.converged or math.ceil(lp.bound - 1e-6) > target - len(fixed):
                return None
            chosen = [(x, p) for p, v in master.columns if (x := v.solution_value()) > 1e-6]
            whole = [(x, p) for x, p in chosen if x >= 1.0 - 1e-6]
            if whole:
                for x, p in whole:
                    k = min(int(x + 1e-6), *(left[t] // a for t, a in p.items()))
                    for t, a in p.items():
                        left[t] -= a * k
                    fixed.extend([p] * k)
                continue
            chosen.sort(key=lambda c: -c[0])
            pick = 0
            if rng is not None:  # a randomised dive picks among the leading columns
                top = [x for x, _ in chosen[:4]]
                pick = int(rng.choice(len(top), p=np.asarray(top) / sum(top)))
            p = chosen[pick][1]
            for t, a in p.items():
                left[t] -= a
            fixed.append(p)
        return None
    finally:
        master.set_demand(full)


def _dual_table(
    types: _Types, capacity: int, duals: npt.NDArray[np.float64]
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


def _weight_table(types: _Types, capacity: int) -> npt.NDArray[np.int64]:
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


def _enumerate_patterns(
    types: _Types,
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
    tables = [_dual_table(types, capacity, d) for d, _ in cuts]
    duals = np.array([d for d, _ in cuts]).reshape(len(cuts), len(types.sizes))
    need = np.array([1.0 - g - 1e-9 for _, g in cuts])
    wtable = _weight_table(types, capacity)
    m = len(types.sizes)
    out: list[Counter[int]] = []
    cur: list[int] = []
    overflow = False
    nodes = 0

    def reachable(value: npt.NDArray[np.float64], t: int, room: int) -> bool:
        return all(value[j] + tables[j][t][room] >= need[j] for j in range(len(tables)))

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
        for t in range(start, m):
            if load + wtable[t][room] < min_load or not reachable(value, t, room):
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
                if lo + wtable[t + 1][rest] >= min_load and reachable(val, t + 1, rest):
                    dfs(t + 1, lo, val)
            del cur[len(cur) - k :]

    dfs(0, 0, np.zeros(len(cuts)))
    return None if overflow else out


def _set_partition(
    types: _Types, patterns: Sequence[Counter[int]], target: int, deadline: float
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


def _arcflow(
    types: _Types,
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


def _check_sizes(sizes: Sequence[int], capacity: int) -> list[int]:
    if capacity <= 0:
        raise InvalidInputError.at("capacity", f"must be positive, got {capacity}")
    out: list[int] = []
    for i, w in enumerate(sizes):
        if isinstance(w, float) and math.isnan(w):
            raise InvalidInputError.at("sizes", "is NaN", i)
        if int(w) != w:
            raise InvalidInputError.at("sizes", f"must be an integer, got {w}", i)
        if w < 0:
            raise InvalidInputError.at("sizes", f"must be non-negative, got {w}", i)
        if w > capacity:
            raise InvalidInputError.at("sizes", f"{w} exceeds the capacity {capacity}", i)
        out.append(int(w))
    return out


def pack_bins(
    sizes: Sequence[int],
    capacity: int,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 2,
) -> BinPacking:
    """Pack items into the fewest bins of one capacity (one-dimensional bin packing).

    Parameters
    ----------
    sizes
        Non-negative integer item sizes, each at most ``capacity``.
    capacity
        Positive integer bin capacity.
    time_limit
        Wall-clock seconds for the whole call; the best packing found is returned then.
    seed
        Seed of the CP-SAT search.
    workers
        CP-SAT worker threads (SCIP and GLOP run on one thread).

    Returns
    -------
    BinPacking
        Never uses more bins than first-fit decreasing; ``proven_optimal`` when the bins
        used meet the lower bound.

    Raises
    ------
    InvalidInputError
        If the capacity is not positive, or a size is negative, NaN, fractional or larger
        than the capacity (the row id is the item index).
    """
    t0 = time.monotonic()
    deadline = t0 + time_limit - min(_MARGIN_S, 0.05 * time_limit)
    sizes = _check_sizes(sizes, capacity)
    active = [i for i, w in enumerate(sizes) if w > 0]
    zeros = [i for i, w in enumerate(sizes) if w == 0]

    def done(bins: list[list[int]], lb: int, method: str, ffd: int) -> BinPacking:
        if zeros:
            bins = [list(b) for b in bins] or [[]]
            bins[0].extend(zeros)
        return BinPacking(bins, lb, len(bins) <= lb, ffd, method, time.monotonic() - t0)

    if not active:
        return done([], 0, "ffd", 1 if zeros else 0)
    sub = [sizes[i] for i in active]
    ffd = [[active[i] for i in b] for b in first_fit_decreasing(sub, capacity)]
    bfd = [[active[i] for i in b] for b in best_fit_decreasing(sub, capacity)]
    best, method = (bfd, "bfd") if len(bfd) < len(ffd) else (ffd, "ffd")
    lower = l2_bound(sub, capacity)
    if len(best) <= lower:
        return done(best, lower, method, len(ffd))
    types = _Types.of(sizes, active)
    if capacity * len(types.sizes) > _MAX_EXACT_CELLS:
        return done(best, lower, method, len(ffd))
    hint = [types.pattern_of(b, sizes) for b in best]
    init = hint + [types.pattern_of(b, sizes) for b in ffd]
    master = _Master(types, capacity, init)
    cg = master.run(t0 + _CG_SHARE * time_limit, target=len(best))
    lower = max(lower, math.ceil(cg.bound - 1e-6))
    if len(best) <= lower:
        return done(best, lower, method, len(ffd))
    total = sum(sub)
    small_graph = capacity * len(types.sizes) <= _ARCFLOW_FIRST_CELLS

    def partition(limit: int, share: float) -> BinPacking | None:
        """Exact search on the reduced-cost patterns (at most ``limit`` of them) with SCIP
        for ``share`` of the time left; raises the lower bound when a target is infeasible.
        None when there are too many patterns or SCIP ran out of its share."""
        nonlocal lower
        while lower < len(best) and time.monotonic() < deadline - 0.05:
            waste = lower * capacity - total
            cut = [(cg.duals, lower - cg.bound)]
            patterns = _enumerate_patterns(types, capacity, cut, capacity - waste, limit, deadline)
            if patterns is None:
                return None
            until = time.monotonic() + share * (deadline - time.monotonic())
            status, chosen = _set_partition(types, patterns, lower, until)
            if status == "feasible":
                return done(types.to_bins(chosen), lower, "patterns+scip", len(ffd))
            if status != "infeasible":
                return None
            lower += 1
        return done(best, lower, method, len(ffd)) if lower >= len(best) else None

    if not small_graph and cg.converged:
        # A small reduced-cost pattern set first: SCIP settles it quickly either way.
        quick = partition(_QUICK_PATTERNS, _QUICK_SHARE)
        if quick is not None:
            return quick
        # LP diving, first greedy then randomised, aiming straight at the lower bound.
        rng = np.random.default_rng(seed)
        dive_end = time.monotonic() + _DIVE_SHARE * (deadline - time.monotonic())
        tries = 0
        while time.monotonic() < dive_end:
            dived = _dive(master, capacity, lower, dive_end, rng if tries else None)
            tries += 1
            if dived is not None and len(dived) <= lower:
                return done(types.to_bins(dived), lower, "lp-dive", len(ffd))
        full = partition(_MAX_PATTERNS, 1.0)
        if full is not None:
            return full
    if len(best) <= lower or time.monotonic() >= deadline - _ARCFLOW_MIN_S:
        return done(best, lower, method, len(ffd))
    proven, patterns = _arcflow(
        types,
        capacity,
        cg.duals,
        len(best) - 1 - cg.bound,
        hint,
        lower,
        deadline,
        seed,
        workers,
    )
    if patterns and len(patterns) < len(best):
        bins = types.to_bins(patterns)
        return done(bins, len(bins) if proven else lower, "arcflow+cpsat", len(ffd))
    if proven:  # no packing with fewer bins than the heuristic's exists
        lower = len(best)
    return done(best, lower, method, len(ffd))


# --------------------------------------------------------------------------------------
# Load planning on a heterogeneous fleet
# --------------------------------------------------------------------------------------

#: Shipment size columns and the fleet capacity column that bounds each.
DIMENSIONS: Final = (
    ("weight_kg", "capacity_kg"),
    ("volume_l", "capacity_l"),
    ("pallets", "capacity_pallets"),
)
SHIPMENT_ID: Final = "shipment_id"
VEHICLE_TYPE: Final = "vehicle_type"


@dataclass(frozen=True, slots=True)
class VehicleLoad:
    """One vehicle of the plan and what it carries.

    ``load``, ``capacity`` and ``load_factor`` are keyed by shipment dimension
    (``weight_kg``, ``volume_l``, ``pallets``); a ``None`` capacity means unlimited, and then
    the load factor is ``None`` too.
    """

    vehicle_id: str
    vehicle_type: str
    cost_fen: int
    shipment_ids: tuple[Any, ...]
    load: dict[str, int]
    capacity: dict[str, int | None]

    @property
    def load_factor(self) -> dict[str, float | None]:
        """Load divided by capacity, per dimension."""
        return {d: (None if c is None else self.load[d] / c) for d, c in self.capacity.items()}


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A shipment left out of the plan, and why."""

    shipment_id: Any
    reason: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """The first-fit-decreasing plan the solver is compared with."""

    vehicles: list[VehicleLoad]
    unplaced: list[Unplaced]

    @property
    def total_cost_fen(self) -> int:
        """Sum of the vehicles' costs."""
        return sum(v.cost_fen for v in self.vehicles)

    @property
    def num_vehicles(self) -> int:
        """Vehicles used."""
        return len(self.vehicles)


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Result of :func:`plan_loads`.

    Attributes
    ----------
    objective
        ``"cost"`` (total vehicle cost in fen) or ``"count"`` (number of vehicles, then cost).
    vehicles
        The vehicles used, with their shipments and load per dimension.
    unplaced
        Shipments no vehicle type can carry, or for which no vehicle was left, with reasons.
    baseline
        The first-fit-decreasing plan, computed in the same call.
    lower_bound
        Proven lower bound on the objective (fen or vehicles) for the placed shipments.
    proven_optimal
        The plan's objective meets the lower bound, or the solver proved optimality.
    method
        What produced the plan (``"cp-sat"``, ``"heuristic"``, ``"ffd"``, or a
        :class:`BinPacking` method for one-dimensional, single-type problems).
    wall_time_s
        Seconds spent.
    """

    objective: Objective
    vehicles: list[VehicleLoad]
    unplaced: list[Unplaced]
    baseline: Baseline
    lower_bound: int
    proven_optimal: bool
    method: str
    wall_time_s: float
    dimensions: tuple[str, ...] = field(default=("weight_kg", "volume_l", "pallets"))

    @property
    def total_cost_fen(self) -> int:
        """Sum of the vehicles' costs."""
        return sum(v.cost_fen for v in self.vehicles)

    @property
    def num_vehicles(self) -> int:
        """Vehicles used."""
        return len(self.vehicles)

    @property
    def objective_value(self) -> int:
        """Total cost (fen) or vehicle count, as chosen by ``objective``."""
        return self.total_cost_fen if self.objective == "cost" else self.num_vehicles

    def summary(self) -> str:
        """One line: vehicles, cost, mean load factors, bound, baseline, method and time."""
        placed = sum(len(v.shipment_ids) for v in self.vehicles)
        factors = []
        for d in self.dimensions:
            vals = [f for v in self.vehicles if (f := v.load_factor.get(d)) is not None]
            if vals:
                factors.append(f"{d} {100 * sum(vals) / len(vals):.0f}%")
        base = self.baseline
        state = "proven optimal" if self.proven_optimal else "gap open"
        return (
            f"{self.num_vehicles} vehicles, cost {self.total_cost_fen / 100:,.2f} yuan, "
            f"{placed} shipments placed, {len(self.unplaced)} unplaced; "
            f"mean load {', '.join(factors) or 'n/a'}; "
            f"lower bound {self.lower_bound} ({state}); "
            f"FFD baseline {base.num_vehicles} vehicles, {base.total_cost_fen / 100:,.2f} yuan; "
            f"{self.method}, {self.wall_time_s:.2f} s"
        )

    def to_polars(self) -> pl.DataFrame:
        """One row per shipment: ``shipment_id``, ``vehicle_id``, ``vehicle_type`` and
        ``unplaced_reason`` (null for placed shipments; vehicle columns null otherwise)."""
        rows: list[dict[str, Any]] = []
        for v in self.vehicles:
            rows.extend(
                {
                    SHIPMENT_ID: s,
                    "vehicle_id": v.vehicle_id,
                    VEHICLE_TYPE: v.vehicle_type,
                    "unplaced_reason": None,
                }
                for s in v.shipment_ids
            )
        rows.extend(
            {
                SHIPMENT_ID: u.shipment_id,
                "vehicle_id": None,
                VEHICLE_TYPE: None,
                "unplaced_reason": u.reason,
            }
            for u in self.unplaced
        )
        schema = {
            SHIPMENT_ID: None,
            "vehicle_id": pl.String,
            VEHICLE_TYPE: pl.String,
            "unplaced_reason": pl.String,
        }
        if not rows:
            return pl.DataFrame(schema={k: v or pl.String for k, v in schema.items()})
        return pl.DataFrame(rows, schema_overrides={k: v for k, v in schema.items() if v})

    def vehicles_frame(self) -> pl.DataFrame:
        """One row per vehicle: id, type, cost, shipment count, and per dimension the load,
        capacity and load factor (``<dim>``, ``<dim>_capacity``, ``<dim>_factor``)."""
        rows = []
        for v in self.vehicles:
            row: dict[str, Any] = {
                "vehicle_id": v.vehicle_id,
                VEHICLE_TYPE: v.vehicle_type,
                "cost_fen": v.cost_fen,
                "shipments": len(v.shipment_ids),
            }
            lf = v.load_factor
            for d in self.dimensions:
                row[d] = v.load[d]
                row[f"{d}_capacity"] = v.capacity[d]
                row[f"{d}_factor"] = lf[d]
            rows.append(row)
        schema: dict[str, Any] = {
            "vehicle_id": pl.String,
            VEHICLE_TYPE: pl.String,
            "cost_fen": pl.Int64,
            "shipments": pl.Int64,
        }
        for d in self.dimensions:
            schema |= {d: pl.Int64, f"{d}_capacity": pl.Int64, f"{d}_factor": pl.Float64}
        return pl.DataFrame(rows, schema=schema)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON view of the plan: figures, vehicles with load factors, unplaced
        shipments and the baseline's figures."""

        def veh(v: VehicleLoad) -> dict[str, Any]:
            return {
                "vehicle_id": v.vehicle_id,
                "vehicle_type": v.vehicle_type,
                "cost_fen": v.cost_fen,
                "shipment_ids": list(v.shipment_ids),
                "load": v.load,
                "capacity": v.capacity,
                "load_factor": v.load_factor,
            }

        return {
            "objective": self.objective,
            "objective_value": self.objective_value,
            "total_cost_fen": self.total_cost_fen,
            "num_vehicles": self.num_vehicles,
            "lower_bound": self.lower_bound,
            "proven_optimal": self.proven_optimal,
            "method": self.method,
            "wall_time_s": self.wall_time_s,
            "vehicles": [veh(v) for v in self.vehicles],
            "unplaced": [{"shipment_id": u.shipment_id, "reason": u.reason} for u in self.unplaced],
            "baseline_ffd": {
                "total_cost_fen": self.baseline.total_cost_fen,
                "num_vehicles": self.baseline.num_vehicles,
                "unplaced": len(self.baseline.unplaced),
            },
        }


@dataclass(slots=True)
class _Fleet:
    """Validated, integer problem data (all dimensions; unlimited capacity = ``None``)."""

    ids: list[Any]
    sizes: npt.NDArray[np.int64]  # (n, D)
    names: list[str]
    caps: list[list[int | None]]  # (K, D)
    counts: list[int]
    costs: list[int]


def _int_column(
    df: pl.DataFrame, col: str, ids: list[Any], idfield: str, *, positive: bool, allow_null: bool
) -> list[int | None]:
    """Read an integer column; NaN, negatives (or zeros when ``positive``) raise."""
    series = df.get_column(col)
    if not (series.dtype.is_numeric() or series.dtype == pl.Null):
        raise InvalidInputError.at(col, f"must be numeric, got {series.dtype}")
    out: list[int | None] = []
    for rid, v in zip(ids, series.to_list(), strict=True):
        if v is None:
            if allow_null:
                out.append(None)
                continue
            raise InvalidInputError.at(col, "is missing", rid)
        if isinstance(v, float) and math.isnan(v):
            raise InvalidInputError.at(col, "is NaN", rid)
        if isinstance(v, float) and math.isinf(v):
            raise InvalidInputError.at(col, "is infinite", rid)
        if v < 0 or (positive and v <= 0):
            raise InvalidInputError.at(
                col, f"must be {'positive' if positive else 'non-negative'}, got {v}", rid
            )
        # Sizes round up and capacities down, so a plan never overloads a vehicle.
        iv = math.floor(v) if positive else math.ceil(v)
        out.append(iv)
        if positive and iv <= 0:
            raise InvalidInputError.at(col, f"must be at least 1 after rounding, got {v}", rid)
    return out


def _ids(df: pl.DataFrame, col: str) -> list[Any]:
    ids = df.get_column(col).to_list()
    seen: set[Any] = set()
    for rid in ids:
        if rid is None:
            raise InvalidInputError.at(col, "id is missing")
        if rid in seen:
            raise InvalidInputError.at(col, "duplicate id", rid)
        seen.add(rid)
    return ids


def _validate(shipments: pl.DataFrame, fleet: pl.DataFrame) -> _Fleet:
    if not isinstance(shipments, pl.DataFrame):
        raise InvalidInputError.at("shipments", "must be a polars DataFrame")
    if not isinstance(fleet, pl.DataFrame):
        raise InvalidInputError.at("fleet", "must be a polars DataFrame")
    for col in (SHIPMENT_ID, "weight_kg", "volume_l"):
        if col not in shipments.columns:
            raise InvalidInputError.at(col, "missing column in shipments")
    for col in (VEHICLE_TYPE, "capacity_kg", "capacity_l", "count", "cost_fen"):
        if col not in fleet.columns:
            raise InvalidInputError.at(col, "missing column in fleet")
    if fleet.height == 0:
        raise InvalidInputError.at("fleet", "empty fleet: no vehicle types")
    ids = _ids(shipments, SHIPMENT_ID)
    names = [str(x) for x in _ids(fleet, VEHICLE_TYPE)]
    cols = []
    for dim, _cap in DIMENSIONS:
        if dim in shipments.columns:
            vals = _int_column(
                shipments, dim, ids, dim, positive=False, allow_null=dim == "pallets"
            )
            cols.append([v or 0 for v in vals])
        else:
            cols.append([0] * len(ids))
    sizes = np.array(cols, dtype=np.int64).T.reshape(len(ids), len(DIMENSIONS))
    caps_cols: list[list[int | None]] = []
    for _dim, cap in DIMENSIONS:
        if cap in fleet.columns:
            caps_cols.append(
                _int_column(
                    fleet, cap, names, cap, positive=True, allow_null=cap == "capacity_pallets"
                )
            )
        else:
            caps_cols.append([None] * len(names))
    counts = [
        int(c or 0)
        for c in _int_column(fleet, "count", names, "count", positive=False, allow_null=False)
    ]
    costs = [
        int(c or 0)
        for c in _int_column(fleet, "cost_fen", names, "cost_fen", positive=False, allow_null=False)
    ]
    if sum(counts) == 0:
        raise InvalidInputError.at("count", "empty fleet: no vehicle available (all counts 0)")
    caps = [list(row) for row in zip(*caps_cols, strict=True)]
    return _Fleet(ids, sizes, names, caps, counts, costs)


@dataclass(slots=True)
class _Problem:
    """The placeable shipments in integer arrays, over the active dimensions only."""

    items: list[int]  # indices into _Fleet.ids
    sizes: npt.NDArray[np.int64]  # (n, d)
    caps: npt.NDArray[np.int64]  # (K, d), unlimited = huge
    counts: list[int]
    costs: list[int]
    dims: list[int]  # indices into DIMENSIONS

    def fits(self, i: int, k: int) -> bool:
        return bool(np.all(self.sizes[i] <= self.caps[k]))


Assignment = list[tuple[int, list[int]]]  # (vehicle type, item positions)


def _score(
    p: _Problem, sol: Assignment, dropped: int, objective: Objective
) -> tuple[int, int, int]:
    cost = sum(p.costs[k] for k, _ in sol)
    return (dropped, cost, len(sol)) if objective == "cost" else (dropped, len(sol), cost)


def _item_order(p: _Problem) -> list[int]:
    top = np.maximum(p.sizes.max(axis=0, initial=0), 1)
    rel = p.sizes / top
    return sorted(
        range(len(p.items)), key=lambda i: (-float(rel[i].max()), -float(rel[i].sum()), i)
    )


def _first_fit(
    p: _Problem, order: list[int], type_order: list[int]
) -> tuple[Assignment, list[int]]:
    """First fit over open vehicles; a new vehicle is the first type in ``type_order`` that
    has one left and holds the item."""
    left = list(p.counts)
    loads: list[npt.NDArray[np.int64]] = []
    sol: Assignment = []
    dropped: list[int] = []
    for i in order:
        s = p.sizes[i]
        for b, (k, items) in enumerate(sol):
            if np.all(loads[b] + s <= p.caps[k]):
                loads[b] = loads[b] + s
                items.append(i)
                break
        else:
            for k in type_order:
                if left[k] > 0 and p.fits(i, k):
                    left[k] -= 1
                    sol.append((k, [i]))
                    loads.append(s.copy())
                    break
            else:
                dropped.append(i)
    return sol, dropped


def _type_orders(p: _Problem, objective: Objective) -> list[list[int]]:
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


def _downsize(p: _Problem, sol: Assignment, objective: Objective) -> Assignment:
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


def _heuristic(
    p: _Problem, objective: Objective
) -> tuple[Assignment, list[int], Assignment, list[int]]:
    """Returns the FFD baseline and the best of several first-fit variants with downsizing."""
    order = _item_order(p)
    orders = _type_orders(p, objective)
    base, base_drop = _first_fit(p, order, orders[0])
    best, best_drop = base, base_drop
    for to in orders:
        sol, drop = _first_fit(p, order, to)
        sol = _downsize(p, sol, objective)
        if _score(p, sol, len(drop), objective) < _score(p, best, len(best_drop), objective):
            best, best_drop = sol, drop
    return base, base_drop, best, best_drop


def _capacity_lp_bound(p: _Problem, objective: Objective, limits: list[int]) -> int:
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


def _cpsat(
    p: _Problem,
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
    order = _item_order(p)
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


class _FleetMaster:
    """Column generation for the fleet problem: one column per (vehicle type, pattern).

    Master (GLOP): ``min Σ weight[k]·x[k,p]`` with every item group covered and at most
    ``count[k]`` vehicles of type ``k``. Pricing per type is a multi-dimensional bounded
    knapsack: greedy first, then exact by CP-SAT (one worker) to prove convergence.
    """

    def __init__(self, p: _Problem, weights: list[float], init: Assignment) -> None:
        from ortools.linear_solver import pywraplp

        self.p, self.weights = p, weights
        keys: dict[tuple[int, ...], int] = {}
        self.members: list[list[int]] = []
        self.group_of = [0] * len(p.items)
        for i in range(len(p.items)):
            key = tuple(int(x) for x in p.sizes[i])
            g = keys.setdefault(key, len(keys))
            if g == len(self.members):
                self.members.append([])
            self.members[g].append(i)
            self.group_of[i] = g
        self.gsize = np.array(list(keys), dtype=np.int64).reshape(len(keys), len(p.dims))
        self.gsize_rows = [tuple(int(x) for x in row) for row in self.gsize]
        self.full = [len(m) for m in self.members]
        self.left = list(self.full)
        self.left_k = list(p.counts)
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.lp.infinity()
        self.rows = [self.lp.Constraint(float(b), inf) for b in self.full]
        self.krows = [self.lp.Constraint(-inf, float(n)) for n in p.counts]
        self.obj = self.lp.Objective()
        self.obj.SetMinimization()
        self.columns: list[tuple[int, Counter[int], Any]] = []
        for k, its in init:
            self.add(k, Counter(self.group_of[i] for i in its))

    def add(self, k: int, pat: Counter[int]) -> None:
        v = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.obj.SetCoefficient(v, self.weights[k])
        self.krows[k].SetCoefficient(v, 1.0)
        for g, a in pat.items():
            self.rows[g].SetCoefficient(v, float(a))
        self.columns.append((k, pat, v))

    def set_demand(self, left: Sequence[int], left_k: Sequence[int]) -> None:
        self.left, self.left_k = list(left), list(left_k)
        for r, b in zip(self.rows, left, strict=True):
            r.SetLb(float(b))
        for r, n in zip(self.krows, left_k, strict=True):
            r.SetUb(float(n))
        inf = self.lp.infinity()
        for k, pat, v in self.columns:
            fits = left_k[k] > 0 and all(a <= left[g] for g, a in pat.items())
            v.SetUb(inf if fits else 0.0)

    def _greedy(self, k: int, duals: npt.NDArray[np.float64]) -> tuple[float, Counter[int]]:
        """Best of a few greedy fills (by dual value per summed, largest and per-dimension
        relative size)."""
        cap = self.p.caps[k].astype(np.float64)
        rel = self.gsize / cap
        measures = [rel.sum(axis=1), rel.max(axis=1), *(rel[:, d] for d in range(rel.shape[1]))]
        cap_int = [int(c) for c in self.p.caps[k]]
        dims = range(len(cap_int))
        best_value, best_pat = 0.0, Counter[int]()
        for size in measures:
            room = list(cap_int)
            pat: Counter[int] = Counter()
            value = 0.0
            for g in np.argsort(-(duals / np.maximum(size, 1e-12))).tolist():
                if duals[g] <= 1e-12:
                    break
                sz = self.gsize_rows[g]
                n = self.left[g]
                for d in dims:
                    if sz[d] > 0:
                        n = min(n, room[d] // sz[d])
                if n > 0:
                    for d in dims:
                        room[d] -= n * sz[d]
                    pat[g] = n
                    value += n * float(duals[g])
            if value > best_value:
                best_value, best_pat = value, pat
        return best_value, best_pat

    def _exact(
        self, k: int, duals: npt.NDArray[np.float64], deadline: float
    ) -> tuple[float, Counter[int], bool]:
        """Best pattern for type ``k``: (value, pattern, proven optimal)."""
        from ortools.sat.python import cp_model

        cap = self.p.caps[k]
        model = cp_model.CpModel()
        xs = {}
        for g in range(len(self.full)):
            if duals[g] <= 1e-12 or self.left[g] == 0 or np.any(self.gsize[g] > cap):
                continue
            ub = self.left[g]
            for d in range(len(cap)):
                if self.gsize[g][d] > 0:
                    ub = min(ub, int(cap[d] // self.gsize[g][d]))
            xs[g] = model.new_int_var(0, ub, "")
        if not xs:
            return 0.0, Counter(), True
        for d in range(len(cap)):
            terms = [int(self.gsize[g][d]) * x for g, x in xs.items() if self.gsize[g][d] > 0]
            if terms:
                model.add(sum(terms) <= int(cap[d]))
        model.maximize(sum(float(duals[g]) * x for g, x in xs.items()))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_presolve = False  # tiny models: presolve costs more
        solver.parameters.max_time_in_seconds = max(0.01, min(2.0, deadline - time.monotonic()))
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return 0.0, Counter(), False
        pat = Counter({g: int(solver.value(x)) for g, x in xs.items() if solver.value(x)})
        value = sum(float(duals[g]) * a for g, a in pat.items())
        bound = max(value, float(solver.best_objective_bound))
        return bound, pat, status == cp_model.OPTIMAL

    def run(self, deadline: float) -> tuple[bool, float]:
        """Column generation to convergence or ``deadline``: (converged, lower bound).

        The bound is Lagrangian, ``Σ duals·demand + Σ_k count_k·min(0, weight_k - best_k)``,
        with ``best_k`` an upper bound on type ``k``'s pattern value: valid at any iteration.
        """
        from ortools.linear_solver import pywraplp

        bound = 0.0
        types = range(len(self.weights))
        while True:
            if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
                return False, math.inf  # the vehicles left cannot cover the demand
            master = self.obj.Value()
            if time.monotonic() > deadline:  # the LP solution stays current for dives
                return False, bound
            duals = np.maximum(np.array([r.dual_value() for r in self.rows]), 0.0)
            mu = np.minimum(np.array([r.dual_value() for r in self.krows]), 0.0)
            found: list[tuple[int, Counter[int]]] = []
            for k in types:
                if self.left_k[k] == 0:
                    continue
                value, pat = self._greedy(k, duals)
                if pat and self.weights[k] - mu[k] - value < -1e-9:
                    found.append((k, pat))
            if not found:
                lagrange = float(duals @ np.asarray(self.left, dtype=np.float64))
                exact = True
                for k in types:
                    if self.left_k[k] == 0:
                        continue
                    value, pat, proven = self._exact(k, duals, deadline)
                    exact &= proven
                    lagrange += self.left_k[k] * min(0.0, self.weights[k] - value)
                    if pat and self.weights[k] - mu[k] - value < -1e-9:
                        found.append((k, pat))
                if exact:
                    bound = max(bound, lagrange)
                    if math.ceil(bound - 1e-6) >= math.ceil(master - 1e-6):
                        return True, bound  # the rounded bound cannot rise any further
                if not found:
                    return exact, max(bound, master) if exact else bound
            for k, pat in found:
                self.add(k, pat)

    def patterns_to_items(self, chosen: Sequence[tuple[int, Counter[int]]]) -> Assignment:
        pools = [list(m) for m in self.members]
        out: Assignment = []
        for k, pat in chosen:
            its: list[int] = []
            for g, a in pat.items():
                its.extend(pools[g][:a])
                del pools[g][:a]
            if its:
                out.append((k, its))
        return out


def _fleet_dive(
    master: _FleetMaster,
    objective: Objective,
    incumbent: int,
    deadline: float,
    rng: np.random.Generator | None,
) -> Assignment | None:
    """LP diving on the fleet master; the residual is finished by the first-fit heuristics
    at every step. Returns a complete plan cheaper than ``incumbent`` (objective units), or
    None."""
    p = master.p
    left, left_k = list(master.full), list(p.counts)
    fixed: list[tuple[int, Counter[int]]] = []
    best: Assignment | None = None

    def unit(k: int) -> int:
        return p.costs[k] if objective == "cost" else 1

    try:
        while time.monotonic() < deadline:
            pools = [
                m[m_len - left[g] :]
                for g, (m, m_len) in enumerate((m, len(m)) for m in master.members)
            ]
            rest = [i for pool in pools for i in pool]
            done_part = master.patterns_to_items(fixed)
            spent = sum(unit(k) for k, _ in done_part)
            if rest:
                sub = _Problem(
                    [p.items[i] for i in rest], p.sizes[rest], p.caps, left_k, p.costs, p.dims
                )
                _, _, sol, dropped = _heuristic(sub, objective)
                if not dropped:
                    total = spent + sum(unit(k) for k, _ in sol)
                    if total < incumbent:
                        incumbent = total
                        best = done_part + [(k, [rest[i] for i in its]) for k, its in sol]
            elif spent < incumbent:
                return done_part
            else:
                return best
            master.set_demand(left, left_k)
            # A residual LP that is not fully converged still guides the dive.
            _, bound = master.run(min(deadline, time.monotonic() + _FLEET_STEP_S))
            if time.monotonic() > deadline or spent + bound > incumbent - 1 + 1e-6:
                return best  # out of time, infeasible, or no cheaper plan below
            chosen = [
                (x, k, pat) for k, pat, v in master.columns if (x := v.solution_value()) > 1e-6
            ]
            whole = [(x, k, pat) for x, k, pat in chosen if x >= 1.0 - 1e-6]
            if not whole:
                chosen.sort(key=lambda c: -c[0])
                pick = 0
                if rng is not None:
                    top = [x for x, _, _ in chosen[:4]]
                    pick = int(rng.choice(len(top), p=np.asarray(top) / sum(top)))
                whole = [(1.0, chosen[pick][1], chosen[pick][2])]
            for x, k, pat in whole:
                n = min(int(x + 1e-6), left_k[k], *(left[g] // a for g, a in pat.items()))
                for g, a in pat.items():
                    left[g] -= a * n
                left_k[k] -= n
                fixed.extend([(k, pat)] * n)
        return best
    finally:
        master.set_demand(master.full, p.counts)


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
        optionally ``pallets`` (null = 0). Fractional sizes are rounded up.
    fleet
        One row per vehicle type: ``vehicle_type`` (unique), ``capacity_kg``, ``capacity_l``,
        optionally ``capacity_pallets`` (null or absent = no pallet limit), ``count``
        available and ``cost_fen`` per vehicle used. Fractional capacities are rounded down.
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
    deadline = t0 + time_limit - min(_MARGIN_S, 0.05 * time_limit)
    if objective not in ("cost", "count"):
        raise InvalidInputError.at("objective", f"must be 'cost' or 'count', got {objective!r}")
    if time_limit <= 0:
        raise InvalidInputError.at("time_limit", f"must be positive, got {time_limit}")
    fl = _validate(shipments, fleet)
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
    prob = _Problem(
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
        base, base_drop, best, best_drop = _heuristic(prob, objective)
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
        if _score(prob, best, len(best_drop), objective)
        == _score(prob, base, len(base_drop), objective)
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
    lb = _capacity_lp_bound(prob, objective, limits) if not best_drop else 0
    if not best_drop and value(best) <= lb:
        return result(best, best_drop, lb, True, method)
    if not best_drop:
        # Column generation (bound) and LP dives (plans) before the CP-SAT model.
        weights = [float(c) if objective == "cost" else 1.0 for c in prob.costs]
        fm = _FleetMaster(prob, weights, best)
        cg_end = time.monotonic() + _FLEET_CG_SHARE * (deadline - time.monotonic())
        _, bound = fm.run(cg_end)
        if math.isfinite(bound):
            lb = max(lb, math.ceil(bound - 1e-6))
        if value(best) > lb:  # dive from the root LP, converged or not
            rng = np.random.default_rng(seed)
            dive_end = time.monotonic() + _DIVE_SHARE * (deadline - time.monotonic())
            tries = 0
            while time.monotonic() < dive_end and value(best) > lb:
                dived = _fleet_dive(fm, objective, value(best), dive_end, rng if tries else None)
                tries += 1
                if dived is not None:
                    dived = _downsize(prob, dived, objective)
                    if _score(prob, dived, 0, objective) < _score(prob, best, 0, objective):
                        best, method = dived, "lp-dive"
        if value(best) <= lb:
            return result(best, [], lb, True, method)
    status, sol, dropped, bound = _cpsat(prob, objective, best, best_drop, deadline, seed, workers)
    lb = max(lb, math.ceil(bound - 1e-6))
    if sol and _score(prob, sol, len(dropped), objective) < _score(
        prob, best, len(best_drop), objective
    ):
        return result(sol, dropped, lb, status == "OPTIMAL", "cp-sat")
    return result(best, best_drop, lb, status == "OPTIMAL", method)


__all__ = [
    "DIMENSIONS",
    "Baseline",
    "BinPacking",
    "LoadPlan",
    "Unplaced",
    "VehicleLoad",
    "best_fit_decreasing",
    "first_fit_decreasing",
    "l2_bound",
    "pack_bins",
    "plan_loads",
]
