"""Fixtures: a Yunli server on 127.0.0.1:0 and authenticated clients over the real socket."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import polars as pl
import pytest

from engine.data.sample import load_sample
from server.app import YunliServer, create_server
from server.config import ServerConfig
from server.convert import fleet as convert
from server.proto import fleet_grpc, live_grpc, matching_grpc, routing_grpc

TOKEN = "test-token-1"
PG_URL = os.environ.get("YUNLI_TEST_PG_URL", "")
PG_SKIP = "YUNLI_TEST_PG_URL is not set (scripts/start_services.sh starts PostgreSQL and sets it)"


class _Auth(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds ``authorization: Bearer <token>`` to every call."""

    def __init__(self, token: str) -> None:
        self._md = ("authorization", f"Bearer {token}")

    def _details(self, d: Any) -> Any:
        md = [*(d.metadata or ()), self._md]
        return d._replace(metadata=md) if hasattr(d, "_replace") else _Details(d, md)

    def intercept_unary_unary(self, cont: Any, d: Any, req: Any) -> Any:
        return cont(self._details(d), req)

    def intercept_unary_stream(self, cont: Any, d: Any, req: Any) -> Any:
        return cont(self._details(d), req)

    def intercept_stream_unary(self, cont: Any, d: Any, it: Any) -> Any:
        return cont(self._details(d), it)

    def intercept_stream_stream(self, cont: Any, d: Any, it: Any) -> Any:
        return cont(self._details(d), it)


class _Details(grpc.ClientCallDetails):
    def __init__(self, d: Any, metadata: Any) -> None:
        self.method = d.method
        self.timeout = d.timeout
        self.metadata = metadata
        self.credentials = d.credentials
        self.wait_for_ready = getattr(d, "wait_for_ready", None)
        self.compression = getattr(d, "compression", None)


class Client:
    """Stubs of every Yunli service on one channel."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel
        self.fleet = fleet_grpc.FleetStub(channel)
        self.matching = matching_grpc.MatchingStub(channel)
        self.routing = routing_grpc.RoutingStub(channel)
        self.live = live_grpc.LivePlansStub(channel)


def client_for(port: int, token: str | None = TOKEN) -> Client:
    """A client of the server on ``port`` sending ``token`` (None: no token)."""
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    if token is not None:
        ch = grpc.intercept_channel(ch, _Auth(token))
    return Client(ch)


@pytest.fixture(scope="session")
def sample_world() -> Any:
    """The bundled sample world (validated)."""
    return load_sample()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., tuple[YunliServer, int]]]:
    """Factory starting servers (SQLite in tmp_path by default); all stopped at teardown."""
    servers: list[YunliServer] = []

    def make(**overrides: Any) -> tuple[YunliServer, int]:
        kw: dict[str, Any] = {
            "db": str(tmp_path / "yunli.db"),
            "tokens": frozenset({TOKEN}),
            "sync_interval_s": 0,
            "grace_s": 5,
        }
        kw.update(overrides)
        srv, port = create_server("127.0.0.1:0", ServerConfig(**kw))
        srv.start()
        servers.append(srv)
        return srv, port

    yield make
    for s in servers:
        s.stop(0)


@pytest.fixture
def served(make_server: Callable[..., tuple[YunliServer, int]]) -> tuple[YunliServer, Client]:
    """A started server with an empty SQLite store and an authenticated client."""
    srv, port = make_server()
    return srv, client_for(port)


def messages(table: str, df: pl.DataFrame) -> list[Any]:
    """Protobuf messages of a frame of the engine's schema."""
    return list(convert.messages(table, df))


def small_world(world: Any, n_vehicles: int = 40, n_loads: int = 40) -> dict[str, pl.DataFrame]:
    """The first vehicles, their trips and the first loads of the sample world."""
    v = world.vehicles.head(n_vehicles)
    t = world.trips.filter(pl.col("vehicle_id").is_in(v["vehicle_id"].implode()))
    return {"vehicles": v, "loads": world.loads.head(n_loads), "trips": t}
