"""Consolidation with the load planner, the last leg with the routing engine, and
bonded replenishment."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from engine.crossborder.consolidate import (
    Parcel,
    consolidate,
    departure_date,
    pack_departure,
    plan_last_mile,
)
from engine.crossborder.model import Catalog
from engine.crossborder.replenish import DemandForecast, forecast_demand, plan_replenishment
from engine.crossborder.ruleset import RuleBook
from engine.errors import InvalidInputError

from .conftest import DAY


def _parcels(world: Catalog, leg_id: str, n: int, seed: int = 0) -> list[Parcel]:
    rng = random.Random(seed)
    cust = sorted(world.customers)
    return [
        Parcel(
            f"p{i}",
            leg_id,
            DAY + dt.timedelta(days=rng.randrange(7)),
            rng.randint(200, 5000),
            rng.randint(300, 20_000),
            rng.choice(cust),
        )
        for i in range(n)
    ]


def test_departures_follow_cutoffs(world: Catalog) -> None:
    """Parcels wait for the leg's next cut-off day."""
    leg = world.legs["OS-JP-0-air"]  # Tue, Thu, Sat
    assert departure_date(leg, DAY) == DAY + dt.timedelta(days=1)
    assert departure_date(leg, DAY + dt.timedelta(days=1)) == DAY + dt.timedelta(days=1)
    assert departure_date(leg, DAY + dt.timedelta(days=6)) == DAY + dt.timedelta(days=8)


def test_packing_is_valid_and_saves(world: Catalog) -> None:
    """Every parcel is in exactly one unit, no unit is over capacity, the unit count meets
    the planner's bound, and consolidation costs less than parcels shipped alone."""
    parcels = _parcels(world, "OS-JP-0-sea", 3000)
    deps = consolidate(parcels, world, time_limit_per_departure=3)
    leg = world.legs["OS-JP-0-sea"]
    by_id = {p.parcel_id: p for p in parcels}
    seen = [pid for d in deps for u in d.units for pid in u]
    assert sorted(seen) == sorted(by_id)
    for d in deps:
        assert d.departs_on.weekday() in leg.cutoff_weekdays
        for u in d.units:
            assert sum(by_id[p].weight_g for p in u) <= leg.unit_capacity_g
            assert sum(by_id[p].volume_ml for p in u) <= leg.unit_capacity_ml
        assert len(d.units) >= d.lower_bound
        assert d.consolidated_fen == sum(
            leg.unit_cost_fen
            + leg.freight_fen(sum(by_id[p].weight_g for p in u), sum(by_id[p].volume_ml for p in u))
            for u in d.units
        )
        assert d.alone_fen == sum(
            leg.parcel_alone_fen(by_id[p].weight_g) for u in d.units for p in u
        )
        assert 0 < d.load_factor["volume"] <= 1
    assert sum(d.saving_fen for d in deps) > 0
    for d in deps:
        assert d.cost_fen == min(d.consolidated_fen, d.alone_fen)
        assert d.consolidate == (d.consolidated_fen < d.alone_fen)


def test_oversize_parcel(world: Catalog) -> None:
    """A parcel larger than a unit fails naming it."""
    leg = world.legs["OS-JP-0-air"]
    big = Parcel("big", leg.leg_id, DAY, leg.unit_capacity_g + 1, 10, "C000001")
    with pytest.raises(InvalidInputError) as e:
        pack_departure(leg, DAY, [big])
    assert e.value.row_id == "big"


def test_last_mile_routes(world: Catalog) -> None:
    """Parcels near the port go on van routes planned by the routing engine (each once);
    the rest go by express."""
    leg = world.legs["OS-JP-0-air"]
    hub = (leg.port_lat, leg.port_lon)
    near = [
        c
        for c in world.customers.values()
        if abs(c.lat - hub[0]) < 0.4 and abs(c.lon - hub[1]) < 0.4
    ]
    assert near, "the seeded world has customers near Shanghai"
    parcels = [
        Parcel(f"n{i}", leg.leg_id, DAY, 1500, 3000, c.customer_id) for i, c in enumerate(near)
    ]
    far = next(c for c in world.customers.values() if abs(c.lat - hub[0]) > 3)
    parcels.append(Parcel("far", leg.leg_id, DAY, 1500, 3000, far.customer_id))
    lm = plan_last_mile(hub, parcels, world, time_limit=2)
    routed = [p for r in lm.routes for p in r]
    assert sorted(routed + list(lm.unserved)) == sorted(p.parcel_id for p in parcels[:-1])
    assert lm.express == ("far",)
    assert lm.distance_m > 0
    assert not lm.unserved


def test_replenishment(world: Catalog, book: RuleBook) -> None:
    """Expensive goods go by air, cheap bulky goods by sea; the reorder point covers the
    mean lead-time demand plus a safety stock that grows with the service level."""
    clr = book.customs(DAY).modes["bonded"].clearance
    legs = world.legs_from["OS-JP-0"]
    demand = forecast_demand([3, 5, 2, 4, 6, 3, 4, 5, 2, 3])
    assert 2 < demand.mean < 6
    assert demand.sd > 0
    skus = sorted(world.skus.values(), key=lambda s: s.unit_price_fen)
    cheap, dear = skus[0], skus[-1]
    r_cheap = plan_replenishment(cheap, legs, clr, DemandForecast(5, 2))
    r_dear = plan_replenishment(dear, legs, clr, DemandForecast(5, 2))
    assert r_cheap.chosen.mode == "sea"
    assert r_dear.chosen.mode == "air"
    assert r_cheap.chosen.reorder_point >= 5 * r_cheap.chosen.lead_mean_days
    hi = plan_replenishment(cheap, legs, clr, DemandForecast(5, 2), service_level_bp=9900)
    assert hi.chosen.safety_stock > r_cheap.chosen.safety_stock
    with pytest.raises(InvalidInputError):
        plan_replenishment(cheap, legs, clr, DemandForecast(5, 2), service_level_bp=10_000)
