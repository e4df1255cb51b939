"""The seeded world generator: determinism, validity and the structure the matcher relies on."""

from __future__ import annotations

import polars as pl
import pytest

from engine.data.generator import generate_world, load_cities
from engine.data.loaders import load_trips
from engine.errors import InvalidInputError


def test_same_seed_same_world_different_seed_different_world() -> None:
    a = generate_world(100, 1_000, 100, seed=5)
    b = generate_world(100, 1_000, 100, seed=5)
    c = generate_world(100, 1_000, 100, seed=6)
    assert a.trips.equals(b.trips)
    assert a.loads.equals(b.loads)
    assert not a.trips.equals(c.trips)


def test_tables_are_valid_and_consistent() -> None:
    w = generate_world(300, 5_000, 300, seed=1)
    assert w.vehicles.height == 300
    assert w.trips.height == 5_000
    load_trips(w.trips, w.vehicles)  # every trip names a known vehicle
    assert (w.loads["pickup_start"] >= w.now).all()
    # loads respect the weight of at least one vehicle type
    assert (w.loads["weight_kg"] <= 32_000).all()


def test_history_follows_habitual_lanes() -> None:
    """Most of a vehicle's trips repeat a few city-level lanes (what expertise learns)."""
    w = generate_world(200, 20_000, 10, seed=2)
    lanes = w.trips.with_columns(
        o=(pl.col("origin_lat") * 2).round(0) * 1000 + (pl.col("origin_lon") * 2).round(0),
        d=(pl.col("dest_lat") * 2).round(0) * 1000 + (pl.col("dest_lon") * 2).round(0),
    )
    top = (
        lanes.group_by("vehicle_id", "o", "d")
        .len()
        .sort("len", descending=True)
        .group_by("vehicle_id", maintain_order=True)
        .head(8)
        .group_by("vehicle_id")
        .agg(pl.col("len").sum())
    )
    per_vehicle = lanes.group_by("vehicle_id").len().rename({"len": "all"})
    share = top.join(per_vehicle, on="vehicle_id")
    assert (share["len"].sum() / share["all"].sum()) > 0.6


def test_gravity_flows_favour_big_cities() -> None:
    w = generate_world(50, 0, 3_000, seed=3)
    cities = load_cities(10)["name"].to_list()
    share = w.loads["origin_city"].is_in(cities).mean()
    assert share is not None
    assert share > 0.12  # uniform draws would give 10/400 = 2.5%


def test_cold_start_vehicles_exist() -> None:
    w = generate_world(500, 5_000, 10, seed=4)
    assert w.trips["vehicle_id"].n_unique() < 500


@pytest.mark.parametrize(
    "kwargs", [{"n_vehicles": 0}, {"n_loads": -1}, {"n_trips": -1}, {"n_cities": 1}]
)
def test_bad_sizes(kwargs: dict[str, int]) -> None:
    args = {"n_vehicles": 10, "n_trips": 10, "n_loads": 10} | kwargs
    with pytest.raises(InvalidInputError):
        generate_world(**args)
