# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Routing``: route optimization and load planning, in solver processes."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import Any

import grpc

from engine.errors import InvalidInputError, SolverTimeoutError
from server import workers
from server.config import ServerConfig
from server.convert import routing as convert
from server.observability import Metrics
from server.proto import routing_pb2
from server.solver_pool import SolverPool

#: Seconds kept back from the call's deadline for conversion and the answer's transfer.
DEADLINE_MARGIN_S = 0.5


def remaining(context: grpc.ServicerContext) -> float | None:
    """Seconds left before the call's deadline (None: the call has no deadline)."""
    left = context.time_remaining()
    # grpc reports a call without deadline as an enormous time remaining
    return None if left is None or left > 1e8 else max(float(left), 0.0)


def time_limit_for(requested: float, context: grpc.ServicerContext, cap: float) -> float:
    """The solver time limit: ``requested``, capped by ``cap`` and the call's deadline.

    Raises
    ------
    InvalidInputError
        If ``requested`` is not a positive finite number (field ``time_limit_s``).
    SolverTimeoutError
        If the deadline leaves no time to solve.
    """
    if not requested > 0 or requested != requested or requested == float("inf"):
        raise InvalidInputError.at("time_limit_s", f"must be a positive number, got {requested}")
    limit = min(requested, cap)
    left = remaining(context)
    if left is not None:
        limit = min(limit, left * 0.9 - DEADLINE_MARGIN_S)
        if limit < 0.05:
            raise SolverTimeoutError(
                f"the call's deadline ({left:.2f} s left) leaves no time to solve"
            )
    return limit


def _drop(fut: Any) -> None:
    fut.cancel()


class RoutingServicer:
    """Implements ``yunli.v1.Routing``; every solve runs in a solver process."""

    def __init__(self, config: ServerConfig, metrics: Metrics, pool: SolverPool) -> None:
        self._cfg = config
        self._metrics = metrics
        self._pool = pool

    def Optimize(
        self, request: routing_pb2.OptimizeRequest, context: grpc.ServicerContext
    ) -> routing_pb2.OptimizeResponse:
        limit = time_limit_for(request.time_limit_s, context, self._cfg.max_time_limit_s)
        t0 = time.perf_counter()
        fut = self._pool.submit(
            workers.optimize, request.SerializeToString(), limit, self._cfg.max_jobs
        )
        context.add_callback(lambda: _drop(fut))  # a queued solve is dropped when the call ends
        out = workers.raise_outcome(self._pool.result(fut, remaining(context)))
        self._metrics.observe_solver("optimize", t0)
        return routing_pb2.OptimizeResponse.FromString(out)

    def OptimizeStream(
        self, request: routing_pb2.OptimizeRequest, context: grpc.ServicerContext
    ) -> Iterator[routing_pb2.OptimizeEvent]:
        limit = time_limit_for(request.time_limit_s, context, self._cfg.max_time_limit_s)
        t0 = time.perf_counter()
        events = self._pool.queue()
        fut = self._pool.submit(
            workers.optimize, request.SerializeToString(), limit, self._cfg.max_jobs, events
        )
        context.add_callback(lambda: _drop(fut))
        while not fut.done():
            try:
                elapsed, objective = events.get(timeout=0.1)
            except queue.Empty:
                if not context.is_active():
                    return
                continue
            yield convert.progress_event(elapsed, objective)
        while True:  # progress that arrived with the end
            try:
                elapsed, objective = events.get_nowait()
            except queue.Empty:
                break
            yield convert.progress_event(elapsed, objective)
        out = workers.raise_outcome(self._pool.result(fut, remaining(context)))
        self._metrics.observe_solver("optimize", t0)
        yield convert.result_event(out)

    def PlanLoads(
        self, request: routing_pb2.PlanLoadsRequest, context: grpc.ServicerContext
    ) -> routing_pb2.PlanLoadsResponse:
        limit = time_limit_for(request.time_limit_s, context, self._cfg.max_time_limit_s)
        t0 = time.perf_counter()
        fut = self._pool.submit(
            workers.plan_loads, request.SerializeToString(), limit, self._cfg.max_rows
        )
        context.add_callback(lambda: _drop(fut))
        out = workers.raise_outcome(self._pool.result(fut, remaining(context)))
        self._metrics.observe_solver("plan_loads", t0)
        return routing_pb2.PlanLoadsResponse.FromString(out)
