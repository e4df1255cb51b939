# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Matching``: recommendations both ways and optimal batch dispatch."""

from __future__ import annotations

from typing import Any

import grpc

from server.config import ServerConfig
from server.observability import Metrics
from server.state import FleetState
from server.status import UnimplementedError

_MISSING = "engine.matching has no Matcher in this build"


class MatchingServicer:
    """Implements ``yunli.v1.Matching`` over the stored vehicles, loads and trips."""

    def __init__(self, state: FleetState, config: ServerConfig, metrics: Metrics) -> None:
        self._state = state
        self._cfg = config
        self._metrics = metrics

    def RecommendLoads(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"Matching.RecommendLoads: {_MISSING}")

    def RecommendVehicles(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"Matching.RecommendVehicles: {_MISSING}")

    def RecommendVehiclesBatch(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"Matching.RecommendVehiclesBatch: {_MISSING}")

    def Dispatch(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise UnimplementedError(f"Matching.Dispatch: {_MISSING}")
