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

from engine.routing.loadplan.binpacking import BinPacking, pack_bins
from engine.routing.loadplan.bounds import l2_bound
from engine.routing.loadplan.fleet import plan_loads
from engine.routing.loadplan.heuristics import best_fit_decreasing, first_fit_decreasing
from engine.routing.loadplan.results import (
    DIMENSIONS,
    Baseline,
    LoadPlan,
    Objective,
    Unplaced,
    VehicleLoad,
)

__all__ = [
    "DIMENSIONS",
    "Baseline",
    "BinPacking",
    "LoadPlan",
    "Objective",
    "Unplaced",
    "VehicleLoad",
    "best_fit_decreasing",
    "first_fit_decreasing",
    "l2_bound",
    "pack_bins",
    "plan_loads",
]
