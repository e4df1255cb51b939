"""Idempotency keys of LivePlans over a real socket, on SQLite and on PostgreSQL: a
retried call is answered with the first answer and applies nothing again (also after a
restart, through a forwarding instance and concurrently); a key reused for another
request is INVALID_ARGUMENT naming ``idempotency_key``; expired records are pruned."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from server.proto import live_pb2
from server.status import error_details
from tests.server.conftest import PG_SKIP, PG_URL, client_for


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: Any, tmp_path: Any) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new schema of the test PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "idem.db")
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"k_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _plan() -> live_pb2.LivePlan:
    plan = live_pb2.LivePlan(dimensions=["weight_kg"], now=100)
    plan.vehicles.add(
        vehicle_id="v1", profile="van", capacity=[100_000], depot_lat=31.2, depot_lon=121.4,
        end_lat=31.2, end_lon=121.4, shift_start=0, shift_end=90_000, lat=31.2, lon=121.4,
        position_time=100,
    )  # fmt: skip
    return plan


def _events(plan_id: str, job_id: str, key: str = "", replan: bool = True) -> Any:
    job = live_pb2.LiveJob(
        job_id=job_id, kind="delivery", lat=31.21, lon=121.41, amounts=[1], service_s=60
    )
    return live_pb2.ApplyEventsRequest(
        plan_id=plan_id,
        events=[live_pb2.Event(t=1_000, new_job=live_pb2.NewJob(job=job))],
        options=live_pb2.ReplanOptions(replan=replan, time_limit_s=0.2, seed=1),
        idempotency_key=key,
    )


def _refused(call: Any) -> dict[str, Any]:
    with pytest.raises(grpc.RpcError) as e:
        call()
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value.details()
    return error_details(e.value.trailing_metadata())


def _without_flag(r: live_pb2.ApplyEventsResponse) -> live_pb2.ApplyEventsResponse:
    out = live_pb2.ApplyEventsResponse()
    out.CopyFrom(r)
    out.replayed = False
    return out


def test_retry_answers_first_response_and_applies_once(db: str, make_server: Any) -> None:
    """CreatePlan and ApplyEvents retried with their keys: the same answers (``replayed``
    set), the plan changed once; a restarted server still knows the keys; the key with
    another body, another plan or another method is INVALID_ARGUMENT naming the field."""
    srv, port = make_server(db=db)
    c = client_for(port)
    create = live_pb2.CreatePlanRequest(plan_id="k", plan=_plan(), idempotency_key="create-k")
    view = c.live.CreatePlan(create, timeout=30)
    assert c.live.CreatePlan(create, timeout=30) == view  # not ALREADY_EXISTS
    req = _events("k", "j1", key="apply-1")
    first = c.live.ApplyEvents(req, timeout=60)
    assert not first.replayed
    assert first.view.plan.version == 2
    assert first.HasField("diff")
    again = c.live.ApplyEvents(req, timeout=60)
    assert again.replayed
    assert _without_flag(again) == first  # same version, same diff, same view
    got = c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="k"))
    assert got.plan.version == 2
    assert [j.job_id for j in got.plan.jobs] == ["j1"]

    d = _refused(lambda: c.live.ApplyEvents(_events("k", "j2", key="apply-1"), timeout=60))
    assert d["field"] == "idempotency_key"
    assert "different request" in d["reason"]
    other = live_pb2.CreatePlanRequest(plan_id="k2", plan=_plan(), idempotency_key="apply-1")
    assert _refused(lambda: c.live.CreatePlan(other, timeout=30))["field"] == "idempotency_key"
    long = _events("k", "j3", key="x" * 129)
    assert _refused(lambda: c.live.ApplyEvents(long, timeout=60))["field"] == "idempotency_key"
    blank = _events("k", "j3", key="  ")
    assert _refused(lambda: c.live.ApplyEvents(blank, timeout=60))["field"] == "idempotency_key"
    assert c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="k")).plan.version == 2

    srv.stop(0)
    _, port2 = make_server(db=db)
    c2 = client_for(port2)
    assert _without_flag(c2.live.ApplyEvents(req, timeout=60)) == first
    assert c2.live.CreatePlan(create, timeout=30) == view
    # without a key a retry applies again (the documented behaviour)
    plain = _events("k", "j4")
    assert c2.live.ApplyEvents(plain, timeout=60).view.plan.version == 3
    with pytest.raises(grpc.RpcError) as e:  # the same job id twice is refused
        c2.live.ApplyEvents(plain, timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert c2.live.GetPlan(live_pb2.GetPlanRequest(plan_id="k")).plan.version == 3


def test_concurrent_calls_with_one_key_apply_once(db: str, make_server: Any) -> None:
    """Six threads send the same keyed call at once: one applies it, every caller gets
    the same version, and the plan moves one version."""
    _, port = make_server(db=db)
    c = client_for(port)
    c.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="cc", plan=_plan()), timeout=30)
    req = _events("cc", "j1", key="same", replan=False)
    out: list[live_pb2.ApplyEventsResponse] = []
    errs: list[BaseException] = []
    go = threading.Barrier(6)

    def send() -> None:
        try:
            go.wait()
            out.append(c.live.ApplyEvents(req, timeout=60))
        except BaseException as e:
            errs.append(e)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errs, errs
    assert {r.view.plan.version for r in out} == {2}
    assert sum(not r.replayed for r in out) == 1
    assert c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="cc")).plan.version == 2


def test_position_reports_with_keys_apply_once(db: str, make_server: Any) -> None:
    """A position stream cut and sent again whole: the recorded reports are counted and
    not applied again (a served stop would otherwise be refused as served twice)."""
    _, port = make_server(db=db)
    c = client_for(port)
    c.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="pp", plan=_plan()), timeout=30)
    c.live.ApplyEvents(_events("pp", "j1", replan=True), timeout=60)
    reports = [
        live_pb2.PositionReport(plan_id="pp", t=2_000 + 60 * i, idempotency_key=f"pos-{i}",
            position=live_pb2.PositionUpdate(vehicle_id="v1", lat=31.21, lon=121.41,
                                             served=["j1"] if i == 1 else []))
        for i in range(1, 3)
    ]  # fmt: skip
    r = c.live.ReportPositions(iter(reports[:1]), timeout=30)
    assert (r.accepted, r.version) == (1, 3)
    r = c.live.ReportPositions(iter(reports), timeout=30)  # the first one is a retry
    assert (r.accepted, r.version) == (2, 4)
    got = c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="pp")).plan
    assert got.version == 4
    assert got.jobs[0].status == "served"


def test_expired_keys_are_pruned(db: str, make_server: Any) -> None:
    """Records older than the retention are deleted by the prune (database clock), newer
    ones kept; a key whose record was pruned is a new key."""
    srv, port = make_server(db=db)
    c = client_for(port)
    c.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="pr", plan=_plan()), timeout=30)
    c.live.ApplyEvents(_events("pr", "j1", key="old", replan=False), timeout=60)
    store = srv.state.store
    assert store.live_key("old") is not None
    assert store.prune_live_keys(3600.0) == 0  # within the retention: kept
    time.sleep(0.05)
    assert store.prune_live_keys(0.01) == 1
    assert store.live_key("old") is None
    r = c.live.ApplyEvents(_events("pr", "j2", key="old", replan=False), timeout=60)
    assert not r.replayed
    assert r.view.plan.version == 3


def test_servicer_prunes_records_past_the_retention(db: str) -> None:
    """A keyed write prunes records older than 24 h (database clock) at most once per
    ten minutes; younger records and the write's own are kept."""
    from server.config import ServerConfig
    from server.observability import Metrics
    from server.servicers.live import LivePlansServicer
    from server.state import FleetState
    from server.store import open_store

    store = open_store(db)
    pool: Any = None  # no solver needed: no re-plan, no problem to solve
    ctx: Any = None  # called in-process, as the Orders servicer calls ApplyEvents
    try:
        live = LivePlansServicer(FleetState(store), ServerConfig(db=db), Metrics(), pool)
        live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="sp", plan=_plan()), ctx)
        for i, key in enumerate(("a", "b")):
            live.ApplyEvents(_events("sp", f"j{i}", key=key, replan=False), ctx)
        p = store.placeholder
        with store._lock, store._transaction() as cur:  # "a" is 25 h old
            cur.execute(f"UPDATE live_plan_keys SET at = at - 90000 WHERE key = {p}", ("a",))
        live.ApplyEvents(_events("sp", "j2", key="c", replan=False), ctx)
        assert store.live_key("a") is not None  # pruned at most every 10 minutes
        live._pruned = float("-inf")  # ten minutes later
        live.ApplyEvents(_events("sp", "j3", key="d", replan=False), ctx)
        assert store.live_key("a") is None
        assert all(store.live_key(k) is not None for k in "bcd")
    finally:
        store.close()
