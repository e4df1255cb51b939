"""Vehicle–cargo matching: route expertise, two-way recommendations, optimal dispatch.

Public names:

- :class:`Matcher` — built from vehicles, trip history, weights and parameters;
  ``recommend_vehicles``, ``recommend_vehicles_batch``, ``recommend_loads``,
  ``dispatch``, ``explain``, ``add_trips``.
- :class:`MatchWeights`, :class:`MatchParams` — the documented score weights and parameters.
- :class:`DispatchResult` — optimal assignment with greedy and nearest baselines.
- :func:`max_weight_assignment`, :func:`greedy_assignment` — the assignment solvers on CSR graphs.
"""

from __future__ import annotations

from engine.matching.assignment import (
    Assignment,
    dense_to_csr,
    greedy_assignment,
    max_weight_assignment,
)
from engine.matching.matcher import PAIR_COLUMNS, REJECT_REASONS, SCORE_COMPONENTS, Matcher
from engine.matching.params import MatchParams, MatchWeights
from engine.matching.result import DispatchResult

__all__ = [
    "PAIR_COLUMNS",
    "REJECT_REASONS",
    "SCORE_COMPONENTS",
    "Assignment",
    "DispatchResult",
    "MatchParams",
    "MatchWeights",
    "Matcher",
    "dense_to_csr",
    "greedy_assignment",
    "max_weight_assignment",
]
