"""The Matcher on the bundled sample world: recommendations both ways, filters,
explanations, dispatch, incremental profiles and bad input."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from engine.data.loaders import World
from engine.data.sample import load_sample
from engine.data.schemas import VEHICLE_TYPES
from engine.errors import InvalidInputError, NotFoundError
from engine.matching import PAIR_COLUMNS, Matcher, MatchParams, MatchWeights


@pytest.fixture(scope="module")
def world() -> World:
    return load_sample()


@pytest.fixture(scope="module")
def matcher(world: World) -> Matcher:
    return Matcher.from_world(world)


def _joined(world: World, recs: pl.DataFrame) -> pl.DataFrame:
    return recs.join(world.loads, on="load_id").join(world.vehicles, on="vehicle_id")


def test_recommend_vehicles_shape_order_and_components(matcher: Matcher, world: World) -> None:
    """Top-k vehicles for a load: k rows, best first, contributions sum to the score."""
    load_id = int(world.loads["load_id"][3])
    recs = matcher.recommend_vehicles(load_id, k=7)
    assert tuple(recs.columns) == PAIR_COLUMNS
    assert 0 < recs.height <= 7
    assert recs["rank"].to_list() == list(range(1, recs.height + 1))
    assert (recs["load_id"] == load_id).all()
    assert recs["score"].is_sorted(descending=True)
    c = matcher.weights.contributions(recs)
    total = c.select(pl.sum_horizontal(pl.col("^c_.*$"))).to_series()
    np.testing.assert_allclose(total.to_numpy(), recs["score"].to_numpy(), atol=1e-9)


def test_hard_filters_hold_for_every_recommendation(matcher: Matcher, world: World) -> None:
    """Batch top-k obeys status, type, capacity, deadhead and time windows."""
    recs = matcher.recommend_vehicles_batch(k=10)
    assert recs.height > world.loads.height  # most loads get several vehicles
    j = _joined(world, recs)
    assert (j["status"] != "offline").all()
    assert (j["weight_kg"] <= j["capacity_kg"]).all()
    assert (j["volume_l"] <= j["capacity_l"]).all()
    accepted = j.select(
        (pl.col("vehicle_types").list.len() == 0)
        | pl.col("vehicle_types").list.contains(pl.col("vehicle_type"))
    ).to_series()
    assert accepted.all()
    assert (j["deadhead_m"] <= matcher.params.max_deadhead_km * 1000).all()
    assert (j["arrival_at"] <= j["pickup_end"]).all()
    assert (j["arrival_at"] >= j["available_from"]).all()
    # Ranks restart per load and scores are sorted within each load.
    per_load = recs.group_by("load_id").agg(
        pl.col("rank").min().alias("first"), pl.col("score").is_sorted(descending=True)
    )
    assert (per_load["first"] == 1).all()


def test_batch_equals_single(matcher: Matcher, world: World) -> None:
    """The batch form returns exactly what single-load calls return."""
    batch = matcher.recommend_vehicles_batch(k=5)
    for load_id in world.loads["load_id"].head(25).to_list():
        single = matcher.recommend_vehicles(int(load_id), k=5)
        assert single.equals(batch.filter(pl.col("load_id") == load_id))


def test_recommend_vehicles_accepts_a_row(matcher: Matcher, world: World) -> None:
    """A load given as a mapping or a one-row frame scores like its id."""
    row = world.loads.row(10, named=True)
    by_id = matcher.recommend_vehicles(int(row["load_id"]), k=5)
    by_row = matcher.recommend_vehicles(row, k=5)
    by_frame = matcher.recommend_vehicles(world.loads.slice(10, 1), k=5)
    assert by_id.equals(by_row)
    assert by_id.equals(by_frame)


def test_recommend_loads_matches_explain(matcher: Matcher, world: World) -> None:
    """Loads pushed to a driver carry the same components as explain() of the pair."""
    vid = int(world.vehicles.filter(pl.col("status") == "idle")["vehicle_id"][0])
    recs = matcher.recommend_loads(vid, k=5)
    assert 0 < recs.height <= 5
    assert (recs["vehicle_id"] == vid).all()
    assert recs["score"].is_sorted(descending=True)
    for r in recs.iter_rows(named=True):
        e = matcher.explain(vid, int(r["load_id"]))
        assert e["feasible"]
        for col in ("score", "expertise", "backhaul", "utilization", "price_margin"):
            assert math.isclose(e[col], r[col], rel_tol=1e-9, abs_tol=1e-12)
        assert e["deadhead_m"] == r["deadhead_m"]


def test_two_way_consistency(matcher: Matcher, world: World) -> None:
    """A vehicle recommended for a load scores the same from the vehicle's side."""
    recs = matcher.recommend_vehicles_batch(k=3).head(200)
    for r in recs.iter_rows(named=True):
        other = matcher.recommend_loads(int(r["vehicle_id"]), k=2000)
        hit = other.filter(pl.col("load_id") == r["load_id"])
        assert hit.height == 1
        assert math.isclose(hit["score"][0], r["score"], rel_tol=1e-9, abs_tol=1e-12)


