"""Seeded generator of realistic freight markets on real Chinese city geography.

The world is built from the bundled GeoNames city list (``china_cities.csv``):

* **Freight flows** follow a gravity model: the flow from city *i* to city *j*
  is proportional to ``pop_i^a · pop_j^a / (d_ij + d0)^β`` with a distance
  decay β that depends on the vehicle class (vans stay regional, semi-trailers
  run long-haul).
* **Vehicles** have a home base in a city (drawn by population), a type with
  its capacity, and 1–4 *habitual lanes* (origin city → destination city,
  mostly starting at home). Their **trip history** runs those lanes in both
  directions (outbound and backhaul) with some opportunistic trips besides,
  so route expertise learned from history is predictive of future trips.
* **Open loads** are drawn from the same gravity flows, with pickup windows,
  deadlines, vehicle-type requirements and prices per kilometre by class.

Everything is vectorized NumPy: 100k vehicles, 10M trips and 100k loads take
a few seconds.
"""

from __future__ import annotations

from importlib import resources
from typing import Final

import numpy as np
import polars as pl

from engine.data.loaders import World, conform, validate
from engine.data.schemas import LOADS, SITES, TRIPS, VEHICLE_TYPES, VEHICLES
from engine.errors import InvalidInputError
from engine.units import DEFAULT_CIRCUITY, EARTH_RADIUS_M, SECONDS_PER_DAY, SECONDS_PER_HOUR

#: Reference instant of the bundled sample: 2026-11-25 08:00 China Standard Time.
SAMPLE_NOW: Final = 1_795_564_800

_TYPE_NAMES: Final = list(VEHICLE_TYPES)
_TYPE_SHARE: Final = np.array([0.15, 0.30, 0.20, 0.15, 0.12, 0.08])
#: Distance decay exponent β of the gravity model, per vehicle type.
_TYPE_BETA: Final = np.array([2.6, 2.0, 1.6, 1.3, 1.1, 1.4])
#: Offered price per km, in fen, per vehicle type.
_TYPE_RATE_FEN: Final = np.array([300, 450, 600, 750, 900, 950])
_GRAVITY_A: Final = 0.8
_GRAVITY_D0_M: Final = 40_000.0
_MIN_LANE_M: Final = 30_000.0


def load_cities(n: int | None = None) -> pl.DataFrame:
    """The bundled city table (GeoNames, CC BY 4.0), largest first; ``n`` limits it."""
    path = resources.files("engine.data").joinpath("china_cities.csv")
    with resources.as_file(path) as p:
        df = pl.read_csv(p)
    return df if n is None else df.head(n)


def _haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))))


