"""Structured JSON logs and Prometheus metrics of the server."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LOGGER = logging.getLogger("yunli.server")

_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
)  # fmt: skip
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``msg`` and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` as a JSON line."""
        out: dict[str, Any] = {
            "ts": round(record.created, 6),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in record.__dict__.items():
            if k not in _RESERVED and not k.startswith("_"):
                out[k] = v if isinstance(v, str | int | float | bool | None) else str(v)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str = "info") -> None:
    """Send ``yunli.*`` logs to stderr as JSON lines (used by ``yunli serve``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("yunli")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


class Metrics:
    """The server's Prometheus metrics, in their own registry (one per server).

    Attributes
    ----------
    requests
        ``yunli_grpc_requests_total{method, code}``.
    latency
        ``yunli_grpc_request_seconds{method}`` (handling time, including streaming).
    solver
        ``yunli_solver_seconds{kind}``: wall time of optimizations and matching runs.
    in_flight
        ``yunli_grpc_in_flight``: calls being handled.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "yunli_grpc_requests",
            "gRPC calls handled, by method and status code",
            ["method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "yunli_grpc_request_seconds",
            "Time to handle a gRPC call",
            ["method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.solver = Histogram(
            "yunli_solver_seconds",
            "Wall time of engine runs (optimize, plan_loads, dispatch, profiles)",
            ["kind"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "yunli_grpc_in_flight", "gRPC calls being handled", registry=self.registry
        )

    def observe_solver(self, kind: str, t0: float) -> None:
        """Record an engine run of ``kind`` that started at ``time.perf_counter() == t0``."""
        self.solver.labels(kind).observe(time.perf_counter() - t0)