def test_explain_reports_reasons(matcher: Matcher, world: World) -> None:
    """Infeasible pairs say why: offline, type, capacity, distance or time."""
    offline = int(world.vehicles.filter(pl.col("status") == "offline")["vehicle_id"][0])
    load_id = int(world.loads["load_id"][0])
    e = matcher.explain(offline, load_id)
    assert not e["feasible"]
    assert "offline" in e["reason"]
    assert isinstance(e["lanes"], pl.DataFrame)
    # A van cannot take a load heavier than any van.
    van = world.vehicles.filter((pl.col("vehicle_type") == "van") & (pl.col("status") == "idle"))
    heavy = world.loads.filter(pl.col("weight_kg") > van["capacity_kg"].max())
    e = matcher.explain(int(van["vehicle_id"][0]), int(heavy["load_id"][0]))
    assert not e["feasible"]
    assert ("capacity" in e["reason"]) or ("type" in e["reason"])


def test_cold_start_vehicle_has_zero_expertise(world: World) -> None:
    """A vehicle without history is recommended with expertise 0 and a neutral rating prior."""
    trips = world.trips
    active = trips["vehicle_id"].unique()
    cold = world.vehicles.filter(~pl.col("vehicle_id").is_in(active.implode()))
    assert cold.height > 0
    v = cold.with_columns(rating_count=pl.lit(0, dtype=pl.Int64), rating=pl.lit(0.0))
    vehicles = pl.concat([world.vehicles.filter(pl.col("vehicle_id").is_in(active.implode())), v])
    m = Matcher(vehicles, trips, now=world.now, loads=world.loads)
    cold_ids = set(cold["vehicle_id"].to_list())
    recs = m.recommend_vehicles_batch(k=50)
    cold_recs = recs.filter(pl.col("vehicle_id").is_in(list(cold_ids)))
    assert cold_recs.height > 0
    assert (cold_recs["expertise"] == 0).all()
    assert (cold_recs["rating_vs_prior"] == 0).all()
    assert m.vehicle_lanes(next(iter(cold_ids))).height == 0


def test_expertise_rewards_habitual_lanes(matcher: Matcher, world: World) -> None:
    """A vehicle scores high expertise on its own most frequent lane, and less on a
    lane whose destination is elsewhere."""
    summary = matcher.profile_summary().sort("trips", descending=True)
    checked = 0
    for vid in summary["vehicle_id"].head(200).to_list():
        lane = matcher.vehicle_lanes(int(vid), top=1).row(0, named=True)
        load = world.loads.row(0, named=True) | {
            "origin_lat": lane["origin_lat"],
            "origin_lon": lane["origin_lon"],
            "dest_lat": lane["dest_lat"],
            "dest_lon": lane["dest_lon"],
            "vehicle_types": [],
            "weight_kg": 100,
            "volume_l": 100,
            "pickup_end": world.now + 10 * 86_400,
            "delivery_deadline": world.now + 20 * 86_400,
        }
        e = matcher.explain(int(vid), load)
        if not e["feasible"]:  # offline or too far from its lane's origin today
            continue
        assert e["expertise"] > 0.5
        elsewhere = load | {"dest_lat": lane["dest_lat"] + 2.0, "dest_lon": lane["dest_lon"] + 2.0}
        assert matcher.explain(int(vid), elsewhere)["expertise"] < e["expertise"]
        checked += 1
    assert checked >= 10


