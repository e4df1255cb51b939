"""Live plans: atomic events, ETAs and risk warnings, re-planning that keeps commitments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import InvalidInputError, NotFoundError
from engine.live import (
    Breakdown,
    CancelJob,
    ChangeJob,
    LiveJob,
    LivePlan,
    LiveVehicle,
    NewJob,
    PositionUpdate,
    Slowdown,
    Traffic,
    VehicleAvailable,
    VehicleDelayed,
    apply_events,
    forecast,
    plan_from_solution,
    replan,
)
from engine.live.scenario import city_day, random_new_shipment
from engine.routing import solve
from engine.routing.checker import check


@pytest.fixture(scope="module")
def morning() -> object:
    sc = city_day(6, 40, seed=3)
    return sc, solve(sc.problem, time_limit=1.0, seed=1, solver="core")


@pytest.fixture
def plan(morning: tuple[object, object]) -> LivePlan:
    _, sol = morning
    return plan_from_solution(sol)  # type: ignore[arg-type]


def _busy(plan: LivePlan) -> LiveVehicle:
    return max(plan.vehicles.values(), key=lambda v: len(v.route))


def _drive_to_first(plan: LivePlan, v: LiveVehicle, minutes: int = 20) -> LiveVehicle:
    """Report ``v`` at its first stop, served; return the vehicle's fresh state object
    (applying events swaps in new state objects)."""
    j = plan.jobs[v.route[0]]
    t = plan.now + minutes * 60
    apply_events(plan, [PositionUpdate(t, v.vehicle_id, j.lat, j.lon, served=(j.job_id,))])
    return plan.vehicles[v.vehicle_id]


def test_plan_from_solution_covers_every_job(plan: LivePlan) -> None:
    on_routes = [j for v in plan.vehicles.values() for j in v.route]
    assert sorted(on_routes) == sorted(plan.jobs)
    f = forecast(plan)
    assert f.late_stops == 0
    assert f.stops_frame().height == len(plan.jobs)


def test_rejected_batch_changes_nothing(plan: LivePlan) -> None:
    before = plan.fingerprint()
    v = _busy(plan)
    good = PositionUpdate(plan.now + 60, v.vehicle_id, v.lat, v.lon)
    bad_batches = [
        [good, CancelJob(plan.now + 120, "no-such-job")],
        [good, PositionUpdate(plan.now + 120, "ghost", 31.2, 121.4)],
        [good, PositionUpdate(plan.now + 120, v.vehicle_id, math.nan, 121.4)],
        [good, PositionUpdate(plan.now + 180, v.vehicle_id, 39.9, 116.4)],  # 1,000 km in 2 min
        [PositionUpdate(plan.now + 600, v.vehicle_id, v.lat, v.lon), good],  # out of order
        [good, ChangeJob(plan.now + 70, v.route[0], windows=((10, 5),))],
        [good, Traffic(plan.now + 70, Slowdown(0.5, plan.now, plan.now + 3600, leg=("a", "b")))],
        [good, VehicleDelayed(plan.now + 70, v.vehicle_id, -5)],
    ]
    for batch in bad_batches:
        with pytest.raises((InvalidInputError, NotFoundError)):
            apply_events(plan, batch)  # type: ignore[arg-type]
        assert plan.fingerprint() == before
    with pytest.raises(InvalidInputError):
        apply_events(plan, [])


def test_cancelling_a_served_job_is_rejected(plan: LivePlan) -> None:
    v = _busy(plan)
    first = v.route[0]
    v = _drive_to_first(plan, v)
    assert plan.jobs[first].status == "served"
    before = plan.fingerprint()
    with pytest.raises(InvalidInputError, match="already served"):
        apply_events(plan, [CancelJob(plan.now + 1, first)])
    assert plan.fingerprint() == before


def test_unknown_ids_are_not_found(plan: LivePlan) -> None:
    with pytest.raises(NotFoundError, match="ghost"):
        apply_events(plan, [Breakdown(plan.now, "ghost")])
    with pytest.raises(NotFoundError, match="nope"):
        apply_events(plan, [ChangeJob(plan.now, "nope", amounts=(1, 1))])


def test_eta_late_warning_and_margin(plan: LivePlan) -> None:
    v = _busy(plan)
    jid = v.route[-1]
    apply_events(plan, [ChangeJob(plan.now + 1, jid, windows=((plan.now, plan.now + 60),))])
    f = forecast(plan, [v.vehicle_id])
    late = [w for w in f.warnings if w.kind == "late" and w.job_id == jid]
    assert len(late) == 1
    eta = next(s for s in f.vehicles[v.vehicle_id].stops if s.job_id == jid)
    assert late[0].margin == eta.arrival - (plan.now - 1 + 60) or late[0].margin > 0
    assert late[0].predicted_time == eta.arrival


def test_overload_warning(plan: LivePlan) -> None:
    v = _busy(plan)
    jid = next(j for j in v.route if plan.jobs[j].kind == "delivery")
    apply_events(plan, [ChangeJob(plan.now + 1, jid, amounts=(v.capacity[0] + 5, 1))])
    kinds = {w.kind for w in forecast(plan, [v.vehicle_id]).warnings}
    assert "overload" in kinds


def test_driving_hours_warning_for_a_long_leg(plan: LivePlan) -> None:
    v = _busy(plan)
    far = LiveJob("far", "pickup", 32.06, 118.79, (1, 1), windows=((plan.now, plan.now + 86400),))
    apply_events(plan, [NewJob(plan.now + 1, far)])
    v = plan.vehicles[v.vehicle_id]
    v.route.append("far")  # put it on the route by hand: Nanjing is ~4 h from Shanghai
    f = forecast(plan, [v.vehicle_id])
    w = [w for w in f.warnings if w.kind == "driving_hours"]
    assert w
    assert w[0].margin > 0


def test_shift_warning(plan: LivePlan) -> None:
    v = _busy(plan)
    v.shift_end = plan.now + 600
    w = [w for w in forecast(plan, [v.vehicle_id]).warnings if w.kind == "shift"]
    assert len(w) == 1
    assert w[0].job_id is None


def test_position_updates_keep_the_vehicle_and_its_forecast_current(plan: LivePlan) -> None:
    """Fifty position reports in a row: each puts the vehicle at the reported point and
    time, and its forecast starts from there (the next stop is the same, reached no
    earlier than the report). Timing: bench/bench_live.py::test_eta_after_position_update."""
    v = _busy(plan)
    vid, first, lat0, lon = v.vehicle_id, v.route[0], v.lat, v.lon
    for i in range(50):
        t = plan.now + 10
        lat = lat0 + 0.0003 * (i + 1)
        apply_events(plan, [PositionUpdate(t, vid, lat, lon)])
        cur = plan.vehicles[vid]
        assert (cur.lat, cur.lon, cur.position_time, plan.now) == (lat, lon, t, t)
        stops = forecast(plan, [vid]).vehicles[vid].stops
        assert stops[0].job_id == first
        assert stops[0].arrival >= t


def test_replan_inserts_new_shipment_and_keeps_commitments(plan: LivePlan) -> None:
    v = _drive_to_first(plan, _busy(plan))
    nxt = v.route[0]
    apply_events(plan, [PositionUpdate(plan.now + 60, v.vehicle_id, v.lat + 0.001, v.lon)])
    v = plan.vehicles[v.vehicle_id]
    assert v.en_route
    onboard = plan.committed(v)
    rng = np.random.default_rng(1)
    sc, _ = city_day(6, 40, seed=3), None
    p, d = random_new_shipment(rng, sc, plan.now + 60, "NEW1")
    apply_events(plan, [NewJob(plan.now + 60, p, d)])
    res = replan(plan, time_limit=0.5, seed=2, verify=True)
    assert res.feasible
    assert plan.vehicles[v.vehicle_id].route[0] == nxt  # stop it drives to stays first
    assert onboard <= set(plan.vehicles[v.vehicle_id].route)  # cargo on board stays
    owner = plan.vehicle_of("NEW1:pickup")
    assert owner is not None
    assert owner is plan.vehicle_of("NEW1:delivery")
    r = owner.route
    assert r.index("NEW1:pickup") < r.index("NEW1:delivery")
    served = [j for vv in plan.vehicles.values() for j in vv.served]
    assert served  # served stops are never re-planned
    assert all(j not in vv.route for vv in plan.vehicles.values() for j in served)


def test_breakdown_reassigns_jobs_and_flags_cargo(plan: LivePlan) -> None:
    # a vehicle with depot-loaded deliveries after its first stop (cargo on board once it
    # has left the depot) and shipments it has not picked up (released on a breakdown)
    def mix(v: LiveVehicle) -> tuple[int, int]:
        kinds = [plan.jobs[j].kind for j in v.route[1:]]
        return min(kinds.count("delivery"), kinds.count("shipment_pickup")), len(kinds)

    v = max(plan.vehicles.values(), key=mix)
    assert mix(v)[0] > 0, "the scenario must give a vehicle cargo and pickups"
    v = _drive_to_first(plan, v)
    onboard = plan.committed(v)
    assert onboard
    released = [j for j in v.route if j not in onboard]
    assert released
    rep = apply_events(plan, [Breakdown(plan.now + 60, v.vehicle_id)])
    assert sorted(rep.released_jobs) == sorted(released)
    assert rep.stranded_cargo == {v.vehicle_id: sorted(onboard)}
    res = replan(plan, time_limit=0.5, verify=True)
    for jid in released:
        owner = plan.vehicle_of(jid)
        assert owner is not None
        assert owner.vehicle_id != v.vehicle_id or jid in res.diff.unassigned
    for jid in onboard:
        assert "broken-down" in res.diff.unassigned[jid]


def test_cancel_removes_job_and_replan_is_checked(plan: LivePlan) -> None:
    v = _busy(plan)
    jid = (
        next(j for j in v.route if plan.jobs[j].kind == "shipment_pickup")
        if any(plan.jobs[j].kind == "shipment_pickup" for j in v.route)
        else v.route[-1]
    )
    apply_events(plan, [CancelJob(plan.now + 5, jid)])
    assert plan.jobs[jid].status == "cancelled"
    assert all(jid not in vv.route for vv in plan.vehicles.values())
    res = replan(plan, time_limit=0.3, verify=True)
    assert res.feasible


def test_traffic_slowdown_delays_etas(plan: LivePlan) -> None:
    v = _busy(plan)
    before = forecast(plan, [v.vehicle_id]).vehicles[v.vehicle_id].end_arrival
    jam = Slowdown(3.0, plan.now, plan.now + 86_400, area=("circle", v.lat, v.lon, 80_000.0))
    apply_events(plan, [Traffic(plan.now + 1, jam)])
    v = plan.vehicles[v.vehicle_id]
    after = forecast(plan, [v.vehicle_id]).vehicles[v.vehicle_id].end_arrival
    assert after > before


def test_vehicle_available_and_delay(plan: LivePlan) -> None:
    v = _busy(plan)
    extra = LiveVehicle(
        "spare",
        "light_truck",
        v.capacity,
        v.depot_lat,
        v.depot_lon,
        v.end_lat,
        v.end_lon,
        plan.now,
        plan.now + 10 * 3600,
        v.depot_lat,
        v.depot_lon,
        plan.now,
    )
    apply_events(
        plan,
        [
            VehicleAvailable(plan.now + 1, vehicle=extra),
            VehicleDelayed(plan.now + 2, v.vehicle_id, 3600),
        ],
    )
    assert plan.vehicles["spare"].status == "active"
    res = replan(plan, time_limit=0.3, verify=True)
    assert res.feasible


def test_replan_solution_passes_the_independent_checker(plan: LivePlan) -> None:
    from engine.live.replan import build_problem

    rp = build_problem(plan, buffer_s=0)  # the morning plan may use the last minutes
    report = check(rp.problem, rp.initial_routes)
    assert report.feasible, report.violations[:3]
