"""Matrix-free routing problems (issue 17 item 2): arcs computed from coordinates.

The core and the lazy Python views must give bit for bit the matrix values, so a search
with a fixed seed and iteration budget returns the same plan in both modes.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import InvalidInputError
from engine.live.scenario import city_day
from engine.routing import Model, solve
from engine.routing.arcs import MATRIX_FREE_ABOVE, CoordinateArcs, LazyDurations, LazyMatrix
from engine.routing.core import problem_data, search
from engine.routing.model import Problem
from engine.routing.xgen import CUSTOMERS, DEMANDS, GRID, x_instance


def _both(build: object) -> tuple[Problem, Problem]:
    """The same generated problem with matrices and matrix-free."""
    import engine.routing.model as model

    dense = build()  # type: ignore[operator]
    old = model.MATRIX_FREE_ABOVE
    model.MATRIX_FREE_ABOVE = 0
    try:
        free = build()  # type: ignore[operator]
    finally:
        model.MATRIX_FREE_ABOVE = old
    assert not dense.matrix_free
    assert free.matrix_free
    return dense, free


def _city() -> Problem:
    return city_day(6, 70, seed=3).problem


def _planar() -> Problem:
    return x_instance(60, depot="C", customers="RC", demand="1-100", seed=4).problem


@pytest.mark.parametrize("build", [_city, _planar], ids=["city", "planar"])
def test_lazy_views_equal_the_matrices(build: object) -> None:
    dense, free = _both(build)
    assert isinstance(free.distance, LazyMatrix)
    assert isinstance(free.durations, LazyDurations)
    n = dense.num_locations
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    assert np.array_equal(free.distance[a, b], dense.distance)
    assert np.array_equal(np.asarray(free.durations), dense.durations)
    assert int(free.distance[3, 5]) == int(dense.distance[3, 5])
    assert int(free.travel(0)[5, 3]) == int(dense.travel(0)[5, 3])
    assert "distance" not in free.to_arrays()


@pytest.mark.parametrize("build", [_city, _planar], ids=["city", "planar"])
def test_search_is_identical_in_both_modes(build: object) -> None:
    dense, free = _both(build)
    dd, df = problem_data(dense), problem_data(free)
    assert df.matrix_free
    assert not dd.matrix_free
    runs = [search(d, time_limit=300, seed=7, max_iterations=150) for d in (dd, df)]
    assert runs[0].cost == runs[1].cost
    assert runs[0].routes == runs[1].routes
    s0 = solve(dense, time_limit=300, seed=1, max_iterations=100, solver="core")
    s1 = solve(free, time_limit=300, seed=1, max_iterations=100, solver="core")
    assert s0.cost == s1.cost
    assert s1.route_jobs() == s0.route_jobs()
    assert s1.distance == s0.distance


def test_mode_is_chosen_by_size_or_option(monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.routing.model as model

    assert model.MATRIX_FREE_ABOVE == MATRIX_FREE_ABOVE
    monkeypatch.setattr(model, "MATRIX_FREE_ABOVE", 40)
    m = Model()
    d = m.add_depot(lat=31.2, lon=121.4, name="d")
    m.add_vehicle_type(2, capacity=10, start=d)
    rng = np.random.default_rng(0)
    for i in range(40):
        s = m.add_site(lat=31.2 + rng.random() * 0.1, lon=121.4 + rng.random() * 0.1)
        if i < 3:
            m.add_job(s, delivery=1)
    assert m.data().matrix_free  # threshold + 1 sites
    assert not m.data(matrix_free=False).matrix_free
    small = Model()
    sd = small.add_depot(lat=31.2, lon=121.4)
    small.add_vehicle_type(1, capacity=5, start=sd)
    small.add_job(small.add_site(lat=31.3, lon=121.5), delivery=1)
    assert not small.data().matrix_free
    assert small.data(matrix_free=True).matrix_free
    small.set_matrix([[0, 5], [5, 0]])
    assert not small.data().matrix_free
    with pytest.raises(InvalidInputError) as e:
        small.data(matrix_free=True)
    assert e.value.field == "matrix_free"


def test_invalid_coordinates_name_the_field() -> None:
    pts = np.array([[31.0, 121.0], [95.0, 121.0]])
    with pytest.raises(InvalidInputError) as e:
        CoordinateArcs("haversine", pts, 1.3, np.array([[30.0, 60.0, 5000.0]]))
    assert e.value.field == "coordinates"
    with pytest.raises(InvalidInputError) as e:
        CoordinateArcs("euclidean", np.array([[0.0, np.nan]]), 1.0, np.zeros((1, 3)))
    assert e.value.field == "coordinates"
    with pytest.raises(InvalidInputError) as e:
        CoordinateArcs("haversine", pts[:1], 0.5, np.array([[30.0, 60.0, 5000.0]]))
    assert e.value.field == "circuity"
    with pytest.raises(InvalidInputError) as e:
        CoordinateArcs("manhattan", pts[:1], 1.0, np.zeros((1, 3)))
    assert e.value.field == "metric"
    # The core checks the same when given arrays directly.
    free = _both(_city)[1]
    a = free.to_arrays()
    kw = {k: v for k, v in a.items() if k not in ("coordinates", "speed_profiles")}
    from engine._core import ProblemData

    bad = np.array(a["coordinates"])
    bad[4, 1] = 200.0
    for coords, sp, metric, field in (
        (bad, a["speed_profiles"], "haversine", "coordinates"),
        (a["coordinates"], a["speed_profiles"], "taxicab", "metric"),
        (a["coordinates"], np.array([[0.0, 60.0, 100.0]]), "haversine", "urban_kmh"),
        # L is the number of points: a missing one leaves a job location out of range.
        (a["coordinates"][:-1], a["speed_profiles"], "haversine", "job_location"),
    ):
        with pytest.raises(InvalidInputError) as e:
            ProblemData(**kw, coordinates=coords, metric=metric, circuity=1.3, speed_profiles=sp)
        assert e.value.field == field
    with pytest.raises(InvalidInputError) as e:
        ProblemData(**kw, coordinates=a["coordinates"], metric="haversine", circuity=1.3)
    assert e.value.field == "speed_profiles"


def test_dense_fallback_is_guarded() -> None:
    import engine.routing.arcs as arcs

    free = _both(_planar)[1]
    assert free.distance[np.arange(5)].shape == (5, free.num_locations)
    old = arcs.MAX_DENSE_CELLS
    arcs.MAX_DENSE_CELLS = 10
    try:
        with pytest.raises(InvalidInputError) as e:
            np.asarray(free.distance)
        assert e.value.field == "matrix"
    finally:
        arcs.MAX_DENSE_CELLS = old


# ---- the X-style generator ----------------------------------------------------------------
def test_x_generator_depot_positions_and_grid() -> None:
    c = x_instance(50, depot="C", customers="R", demand="U", seed=1)
    e = x_instance(50, depot="E", customers="R", demand="U", seed=1)
    r = x_instance(50, depot="R", customers="R", demand="U", seed=1)
    assert tuple(c.xy[0]) == (500, 500)
    assert tuple(e.xy[0]) == (0, 0)
    for inst in (c, e, r):
        assert inst.xy.min() >= 0
        assert inst.xy.max() <= GRID
        assert len({tuple(p) for p in inst.xy.tolist()}) == 51  # no two points coincide
        assert inst.problem.num_jobs == 50
    assert np.array_equal(x_instance(50, seed=9).xy, x_instance(50, seed=9).xy)
    assert not np.array_equal(x_instance(50, seed=9).xy, x_instance(50, seed=10).xy)


def test_x_generator_demand_rules() -> None:
    n = 400
    get = {k: x_instance(n, customers="R", demand=k, seed=2) for k in DEMANDS}
    assert (get["U"].demand[1:] == 1).all()
    for k, (lo, hi) in {
        "1-10": (1, 10),
        "5-10": (5, 10),
        "1-100": (1, 100),
        "50-100": (50, 100),
    }.items():
        d = get[k].demand[1:]
        assert d.min() >= lo
        assert d.max() <= hi
        assert d.min() <= lo + 2  # the whole range is used
        assert d.max() >= hi - 2
    q = get["Q"]
    x, y = q.xy[1:, 0], q.xy[1:, 1]
    odd = ((x >= 500) & (y >= 500)) | ((x < 500) & (y < 500))
    assert (q.demand[1:][odd] >= 51).all()
    assert (q.demand[1:][~odd] <= 50).all()
    sl = get["SL"].demand[1:]
    small = sl <= 10
    assert ((sl <= 10) | (sl >= 50)).all()
    assert 0.6 <= small.mean() <= 0.98
    for inst in get.values():
        d = inst.demand
        assert inst.capacity >= max(int(np.ceil(inst.route_size * d.sum() / n)), d.max())
        assert 3 <= inst.route_size <= 25
        assert inst.capacity >= d.max()


def test_x_generator_clusters() -> None:
    rnd = x_instance(300, customers="R", demand="U", seed=3)
    clu = x_instance(300, customers="C", demand="U", seed=3)
    mix = x_instance(300, customers="RC", demand="U", seed=3)
    assert rnd.seeds == ()
    assert 3 <= len(clu.seeds) <= 8
    assert 3 <= len(mix.seeds) <= 8

    def to_seed(inst: object, rows: slice) -> float:
        """Median distance from the customers ``rows`` to their nearest seed."""
        xy = inst.xy[rows].astype(float)  # type: ignore[attr-defined]
        s = inst.xy[list(inst.seeds)].astype(float)  # type: ignore[attr-defined]
        d = np.hypot(xy[:, None, 0] - s[None, :, 0], xy[:, None, 1] - s[None, :, 1])
        return float(np.median(d.min(axis=1)))

    # Clustered customers lie near a seed (acceptance Σ exp(-d/40)); random ones do not.
    assert to_seed(clu, slice(1, None)) < 80
    assert to_seed(mix, slice(1, 151)) < 80
    assert to_seed(mix, slice(151, None)) > 150
    assert set(CUSTOMERS) == {"R", "C", "RC"}
    with pytest.raises(InvalidInputError) as e:
        x_instance(10, customers="Z")
    assert e.value.field == "customers"


def test_x_instance_round_trips_through_vrplib(tmp_path: object) -> None:
    from pathlib import Path

    from engine.routing.formats import read_vrplib

    inst = x_instance(40, depot="E", customers="C", demand="Q", seed=5)
    path = inst.write_vrplib(Path(str(tmp_path)) / "x.vrp")
    back = read_vrplib(path)
    assert np.array_equal(back.problem.distance, inst.problem.distance)
    assert [j.delivery for j in back.problem.jobs] == [j.delivery for j in inst.problem.jobs]
    assert back.problem.vehicle_types[0].capacity == (inst.capacity,)


def test_fast_start_routes_are_feasible(monkeypatch: pytest.MonkeyPatch) -> None:
    """The nearest-neighbour start of large problems: feasible, disjoint routes that the
    search completes (pickup–delivery pairs are left to it)."""
    import importlib

    from engine.routing import check

    solve_mod = importlib.import_module("engine.routing.solve")

    free = _both(_city)[1]
    data = problem_data(free)
    routes = data.nearest_neighbour_routes()
    jobs = [j for _, r in routes for j in r]
    assert len(jobs) == len(set(jobs))
    assert all(free.jobs[j].pair is None for j in jobs)
    assert len(jobs) >= 0.8 * sum(1 for j in free.jobs if j.pair is None)
    rep = check(free, routes)
    assert rep.routes_feasible, rep.violations[:3]
    monkeypatch.setattr(solve_mod, "FAST_START_ABOVE", 10)
    sol = solve(free, time_limit=300, seed=2, max_iterations=50, solver="core")
    assert sol.complete
    assert check(free, sol.route_jobs()).feasible


def test_cluster_subproblem_stays_matrix_free() -> None:
    """A part of a matrix-free problem (cluster mode) keeps coordinates, same arcs."""
    from engine.cluster.routing import subproblem

    dense, free = _both(_city)
    jobs = [j.index for j in dense.jobs if j.pair is None][:20]
    sd, sf = subproblem(dense, jobs), subproblem(free, jobs)
    assert sf.matrix_free
    assert not sd.matrix_free
    assert np.array_equal(np.asarray(sf.distance), sd.distance)
    assert np.array_equal(np.asarray(sf.durations), sd.durations)


def test_large_vrplib_file_is_read_matrix_free(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large EUC_2D file is read without building its matrix, same rounded distances."""
    from pathlib import Path

    import engine.routing.model as model
    from engine.routing.formats import read_vrplib

    inst = x_instance(80, depot="C", customers="RC", demand="SL", seed=6)
    path = inst.write_vrplib(Path(str(tmp_path)) / "x.vrp")
    dense = read_vrplib(path)
    monkeypatch.setattr(model, "MATRIX_FREE_ABOVE", 50)
    free = read_vrplib(path)
    assert free.problem.matrix_free
    assert not dense.problem.matrix_free
    assert free.problem.arcs is not None
    assert free.problem.arcs.metric == "euclidean_half_up"
    xy = inst.xy.astype(float)
    e = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    assert np.array_equal(np.asarray(free.problem.distance), np.floor(e + 0.5))
    assert np.array_equal(np.asarray(free.problem.distance), dense.problem.distance)
