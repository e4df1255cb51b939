"""Column generation for fleet load planning: (vehicle type, pattern) columns, a
Lagrangian bound and LP dives finished by the first-fit heuristics."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.routing.loadplan.heuristics import fleet_heuristic
from engine.routing.loadplan.problem import Assignment, FleetProblem
from engine.routing.loadplan.results import Objective
from engine.routing.loadplan.tuning import FLEET_STEP_S


class FleetMaster:
    """Column generation for the fleet problem: one column per (vehicle type, pattern).

    Master (GLOP): ``min Σ weight[k]·x[k,p]`` with every item group covered and at most
    ``count[k]`` vehicles of type ``k``. Pricing per type is a multi-dimensional bounded
    knapsack: greedy first, then exact by CP-SAT (one worker) to prove convergence.
    """

    def __init__(self, p: FleetProblem, weights: list[float], init: Assignment) -> None:
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


def fleet_dive(
    master: FleetMaster,
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
                sub = FleetProblem(
                    [p.items[i] for i in rest], p.sizes[rest], p.caps, left_k, p.costs, p.dims
                )
                _, _, sol, dropped = fleet_heuristic(sub, objective)
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
            _, bound = master.run(min(deadline, time.monotonic() + FLEET_STEP_S))
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
