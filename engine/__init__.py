"""Yunli: vehicle–cargo matching, routing and live re-planning for road freight."""

from __future__ import annotations

from engine.errors import (
    InfeasibleError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
    YunliError,
)

__version__ = "0.1.0"

__all__ = [
    "InfeasibleError",
    "InternalError",
    "InvalidInputError",
    "NotFoundError",
    "SolverTimeoutError",
    "YunliError",
    "__version__",
]
