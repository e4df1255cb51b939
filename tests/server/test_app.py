"""The server as a whole: health, reflection, auth, TLS, metrics, limits, deadlines, logs."""

from __future__ import annotations

import json
import logging
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from server.observability import JsonFormatter
from server.proto import SERVICE_NAMES, fleet_pb2
from tests.server.conftest import TOKEN, client_for, messages


def test_health_without_token(make_server: Any) -> None:
    """Health checks need no token and report every service SERVING."""
    _, port = make_server()
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = health_pb2_grpc.HealthStub(ch)
    for name in ("", *SERVICE_NAMES):
        r = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert r.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as e:
        stub.Check(health_pb2.HealthCheckRequest(service="nope"), timeout=5)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_services(make_server: Any) -> None:
    """Server reflection lists the Yunli services (with a token)."""
    _, port = make_server()
    c = client_for(port)
    stub = reflection_pb2_grpc.ServerReflectionStub(c.channel)
    req = reflection_pb2.ServerReflectionRequest(list_services="")
    resp = next(iter(stub.ServerReflectionInfo(iter([req]), timeout=5)))
    names = {s.name for s in resp.list_services_response.service}
    assert set(SERVICE_NAMES) <= names
    assert "grpc.health.v1.Health" in names


@pytest.mark.parametrize(
    ("metadata", "needle"),
    [
        ((), "missing bearer token"),
        ((("authorization", "Bearer wrong"),), "invalid bearer token"),
        ((("authorization", f"Basic {TOKEN}"),), "malformed"),
        ((("authorization", "Bearer"),), "malformed"),
        ((("authorization", f"Bearer {TOKEN}x"),), "invalid bearer token"),
    ],
)
def test_auth_failures(make_server: Any, metadata: Any, needle: str) -> None:
    """Missing, wrong and malformed tokens are UNAUTHENTICATED on unary and streaming calls."""
    _, port = make_server()
    c = client_for(port, token=None)
    for call in (
        lambda: c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[1]), metadata=metadata),
        lambda: list(c.fleet.ListVehicles(fleet_pb2.ListRequest(), metadata=metadata)),
    ):
        with pytest.raises(grpc.RpcError) as e:
            call()
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert needle in e.value.details()


def test_several_tokens(make_server: Any) -> None:
    """Every configured token is accepted."""
    _, port = make_server(tokens=frozenset({TOKEN, "second"}))
    for tok in (TOKEN, "second"):
        c = client_for(port, token=tok)
        assert list(c.fleet.ListVehicles(fleet_pb2.ListRequest())) == []


def test_oversized_message(make_server: Any, sample_world: Any) -> None:
    """A request over max_message_bytes is RESOURCE_EXHAUSTED and the server stays up."""
    _, port = make_server(max_message_bytes=4096)
    c = client_for(port)
    v = messages("vehicles", sample_world.vehicles.head(200))
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=v))
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=v[:2])).written == 2


def test_malformed_bytes(make_server: Any) -> None:
    """Bytes that are not a valid message are rejected with a status, not a crash."""
    _, port = make_server()
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    raw = ch.unary_unary(
        "/yunli.v1.Fleet/GetVehicles",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    md = (("authorization", f"Bearer {TOKEN}"),)
    for junk in (b"\xff\xff\xff\xff", b"\x0a\x05abc", b"\x08" + b"\x80" * 11):
        with pytest.raises(grpc.RpcError) as e:
            raw(junk, metadata=md, timeout=5)
        assert e.value.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT)
    c = client_for(port)
    assert list(c.fleet.ListVehicles(fleet_pb2.ListRequest())) == []


def test_unknown_method(make_server: Any) -> None:
    """A method the server does not have is UNIMPLEMENTED."""
    _, port = make_server()
    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    raw = ch.unary_unary("/yunli.v1.Fleet/Nope")
    with pytest.raises(grpc.RpcError) as e:
        raw(b"", timeout=5)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_expired_deadline(served: Any) -> None:
    """A call whose deadline has already passed is DEADLINE_EXCEEDED; the server goes on."""
    _, c = served
    for timeout in (-1.0, -0.001):
        with pytest.raises(grpc.RpcError) as e:
            c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[1]), timeout=timeout)
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert list(c.fleet.ListVehicles(fleet_pb2.ListRequest(), timeout=5)) == []


def test_metrics_endpoint(make_server: Any) -> None:
    """Prometheus metrics count calls by method and code and time them."""
    srv, port = make_server(metrics_port=0)
    c = client_for(port)
    list(c.fleet.ListVehicles(fleet_pb2.ListRequest()))
    with pytest.raises(grpc.RpcError):
        c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[5]))
    with pytest.raises(grpc.RpcError):
        client_for(port, "bad").fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[5]))
    assert srv.metrics_port
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.metrics_port}/metrics") as r:
        body = r.read().decode()
    assert 'yunli_grpc_requests_total{code="OK",method="/yunli.v1.Fleet/ListVehicles"} 1.0' in body
    assert 'code="NOT_FOUND",method="/yunli.v1.Fleet/GetVehicles"} 1.0' in body
    assert 'code="UNAUTHENTICATED",method="/yunli.v1.Fleet/GetVehicles"} 1.0' in body
    assert "yunli_grpc_request_seconds_bucket" in body
    assert "yunli_grpc_in_flight 0.0" in body


