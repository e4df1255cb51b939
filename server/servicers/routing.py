# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Routing``: route optimization and load planning, in solver processes."""

from __future__ import annotations

from typing import Any

import grpc

from server.config import ServerConfig
from server.observability import Metrics
from server.solver_pool import SolverPool
from server.status import UnimplementedError


class RoutingServicer:
    """Implements ``yunli.v1.Routing``."""

    def __init__(self, config: ServerConfig, metrics: Metrics, pool: SolverPool) -> None:
        self._cfg = config
        self._metrics = metrics
        self._pool = pool

    def Optimize(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError("Routing.Optimize: not wired yet")

    def OptimizeStream(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError("Routing.OptimizeStream: not wired yet")

    def PlanLoads(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError("Routing.PlanLoads: engine.routing has no plan_loads")
