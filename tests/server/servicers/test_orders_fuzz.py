"""Property test: random messages at every ``yunli.v1.Orders`` RPC get only well-defined
status codes back (never INTERNAL), and the server stays up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings

from server.app import YunliServer, create_server
from server.config import ServerConfig
from server.proto import fleet_pb2, orders_grpc, orders_pb2
from tests.server.conftest import TOKEN, client_for, messages, small_world
from tests.server.servicers.test_orders import _order
from tests.server.test_fuzz import ALLOWED, message_of

SD = orders_pb2.DESCRIPTOR.services_by_name["Orders"]
METHODS = [(m.name, m.server_streaming, m.input_type) for m in SD.methods]


@pytest.fixture(scope="module")
def orders_server(tmp_path_factory: Any, sample_world: Any) -> Iterator[tuple[YunliServer, Any]]:
    """One server with a small fleet and a few orders, so some ids exist."""
    d: Path = tmp_path_factory.mktemp("ofuzz")
    cfg = ServerConfig(db=str(d / "o.db"), tokens=frozenset({TOKEN}), sync_interval_s=0, grace_s=1)
    srv, port = create_server("127.0.0.1:0", cfg)
    srv.start()
    c = client_for(port)
    data = small_world(sample_world, 20, 5)
    c.fleet.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", data["vehicles"]))
    )
    stub = orders_grpc.OrdersStub(c.channel)
    for mode in ("grabbing", "bidding", "fixed"):  # orders 1..3 exist
        stub.PostOrder(orders_pb2.PostOrderRequest(idempotency_key=mode, order=_order(mode)))
    yield srv, stub
    srv.stop(1)


@pytest.mark.parametrize(("name", "ss", "desc"), METHODS, ids=[m[0] for m in METHODS])
def test_random_messages(orders_server: Any, name: str, ss: bool, desc: Any) -> None:
    """Every Orders RPC answers random (often invalid) messages with an allowed status."""
    _, stub = orders_server
    fn = getattr(stub, name)

    @settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(req=message_of(desc))
    def check(req: Any) -> None:
        if name == "Subscribe":
            req.follow = False  # a follower waits for new events by design
        code, details = grpc.StatusCode.OK, ""
        try:
            out = fn(req, timeout=5)
            if ss:
                for i, _ in enumerate(out):
                    if i > 50:
                        break
        except grpc.RpcError as e:
            code, details = e.code(), e.details()
        assert code in ALLOWED, f"{name}: {code} {details}"

    check()
