"""A seeded store day in a real city, run by the Yunli dispatcher and by two baselines.

:func:`city_store_day` builds the day: stores around a real city centre (from the
bundled GeoNames cities), a campus whose gate station receives the students' orders, a
village pick-up station, a SKU catalogue from toothpicks to television sets with stock
per store, e-bike, bicycle and van couriers on lunch and dinner shifts, orders with
lunch and dinner peaks, and a rainy afternoon.

:func:`simulate` replays the orders as they were placed under one policy:

``yunli``
    :class:`~engine.stores.dispatch.Dispatcher`: a quote at order time, a re-plan
    round (Rust core, promises as deadlines, re-assignment of orders not yet picked up)
    every minute with new work, positions streamed in as live events.
``nearest_idle``
    First come, first served: the oldest waiting order goes to the nearest idle courier
    on shift, one order per trip.
``greedy``
    Greedy insertion without re-assignment: each order goes, when placed, to the courier
    that delivers it soonest (at the end of its trip list, or bundled with a pickup it
    already has at the same store without making another order later than 30 minutes);
    never moved afterwards.

Every policy drives the same travel times (the live plan's ETA model, rain slowdowns
included), the same service times and the same courier shifts; the simulated couriers
drive their plans exactly. :class:`DayReport` gives the share delivered within 30
minutes, click-to-door mean and p95, orders per courier-hour, km per order, cost per
order, fee revenue, pick-up point use and stock-outs.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np

from engine.errors import InfeasibleError, InvalidInputError, NotFoundError
from engine.live import PositionUpdate, Slowdown, forecast
from engine.live.eta import leg_metres, leg_seconds
from engine.live.traffic import leg_factor
from engine.stores.dispatch import (
    DROP_SERVICE_S,
    PICKUP_SERVICE_S,
    POINT_SERVICE_S,
    Dispatcher,
)
from engine.stores.model import (
    COURIER_MODES,
    PLAN_CIRCUITY,
    PROMISE_S,
    WEATHER_SLOWDOWN,
    Courier,
    Order,
    Site,
    Sku,
    StoreNetwork,
    Weather,
    WeatherPeriod,
    road_metres,
    weekday,
)
from engine.stores.replenish import Sale
from engine.stores.tariff import DEFAULT_TARIFF, Tariff
from engine.units import EARTH_RADIUS_M, SECONDS_PER_DAY

#: Policies :func:`simulate` runs.
POLICIES: Final = ("yunli", "nearest_idle", "greedy")
#: Courier cost: wage per hour on shift and running cost per km (fen).
WAGE_FEN_PER_HOUR: Final = 2_500
COST_FEN_PER_KM: Final = 20
#: Simulation tick (s): positions are reported and a round is dispatched this often.
TICK_S: Final = 60

#: 00:00 China Standard Time on Wednesday 2 December 2026 (Unix s).
DAY_MIDNIGHT: Final = 1_796_140_800

#: The catalogue: (sku, name, weight kg, volume L, price fen, popularity, stock per store).
CATALOGUE: Final = (
    ("toothpicks", "牙签 toothpicks", 0, 0, 300, 3, 200),
    ("tissues", "纸巾 tissues", 1, 6, 1_500, 8, 120),
    ("water24", "矿泉水 24 bottles", 13, 16, 3_600, 6, 60),
    ("rice5", "大米 5 kg", 5, 6, 4_500, 4, 50),
    ("milk", "牛奶 milk", 1, 1, 1_200, 10, 150),
    ("eggs", "鸡蛋 eggs", 1, 2, 1_800, 8, 100),
    ("beer6", "啤酒 6 cans", 3, 3, 3_000, 6, 80),
    ("snacks", "零食 snacks", 0, 2, 1_000, 10, 200),
    ("detergent", "洗衣液 detergent", 3, 3, 3_500, 3, 60),
    ("fruit", "水果 fruit", 2, 3, 2_500, 9, 100),
    ("microwave", "微波炉 microwave", 12, 45, 39_900, 0.3, 4),
    ("tv", "彩电 television", 18, 140, 299_900, 0.15, 2),
)


@dataclass(frozen=True)
class StoreDay:
    """A day to simulate: the network (with its opening stock), orders, weather, clock."""

    city: str
    network: StoreNetwork
    orders: tuple[Order, ...]
    weather: Weather
    start: int
    end: int
    seed: int
    promise_s: int = PROMISE_S
    pickup_service_s: int = PICKUP_SERVICE_S
    drop_service_s: int = DROP_SERVICE_S
    courier_mode: str = ""


def _offset(center: tuple[float, float], dist_m: float, bearing: float) -> tuple[float, float]:
    lat = center[0] + math.degrees(dist_m * math.cos(bearing) / EARTH_RADIUS_M)
    lon = center[1] + math.degrees(
        dist_m * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(center[0])))
    )
    return round(lat, 6), round(lon, 6)


def city_store_day(
    city: str = "Hangzhou",
    *,
    n_orders: int = 360,
    n_stores: int = 3,
    ebikes_per_store: int = 4,
    seed: int = 0,
    rain: bool = True,
    midnight: int = DAY_MIDNIGHT,
    stock_scale: float = 1.0,
) -> StoreDay:
    """A seeded store day (see the module docstring) in a city of the bundled list.

    ``midnight`` is the local midnight of the day (Unix s); ``stock_scale`` scales the
    opening stock of every SKU (below 1 the day runs into stock-outs).

    Raises
    ------
    NotFoundError
        Unknown city.
    InvalidInputError
        Non-positive sizes.
    """
    from engine.data.generator import load_cities

    if n_orders <= 0 or n_stores <= 0 or ebikes_per_store < 0:
        raise InvalidInputError.at("n_orders", "sizes must be positive")
    cities = load_cities()
    rows = cities.filter(cities["name"] == city)
    if rows.height == 0:
        raise NotFoundError(f"city: {city!r} is not in the bundled city list")
    r = rows.row(0, named=True)
    center = (float(r["latitude"]), float(r["longitude"]))
    rng = np.random.default_rng(seed)
    day = midnight
    sites: list[Site] = []
    stores: list[Site] = []
    for i in range(n_stores):
        p = _offset(center, 0 if n_stores == 1 else 1_300.0, 2 * math.pi * i / n_stores)
        s = Site(
            f"S{i + 1}",
            "store",
            p[0],
            p[1],
            opening=((7 * 3600, 23 * 3600),),
            radius_m=1_300,
            receiving=((6 * 3600, 9 * 3600 + 1800),),
            name=f"{city} store {i + 1}",
        )
        stores.append(s)
        sites.append(s)
    campus = _offset(stores[0].point, 650.0, 0.7)
    sites.append(
        Site(
            "P-campus",
            "pickup_point",
            *campus,
            capacity=80,
            closed_radius_m=250,
            name="campus gate station",
        )
    )
    village_store = stores[-1]
    village = _offset(village_store.point, 750.0, 2.4)
    sites.append(
        Site(
            "P-village",
            "pickup_point",
            *village,
            capacity=50,
            closed_radius_m=200,
            name="village pick-up station",
        )
    )
    skus = [Sku(c[0], c[1], c[2], c[3], c[4]) for c in CATALOGUE]
    pop = np.array([c[5] for c in CATALOGUE], dtype=float)
    pop /= pop.sum()
    stock = {s.site_id: {c[0]: round(c[6] * stock_scale) for c in CATALOGUE} for s in stores}
    couriers: list[Courier] = []
    lunch = (day + 10 * 3600, day + 14 * 3600)
    dinner = (day + 16 * 3600 + 1800, day + 20 * 3600 + 1800)
    for s in stores:
        for k in range(ebikes_per_store):
            couriers.append(Courier(f"{s.site_id}-e{k + 1}", "ebike", s.site_id, (lunch, dinner)))
        couriers.append(
            Courier(f"{s.site_id}-b1", "bike", s.site_id, ((day + 10 * 3600, day + 18 * 3600),))
        )
        couriers.append(
            Courier(f"{s.site_id}-v1", "van", s.site_id, ((day + 10 * 3600, day + 21 * 3600),))
        )
    net = StoreNetwork.build(sites, skus, couriers, stock)
    # Orders: a base rate with lunch (11:45) and dinner (18:15) peaks, 10:00 to 20:30.
    t0, t1 = day + 10 * 3600, day + 20 * 3600 + 1800
    grid = np.arange(t0, t1, 60)
    hours = (grid - day) / 3600.0
    rate = (
        0.35
        + np.exp(-0.5 * ((hours - 11.75) / 0.6) ** 2)
        + 1.2 * np.exp(-0.5 * ((hours - 18.25) / 0.7) ** 2)
    )
    times = np.sort(
        rng.choice(grid, size=n_orders, p=rate / rate.sum()) + rng.integers(0, 60, n_orders)
    )
    orders: list[Order] = []
    for i, t in enumerate(times):
        s = stores[int(rng.integers(0, n_stores))]
        u = rng.random()
        if s is stores[0] and u < 0.15:
            home = _offset(campus, 200 * math.sqrt(rng.random()), rng.random() * 2 * math.pi)
        elif s is village_store and u < 0.12:
            home = _offset(village, 180 * math.sqrt(rng.random()), rng.random() * 2 * math.pi)
        elif u > 0.97:
            home = _offset(s.point, 1_600 + 600 * rng.random(), rng.random() * 2 * math.pi)
        else:
            home = _offset(s.point, 950 * math.sqrt(rng.random()), rng.random() * 2 * math.pi)
        n_lines = int(rng.integers(1, 4))
        picks = rng.choice(len(CATALOGUE), size=n_lines, replace=False, p=pop)
        items = tuple((CATALOGUE[int(k)][0], int(rng.integers(1, 3))) for k in sorted(picks))
        orders.append(
            Order(
                f"o{i:05d}",
                s.site_id,
                items,
                int(t),
                home[0],
                home[1],
                ready_at=int(t) + int(rng.integers(120, 420)),
                pay_on_delivery=bool(rng.random() < 0.2),
            )
        )
    periods: tuple[WeatherPeriod, ...] = ()
    if rain:
        periods = (
            WeatherPeriod(
                day + 14 * 3600,
                day + 17 * 3600 + 1800,
                "heavy_rain",
                (center[0], center[1], 15_000.0),
            ),
        )
    return StoreDay(city, net, tuple(orders), Weather(periods), t0, t1, seed)


def demand_history(
    city: str = "Hangzhou", days: int = 14, *, seed: int = 0, n_orders: int = 360
) -> list[Sale]:
    """Sales of ``days`` seeded days before :data:`DAY_MIDNIGHT` (weekends 30% busier),
    for :func:`engine.stores.replenish.forecast_demand`."""
    out: list[Sale] = []
    for k in range(days, 0, -1):
        midnight = DAY_MIDNIGHT - k * SECONDS_PER_DAY
        busy = 1.3 if weekday(midnight + 12 * 3600) >= 5 else 1.0
        day = city_store_day(
            city, n_orders=int(n_orders * busy), seed=seed * 1000 + k, midnight=midnight, rain=False
        )
        out.extend(Sale(o.placed_at, o.store_id, sku, q) for o in day.orders for sku, q in o.items)
    return out


# ---- the report -------------------------------------------------------------------------
@dataclass
class DayReport:
    """Outcome of one policy on one day (times in seconds, money in fen, distances in m)."""

    policy: str
    orders: int
    rejected: dict[str, int]
    delivered: int
    within_30: int
    promise_kept: int
    click_to_door: list[int] = field(default_factory=list, repr=False)
    courier_hours: float = 0.0
    worked_hours: float = 0.0
    distance_m: int = 0
    fee_revenue_fen: int = 0
    pickup_point_orders: int = 0
    later_slot_orders: int = 0
    undelivered: int = 0
    wall_s: float = 0.0
    round_ms: list[float] = field(default_factory=list, repr=False)
    quote_ms: list[float] = field(default_factory=list, repr=False)
    #: ``(order_id, "pickup" | "drop", courier_id, time)`` of every stop served.
    events: list[tuple[str, str, str, int]] = field(default_factory=list, repr=False)

    @property
    def accepted(self) -> int:
        """Orders accepted (placed minus rejected)."""
        return self.orders - sum(self.rejected.values())

    @property
    def share_within_30(self) -> float:
        """Share of accepted orders delivered within 30 minutes of being placed."""
        return self.within_30 / max(1, self.accepted)

    @property
    def ctd_mean_min(self) -> float:
        """Click-to-door mean (minutes)."""
        return float(np.mean(self.click_to_door)) / 60 if self.click_to_door else float("nan")

    @property
    def ctd_p95_min(self) -> float:
        """Click-to-door 95th percentile (minutes)."""
        return (
            float(np.percentile(self.click_to_door, 95)) / 60
            if self.click_to_door
            else float("nan")
        )

    @property
    def orders_per_courier_hour(self) -> float:
        """Delivered orders per scheduled courier-hour."""
        return self.delivered / max(1e-9, self.courier_hours)

    @property
    def km_per_order(self) -> float:
        """Road km driven per delivered order."""
        return self.distance_m / 1000 / max(1, self.delivered)

    @property
    def cost_per_order_fen(self) -> float:
        """(Courier-hours worked × wage + km × running cost) per delivered order."""
        cost = self.worked_hours * WAGE_FEN_PER_HOUR + self.distance_m / 1000 * COST_FEN_PER_KM
        return cost / max(1, self.delivered)

    def row(self) -> dict[str, object]:
        """The figures as one flat row."""
        return {
            "policy": self.policy,
            "accepted": self.accepted,
            "delivered": self.delivered,
            "within_30_min": round(self.share_within_30, 4),
            "promise_kept": round(self.promise_kept / max(1, self.accepted), 4),
            "ctd_mean_min": round(self.ctd_mean_min, 1),
            "ctd_p95_min": round(self.ctd_p95_min, 1),
            "orders_per_courier_h": round(self.orders_per_courier_hour, 2),
            "km_per_order": round(self.km_per_order, 2),
            "cost_per_order_yuan": round(self.cost_per_order_fen / 100, 2),
            "fee_revenue_yuan": round(self.fee_revenue_fen / 100, 2),
            "pickup_point_orders": self.pickup_point_orders,
            "later_slot_orders": self.later_slot_orders,
            "stock_outs": self.rejected.get("stock", 0),
            "rejected_other": sum(v for k, v in self.rejected.items() if k != "stock"),
            "undelivered": self.undelivered,
            "wall_s": round(self.wall_s, 1),
        }

    def summary(self) -> str:
        """One line."""
        r = self.row()
        return ", ".join(f"{k} {v}" for k, v in r.items())


def _reject_kind(e: Exception) -> str:
    if isinstance(e, InvalidInputError) and e.field == "items" and "has" in e.reason:
        return "stock"
    if isinstance(e, InvalidInputError) and e.field == "destination":
        return "outside_radius"
    return type(e).__name__


# ---- Yunli ------------------------------------------------------------------------------
def _drive(
    d: Dispatcher,
    t: int,
    served_at: dict[str, int],
    visits: dict[str, list[tuple[float, float]]],
    events: list[tuple[str, str, str, int]] | None = None,
) -> list[PositionUpdate]:
    """Couriers drive their forecast exactly until ``t``; their reports at ``t``."""
    plan = d.plan
    fc = forecast(plan)
    ups: list[PositionUpdate] = []
    for vid, vf in fc.vehicles.items():
        v = plan.vehicles[vid]
        if v.status != "active":
            continue
        if not vf.stops:
            # Idle: report once the stop it was busy at is done (clears its delay).
            if v.delay_s and v.position_time + v.delay_s <= t:
                ups.append(PositionUpdate(t, vid, v.lat, v.lon))
            continue
        done = [s for s in vf.stops if s.service_start <= t]
        for s in done:
            served_at[s.job_id] = s.service_start
            j = plan.jobs[s.job_id]
            visits.setdefault(vid, []).append((j.lat, j.lon))
            if events is not None:
                oid, _, kind = s.job_id.rpartition(":")
                events.append((oid, "pickup" if kind == "pickup" else "drop", vid, s.service_start))
        busy: int | None = None
        if done and done[-1].departure > t:
            j = plan.jobs[done[-1].job_id]
            pos, busy = (j.lat, j.lon), done[-1].departure
        else:
            if done:
                j = plan.jobs[done[-1].job_id]
                prev_t, prev = done[-1].departure, (j.lat, j.lon)
            else:
                prev_t, prev = max(plan.now, v.position_time) + v.delay_s, (v.lat, v.lon)
            nxt = vf.stops[len(done)] if len(done) < len(vf.stops) else None
            if nxt is None:
                pos = prev
            else:
                nj = plan.jobs[nxt.job_id]
                if t < prev_t:
                    pos, busy = prev, prev_t
                else:
                    f = min(1.0, (t - prev_t) / max(1, nxt.arrival - prev_t))
                    pos = (prev[0] + f * (nj.lat - prev[0]), prev[1] + f * (nj.lon - prev[1]))
        # A courier with stops reports every time (its app streams positions); a stale
        # "busy" report would otherwise keep delaying its forecast.
        ups.append(
            PositionUpdate(
                t, vid, pos[0], pos[1], served=tuple(s.job_id for s in done), busy_until=busy
            )
        )
    return ups


def _run_yunli(
    day: StoreDay,
    tariff: Tariff,
    time_limit: float,
    rep: DayReport,
    dispatch_on_order: bool,
    **options: Any,
) -> None:
    net = copy.deepcopy(day.network)
    d = Dispatcher(
        net,
        day.start,
        tariff=tariff,
        weather=day.weather,
        time_limit=time_limit,
        seed=day.seed,
        promise_s=day.promise_s,
        pickup_service_s=day.pickup_service_s,
        drop_service_s=day.drop_service_s,
        **options,
    )
    served_at: dict[str, int] = {}
    visits: dict[str, list[tuple[float, float]]] = {}
    pending = list(day.orders)
    t = day.start
    horizon = day.end + 4 * 3600
    new_work = False
    while t <= horizon:
        t += TICK_S
        while pending and pending[0].placed_at <= t:
            o = pending.pop(0)
            if o.placed_at > d.now:
                d.advance(o.placed_at, _drive(d, o.placed_at, served_at, visits, rep.events))
            o = replace(o, placed_at=max(o.placed_at, d.now), ready_at=max(o.ready, d.now))
            q0 = time.perf_counter()
            try:
                st = d.place(o, 0)
            except (InvalidInputError, NotFoundError, InfeasibleError) as e:
                k = _reject_kind(e)
                rep.rejected[k] = rep.rejected.get(k, 0) + 1
                continue
            finally:
                rep.quote_ms.append((time.perf_counter() - q0) * 1000)
            new_work = True
            rep.fee_revenue_fen += st.option.fee.total
            rep.pickup_point_orders += st.option.pickup_point_id is not None
            rep.later_slot_orders += st.option.kind == "later_slot"
            if dispatch_on_order and d.dispatch() is not None:
                rep.round_ms.append(d.round_seconds[-1] * 1000)
                new_work = False
        d.advance(t, _drive(d, t, served_at, visits, rep.events))
        unassigned = bool(d.plan.unassigned())
        if new_work or unassigned:
            res = d.dispatch()
            if res is not None:
                rep.round_ms.append(d.round_seconds[-1] * 1000)
            new_work = False
        if not pending and all(j.status != "pending" for j in d.plan.jobs.values()):
            break
    last_work: dict[str, int] = {}
    for oid, st in d.orders.items():
        drop = served_at.get(f"{oid}:delivery")
        if drop is None:
            rep.undelivered += 1
            continue
        rep.delivered += 1
        ctd = drop - st.order.placed_at
        rep.click_to_door.append(ctd)
        rep.within_30 += ctd <= day.promise_s
        rep.promise_kept += drop <= st.promise
        vid = d.plan.vehicle_of(f"{oid}:delivery")
        if vid is not None:
            last_work[vid.vehicle_id] = max(last_work.get(vid.vehicle_id, 0), drop)
    for c in net.couriers.values():
        pts = [net.store(c.store_id).point, *visits.get(c.courier_id, [])]
        rep.distance_m += sum(road_metres(a, b) for a, b in itertools.pairwise(pts))
    _hours(day, rep, last_work)


def _hours(day: StoreDay, rep: DayReport, last_work: dict[str, int]) -> None:
    net = day.network
    rep.courier_hours = sum(c.shift_seconds for c in net.couriers.values()) / 3600
    worked = 0
    for c in net.couriers.values():
        worked += c.shift_seconds + max(0, last_work.get(c.courier_id, 0) - c.shifts[-1][1])
    rep.worked_hours = worked / 3600


# ---- baselines ---------------------------------------------------------------------------
@dataclass
class _Stop:
    order: str
    kind: str  # "pickup" / "drop"
    loc: tuple[float, float]
    ready: int
    service: int
    start: int = 0
    depart: int = 0


@dataclass
class _Sim:
    courier: Courier
    profile: str
    capacity: tuple[int, int]
    t: int
    pos: tuple[float, float]
    stops: list[_Stop] = field(default_factory=list)
    done: int = 0
    km_m: int = 0
    last: int = 0

    def end(self, now: int) -> tuple[int, tuple[float, float]]:
        if self.done < len(self.stops):
            s = self.stops[-1]
            return s.depart, s.loc
        return max(self.t, now), self.pos


class _World:
    def __init__(self, day: StoreDay) -> None:
        self.day = day
        self.slow = [_slowdown(p) for p in day.weather.periods if p.condition != "clear"]

    def travel(self, profile: str, a: tuple[float, float], b: tuple[float, float], t: int) -> int:
        sec = leg_seconds(profile, leg_metres(a, b, PLAN_CIRCUITY))
        if self.slow:
            sec = round(sec * leg_factor(self.slow, a, b, "@a", "@b", t))
        return sec

    def schedule(self, c: _Sim, stops: list[_Stop]) -> list[tuple[int, int]]:
        """(start, depart) of ``stops`` when driven after the executed ones."""
        t, pos = (c.stops[c.done - 1].depart, c.stops[c.done - 1].loc) if c.done else (c.t, c.pos)
        t = max(t, c.t)
        out = []
        for s in stops:
            arr = t + self.travel(c.profile, pos, s.loc, t)
            start = max(arr, s.ready)
            t, pos = start + s.service, s.loc
            out.append((start, t))
        return out


def _slowdown(p: WeatherPeriod) -> Slowdown:
    area = ("circle", 0.0, 0.0, 2.0e7) if p.area is None else ("circle", *p.area)
    return Slowdown(WEATHER_SLOWDOWN[p.condition], p.start, p.end, area=area)


def _run_baseline(day: StoreDay, policy: str, tariff: Tariff, rep: DayReport) -> None:
    net = copy.deepcopy(day.network)
    w = _World(day)
    # Quotes only validate and price here: the baselines take every valid order.
    quoter = Dispatcher(
        net,
        day.start,
        tariff=tariff,
        weather=day.weather,
        promise_s=day.promise_s,
        pickup_service_s=day.pickup_service_s,
        drop_service_s=day.drop_service_s,
    )
    sims: dict[str, _Sim] = {}
    for c in net.couriers.values():
        m = COURIER_MODES[c.mode]
        sims[c.courier_id] = _Sim(
            c, m.profile, m.capacity, c.shifts[0][0], net.store(c.store_id).point
        )
    placed: dict[str, tuple[Order, tuple[float, float], int, tuple[int, int]]] = {}
    queue: list[str] = []
    pending = list(day.orders)
    drop_at: dict[str, int] = {}
    t = day.start
    horizon = day.end + 4 * 3600

    def execute(now: int) -> None:
        for c in sims.values():
            while c.done < len(c.stops) and c.stops[c.done].start <= now:
                s = c.stops[c.done]
                prev = c.stops[c.done - 1].loc if c.done else c.pos
                c.km_m += road_metres(prev, s.loc)
                rep.events.append((s.order, s.kind, c.courier.courier_id, s.start))
                if s.kind == "drop":
                    drop_at[s.order] = s.start
                    c.last = max(c.last, s.start)
                c.done += 1
            if c.done == len(c.stops) and c.stops:
                c.pos, c.t = c.stops[-1].loc, max(c.t, c.stops[-1].depart)
                c.stops, c.done = [], 0

    def stops_for(oid: str) -> list[_Stop]:
        o, loc, service, _ = placed[oid]
        store = net.store(o.store_id)
        return [
            _Stop(oid, "pickup", store.point, o.ready, day.pickup_service_s),
            _Stop(oid, "drop", loc, 0, service),
        ]

    def commit(c: _Sim) -> None:
        rest = c.stops[c.done :]
        times = w.schedule(c, rest)
        for s, (a, b) in zip(rest, times, strict=True):
            s.start, s.depart = a, b

    while t <= horizon:
        t += TICK_S
        while pending and pending[0].placed_at <= t:
            o = pending.pop(0)
            if o.placed_at > quoter.now:
                quoter.advance(o.placed_at)
            o = replace(
                o, placed_at=max(o.placed_at, quoter.now), ready_at=max(o.ready, quoter.now)
            )
            try:
                q = quoter.quote(o)
            except (InvalidInputError, NotFoundError, InfeasibleError) as e:
                k = _reject_kind(e)
                rep.rejected[k] = rep.rejected.get(k, 0) + 1
                continue
            opt = q.options[0]
            net.take_stock(o)
            point = opt.pickup_point_id
            loc = (o.lat, o.lon) if point is None else net.pickup_point(point).point
            service = day.drop_service_s if point is None else POINT_SERVICE_S
            placed[o.order_id] = (o, loc, service, net.order_amounts(o))
            rep.fee_revenue_fen += opt.fee.total
            rep.pickup_point_orders += point is not None
            if policy == "greedy" and _greedy_insert(
                w, sims, placed, o.order_id, stops_for, o.placed_at, day.promise_s
            ):
                continue
            queue.append(o.order_id)
        execute(t)
        still: list[str] = []
        for oid in queue:
            o, _, _, amt = placed[oid]
            store = net.store(o.store_id)
            if policy == "greedy":
                if not _greedy_insert(w, sims, placed, oid, stops_for, t, day.promise_s):
                    still.append(oid)
                continue
            idle = [
                c
                for c in sims.values()
                if c.courier.on_shift(t)
                and c.done == len(c.stops)
                and c.t <= t
                and all(a <= k for a, k in zip(amt, c.capacity, strict=True))
            ]
            if not idle:
                still.append(oid)
                continue
            cs = min(idle, key=lambda c: road_metres(c.pos, store.point))
            cs.t = max(cs.t, t)
            cs.stops = stops_for(oid)
            cs.done = 0
            commit(cs)
        queue = still
        if not pending and not queue and all(c.done == len(c.stops) for c in sims.values()):
            break
    for oid, (o, _, _, _) in placed.items():
        drop = drop_at.get(oid)
        if drop is None:
            rep.undelivered += 1
            continue
        rep.delivered += 1
        ctd = drop - o.placed_at
        rep.click_to_door.append(ctd)
        rep.within_30 += ctd <= day.promise_s
        rep.promise_kept += ctd <= day.promise_s
    rep.distance_m = sum(c.km_m for c in sims.values())
    _hours(day, rep, {cid: c.last for cid, c in sims.items()})


def _greedy_insert(
    w: _World,
    sims: dict[str, _Sim],
    placed: dict[str, tuple[Order, tuple[float, float], int, tuple[int, int]]],
    oid: str,
    stops_for: Callable[[str], list[_Stop]],
    now: int,
    promise_s: int,
) -> bool:
    """Insert ``oid`` where it is delivered soonest without pushing another order past 30
    minutes; False when no courier is on shift."""
    _o, _, _, amt = placed[oid]
    new = stops_for(oid)
    best: tuple[int, _Sim, list[_Stop]] | None = None
    for c in sims.values():
        if not c.courier.on_shift(now) or any(a > k for a, k in zip(amt, c.capacity, strict=True)):
            continue
        if c.done == len(c.stops):
            c.t = max(c.t, now)
        rest = c.stops[c.done :]
        cands = [rest + new]
        for i, s in enumerate(rest):
            if s.kind == "pickup" and s.loc == new[0].loc:
                cands.append([*rest[: i + 1], new[0], *rest[i + 1 :], new[1]])
        for seq in cands:
            load = [0, 0]
            ok = True
            for s in seq:
                amounts = placed[s.order][3]
                sign = 1 if s.kind == "pickup" else -1
                load = [x + sign * y for x, y in zip(load, amounts, strict=True)]
                if any(x > k for x, k in zip(load, c.capacity, strict=True)):
                    ok = False
                    break
            if not ok:
                continue
            times = w.schedule(c, seq)
            for s, (start, _) in zip(seq, times, strict=True):
                if s.kind == "drop" and s.order != oid:
                    ddl = placed[s.order][0].placed_at + promise_s
                    if start > ddl and start > s.start:
                        ok = False
                        break
            if not ok:
                continue
            eta = times[-1][0]  # the new order's drop-off is last in every candidate
            if best is None or eta < best[0]:
                best = (eta, c, seq)
    if best is None:
        return False
    _, c, seq = best
    times = w.schedule(c, seq)
    for s, (a, b) in zip(seq, times, strict=True):
        s.start, s.depart = a, b
    c.stops = c.stops[: c.done] + seq
    return True


def simulate(
    day: StoreDay,
    policy: str = "yunli",
    *,
    tariff: Tariff = DEFAULT_TARIFF,
    time_limit: float = 0.15,
    dispatch_on_order: bool = True,
    **options: Any,
) -> DayReport:
    """Run one policy (:data:`POLICIES`) over the day and report.

    Yunli dispatches a round on each new order (``dispatch_on_order``) and every simulated
    minute while orders wait for a courier. ``options`` go to
    :class:`~engine.stores.dispatch.Dispatcher` (``plan_margin_s``,
    ``late_stop_cost``, ``late_cost_per_hour``) for the ``yunli`` policy.

    Raises
    ------
    InvalidInputError
        Unknown policy.
    """
    if policy not in POLICIES:
        raise InvalidInputError.at("policy", f"{policy!r} is not one of {POLICIES}")
    rep = DayReport(policy, len(day.orders), {}, 0, 0, 0)
    t0 = time.perf_counter()
    if policy == "yunli":
        _run_yunli(day, tariff, time_limit, rep, dispatch_on_order, **options)
    else:
        _run_baseline(day, policy, tariff, rep)
    rep.wall_s = time.perf_counter() - t0
    return rep
