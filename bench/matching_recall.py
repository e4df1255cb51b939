"""Held-out recommendation quality of the matcher (recall@k), with baselines.

Protocol
--------
1. Sort the trip history by ``completed_at``; profiles are built from the first
   80% only (``train``). The last 20% are held out.
2. A seeded sample of held-out trips becomes *loads*: origin, destination and
   weight of the trip; volume 1 L, any vehicle type, no price (the history does
   not record them), and time windows wide open (trips carry no windows).
3. The fleet at the time of a held-out trip: every vehicle is available and
   stands where its latest trip completed before the start of that day ended
   (its home base if it has none). Fleet states are rebuilt once per day.
4. For every such load, is the vehicle that actually carried it among the top-k
   recommended vehicles? Recall@1/5/20 for the full score, for expertise-only
   and deadhead-only weights (ablations), and for the nearest vehicle by
   great-circle distance ignoring every filter (the naive baseline).

Profiles are never updated with held-out trips (no leakage); positions use only
trips completed before the day of the load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from engine.data.loaders import World
from engine.matching import Matcher, MatchParams, MatchWeights
from engine.units import EARTH_RADIUS_M, SECONDS_PER_DAY

KS = (1, 5, 20)


@dataclass(frozen=True)
class RecallResult:
    """Recall@k per method, with the evaluation's sizes."""

    table: pl.DataFrame
    n_loads: int
    n_train_trips: int
    n_days: int
    reachable: float

    def markdown(self) -> str:
        """The table as Markdown."""
        head = "| method | " + " | ".join(f"recall@{k}" for k in KS) + " |"
        sep = "|---|" + "---|" * len(KS)
        rows = [
            f"| {r['method']} | " + " | ".join(f"{r[f'recall@{k}']:.3f}" for k in KS) + " |"
            for r in self.table.iter_rows(named=True)
        ]
        return "\n".join([head, sep, *rows])


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)


def _positions(world: World, trips: pl.DataFrame, day_starts: list[int]) -> pl.DataFrame:
    """Vehicle position at each day start: last trip destination before it, else home."""
    v = world.vehicles.select("vehicle_id", "home_lat", "home_lon")
    grid = v.join(pl.DataFrame({"day": day_starts}), how="cross").sort("day")
    last = trips.select(
        "vehicle_id", pl.col("completed_at").alias("day"), "dest_lat", "dest_lon"
    ).sort("day")
    pos = grid.join_asof(
        last,
        on="day",
        by="vehicle_id",
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    )
    return pos.with_columns(
        lat=pl.coalesce("dest_lat", "home_lat"), lon=pl.coalesce("dest_lon", "home_lon")
    ).select("day", "vehicle_id", "lat", "lon")


