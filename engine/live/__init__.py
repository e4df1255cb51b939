"""Live plans: events, re-planning that keeps what is committed, ETAs and risk warnings.

Typical use::

    plan = plan_from_solution(morning_solution, now=t0)
    apply_events(plan, [PositionUpdate(t, "v-1", lat, lon, served=("job-3",))])
    result = replan(plan, time_limit=0.3)
    print(result.diff.summary())
    for w in forecast(plan).warnings: ...
"""

from __future__ import annotations

from engine.live.build import plan_from_solution
from engine.live.eta import Forecast, RiskWarning, StopEta, VehicleForecast, forecast
from engine.live.events import (
    ApplyReport,
    Breakdown,
    CancelJob,
    ChangeJob,
    Event,
    NewJob,
    PositionUpdate,
    Traffic,
    VehicleAvailable,
    VehicleDelayed,
    apply_events,
)
from engine.live.replan import ReplanDiff, ReplanResult, build_problem, replan
from engine.live.state import LiveJob, LivePlan, LiveVehicle, Slowdown

__all__ = [
    "ApplyReport",
    "Breakdown",
    "CancelJob",
    "ChangeJob",
    "Event",
    "Forecast",
    "LiveJob",
    "LivePlan",
    "LiveVehicle",
    "NewJob",
    "PositionUpdate",
    "ReplanDiff",
    "ReplanResult",
    "RiskWarning",
    "Slowdown",
    "StopEta",
    "Traffic",
    "VehicleAvailable",
    "VehicleDelayed",
    "VehicleForecast",
    "apply_events",
    "build_problem",
    "forecast",
    "plan_from_solution",
    "replan",
]
