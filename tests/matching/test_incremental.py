"""Copy-on-write matcher updates: the same rankings as a matcher built from scratch over
the final fleet and history, and the original matcher left as it was."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from engine.data.generator import generate_world
from engine.errors import InvalidInputError
from engine.matching.matcher import Matcher


def _same_rankings(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a["load_id"].to_list() == b["load_id"].to_list()
    assert a["vehicle_id"].to_list() == b["vehicle_id"].to_list()
    np.testing.assert_allclose(a["score"].to_numpy(), b["score"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(a["expertise"].to_numpy(), b["expertise"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(a["backhaul"].to_numpy(), b["backhaul"].to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_incremental_updates_rank_like_a_full_build(seed: int) -> None:
    """Moves, status changes, new vehicles with their own trips and a day of new trips,
    applied step by step, rank every load's vehicles as a full build over the result."""
    w = generate_world(240, 12_000, 120, seed=seed, n_cities=30, history_days=30)
    rng = np.random.default_rng(seed)
    trips = w.trips.sort("completed_at")
    cut = int(trips["completed_at"].max()) - 86_400  # type: ignore[arg-type]
    history, day = (
        trips.filter(pl.col("completed_at") <= cut),
        trips.filter(pl.col("completed_at") > cut),
    )
    joining = w.vehicles.tail(20)["vehicle_id"]  # join later, with their own history
    base_v = w.vehicles.head(220)
    base_t = history.filter(~pl.col("vehicle_id").is_in(joining.implode()))
    own_t = history.filter(pl.col("vehicle_id").is_in(joining.implode()))
    day = day.filter(pl.col("vehicle_id").is_in(base_v["vehicle_id"].implode()))

    m0 = Matcher(base_v, base_t, loads=w.loads)
    before = m0.recommend_vehicles_batch(k=10)
    movers = base_v.sample(15, seed=seed).with_columns(
        lat=pl.col("lat") + pl.Series(rng.normal(0, 0.3, 15)),
        lon=pl.col("lon") + pl.Series(rng.normal(0, 0.3, 15)),
        status=pl.lit("offline") if seed % 2 else pl.col("status"),
    )
    m1 = m0.with_vehicles(movers)
    # two waves of joining vehicles: the second takes the profiles' spare slots
    first, second = w.vehicles.tail(20).head(10), w.vehicles.tail(10)
    first_t = own_t.filter(pl.col("vehicle_id").is_in(first["vehicle_id"].implode()))
    second_t = own_t.filter(pl.col("vehicle_id").is_in(second["vehicle_id"].implode()))
    m2 = m1.with_vehicles(first, first_t).with_vehicles(second, second_t)
    m3 = m2.with_trips(day)
    final_v = base_v.update(movers, on="vehicle_id", include_nulls=True)
    final_v = pl.concat([final_v, w.vehicles.tail(20)])
    full = Matcher(final_v, pl.concat([base_t, own_t, day]), loads=w.loads)
    assert m3.vehicles["vehicle_id"].to_list() == final_v["vehicle_id"].to_list()
    _same_rankings(m3.recommend_vehicles_batch(k=10), full.recommend_vehicles_batch(k=10))
    # vehicle -> loads as well, for a new vehicle and a moved one
    for vid in (int(joining[0]), int(movers["vehicle_id"][0])):
        _same_rankings(m3.recommend_loads(vid, k=10), full.recommend_loads(vid, k=10))
    assert m3.profile_summary()["trips"].to_list() == full.profile_summary()["trips"].to_list()
    # the matchers the updates started from answer as before
    _same_rankings(m0.recommend_vehicles_batch(k=10), before)


def test_with_vehicles_rejects_bad_input() -> None:
    """Repeated ids and trips of vehicles that are not new are refused with the field."""
    w = generate_world(50, 1_000, 20, seed=5, n_cities=30)
    m = Matcher.from_world(w)
    v = w.vehicles.head(2)
    with pytest.raises(InvalidInputError, match="vehicle_id"):
        m.with_vehicles(pl.concat([v, v]))
    with pytest.raises(InvalidInputError, match=r"trips\.vehicle_id"):
        m.with_vehicles(v, w.trips.head(3))
    with pytest.raises(InvalidInputError, match=r"trips\.vehicle_id"):
        m.with_trips(w.trips.head(1).with_columns(vehicle_id=pl.lit(-5)))


