"""Two server instances on one PostgreSQL database see each other's writes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from server.proto import fleet_pb2, live_pb2
from tests.server.conftest import PG_SKIP, PG_URL, client_for, messages, small_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema of the test database."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"i_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _eventually(check: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "not synced in time"
        time.sleep(0.05)


def test_writes_reach_the_other_instance(pg_url: str, make_server: Any, sample_world: Any) -> None:
    """Vehicles written to A are listed by B; a delete on B reaches A; a plan created on A
    is read on B and a stale write on A after B changed it is ABORTED."""
    _, pa = make_server(db=pg_url, sync_interval_s=0.1)
    _, pb = make_server(db=pg_url, sync_interval_s=0.1)
    a, b = client_for(pa), client_for(pb)
    data = small_world(sample_world, 10, 5)
    a.fleet.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", data["vehicles"]))
    )
    _eventually(lambda: len(list(b.fleet.ListVehicles(fleet_pb2.ListRequest()))) == 10)
    vid = int(data["vehicles"]["vehicle_id"][0])
    b.fleet.DeleteVehicles(fleet_pb2.DeleteRequest(ids=[vid]))
    _eventually(lambda: len(list(a.fleet.ListVehicles(fleet_pb2.ListRequest()))) == 9)

    plan = live_pb2.LivePlan(dimensions=["weight_kg"], now=100)
    plan.vehicles.add(
        vehicle_id="v1", profile="van", capacity=[1000], depot_lat=31.2, depot_lon=121.4,
        end_lat=31.2, end_lon=121.4, shift_start=0, shift_end=90_000, lat=31.2, lon=121.4,
        position_time=100,
    )  # fmt: skip
    a.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="shared", plan=plan))

    def b_has_plan() -> bool:
        try:
            b.live.GetPlan(live_pb2.GetPlanRequest(plan_id="shared"))
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                raise
            return False
        return True

    _eventually(b_has_plan)
    delay = live_pb2.Event(
        t=200, vehicle_delayed=live_pb2.VehicleDelayed(vehicle_id="v1", delay_s=60)
    )
    r = b.live.ApplyEvents(live_pb2.ApplyEventsRequest(plan_id="shared", events=[delay]))
    assert r.view.plan.version == 2
    _eventually(lambda: a.live.GetPlan(live_pb2.GetPlanRequest(plan_id="shared")).plan.version == 2)
