"""Tests of the one solution checker: each rule is caught, costs are recomputed."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInputError
from engine.routing import Model, check

from .conftest import depot_model, line_model


def kinds(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.kind for v in report.violations}


def test_feasible_route_cost_and_schedule() -> None:
    """Distance, duration and cost follow the contract's objective."""
    m = line_model(2)
    p = m.data()
    rep = check(p, [(0, [0, 1])])
    assert rep.feasible
    assert rep.distance == 40
    assert rep.routes[0].duration == 40
    assert rep.cost == pytest.approx(40.0)  # cost_per_km = 1000 means cost = distance
    assert rep.routes[0].service_starts == (10, 20)


def test_fixed_and_hourly_costs() -> None:
    m, _ = depot_model(1, 5, fixed_cost=500, cost_per_km=2000, cost_per_hour=3600)
    m.add_job(m.add_site(x=30, y=0), service=10)
    rep = check(m.data(), [(0, [0])])
    # 500 + 2 * 60 + 1 * 70 (duration = 60 travel + 10 service)
    assert rep.cost == pytest.approx(690.0)


def test_capacity_per_dimension() -> None:
    m = line_model(3, capacity=2)
    rep = check(m.data(), [(0, [0, 1, 2])])
    assert "capacity" in kinds(rep)
    assert check(m.data(), [(0, [0, 1]), (0, [2])]).feasible


def test_mixed_pickup_and_delivery_load_profile() -> None:
    """Deliveries ride from the depot, pickups to the end: the load peaks accordingly."""
    m, _ = depot_model(1, 10)
    a, b = m.add_site(x=1, y=0), m.add_site(x=2, y=0)
    m.add_job(a, pickup=6)
    m.add_job(b, delivery=6)
    p = m.data()
    assert "capacity" in kinds(check(p, [(0, [0, 1])]))  # 6 on board + 6 picked = 12
    rep = check(p, [(0, [1, 0])])
    assert rep.feasible
    assert rep.routes[0].peak_load == (6,)


def test_time_windows_with_waiting_and_several_windows() -> None:
    m, _ = depot_model(1, 5)
    s = m.add_site(x=10, y=0)
    m.add_job(s, time_windows=[(0, 5), (30, 40)], service=5)
    m.add_job(m.add_site(x=20, y=0), time_windows=[(0, 44)])
    p = m.data()
    rep = check(p, [(0, [0, 1])])
    # arrives at 10, misses the first window, waits for 30, leaves 35, reaches job 1 at 45
    assert kinds(rep) == {"time_window"}
    assert rep.violations[0].job == 1
    rep = check(p, [(0, [0]), (0, [1])])
    assert "fleet" in kinds(rep)


def test_duration_ignores_waiting_at_the_start() -> None:
    """The departure is delayed so a route's duration excludes idle time at the start."""
    m, _ = depot_model(1, 5, max_duration=25)
    m.add_job(m.add_site(x=10, y=0), time_windows=[(100, 110)], service=5)
    rep = check(m.data(), [(0, [0])])
    assert rep.feasible
    assert rep.routes[0].departure == 90
    assert rep.routes[0].duration == 25


def test_max_duration_distance_and_shift() -> None:
    m, _ = depot_model(1, 5, max_duration=30, max_distance=30, shift=(0, 35))
    m.add_job(m.add_site(x=20, y=0))
    assert kinds(check(m.data(), [(0, [0])])) == {"max_duration", "max_distance", "shift"}


def test_pairing_precedence_and_same_vehicle() -> None:
    m, _ = depot_model(2, 5)
    a, b = m.add_site(x=1, y=0), m.add_site(x=2, y=0)
    m.add_shipment(a, b, amount=3)
    p = m.data()
    assert check(p, [(0, [0, 1])]).feasible
    assert "precedence" in kinds(check(p, [(0, [1, 0])]))
    assert "pairing" in kinds(check(p, [(0, [0]), (0, [1])]))
    rep = check(p, [(0, [0])])
    assert {"pairing", "unserved"} <= kinds(rep)


def test_skills() -> None:
    m, d = depot_model(1, 5, name="dry")
    m.add_vehicle_type(1, capacity=5, start=d, skills=["reefer"], name="cold")
    m.add_job(m.add_site(x=1, y=0), skills=["reefer"])
    p = m.data()
    assert kinds(check(p, [(0, [0])])) == {"skills"}
    assert check(p, [(1, [0])]).feasible


def test_breaks_on_the_road_or_while_waiting() -> None:
    """A break fits into waiting time; without slack it delays the next stop."""
    m, _ = depot_model(1, 5, breaks=[(20, 30, 10)])
    m.add_job(m.add_site(x=10, y=0), time_windows=[(50, 60)])
    p = m.data()
    rep = check(p, [(0, [0])])
    assert rep.feasible
    assert rep.routes[0].arrival == 60
    m2 = Model()
    d = m2.add_depot(x=0, y=0)
    m2.add_vehicle_type(1, capacity=5, start=d, breaks=[(5, 8, 10)])
    m2.add_job(m2.add_site(x=10, y=0), time_windows=[(0, 15)])
    # serving on time leaves no moment in the break window; breaking first makes it late
    assert kinds(check(m2.data(), [(0, [0])])) == {"break"}
    m3 = Model()
    d = m3.add_depot(x=0, y=0)
    m3.add_vehicle_type(1, capacity=5, start=d, breaks=[(500, 600, 10)], shift=(0, 100))
    m3.add_job(m3.add_site(x=10, y=0))
    # the break waits for its window, so the vehicle returns after its shift
    assert kinds(check(m3.data(), [(0, [0])])) == {"shift"}


def test_duplicates_unserved_and_optional_penalty() -> None:
    m = line_model(3)
    m.add_job("s1", required=False, penalty=99, name="opt")
    p = m.data()
    rep = check(p, [(0, [0, 0, 1])])
    assert {"duplicate", "unserved"} <= kinds(rep)
    rep = check(p, [(0, [0, 1, 2])])
    assert rep.feasible
    assert rep.dropped == (3,)
    assert rep.cost == pytest.approx(60 + 99)


def test_bad_indices_raise() -> None:
    p = line_model(1).data()
    with pytest.raises(InvalidInputError):
        check(p, [(5, [0])])
    with pytest.raises(InvalidInputError):
        check(p, [(0, [7])])
