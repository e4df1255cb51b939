"""A live fleet over a real socket: NOT_SERVING until the matcher is built, readers
never held up by a fleet update in progress, updates equal to a full build."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import grpc
import polars as pl
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from engine.matching.matcher import Matcher
from server.app import create_server
from server.config import ServerConfig
from server.proto import SERVICE_NAMES, fleet_pb2, matching_pb2
from tests.server.conftest import TOKEN, client_for, messages, small_world

RV = matching_pb2.RecommendVehiclesRequest


@pytest.fixture(scope="module")
def data(sample_world: Any) -> dict[str, pl.DataFrame]:
    """200 vehicles with their trips and 100 loads of the sample world."""
    return small_world(sample_world, 200, 100)


def _fill(c: Any, data: dict[str, pl.DataFrame]) -> None:
    c.fleet.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", data["vehicles"]))
    )
    c.fleet.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=messages("loads", data["loads"])))
    c.fleet.RecordTrips(fleet_pb2.RecordTripsRequest(trips=messages("trips", data["trips"])))


class _Gate:
    """A ``before_swap`` hook that holds the update in progress until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> None:
        self.entered.set()
        assert self.release.wait(60), "gate never released"


def test_not_serving_until_the_matcher_is_built(
    tmp_path: Path, data: dict[str, pl.DataFrame]
) -> None:
    """A restarted server over a filled store reports NOT_SERVING (overall and per
    service) while its matcher is built, refuses recommendations meanwhile with
    UNAVAILABLE once a call's deadline passes, then turns SERVING and answers."""
    cfg = ServerConfig(
        db=str(tmp_path / "y.db"), tokens=frozenset({TOKEN}), sync_interval_s=0, grace_s=1
    )
    first, port = create_server("127.0.0.1:0", cfg)
    first.start()
    _fill(client_for(port), data)
    first.stop(0)

    srv, port = create_server("127.0.0.1:0", cfg)
    gate = _Gate()
    srv.matching.before_swap = gate
    srv.start()
    try:
        assert gate.entered.wait(30)
        health = health_pb2_grpc.HealthStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        for name in ("", *SERVICE_NAMES):
            r = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert r.status == health_pb2.HealthCheckResponse.NOT_SERVING, name
        c = client_for(port)
        lid = int(data["loads"]["load_id"][0])
        with pytest.raises(grpc.RpcError) as e:
            c.matching.RecommendVehicles(RV(load_id=lid, k=5), timeout=0.5)
        assert e.value.code() in (
            grpc.StatusCode.UNAVAILABLE,
            grpc.StatusCode.DEADLINE_EXCEEDED,
        )
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=30)
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        srv.matching.before_swap = None
        gate.release.set()
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        watch.cancel()
        for name in ("", *SERVICE_NAMES):
            r = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert r.status == health_pb2.HealthCheckResponse.SERVING, name
        assert c.matching.RecommendVehicles(RV(load_id=lid, k=5), timeout=10).recommendations
    finally:
        gate.release.set()
        srv.stop(0)


def test_readers_are_not_blocked_by_an_update_in_progress(
    make_server: Any, data: dict[str, pl.DataFrame]
) -> None:
    """While a vehicle upsert is held inside its matcher update (before the swap),
    recommendations complete from the current snapshot; once released, the writer's
    next recommendation sees its change."""
    srv, port = make_server()
    c = client_for(port)
    _fill(c, data)
    lid = next(
        int(x)
        for x in data["loads"]["load_id"]
        if c.matching.RecommendVehicles(RV(load_id=int(x), k=5)).recommendations
    )
    before = [
        r.vehicle_id for r in c.matching.RecommendVehicles(RV(load_id=lid, k=5)).recommendations
    ]
    top = c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[before[0]])).vehicles[0]
    top.status = "offline"
    gate = _Gate()
    srv.matching.before_swap = gate
    errors: list[BaseException] = []

    def write() -> None:
        try:
            c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=[top]), timeout=60)
        except BaseException as e:
            errors.append(e)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert gate.entered.wait(30), "the update never started"
        assert writer.is_alive()  # the write waits for its update ...
        for _ in range(20):  # ... and the readers do not
            r = c.matching.RecommendVehicles(RV(load_id=lid, k=5), timeout=10)
            assert [x.vehicle_id for x in r.recommendations] == before
            c.matching.RecommendLoads(
                matching_pb2.RecommendLoadsRequest(vehicle_id=before[1], k=3), timeout=10
            )
    finally:
        srv.matching.before_swap = None
        gate.release.set()
        writer.join(60)
    assert not errors
    after = [
        r.vehicle_id for r in c.matching.RecommendVehicles(RV(load_id=lid, k=5)).recommendations
    ]
    assert before[0] not in after


