"""Tests of the OR-Tools solver: every feature, checked by the one checker."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InvalidInputError
from engine.routing import Model, check, formats
from engine.routing.ortools_solver import solve_ortools


def _feasible(problem, res) -> None:  # type: ignore[no-untyped-def]
    rep = check(problem, res.routes)
    assert rep.feasible, rep.violations[:5]


@pytest.mark.parametrize("name", ["R101.txt", "RC101.txt"])
def test_first_feasible_solution_on_hard_solomon(data_dir: Path, name: str) -> None:
    """Parallel cheapest insertion finds complete solutions where path-cheapest-arc fails."""
    inst = formats.read(data_dir / name)
    res = solve_ortools(inst.problem, time_limit=2.0)
    _feasible(inst.problem, res)
    assert not res.dropped


def test_plain_mode_is_documented_defaults(data_dir: Path) -> None:
    """OR-Tools' documented defaults find no solution on R101 in a short run."""
    inst = formats.read(data_dir / "R101.txt")
    res = solve_ortools(inst.problem, time_limit=1.0, plain=True)
    assert res.status == "no_solution"
    assert len(res.dropped) == 100


def test_time_limit_stops_the_search(data_dir: Path) -> None:
    """R201 is not solved to optimality in 1.5 s: the limit ends the search with the best
    feasible solution (the wall time against the limit: bench/bench_time_limits.py)."""
    inst = formats.read(data_dir / "R201.txt")
    res = solve_ortools(inst.problem, time_limit=1.5)
    assert res.status == "timeout"
    _feasible(inst.problem, res)


def test_pickup_delivery_pairs(data_dir: Path) -> None:
    inst = formats.read(data_dir / "lc101.txt")
    res = solve_ortools(inst.problem, time_limit=2.0)
    _feasible(inst.problem, res)
    assert len(res.routes) <= 12


def test_cvrp_x_instance(data_dir: Path) -> None:
    inst = formats.read(data_dir / "X-n101-k25.vrp")
    res = solve_ortools(inst.problem, time_limit=2.0)
    _feasible(inst.problem, res)
    assert inst.cost([r for _, r in res.routes]) < 27591 * 1.15


def _rich_model() -> Model:
    """Two depots, heterogeneous fleet, two dimensions, skills, shipments, mixed loads,
    several windows, optional jobs, breaks, max distance."""
    m = Model(dimensions=("kg", "l"))
    d1 = m.add_depot(x=0, y=0, name="D1")
    d2 = m.add_depot(x=100, y=0, name="D2")
    m.add_vehicle_type(
        2,
        capacity=(50, 100),
        start=d1,
        shift=(0, 1000),
        fixed_cost=100,
        breaks=[(100, 300, 20)],
        name="van",
    )
    m.add_vehicle_type(
        1,
        capacity=(100, 60),
        start=d2,
        end=d1,
        skills=["cold"],
        shift=(0, 1000),
        fixed_cost=300,
        cost_per_hour=3600,
        max_distance=800,
        name="reefer",
    )
    sites = [
        m.add_site(x=x, y=y)
        for x, y in [
            (10, 10),
            (20, -10),
            (30, 20),
            (60, 5),
            (80, -20),
            (90, 15),
            (50, 40),
            (40, -30),
        ]
    ]
    m.add_job(sites[0], delivery=(10, 20), time_windows=[(0, 30), (200, 400)], service=5)
    m.add_job(sites[1], pickup=(15, 10), service=5)
    m.add_job(sites[2], delivery=(20, 10), skills="cold", service=5)
    m.add_job(sites[3], delivery=(5, 5), time_windows=[(100, 200)])
    m.add_shipment(sites[4], sites[5], amount=(30, 20), pickup_windows=[(0, 500)])
    m.add_job(sites[6], pickup=(10, 10), required=False, penalty=10_000)
    m.add_job(sites[7], delivery=(1, 1), required=False, penalty=1)
    return m


def test_every_feature_together() -> None:
    p = _rich_model().data()
    res = solve_ortools(p, time_limit=2.0)
    rep = check(p, res.routes)
    assert rep.feasible, rep.violations
    served = {j for _, r in res.routes for j in r}
    assert set(range(7)) <= served  # the required jobs and the high-penalty optional job
    assert 7 in rep.dropped  # not worth a detour at penalty 1
    for k, r in res.routes:
        if 2 in r:
            assert k == 1  # skill "cold"
    assert rep.cost == pytest.approx(res.objective)


def test_mixed_delivery_and_pickup_loads_are_exact() -> None:
    """A pickup then a delivery overloads (start load + pickup): the solver reorders."""
    m = Model()
    d = m.add_depot(x=0, y=0)
    m.add_vehicle_type(1, capacity=10, start=d)
    m.add_job(m.add_site(x=1, y=0), pickup=6)
    m.add_job(m.add_site(x=2, y=0), delivery=6)
    p = m.data()
    res = solve_ortools(p, time_limit=1.0)
    assert [list(r) for _, r in res.routes] == [[1, 0]]
    _feasible(p, res)


