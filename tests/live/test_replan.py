"""Lateness-aware re-planning (engine/live/replan.py) and time-aware traffic
(engine/live/traffic.py) on small hand-made plans."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import InvalidInputError
from engine.live import (
    LiveJob,
    LivePlan,
    LiveVehicle,
    NewJob,
    Slowdown,
    apply_events,
    forecast,
    replan,
)
from engine.live.replan import (
    SEARCH_BASE_S,
    SEARCH_PER_JOB_S,
    SEARCH_PER_LATE_S,
    build_problem,
)
from engine.live.replan.acceptance import feasibility_guard, left_out
from engine.live.replan.search import Searches, final_routes
from engine.live.traffic import factor_matrix, leg_factor_over
from engine.units import EARTH_RADIUS_M

NOW = 1_795_564_800
LAT0, LON0 = 31.2, 121.4


def _east(km: float) -> float:
    """Longitude ``km`` east of the depot."""
    return LON0 + math.degrees(km * 1000 / (EARTH_RADIUS_M * math.cos(math.radians(LAT0))))


def _one_truck_plan() -> LivePlan:
    """One truck at the depot, not yet departed, ending its day 6 km east. A (3 km west,
    an hour of service) then B (3 km east) is the short way round, but B's window closes
    40 minutes from now, so B is served about 45 minutes late; B first is 6 km longer
    and on time."""
    jobs = {
        "A": LiveJob("A", "delivery", LAT0, _east(-3), (10, 10), 3600, ((NOW, NOW + 8 * 3600),)),
        "B": LiveJob("B", "delivery", LAT0, _east(3), (10, 10), 300, ((NOW, NOW + 2400),)),
    }
    truck = LiveVehicle(
        "T1",
        "light_truck",
        (100, 100),
        LAT0,
        LON0,
        LAT0,
        _east(6),
        NOW,
        NOW + 12 * 3600,
        LAT0,
        LON0,
        NOW,
        route=["A", "B"],
    )
    return LivePlan(("kg", "l"), jobs, {"T1": truck}, NOW)


def test_priced_lateness_makes_a_late_stop_punctual() -> None:
    """A stop predicted late is re-sequenced on time when lateness has a price (the
    default), at the cost of distance; without the price it stays late."""
    plan = _one_truck_plan()
    before = forecast(plan)
    assert before.late_stops == 1
    unpriced = plan.copy()
    replan(unpriced, time_limit=0.3, seed=1, late_stop_cost=0, late_cost_per_hour=0, verify=True)
    assert unpriced.vehicles["T1"].route == ["A", "B"]
    assert forecast(unpriced).late_stops == 1
    res = replan(plan, time_limit=0.3, seed=1, verify=True)
    assert plan.vehicles["T1"].route == ["B", "A"]
    assert res.forecast.late_stops == 0
    assert res.diff.late_stops_change == -1
    assert res.diff.distance_change_m > 5_000  # punctuality bought with ~6 km of driving


def test_new_order_is_not_accepted_late() -> None:
    """A new order that fits nowhere on time stays unassigned instead of being promised
    late, and the promised stops keep their places."""
    plan = _one_truck_plan()
    plan.vehicles["T1"].route = ["B", "A"]
    far = LiveJob("C", "delivery", LAT0 + 0.6, _east(40), (10, 10), 300, ((NOW, NOW + 1800),))
    plan.jobs["C"] = far
    res = replan(plan, time_limit=0.3, seed=1, verify=True)
    assert "C" in res.diff.unassigned
    assert plan.vehicles["T1"].route == ["B", "A"]
    assert res.forecast.late_stops == 0


def test_bad_search_settings_change_nothing() -> None:
    """Negative lateness prices or no search are refused; the plan is unchanged."""
    plan = _one_truck_plan()
    before = plan.fingerprint()
    with pytest.raises(InvalidInputError):
        replan(plan, searches=0)
    with pytest.raises(InvalidInputError):
        replan(plan, late_stop_cost=-1)
    assert plan.fingerprint() == before


def test_slowdown_counts_only_at_the_predicted_departure() -> None:
    """With predicted departures, a jam slows only the legs that leave while it lasts."""
    lat = np.array([LAT0, LAT0, LAT0])
    lon = np.array([_east(-5), _east(0), _east(5)])
    jam = Slowdown(2.0, NOW, NOW + 3600, area=("circle", LAT0, LON0, 2_000.0))
    names = ["a", "b", "c"]
    every = factor_matrix([jam], lat, lon, names, NOW, NOW + 12 * 3600)
    assert every[0, 2] == 2.0  # crosses the circle, both ways
    assert every[2, 0] == 2.0
    dep = np.array([NOW + 600, NOW + 7200, NOW + 7200])  # a leaves in the jam, c after it
    timed = factor_matrix([jam], lat, lon, names, NOW, NOW + 12 * 3600, (dep, dep))
    assert timed[0, 2] == 2.0
    assert timed[2, 0] == 1.0
    assert timed[1, 0] == 1.0


def test_replan_problem_slows_legs_leaving_during_a_jam() -> None:
    """In the re-plan problem a jam slows the legs that leave a stop while it lasts (at the
    stop's predicted departure), not the legs that leave after it has cleared."""
    plan = _one_truck_plan()
    plan.slowdowns.append(Slowdown(2.0, NOW, NOW + 1800, area=("circle", LAT0, LON0, 4_000.0)))
    free = build_problem(_one_truck_plan())
    blanket = build_problem(plan)
    timed = build_problem(plan, departures={"A": NOW + 4000, "B": NOW + 600})
    idx = {s.name: s.index for s in free.problem.sites}
    a, b = idx["A"], idx["B"]

    def secs(rp: object, i: int, j: int) -> int:
        return int(rp.problem.durations[0][i, j])  # type: ignore[attr-defined]

    assert secs(blanket, a, b) == pytest.approx(2 * secs(free, a, b), abs=1)
    assert secs(timed, b, a) == pytest.approx(2 * secs(free, b, a), abs=1)  # B left in the jam
    assert secs(timed, a, b) == secs(free, a, b)  # A left after it cleared


def _with_new_jobs(*jobs: LiveJob) -> LivePlan:
    """The one-truck plan with ``jobs`` ordered just now."""
    plan = _one_truck_plan()
    apply_events(plan, [NewJob(NOW, j) for j in jobs])
    return plan


def test_left_out_jobs_say_which_constraint() -> None:
    """A new order heavier than the truck, and one needing a skill no vehicle has, are
    left out with the constraint that stops them; the promised stops stay planned, and
    the result says infeasible (the current plan's promised jobs are all kept)."""
    heavy = LiveJob("HEAVY", "delivery", LAT0, _east(1), (500, 10), 60, ((NOW, NOW + 9 * 3600),))
    cold = LiveJob(
        "COLD", "delivery", LAT0, _east(2), (1, 1), 60, ((NOW, NOW + 9 * 3600),),
        skills=frozenset({"refrigerated"}),
    )  # fmt: skip
    plan = _with_new_jobs(heavy, cold)
    res = replan(plan, time_limit=0.3, seed=1, verify=True)
    assert not res.feasible
    assert {j: u.constraint for j, u in res.infeasible.items()} == {
        "HEAVY": "capacity",
        "COLD": "skills",
    }
    assert "500" in res.infeasible["HEAVY"].detail
    assert "refrigerated" in res.infeasible["COLD"].detail
    assert res.diff.unassigned["HEAVY"].startswith("capacity: ")
    assert sorted(plan.vehicles["T1"].route) == ["A", "B"]


def test_a_job_that_fits_no_route_is_a_time_window() -> None:
    """The truck can reach N on time on its own, but N's window closes before the truck
    is done at P (an hour of service), and serving N first makes P miss its window."""
    p = LiveJob("P", "delivery", LAT0, _east(5), (1, 1), 3600, ((NOW + 600, NOW + 1500),))
    n = LiveJob("N", "delivery", LAT0, _east(-5), (1, 1), 300, ((NOW, NOW + 1500),))
    truck = _one_truck_plan().vehicles["T1"]
    truck.route = ["P"]
    plan = LivePlan(("kg", "l"), {"P": p}, {"T1": truck}, NOW)
    apply_events(plan, [NewJob(NOW, n)])
    res = replan(plan, time_limit=0.3, seed=1)
    assert plan.vehicles["T1"].route == ["P"]
    assert not res.feasible
    assert res.infeasible["N"].constraint == "time_window"
    assert "fits on no route" in res.infeasible["N"].detail


def test_feasibility_guard_takes_the_repaired_plan() -> None:
    """A candidate plan that drops a promised stop (as a failed search would) is replaced
    by the current plan repaired by the core; a candidate serving everything is kept."""
    plan = _one_truck_plan()
    rp = build_problem(plan)
    promised = {"A", "B"}
    searches = Searches(plan, 0, 1, 0, promised, {})
    repair = lambda: final_routes(searches.repair(rp), rp)  # noqa: E731
    a = rp.job_ids.index("A")
    routes, repaired = feasibility_guard(rp, [(0, [a])], promised, repair)
    assert repaired
    assert sorted(rp.job_ids[j] for _, js in routes for j in js) == ["A", "B"]
    full = [(k, list(js)) for k, js in rp.initial_routes]
    assert feasibility_guard(rp, full, promised, repair) == (full, False)
    assert left_out(rp, [(0, [a])], promised) == (1, [rp.job_ids.index("B")])


def test_zero_budget_replan_keeps_every_promised_stop() -> None:
    """With no search iterations at all the re-plan is the repaired current plan: every
    promised stop stays planned and the result is feasible."""
    plan = _with_new_jobs(
        LiveJob("C", "delivery", LAT0, _east(1), (5, 5), 60, ((NOW, NOW + 9 * 3600),))
    )
    res = replan(plan, time_limit=0.3, seed=1, max_iterations=0, verify=True)
    assert res.iterations == 0
    assert res.feasible
    assert res.infeasible == {}
    assert sorted(plan.vehicles["T1"].route) == ["A", "B", "C"]


def test_budget_grows_with_the_disruption() -> None:
    """The default search time is the base for a quiet plan and grows with the jobs on
    no route (well within the time limit here)."""
    quiet = replan(_one_truck_plan(), time_limit=0.3, seed=1)
    assert quiet.budget_s == pytest.approx(SEARCH_BASE_S + SEARCH_PER_LATE_S)  # B is late
    busy = replan(
        _with_new_jobs(
            LiveJob("C", "delivery", LAT0, _east(1), (5, 5), 60, ((NOW, NOW + 9 * 3600),))
        ),
        time_limit=0.3,
        seed=1,
    )
    assert busy.budget_s == pytest.approx(quiet.budget_s + SEARCH_PER_JOB_S)
    assert set(busy.phases_s) == {"forecast", "build", "search", "correction", "finish"}


def test_factor_matrix_matches_the_leg_by_leg_test() -> None:
    """The vectorized circle and polygon tests (matrix products of the points) give the
    same multiplier as the leg-by-leg geometry for every leg of random points."""
    rng = np.random.default_rng(3)
    lat = LAT0 + rng.normal(0, 0.05, 60)
    lon = LON0 + rng.normal(0, 0.05, 60)
    names = [f"J{i}" for i in range(60)]
    tri = ((LAT0, LON0), (LAT0 + 0.03, LON0), (LAT0 + 0.03, LON0 + 0.05))
    jams = [
        Slowdown(1.8, NOW, NOW + 3600, area=("circle", LAT0 + 0.01, LON0 - 0.02, 3_000.0)),
        Slowdown(1.4, NOW, NOW + 3600, area=("polygon", tri)),
    ]
    got = factor_matrix(jams, lat, lon, names, NOW, NOW + 3600)
    want = np.array(
        [
            [
                1.0
                if i == j
                else leg_factor_over(
                    jams, (lat[i], lon[i]), (lat[j], lon[j]), names[i], names[j], NOW, NOW
                )
                for j in range(60)
            ]
            for i in range(60)
        ]
    )
    assert np.array_equal(got, want)
    assert {1.0, 1.4, 1.8} <= set(np.unique(got))


def test_a_job_that_overfills_every_route_is_capacity() -> None:
    """95 kg fits the empty truck (100 kg) but not with A or B (10 kg each) loaded at the
    depot: every insertion exceeds the capacity on the way."""
    plan = _with_new_jobs(
        LiveJob("C", "delivery", LAT0, _east(1), (95, 1), 60, ((NOW, NOW + 9 * 3600),))
    )
    res = replan(plan, time_limit=0.3, seed=1)
    assert sorted(plan.vehicles["T1"].route) == ["A", "B"]
    assert res.infeasible["C"].constraint == "capacity"
    assert "exceeds the capacity on the way" in res.infeasible["C"].detail


def test_factor_rows_in_blocks_match_the_leg_by_leg_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tested a few rows at a time (blocks that split the rows unevenly), circles,
    polygons and named legs give the leg-by-leg multipliers."""
    import engine.live.traffic as traffic

    monkeypatch.setattr(traffic, "HIT_ROWS", 7)
    rng = np.random.default_rng(5)
    lat = LAT0 + rng.normal(0, 0.05, 50)
    lon = LON0 + rng.normal(0, 0.05, 50)
    names = [f"J{i}" for i in range(50)]
    tri = ((LAT0, LON0), (LAT0 + 0.03, LON0), (LAT0 + 0.03, LON0 + 0.05))
    jams = [
        Slowdown(1.8, NOW, NOW + 3600, area=("circle", LAT0 + 0.01, LON0 - 0.02, 3_000.0)),
        Slowdown(1.4, NOW, NOW + 3600, area=("polygon", tri)),
        Slowdown(3.0, NOW, NOW + 3600, leg=("J3", "J9")),
    ]
    got = factor_matrix(jams, lat, lon, names, NOW, NOW + 3600)
    want = np.array(
        [
            [
                1.0
                if i == j
                else leg_factor_over(
                    jams, (lat[i], lon[i]), (lat[j], lon[j]), names[i], names[j], NOW, NOW
                )
                for j in range(50)
            ]
            for i in range(50)
        ]
    )
    assert np.array_equal(got, want)
    assert got[3, 9] == 3.0


def test_cached_arcs_equal_a_build_from_scratch() -> None:
    """Over a run of re-plans (new orders, a jam, vehicles moving), the problem gathered
    from the plan's arc cache has exactly the matrices of one computed from scratch:
    great-circle distances of every site pair, free-flow seconds, slowed legs."""
    import copy

    from engine.geo import SpeedProfile, distance_matrix
    from engine.live import Traffic, plan_from_solution
    from engine.live.replan import arcs
    from engine.live.replan.problem import slow
    from engine.live.scenario import advance, city_day, random_new_shipment
    from engine.routing import solve

    sc = city_day(4, 40, seed=2)
    plan = plan_from_solution(solve(sc.problem, time_limit=1.0, seed=0, max_iterations=200))
    rng = np.random.default_rng(2)
    advance(plan, sc.day_start + 3600)
    sizes: list[tuple[int, int]] = []
    for i in range(4):
        t = plan.now + 300
        p, d = random_new_shipment(rng, sc, t, f"N{i}")
        events: list[object] = [NewJob(t, p, d)]
        if i == 1:
            v = next(iter(plan.vehicles.values()))
            jam = Slowdown(1.7, t, t + 7200, area=("circle", v.lat, v.lon, 6_000.0))
            events.append(Traffic(t, jam))
        apply_events(plan, events)  # type: ignore[arg-type]
        advance(plan, t)
        before = forecast(plan)
        deps = {s.job_id: s.departure for f in before.vehicles.values() for s in f.stops}
        rp = build_problem(plan, departures=deps)
        pr = rp.problem
        lat = np.array([s.lat for s in pr.sites])
        lon = np.array([s.lon for s in pr.sites])
        dist = distance_matrix(lat, lon, circuity=plan.circuity)
        durs = np.stack([SpeedProfile.for_type(p).seconds(dist) for p in pr.profiles])
        active = [plan.vehicles[vid] for vid in rp.vehicle_ids]
        slow(plan, active, lat, lon, [s.name for s in pr.sites], durs, deps)
        assert np.array_equal(pr.distance, dist)
        assert np.array_equal(pr.durations, durs)
        # A copy of the plan starts its own cache, with the same result.
        fresh = build_problem(copy.deepcopy(plan), departures=deps)
        assert np.array_equal(fresh.problem.durations, pr.durations)
        cached = arcs._CACHE[id(plan)][1]
        sizes.append((id(cached), cached.n))
    assert len({c for c, _ in sizes}) == 1  # one cache, kept over the re-plans
    assert sizes[-1][1] > sizes[0][1]  # grown by the new orders' sites only
    slowed = pr.durations[0] != SpeedProfile.for_type(pr.profiles[0]).seconds(pr.distance)
    assert slowed.any()


def test_matrix_buffers_are_reused_only_when_no_problem_holds_them() -> None:
    """A re-plan problem still referenced (a result kept by the caller) keeps its matrices:
    the next build writes elsewhere; once it is dropped, its buffer is used again."""
    import gc

    plan = _one_truck_plan()
    first = build_problem(plan)
    kept = first.problem.durations.copy()
    plan.slowdowns.append(Slowdown(3.0, NOW, NOW + 7200, area=("circle", LAT0, LON0, 9_000.0)))
    second = build_problem(plan)
    assert not np.shares_memory(first.problem.durations, second.problem.durations)
    assert np.array_equal(first.problem.durations, kept)  # untouched by the second build
    assert not np.array_equal(second.problem.durations, kept)  # the jam slows it
    base = id(first.problem.durations.base)
    del first
    gc.collect()
    third = build_problem(plan)
    assert id(third.problem.durations.base) == base  # the first build's buffer, free again
    assert np.array_equal(third.problem.durations, second.problem.durations)


def test_routes_left_by_the_last_replan_start_settled() -> None:
    """After a re-plan, the routes it left start the next search settled, except a route
    changed since (a cancellation), a delayed vehicle's and routes a new jam touches."""
    from engine.live import CancelJob, Traffic, VehicleDelayed, plan_from_solution
    from engine.live.replan.arcs import settled_routes
    from engine.live.scenario import advance, city_day
    from engine.routing import solve

    sc = city_day(6, 60, seed=4)
    plan = plan_from_solution(solve(sc.problem, time_limit=1.0, seed=0, max_iterations=200))
    advance(plan, sc.day_start + 3600)
    active = lambda: [v for v in plan.vehicles.values() if v.status == "active"]  # noqa: E731
    assert settled_routes(plan, active()) is None  # nothing known before a re-plan
    replan(plan, seed=0)
    assert settled_routes(plan, active()) == [True] * len(active())
    busy = sorted((v for v in active() if len(v.route) >= 2), key=lambda v: v.vehicle_id)
    cancelled, delayed = busy[0], busy[1]
    t = plan.now + 60
    pending = [j for j in cancelled.route if plan.jobs[j].status == "pending"]
    far = max(active(), key=lambda v: abs(v.lat - delayed.lat) + abs(v.lon - delayed.lon))
    jam = Slowdown(2.0, t, t + 3600, area=("circle", far.lat, far.lon, 300.0))
    apply_events(
        plan,
        [
            CancelJob(t, pending[-1]),
            VehicleDelayed(t, delayed.vehicle_id, 600),
            Traffic(t, jam),
        ],
    )
    flags = settled_routes(plan, active())
    assert flags is not None
    got = dict(zip([v.vehicle_id for v in active()], flags, strict=True))
    assert got[cancelled.vehicle_id] is False
    assert got[delayed.vehicle_id] is False
    assert got[far.vehicle_id] is False  # its first leg leaves from inside the jam
    assert any(got.values())  # the others are still settled
