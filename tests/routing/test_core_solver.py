"""The Rust search core through its typed boundary (``engine.routing.core``).

Every solution is re-checked by ``engine.routing.checker.check`` (the one independent
checker), never by the core's own figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.errors import InvalidInputError
from engine.routing import Model
from engine.routing.checker import check
from engine.routing.core import ProblemData, SearchResult, problem_data, search
from engine.routing.model import Problem


def _solve(problem: Problem, **kw: Any) -> SearchResult:
    kw.setdefault("time_limit", 5.0)
    kw.setdefault("max_iterations", 300)
    return search(problem_data(problem), **kw)


def _random_model(n: int, seed: int, *, windows: bool = False, pairs: bool = False) -> Model:
    rng = np.random.default_rng(seed)
    m = Model(dimensions=("kg", "m3"))
    depot = m.add_depot(x=500, y=500, name="D")
    m.add_vehicle_type(n, capacity=(60, 40), start=depot, name="small", shift=(0, 20_000))
    m.add_vehicle_type(
        3,
        capacity=(120, 80),
        start=depot,
        name="cold",
        skills="cold",
        fixed_cost=200,
        shift=(0, 20_000),
    )
    sites = [m.add_site(x=int(x), y=int(y)) for x, y in rng.integers(0, 1000, (n, 2))]
    if pairs:
        for i in range(0, n - 1, 2):
            a = int(rng.integers(0, 12_000))
            m.add_shipment(
                sites[i],
                sites[i + 1],
                amount=(int(rng.integers(1, 15)), 5),
                pickup_windows=[(a, a + 3000)] if windows else None,
                delivery_windows=[(a, 20_000)] if windows else None,
            )
    else:
        for i, s in enumerate(sites):
            a = int(rng.integers(0, 15_000))
            tw = [(a, a + 2500)] if windows else None
            if windows and i % 7 == 0:
                tw = [(a // 2, a // 2 + 800), (a + 1000, a + 3500)]
            m.add_job(
                s,
                delivery=(int(rng.integers(1, 12)), 3),
                service=int(rng.integers(0, 60)),
                time_windows=tw,
                skills="cold" if i % 9 == 0 else None,
                required=i % 5 != 3,
                penalty=2000,
            )
    return m


@pytest.mark.parametrize(("windows", "pairs"), [(False, False), (True, False), (True, True)])
def test_solutions_pass_the_checker(windows: bool, pairs: bool) -> None:
    """CVRP, VRPTW with several windows and skills, and pickup–delivery all check clean."""
    problem = _random_model(40, 1, windows=windows, pairs=pairs).data()
    out = _solve(problem, seed=3)
    report = check(problem, out.routes)
    assert report.routes_feasible, report.violations
    assert out.feasible == report.feasible
    assert sorted(report.dropped) == out.dropped
    assert out.cost == pytest.approx(report.cost, rel=1e-9)


def test_line_instance_is_solved_optimally() -> None:
    """Four jobs on a line with capacity 10: one out-and-back route of length 80."""
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=0, y=0, name="D")
    m.add_vehicle_type(2, capacity=10, start=depot, name="truck")
    for i in range(1, 5):
        m.add_job(m.add_site(x=10 * i, y=0), delivery=1)
    out = _solve(m.data(), seed=0)
    assert out.feasible
    assert out.distance == 80
    assert len(out.routes) == 1


def test_deterministic_for_seed_and_budget() -> None:
    """Same seed and iteration budget give the same routes."""
    problem = _random_model(30, 2, windows=True).data()
    a = _solve(problem, seed=5, max_iterations=200)
    b = _solve(problem, seed=5, max_iterations=200)
    assert a.routes == b.routes


def test_warm_start_with_fixed_prefix_and_pinned_route() -> None:
    """Fixed prefixes stay at the head of their vehicle's route; a pinned route is unchanged."""
    problem = _random_model(30, 4, windows=True).data()
    first = _solve(problem, seed=1)
    routes = first.routes
    fixed = [min(2, len(js)) for _, js in routes]
    pinned = [i == 0 for i in range(len(routes))]
    out = _solve(problem, seed=2, initial_routes=routes, fixed_prefixes=fixed, pinned=pinned)
    assert check(problem, out.routes).routes_feasible
    assert any(list(js) == list(routes[0][1]) for _, js in out.routes)
    for (k, js), f in zip(routes[1:], fixed[1:], strict=True):
        assert any(kk == k and list(o[:f]) == list(js[:f]) for kk, o in out.routes)
    assert out.cost <= first.cost + 1e-9