def test_updates_over_grpc_equal_a_full_build(
    make_server: Any, data: dict[str, pl.DataFrame]
) -> None:
    """Moves, a new vehicle, its trips and new trips of known vehicles, sent over gRPC and
    applied incrementally, give the same rankings as a matcher built on the result."""
    _, port = make_server(trip_merge_interval_s=0)
    c = client_for(port)
    _fill(c, data)
    v = data["vehicles"]
    moved = v.head(10).with_columns(lat=pl.col("lat") + 0.2, lon=pl.col("lon") - 0.1)
    c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", moved)))
    twin = v.slice(20, 1).with_columns(vehicle_id=pl.lit(7_777_777, dtype=pl.Int64))
    c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", twin)))
    src = data["trips"].filter(pl.col("vehicle_id") == int(v["vehicle_id"][20]))
    own = src.with_columns(
        vehicle_id=pl.lit(7_777_777, dtype=pl.Int64), trip_id=pl.col("trip_id") + 10**9
    )
    c.fleet.RecordTrips(fleet_pb2.RecordTripsRequest(trips=messages("trips", own)))
    final_v = pl.concat([v.update(moved, on="vehicle_id"), twin]).sort("vehicle_id")
    full = Matcher(final_v, pl.concat([data["trips"], own]), loads=data["loads"].sort("load_id"))
    for lid in data["loads"]["load_id"].head(30).to_list():
        got = c.matching.RecommendVehicles(RV(load_id=lid, k=10)).recommendations
        want = full.recommend_vehicles(lid, k=10)
        assert [r.vehicle_id for r in got] == want["vehicle_id"].to_list()
        assert [r.score for r in got] == pytest.approx(want["score"].to_list(), rel=1e-9)


def test_position_reports_arriving_together_are_committed_together(
    make_server: Any, data: dict[str, pl.DataFrame]
) -> None:
    """Position updates arriving while one is being applied wait and are then written in
    one commit (group commit): each call returns after the commit holding its rows, a
    vehicle reported twice keeps the later report, and everything acknowledged is
    stored (a new server on the same file reads it) and in the matcher."""
    srv, port = make_server()
    c = client_for(port)
    _fill(c, data)
    assert srv.matching.ready or _wait_ready(srv)
    v = data["vehicles"]
    ids = v["vehicle_id"].to_list()

    def moved(i: int, dlat: float) -> Any:
        row = v.filter(pl.col("vehicle_id") == ids[i]).with_columns(lat=pl.col("lat") + dlat)
        return fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", row))

    gate = _Gate()
    srv.matching.before_swap = gate
    out: dict[str, Any] = {}

    def call(name: str, req: Any) -> None:
        out[name] = c.fleet.UpsertVehicles(req, timeout=60)

    first = threading.Thread(target=call, args=("first", moved(0, 0.01)))
    first.start()
    assert gate.entered.wait(30)  # committed, its matcher update held
    rest = [("a", moved(1, 0.02)), ("b", moved(2, 0.03)), ("c", moved(1, 0.04))]
    threads = []
    for n, (name, req) in enumerate(rest, start=1):
        t = threading.Thread(target=call, args=(name, req))
        t.start()
        threads.append(t)
        for _ in range(600):  # queued in this order
            if srv.fleet.vehicle_writes.queued == n:
                break
            threading.Event().wait(0.01)
        assert srv.fleet.vehicle_writes.queued == n
    assert not out  # nobody acknowledged before its commit
    srv.matching.before_swap = None
    gate.release.set()
    for t in [first, *threads]:
        t.join(60)
    r0 = out["first"].revision
    assert {out[k].revision for k in "abc"} == {r0 + 1}  # one commit for the three
    assert srv.fleet.vehicle_writes.writes == 2 + 1  # the fill's upsert, then two
    lat = dict(zip(srv.state.vehicles["vehicle_id"], srv.state.vehicles["lat"], strict=True))
    lat0 = dict(zip(v["vehicle_id"], v["lat"], strict=True))
    assert lat[ids[1]] == pytest.approx(lat0[ids[1]] + 0.04)  # the later report
    assert lat[ids[2]] == pytest.approx(lat0[ids[2]] + 0.03)
    snap = srv.matching.snapshot.matcher.vehicles
    got = dict(zip(snap["vehicle_id"], snap["lat"], strict=True))
    assert got[ids[1]] == lat[ids[1]]
    assert got[ids[0]] == lat[ids[0]]
    srv.stop(0)
    _, port2 = make_server()
    got2 = client_for(port2).fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=ids[:3])).vehicles
    assert [m.lat for m in got2] == [lat[i] for i in ids[:3]]


def _wait_ready(srv: Any) -> bool:
    for _ in range(3000):
        if srv.matching.ready:
            return True
        threading.Event().wait(0.01)
    return False