def test_dispatch_optimal_vs_baselines(matcher: Matcher, world: World) -> None:
    """Optimal dispatch is one-to-one, positive, and beats greedy on total score."""
    r = matcher.dispatch()
    a = r.assignments
    assert a.height > 0
    assert a["vehicle_id"].is_unique().all()
    assert a["load_id"].is_unique().all()
    assert (a["score"] > 0).all()
    g = r.baselines["greedy"]
    assert a["score"].sum() >= g["score"].sum() - 1e-6
    cmp = r.comparison()
    assert cmp["method"].to_list() == [
        "nearest available (FCFS)",
        "greedy best-score",
        "optimal (fill)",
        "optimal (score)",
    ]
    assert "optimal (score)" in r.summary()
    d = matcher.dispatch(objective="deadhead", baselines=False)
    assert d.assignments.height >= a.height  # max-cardinality first
    assert d.baselines == {}


def test_fill_dispatch_matches_most_loads_then_best_score(matcher: Matcher) -> None:
    """The fill objective matches at least as many loads as every other method (here
    strictly more than the score optimum and nearest-available), one-to-one, and its
    score equals the score optimum's run as its side-by-side baseline."""
    r = matcher.dispatch(objective="fill", candidates=10_000)
    a = r.assignments
    assert a["vehicle_id"].is_unique().all()
    assert a["load_id"].is_unique().all()
    deadhead = matcher.dispatch(objective="deadhead", candidates=10_000, baselines=False)
    assert a.height == deadhead.assignments.height  # both are maximum matchings
    assert a["score"].sum() >= deadhead.assignments["score"].sum() - 1e-6
    for name in ("nearest", "greedy", "optimal:score"):
        assert a.height >= r.baselines[name].height, name
    assert a.height > r.baselines["optimal:score"].height
    assert a.height > r.baselines["nearest"].height
    assert r.comparison()["method"].to_list()[-1] == "optimal (fill)"


def test_add_trips_updates_profiles(world: World) -> None:
    """Adding the second half of the history incrementally equals building on all of it."""
    trips = world.trips.sort("completed_at")
    half = trips.height // 2
    full = Matcher(world.vehicles, trips, now=world.now, loads=world.loads)
    inc = Matcher(world.vehicles, trips.head(half), now=world.now, loads=world.loads)
    before = inc.recommend_vehicles_batch(k=5)
    inc.add_trips(trips.tail(trips.height - half))
    after = inc.recommend_vehicles_batch(k=5)
    ref = full.recommend_vehicles_batch(k=5)
    assert not before.equals(after)
    np.testing.assert_allclose(after["score"].to_numpy(), ref["score"].to_numpy(), atol=1e-6)
    assert (after["vehicle_id"] == ref["vehicle_id"]).mean() > 0.99


def test_weights_change_the_ranking(matcher: Matcher, world: World) -> None:
    """Deadhead-only weights rank by distance; setting weights back restores the ranking."""
    load_id = int(world.loads["load_id"][5])
    base = matcher.recommend_vehicles(load_id, k=10)
    m2 = Matcher.from_world(world, weights=MatchWeights(0, 0, 1, 0, 0, 0), params=matcher.params)
    dh = m2.recommend_vehicles(load_id, k=10)
    assert dh["deadhead_m"].is_sorted()
    m2.set_weights(matcher.weights)
    assert m2.recommend_vehicles(load_id, k=10).equals(base)


