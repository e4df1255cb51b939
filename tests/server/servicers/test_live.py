"""LivePlans over a real socket: create (solved or given), events with re-plan, rejected
batches leave the plan unchanged, subscriptions, position streams, durability."""

from __future__ import annotations

import threading
import time
from typing import Any

import grpc
import pytest

from engine.live import plan_from_solution
from engine.live.scenario import city_day
from engine.routing import solve
from server.convert import live as convert
from server.proto import common_pb2, live_pb2, routing_pb2
from tests.server.conftest import client_for
from tests.server.servicers.test_routing import city_problem


@pytest.fixture(scope="module")
def morning() -> Any:
    """A solved 6-vehicle, 40-stop city day as a live plan message."""
    sc = city_day(6, 40, seed=3)
    sol = solve(sc.problem, time_limit=1.0, seed=0)
    plan = plan_from_solution(sol)
    return convert.live_plan_msg(plan, "")


def _create(c: Any, plan_id: str, morning: Any) -> live_pb2.PlanView:
    return c.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id=plan_id, plan=morning))


def _busy_vehicle(view: live_pb2.PlanView) -> live_pb2.LiveVehicle:
    return next(v for v in view.plan.vehicles if v.route)


def test_create_get_and_reload(make_server: Any, morning: Any) -> None:
    """A given plan is stored as version 1 with ETAs; a restarted server returns it unchanged."""
    _, port = make_server()
    c = client_for(port)
    view = _create(c, "day-1", morning)
    assert view.plan.version == 1
    assert view.plan.plan_id == "day-1"
    assert len(view.etas) == sum(len(v.route) for v in morning.vehicles) > 0
    got = c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="day-1"))
    assert got == view
    _, port2 = make_server()
    assert client_for(port2).live.GetPlan(live_pb2.GetPlanRequest(plan_id="day-1")) == view
    with pytest.raises(grpc.RpcError) as e:
        _create(c, "day-1", morning)
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS


def test_create_from_problem(served: Any) -> None:
    """A routing problem is solved into the morning plan (in a solver process)."""
    _, c = served
    view = c.live.CreatePlan(
        live_pb2.CreatePlanRequest(plan_id="p", problem=city_problem(8), time_limit_s=1.0),
        timeout=60,
    )
    planned = sorted(j for v in view.plan.vehicles for j in v.route)
    assert planned == sorted(f"j{i}" for i in range(8))
    assert {j.job_id for j in view.plan.jobs} == set(planned)


def test_events_and_replan(served: Any, morning: Any) -> None:
    """A new job and a position report are applied, the re-plan puts the job on a route,
    and the version moves by one per call."""
    _, c = served
    view = _create(c, "d", morning)
    v = _busy_vehicle(view)
    t0 = view.plan.now + 600
    new = live_pb2.LiveJob(
        job_id="late-order", kind="delivery", lat=v.depot_lat + 0.01, lon=v.depot_lon + 0.01,
        amounts=[10, 30], service_s=120,
        windows=[common_pb2.TimeWindow(start=t0, end=t0 + 8 * 3600)],
    )  # fmt: skip
    req = live_pb2.ApplyEventsRequest(
        plan_id="d",
        events=[
            live_pb2.Event(t=t0, new_job=live_pb2.NewJob(job=new)),
            live_pb2.Event(t=t0 + 60, position=live_pb2.PositionUpdate(
                vehicle_id=v.vehicle_id, lat=v.depot_lat, lon=v.depot_lon)),
        ],
        options=live_pb2.ReplanOptions(replan=True, time_limit_s=0.5),
        expected_version=1,
    )  # fmt: skip
    r = c.live.ApplyEvents(req, timeout=60)
    assert r.view.plan.version == 2
    assert r.HasField("diff")
    assert any("late-order" in x.route for x in r.view.plan.vehicles)
    with pytest.raises(grpc.RpcError) as e:
        c.live.ApplyEvents(req, timeout=60)  # expected_version 1 is stale now
    assert e.value.code() == grpc.StatusCode.ABORTED