def test_warm_start_and_callback(data_dir: Path) -> None:
    inst = formats.read(data_dir / "C101.txt")
    sol = formats.read_sol(data_dir / "C101.sol", inst)
    seen: list[float] = []
    res = solve_ortools(
        inst.problem,
        time_limit=1.0,
        initial_routes=[(0, r) for r in sol],
        on_solution=lambda _t, obj: seen.append(obj),
    )
    _feasible(inst.problem, res)
    assert inst.cost([r for _, r in res.routes]) == pytest.approx(827.3)
    assert seen
    assert seen[-1] == pytest.approx(8273)


def test_breaks_are_taken_within_the_route() -> None:
    """Every used vehicle takes its break inside its window; the checker agrees."""
    m = Model()
    d = m.add_depot(x=0, y=0)
    m.add_vehicle_type(2, capacity=100, start=d, shift=(0, 400), breaks=[(50, 60, 30)])
    for i in range(6):
        m.add_job(
            m.add_site(x=10 + 10 * i, y=5 * (i % 2)),
            delivery=1,
            service=10,
            time_windows=[(0, 300)],
        )
    p = m.data()
    res = solve_ortools(p, time_limit=1.0)
    rep = check(p, res.routes)
    assert rep.feasible, rep.violations
    for r in rep.routes:  # 30 s of break on top of driving and service
        busy = r.distance + 10 * len(r.jobs)
        assert r.arrival - r.departure >= busy + 30


def test_max_distance_splits_routes() -> None:
    m = Model()
    d = m.add_depot(x=0, y=0)
    m.add_vehicle_type(3, capacity=100, start=d, max_distance=120)
    for x in (50, -50, 0):
        m.add_job(m.add_site(x=x, y=10))
    p = m.data()
    res = solve_ortools(p, time_limit=1.0)
    _feasible(p, res)
    assert len(res.routes) >= 2


def _random_problem(seed: int) -> Model:
    """A small random problem mixing every feature but breaks."""
    import numpy as np

    rng = np.random.default_rng(seed)
    m = Model(dimensions=("kg", "l"))
    d1 = m.add_depot(x=50, y=50, name="D1")
    d2 = m.add_depot(x=0, y=100, name="D2")
    m.add_vehicle_type(
        3,
        capacity=(40, 60),
        start=d1,
        shift=(0, 2000),
        fixed_cost=50,
        cost_per_hour=1800,
        name="small",
    )
    m.add_vehicle_type(
        2,
        capacity=(80, 50),
        start=d2,
        end=d1,
        shift=(100, 2500),
        skills=["cold"],
        fixed_cost=120,
        cost_per_km=1500,
        max_duration=1800,
        name="cold",
    )
    sites = [m.add_site(x=int(x), y=int(y)) for x, y in rng.integers(0, 100, (14, 2))]
    for i, s in enumerate(sites[:8]):
        a = int(rng.integers(0, 1200))
        tws = [(a, a + 300)] if i % 2 else [(a, a + 150), (a + 400, a + 700)]
        amount = (int(rng.integers(1, 15)), int(rng.integers(1, 15)))
        m.add_job(
            s,
            delivery=amount if i % 3 else None,
            pickup=None if i % 3 else amount,
            service=int(rng.integers(5, 30)),
            time_windows=tws,
            skills=["cold"] if i == 5 else None,
            required=i != 7,
            penalty=500,
        )
    for i in range(8, 14, 2):
        m.add_shipment(
            sites[i],
            sites[i + 1],
            amount=(int(rng.integers(1, 20)), 5),
            pickup_windows=[(0, 1500)],
            delivery_windows=[(0, 2000)],
            delivery_service=10,
        )
    return m


@pytest.mark.parametrize("seed", range(5))
def test_random_problems_agree_with_the_checker(seed: int) -> None:
    """On random mixed problems every OR-Tools answer is checker-feasible and the
    checker's recomputed objective equals the solver's own."""
    p = _random_problem(seed).data()
    res = solve_ortools(p, time_limit=1.0, seed=seed)
    rep = check(p, res.routes)
    assert rep.feasible, rep.violations
    assert rep.cost == pytest.approx(res.objective)


def test_solution_limit_makes_runs_reproducible(data_dir: Path) -> None:
    """With a solution budget (and a time cap it does not reach) two runs return the same
    routes, and the search stops at the budget."""
    inst = formats.read(data_dir / "R101.txt")
    runs = [
        solve_ortools(inst.problem, time_limit=60.0, seed=3, solution_limit=40) for _ in range(2)
    ]
    assert runs[0].routes == runs[1].routes
    assert runs[0].objective == runs[1].objective
    assert runs[0].status == "solved"
    assert runs[0].solutions <= 40
    _feasible(inst.problem, runs[0])
    with pytest.raises(InvalidInputError) as e:
        solve_ortools(inst.problem, time_limit=1.0, solution_limit=0)
    assert e.value.field == "solution_limit"
