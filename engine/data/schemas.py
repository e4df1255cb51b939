"""Polars schemas of Yunli's freight data model, with their units.

Every table has an integer id column (``Int64``). Coordinates are WGS84
degrees (``Float64``); every other quantity is an integer in the units of
:mod:`engine.units`: metres, seconds (instants are Unix seconds, UTC),
kilograms, litres and fen.

Tables
------
vehicles
    One row per truck offered on the platform.
loads
    Open cargo posted by shippers (one full load each).
trips
    Completed trips (the history route expertise is learned from).
sites
    Depots, warehouses, stores: fixed places with opening hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

#: Vehicle statuses a vehicle row may carry.
VEHICLE_STATUSES: Final = ("idle", "busy", "offline")

#: Site kinds a site row may carry.
SITE_KINDS: Final = ("depot", "warehouse", "bonded_warehouse", "overseas_warehouse", "store")


@dataclass(frozen=True, slots=True)
class VehicleType:
    """A class of truck: nominal capacity and speed profile.

    Attributes
    ----------
    name
        Identifier used in the ``vehicle_type`` columns.
    label
        Human-readable label (Chinese market naming).
    capacity_kg, capacity_l
        Nominal payload in kilograms and cargo volume in litres.
    urban_kmh, highway_kmh, urban_m
        Speed profile: the first ``urban_m`` metres of a leg at ``urban_kmh``,
        the rest at ``highway_kmh``.
    cost_per_km_fen
        Typical operating cost per kilometre, in fen.
    """

    name: str
    label: str
    capacity_kg: int
    capacity_l: int
    urban_kmh: float
    highway_kmh: float
    urban_m: int
    cost_per_km_fen: int


#: The vehicle types the platform knows, by name.
VEHICLE_TYPES: Final[dict[str, VehicleType]] = {
    t.name: t
    for t in (
        VehicleType("van", "面包车 van", 1_500, 6_000, 35.0, 85.0, 15_000, 250),
        VehicleType("light_truck", "4.2米厢式 light truck", 4_000, 16_000, 32.0, 80.0, 20_000, 350),
        VehicleType("medium_truck", "6.8米 medium truck", 10_000, 40_000, 30.0, 75.0, 20_000, 500),
        VehicleType("heavy_truck", "9.6米 heavy truck", 18_000, 60_000, 28.0, 72.0, 25_000, 650),
        VehicleType("trailer", "17.5米 semi-trailer", 32_000, 110_000, 25.0, 70.0, 25_000, 850),
        VehicleType("reefer", "冷藏车 refrigerated", 10_000, 35_000, 30.0, 75.0, 20_000, 700),
    )
}


@dataclass(frozen=True, slots=True)
class TableSchema:
    """Columns of one table: required dtypes, the id column and the checks that apply."""

    name: str
    id_column: str
    columns: dict[str, pl.DataType]
    #: (lat column, lon column) pairs that must be valid coordinates.
    coordinates: tuple[tuple[str, str], ...] = ()
    #: Columns that must be strictly positive.
    positive: tuple[str, ...] = ()
    #: Columns that must be >= 0.
    non_negative: tuple[str, ...] = ()
    #: (start, end) column pairs with start <= end.
    intervals: tuple[tuple[str, str], ...] = ()
    #: Columns whose values must be in a fixed set.
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Columns that may be null (all others may not).
    nullable: tuple[str, ...] = ()

    @property
    def polars_schema(self) -> pl.Schema:
        """The schema as a :class:`polars.Schema`."""
        return pl.Schema(self.columns)


VEHICLES: Final = TableSchema(
    name="vehicles",
    id_column="vehicle_id",
    columns={
        "vehicle_id": pl.Int64(),
        "carrier_id": pl.Int64(),
        "vehicle_type": pl.String(),
        "capacity_kg": pl.Int64(),
        "capacity_l": pl.Int64(),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "available_from": pl.Int64(),
        "home_lat": pl.Float64(),
        "home_lon": pl.Float64(),
        "home_city": pl.String(),
        "rating": pl.Float64(),
        "rating_count": pl.Int64(),
        "status": pl.String(),
    },
    coordinates=(("lat", "lon"), ("home_lat", "home_lon")),
    positive=("capacity_kg", "capacity_l"),
    non_negative=("rating_count", "available_from"),
    enums=(("vehicle_type", tuple(VEHICLE_TYPES)), ("status", VEHICLE_STATUSES)),
)
"""Vehicles: ``capacity_kg`` (kg), ``capacity_l`` (litres), current position
``lat``/``lon``, ``available_from`` (Unix s), ``home_*`` base, ``rating`` in
[0, 5] over ``rating_count`` ratings, ``status`` in :data:`VEHICLE_STATUSES`."""

LOADS: Final = TableSchema(
    name="loads",
    id_column="load_id",
    columns={
        "load_id": pl.Int64(),
        "shipper_id": pl.Int64(),
        "origin_lat": pl.Float64(),
        "origin_lon": pl.Float64(),
        "origin_city": pl.String(),
        "dest_lat": pl.Float64(),
        "dest_lon": pl.Float64(),
        "dest_city": pl.String(),
        "weight_kg": pl.Int64(),
        "volume_l": pl.Int64(),
        "vehicle_types": pl.List(pl.String()),
        "pickup_start": pl.Int64(),
        "pickup_end": pl.Int64(),
        "delivery_deadline": pl.Int64(),
        "price_fen": pl.Int64(),
        "posted_at": pl.Int64(),
    },
    coordinates=(("origin_lat", "origin_lon"), ("dest_lat", "dest_lon")),
    positive=("weight_kg", "volume_l"),
    non_negative=("price_fen", "posted_at", "pickup_start"),
    intervals=(("pickup_start", "pickup_end"), ("pickup_end", "delivery_deadline")),
)
"""Open loads: ``weight_kg``, ``volume_l``, ``vehicle_types`` the shipper
accepts (empty list = any), pickup window ``pickup_start``..``pickup_end`` and
``delivery_deadline`` (Unix s), ``price_fen`` offered, ``posted_at`` (Unix s).
In CSV files ``vehicle_types`` is written as ``|``-separated names."""

TRIPS: Final = TableSchema(
    name="trips",
    id_column="trip_id",
    columns={
        "trip_id": pl.Int64(),
        "vehicle_id": pl.Int64(),
        "origin_lat": pl.Float64(),
        "origin_lon": pl.Float64(),
        "dest_lat": pl.Float64(),
        "dest_lon": pl.Float64(),
        "completed_at": pl.Int64(),
        "weight_kg": pl.Int64(),
    },
    coordinates=(("origin_lat", "origin_lon"), ("dest_lat", "dest_lon")),
    non_negative=("weight_kg", "completed_at"),
)
"""Completed trips: the vehicle, origin and destination, ``completed_at``
(Unix s) and ``weight_kg`` carried."""

SITES: Final = TableSchema(
    name="sites",
    id_column="site_id",
    columns={
        "site_id": pl.Int64(),
        "name": pl.String(),
        "kind": pl.String(),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "opens_s": pl.Int64(),
        "closes_s": pl.Int64(),
    },
    coordinates=(("lat", "lon"),),
    non_negative=("opens_s",),
    intervals=(("opens_s", "closes_s"),),
    enums=(("kind", SITE_KINDS),),
)
"""Sites: ``kind`` in :data:`SITE_KINDS`, opening hours ``opens_s``..``closes_s``
in seconds after local midnight (``closes_s`` may exceed 86,400 for sites open
past midnight)."""

ALL_TABLES: Final = {s.name: s for s in (VEHICLES, LOADS, TRIPS, SITES)}
