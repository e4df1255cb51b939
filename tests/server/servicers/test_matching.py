"""Matching service over a real socket: the same answers as the engine's Matcher on the
same data, kept current as fleet data changes, and bad input."""

from __future__ import annotations

import time
from typing import Any

import grpc
import polars as pl
import pytest

from engine.matching.matcher import Matcher
from server.proto import fleet_pb2, matching_pb2
from tests.server.conftest import client_for, messages, small_world


@pytest.fixture(scope="module")
def data(sample_world: Any) -> dict[str, pl.DataFrame]:
    """300 vehicles with their trips and 300 loads of the sample world."""
    return small_world(sample_world, 300, 300)


@pytest.fixture
def loaded(make_server: Any, data: dict[str, pl.DataFrame]) -> Any:
    """A client of a server holding ``data``."""
    _, port = make_server()
    c = client_for(port)
    c.fleet.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", data["vehicles"]))
    )
    c.fleet.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=messages("loads", data["loads"])))
    c.fleet.RecordTrips(fleet_pb2.RecordTripsRequest(trips=messages("trips", data["trips"])))
    return c


def _matcher(data: dict[str, pl.DataFrame]) -> Matcher:
    v = data["vehicles"].sort("vehicle_id")
    return Matcher(v, data["trips"], loads=data["loads"].sort("load_id"))


def _same(recs: Any, df: pl.DataFrame) -> None:
    assert [r.vehicle_id for r in recs] == df["vehicle_id"].to_list()
    assert [r.load_id for r in recs] == df["load_id"].to_list()
    assert [r.rank for r in recs] == df["rank"].to_list()
    assert [r.score for r in recs] == pytest.approx(df["score"].to_list())
    assert [r.components.deadhead_m for r in recs] == df["deadhead_m"].to_list()
    assert [r.components.arrival_at for r in recs] == df["arrival_at"].to_list()
    assert [r.components.expertise for r in recs] == pytest.approx(df["expertise"].to_list())
    assert [r.components.price_margin for r in recs] == pytest.approx(df["price_margin"].to_list())


def test_recommend_vehicles_matches_engine(loaded: Any, data: dict[str, pl.DataFrame]) -> None:
    """Top-k vehicles over gRPC equal the Matcher's on the same tables."""
    m = _matcher(data)
    hits = 0
    for lid in data["loads"]["load_id"].head(15).to_list():
        r = loaded.matching.RecommendVehicles(
            matching_pb2.RecommendVehiclesRequest(load_id=lid, k=10)
        )
        assert r.subject_id == lid
        _same(r.recommendations, m.recommend_vehicles(lid, k=10))
        hits += len(r.recommendations)
    assert hits > 0


def test_recommend_loads_matches_engine(loaded: Any, data: dict[str, pl.DataFrame]) -> None:
    """Top-k loads over gRPC equal the Matcher's."""
    m = _matcher(data)
    hits = 0
    for vid in data["vehicles"]["vehicle_id"].head(15).to_list():
        r = loaded.matching.RecommendLoads(matching_pb2.RecommendLoadsRequest(vehicle_id=vid, k=5))
        _same(r.recommendations, m.recommend_loads(vid, k=5))
        hits += len(r.recommendations)
    assert hits > 0


def test_batch_streams_one_message_per_load(loaded: Any, data: dict[str, pl.DataFrame]) -> None:
    """The batch form streams one response per asked load, in order, equal to the engine's."""
    m = _matcher(data)
    ids = data["loads"]["load_id"].sample(20, seed=1).to_list()
    out = list(
        loaded.matching.RecommendVehiclesBatch(
            matching_pb2.RecommendVehiclesBatchRequest(load_ids=ids, k=5)
        )
    )
    assert [r.subject_id for r in out] == ids
    for r in out:
        _same(r.recommendations, m.recommend_vehicles(r.subject_id, k=5))
    everything = list(
        loaded.matching.RecommendVehiclesBatch(matching_pb2.RecommendVehiclesBatchRequest(k=3))
    )
    assert len(everything) == data["loads"].height


