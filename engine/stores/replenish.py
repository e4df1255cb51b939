"""Store replenishment: demand forecast, order-up-to levels, and the van routing plan.

1. :func:`forecast_demand` learns, per store and SKU, the mean and variance of the units
   sold in each hour of each weekday (7 × 24 cells) from a sales history.
2. :func:`order_up_to` sets each SKU's order-up-to level for a service-level target: the
   demand over the protection interval (lead time + review period) has mean ``μ`` and
   variance ``σ²`` summed over its hours, and the level is ``⌈μ + z σ⌉`` with ``z`` the
   standard normal quantile of the target (the cycle service level: the chance the
   stock lasts until the next delivery). The quantity ordered is the level minus the
   stock on hand.
3. :func:`plan_replenishment` turns the quantities into a routing problem for the van
   fleet on the routing core (:func:`engine.routing.solve`): one delivery per store
   (split across vans when it exceeds a van), weight and volume capacities, and each
   store's receiving windows as the time windows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Final

import numpy as np

from engine.errors import InvalidInputError, NotFoundError
from engine.routing import Model, Solution, solve
from engine.stores.model import (
    LOCAL_OFFSET_S,
    StoreNetwork,
    local_hour,
    weekday,
)
from engine.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

#: Unloading at a store: a fixed part plus per unit (s).
UNLOAD_FIXED_S: Final = 600
UNLOAD_PER_UNIT_S: Final = 3
#: Default van: ``(weight_kg, volume_l)`` and count.
VAN_CAPACITY: Final = (1_500, 6_000)


@dataclass(frozen=True, slots=True)
class Sale:
    """Units of a SKU sold at a store at an instant (Unix s)."""

    t: int
    store_id: str
    sku_id: str
    quantity: int


@dataclass
class DemandForecast:
    """Mean and variance of hourly demand per ``(store, sku)``: arrays of shape (7, 24)
    indexed by local weekday (Monday 0) and hour."""

    mean: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    var: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    weeks: int = 1

    def interval(self, store_id: str, sku_id: str, start: int, end: int) -> tuple[float, float]:
        """Mean and variance of the demand from ``start`` to ``end`` (Unix s), summing the
        hourly cells (a partial hour counts pro rata)."""
        key = (store_id, sku_id)
        if key not in self.mean:
            return 0.0, 0.0
        mu = var = 0.0
        t = start
        while t < end:
            nxt = min(end, (t // SECONDS_PER_HOUR + 1) * SECONDS_PER_HOUR)
            share = (nxt - t) / SECONDS_PER_HOUR
            d, h = weekday(t), local_hour(t)
            mu += share * float(self.mean[key][d, h])
            var += share * float(self.var[key][d, h])
            t = nxt
        return mu, var


def forecast_demand(sales: Iterable[Sale], *, weeks: int | None = None) -> DemandForecast:
    """Hour × weekday demand per store and SKU from a sales history.

    The mean of a cell is the units sold in it divided by the number of weeks the
    history spans (``weeks``, default: from the first to the last sale, at least one);
    the variance is the variance across those weeks, and at least the mean (demand is
    at least as variable as a Poisson stream).

    Raises
    ------
    InvalidInputError
        Empty history, negative quantities, ``weeks < 1``.
    """
    rows = list(sales)
    if not rows:
        raise InvalidInputError.at("sales", "the sales history is empty")
    for s in rows:
        if s.quantity < 0:
            raise InvalidInputError.at("sales.quantity", "must be >= 0", s.store_id)
    t0 = min(s.t for s in rows)
    span = max(s.t for s in rows) - t0
    n_weeks = weeks if weeks is not None else max(1, math.ceil((span + 1) / (7 * SECONDS_PER_DAY)))
    if n_weeks < 1:
        raise InvalidInputError.at("weeks", f"must be >= 1, got {n_weeks}")
    counts: dict[tuple[str, str], np.ndarray] = {}
    for s in rows:
        w = min(n_weeks - 1, (s.t - t0) // (7 * SECONDS_PER_DAY))
        arr = counts.setdefault((s.store_id, s.sku_id), np.zeros((n_weeks, 7, 24)))
        arr[w, weekday(s.t), local_hour(s.t)] += s.quantity
    fc = DemandForecast(weeks=n_weeks)
    for key, arr in counts.items():
        mean = arr.mean(axis=0)
        fc.mean[key] = mean
        fc.var[key] = np.maximum(arr.var(axis=0, ddof=1) if n_weeks > 1 else mean, mean)
    return fc


@dataclass(frozen=True, slots=True)
class OrderLine:
    """What a store should receive of a SKU: its order-up-to ``level``, the stock on
    hand, the protection-interval demand mean and the ``quantity`` to deliver."""

    store_id: str
    sku_id: str
    level: int
    on_hand: int
    demand_mean: float
    quantity: int


def order_up_to(
    network: StoreNetwork,
    fc: DemandForecast,
    at: int,
    *,
    review_s: int = SECONDS_PER_DAY,
    lead_s: int = 0,
    service_level: float = 0.95,
) -> list[OrderLine]:
    """Order-up-to levels and quantities for every store and SKU with demand.

    Parameters
    ----------
    at
        When the delivery arrives (Unix s): the protection interval is
        ``[at, at + lead_s + review_s)``.
    review_s, lead_s
        Review period (time to the next delivery) and any extra lead time (s).
    service_level
        Target probability that the stock lasts the interval, in [0.5, 1).

    Raises
    ------
    InvalidInputError
        A service level outside [0.5, 1), negative periods.
    """
    if not (0.5 <= service_level < 1.0):
        raise InvalidInputError.at("service_level", f"must be in [0.5, 1), got {service_level}")
    if review_s <= 0 or lead_s < 0:
        raise InvalidInputError.at("review_s", "review period must be > 0 and lead time >= 0")
    z = NormalDist().inv_cdf(service_level)
    out: list[OrderLine] = []
    for store_id, sku_id in sorted(fc.mean):
        network.store(store_id)
        mu, var = fc.interval(store_id, sku_id, at, at + lead_s + review_s)
        level = math.ceil(mu + z * math.sqrt(var)) if mu > 0 else 0
        on_hand = network.stock.get(store_id, {}).get(sku_id, 0)
        out.append(OrderLine(store_id, sku_id, level, on_hand, mu, max(0, level - on_hand)))
    return out


@dataclass(frozen=True)
class Delivery:
    """One van stop: the store, the lines unloaded (``sku -> units``), arrival time."""

    van: int
    store_id: str
    lines: Mapping[str, int]
    service_start: int


@dataclass(frozen=True)
class ReplenishmentPlan:
    """The van routes of a replenishment, and what could not be delivered."""

    deliveries: tuple[Delivery, ...]
    unserved: tuple[str, ...]
    vans_used: int
    distance_m: int
    solution: Solution

    def summary(self) -> str:
        """One line."""
        units = sum(sum(d.lines.values()) for d in self.deliveries)
        return (
            f"{len(self.deliveries)} store deliveries ({units} units) by {self.vans_used} vans, "
            f"{self.distance_m / 1000:.1f} km, {len(self.unserved)} unserved"
        )

    def apply(self, network: StoreNetwork) -> None:
        """Add the delivered units to the stores' stock."""
        for d in self.deliveries:
            levels = network.stock.setdefault(d.store_id, {})
            for sku, q in d.lines.items():
                levels[sku] = levels.get(sku, 0) + q