def _sample_rows(cum: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each entry of ``rows`` draw a column from the row's normalized CDF ``cum``."""
    n_rows, n_cols = cum.shape
    flat = (cum + np.arange(n_rows)[:, None]).ravel()
    u = rng.random(rows.shape[0]) * 0.999999 + rows
    idx = np.searchsorted(flat, u, side="right")
    return np.asarray(np.minimum(idx - rows * n_cols, n_cols - 1))


def _jitter(
    lat: np.ndarray, lon: np.ndarray, radius_m: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Scatter points around ``lat``/``lon``: a Gaussian of standard deviation
    ``radius_m / 2`` per axis (about 86% of points within ``radius_m``)."""
    k = lat.shape[0]
    sigma = np.degrees(0.5 * radius_m / EARTH_RADIUS_M)
    out_lat = np.asarray(rng.standard_normal(size=k), dtype=np.float64)
    out_lat *= sigma
    out_lat += lat
    np.clip(out_lat, -89.9, 89.9, out=out_lat)
    out_lon = np.asarray(rng.standard_normal(size=k), dtype=np.float64)
    out_lon *= sigma
    out_lon /= np.cos(np.radians(lat))
    out_lon += lon
    return np.round(out_lat, 5, out=out_lat), np.round(out_lon, 5, out=out_lon)


class _Geography:
    def __init__(self, n_cities: int) -> None:
        cities = load_cities(n_cities)
        self.names = np.array(cities["name"].to_list(), dtype=object)
        self.lat = cities["latitude"].to_numpy().astype(np.float64)
        self.lon = cities["longitude"].to_numpy().astype(np.float64)
        self.pop = cities["population"].to_numpy().astype(np.float64)
        n = self.lat.shape[0]
        self.dist = (
            _haversine_m(self.lat[:, None], self.lon[:, None], self.lat[None, :], self.lon[None, :])
            * DEFAULT_CIRCUITY
        )
        # Urban radius grows with population: ~4 km for 100k people, ~25 km for 20M.
        self.radius_m = np.clip(9.0 * np.sqrt(self.pop), 2_000.0, 25_000.0)
        mass = self.pop**_GRAVITY_A
        self.origin_cdf = np.cumsum(self.pop**0.9) / np.sum(self.pop**0.9)
        # One normalized gravity CDF per vehicle type: [type, origin, destination].
        self.dest_cdf = np.empty((len(_TYPE_NAMES), n, n))
        for t, beta in enumerate(_TYPE_BETA):
            w = mass[None, :] / (self.dist + _GRAVITY_D0_M) ** beta
            w[self.dist < _MIN_LANE_M] = 0.0
            w[np.arange(n), np.arange(n)] = 0.0
            w /= w.sum(axis=1, keepdims=True)
            self.dest_cdf[t] = np.cumsum(w, axis=1)
            self.dest_cdf[t, :, -1] = 1.0

    def draw_origins(self, k: int, rng: np.random.Generator) -> np.ndarray:
        top = self.lat.shape[0] - 1
        return np.asarray(np.minimum(np.searchsorted(self.origin_cdf, rng.random(k)), top))

    def draw_destinations(
        self, origins: np.ndarray, types: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        out = np.empty_like(origins)
        for t in range(len(_TYPE_NAMES)):
            sel = np.nonzero(types == t)[0]
            if sel.size:
                out[sel] = _sample_rows(self.dest_cdf[t], origins[sel], rng)
        return out


def generate_world(
    n_vehicles: int = 2_000,
    n_trips: int = 50_000,
    n_loads: int = 2_000,
    *,
    seed: int = 0,
    now: int = SAMPLE_NOW,
    n_cities: int = 400,
    history_days: int = 180,
    validate_tables: bool = True,
) -> World:
    """Generate a seeded freight market.

    Parameters
    ----------
    n_vehicles, n_trips, n_loads
        Sizes of the vehicles, trip-history and open-loads tables.
    seed
        Seed of the NumPy generator; the same seed gives the same world.
    now
        Reference instant (Unix s): history ends here, loads are open from here.
    n_cities
        Number of largest cities taking part in the market (≤ 2,106).
    history_days
        Length of the trip history.
    validate_tables
        Run the loaders' validation on the result (cheap; on by default).

    Raises
    ------
    InvalidInputError
        On non-positive sizes.
    """
    for name, v in (("n_vehicles", n_vehicles), ("n_loads", n_loads), ("n_cities", n_cities)):
        if v <= 0:
            raise InvalidInputError.at(name, f"must be > 0, got {v}")
    if n_trips < 0:
        raise InvalidInputError.at("n_trips", f"must be >= 0, got {n_trips}")
    if not 2 <= n_cities <= 2106:
        raise InvalidInputError.at("n_cities", f"must be in [2, 2106], got {n_cities}")
    rng = np.random.default_rng(seed)
    geo = _Geography(n_cities)

    vehicles, lanes, lane_w, vtype, home = _vehicles(geo, n_vehicles, now, rng)
    trips = _trips(
        geo, n_trips, lanes, lane_w, vtype, home, vehicles["capacity_kg"], now, history_days, rng
    )
    vehicles = _place_vehicles(vehicles, trips, geo, home, now, rng)
    loads = _loads(geo, n_loads, now, rng)
    sites = _sites(geo, rng)
    tables = {"vehicles": vehicles, "loads": loads, "trips": trips, "sites": sites}
    for schema in (VEHICLES, LOADS, TRIPS, SITES):
        df = conform(tables[schema.name], schema)
        if validate_tables:
            validate(df, schema)
        tables[schema.name] = df
    return World(now=now, **tables)


def _vehicles(
    geo: _Geography, n: int, now: int, rng: np.random.Generator
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    home = geo.draw_origins(n, rng)
    vtype = rng.choice(len(_TYPE_NAMES), size=n, p=_TYPE_SHARE / _TYPE_SHARE.sum())
    cap_kg = np.array([VEHICLE_TYPES[t].capacity_kg for t in _TYPE_NAMES])[vtype]
    cap_l = np.array([VEHICLE_TYPES[t].capacity_l for t in _TYPE_NAMES])[vtype]
    cap_kg = (np.round(cap_kg * rng.uniform(0.9, 1.1, n) / 100) * 100).astype(np.int64)
    cap_l = (np.round(cap_l * rng.uniform(0.9, 1.1, n) / 100) * 100).astype(np.int64)
    home_lat, home_lon = _jitter(geo.lat[home], geo.lon[home], geo.radius_m[home] * 0.6, rng)

    # Up to four habitual lanes per vehicle: origin mostly the home city.
    max_lanes = 4
    n_lanes = rng.choice([1, 2, 3, 4], size=n, p=[0.35, 0.35, 0.2, 0.1])
    lane_origin = np.repeat(home[:, None], max_lanes, axis=1)
    away = rng.random((n, max_lanes)) < 0.3
    if away.any():
        rows = np.nonzero(away)
        lane_origin[rows] = geo.draw_destinations(home[rows[0]], vtype[rows[0]], rng)
    lane_dest = geo.draw_destinations(
        lane_origin.ravel(), np.repeat(vtype, max_lanes), rng
    ).reshape(n, max_lanes)
    lanes = np.stack([lane_origin, lane_dest], axis=2)  # [vehicle, lane, 2]
    lane_w = rng.dirichlet(np.ones(max_lanes) * 1.5, size=n)
    lane_w[np.arange(max_lanes)[None, :] >= n_lanes[:, None]] = 0.0
    lane_w /= lane_w.sum(axis=1, keepdims=True)

    rating_count = rng.negative_binomial(1, 0.03, n).astype(np.int64)
    quality = rng.beta(8, 2, n)
    rating = np.where(
        rating_count > 0,
        np.round(np.clip(3.0 + 2.0 * quality + rng.normal(0, 0.15, n), 0, 5), 2),
        0.0,
    )
    status = rng.choice(["idle", "busy", "offline"], size=n, p=[0.7, 0.2, 0.1])
    n_carriers = max(1, n // 4)
    carrier = rng.integers(1, n_carriers + 1, n)
    df = pl.DataFrame(
        {
            "vehicle_id": np.arange(1, n + 1, dtype=np.int64),
            "carrier_id": carrier.astype(np.int64),
            "vehicle_type": np.array(_TYPE_NAMES, dtype=object)[vtype],
            "capacity_kg": cap_kg,
            "capacity_l": cap_l,
            "home_lat": home_lat,
            "home_lon": home_lon,
            "home_city": geo.names[home],
            "rating": rating,
            "rating_count": rating_count,
            "status": status,
        },
        schema_overrides={"vehicle_type": pl.String, "home_city": pl.String, "status": pl.String},
    )
    return df, lanes, lane_w, vtype, home


def _trips(
    geo: _Geography,
    n_trips: int,
    lanes: np.ndarray,
    lane_w: np.ndarray,
    vtype: np.ndarray,
    home: np.ndarray,
    cap_kg: pl.Series,
    now: int,
    history_days: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    n = lanes.shape[0]
    activity: np.ndarray = np.asarray(rng.gamma(2.0, 1.0, n))
    activity[rng.random(n) < 0.05] = 0.0  # newcomers without history: cold start
    if activity.sum() == 0:
        activity[:] = 1.0
    # Trips per vehicle and per lane by multinomial draws; repeating ids gives the
    # trips grouped by vehicle without sampling and sorting ten million indices.
    per_vehicle = rng.multinomial(n_trips, activity / activity.sum())
    n_l = lanes.shape[1]
    per_lane = rng.multinomial(per_vehicle, lane_w)  # [vehicle, lane]
    veh = np.repeat(np.repeat(np.arange(n), n_l), per_lane.ravel())
    lane = np.repeat(np.tile(np.arange(n_l), n), per_lane.ravel())
    on_lane = rng.random(n_trips) < 0.85
    backhaul = rng.random(n_trips) < 0.45
    o = np.where(backhaul, lanes[veh, lane, 1], lanes[veh, lane, 0])
    d = np.where(backhaul, lanes[veh, lane, 0], lanes[veh, lane, 1])
    off = ~on_lane
    if off.any():
        o_off = np.where(
            rng.random(int(off.sum())) < 0.5, home[veh[off]], geo.draw_origins(int(off.sum()), rng)
        )
        o[off] = o_off
        d[off] = geo.draw_destinations(o_off, vtype[veh[off]], rng)
    olat, olon = _jitter(geo.lat[o], geo.lon[o], geo.radius_m[o], rng)
    dlat, dlon = _jitter(geo.lat[d], geo.lon[d], geo.radius_m[d], rng)
    completed = now - rng.integers(SECONDS_PER_HOUR, history_days * SECONDS_PER_DAY, n_trips)
    weight = (cap_kg.to_numpy()[veh] * rng.uniform(0.45, 1.0, n_trips)).astype(np.int64)
    return pl.DataFrame(
        {
            "trip_id": np.arange(1, n_trips + 1, dtype=np.int64),
            "vehicle_id": (veh + 1).astype(np.int64),
            "origin_lat": olat,
            "origin_lon": olon,
            "dest_lat": dlat,
            "dest_lon": dlon,
            "completed_at": completed.astype(np.int64),
            "weight_kg": weight,
        }
    )


def _place_vehicles(
    vehicles: pl.DataFrame,
    trips: pl.DataFrame,
    geo: _Geography,
    home: np.ndarray,
    now: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Current position: where the last trip ended (jittered), else the home base."""
    n = vehicles.height
    last = (
        trips.lazy()
        .group_by("vehicle_id")
        .agg(
            pl.col("dest_lat").get(pl.col("completed_at").arg_max()),
            pl.col("dest_lon").get(pl.col("completed_at").arg_max()),
        )
        .collect()
    )
    lat = vehicles["home_lat"].to_numpy().copy()
    lon = vehicles["home_lon"].to_numpy().copy()
    idx = last["vehicle_id"].to_numpy() - 1
    lat[idx] = last["dest_lat"].to_numpy()
    lon[idx] = last["dest_lon"].to_numpy()
    lat, lon = _jitter(lat, lon, np.full(n, 3_000.0), rng)
    status = vehicles["status"].to_numpy()
    avail = np.where(
        status == "busy",
        now + rng.integers(SECONDS_PER_HOUR, 12 * SECONDS_PER_HOUR, n),
        np.where(status == "offline", now + SECONDS_PER_DAY, now),
    )
    return vehicles.with_columns(
        lat=pl.Series(lat), lon=pl.Series(lon), available_from=pl.Series(avail.astype(np.int64))
    )


def _loads(geo: _Geography, n: int, now: int, rng: np.random.Generator) -> pl.DataFrame:
    cls = rng.choice(len(_TYPE_NAMES), size=n, p=_TYPE_SHARE / _TYPE_SHARE.sum())
    o = geo.draw_origins(n, rng)
    d = geo.draw_destinations(o, cls, rng)
    olat, olon = _jitter(geo.lat[o], geo.lon[o], geo.radius_m[o], rng)
    dlat, dlon = _jitter(geo.lat[d], geo.lon[d], geo.radius_m[d], rng)
    cap_kg = np.array([VEHICLE_TYPES[t].capacity_kg for t in _TYPE_NAMES])[cls]
    cap_l = np.array([VEHICLE_TYPES[t].capacity_l for t in _TYPE_NAMES])[cls]
    weight = np.maximum((cap_kg * rng.uniform(0.35, 0.95, n)).astype(np.int64) // 10 * 10, 10)
    volume = np.maximum(
        np.minimum(weight * rng.uniform(1.2, 3.5, n), cap_l * 0.95).astype(np.int64) // 10 * 10, 10
    )
    dist = _haversine_m(olat, olon, dlat, dlon) * DEFAULT_CIRCUITY
    quarter = 15 * 60
    pickup_start = now + rng.integers(0, 24 * 4, n) * quarter
    pickup_end = pickup_start + rng.integers(2 * 4, 8 * 4 + 1, n) * quarter
    drive = dist / (60_000 / SECONDS_PER_HOUR)
    deadline = pickup_end + drive.astype(np.int64) + rng.integers(2, 25, n) * SECONDS_PER_HOUR
    rate = _TYPE_RATE_FEN[cls] * rng.uniform(0.85, 1.25, n)
    price = np.maximum((dist / 1000 * rate).astype(np.int64) // 100 * 100, 20_000)
    # Required types: reefer loads need a reefer; others accept their class or bigger, or any.
    any_type = rng.random(n) < 0.55
    # Required types: reefer loads need a reefer; others accept their class or bigger
    # (the two smallest types that fit), or any type. Few distinct lists: build them
    # once and pick by code instead of creating one Python list per load.
    caps = np.array(
        [[VEHICLE_TYPES[t].capacity_kg, VEHICLE_TYPES[t].capacity_l] for t in _TYPE_NAMES]
    )
    fits = (caps[None, :-1, 0] >= weight[:, None]) & (caps[None, :-1, 1] >= volume[:, None])
    first = np.argmax(fits, axis=1)
    second = np.minimum(first + 1, len(_TYPE_NAMES) - 2)
    two = fits[np.arange(n), second] & (second != first)
    reefer = _TYPE_NAMES.index("reefer")
    code = np.where(cls == reefer, 0, np.where(any_type, 1, 2 + first * 2 + two))
    choices: list[list[str]] = [["reefer"], []]
    for f in range(len(_TYPE_NAMES) - 1):
        choices.append([_TYPE_NAMES[f]])
        choices.append([_TYPE_NAMES[f], _TYPE_NAMES[min(f + 1, len(_TYPE_NAMES) - 2)]])
    req = pl.Series(choices, dtype=pl.List(pl.String)).gather(pl.Series(code.astype(np.int64)))
    return pl.DataFrame(
        {
            "load_id": np.arange(1, n + 1, dtype=np.int64),
            "shipper_id": rng.integers(1, max(2, n // 3), n).astype(np.int64),
            "origin_lat": olat,
            "origin_lon": olon,
            "origin_city": geo.names[o],
            "dest_lat": dlat,
            "dest_lon": dlon,
            "dest_city": geo.names[d],
            "weight_kg": weight,
            "volume_l": volume,
            "vehicle_types": req,
            "pickup_start": pickup_start.astype(np.int64),
            "pickup_end": pickup_end.astype(np.int64),
            "delivery_deadline": deadline.astype(np.int64),
            "price_fen": price,
            "posted_at": (now - rng.integers(0, 12 * SECONDS_PER_HOUR, n)).astype(np.int64),
        },
        schema_overrides={"origin_city": pl.String, "dest_city": pl.String},
    )


_OVERSEAS: Final = [
    ("Los Angeles overseas warehouse", 33.9416, -118.4085),
    ("Rotterdam overseas warehouse", 51.9225, 4.47917),
    ("Singapore overseas warehouse", 1.29027, 103.851959),
]
_BONDED_CITIES: Final = ["Shanghai", "Shenzhen", "Tianjin", "Qingdao", "Guangzhou", "Xiamen"]


def _sites(geo: _Geography, rng: np.random.Generator) -> pl.DataFrame:
    rows: list[tuple[str, str, float, float, int, int]] = []
    for i in range(10):
        lat, lon = _jitter(geo.lat[i : i + 1], geo.lon[i : i + 1], geo.radius_m[i : i + 1], rng)
        rows.append((f"{geo.names[i]} depot", "depot", float(lat[0]), float(lon[0]), 0, 86_400))
    for i in range(10, 22):
        lat, lon = _jitter(geo.lat[i : i + 1], geo.lon[i : i + 1], geo.radius_m[i : i + 1], rng)
        rows.append(
            (
                f"{geo.names[i]} warehouse",
                "warehouse",
                float(lat[0]),
                float(lon[0]),
                6 * 3600,
                22 * 3600,
            )
        )
    names = list(geo.names)
    for c in _BONDED_CITIES:
        if c in names:
            i = names.index(c)
            lat, lon = _jitter(geo.lat[i : i + 1], geo.lon[i : i + 1], geo.radius_m[i : i + 1], rng)
            rows.append(
                (
                    f"{c} bonded warehouse",
                    "bonded_warehouse",
                    float(lat[0]),
                    float(lon[0]),
                    8 * 3600,
                    20 * 3600,
                )
            )
    for name, lat0, lon0 in _OVERSEAS:
        rows.append((name, "overseas_warehouse", lat0, lon0, 8 * 3600, 18 * 3600))
    # Community stores for 30-minute delivery, around the largest city.
    lat, lon = _jitter(np.full(30, geo.lat[0]), np.full(30, geo.lon[0]), np.full(30, 12_000.0), rng)
    for k in range(30):
        rows.append(
            (
                f"{geo.names[0]} store {k + 1:02d}",
                "store",
                float(lat[k]),
                float(lon[k]),
                7 * 3600,
                23 * 3600,
            )
        )
    return pl.DataFrame(
        {
            "site_id": np.arange(1, len(rows) + 1, dtype=np.int64),
            "name": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "lat": [r[2] for r in rows],
            "lon": [r[3] for r in rows],
            "opens_s": np.array([r[4] for r in rows], dtype=np.int64),
            "closes_s": np.array([r[5] for r in rows], dtype=np.int64),
        }
    )
