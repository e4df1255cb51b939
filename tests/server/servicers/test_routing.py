"""Routing service over a real socket: optimize, progress streaming, deadlines, bad input,
shutdown with a solve in flight, and recommendations staying fast during a solve."""

from __future__ import annotations

import threading
import time
from typing import Any

import grpc
import pytest

from server.proto import fleet_pb2, routing_pb2
from tests.server.conftest import client_for


def city_problem(n_jobs: int = 12, n_vehicles: int = 3) -> routing_pb2.Problem:
    """A small geographic delivery problem around Shanghai (deterministic)."""
    p = routing_pb2.Problem(name="city", dimensions=["weight_kg"])
    p.sites.add(name="dc", lat=31.23, lon=121.47, is_depot=True)
    for i in range(n_jobs):
        p.sites.add(name=f"s{i}", lat=31.15 + 0.013 * i, lon=121.40 + 0.011 * ((i * 7) % 13))
        j = p.jobs.add(name=f"j{i}", site=f"s{i}", delivery=[100 + 10 * i], service=300)
        j.time_windows.add(start=8 * 3600, end=20 * 3600)
    p.vehicle_types.add(
        name="van", num_available=n_vehicles, capacity=[1500], start_site="dc", profile="van",
        cost_per_km=250,
    )  # fmt: skip
    return p


def test_optimize(served: Any) -> None:
    """A small problem is solved: every job on exactly one route, figures consistent."""
    _, c = served
    r = c.routing.Optimize(
        routing_pb2.OptimizeRequest(problem=city_problem(), time_limit_s=1.0), timeout=60
    )
    served_jobs = [j for route in r.routes for j in route.jobs]
    assert sorted(served_jobs) == sorted(f"j{i}" for i in range(12))
    assert r.feasible
    assert r.complete
    assert r.distance == sum(route.distance for route in r.routes) > 0
    assert all(len(route.service_starts) == len(route.jobs) for route in r.routes)
    assert r.time_limit_s == pytest.approx(1.0)


def test_unservable_job_is_reported(served: Any) -> None:
    """A job heavier than any vehicle is unserved with its reason, not an error."""
    _, c = served
    p = city_problem(4)
    p.jobs[2].delivery[0] = 99_999
    r = c.routing.Optimize(routing_pb2.OptimizeRequest(problem=p, time_limit_s=1.0), timeout=60)
    assert [u.job for u in r.unserved] == ["j2"]
    assert r.unserved[0].reason.startswith("unservable")
    assert not r.complete


def test_optimize_stream(served: Any) -> None:
    """The stream ends with the result; progress events, if any, come before it."""
    _, c = served
    events = list(
        c.routing.OptimizeStream(
            routing_pb2.OptimizeRequest(problem=city_problem(), time_limit_s=1.0, solver="ortools"),
            timeout=60,
        )
    )
    assert events[-1].WhichOneof("event") == "result"
    assert all(e.WhichOneof("event") == "progress" for e in events[:-1])
    assert len(events[-1].result.routes) >= 1