def test_wire_encoding_equals_the_rows() -> None:
    """The core's protobuf encoding of a recommendation parses to the message built from
    the rows (negative ratings and margins, zeros, k beyond the feasible count)."""
    from server.convert import matching as convert
    from server.proto import matching_pb2

    w = generate_world(300, 6_000, 80, seed=9, n_cities=30)
    m = Matcher.from_world(w)
    for lid in w.loads["load_id"].to_list():
        for k in (1, 20, 400):
            got = matching_pb2.RecommendResponse.FromString(m.recommend_vehicles_wire(lid, k=k))
            want = convert.recommend_rows_response(lid, m.recommend_vehicle_rows(lid, k=k))
            assert got == want
            assert got.SerializeToString() == want.SerializeToString()


def test_many_small_updates_fold_into_the_fleet_frame() -> None:
    """A long run of one-vehicle moves (past the pending-frame bound) leaves the fleet
    frame and the rankings equal to a build over the final fleet."""
    w = generate_world(120, 3_000, 40, seed=4, n_cities=30)
    m = Matcher.from_world(w)
    v = w.vehicles
    for i in range(70):
        row = v.slice(i % v.height, 1).with_columns(lat=pl.col("lat") + 0.01 * (i + 1))
        v = v.update(row, on="vehicle_id")
        m = m.with_vehicles(row)
    assert len(m._vpending) < 64
    assert m.vehicles.equals(v)
    full = Matcher(v, w.trips, now=w.now, loads=w.loads)
    _same_rankings(m.recommend_vehicles_batch(k=10), full.recommend_vehicles_batch(k=10))


def test_moves_and_joins_fold_in_the_matchers_order() -> None:
    """More single-vehicle moves and joins than are kept pending: ``vehicles`` is the
    latest row of every vehicle, in the matcher's order (joining vehicles last, in the
    order they joined), and rankings equal a full build's."""
    w = generate_world(120, 4_000, 40, seed=7, n_cities=30)
    base = w.vehicles.head(100)
    m = Matcher(
        base,
        w.trips.filter(pl.col("vehicle_id").is_in(base["vehicle_id"].implode())),
        loads=w.loads,
    )
    expected = base
    joined = []
    for i in range(150):
        if i % 10 == 3 and len(joined) < 20:
            row = w.vehicles.slice(100 + len(joined), 1)
            joined.append(row)
            expected = pl.concat([expected, row])
        else:
            vid = int(base["vehicle_id"][(i * 37) % 100])
            row = expected.filter(pl.col("vehicle_id") == vid).with_columns(
                lat=pl.col("lat") + 0.01 * (i % 5 - 2), available_from=pl.lit(1_000 + i)
            )
            expected = expected.update(row, on="vehicle_id", include_nulls=True)
        m = m.with_vehicles(row)
    assert m.vehicles.equals(expected)
    own = w.trips.filter(pl.col("vehicle_id").is_in(base["vehicle_id"].implode()))
    full = Matcher(expected, own, loads=w.loads)
    _same_rankings(m.recommend_vehicles_batch(k=10), full.recommend_vehicles_batch(k=10))


def test_position_batches_rank_like_a_full_build() -> None:
    """Many small batches of moved vehicles (within and across grid cells, going
    offline and back, new capacities) applied one after another through the core's
    incremental fleet index rank like a matcher built over the final fleet."""
    w = generate_world(400, 8_000, 150, seed=9, n_cities=30, history_days=30)
    rng = np.random.default_rng(9)
    m = Matcher.from_world(w)
    cur = w.vehicles
    for step in range(25):
        idx = rng.choice(cur.height, int(rng.integers(1, 40)), replace=False)
        rows = cur[idx]
        jump = step % 3 == 0
        rows = rows.with_columns(
            lat=pl.col("lat") + pl.Series(rng.normal(0, 1.0 if jump else 0.01, rows.height)),
            lon=pl.col("lon") + pl.Series(rng.normal(0, 1.0 if jump else 0.01, rows.height)),
            status=pl.Series(rng.choice(["idle", "offline"], rows.height, p=[0.8, 0.2])),
            capacity_kg=pl.col("capacity_kg") + (1_000 if step % 4 == 1 else 0),
        )
        m = m.with_vehicles(rows)
        cur = cur.update(rows, on="vehicle_id")
    full = Matcher(cur, w.trips, loads=w.loads, now=w.now)
    assert m.vehicles.equals(cur)
    _same_rankings(m.recommend_vehicles_batch(k=15), full.recommend_vehicles_batch(k=15))
    for vid in cur["vehicle_id"].head(5).to_list():
        _same_rankings(m.recommend_loads(vid, k=10), full.recommend_loads(vid, k=10))