def evaluate(
    world: World,
    *,
    n_loads: int = 20_000,
    seed: int = 0,
    params: MatchParams | None = None,
    weights: MatchWeights | None = None,
) -> RecallResult:
    """Run the protocol of the module docstring on ``world``."""
    params = params or MatchParams()
    trips = world.trips.sort("completed_at")
    cut = int(trips.height * 0.8)
    train, held = trips.head(cut), trips.tail(trips.height - cut)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(held.height, size=min(n_loads, held.height), replace=False))
    held = held[pick].with_columns(
        day=(pl.col("completed_at") // SECONDS_PER_DAY) * SECONDS_PER_DAY
    )
    days = held["day"].unique().sort().to_list()
    positions = _positions(world, trips, days)
    far = 10**12
    loads = held.select(
        pl.col("trip_id").alias("load_id"),
        pl.lit(0, dtype=pl.Int64).alias("shipper_id"),
        "origin_lat",
        "origin_lon",
        pl.lit("").alias("origin_city"),
        "dest_lat",
        "dest_lon",
        pl.lit("").alias("dest_city"),
        pl.col("weight_kg").clip(lower_bound=1),
        pl.lit(1, dtype=pl.Int64).alias("volume_l"),
        pl.lit([], dtype=pl.List(pl.String)).alias("vehicle_types"),
        pl.lit(0, dtype=pl.Int64).alias("pickup_start"),
        pl.lit(far, dtype=pl.Int64).alias("pickup_end"),
        pl.lit(2 * far, dtype=pl.Int64).alias("delivery_deadline"),
        pl.lit(0, dtype=pl.Int64).alias("price_fen"),
        pl.lit(0, dtype=pl.Int64).alias("posted_at"),
        "day",
        pl.col("vehicle_id").alias("carrier"),
    )
    fleet0 = world.vehicles.with_columns(
        status=pl.lit("idle"), available_from=pl.lit(0, dtype=pl.Int64)
    )
    as_of = int(train["completed_at"].max() or 0)  # type: ignore[arg-type]
    variants = {
        "Yunli score (default weights)": weights or MatchWeights(),
        "expertise only (ablation)": MatchWeights(1, 0, 0, 0, 0, 0),
        "deadhead only (ablation)": MatchWeights(0, 0, 1, 0, 0, 0),
    }
    matchers = {
        name: Matcher(fleet0, train, weights=w, params=params, now=as_of)
        for name, w in variants.items()
    }
    hits = {
        name: np.full(loads.height, 10**9) for name in [*variants, "nearest vehicle (baseline)"]
    }
    ids = fleet0["vehicle_id"].to_numpy()
    reach = np.zeros(loads.height, dtype=bool)
    row_of = {int(t): i for i, t in enumerate(loads["load_id"].to_list())}
    for day in days:
        today = loads.filter(pl.col("day") == day)
        pos = positions.filter(pl.col("day") == day)
        fleet = fleet0.drop("lat", "lon").join(pos.drop("day"), on="vehicle_id", how="left")
        fleet = fleet.select(fleet0.columns)
        lf = today.drop("day", "carrier")
        carrier = dict(zip(today["load_id"].to_list(), today["carrier"].to_list(), strict=True))
        for name, m in matchers.items():
            m.update_vehicles(fleet)
            recs = m.recommend_vehicles_batch(lf, k=max(KS))
            found = recs.filter(
                pl.col("vehicle_id")
                == pl.col("load_id").replace_strict(carrier, return_dtype=pl.Int64)
            )
            for lid, rank in zip(found["load_id"].to_list(), found["rank"].to_list(), strict=True):
                hits[name][row_of[lid]] = rank
        # Naive baseline: nearest vehicles by straight-line distance, no filters.
        tree = cKDTree(_unit(fleet["lat"].to_numpy(), fleet["lon"].to_numpy()))
        _, nn = tree.query(
            _unit(today["origin_lat"].to_numpy(), today["origin_lon"].to_numpy()), k=max(KS)
        )
        near_ids = ids[nn]
        for i, (lid, c) in enumerate(
            zip(today["load_id"].to_list(), today["carrier"].to_list(), strict=True)
        ):
            where = np.nonzero(near_ids[i] == c)[0]
            if where.size:
                hits["nearest vehicle (baseline)"][row_of[lid]] = int(where[0]) + 1
        # Ceiling: is the carrier within the matcher's deadhead radius at all?
        cpos = fleet.join(
            today.select("load_id", pl.col("carrier").alias("vehicle_id")), on="vehicle_id"
        )
        j = today.select("load_id", "origin_lat", "origin_lon").join(
            cpos.select("load_id", "lat", "lon"), on="load_id"
        )
        chord = np.linalg.norm(
            _unit(j["origin_lat"].to_numpy(), j["origin_lon"].to_numpy())
            - _unit(j["lat"].to_numpy(), j["lon"].to_numpy()),
            axis=1,
        )
        d = 2 * np.arcsin(np.minimum(chord / 2, 1.0)) * EARTH_RADIUS_M * params.circuity
        for lid, ok in zip(
            j["load_id"].to_list(), (d <= params.max_deadhead_km * 1000).tolist(), strict=True
        ):
            reach[row_of[lid]] = ok
    table = pl.DataFrame(
        [
            {"method": name, **{f"recall@{k}": float((r <= k).mean()) for k in KS}}
            for name, r in hits.items()
        ]
    )
    return RecallResult(
        table=table,
        n_loads=loads.height,
        n_train_trips=train.height,
        n_days=len(days),
        reachable=float(reach.mean()),
    )


def main() -> None:
    """``python bench/matching_recall.py [--world sample|full] [--loads N]``: print the table."""
    import argparse

    from engine.data.generator import generate_world
    from engine.data.sample import load_sample

    ap = argparse.ArgumentParser(description="Held-out recall@1/5/20 of the matcher.")
    ap.add_argument("--world", choices=["sample", "full"], default="sample")
    ap.add_argument("--loads", type=int, default=20_000, help="held-out trips evaluated")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.world == "sample":
        world = load_sample()
    else:
        world = generate_world(20_000, 2_000_000, 20_000, seed=1)
    r = evaluate(world, n_loads=args.loads, seed=args.seed)
    print(
        f"{r.n_loads:,} held-out trips over {r.n_days} days; profiles from {r.n_train_trips:,} "
        f"trips; carrier within the deadhead radius for {r.reachable:.1%}"
    )
    print(r.markdown())


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
