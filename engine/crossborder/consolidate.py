"""Consolidation of overseas direct-mail parcels and the domestic last leg.

Parcels quoted for direct mail wait at their overseas warehouse for the leg's next cut-off;
each departure's parcels are packed into units (air pallets or sea containers) with the
engine's load planning (:func:`engine.routing.loadplan.plan_loads`, weight and volume),
and the cost of the units is compared with shipping every parcel alone at the express
rate. A unit costs the leg's unit fee plus its freight on the unit's load
(the chargeable-weight rule), so fewer, fuller units cost less. After clearance at the
port of entry, parcels for customers near the port are
delivered by the platform's vans on routes planned with the routing engine
(:func:`engine.routing.solve`); the rest are handed to the domestic express network.

Sizes go to the load planner in grams and millilitres under its ``weight_kg`` and
``volume_l`` columns, with capacities in the same grams and millilitres: the planner
compares integers and is indifferent to their scale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from engine.crossborder.model import Catalog, Leg, great_circle_km
from engine.errors import InvalidInputError
from engine.routing import Model, plan_loads, solve
from engine.units import SECONDS_PER_HOUR


@dataclass(frozen=True, slots=True)
class Parcel:
    """One order's parcel on an international leg, ready at the warehouse on ``ready_on``."""

    parcel_id: str
    leg_id: str
    ready_on: dt.date
    weight_g: int
    volume_ml: int
    customer_id: str


@dataclass(frozen=True, slots=True)
class Departure:
    """One departure of a leg: units packed by the load planner and the cost comparison.

    Attributes
    ----------
    units
        Parcel ids per unit (pallet or container).
    consolidated_fen
        Per unit: the unit fee plus the leg's freight on the unit's load (chargeable weight).
    alone_fen
        The same parcels each shipped alone at the express rate.
    load_factor
        Mean share of unit capacity used, per dimension (``weight``, ``volume``).
    lower_bound
        The planner's proven lower bound on the number of units.
    method
        What produced the packing (the planner's ``method``).
    baseline_units
        Units the first-fit-decreasing baseline needs (computed in the same call).
    """

    leg_id: str
    departs_on: dt.date
    units: tuple[tuple[str, ...], ...]
    consolidated_fen: int
    alone_fen: int
    load_factor: dict[str, float]
    lower_bound: int
    method: str
    baseline_units: int

    @property
    def saving_fen(self) -> int:
        """What consolidation saves against shipping each parcel alone (negative when a
        departure is too small to fill a unit well enough to pay its fee)."""
        return self.alone_fen - self.consolidated_fen

    @property
    def consolidate(self) -> bool:
        """Whether the units cost less than the parcels shipped alone."""
        return self.consolidated_fen < self.alone_fen

    @property
    def cost_fen(self) -> int:
        """The cheaper of consolidating and shipping each parcel alone."""
        return min(self.consolidated_fen, self.alone_fen)


def departure_date(leg: Leg, ready_on: dt.date) -> dt.date:
    """The first departure of ``leg`` on or after ``ready_on``."""
    return ready_on + dt.timedelta(days=leg.days_to_departure(ready_on.weekday()))


def group_by_departure(
    parcels: Iterable[Parcel], catalog: Catalog
) -> dict[tuple[str, dt.date], list[Parcel]]:
    """Group parcels by (leg, departure date).

    Raises
    ------
    InvalidInputError
        A parcel on an unknown leg, or with a non-positive weight or volume.
    """
    out: dict[tuple[str, dt.date], list[Parcel]] = {}
    for p in parcels:
        leg = catalog.legs.get(p.leg_id)
        if leg is None:
            raise InvalidInputError.at("leg_id", f"unknown leg {p.leg_id!r}", p.parcel_id)
        if p.weight_g <= 0 or p.volume_ml <= 0:
            raise InvalidInputError.at(
                "weight_g", "weight and volume must be positive", p.parcel_id
            )
        out.setdefault((p.leg_id, departure_date(leg, p.ready_on)), []).append(p)
    return out


