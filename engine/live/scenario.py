"""Seeded city-distribution scenarios for live re-planning (tests, benchmarks, demo).

A depot in a real city (default: Shanghai), a fleet of light trucks, and a day of
stops around it: deliveries from the depot (store replenishment, e-commerce) and
pickup–delivery shipments (O2O orders) with time windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data.generator import load_cities
from engine.live.state import LiveJob, LivePlan
from engine.routing.model import Model, Problem
from engine.units import EARTH_RADIUS_M

#: 08:00 China Standard Time on the sample day (Unix s).
DAY_START = 1_795_564_800


@dataclass(frozen=True, slots=True)
class Scenario:
    """A morning routing problem and the city it lives in."""

    problem: Problem
    depot: tuple[float, float]
    radius_m: float
    day_start: int
    seed: int


def _scatter(
    rng: np.random.Generator, center: tuple[float, float], radius_m: float, n: int
) -> tuple[np.ndarray, np.ndarray]:
    r = radius_m * np.sqrt(rng.random(n))
    th = rng.random(n) * 2 * np.pi
    lat = center[0] + np.degrees(r * np.cos(th) / EARTH_RADIUS_M)
    lon = center[1] + np.degrees(r * np.sin(th) / (EARTH_RADIUS_M * np.cos(np.radians(center[0]))))
    return np.round(lat, 5), np.round(lon, 5)


def city_day(
    n_vehicles: int = 50,
    n_stops: int = 500,
    *,
    city: str = "Shanghai",
    radius_m: float = 25_000.0,
    shipment_share: float = 0.4,
    seed: int = 0,
    day_start: int = DAY_START,
) -> Scenario:
    """A day's distribution problem: ``n_stops`` stops (deliveries from the depot and
    halves of pickup–delivery shipments) served by ``n_vehicles`` light trucks."""
    rng = np.random.default_rng(seed)
    cities = load_cities()
    row = cities.filter(cities["name"] == city).row(0, named=True)
    depot = (float(row["latitude"]), float(row["longitude"]))
    m = Model(dimensions=("weight_kg", "volume_l"))
    d = m.add_depot(lat=depot[0], lon=depot[1], name="depot")
    cap = (2_000, 12_000)
    m.add_vehicle_type(
        n_vehicles,
        capacity=cap,
        start=d,
        cost_per_km=1000,
        shift=(day_start, day_start + 12 * 3600),
        max_duration=12 * 3600,
        profile="light_truck",
        name="truck",
    )
    n_ship = int(n_stops * shipment_share) // 2
    n_deliv = n_stops - 2 * n_ship
    lat, lon = _scatter(rng, depot, radius_m, n_deliv + 2 * n_ship)
    per_stop_kg = max(20, int(cap[0] * n_vehicles * 0.75 / max(1, n_deliv + n_ship)))
    for i in range(n_deliv):
        s = m.add_site(lat=float(lat[i]), lon=float(lon[i]), name=f"D{i:04d}")
        w = int(rng.integers(per_stop_kg // 2, per_stop_kg * 3 // 2 + 1))
        start = day_start + int(rng.integers(0, 8)) * 3600
        m.add_job(
            s,
            delivery=(w, w * 3),
            service=int(rng.integers(3, 10)) * 60,
            time_windows=[(start, start + int(rng.integers(2, 5)) * 3600)],
            name=f"D{i:04d}",
        )
    for i in range(n_ship):
        a, b = n_deliv + 2 * i, n_deliv + 2 * i + 1
        ps = m.add_site(lat=float(lat[a]), lon=float(lon[a]), name=f"S{i:04d}p")
        ds = m.add_site(lat=float(lat[b]), lon=float(lon[b]), name=f"S{i:04d}d")
        w = int(rng.integers(per_stop_kg // 4, per_stop_kg + 1))
        p0 = day_start + int(rng.integers(0, 7)) * 3600
        m.add_shipment(
            ps,
            ds,
            amount=(w, w * 4),
            pickup_service=300,
            delivery_service=300,
            pickup_windows=[(p0, p0 + 3 * 3600)],
            delivery_windows=[(p0, p0 + 6 * 3600)],
            name=f"S{i:04d}",
        )
    return Scenario(m.data(name=f"{city}-{n_vehicles}x{n_stops}"), depot, radius_m, day_start, seed)


def random_new_shipment(
    rng: np.random.Generator, sc: Scenario, t: int, ident: str
) -> tuple[LiveJob, LiveJob]:
    """A new O2O order arriving at ``t``: pickup within 2 h, delivery within 4 h."""
    lat, lon = _scatter(rng, sc.depot, sc.radius_m, 2)
    w = int(rng.integers(20, 80))
    p = LiveJob(
        job_id=f"{ident}:pickup",
        kind="shipment_pickup",
        lat=float(lat[0]),
        lon=float(lon[0]),
        amounts=(w, w * 4),
        service_s=300,
        windows=((t, t + 2 * 3600),),
    )
    d = LiveJob(
        job_id=f"{ident}:delivery",
        kind="shipment_delivery",
        lat=float(lat[1]),
        lon=float(lon[1]),
        amounts=(w, w * 4),
        service_s=300,
        windows=((t, t + 4 * 3600),),
    )
    return p, d


def advance(plan: LivePlan, t: int) -> None:
    """Move the plan's clock to ``t`` as if every vehicle drove its forecast exactly:
    stops whose service ends by ``t`` are reported served and each vehicle reports the
    last stop it served (busy until it may leave)."""
    from engine.live.eta import forecast
    from engine.live.events import PositionUpdate, apply_events

    f = forecast(plan)
    ups: list[PositionUpdate] = []
    for vid, vf in f.vehicles.items():
        done = [s for s in vf.stops if s.departure <= t]
        if not done:
            continue
        last = plan.jobs[done[-1].job_id]
        ups.append(
            PositionUpdate(
                t,
                vid,
                last.lat,
                last.lon,
                served=tuple(s.job_id for s in done),
                busy_until=None,
            )
        )
    if ups:
        apply_events(plan, ups)