def test_tls(make_server: Any, tmp_path: Path) -> None:
    """With a certificate and key the server speaks TLS (and refuses plaintext)."""
    key, crt = tmp_path / "key.pem", tmp_path / "crt.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(crt), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    _, port = make_server(tls_cert=crt.read_bytes(), tls_key=key.read_bytes())
    creds = grpc.ssl_channel_credentials(root_certificates=crt.read_bytes())
    ch = grpc.secure_channel(f"localhost:{port}", creds)
    stub = health_pb2_grpc.HealthStub(ch)
    assert stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status == 1
    from server.proto import fleet_grpc

    fleet = fleet_grpc.FleetStub(ch)
    md = (("authorization", f"Bearer {TOKEN}"),)
    assert list(fleet.ListVehicles(fleet_pb2.ListRequest(), metadata=md, timeout=10)) == []
    plain = health_pb2_grpc.HealthStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    with pytest.raises(grpc.RpcError) as e:
        plain.Check(health_pb2.HealthCheckRequest(), timeout=3)
    assert e.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def test_json_logs() -> None:
    """Log records become one JSON object per line with their extra fields."""
    rec = logging.LogRecord("yunli.server", logging.INFO, __file__, 1, "call rejected", None, None)
    rec.method = "/yunli.v1.Fleet/GetVehicles"
    rec.code = "NOT_FOUND"
    out = json.loads(JsonFormatter().format(rec))
    assert out["msg"] == "call rejected"
    assert out["level"] == "info"
    assert out["method"] == "/yunli.v1.Fleet/GetVehicles"
    assert out["code"] == "NOT_FOUND"


def test_bad_address() -> None:
    """An address that cannot be bound raises at create_server."""
    from server.app import create_server
    from server.config import ServerConfig

    with pytest.raises(RuntimeError):
        create_server("256.1.1.1:1", ServerConfig(db=":memory:", sync_interval_s=0))


def test_import_world(make_server: Any, tmp_path: Path) -> None:
    """import_world loads a saved world into an empty store, once."""
    from engine.data.generator import generate_world
    from engine.data.loaders import save_world

    world = generate_world(50, 400, 30, seed=3)
    save_world(world, tmp_path / "w")
    srv, port = make_server(import_world=str(tmp_path / "w"))
    c = client_for(port)
    assert len(list(c.fleet.ListVehicles(fleet_pb2.ListRequest()))) == 50
    assert len(list(c.fleet.ListTrips(fleet_pb2.ListTripsRequest()))) == 400
    assert len(list(c.fleet.ListLoads(fleet_pb2.ListRequest()))) == 30
    srv.stop(0)
    _, port2 = make_server(import_world=str(tmp_path / "w"))  # same store: no second import
    assert len(list(client_for(port2).fleet.ListTrips(fleet_pb2.ListTripsRequest()))) == 400


@pytest.mark.parametrize("interactive", [1, 0])
def test_recommendations_do_not_queue_behind_long_calls(
    make_server: Any, tmp_path: Path, interactive: int
) -> None:
    """With every thread of the main pool held by long calls (client streams that send
    nothing yet), single recommendations are still answered from the interactive pool;
    without that pool (``interactive_workers=0``) they wait behind the long calls."""
    import threading

    from engine.data.generator import generate_world
    from engine.data.loaders import save_world
    from server.proto import matching_pb2

    world = generate_world(60, 600, 20, seed=5)
    save_world(world, tmp_path / "w")
    _, port = make_server(
        import_world=str(tmp_path / "w"), max_workers=2, interactive_workers=interactive
    )
    c = client_for(port)
    req = matching_pb2.RecommendVehiclesRequest(load_id=int(world.loads["load_id"][0]), k=3)
    c.matching.RecommendVehicles(req, timeout=60)  # builds the matcher
    release = threading.Event()

    def silent() -> Any:
        release.wait(30)
        yield from ()

    held = [c.live.ReportPositions.future(silent(), timeout=30) for _ in range(2)]
    time.sleep(0.5)  # both streams now occupy a main-pool thread
    try:
        if interactive:
            r = c.matching.RecommendVehicles(req, timeout=5)
            assert r.subject_id == req.load_id
        else:
            with pytest.raises(grpc.RpcError) as e:
                c.matching.RecommendVehicles(req, timeout=1)
            assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        release.set()
        for f in held:
            f.cancel()