def test_replan_answer_says_why_a_job_is_left_out(served: Any, morning: Any) -> None:
    """A new order heavier than any truck: the re-plan's diff is infeasible and names the
    job and the constraint; the promised stops stay planned."""
    _, c = served
    view = _create(c, "why", morning)
    v = _busy_vehicle(view)
    t0 = view.plan.now + 600
    heavy = live_pb2.LiveJob(
        job_id="heavy", kind="delivery", lat=v.depot_lat + 0.01, lon=v.depot_lon,
        amounts=[10**6, 1], service_s=60,
        windows=[common_pb2.TimeWindow(start=t0, end=t0 + 8 * 3600)],
    )  # fmt: skip
    r = c.live.ApplyEvents(
        live_pb2.ApplyEventsRequest(
            plan_id="why",
            events=[live_pb2.Event(t=t0, new_job=live_pb2.NewJob(job=heavy))],
            options=live_pb2.ReplanOptions(replan=True, time_limit_s=0.3),
        ),
        timeout=60,
    )
    assert not r.diff.feasible
    assert [(u.job_id, u.constraint) for u in r.diff.infeasible] == [("heavy", "capacity")]
    assert "1000000" in r.diff.infeasible[0].detail
    assert r.diff.unassigned["heavy"].startswith("capacity: ")
    before = sorted(j for x in view.plan.vehicles for j in x.route)
    assert sorted(j for x in r.view.plan.vehicles for j in x.route) == before


@pytest.mark.parametrize(
    ("event", "code", "needle"),
    [
        (lambda v, t: live_pb2.Event(t=t, breakdown="no-truck"), "NOT_FOUND", "no-truck"),
        (lambda v, t: live_pb2.Event(t=t, cancel_job="no-job"), "NOT_FOUND", "no-job"),
        (lambda v, t: live_pb2.Event(t=t - 10**6, breakdown=v.vehicle_id),
         "INVALID_ARGUMENT", ".t"),
        (lambda v, t: live_pb2.Event(t=t, position=live_pb2.PositionUpdate(
            vehicle_id=v.vehicle_id, lat=float("nan"), lon=1.0)),
         "INVALID_ARGUMENT", "position.lat"),
        (lambda v, t: live_pb2.Event(t=t + 1, position=live_pb2.PositionUpdate(
            vehicle_id=v.vehicle_id, lat=v.depot_lat + 5, lon=v.depot_lon)), "INVALID_ARGUMENT",
         "jump"),
        (lambda v, t: live_pb2.Event(t=t, traffic=live_pb2.Slowdown(factor=0.5, start=t, end=t + 9,
            circle=live_pb2.Circle(lat=v.lat, lon=v.lon, radius_m=100))), "INVALID_ARGUMENT",
         "traffic.factor"),
        (lambda v, t: live_pb2.Event(t=t), "INVALID_ARGUMENT", "kind"),
    ],
)  # fmt: skip
def test_rejected_batch_changes_nothing(
    served: Any, morning: Any, event: Any, code: str, needle: str
) -> None:
    """A batch with one bad event (after a good one) is rejected naming the problem, and
    the stored plan is exactly as before."""
    _, c = served
    view = _create(c, "r", morning)
    v = _busy_vehicle(view)
    t = view.plan.now + 60
    good = live_pb2.Event(
        t=t, vehicle_delayed=live_pb2.VehicleDelayed(vehicle_id=v.vehicle_id, delay_s=300)
    )
    with pytest.raises(grpc.RpcError) as e:
        c.live.ApplyEvents(live_pb2.ApplyEventsRequest(plan_id="r", events=[good, event(v, t)]))
    assert e.value.code().name == code, e.value.details()
    assert needle in e.value.details()
    assert c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="r")) == view


def test_unknown_and_bad_ids(served: Any, morning: Any) -> None:
    """Unknown plans are NOT_FOUND; malformed plan ids and empty requests INVALID_ARGUMENT."""
    _, c = served
    with pytest.raises(grpc.RpcError) as e:
        c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="nope"))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    for pid in ("", "a b", "x" * 65, "ü"):
        with pytest.raises(grpc.RpcError) as e:
            _create(c, pid, morning)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "plan_id" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        c.live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="x"))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    _create(c, "ok", morning)
    with pytest.raises(grpc.RpcError) as e:
        c.live.ApplyEvents(live_pb2.ApplyEventsRequest(plan_id="ok"))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = live_pb2.LivePlan()
    bad.CopyFrom(morning)
    bad.vehicles[0].route.append("ghost")
    with pytest.raises(grpc.RpcError) as e:
        _create(c, "bad", bad)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "ghost" in e.value.details()


