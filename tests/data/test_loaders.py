"""Loaders and validation: every rejected input names the column, the row id and the reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from engine.data.generator import generate_world
from engine.data.loaders import (
    World,
    load_loads,
    load_sites,
    load_trips,
    load_vehicles,
    load_world,
    save_world,
)
from engine.data.sample import load_sample
from engine.errors import InvalidInputError, NotFoundError, YunliError


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(60, 400, 50, seed=3)


def _raises(fn: object, df: object, field: str, row_id: object, words: str) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as info:
        fn(df)  # type: ignore[operator]
    err = info.value
    assert isinstance(err, YunliError)
    assert err.field == field, str(err)
    assert err.row_id == row_id, str(err)
    assert words in str(err), str(err)
    assert field in str(err)
    return err


def test_sample_world_loads_and_validates() -> None:
    w = load_sample()
    assert w.vehicles.height == 2000
    assert w.trips.height == 50_000
    assert w.loads.height == 2000
    assert "vehicles" in w.summary()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_roundtrip_files(world: World, tmp_path: Path, fmt: str) -> None:
    save_world(world, tmp_path, fmt=fmt)
    back = load_world(tmp_path, fmt=fmt)
    for name in ("vehicles", "loads", "trips", "sites"):
        assert getattr(back, name).equals(getattr(world, name)), name
    assert back.now == world.now


def test_arrow_ipc_and_pyarrow_and_frame(world: World, tmp_path: Path) -> None:
    p = tmp_path / "v.arrow"
    world.vehicles.write_ipc(p)
    assert load_vehicles(p).equals(world.vehicles)
    assert load_vehicles(world.vehicles.to_arrow()).equals(world.vehicles)
    assert isinstance(world.vehicles.to_arrow(), pa.Table)
    assert load_vehicles(world.vehicles).equals(world.vehicles)


def test_missing_column(world: World) -> None:
    _raises(
        load_vehicles, world.vehicles.drop("capacity_kg"), "vehicles.capacity_kg", None, "missing"
    )


def test_wrong_type_is_not_coerced(world: World) -> None:
    df = world.loads.with_columns(pl.col("weight_kg").cast(pl.Float64) + 0.5)
    _raises(load_loads, df, "loads.weight_kg", None, "wrong type")


def test_bad_csv_cell_named_by_row(world: World, tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    world.vehicles.write_csv(p)
    text = p.read_text().splitlines()
    cells = text[3].split(",")
    cells[3] = "lots"  # capacity_kg of the third vehicle
    text[3] = ",".join(cells)
    p.write_text("\n".join(text) + "\n")
    vid = world.vehicles["vehicle_id"][2]
    _raises(load_vehicles, p, "vehicles.capacity_kg", vid, "'lots'")


def test_nan_latitude(world: World) -> None:
    vid = world.vehicles["vehicle_id"][5]
    df = world.vehicles.with_columns(
        lat=pl.when(pl.col("vehicle_id") == vid).then(float("nan")).otherwise(pl.col("lat"))
    )
    _raises(load_vehicles, df, "vehicles.lat", vid, "nan")


def test_out_of_range_longitude(world: World) -> None:
    lid = world.loads["load_id"][1]
    df = world.loads.with_columns(
        dest_lon=pl.when(pl.col("load_id") == lid).then(190.0).otherwise(pl.col("dest_lon"))
    )
    _raises(load_loads, df, "loads.dest_lon", lid, "190")


@pytest.mark.parametrize("value", [0, -5])
def test_non_positive_capacity(world: World, value: int) -> None:
    vid = world.vehicles["vehicle_id"][0]
    df = world.vehicles.with_columns(
        capacity_l=pl.when(pl.col("vehicle_id") == vid).then(value).otherwise(pl.col("capacity_l"))
    )
    _raises(load_vehicles, df, "vehicles.capacity_l", vid, "> 0")


def test_negative_trip_weight(world: World) -> None:
    tid = world.trips["trip_id"][7]
    df = world.trips.with_columns(
        weight_kg=pl.when(pl.col("trip_id") == tid).then(-1).otherwise(pl.col("weight_kg"))
    )
    _raises(load_trips, df, "trips.weight_kg", tid, ">= 0")


def test_inverted_pickup_window(world: World) -> None:
    lid = world.loads["load_id"][4]
    df = world.loads.with_columns(
        pickup_end=pl.when(pl.col("load_id") == lid)
        .then(pl.col("pickup_start") - 60)
        .otherwise(pl.col("pickup_end"))
    )
    _raises(load_loads, df, "loads.pickup_end", lid, "inverted window")


def test_deadline_before_pickup_end(world: World) -> None:
    lid = world.loads["load_id"][0]
    df = world.loads.with_columns(
        delivery_deadline=pl.when(pl.col("load_id") == lid)
        .then(pl.col("pickup_end") - 1)
        .otherwise(pl.col("delivery_deadline"))
    )
    _raises(load_loads, df, "loads.delivery_deadline", lid, "inverted window")


def test_inverted_opening_hours(world: World) -> None:
    sid = world.sites["site_id"][2]
    df = world.sites.with_columns(
        closes_s=pl.when(pl.col("site_id") == sid).then(0).otherwise(pl.col("closes_s")),
        opens_s=pl.when(pl.col("site_id") == sid).then(3600).otherwise(pl.col("opens_s")),
    )
    _raises(load_sites, df, "sites.closes_s", sid, "inverted")


def test_duplicate_id(world: World) -> None:
    df = pl.concat([world.vehicles, world.vehicles.tail(1)])
    _raises(load_vehicles, df, "vehicles.vehicle_id", world.vehicles["vehicle_id"][-1], "duplicate")


def test_unknown_vehicle_reference(world: World) -> None:
    tid = world.trips["trip_id"][0]
    df = world.trips.with_columns(
        vehicle_id=pl.when(pl.col("trip_id") == tid).then(999_999).otherwise(pl.col("vehicle_id"))
    )
    with pytest.raises(InvalidInputError) as info:
        load_trips(df, world.vehicles)
    assert info.value.field == "trips.vehicle_id"
    assert info.value.row_id == tid
    assert "999999" in str(info.value)


def test_unknown_enum_values(world: World) -> None:
    vid = world.vehicles["vehicle_id"][0]
    df = world.vehicles.with_columns(
        vehicle_type=pl.when(pl.col("vehicle_id") == vid)
        .then(pl.lit("spaceship"))
        .otherwise(pl.col("vehicle_type"))
    )
    _raises(load_vehicles, df, "vehicles.vehicle_type", vid, "spaceship")
    lid = world.loads["load_id"][3]
    df2 = world.loads.with_columns(
        vehicle_types=pl.when(pl.col("load_id") == lid)
        .then(pl.lit(["van", "zeppelin"]))
        .otherwise(pl.col("vehicle_types"))
    )
    _raises(load_loads, df2, "loads.vehicle_types", lid, "zeppelin")


def test_missing_value(world: World) -> None:
    vid = world.vehicles["vehicle_id"][1]
    df = world.vehicles.with_columns(
        carrier_id=pl.when(pl.col("vehicle_id") == vid).then(None).otherwise(pl.col("carrier_id"))
    )
    _raises(load_vehicles, df, "vehicles.carrier_id", vid, "missing value")


def test_rating_out_of_range(world: World) -> None:
    vid = world.vehicles["vehicle_id"][9]
    df = world.vehicles.with_columns(
        rating=pl.when(pl.col("vehicle_id") == vid).then(7.0).otherwise(pl.col("rating"))
    )
    _raises(load_vehicles, df, "vehicles.rating", vid, "[0, 5]")


def test_lossless_widening_is_accepted(world: World) -> None:
    df = world.vehicles.with_columns(pl.col("capacity_kg").cast(pl.Int32))
    assert load_vehicles(df)["capacity_kg"].dtype == pl.Int64


def test_extra_columns_are_kept(world: World) -> None:
    df = world.vehicles.with_columns(plate=pl.lit("沪A12345"))
    assert "plate" in load_vehicles(df).columns


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="unsupported file type"):
        load_vehicles(tmp_path / "x.xlsx") if (tmp_path / "x.xlsx").touch() is None else None
    with pytest.raises(NotFoundError, match="does not exist"):
        load_vehicles(tmp_path / "nope.parquet")
    (tmp_path / "empty.csv").touch()
    with pytest.raises(InvalidInputError, match="empty"):
        load_vehicles(tmp_path / "empty.csv")
    with pytest.raises(InvalidInputError, match="is a directory"):
        load_vehicles(tmp_path)
    with pytest.raises(InvalidInputError, match="cannot read"):
        load_vehicles(np.zeros(3))


def test_empty_table_is_valid(world: World) -> None:
    assert load_vehicles(world.vehicles.head(0)).height == 0