def test_update_vehicles_moves_the_fleet(world: World) -> None:
    """Moving every vehicle far away leaves a load without candidates."""
    m = Matcher.from_world(world)
    load_id = int(world.loads["load_id"][0])
    assert m.recommend_vehicles(load_id, k=5).height > 0
    moved = world.vehicles.with_columns(lat=pl.lit(20.0), lon=pl.lit(75.0))
    m.update_vehicles(moved.reverse())
    assert m.recommend_vehicles(load_id, k=5).height == 0


# --- bad input ---------------------------------------------------------------------------


def test_unknown_ids_raise_not_found(matcher: Matcher) -> None:
    with pytest.raises(NotFoundError, match="vehicle_id 999999"):
        matcher.recommend_loads(999_999)
    with pytest.raises(NotFoundError, match="load_id 888888"):
        matcher.recommend_vehicles(888_888)
    with pytest.raises(NotFoundError, match="vehicle_id 777777"):
        matcher.explain(777_777, 1)
    with pytest.raises(NotFoundError, match="vehicle_id 666666"):
        matcher.recommend_loads_batch([1, 666_666])


def test_empty_sets_raise_invalid_input(world: World, matcher: Matcher) -> None:
    with pytest.raises(InvalidInputError, match="vehicles"):
        Matcher(world.vehicles.head(0), world.trips.head(0))
    with pytest.raises(InvalidInputError, match="loads"):
        matcher.recommend_vehicles_batch(world.loads.head(0))
    with pytest.raises(InvalidInputError, match="loads"):
        matcher.dispatch(world.loads.head(0))
    with pytest.raises(InvalidInputError, match="vehicle_ids"):
        matcher.recommend_loads_batch([])


@pytest.mark.parametrize("k", [0, -3, True, 2.5])
def test_bad_k(matcher: Matcher, k: object) -> None:
    with pytest.raises(InvalidInputError, match="k"):
        matcher.recommend_vehicles(1, k=k)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="k"):
        matcher.recommend_loads(1, k=k)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["expertise", "deadhead_per_100km", "price"])
def test_nan_and_negative_weights(field: str) -> None:
    with pytest.raises(InvalidInputError, match=f"weights.{field}"):
        MatchWeights(**{field: float("nan")})
    with pytest.raises(InvalidInputError, match=f"weights.{field}"):
        MatchWeights(**{field: -1.0})
    with pytest.raises(InvalidInputError, match=f"weights.{field}"):
        MatchWeights(**{field: float("inf")})


def test_bad_params() -> None:
    with pytest.raises(InvalidInputError, match="half_life_days"):
        MatchParams(half_life_days=0)
    with pytest.raises(InvalidInputError, match="circuity"):
        MatchParams(circuity=0.5)
    with pytest.raises(InvalidInputError, match="dispatch_candidates"):
        MatchParams(dispatch_candidates=0)


def test_trip_of_unknown_vehicle(world: World) -> None:
    bad = world.trips.head(3).with_columns(vehicle_id=pl.lit(123_456_789, dtype=pl.Int64))
    with pytest.raises(InvalidInputError, match=r"trips\.vehicle_id"):
        Matcher(world.vehicles, bad)


def test_bad_objective_and_loads(matcher: Matcher, world: World) -> None:
    with pytest.raises(InvalidInputError, match="objective"):
        matcher.dispatch(objective="fastest")
    bad = world.loads.head(5).with_columns(vehicle_types=pl.lit(["spaceship"]))
    with pytest.raises(InvalidInputError, match="vehicle_types"):
        matcher.recommend_vehicles_batch(bad)
    m = Matcher(world.vehicles, world.trips)
    with pytest.raises(InvalidInputError, match="loads"):
        m.recommend_vehicles(1)


def test_vehicle_types_bitmask_covers_every_type(matcher: Matcher, world: World) -> None:
    """A load restricted to one type only gets vehicles of that type."""
    for t in VEHICLE_TYPES:
        load = world.loads.slice(0, 1).with_columns(
            vehicle_types=pl.lit([t], dtype=pl.List(pl.String)),
            weight_kg=pl.lit(10, dtype=pl.Int64),
            volume_l=pl.lit(10, dtype=pl.Int64),
        )
        recs = matcher.recommend_vehicles(load, k=20)
        types = recs.join(world.vehicles, on="vehicle_id")["vehicle_type"].unique().to_list()
        assert types in ([], [t])