def pack_departure(
    leg: Leg, departs_on: dt.date, parcels: Sequence[Parcel], *, time_limit: float = 5.0
) -> Departure:
    """Pack one departure's parcels into the leg's units with the load planner.

    Raises
    ------
    InvalidInputError
        No parcels, or a parcel larger than a unit (field ``weight_g``/``volume_ml``).
    """
    if not parcels:
        raise InvalidInputError.at("parcels", "nothing to pack", leg.leg_id)
    for p in parcels:
        if p.weight_g > leg.unit_capacity_g or p.volume_ml > leg.unit_capacity_ml:
            raise InvalidInputError.at(
                "weight_g", f"larger than a unit of {leg.leg_id}", p.parcel_id
            )
    shipments = pl.DataFrame(
        {
            "shipment_id": [p.parcel_id for p in parcels],
            "weight_kg": [p.weight_g for p in parcels],
            "volume_l": [p.volume_ml for p in parcels],
        }
    )
    fleet = pl.DataFrame(
        {
            "vehicle_type": [leg.mode],
            "capacity_kg": [leg.unit_capacity_g],
            "capacity_l": [leg.unit_capacity_ml],
            "count": [len(parcels)],
            "cost_fen": [leg.unit_cost_fen],
        }
    )
    plan = plan_loads(shipments, fleet, objective="count", time_limit=time_limit)
    if plan.unplaced:  # cannot happen after the size check above; never drop silently
        raise InvalidInputError.at("parcels", f"unplaced: {plan.unplaced[0].reason}", leg.leg_id)
    units = tuple(tuple(str(s) for s in v.shipment_ids) for v in plan.vehicles)
    n = max(1, len(plan.vehicles))
    factor = {
        "weight": sum(v.load["weight_kg"] for v in plan.vehicles) / (n * leg.unit_capacity_g),
        "volume": sum(v.load["volume_l"] for v in plan.vehicles) / (n * leg.unit_capacity_ml),
    }
    cost = sum(
        leg.unit_cost_fen + leg.freight_fen(v.load["weight_kg"], v.load["volume_l"])
        for v in plan.vehicles
    )
    return Departure(
        leg.leg_id,
        departs_on,
        units,
        cost,
        sum(leg.parcel_alone_fen(p.weight_g) for p in parcels),
        factor,
        plan.lower_bound,
        plan.method,
        plan.baseline.num_vehicles,
    )


def consolidate(
    parcels: Iterable[Parcel], catalog: Catalog, *, time_limit_per_departure: float = 5.0
) -> list[Departure]:
    """Group parcels by departure and pack each (see :func:`pack_departure`)."""
    groups = group_by_departure(parcels, catalog)
    return [
        pack_departure(catalog.legs[leg_id], day, ps, time_limit=time_limit_per_departure)
        for (leg_id, day), ps in sorted(groups.items())
    ]


@dataclass(frozen=True, slots=True)
class LastMile:
    """The van routes from a port hub, and what went to the express network instead."""

    routes: tuple[tuple[str, ...], ...]
    distance_m: int
    cost_fen: int
    express: tuple[str, ...]
    unserved: tuple[str, ...]
    solver: str


def plan_last_mile(
    hub: tuple[float, float],
    parcels: Sequence[Parcel],
    catalog: Catalog,
    *,
    radius_km: float = 60.0,
    van_capacity_g: int = 800_000,
    vans: int = 20,
    cost_per_km_fen: int = 250,
    time_limit: float = 5.0,
    seed: int = 0,
) -> LastMile:
    """Route the parcels whose customer lives within ``radius_km`` of the hub on vans
    (the routing engine: capacity in grams, a 08:00–20:00 shift); the others go by express.

    Parcels for the same customer make one stop.

    Raises
    ------
    InvalidInputError
        Unknown customers, non-positive capacity or fleet.
    """
    if van_capacity_g <= 0 or vans <= 0:
        raise InvalidInputError.at("van_capacity_g", "capacity and fleet size must be positive")
    local: dict[str, list[Parcel]] = {}
    express: list[str] = []
    for p in parcels:
        c = catalog.customer(p.customer_id)
        if great_circle_km(hub[0], hub[1], c.lat, c.lon) <= radius_km:
            local.setdefault(p.customer_id, []).append(p)
        else:
            express.append(p.parcel_id)
    for cid in [c for c, ps in local.items() if sum(p.weight_g for p in ps) > van_capacity_g]:
        express.extend(p.parcel_id for p in local.pop(cid))  # more than a van: express
    if not local:
        return LastMile((), 0, 0, tuple(express), (), "none")
    m = Model(dimensions=("g",))
    depot = m.add_depot(hub[0], hub[1], name="hub")
    m.add_vehicle_type(
        vans,
        capacity=van_capacity_g,
        start=depot,
        cost_per_km=cost_per_km_fen,
        shift=(8 * SECONDS_PER_HOUR, 20 * SECONDS_PER_HOUR),
        name="van",
    )
    order = sorted(local)
    for cid in order:
        c = catalog.customers[cid]
        site = m.add_site(c.lat, c.lon, name=cid)
        load = sum(p.weight_g for p in local[cid])
        m.add_job(site, delivery=load, service=180, name=cid)
    sol = solve(m.data(name="last-mile"), time_limit=time_limit, seed=seed)
    routes = tuple(
        tuple(pid for j in r.jobs for pid in (p.parcel_id for p in local[order[j]]))
        for r in sol.routes
    )
    unserved = tuple(p.parcel_id for u in sol.unserved for p in local[order[u.job]])
    return LastMile(
        routes,
        int(sol.distance),
        round(sol.cost),
        tuple(express),
        unserved,
        sol.solver,
    )


__all__ = [
    "Departure",
    "LastMile",
    "Parcel",
    "consolidate",
    "departure_date",
    "group_by_departure",
    "pack_departure",
    "plan_last_mile",
]
