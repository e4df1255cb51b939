"""Gilmore–Gomory column generation for one-dimensional bin packing: the LP bound
(GLOP master, numpy DP pricing) and LP diving."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.routing.loadplan.heuristics import first_fit_decreasing
from engine.routing.loadplan.tuning import CG_COLUMNS, DENSE_CELLS


@dataclass(slots=True)
class ItemTypes:
    """Items grouped by size: ``sizes`` decreasing, ``counts``, and the item indices."""

    sizes: list[int]
    counts: list[int]
    members: list[list[int]]

    @classmethod
    def of(cls, sizes: Sequence[int], items: Sequence[int]) -> ItemTypes:
        groups: dict[int, list[int]] = {}
        for i in items:
            groups.setdefault(sizes[i], []).append(i)
        ws = sorted(groups, reverse=True)
        return cls(ws, [len(groups[w]) for w in ws], [groups[w] for w in ws])

    def sparse(self, capacity: int) -> bool:
        """Whether tables over every load (``capacity × types`` cells) are too large, so the
        searches work on Pareto states and capacity-free bounds instead."""
        return capacity * len(self.sizes) > DENSE_CELLS

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


def price(
    types: ItemTypes, capacity: int, duals: npt.NDArray[np.float64]
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


def _zero_one_items(
    types: ItemTypes, capacity: int, duals: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], list[tuple[int, int]]]:
    """The bounded copies of each priced type split in binary groups (1, 2, 4, …, rest) as
    0-1 items, ordered by dual value per unit of size (largest first): sizes, values and
    ``(type, copies)`` per item."""
    groups: list[tuple[float, int, float, int, int]] = []
    for t, (w, n) in enumerate(zip(types.sizes, types.counts, strict=True)):
        d = float(duals[t])
        if d <= 1e-12 or w <= 0:
            continue
        left, m = min(n, capacity // w), 1
        while left > 0:
            k = min(m, left)
            groups.append((d / w, k * w, k * d, t, k))
            left -= k
            m *= 2
    groups.sort(key=lambda g: (-g[0], g[3], g[4]))
    sizes = np.array([g[1] for g in groups], dtype=np.int64)
    values = np.array([g[2] for g in groups], dtype=np.float64)
    return sizes, values, [(g[3], g[4]) for g in groups]


def price_sparse(
    types: ItemTypes,
    capacity: int,
    duals: npt.NDArray[np.float64],
    floor: float = 1.0,
    extra: list[Counter[int]] | None = None,
) -> tuple[float, Counter[int]]:
    """Bounded knapsack at any capacity (the core's ``knapsack_pareto``): a dynamic
    programme over Pareto-optimal (load, value) states rather than over every load, with the
    Dantzig bound pruning the states that cannot beat ``max(best so far, floor)``. Exact when
    the optimum exceeds ``floor``; otherwise a pattern of value at most ``floor`` (all column
    generation needs).

    Every state is itself a pattern: with ``extra``, up to ``CG_COLUMNS`` other distinct
    patterns worth more than ``floor`` met on the way are appended to it, so column
    generation adds several columns per pricing."""
    from engine._core import knapsack_pareto

    sizes, values, items = _zero_one_items(types, capacity, duals)
    if not items:
        return 0.0, Counter()
    want = CG_COLUMNS if extra is not None else 0
    value, best, more = knapsack_pareto(sizes, values, capacity, floor, want)

    def pattern(chosen: list[int]) -> Counter[int]:
        p: Counter[int] = Counter()
        for j in chosen:
            t, copies = items[j]
            p[t] += copies
        return p

    if extra is not None:
        extra.extend(pattern(c) for c in more)
    return value, pattern(best)


def price_any(
    types: ItemTypes,
    capacity: int,
    duals: npt.NDArray[np.float64],
    extra: list[Counter[int]] | None = None,
) -> tuple[float, Counter[int]]:
    """:func:`price` (dense over the capacity) while ``capacity × types`` is at most
    ``DENSE_CELLS``, else :func:`price_sparse` (which also fills ``extra``)."""
    if not types.sparse(capacity):
        return price(types, capacity, duals)
    return price_sparse(types, capacity, duals, extra=extra)


@dataclass(slots=True)
class LpBound:
    """A dual-feasible solution of the Gilmore–Gomory LP and its bound."""

    bound: float
    duals: npt.NDArray[np.float64]
    converged: bool
    iterations: int


class Master:
    """Gilmore–Gomory LP solved by column generation (GLOP master, numpy DP pricing).

    The duals are scaled by the best pricing value so they are always dual feasible; the
    bound is then valid at any iteration (Farley's bound). Dual-optimal inequalities
    ``duals[t] >= duals[t + 1]`` (a larger item can stand in for a smaller one) enter as
    exchange columns, and Wentges smoothing steadies the duals.
    """

    def __init__(self, types: ItemTypes, capacity: int, init: Sequence[Counter[int]]) -> None:
        from ortools.linear_solver import pywraplp

        self.types, self.capacity = types, capacity
        self.sparse = types.sparse(capacity)
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
        self.types = ItemTypes(self.types.sizes, list(left), self.types.members)
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

    def run(self, deadline: float, target: int) -> LpBound:
        """Generate columns until no pattern prices out, ``deadline`` passes or the bound
        reaches ``target``."""
        from ortools.linear_solver import pywraplp

        best = LpBound(0.0, np.zeros(len(self.types.sizes)), False, 0)
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
                extra: list[Counter[int]] = []
                value, pattern = price_any(self.types, self.capacity, sep, extra)
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
            if self.sparse and math.ceil(best.bound - 1e-6) >= math.ceil(master - 1e-6):
                # Early termination: the rounded bound can no longer rise, and the scaled
                # duals are dual feasible, which is all the exact searches need.
                best.converged = True
                return best
            if time.monotonic() > deadline or math.ceil(best.bound - 1e-6) >= target:
                return best
            alpha = 0.7
            self.add(pattern)
            for p in extra:
                self.add(p)


def dive(
    master: Master,
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