def test_dispatch_matches_engine(loaded: Any, data: dict[str, pl.DataFrame]) -> None:
    """Dispatch totals equal the Matcher's; optimal is at least as good as greedy."""
    res = _matcher(data).dispatch()
    r = loaded.matching.Dispatch(matching_pb2.DispatchRequest())
    assert r.optimal.assigned == res.assignments.height > 0
    assert r.optimal.total_score == pytest.approx(float(res.assignments["score"].sum()))
    assert r.optimal.total_score >= r.greedy.total_score - 1e-9
    assert r.candidate_pairs == res.n_candidate_edges
    assert len({a.vehicle_id for a in r.assignments}) == len(r.assignments)
    d = loaded.matching.Dispatch(
        matching_pb2.DispatchRequest(objective=matching_pb2.DISPATCH_OBJECTIVE_MIN_DEADHEAD)
    )
    assert d.optimal.assigned >= r.optimal.assigned
    f = loaded.matching.Dispatch(
        matching_pb2.DispatchRequest(objective=matching_pb2.DISPATCH_OBJECTIVE_FILL)
    )
    fill = _matcher(data).dispatch(objective="fill", baselines=False).assignments
    assert f.optimal.assigned == fill.height >= r.optimal.assigned
    sub = data["loads"]["load_id"].head(10).to_list()
    s = loaded.matching.Dispatch(matching_pb2.DispatchRequest(load_ids=sub))
    assert s.optimal.loads == 10
    assert {a.load_id for a in s.assignments} <= set(sub)


def test_follows_fleet_changes(loaded: Any, data: dict[str, pl.DataFrame]) -> None:
    """An offline vehicle disappears from recommendations; deleting a load makes it unknown;
    new trips and new vehicles are taken in."""
    lid = int(data["loads"]["load_id"][0])
    req = matching_pb2.RecommendVehiclesRequest(load_id=lid, k=5)
    first = loaded.matching.RecommendVehicles(req).recommendations
    assert first
    top = first[0].vehicle_id
    v = loaded.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[top])).vehicles[0]
    v.status = "offline"
    loaded.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=[v]))
    after = loaded.matching.RecommendVehicles(req).recommendations
    assert top not in [r.vehicle_id for r in after]
    new_v = messages(
        "vehicles", data["vehicles"].head(1).with_columns(vehicle_id=pl.lit(9_999_999))
    )
    loaded.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=new_v))
    trip = messages(
        "trips",
        data["trips"].head(1).with_columns(trip_id=pl.lit(9_999_999), vehicle_id=pl.lit(9_999_999)),
    )
    loaded.fleet.RecordTrips(fleet_pb2.RecordTripsRequest(trips=trip))
    r = loaded.matching.RecommendLoads(
        matching_pb2.RecommendLoadsRequest(vehicle_id=9_999_999, k=3)
    )
    assert r.subject_id == 9_999_999
    loaded.fleet.DeleteLoads(fleet_pb2.DeleteRequest(ids=[lid]))
    with pytest.raises(grpc.RpcError) as e:
        loaded.matching.RecommendVehicles(req)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_new_trips_build_expertise(make_server: Any, data: dict[str, pl.DataFrame]) -> None:
    """Trips recorded for a cold-start vehicle on a load's lane are merged into its profile
    (by the merger thread) and raise its expertise for that load."""
    _, port = make_server(trip_merge_interval_s=0.1)
    c = client_for(port)
    c.fleet.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", data["vehicles"]))
    )
    c.fleet.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=messages("loads", data["loads"])))
    load, top = None, None
    for lid in data["loads"]["load_id"].to_list():
        r = c.matching.RecommendVehicles(matching_pb2.RecommendVehiclesRequest(load_id=lid, k=1))
        if r.recommendations:
            load, top = lid, r.recommendations[0].vehicle_id
            break
    assert load is not None
    twin = c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[top])).vehicles[0]
    twin.vehicle_id = 8_888_888
    c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=[twin]))

    def twin_expertise() -> float:
        r = c.matching.RecommendVehicles(matching_pb2.RecommendVehiclesRequest(load_id=load, k=50))
        return next(x.components.expertise for x in r.recommendations if x.vehicle_id == 8_888_888)

    assert twin_expertise() == 0.0  # cold start
    lo = data["loads"].filter(pl.col("load_id") == load).row(0, named=True)
    last = int(data["trips"]["completed_at"].max())  # type: ignore[arg-type]
    trips = pl.DataFrame(
        {
            "trip_id": range(9_000_000, 9_000_020),
            "vehicle_id": [8_888_888] * 20,
            "origin_lat": [lo["origin_lat"]] * 20,
            "origin_lon": [lo["origin_lon"]] * 20,
            "dest_lat": [lo["dest_lat"]] * 20,
            "dest_lon": [lo["dest_lon"]] * 20,
            "completed_at": [last - 3600 * i for i in range(20)],
            "weight_kg": [1000] * 20,
        }
    )
    c.fleet.RecordTrips(fleet_pb2.RecordTripsRequest(trips=messages("trips", trips)))
    deadline = time.monotonic() + 10
    while twin_expertise() == 0.0:
        assert time.monotonic() < deadline, "trips were not merged"
        time.sleep(0.05)
    assert twin_expertise() > 0.0


