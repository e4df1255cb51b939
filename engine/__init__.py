"""Yunli: vehicle–cargo matching, routing and live re-planning for road freight.

The public API, re-exported here by name (imported lazily, so ``import engine`` stays
light and the routing solvers load only when used):

* data: :func:`load_sample`, :func:`load_world`, :func:`generate_world`, :class:`World`
* matrices: :func:`distance_matrix`, :class:`Matrices`, :class:`SpeedProfile`
* matching: :class:`Matcher`, :class:`MatchWeights`, :class:`MatchParams`
* routing: :class:`Model`, :func:`solve`, :func:`check`, :class:`Solution`, :func:`plan_loads`
* live: :class:`LivePlan`, :func:`plan_from_solution`, :func:`apply_events`,
  :func:`replan`, :func:`forecast`
* errors: :class:`YunliError` and its subclasses
"""

from __future__ import annotations

import importlib
from typing import Any

from engine.errors import (
    InfeasibleError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
    YunliError,
)

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "World": "engine.data.loaders",
    "load_world": "engine.data.loaders",
    "generate_world": "engine.data.generator",
    "load_sample": "engine.data.sample",
    "distance_matrix": "engine.geo",
    "Matrices": "engine.geo",
    "SpeedProfile": "engine.geo",
    "Matcher": "engine.matching",
    "MatchWeights": "engine.matching",
    "MatchParams": "engine.matching",
    "Model": "engine.routing",
    "solve": "engine.routing",
    "check": "engine.routing",
    "Solution": "engine.routing",
    "plan_loads": "engine.routing",
    "LivePlan": "engine.live",
    "plan_from_solution": "engine.live",
    "apply_events": "engine.live",
    "replan": "engine.live",
    "forecast": "engine.live",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


__all__ = [
    "InfeasibleError",
    "InternalError",
    "InvalidInputError",
    "LivePlan",
    "MatchParams",
    "MatchWeights",
    "Matcher",
    "Matrices",
    "Model",
    "NotFoundError",
    "Solution",
    "SolverTimeoutError",
    "SpeedProfile",
    "World",
    "YunliError",
    "__version__",
    "apply_events",
    "check",
    "distance_matrix",
    "forecast",
    "generate_world",
    "load_sample",
    "load_world",
    "plan_from_solution",
    "plan_loads",
    "replan",
    "solve",
]