# --- the lean per-request path ------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 7, 40])
def test_vehicle_rows_equal_the_frame_path(matcher: Matcher, world: World, k: int) -> None:
    """``recommend_vehicle_rows`` returns, for every load, exactly the rows of the
    ``recommend_vehicles`` frame: same vehicles, ranks and component values."""
    nonempty = 0
    for load_id in world.loads["load_id"].to_list():
        lean = matcher.recommend_vehicle_rows(load_id, k=k)
        frame = matcher.recommend_vehicles(load_id, k=k)
        assert lean == frame.rows(), load_id
        nonempty += bool(lean)
    assert nonempty > world.loads.height // 2  # most loads have candidates


@pytest.mark.parametrize("k", [1, 10])
def test_load_rows_equal_the_frame_path(matcher: Matcher, world: World, k: int) -> None:
    """``recommend_load_rows`` returns, for every vehicle, exactly the rows of the
    ``recommend_loads`` frame."""
    nonempty = 0
    for vehicle_id in world.vehicles["vehicle_id"].to_list():
        lean = matcher.recommend_load_rows(vehicle_id, k=k)
        assert lean == matcher.recommend_loads(vehicle_id, k=k).rows(), vehicle_id
        nonempty += bool(lean)
    assert nonempty > world.vehicles.height // 2


def test_rows_follow_updates_and_explicit_loads(world: World) -> None:
    """The lean path sees fleet updates (its reused scratch stays valid) and an explicit
    loads table, like the frame path."""
    m = Matcher.from_world(world)
    ids = world.loads["load_id"].head(50).to_list()
    before = [m.recommend_vehicle_rows(i, k=5) for i in ids]
    moved = world.vehicles.with_columns(lat=pl.col("lat") + 0.05, rating=pl.lit(5.0))
    m.update_vehicles(moved.reverse())
    after = [m.recommend_vehicle_rows(i, k=5) for i in ids]
    assert after != before
    for i, rows in zip(ids, after, strict=True):
        assert rows == m.recommend_vehicles(i, k=5).rows()
    sub = world.loads.tail(30)
    for i in sub["load_id"].to_list():
        assert m.recommend_vehicle_rows(i, k=3, loads=sub) == (
            m.recommend_vehicles(i, k=3, loads=sub).rows()
        )
    with pytest.raises(NotFoundError, match="load_id"):
        m.recommend_vehicle_rows(ids[0], k=3, loads=sub)


def test_rows_from_many_threads(matcher: Matcher, world: World) -> None:
    """Concurrent lean calls (each with its own scratch from the pool) return what
    sequential calls return."""
    from concurrent.futures import ThreadPoolExecutor

    ids = world.loads["load_id"].to_list()[:400]
    expected = [matcher.recommend_vehicle_rows(i, k=10) for i in ids]
    with ThreadPoolExecutor(8) as ex:
        for _ in range(3):
            got = list(ex.map(lambda i: matcher.recommend_vehicle_rows(i, k=10), ids))
            assert got == expected


def test_rows_bad_input(matcher: Matcher) -> None:
    """Unknown ids, bad ``k`` and non-integer ids raise the engine's errors."""
    with pytest.raises(NotFoundError, match="load_id 888888"):
        matcher.recommend_vehicle_rows(888_888)
    with pytest.raises(NotFoundError, match="vehicle_id 999999"):
        matcher.recommend_load_rows(999_999)
    for k in (0, -1, True):
        with pytest.raises(InvalidInputError, match="k"):
            matcher.recommend_vehicle_rows(1, k=k)
        with pytest.raises(InvalidInputError, match="k"):
            matcher.recommend_load_rows(1, k=k)
    with pytest.raises(InvalidInputError, match="load_id"):
        matcher.recommend_vehicle_rows(True)
    with pytest.raises(InvalidInputError, match="vehicle_id"):
        matcher.recommend_load_rows("7")  # type: ignore[arg-type]