M = matching_pb2
RV, RL, RB = M.RecommendVehiclesRequest, M.RecommendLoadsRequest, M.RecommendVehiclesBatchRequest


@pytest.mark.parametrize(
    ("call", "code", "needle"),
    [
        (lambda c: c.matching.RecommendVehicles(RV(load_id=-7, k=5)), "NOT_FOUND", "-7"),
        (lambda c: c.matching.RecommendLoads(RL(vehicle_id=-7, k=5)), "NOT_FOUND", "-7"),
        (lambda c: c.matching.RecommendLoads(RL(k=5)), "INVALID_ARGUMENT", "vehicle_id"),
        (lambda c: c.matching.RecommendVehicles(RV(load_id=1)), "INVALID_ARGUMENT", "k"),
        (lambda c: c.matching.RecommendVehicles(RV(load_id=1, k=-3)), "INVALID_ARGUMENT", "k"),
        (lambda c: c.matching.RecommendVehicles(RV(load_id=1, k=10**6)), "INVALID_ARGUMENT", "k"),
        (lambda c: list(c.matching.RecommendVehiclesBatch(RB(load_ids=[1, -7], k=2))),
         "NOT_FOUND", "-7"),
        (lambda c: list(c.matching.RecommendVehiclesBatch(RB(load_ids=[1, 1], k=2))),
         "INVALID_ARGUMENT", "load_ids"),
        (lambda c: c.matching.Dispatch(M.DispatchRequest(objective=7)),
         "INVALID_ARGUMENT", "objective"),
        (lambda c: c.matching.Dispatch(M.DispatchRequest(load_ids=[-7])), "NOT_FOUND", "-7"),
    ],
)  # fmt: skip
def test_bad_input(loaded: Any, call: Any, code: str, needle: str) -> None:
    """Unknown ids are NOT_FOUND, bad k and missing ids INVALID_ARGUMENT, each named."""
    with pytest.raises(grpc.RpcError) as e:
        call(loaded)
    assert e.value.code().name == code
    assert needle in e.value.details()


def test_empty_store(served: Any) -> None:
    """With no fleet: unknown ids are NOT_FOUND and dispatch assigns nothing."""
    _, c = served
    with pytest.raises(grpc.RpcError) as e:
        c.matching.RecommendVehicles(matching_pb2.RecommendVehiclesRequest(load_id=1, k=5))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert c.matching.Dispatch(matching_pb2.DispatchRequest()).optimal.assigned == 0
