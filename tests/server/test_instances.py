"""Two server instances on one PostgreSQL database see each other's writes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from server.proto import fleet_pb2, live_grpc, live_pb2
from tests.server.conftest import PG_SKIP, PG_URL, TOKEN, client_for, messages, small_world

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


def _one_vehicle_plan() -> live_pb2.LivePlan:
    plan = live_pb2.LivePlan(dimensions=["weight_kg"], now=100)
    plan.vehicles.add(
        vehicle_id="v1", profile="van", capacity=[1000], depot_lat=31.2, depot_lon=121.4,
        end_lat=31.2, end_lon=121.4, shift_start=0, shift_end=90_000, lat=31.2, lon=121.4,
        position_time=100,
    )  # fmt: skip
    return plan


def _new_job(jid: str, t: int, lat: float = 31.21) -> live_pb2.Event:
    job = live_pb2.LiveJob(job_id=jid, kind="delivery", lat=lat, lon=121.41, amounts=[1])
    return live_pb2.Event(t=t, new_job=live_pb2.NewJob(job=job))


def _lease(url: str, plan_id: str) -> tuple[str, int]:
    from server.store import open_store
    from server.store.leases import LeaseStore

    store = open_store(url)
    try:
        held = LeaseStore(store).holder(plan_id)
    finally:
        store.close()
    assert held is not None
    return held.owner, held.epoch


def test_plan_writes_are_forwarded_to_the_owner(pg_url: str, make_server: Any) -> None:
    """A plan created on A is owned by A; writes reaching B are forwarded (B's reads show
    them at once), the owner's errors come back with their code and field, and B never
    writes the plan itself (the lease stays A's)."""
    from server.status import error_details

    srv_a, pa = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=60)
    srv_b, pb = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=60)
    a, b = client_for(pa), client_for(pb)
    a.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="fw", plan=_one_vehicle_plan()))
    assert _lease(pg_url, "fw") == (srv_a.instance_id, 1)
    r = b.live.ApplyEvents(
        live_pb2.ApplyEventsRequest(plan_id="fw", events=[_new_job("j1", 200)], expected_version=1)
    )
    assert r.view.plan.version == 2
    assert b.live.GetPlan(live_pb2.GetPlanRequest(plan_id="fw")).plan.version == 2
    where = live_pb2.PositionUpdate(vehicle_id="v1", lat=31.21, lon=121.41)
    pos = b.live.ReportPositions(
        iter([live_pb2.PositionReport(plan_id="fw", t=300, position=where)])
    )
    assert (pos.accepted, pos.version) == (1, 3)
    assert _lease(pg_url, "fw") == (srv_a.instance_id, 1)
    assert srv_b.instance_id != srv_a.instance_id

    bad = live_pb2.ApplyEventsRequest(plan_id="fw", events=[_new_job("j2", 400, lat=100.0)])
    stale = live_pb2.ApplyEventsRequest(
        plan_id="fw", events=[_new_job("j3", 400)], expected_version=1
    )
    for req, code in ((bad, grpc.StatusCode.INVALID_ARGUMENT), (stale, grpc.StatusCode.ABORTED)):
        answers = []
        for client in (a, b):
            with pytest.raises(grpc.RpcError) as e:
                client.live.ApplyEvents(req)
            answers.append((e.value.code(), e.value.details(),
                            error_details(e.value.trailing_metadata())))  # fmt: skip
        assert answers[0] == answers[1]
        assert answers[0][0] == code
    assert answers[0][1] == "plan 'fw' is at version 3, not 1"
    unknown = live_pb2.ApplyEventsRequest(plan_id="nope", events=[_new_job("j", 1)])
    with pytest.raises(grpc.RpcError) as e:
        b.live.ApplyEvents(unknown)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_graceful_stop_hands_plans_over_at_once(pg_url: str, make_server: Any) -> None:
    """The owner stopping (SIGTERM path) expires its leases: the next write on B takes
    the plan over (epoch 2) without waiting for the time-to-live."""
    srv_a, pa = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=600)
    srv_b, pb = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=600)
    a, b = client_for(pa), client_for(pb)
    a.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="ho", plan=_one_vehicle_plan()))
    a.live.ApplyEvents(live_pb2.ApplyEventsRequest(plan_id="ho", events=[_new_job("j1", 200)]))
    srv_a.stop(0)
    r = b.live.ApplyEvents(
        live_pb2.ApplyEventsRequest(plan_id="ho", events=[_new_job("j2", 300)], expected_version=2)
    )
    assert [j.job_id for j in r.view.plan.jobs] == ["j1", "j2"]
    assert _lease(pg_url, "ho") == (srv_b.instance_id, 2)


