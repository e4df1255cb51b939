"""The console's HTTP/JSON gateway over a real gRPC server and a real HTTP socket."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from server.app import YunliServer
from server.console.cli import create_demo_plan, start_http
from server.console.feed import Feed
from server.console.web import ConsoleServer
from server.convert import fleet as convert
from server.proto import fleet_pb2
from tests.server.conftest import TOKEN, client_for, small_world

SAMPLE_DIR = str(Path(__file__).resolve().parents[3] / "engine" / "data" / "sample")


@pytest.fixture
def console(
    make_server: Callable[..., tuple[YunliServer, int]], sample_world: Any
) -> Iterator[tuple[ConsoleServer, YunliServer, int]]:
    srv, port = make_server()
    srv.state.store.bulk_import(small_world(sample_world, 60, 60))
    srv.state.sync()
    http = start_http(port, "127.0.0.1", 0, world_dir=SAMPLE_DIR, plans=["day"])
    yield http, srv, port
    http.stop()


def post(
    http: ConsoleServer, path: str, body: Any, token: str | None = TOKEN
) -> tuple[int, Any, str]:
    req = urllib.request.Request(
        http.url + path.lstrip("/"), data=json.dumps(body).encode(), method="POST"
    )
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read()), r.headers["Content-Type"]
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), e.headers["Content-Type"]


def test_unary_and_columns_match_the_grpc_api(console: Any) -> None:
    http, _srv, port = console
    client = client_for(port)
    direct = client.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[1, 2]))
    code, body, _ = post(http, "/api/yunli.v1.Fleet/GetVehicles", {"ids": [1, 2]})
    assert code == 200
    assert [int(v["vehicle_id"]) for v in body["vehicles"]] == [1, 2]
    assert body["vehicles"][1]["vehicle_type"] == direct.vehicles[1].vehicle_type
    code, cols, _ = post(
        http, "/api/yunli.v1.Fleet/ListVehicles?columns=vehicle_id,lat,status", {"limit": 5}
    )
    assert code == 200
    assert cols["count"] == 5
    assert cols["columns"]["vehicle_id"] == [1, 2, 3, 4, 5]
    assert cols["columns"]["lat"][1] == pytest.approx(direct.vehicles[1].lat)
    code, rec, _ = post(http, "/api/yunli.v1.Matching/RecommendVehicles", {"load_id": 1, "k": 3})
    assert code == 200
    assert rec["recommendations"][0]["rank"] == 1
    assert "deadhead_m" in rec["recommendations"][0]["components"]


def test_columnar_layers_equal_the_streamed_layers(console: Any) -> None:
    """The map layers from the columnar RPCs hold what the streaming lists give."""
    http, _srv, _port = console
    code, old_v, _ = post(
        http, "/api/yunli.v1.Fleet/ListVehicles?columns=vehicle_id,vehicle_type,lat,lon,status", {}
    )
    assert code == 200
    cols = "vehicle_id,lat,lon,type_index,type_names,status_index,status_names"
    code, new_v, _ = post(http, f"/api/yunli.v1.Fleet/ListVehicleColumns?columns={cols}", {})
    assert code == 200
    assert new_v["count"] == old_v["count"] == 60
    n, o = new_v["columns"], old_v["columns"]
    assert [n[k] for k in ("vehicle_id", "lat", "lon")] == [
        o[k] for k in ("vehicle_id", "lat", "lon")
    ]
    assert [n["type_names"][i] for i in n["type_index"]] == o["vehicle_type"]
    assert [n["status_names"][i] for i in n["status_index"]] == o["status"]
    cols = "load_id,origin_lat,origin_lon,dest_lat,dest_lon"
    code, old_l, _ = post(http, f"/api/yunli.v1.Fleet/ListLoads?columns={cols}", {"limit": 7})
    code2, new_l, _ = post(
        http, f"/api/yunli.v1.Fleet/ListLoadColumns?columns={cols}", {"limit": 7}
    )
    assert (code, code2) == (200, 200)
    assert new_l == old_l
    assert new_l["count"] == 7
    code, body, _ = post(http, "/api/yunli.v1.Fleet/ListLoadColumns?columns=nope", {})
    assert (code, body["error"]["code"]) == (400, "INVALID_ARGUMENT")
    assert "nope" in body["error"]["message"]
    code, body, _ = post(http, "/api/yunli.v1.Fleet/ListVehicleColumns?columns=lat", {"limit": -1})
    assert code == 400
    assert "limit" in body["error"]["message"]
    code, body, _ = post(http, "/api/yunli.v1.Fleet/ListVehicleColumns?columns=lat", {}, None)
    assert code == 401


def test_errors_are_json_with_the_grpc_status(console: Any) -> None:
    http, _srv, _port = console
    code, body, ctype = post(http, "/api/yunli.v1.Fleet/GetLoads", {"ids": [1]}, token=None)
    assert (code, body["error"]["code"], ctype) == (401, "UNAUTHENTICATED", "application/json")
    code, body, _ = post(http, "/api/yunli.v1.Fleet/GetLoads", {"ids": [1]}, token="expired")
    assert (code, body["error"]["message"]) == (401, "invalid bearer token")
    code, body, _ = post(http, "/api/yunli.v1.Fleet/GetLoads", {"ids": [987654321]})
    assert code == 404
    assert "987654321" in body["error"]["message"]
    code, body, _ = post(http, "/api/yunli.v1.Fleet/GetLoads", {"idz": [1]})
    assert code == 400
    assert "idz" in body["error"]["message"]
    code, body, _ = post(http, "/api/yunli.v1.Matching/RecommendVehicles", {"k": 3})
    assert (code, body["error"]["code"]) == (400, "INVALID_ARGUMENT")
    assert "load_id" in body["error"]["message"]
    code, body, _ = post(http, "/api/yunli.v1.Nope/Nothing", {})
    assert code == 404
    code, body, _ = post(http, "/api/yunli.v1.Fleet/GetLoads?columns=load_id", {"ids": [1]})
    assert code == 400
    code, body, _ = post(http, "/api/yunli.v1.Fleet/ListLoads?columns=nope", {})
    assert (code, body["error"]["code"]) == (400, "INVALID_ARGUMENT")


def test_server_down_is_503_not_a_crash(console: Any) -> None:
    http, srv, _port = console
    srv.stop(0)
    code, body, _ = post(http, "/api/yunli.v1.Fleet/GetLoads", {"ids": [1]})
    assert (code, body["error"]["code"]) == (503, "UNAVAILABLE")
    with urllib.request.urlopen(http.url + "api/console", timeout=10) as r:
        assert json.loads(r.read())["plans"] == ["day"]


def test_subscribe_streams_plan_versions_as_sse(console: Any) -> None:
    http, _srv, port = console
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")  # the token goes in metadata
    create_demo_plan(channel, TOKEN, "day")
    req = urllib.request.Request(
        http.url + "api/stream/yunli.v1.LivePlans/Subscribe",
        data=b'{"plan_id": "day"}',
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.headers["Content-Type"] == "text/event-stream"
        first = json.loads(r.readline().decode()[len("data: ") :])
        assert r.readline() == b"\n"
        assert int(first["view"]["plan"]["version"]) == 1
        feed = Feed(channel, "day", TOKEN, step_s=3 * 3600)
        assert feed.tick() > 0  # real ReportPositions: some trucks served stops
        second = json.loads(r.readline().decode()[len("data: ") :])
        assert int(second["view"]["plan"]["version"]) > 1
        served = [v.get("served", []) for v in second["view"]["plan"]["vehicles"]]
        assert any(served)
    code, body, _ = post(http, "/api/stream/yunli.v1.LivePlans/Subscribe", {"plan_id": "nope"})
    assert body["error"]["code"] == "NOT_FOUND"
    assert code == 404


def test_a_closed_page_frees_its_subscription(
    make_server: Callable[..., tuple[YunliServer, int]],
) -> None:
    # max_workers=4: the server takes 2 subscribers; leaked streams would exhaust them
    _srv, port = make_server(max_workers=4)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    create_demo_plan(channel, TOKEN, "day")
    http = start_http(port, "127.0.0.1", 0, plans=["day"], cache_s=0)
    try:
        for _ in range(5):
            deadline = time.monotonic() + 10
            while True:
                req = urllib.request.Request(
                    http.url + "api/stream/yunli.v1.LivePlans/Subscribe",
                    data=b'{"plan_id": "day"}',
                    method="POST",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
                status = _first_event(req)
                if status == 200:
                    break
                assert status == 503
                assert time.monotonic() < deadline, "subscriptions were not released"
                time.sleep(0.2)
    finally:
        http.stop()
        channel.close()


def _first_event(req: urllib.request.Request) -> int:
    """Open the stream, read its first event, hang up; the HTTP status."""
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            line = r.readline()
            return 200 if line.startswith(b"data: ") else -1
    except urllib.error.HTTPError as e:
        e.close()
        return e.code


def test_charts_not_configured_is_404(console: Any) -> None:
    http, _srv, _port = console
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(http.url + "api/console/charts", timeout=10)
    assert e.value.code == 404
    assert json.loads(e.value.read())["error"]["code"] == "NOT_FOUND"
    e.value.close()


def test_layer_cache_checks_tokens_and_follows_writes(console: Any, sample_world: Any) -> None:
    http, _srv, port = console
    path = "/api/yunli.v1.Fleet/ListVehicles?columns=vehicle_id,status"
    code, first, _ = post(http, path, {})
    assert (code, first["count"]) == (200, 60)
    # a cached list is never handed to a caller without a valid token
    assert post(http, path, {}, token="expired")[0] == 401
    assert post(http, path, {}, token=None)[0] == 401
    # a write through the gateway shows at once
    v = post(http, "/api/yunli.v1.Fleet/GetVehicles", {"ids": [2]})[1]["vehicles"][0]
    v["status"] = "offline"
    assert post(http, "/api/yunli.v1.Fleet/UpsertVehicles", {"vehicles": [v]})[0] == 200
    code, after, _ = post(http, path, {})
    assert after["columns"]["status"][1] == "offline"
    # a write by another client shows once the cached copy is older than cache_s
    http.gateway.cache_s = 0.2
    row = sample_world.vehicles.filter(sample_world.vehicles["vehicle_id"] == 1500)
    msgs = list(convert.messages("vehicles", row))
    client_for(port).fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=msgs))
    deadline = time.monotonic() + 10
    while post(http, path, {})[1]["count"] != 61:
        assert time.monotonic() < deadline, "the cache never caught up with another writer"
        time.sleep(0.1)
