"""Route optimization: the solver-neutral problem model, solvers, checker and formats.

Build a problem with :class:`Model` (or :meth:`Model.from_polars`), solve it with
:func:`solve` (the Rust search core where it applies, OR-Tools otherwise), and check any
solution with :func:`check`. :mod:`engine.routing.formats` reads and writes the standard
benchmark formats (Solomon, VRPLIB/CVRPLIB, Li & Lim).
"""

from __future__ import annotations

from engine.routing.checker import CheckReport, Route, RouteReport, Violation, check
from engine.routing.loadplan import LoadPlan, pack_bins, plan_loads
from engine.routing.model import (
    ARRAY_NAMES,
    UNLIMITED,
    Break,
    Job,
    Model,
    Problem,
    Site,
    VehicleType,
)
from engine.routing.solve import (
    SOLVERS,
    Solution,
    Unserved,
    core_available,
    solve,
    unservable_jobs,
)

__all__ = [
    "ARRAY_NAMES",
    "SOLVERS",
    "UNLIMITED",
    "Break",
    "CheckReport",
    "Job",
    "LoadPlan",
    "Model",
    "Problem",
    "Route",
    "RouteReport",
    "Site",
    "Solution",
    "Unserved",
    "VehicleType",
    "Violation",
    "check",
    "core_available",
    "pack_bins",
    "plan_loads",
    "solve",
    "unservable_jobs",
]
