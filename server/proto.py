"""The generated protobuf and gRPC modules, generated first when missing or stale.

Message modules (``*_pb2``) are typed by their generated ``.pyi`` stubs; the gRPC
modules (``*_pb2_grpc``) are untyped generated code and are exposed as ``Any``.
"""

from __future__ import annotations

import importlib
from typing import Any

from server import _codegen

if _codegen.proto_files() and _codegen.is_stale():
    _codegen.generate()

try:
    from server.gen.yunli.v1 import (
        common_pb2,
        fleet_pb2,
        live_pb2,
        matching_pb2,
        orders_pb2,
        routing_pb2,
    )
except ModuleNotFoundError as e:  # pragma: no cover - only in a broken install
    raise ImportError(
        "server.gen is missing: run scripts/gen_proto.sh in a source checkout "
        "(it needs grpcio-tools)"
    ) from e

fleet_grpc: Any = importlib.import_module("server.gen.yunli.v1.fleet_pb2_grpc")
matching_grpc: Any = importlib.import_module("server.gen.yunli.v1.matching_pb2_grpc")
routing_grpc: Any = importlib.import_module("server.gen.yunli.v1.routing_pb2_grpc")
live_grpc: Any = importlib.import_module("server.gen.yunli.v1.live_pb2_grpc")
orders_grpc: Any = importlib.import_module("server.gen.yunli.v1.orders_pb2_grpc")

#: Fully qualified names of the Yunli services.
SERVICE_NAMES: tuple[str, ...] = tuple(
    m.DESCRIPTOR.services_by_name[s].full_name
    for m, s in (
        (fleet_pb2, "Fleet"),
        (matching_pb2, "Matching"),
        (routing_pb2, "Routing"),
        (live_pb2, "LivePlans"),
        (orders_pb2, "Orders"),
    )
)

__all__ = [
    "SERVICE_NAMES",
    "common_pb2",
    "fleet_grpc",
    "fleet_pb2",
    "live_grpc",
    "live_pb2",
    "matching_grpc",
    "matching_pb2",
    "orders_grpc",
    "orders_pb2",
    "routing_grpc",
    "routing_pb2",
]
