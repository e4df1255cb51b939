"""Time shares and size limits of the load-planning searches (tuning, not API)."""

from __future__ import annotations

from typing import Final

#: Largest ``capacity × item types`` for which the searches use tables over every load
#: (pricing, pattern enumeration, the arc-flow graph); above it they work on sparse
#: Pareto states and Dantzig bounds, whose cost does not grow with the capacity.
DENSE_CELLS: Final = 4_000_000
#: At most this many reduced-cost patterns go to the set-partitioning model.
MAX_PATTERNS: Final = 20_000
#: Below this ``capacity × item types`` the arc-flow model (CP-SAT) is tried first: its
#: graph is small, while the patterns of many small items overwhelm set partitioning.
ARCFLOW_FIRST_CELLS: Final = 20_000
#: The quick exact try: at most this many patterns, this share of the time left.
QUICK_PATTERNS: Final = 1_000
QUICK_SHARE: Final = 0.5
#: Share of the time left after the LP bound that LP diving may use.
DIVE_SHARE: Final = 0.5
#: Seconds kept back from the time limit for model teardown and the answer.
MARGIN_S: Final = 0.4
#: The arc-flow model is not started with less time than this left.
ARCFLOW_MIN_S: Final = 1.0
#: Share of plan_loads' time left that the fleet column generation may use.
FLEET_CG_SHARE: Final = 0.3
#: Seconds of column generation per step of a fleet dive.
FLEET_STEP_S: Final = 0.3
#: Share of the time limit the column generation may use.
CG_SHARE: Final = 0.45
#: Column generation at large capacities adds up to this many more columns per pricing.
CG_COLUMNS: Final = 20