def test_unservable_job_is_dropped_not_fatal() -> None:
    """A job heavier than every vehicle is reported dropped; the rest is planned."""
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=0, y=0, name="D")
    m.add_vehicle_type(2, capacity=10, start=depot)
    for i in range(1, 4):
        m.add_job(m.add_site(x=10 * i, y=5), delivery=1)
    m.add_job(m.add_site(x=50, y=0), delivery=50)
    out = _solve(m.data())
    assert not out.feasible
    assert out.dropped == [3]


def test_bad_warm_start_raises_invalid_input() -> None:
    """A job repeated in the warm start is an InvalidInputError."""
    problem = _random_model(10, 0).data()
    with pytest.raises(InvalidInputError):
        _solve(problem, initial_routes=[(0, [1, 1])])


def test_bad_array_shape_raises_invalid_input() -> None:
    """A non-square distance matrix is an InvalidInputError."""
    arrays: dict[str, Any] = dict(_random_model(10, 0).data().to_arrays())
    arrays["distance"] = np.zeros((3, 4), dtype=np.int64)
    with pytest.raises(InvalidInputError):
        ProblemData(**arrays)


def test_amounts_above_32_bits_raise_invalid_input() -> None:
    """Per dimension, deliveries (and pickups) may sum to at most 2**31 - 1 (32-bit loads)."""
    m = Model(dimensions=("kg",))
    depot = m.add_depot(x=0, y=0, name="D")
    m.add_vehicle_type(2, capacity=2**31, start=depot)
    for i in range(1, 3):
        m.add_job(m.add_site(x=10 * i, y=0), delivery=2**30)
    with pytest.raises(InvalidInputError, match="job_delivery"):
        _solve(m.data())


def test_pickup_delivery_with_fixed_costs_restarts_and_checks_clean() -> None:
    """Pairs with vehicle fixed costs (route elimination, restarts after stagnation, pair
    moves in the local search): the solution passes the checker and is reproducible."""
    problem = _random_model(40, 6, windows=True, pairs=True).data()
    a = _solve(problem, seed=4, max_iterations=400)
    b = _solve(problem, seed=4, max_iterations=400)
    assert a.routes == b.routes
    report = check(problem, a.routes)
    assert report.routes_feasible, report.violations
    assert a.feasible == report.feasible
    assert a.cost == pytest.approx(report.cost, rel=1e-9)


def test_delivery_of_a_fixed_pickup_is_inserted() -> None:
    """A pickup held by a fixed prefix whose delivery is in no initial route (a cold
    re-plan from the stops vehicles are driving to): the delivery is planned after it."""
    problem = _random_model(20, 3, pairs=True).data()
    pickups = [j.index for j in problem.jobs if j.pair is not None and j.pickup and any(j.pickup)]
    init = [(0, [pickups[0]]), (0, [pickups[1]])]
    out = _solve(problem, seed=1, initial_routes=init, fixed_prefixes=[1, 1])
    rep = check(problem, out.routes)
    assert rep.feasible, rep.violations[:3]
    for u in pickups[:2]:
        d = problem.jobs[u].pair
        route = next(js for _, js in out.routes if u in js)
        assert route[0] == u
        assert d in route
        assert route.index(d) > 0
