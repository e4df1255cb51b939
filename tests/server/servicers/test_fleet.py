"""Fleet service over a real socket: writes, reads, streaming lists, bad input, reload."""

from __future__ import annotations

from typing import Any

import grpc
import polars as pl
import pytest

from server.proto import common_pb2, fleet_pb2
from tests.server.conftest import client_for, messages, small_world


def _upload(client: Any, data: dict[str, pl.DataFrame]) -> None:
    f = client.fleet
    f.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", data["vehicles"]))
    )
    f.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=messages("loads", data["loads"])))
    f.RecordTrips(fleet_pb2.RecordTripsRequest(trips=messages("trips", data["trips"])))


def test_round_trip_and_reload(make_server: Any, sample_world: Any) -> None:
    """What was written comes back unchanged, also from a new server on the same file."""
    data = small_world(sample_world)
    _, port = make_server()
    c = client_for(port)
    _upload(c, data)
    got = list(c.fleet.ListVehicles(fleet_pb2.ListRequest()))
    assert got == messages("vehicles", data["vehicles"].sort("vehicle_id"))
    _, port2 = make_server()  # same SQLite file
    c2 = client_for(port2)
    assert list(c2.fleet.ListVehicles(fleet_pb2.ListRequest())) == got
    loads = list(c2.fleet.ListLoads(fleet_pb2.ListRequest()))
    assert loads == messages("loads", data["loads"].sort("load_id"))
    trips = list(c2.fleet.ListTrips(fleet_pb2.ListTripsRequest()))
    assert trips == messages("trips", data["trips"].sort("trip_id"))


def test_get_upsert_replace_delete(served: Any, sample_world: Any) -> None:
    """Upsert replaces by id; Get keeps the asked order; Delete removes; revisions grow."""
    _, c = served
    data = small_world(sample_world, 10, 10)
    _upload(c, data)
    ids = data["vehicles"]["vehicle_id"].to_list()
    got = c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[ids[3], ids[1]])).vehicles
    assert [v.vehicle_id for v in got] == [ids[3], ids[1]]
    v = common_pb2.Vehicle()
    v.CopyFrom(got[0])
    v.status = "offline"
    r1 = c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=[v]))
    assert r1.written == 1
    assert c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[ids[3]])).vehicles[0] == v
    r2 = c.fleet.DeleteVehicles(fleet_pb2.DeleteRequest(ids=[ids[3]]))
    assert r2.revision > r1.revision
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[ids[3]]))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert str(ids[3]) in e.value.details()
    lids = data["loads"]["load_id"].to_list()
    c.fleet.DeleteLoads(fleet_pb2.DeleteRequest(ids=lids[:4]))
    left = [x.load_id for x in c.fleet.ListLoads(fleet_pb2.ListRequest())]
    assert left == sorted(lids[4:])


def test_list_paging_and_trip_filter(served: Any, sample_world: Any) -> None:
    """after_id and limit page through a list; ListTrips filters by vehicle."""
    _, c = served
    data = small_world(sample_world, 20, 5)
    _upload(c, data)
    ids = sorted(data["vehicles"]["vehicle_id"].to_list())
    page = list(c.fleet.ListVehicles(fleet_pb2.ListRequest(after_id=ids[4], limit=3)))
    assert [v.vehicle_id for v in page] == ids[5:8]
    vid = data["trips"]["vehicle_id"][0]
    trips = list(c.fleet.ListTrips(fleet_pb2.ListTripsRequest(vehicle_id=vid)))
    want = data["trips"].filter(pl.col("vehicle_id") == vid)
    assert sorted(t.trip_id for t in trips) == sorted(want["trip_id"].to_list())
    assert all(t.vehicle_id == vid for t in trips)


def test_record_trips_idempotent(served: Any, sample_world: Any) -> None:
    """Re-sending stored trips writes nothing new; unknown vehicles are NOT_FOUND."""
    _, c = served
    data = small_world(sample_world, 5, 1)
    _upload(c, data)
    again = c.fleet.RecordTrips(
        fleet_pb2.RecordTripsRequest(trips=messages("trips", data["trips"]))
    )
    assert again.written == 0
    t = messages("trips", data["trips"].head(1))[0]
    t.trip_id = 10**12
    t.vehicle_id = 987654321
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.RecordTrips(fleet_pb2.RecordTripsRequest(trips=[t]))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert "trips.vehicle_id" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        list(c.fleet.ListTrips(fleet_pb2.ListTripsRequest(vehicle_id=987654321)))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("lat", float("nan"), "vehicles.lat"),
        ("lon", float("inf"), "vehicles.lon"),
        ("home_lat", 91.0, "vehicles.home_lat"),
        ("capacity_kg", 0, "vehicles.capacity_kg"),
        ("rating", 7.0, "vehicles.rating"),
        ("vehicle_type", "spaceship", "vehicles.vehicle_type"),
        ("status", "", "vehicles.status"),
    ],
)
def test_bad_vehicle_is_invalid_argument(
    served: Any, sample_world: Any, field: str, value: object, needle: str
) -> None:
    """Each broken rule is INVALID_ARGUMENT naming the field, and nothing is written."""
    _, c = served
    v = messages("vehicles", sample_world.vehicles.head(2))
    setattr(v[1], field, value)
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=v))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert needle in e.value.details()
    assert list(c.fleet.ListVehicles(fleet_pb2.ListRequest())) == []


