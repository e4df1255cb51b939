# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.LivePlans``: live plans, events, re-planning, ETAs and risk warnings."""

from __future__ import annotations

from typing import Any

import grpc

from server.config import ServerConfig
from server.observability import Metrics
from server.solver_pool import SolverPool
from server.state import FleetState
from server.status import UnimplementedError

_MISSING = "engine.live is not in this build"


class LivePlansServicer:
    """Implements ``yunli.v1.LivePlans``; plans are stored durably in the store."""

    def __init__(
        self, state: FleetState, config: ServerConfig, metrics: Metrics, pool: SolverPool
    ) -> None:
        self._state = state
        self._cfg = config
        self._metrics = metrics
        self._pool = pool

    def CreatePlan(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"LivePlans.CreatePlan: {_MISSING}")

    def GetPlan(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"LivePlans.GetPlan: {_MISSING}")

    def ApplyEvents(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"LivePlans.ApplyEvents: {_MISSING}")

    def Subscribe(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"LivePlans.Subscribe: {_MISSING}")

    def ReportPositions(self, request_iterator: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"LivePlans.ReportPositions: {_MISSING}")