def test_a_former_owner_is_fenced(pg_url: str, make_server: Any) -> None:
    """A's lease lapses (as if A had been paused) and B takes the plan over; A, still
    believing it owns the plan, has its next write fenced off by the epoch: the write is
    forwarded to B instead and no update is lost."""
    import psycopg

    srv_a, pa = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=600)
    srv_b, pb = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=600)
    a, b = client_for(pa), client_for(pb)
    a.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="fe", plan=_one_vehicle_plan()))
    assert "fe" in _owned(srv_a)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE live_plan_leases SET expires = 0 WHERE plan_id = 'fe'")
    b.live.ApplyEvents(live_pb2.ApplyEventsRequest(plan_id="fe", events=[_new_job("j1", 200)]))
    assert _lease(pg_url, "fe") == (srv_b.instance_id, 2)
    assert "fe" in _owned(srv_a)  # A has not noticed (its heartbeat is 200 s away)
    r = a.live.ApplyEvents(
        live_pb2.ApplyEventsRequest(plan_id="fe", events=[_new_job("j2", 300)], expected_version=2)
    )
    assert [j.job_id for j in r.view.plan.jobs] == ["j1", "j2"]
    assert r.view.plan.version == 3
    assert "fe" not in _owned(srv_a)
    assert _lease(pg_url, "fe") == (srv_b.instance_id, 2)


def _owned(srv: Any) -> dict[str, int]:
    """The plans a server's lease manager believes it owns."""
    owned: dict[str, int] = srv.leases.owned()
    return owned


def test_bad_lease_ttl_is_refused(tmp_path: Any) -> None:
    """A lease time-to-live outside 0..86400 s is refused before anything is opened."""
    from engine.errors import InvalidInputError
    from server.app import create_server
    from server.config import ServerConfig

    for ttl in (-1.0, float("nan"), float("inf")):
        with pytest.raises(InvalidInputError) as e:
            create_server("127.0.0.1:0", ServerConfig(db=str(tmp_path / "x.db"), lease_ttl_s=ttl))
        assert e.value.field == "lease_ttl_s"
    assert not (tmp_path / "x.db").exists()


def test_forwarding_over_tls(pg_url: str, make_server: Any, tmp_path: Any) -> None:
    """Instances serving TLS with one shared certificate forward plan writes to each
    other over TLS (the peer is verified against that certificate)."""
    import subprocess

    key, crt = tmp_path / "key.pem", tmp_path / "crt.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(crt), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = {"tls_cert": crt.read_bytes(), "tls_key": key.read_bytes()}
    srv_a, pa = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=60, **tls)
    _, pb = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=60, **tls)
    creds = grpc.ssl_channel_credentials(root_certificates=crt.read_bytes())
    md = (("authorization", f"Bearer {TOKEN}"),)
    a = live_grpc.LivePlansStub(grpc.secure_channel(f"localhost:{pa}", creds))
    b = live_grpc.LivePlansStub(grpc.secure_channel(f"localhost:{pb}", creds))
    a.CreatePlan(live_pb2.CreatePlanRequest(plan_id="tls", plan=_one_vehicle_plan()), metadata=md)
    r = b.ApplyEvents(
        live_pb2.ApplyEventsRequest(plan_id="tls", events=[_new_job("j1", 200)]), metadata=md
    )
    assert r.view.plan.version == 2
    assert _lease(pg_url, "tls") == (srv_a.instance_id, 1)