@pytest.mark.parametrize("field", ["vehicle_id", "lat", "capacity_l", "status"])
def test_missing_vehicle_field(served: Any, sample_world: Any, field: str) -> None:
    """An unset required field is a missing value, named in the message."""
    _, c = served
    v = messages("vehicles", sample_world.vehicles.head(1))
    v[0].ClearField(field)
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=v))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"vehicles.{field}" in e.value.details()
    assert "missing" in e.value.details()


def test_bad_loads_and_duplicates(served: Any, sample_world: Any) -> None:
    """Inverted windows, unknown vehicle types and duplicate ids are rejected by field."""
    _, c = served
    lo = messages("loads", sample_world.loads.head(3))
    lo[0].pickup_end = lo[0].pickup_start - 1
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=lo))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "loads.pickup_end" in e.value.details()
    lo = messages("loads", sample_world.loads.head(3))
    lo[2].vehicle_types.append("rocket")
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=lo))
    assert "loads.vehicle_types" in e.value.details()
    lo = messages("loads", sample_world.loads.head(3))
    lo[1].load_id = lo[0].load_id
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.UpsertLoads(fleet_pb2.UpsertLoadsRequest(loads=lo))
    assert "duplicate id" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.GetLoads(fleet_pb2.GetByIdsRequest(ids=[1, 1]))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_row_limit(make_server: Any, sample_world: Any) -> None:
    """More rows than max_rows in one call is INVALID_ARGUMENT naming the field."""
    _, port = make_server(max_rows=5)
    c = client_for(port)
    v = messages("vehicles", sample_world.vehicles.head(6))
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=v))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "vehicles" in e.value.details()
    assert "at most 5" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.DeleteVehicles(fleet_pb2.DeleteRequest(ids=list(range(6))))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_delete_unknown_changes_nothing(served: Any, sample_world: Any) -> None:
    """Deleting a known and an unknown id is NOT_FOUND and deletes neither."""
    _, c = served
    data = small_world(sample_world, 3, 1)
    _upload(c, data)
    vid = int(data["vehicles"]["vehicle_id"][0])
    with pytest.raises(grpc.RpcError) as e:
        c.fleet.DeleteVehicles(fleet_pb2.DeleteRequest(ids=[vid, 424242]))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert len(c.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[vid])).vehicles) == 1


def test_list_cancellation(served: Any, sample_world: Any) -> None:
    """A client may cancel a streaming list midway; the server keeps serving."""
    _, c = served
    _upload(c, small_world(sample_world, 200, 1))
    call = c.fleet.ListVehicles(fleet_pb2.ListRequest())
    first = next(call)
    call.cancel()
    with pytest.raises(grpc.RpcError) as e:
        list(call)
    assert e.value.code() == grpc.StatusCode.CANCELLED
    assert first.vehicle_id > 0
    assert len(list(c.fleet.ListVehicles(fleet_pb2.ListRequest(limit=5)))) == 5


def test_columnar_lists_equal_the_streaming_lists(served: Any, sample_world: Any) -> None:
    """ListVehicleColumns / ListLoadColumns carry exactly the streamed rows' values."""
    _srv, c = served
    _upload(c, small_world(sample_world, 60, 50))
    for req in (fleet_pb2.ListRequest(), fleet_pb2.ListRequest(after_id=7, limit=9)):
        vs = list(c.fleet.ListVehicles(req))
        vc = c.fleet.ListVehicleColumns(req)
        assert len(vs) == len(vc.vehicle_id) > 0
        assert list(vc.vehicle_id) == [v.vehicle_id for v in vs]
        assert list(vc.lat) == [v.lat for v in vs]
        assert list(vc.lon) == [v.lon for v in vs]
        assert [vc.type_names[i] for i in vc.type_index] == [v.vehicle_type for v in vs]
        assert [vc.status_names[i] for i in vc.status_index] == [v.status for v in vs]
        assert list(vc.capacity_kg) == [v.capacity_kg for v in vs]
        assert list(vc.carrier_id) == [v.carrier_id for v in vs]
        ls = list(c.fleet.ListLoads(req))
        lc = c.fleet.ListLoadColumns(req)
        assert len(ls) == len(lc.load_id) > 0
        for f in fleet_pb2.LoadColumns.DESCRIPTOR.fields_by_name:
            assert list(getattr(lc, f)) == [getattr(x, f) for x in ls], f
    assert len(vc.type_names) == 6
    assert len(vc.status_names) == 3
    empty = c.fleet.ListVehicleColumns(fleet_pb2.ListRequest(after_id=10**9))
    assert len(empty.vehicle_id) == 0
    assert list(empty.type_names) == list(vc.type_names)


def test_columnar_lists_bad_input_and_auth(make_server: Any, sample_world: Any) -> None:
    """A negative limit is INVALID_ARGUMENT naming it; a missing or wrong token is
    UNAUTHENTICATED, exactly as for the streaming lists."""
    _, port = make_server()
    c = client_for(port)
    _upload(c, small_world(sample_world, 5, 5))
    for rpc in (c.fleet.ListVehicleColumns, c.fleet.ListLoadColumns):
        with pytest.raises(grpc.RpcError) as e:
            rpc(fleet_pb2.ListRequest(limit=-1))
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "limit" in str(e.value.details())
    for token in (None, "wrong-token"):
        bad = client_for(port, token)
        for rpc in (bad.fleet.ListVehicleColumns, bad.fleet.ListLoadColumns):
            with pytest.raises(grpc.RpcError) as e:
                rpc(fleet_pb2.ListRequest(), timeout=10)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as e:
            list(bad.fleet.ListVehicles(fleet_pb2.ListRequest(), timeout=10))
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