def plan_replenishment(
    network: StoreNetwork,
    lines: Iterable[OrderLine],
    warehouse: tuple[float, float],
    day_midnight: int,
    *,
    vans: int = 3,
    van_capacity: tuple[int, int] = VAN_CAPACITY,
    shift: tuple[int, int] = (5 * 3600, 12 * 3600),
    time_limit: float = 1.0,
    seed: int = 0,
) -> ReplenishmentPlan:
    """Route the van fleet from the warehouse to the stores (see the module docstring).

    ``day_midnight`` is local midnight of the delivery day (Unix s); ``shift`` and each
    store's receiving windows are seconds after it.

    Raises
    ------
    InvalidInputError
        Nothing to deliver, no vans, non-positive capacities, a SKU heavier than a van,
        a midnight that is not a local midnight.
    """
    if vans <= 0 or min(van_capacity) <= 0:
        raise InvalidInputError.at("vans", "need at least one van with positive capacity")
    if (day_midnight + LOCAL_OFFSET_S) % SECONDS_PER_DAY:
        raise InvalidInputError.at("day_midnight", "is not a local midnight (UTC+8)")
    by_store: dict[str, dict[str, int]] = {}
    for ln in lines:
        if ln.quantity > 0:
            by_store.setdefault(ln.store_id, {})[ln.sku_id] = ln.quantity
    if not by_store:
        raise InvalidInputError.at("lines", "nothing to deliver")
    m = Model(dimensions=("weight_kg", "volume_l"))
    wh = m.add_depot(lat=warehouse[0], lon=warehouse[1], name="warehouse")
    m.add_vehicle_type(
        vans,
        capacity=van_capacity,
        start=wh,
        cost_per_km=1000,
        shift=(day_midnight + shift[0], day_midnight + shift[1]),
        profile="van",
        name="van",
    )
    chunks: list[tuple[str, dict[str, int]]] = []
    for store_id, wanted in sorted(by_store.items()):
        store = network.store(store_id)
        site = m.add_site(lat=store.lat, lon=store.lon, name=store_id)
        # Split the store's lines into van-sized chunks (first fit, by SKU units).
        cur: dict[str, int] = {}
        load = [0, 0]
        for sku_id, q in sorted(wanted.items()):
            sku = network.skus.get(sku_id)
            if sku is None:
                raise NotFoundError(f"sku_id: unknown SKU {sku_id!r}")
            if sku.weight_kg > van_capacity[0] or sku.volume_l > van_capacity[1]:
                raise InvalidInputError.at("sku_id", "one unit exceeds a van", sku_id)
            for _ in range(q):
                if (
                    load[0] + sku.weight_kg > van_capacity[0]
                    or load[1] + sku.volume_l > van_capacity[1]
                ):
                    chunks.append((store_id, cur))
                    cur, load = {}, [0, 0]
                cur[sku_id] = cur.get(sku_id, 0) + 1
                load = [load[0] + sku.weight_kg, load[1] + sku.volume_l]
        if cur:
            chunks.append((store_id, cur))
        windows = [(day_midnight + a, day_midnight + b) for a, b in store.receiving]
        for i, (sid, chunk) in enumerate(c for c in chunks if c[0] == store_id):
            w = sum(network.skus[k].weight_kg * q for k, q in chunk.items())
            v = sum(network.skus[k].volume_l * q for k, q in chunk.items())
            m.add_job(
                site,
                delivery=(max(1, w), max(1, v)),
                service=UNLOAD_FIXED_S + UNLOAD_PER_UNIT_S * sum(chunk.values()),
                time_windows=windows,
                name=f"{sid}#{i}",
            )
    problem = m.data(name="replenishment")
    sol = solve(problem, time_limit=time_limit, seed=seed)
    chunk_of = {
        f"{sid}#{i}": c for sid in by_store for i, c in enumerate(c for s, c in chunks if s == sid)
    }
    deliveries = []
    for r_i, r in enumerate(sol.routes):
        for name, start in zip(r.job_names, r.service_starts, strict=True):
            sid = name.split("#")[0]
            deliveries.append(Delivery(r_i, sid, dict(chunk_of[name]), int(start)))
    return ReplenishmentPlan(
        tuple(deliveries),
        tuple(u.name for u in sol.unserved),
        sol.num_vehicles,
        int(sol.distance),
        sol,
    )