def test_keyed_writes_forwarded_and_replayed_on_any_instance(pg_url: str, make_server: Any) -> None:
    """A keyed write reaching B is forwarded with its key to the owner A; its retry is
    answered from the record on B and on A, and the key with another body is refused on
    both; a former owner (A) fenced off mid-write forwards a keyed write to the new
    owner B and its retry applies nothing again; once B is dead but still holds the
    lease, A answers the retry from the record at once (no forward, no wait)."""
    import psycopg

    from server.status import error_details

    srv_a, pa = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=600)
    srv_b, pb = make_server(db=pg_url, sync_interval_s=0.1, lease_ttl_s=600)
    a, b = client_for(pa), client_for(pb)
    a.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="kf", plan=_one_vehicle_plan()))
    req = live_pb2.ApplyEventsRequest(
        plan_id="kf", events=[_new_job("j1", 200)], idempotency_key="kf-1"
    )
    first = b.live.ApplyEvents(req)
    assert (first.view.plan.version, first.replayed) == (2, False)
    assert _lease(pg_url, "kf") == (srv_a.instance_id, 1)  # applied by the owner
    for client in (b, a):
        again = client.live.ApplyEvents(req)
        assert again.replayed
        assert again.view == first.view
    assert a.live.GetPlan(live_pb2.GetPlanRequest(plan_id="kf")).plan.version == 2
    other = live_pb2.ApplyEventsRequest(
        plan_id="kf", events=[_new_job("j9", 200)], idempotency_key="kf-1"
    )
    for client in (b, a):  # the key with another body: refused on either instance
        with pytest.raises(grpc.RpcError) as e:
            client.live.ApplyEvents(other)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(e.value.trailing_metadata())["field"] == "idempotency_key"
    where = live_pb2.PositionUpdate(vehicle_id="v1", lat=31.21, lon=121.41)
    report = live_pb2.PositionReport(plan_id="kf", t=250, position=where, idempotency_key="p-1")
    pos = b.live.ReportPositions(iter([report]))  # forwarded to A, applied there
    assert (pos.accepted, pos.version) == (1, 3)

    # A's lease lapses; B takes over; A (fenced) forwards a keyed write to B
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE live_plan_leases SET expires = 0 WHERE plan_id = 'kf'")
    b.live.ApplyEvents(live_pb2.ApplyEventsRequest(plan_id="kf", events=[_new_job("j2", 300)]))
    assert _lease(pg_url, "kf") == (srv_b.instance_id, 2)
    req3 = live_pb2.ApplyEventsRequest(
        plan_id="kf", events=[_new_job("j3", 400)], idempotency_key="kf-3"
    )
    third = a.live.ApplyEvents(req3)
    assert third.view.plan.version == 5
    assert not third.replayed
    assert a.live.ApplyEvents(req3).replayed

    # B dies without releasing its lease (as if killed): A answers the retry at once
    addr = srv_b.address
    srv_b.stop(0)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE live_plan_leases SET owner = %s, address = %s, "
            "expires = EXTRACT(EPOCH FROM clock_timestamp()) + 600 WHERE plan_id = 'kf'",
            (srv_b.instance_id, addr),
        )
    assert a.live.ApplyEvents(req3, timeout=10).view == third.view
    pos = a.live.ReportPositions(iter([report]), timeout=10)  # recorded: not forwarded
    assert (pos.accepted, pos.version) == (1, 3)
    with pytest.raises(grpc.RpcError) as e:  # a new write waits for the owner's lease
        a.live.ApplyEvents(
            live_pb2.ApplyEventsRequest(plan_id="kf", events=[_new_job("j4", 500)]), timeout=10
        )
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    assert [j.job_id for j in a.live.GetPlan(live_pb2.GetPlanRequest(plan_id="kf")).plan.jobs] == [
        "j1",
        "j2",
        "j3",
    ]