def test_time_limit_capped_by_deadline(served: Any) -> None:
    """A 60-second solve asked with a 3-second deadline answers in time with a smaller limit;
    a deadline too short to solve in is DEADLINE_EXCEEDED."""
    _, c = served
    c.routing.Optimize(  # start the solver process outside the timed call
        routing_pb2.OptimizeRequest(problem=city_problem(3), time_limit_s=0.2), timeout=60
    )
    r = c.routing.Optimize(  # answers before its 3 s deadline (else DEADLINE_EXCEEDED)
        routing_pb2.OptimizeRequest(problem=city_problem(), time_limit_s=60, solver="ortools"),
        timeout=3,
    )
    assert 0 < r.time_limit_s < 3
    with pytest.raises(grpc.RpcError) as e:
        c.routing.Optimize(
            routing_pb2.OptimizeRequest(problem=city_problem(), time_limit_s=5), timeout=0.2
        )
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda p: setattr(p.sites[1], "lat", float("nan")), "sites.lat"),
        (lambda p: setattr(p.sites[1], "lon", 200.0), "site"),
        (lambda p: setattr(p.jobs[0], "site", "nowhere"), "site"),
        (lambda p: p.ClearField("vehicle_types"), "vehicle_types"),
        (lambda p: p.ClearField("jobs"), "jobs"),
        (lambda p: setattr(p.vehicle_types[0], "start_site", ""), "start_site"),
        (lambda p: p.vehicle_types[0].capacity.append(5), "capacity"),
        (lambda p: p.jobs[0].time_windows.add(start=10, end=5), "time_windows"),
        (lambda p: setattr(p.vehicle_types[0], "profile", "rocket"), "vehicle_type"),
        (lambda p: p.matrix.distance.extend([0, 1, 2]), "matrix.distance"),
        (lambda p: p.sites.add(name="dc"), "site"),
    ],
)
def test_bad_problem(served: Any, mutate: Any, needle: str) -> None:
    """Each malformed problem is INVALID_ARGUMENT naming the field."""
    _, c = served
    p = city_problem(3)
    mutate(p)
    with pytest.raises(grpc.RpcError) as e:
        c.routing.Optimize(routing_pb2.OptimizeRequest(problem=p, time_limit_s=1), timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, e.value.details()
    assert needle in e.value.details()


@pytest.mark.parametrize("limit", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_time_limit(served: Any, limit: float) -> None:
    """Non-positive or non-finite time limits are INVALID_ARGUMENT naming time_limit_s."""
    _, c = served
    with pytest.raises(grpc.RpcError) as e:
        c.routing.Optimize(routing_pb2.OptimizeRequest(problem=city_problem(2), time_limit_s=limit))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "time_limit_s" in e.value.details()


def test_job_limit(make_server: Any) -> None:
    """Problems over max_jobs are rejected before any solving."""
    _, port = make_server(max_jobs=5)
    c = client_for(port)
    with pytest.raises(grpc.RpcError) as e:
        c.routing.Optimize(routing_pb2.OptimizeRequest(problem=city_problem(6), time_limit_s=1))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "problem.jobs" in e.value.details()


def test_other_calls_fast_during_solve(served: Any) -> None:
    """While a 4-second OR-Tools solve runs (in a solver process), other calls keep
    answering: at least 50 of them during the solve. Their latency is measured by
    bench/server_load.py, not asserted here."""
    _, c = served
    c.routing.Optimize(  # warm the solver process
        routing_pb2.OptimizeRequest(problem=city_problem(3), time_limit_s=0.2), timeout=60
    )
    done = threading.Event()

    def solve() -> None:
        c.routing.Optimize(
            routing_pb2.OptimizeRequest(
                problem=city_problem(40, 8), time_limit_s=4, solver="ortools"
            ),
            timeout=60,
        )
        done.set()

    th = threading.Thread(target=solve)
    th.start()
    time.sleep(0.5)
    answered = 0
    while not done.is_set() and answered < 300:
        list(c.fleet.ListVehicles(fleet_pb2.ListRequest(), timeout=5))
        answered += 1
    th.join()
    assert answered >= 50


def test_graceful_shutdown_finishes_solve(make_server: Any) -> None:
    """stop(grace) lets an in-flight solve finish and refuses new calls."""
    srv, port = make_server()
    c = client_for(port)
    c.routing.Optimize(
        routing_pb2.OptimizeRequest(problem=city_problem(3), time_limit_s=0.2), timeout=60
    )
    result: dict[str, Any] = {}

    def solve() -> None:
        result["r"] = c.routing.Optimize(
            routing_pb2.OptimizeRequest(problem=city_problem(), time_limit_s=2, solver="ortools"),
            timeout=60,
        )

    th = threading.Thread(target=solve)
    th.start()
    time.sleep(0.5)
    stopper = threading.Thread(target=srv.stop, args=(20,))
    stopper.start()
    time.sleep(0.3)
    with pytest.raises(grpc.RpcError) as e:
        list(client_for(port).fleet.ListVehicles(fleet_pb2.ListRequest(), timeout=5))
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    th.join(30)
    stopper.join(30)
    assert len(result["r"].routes) >= 1


def _plan_request(n: int = 12) -> routing_pb2.PlanLoadsRequest:
    req = routing_pb2.PlanLoadsRequest(time_limit_s=5.0)
    for i in range(n):
        req.shipments.add(shipment_id=f"s{i}", weight_kg=300 + 97 * i, volume_l=900 + 50 * i)
    req.fleet.add(
        vehicle_type="light", capacity_kg=2000, capacity_l=8000, count=10, cost_fen=40_000
    )
    req.fleet.add(
        vehicle_type="medium", capacity_kg=5000, capacity_l=20000, count=3, cost_fen=70_000
    )
    return req


def test_plan_loads(served: Any) -> None:
    """Every shipment on one vehicle within capacity, never worse than the FFD baseline."""
    _, c = served
    req = _plan_request()
    r = c.routing.PlanLoads(req, timeout=60)
    placed = sorted(s for v in r.vehicles for s in v.shipment_ids)
    assert placed == sorted(s.shipment_id for s in req.shipments)
    assert not r.unplaced
    sizes = {s.shipment_id: s.weight_kg for s in req.shipments}
    for v in r.vehicles:
        assert v.load["weight_kg"] == sum(sizes[s] for s in v.shipment_ids)
        assert v.load["weight_kg"] <= v.capacity["weight_kg"]
        assert 0 < v.load_factor["weight_kg"] <= 1
    assert r.total_cost_fen == sum(v.cost_fen for v in r.vehicles)
    assert r.total_cost_fen <= r.first_fit_decreasing.total_cost_fen
    assert r.lower_bound <= r.total_cost_fen


def test_plan_loads_bad_input(served: Any) -> None:
    """Too-heavy shipments are reported unplaced; bad fleets and sizes are rejected."""
    _, c = served
    req = _plan_request(3)
    req.shipments.add(shipment_id="huge", weight_kg=10**6, volume_l=10)
    r = c.routing.PlanLoads(req, timeout=60)
    assert [u.shipment_id for u in r.unplaced] == ["huge"]
    bad = _plan_request(3)
    bad.shipments[1].weight_kg = -5
    with pytest.raises(grpc.RpcError) as e:
        c.routing.PlanLoads(bad, timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "weight_kg" in e.value.details()
    empty = _plan_request(3)
    empty.ClearField("fleet")
    with pytest.raises(grpc.RpcError) as e:
        c.routing.PlanLoads(empty, timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    dup = _plan_request(3)
    dup.shipments[1].shipment_id = "s0"
    with pytest.raises(grpc.RpcError) as e:
        c.routing.PlanLoads(dup, timeout=60)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_cancelled_optimize(served: Any) -> None:
    """A client cancelling an in-flight solve gets CANCELLED; the server keeps serving."""
    _, c = served
    fut = c.routing.Optimize.future(
        routing_pb2.OptimizeRequest(problem=city_problem(20), time_limit_s=3, solver="ortools"),
        timeout=60,
    )
    time.sleep(0.3)
    assert fut.cancel()
    with pytest.raises(grpc.FutureCancelledError):
        fut.result()
    r = c.routing.Optimize(
        routing_pb2.OptimizeRequest(problem=city_problem(3), time_limit_s=0.5), timeout=60
    )
    assert r.routes
