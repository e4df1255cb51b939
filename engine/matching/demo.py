"""The matching section of ``yunli demo``: explained recommendations both ways and
the dispatch comparison, on the bundled sample world."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl

from engine.data.generator import load_cities
from engine.data.loaders import World
from engine.matching.matcher import Matcher
from engine.units import km, yuan


class _Places:
    """Nearest city name for a coordinate (for readable lanes)."""

    def __init__(self) -> None:
        c = load_cities(600)
        self.names = c["name"].to_list()
        self.lat = np.radians(c["latitude"].to_numpy())
        self.lon = np.radians(c["longitude"].to_numpy())

    def name(self, lat: float, lon: float) -> str:
        p, q = np.radians(lat), np.radians(lon)
        d = (self.lat - p) ** 2 + ((self.lon - q) * np.cos(p)) ** 2
        return str(self.names[int(np.argmin(d))])


def _explain_line(m: Matcher, r: dict[str, Any]) -> str:
    w = m.weights
    return (
        f"score {r['score']:+.2f} = expertise {r['expertise']:.2f}×{w.expertise:g}"
        f" + backhaul {r['backhaul']:.2f}×{w.backhaul:g}"
        f" − deadhead {km(r['deadhead_m']):.0f} km×{w.deadhead_per_100km:g}/100"
        f" + util {r['utilization']:.2f}×{w.utilization:g}"
        f" + rating {r['rating_vs_prior']:+.2f}★×{w.rating:g}"
        f" + price {r['price_margin']:+.2f}×{w.price:g}"
    )


def _lanes(m: Matcher, places: _Places, vehicle_id: int, top: int = 2) -> str:
    lanes = m.vehicle_lanes(vehicle_id, top=20)
    if lanes.height == 0:
        return "no history (cold start)"
    trips: dict[str, int] = {}
    for r in lanes.iter_rows(named=True):
        o = places.name(r["origin_lat"], r["origin_lon"])
        d = places.name(r["dest_lat"], r["dest_lon"])
        trips[f"{o}→{d}"] = trips.get(f"{o}→{d}", 0) + int(r["trips"])
    best = sorted(trips.items(), key=lambda kv: -kv[1])[:top]
    return "; ".join(f"{lane} ({n} trips)" for lane, n in best)


def section_matching(world: World) -> str:
    """Explained recommendations for a shipper and a driver, then optimal dispatch
    against greedy and nearest-vehicle dispatch, on ``world``."""
    places = _Places()
    t0 = time.perf_counter()
    m = Matcher.from_world(world)
    built = time.perf_counter() - t0
    lines = [
        f"Profiles of {world.vehicles.height:,} vehicles from {world.trips.height:,} trips "
        f"in {built * 1000:.0f} ms (half-life {m.params.half_life_days:g} days, "
        f"lane radius {m.params.lane_radius_km:g} km)."
    ]
    # A shipper's load on a busy lane: top vehicles, explained.
    t1 = time.perf_counter()
    batch = m.recommend_vehicles_batch(k=3)
    dt = time.perf_counter() - t1
    lines.append(
        f"Top-3 vehicles for all {world.loads.height:,} loads in {dt * 1000:.0f} ms; "
        f"{batch['load_id'].n_unique():,} loads have at least one feasible vehicle."
    )
    best = batch.filter(pl.col("rank") == 1).sort("expertise", descending=True)
    load_id = int(best["load_id"][0])
    load = world.loads.filter(pl.col("load_id") == load_id).row(0, named=True)
    lines.append(
        f"\nShipper view — load {load_id}: {load['origin_city']} → {load['dest_city']}, "
        f"{load['weight_kg'] / 1000:.1f} t, {yuan(load['price_fen']):,.0f} yuan"
    )
    for r in batch.filter(pl.col("load_id") == load_id).iter_rows(named=True):
        lines.append(f"  #{r['rank']} vehicle {r['vehicle_id']}: {_explain_line(m, r)}")
        lines.append(f"      runs {_lanes(m, places, int(r['vehicle_id']))}")
    # A driver's view: loads pushed to the vehicle with the most expertise today.
    vid = int(best["vehicle_id"][1] if best.height > 1 else best["vehicle_id"][0])
    v = world.vehicles.filter(pl.col("vehicle_id") == vid).row(0, named=True)
    lines.append(
        f"\nDriver view — vehicle {vid} ({v['vehicle_type']}, home {v['home_city']}, "
        f"runs {_lanes(m, places, vid)})"
    )
    recs = (
        m.recommend_loads(vid, k=3)
        .join(world.loads.select("load_id", "origin_city", "dest_city"), on="load_id", how="left")
        .sort("rank")
    )
    for r in recs.iter_rows(named=True):
        lines.append(
            f"  #{r['rank']} load {r['load_id']} {r['origin_city']} → {r['dest_city']}: "
            f"{_explain_line(m, r)}"
        )
    # Batch dispatch.
    result = m.dispatch()
    lines.append("")
    lines.append(result.summary())
    return "\n".join(lines)
