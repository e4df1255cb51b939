"""The field of an engine error reaches a gRPC client as data, over a real socket.

A problem whose amounts the Rust core refuses (``job_delivery``: per dimension the
deliveries may sum to at most 2**31 - 1) is INVALID_ARGUMENT, and the call's trailing
metadata carries ``field``, ``row_id`` and ``reason`` (``server.status.error_details``).
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from server.proto import routing_pb2
from server.status import error_details


def _heavy_problem() -> routing_pb2.Problem:
    p = routing_pb2.Problem(name="heavy", dimensions=["weight_kg"])
    p.sites.add(name="dc", lat=31.23, lon=121.47, is_depot=True)
    for i in range(2):
        p.sites.add(name=f"s{i}", lat=31.15 + 0.01 * i, lon=121.40)
        p.jobs.add(name=f"j{i}", site=f"s{i}", delivery=[2**30])
    p.vehicle_types.add(name="big", num_available=2, capacity=[2**31], start_site="dc")
    return p


def test_core_error_field_in_status_details(served: Any) -> None:
    """The core's InvalidInputError keeps its field through the solver process and gRPC."""
    _, c = served
    with pytest.raises(grpc.RpcError) as e:
        c.routing.Optimize(
            routing_pb2.OptimizeRequest(problem=_heavy_problem(), time_limit_s=1.0, solver="core"),
            timeout=60,
        )
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value.details()
    details = error_details(e.value.trailing_metadata())
    assert details["type"] == "InvalidInputError"
    assert details["field"] == "job_delivery"
    assert details["reason"]
    assert not details["reason"].startswith("job_delivery")
    assert e.value.details().startswith("job_delivery: ")


def test_python_error_field_in_status_details(served: Any) -> None:
    """An error raised in the server's own conversion carries its field the same way."""
    _, c = served
    p = _heavy_problem()
    p.jobs[0].site = "nowhere"
    with pytest.raises(grpc.RpcError) as e:
        c.routing.Optimize(routing_pb2.OptimizeRequest(problem=p, time_limit_s=1.0), timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error_details(e.value.trailing_metadata())
    assert details["type"] == "InvalidInputError"
    assert details["field"]
    assert details["field"] in e.value.details()
