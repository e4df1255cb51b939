"""Market simulator: a seeded day of the sample market through the order subsystem,
under fixed-price dispatch, bidding (竞价) and grabbing (抢单), side by side.

Every regime posts the same loads of the sample world (in their ``posted_at`` order)
as orders into its own embedded order store (``server/store/orders.py`` on an
in-memory SQLite database, the rules of ``engine/orders``), lets carriers act on them
by the behaviour model below, carries every awarded order through loading, delivery,
confirmation, rating and settlement, and checks the ledger at the end.

Behaviour model (all draws from one seeded generator)
-----------------------------------------------------
* A carrier's cost of an order is its vehicle type's ``cost_per_km_fen`` × (empty km
  to the pickup + loaded km); its reservation price is cost × a markup drawn
  uniformly from [1.0, 1.3] per carrier and order.
* Matching: candidates are the vehicles ``Matcher.recommend_vehicles`` ranks for the
  order (top 30, the fleet's positions and availability updated as vehicles are
  awarded: a winner is busy until it delivers and then stands at the destination).
* Fixed price: the platform offers the order at the shipper's price to the top-ranked
  vehicle; the carrier accepts when the price covers its reservation price, after a
  response time drawn from [3, 15] min; a refusal goes to the next-ranked vehicle, up
  to three offers within the 30-minute deadline, else the order expires.
* Grabbing: the order is pushed to ``push_list`` (top 20 with the new-carrier quota)
  at the shipper's price; each carrier whose reservation price is covered tries to
  grab after a reaction time drawn from an exponential with mean 5 min × (1 + rank/10);
  the earliest grab before the deadline wins (the second-earliest is sent too and
  refused by the store).
* Credit: every 50 awards the carriers' credit archive is written into the fleet's rating
  columns the matcher scores with (``vehicles_with_credit``), so the day's ratings,
  punctuality and cancellations change later rankings.
* Bidding: pushed carriers bid with probability 0.7 when their cost is below the
  reserve (the shipper's price × 1.1); a bid asks the reservation price; the award
  rule of ``engine.orders.auction`` picks the winner at the 30-minute deadline (auto
  award by the store's sweep).

Outcomes
--------
fill rate (awarded / posted), minutes from posting to award, awarded price against the
lane rate (median of price / the lane rate model's median for the order, the model
fitted on the posted prices of the whole sample), empty km per load (to the pickup),
load factor (cargo weight / vehicle capacity) and CO₂.

Emission factors (kg CO₂ per km, loaded or empty): diesel use per vehicle type (L/100
km: van 8, light truck 13, medium truck 22, heavy truck 32, semi-trailer 38, reefer 28
including the refrigeration unit) × 2.68 kg CO₂ per litre of diesel (IPCC 2006
default for diesel, 74.1 t CO₂/TJ × 36.2 MJ/L). A simplification: the load's weight
does not change the factor.

Run::

    python -m bench.market_sim --loads 400 --seed 7
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import polars as pl

from engine.data.sample import load_sample
from engine.data.schemas import VEHICLE_TYPES
from engine.matching import Matcher
from engine.orders.credit import vehicles_with_credit
from engine.orders.eligibility import push_list, road_distance_m
from engine.orders.errors import OrderStateError
from engine.orders.model import LOAD_ORDER_FIELDS, Actor, Order, PriceMode, Role
from engine.orders.pricing import LaneRateModel, observations_from_loads

#: Diesel litres per 100 km by vehicle type.
DIESEL_L_PER_100KM: Final = {
    "van": 8.0,
    "light_truck": 13.0,
    "medium_truck": 22.0,
    "heavy_truck": 32.0,
    "trailer": 38.0,
    "reefer": 28.0,
}
#: kg CO₂ per litre of diesel (IPCC 2006 default).
KG_CO2_PER_L_DIESEL: Final = 2.68
#: kg CO₂ per km by vehicle type.
EMISSION_KG_PER_KM: Final = {
    t: lp * KG_CO2_PER_L_DIESEL / 100 for t, lp in DIESEL_L_PER_100KM.items()
}
DEADLINE_S: Final = 30 * 60
SPEED_KMH: Final = 60.0


@dataclass
class Outcome:
    """Per-regime outcomes."""

    regime: str
    posted: int = 0
    awarded: int = 0
    minutes_to_award: list[float] = field(default_factory=list)
    price_vs_lane: list[float] = field(default_factory=list)
    empty_km: list[float] = field(default_factory=list)
    loaded_km: list[float] = field(default_factory=list)
    load_factor: list[float] = field(default_factory=list)
    co2_kg: float = 0.0
    refused_grabs: int = 0
    ledger: str = ""

    def row(self) -> dict[str, Any]:
        """The summary figures."""
        n = max(self.awarded, 1)
        return {
            "regime": self.regime,
            "posted": self.posted,
            "fill_rate": round(self.awarded / max(self.posted, 1), 3),
            "median_min_to_award": round(float(np.median(self.minutes_to_award)), 1)
            if self.awarded
            else math.nan,
            "median_price_vs_lane": round(float(np.median(self.price_vs_lane)), 3)
            if self.awarded
            else math.nan,
            "empty_km_per_load": round(sum(self.empty_km) / n, 1),
            "load_factor": round(float(np.mean(self.load_factor)), 3) if self.awarded else math.nan,
            "co2_kg_per_load": round(self.co2_kg / n, 1),
            "co2_kg_total": round(self.co2_kg),
            "refused_grabs": self.refused_grabs,
            "ledger": self.ledger,
        }


def _order(row: dict[str, Any], mode: PriceMode, price: int) -> Order:
    keys = (*LOAD_ORDER_FIELDS, "pickup_start", "pickup_end", "delivery_deadline", "posted_at")
    kw = {k: row[k] for k in keys}
    deadline = min(row["posted_at"] + DEADLINE_S, row["pickup_end"])
    return Order(
        order_id=1,
        price_mode=mode,
        price_fen=price,
        deadline=deadline,
        vehicle_types=tuple(row["vehicle_types"]),
        **kw,
    )


def simulate(regime: str, n_loads: int, seed: int) -> Outcome:
    """One regime over the first ``n_loads`` loads of the sample day."""
    from server.store.orders import OrderStore
    from server.store.sqlite import SqliteStore

    rng = np.random.default_rng(seed)
    world = load_sample()
    loads = world.loads.sort("posted_at").head(n_loads)
    lane = LaneRateModel(observations_from_loads(world.loads))
    vehicles = world.vehicles.with_columns(
        pl.col("available_from").clip(lower_bound=int(loads["posted_at"].min()))
    )  # type: ignore[arg-type]
    matcher = Matcher(vehicles, world.trips, now=world.now)
    vrow = {int(r["vehicle_id"]): r for r in vehicles.iter_rows(named=True)}
    store = OrderStore(SqliteStore(":memory:"))
    out = Outcome(regime)
    platform = Actor(Role.PLATFORM, 1)
    for i, row in enumerate(loads.iter_rows(named=True)):
        t = int(row["posted_at"])
        mode = {
            "fixed": PriceMode.FIXED,
            "bidding": PriceMode.BIDDING,
            "grabbing": PriceMode.GRABBING,
        }[regime]
        price = int(row["price_fen"] * 1.1) if mode is PriceMode.BIDDING else int(row["price_fen"])
        order = _order(row, mode, price)
        try:
            oid = store.post(f"p{i}", order, at=t)["order"]["order_id"]
        except Exception:  # an order the rules refuse (e.g. a too-short window) is not posted
            continue
        out.posted += 1
        order.order_id = oid
        ranked = matcher.recommend_vehicles(order.as_load(), k=30)
        trip_km = (
            road_distance_m(order.origin_lat, order.origin_lon, order.dest_lat, order.dest_lon)
            / 1000
        )
        cands = []
        for r in ranked.iter_rows(named=True):
            v = vrow[int(r["vehicle_id"])]
            empty = r["deadhead_m"] / 1000
            cost = VEHICLE_TYPES[v["vehicle_type"]].cost_per_km_fen * (empty + trip_km)
            cands.append((v, empty, cost, cost * rng.uniform(1.0, 1.3)))
        won: tuple[dict[str, Any], int, int] | None = None  # vehicle, award time, price
        if mode is PriceMode.FIXED:
            at = t
            for v, _, _, reserve in cands[:3]:
                at += int(rng.uniform(180, 900))
                if at > order.deadline:
                    break
                carrier = Actor(Role.CARRIER, int(v["carrier_id"]))
                store.offer(f"o{i}-{v['vehicle_id']}", oid, platform, carrier.id, at=at)
                if price >= reserve:
                    store.accept(f"a{i}", oid, carrier, v, at=at)
                    won = (v, at, price)
                    break
                store.decline(f"d{i}-{v['vehicle_id']}", oid, carrier, "price too low", at=at)
        else:
            pushed = set(
                push_list(
                    [(int(v["carrier_id"]), int(v["vehicle_id"]), 0.0) for v, *_ in cands], {}, 20
                )
            )
            pool = [(k, c) for k, c in enumerate(cands) if int(c[0]["carrier_id"]) in pushed]
            if mode is PriceMode.GRABBING:
                tries = sorted(
                    (t + rng.exponential(300 * (1 + k / 10)), k, c)
                    for k, c in pool
                    if price >= c[3]
                )
                for at_f, _, (v, *_rest) in tries[:2]:
                    at = int(at_f)
                    if at > order.deadline:
                        break
                    try:
                        store.grab(
                            f"g{i}-{v['vehicle_id']}",
                            oid,
                            Actor(Role.CARRIER, int(v["carrier_id"])),
                            v,
                            at=at,
                        )
                        won = won or (v, at, price)
                    except OrderStateError:
                        out.refused_grabs += 1
            else:
                for k, (v, _, cost, reserve) in pool:
                    if cost <= price and rng.random() < 0.7:
                        at = t + int(rng.uniform(60, DEADLINE_S - 60))
                        store.place_bid(
                            f"b{i}-{v['vehicle_id']}",
                            oid,
                            Actor(Role.CARRIER, int(v["carrier_id"])),
                            v,
                            int(min(reserve, price)),
                            match_score=float(ranked["score"][k]),
                            at=at,
                        )
                res = store.sweep(at=order.deadline)
                got = [
                    r["order"]
                    for r in res
                    if r["order"]["order_id"] == oid and r["order"]["state"] == "awarded"
                ]
                if got:
                    won = (
                        vrow[got[0]["vehicle_id"]],
                        got[0]["awarded_at"],
                        got[0]["awarded_price_fen"],
                    )
        if won is None:
            store.sweep(at=order.deadline + 1)
            continue
        v, at, paid = won
        out.awarded += 1
        empty = road_distance_m(v["lat"], v["lon"], order.origin_lat, order.origin_lon) / 1000
        out.minutes_to_award.append((at - t) / 60)
        vt = order.vehicle_types[0] if order.vehicle_types else v["vehicle_type"]
        g = lane.guidance(
            order.origin_city, order.dest_city, vt, int(trip_km * 1000), order.pickup_start
        )
        out.price_vs_lane.append(paid / max(g.mid_fen, 1))
        out.empty_km.append(empty)
        out.loaded_km.append(trip_km)
        out.load_factor.append(order.weight_kg / v["capacity_kg"])
        out.co2_kg += (empty + trip_km) * EMISSION_KG_PER_KM[v["vehicle_type"]]
        # carry it through to settlement and move the vehicle
        carrier, shipper = (
            Actor(Role.CARRIER, int(v["carrier_id"])),
            Actor(Role.SHIPPER, order.shipper_id),
        )
        load_at = max(at + 60, order.pickup_start)
        done_at = load_at + int((trip_km / SPEED_KMH) * 3600)
        for j, (action, who) in enumerate(
            (
                ("confirm_loading", carrier),
                ("depart", carrier),
                ("deliver", carrier),
                ("confirm_delivery", shipper),
            )
        ):
            store.progress(
                f"{action}-{i}",
                oid,
                action,
                who,
                at=load_at + j * 60 if action != "deliver" else done_at,
            )
        store.rate(f"r{i}", oid, shipper, int(rng.integers(3, 6)), at=done_at + 600)
        store.settle(f"s{i}", oid, platform, at=done_at + 900)
        v2 = dict(v, lat=order.dest_lat, lon=order.dest_lon, available_from=done_at)
        vrow[int(v["vehicle_id"])] = v2
        upd = vehicles.filter(pl.col("vehicle_id") != v["vehicle_id"])
        vehicles = pl.concat([upd, pl.DataFrame([v2], schema=vehicles.schema)])
        if out.awarded % 50 == 0:  # outcomes flow back: the credit archive into the ratings
            vehicles = vehicles_with_credit(vehicles, store.credits("carrier"))
        matcher.update_vehicles(vehicles)
    out.ledger = store.check_ledger().summary()
    store.sql.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the three regimes and print a table (and JSON lines)."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--loads", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rows = []
    for regime in ("fixed", "bidding", "grabbing"):
        t0 = time.perf_counter()
        r = simulate(regime, args.loads, args.seed).row()
        r["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(r)
        print(json.dumps(r, ensure_ascii=False), flush=True)
    cols = [
        "regime",
        "fill_rate",
        "median_min_to_award",
        "median_price_vs_lane",
        "empty_km_per_load",
        "load_factor",
        "co2_kg_per_load",
    ]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