def test_subscribe_streams_versions(served: Any, morning: Any) -> None:
    """A subscriber gets the plan now and then each new version; cancelling ends it."""
    _, c = served
    view = _create(c, "s", morning)
    v = _busy_vehicle(view)
    stream = c.live.Subscribe(live_pb2.SubscribeRequest(plan_id="s"), timeout=30)
    first = next(stream)
    assert first.view.plan.version == 1

    def later() -> None:
        time.sleep(0.3)
        c.live.ApplyEvents(live_pb2.ApplyEventsRequest(
            plan_id="s",
            events=[live_pb2.Event(t=view.plan.now + 5, vehicle_delayed=live_pb2.VehicleDelayed(
                vehicle_id=v.vehicle_id, delay_s=900))],
        ))  # fmt: skip

    th = threading.Thread(target=later)
    th.start()
    second = next(stream)
    th.join()
    assert second.view.plan.version == 2
    stream.cancel()
    with pytest.raises(grpc.RpcError) as e:
        next(stream)
    assert e.value.code() == grpc.StatusCode.CANCELLED
    with pytest.raises(grpc.RpcError) as e:
        next(c.live.Subscribe(live_pb2.SubscribeRequest(plan_id="missing"), timeout=10))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_report_positions(served: Any, morning: Any) -> None:
    """A stream of positions is applied one by one; the answer counts them and carries
    the standing warnings; a bad report rejects the rest of the stream."""
    _, c = served
    view = _create(c, "pos", morning)
    v = _busy_vehicle(view)
    t = view.plan.now
    reports = [
        live_pb2.PositionReport(plan_id="pos", t=t + 60 * i, position=live_pb2.PositionUpdate(
            vehicle_id=v.vehicle_id, lat=v.depot_lat + 0.002 * i, lon=v.depot_lon))
        for i in range(1, 6)
    ]  # fmt: skip
    r = c.live.ReportPositions(iter(reports), timeout=30)
    assert r.accepted == 5
    assert r.version == 6
    after = c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="pos"))
    moved = next(x for x in after.plan.vehicles if x.vehicle_id == v.vehicle_id)
    assert moved.lat == pytest.approx(v.depot_lat + 0.010)
    assert moved.position_time == t + 300
    bad = live_pb2.PositionReport(plan_id="pos", t=t + 400, position=live_pb2.PositionUpdate(
        vehicle_id=v.vehicle_id, lat=float("nan"), lon=v.depot_lon))  # fmt: skip
    with pytest.raises(grpc.RpcError) as e:
        c.live.ReportPositions(iter([bad]), timeout=30)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="pos")).plan.version == 6


def test_create_problem_deadline(served: Any) -> None:
    """Creating from a problem honours the call's deadline like Optimize."""
    _, c = served
    with pytest.raises(grpc.RpcError) as e:
        c.live.CreatePlan(
            live_pb2.CreatePlanRequest(plan_id="dl", problem=city_problem(4), time_limit_s=5),
            timeout=0.2,
        )
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert routing_pb2.Problem  # the routing messages are shared with Routing


def test_shutdown_ends_subscriptions(make_server: Any, morning: Any) -> None:
    """A graceful stop ends open subscriptions promptly instead of waiting out the grace."""
    srv, port = make_server()
    c = client_for(port)
    _create(c, "g", morning)
    stream = c.live.Subscribe(live_pb2.SubscribeRequest(plan_id="g"), timeout=60)
    next(stream)
    t0 = time.monotonic()
    srv.stop(30)
    assert time.monotonic() - t0 < 5
    assert list(stream) == []


def test_positions_stored_as_served(served: Any, make_server: Any, morning: Any) -> None:
    """Positions that serve stops are stored so that a fresh server (reading the store)
    predicts the same ETAs and warnings as the one that applied them."""
    _, c = served
    view = _create(c, "st", morning)
    kinds = {j.job_id: j.kind for j in view.plan.jobs}
    v = next(x for x in view.plan.vehicles if x.route and kinds[x.route[0]] != "shipment_delivery")
    t = view.plan.now
    first = v.route[0]
    reports = [
        live_pb2.PositionReport(plan_id="st", t=t + 600, position=live_pb2.PositionUpdate(
            vehicle_id=v.vehicle_id, lat=v.depot_lat + 0.003, lon=v.depot_lon)),
        live_pb2.PositionReport(plan_id="st", t=t + 1200, position=live_pb2.PositionUpdate(
            vehicle_id=v.vehicle_id, lat=v.depot_lat + 0.006, lon=v.depot_lon, served=[first])),
    ]  # fmt: skip
    assert c.live.ReportPositions(iter(reports), timeout=30).accepted == 2
    here = c.live.GetPlan(live_pb2.GetPlanRequest(plan_id="st"))
    job = next(j for j in here.plan.jobs if j.job_id == first)
    assert job.status == "served"
    assert job.served_at == t + 1200
    _, port2 = make_server()
    there = client_for(port2).live.GetPlan(live_pb2.GetPlanRequest(plan_id="st"))
    assert there == here
    assert list(there.etas) == list(here.etas)
