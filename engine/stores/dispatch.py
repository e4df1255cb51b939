"""The promise at order time and the rolling-horizon store dispatcher.

:class:`Dispatcher` keeps the store day as a live plan (:class:`engine.live.LivePlan`):
every accepted order is a pickup at its store (window: ready time → promise) and a
delivery at the home or pick-up point (window: placed → promise), i.e. the promise is
the deadline. Couriers come on shift with :class:`engine.live.VehicleAvailable`, report
positions and served stops with :class:`engine.live.PositionUpdate`, go off shift
(once they carry nothing) with :class:`engine.live.Breakdown` (the live plan has no
off-duty event; with nothing on board it is the same: their not-yet-picked-up orders go
back to the pool), and bad weather becomes :class:`engine.live.Traffic` slowdowns.
:meth:`Dispatcher.dispatch` runs one round of :func:`engine.live.replan` on the Rust
core: bundles orders into trips where promises hold, re-assigns orders not yet picked
up, keeps picked-up orders with their courier, and plans a promised order late (with a
warning) rather than dropping it.

The quote (:meth:`Dispatcher.quote`) is computed from the current plan before an order
is accepted: for every courier on shift, the earliest delivery either at the end of
its route or bundled with a pickup it already has at the same store (without making
its other stops late), plus :data:`QUOTE_BUFFER_S`. Options, best first: delivery
within 30 minutes (``now``), a pick-up point within walking distance that makes the 30
minutes, or a later 15-minute slot (``later_slot``). Homes inside a campus or village
closed to couriers are served only through their pick-up station.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from engine.errors import InfeasibleError, InvalidInputError, NotFoundError
from engine.live import (
    Breakdown,
    Event,
    LiveJob,
    LivePlan,
    LiveVehicle,
    NewJob,
    PositionUpdate,
    ReplanResult,
    Slowdown,
    Traffic,
    VehicleAvailable,
    apply_events,
    forecast,
    replan,
)
from engine.live.eta import VehicleForecast, leg_metres, leg_seconds
from engine.live.traffic import leg_factor
from engine.stores.model import (
    COURIER_MODES,
    PICKUP_HOLD_S,
    PICKUP_WALK_M,
    PLAN_CIRCUITY,
    PROMISE_S,
    WEATHER_SLOWDOWN,
    Courier,
    Order,
    Site,
    StoreNetwork,
    Weather,
    road_metres,
)
from engine.stores.rounds import FOCUS_ABOVE_JOBS, RoundCache, RoundStats, dispatch_round
from engine.stores.tariff import DEFAULT_TARIFF, Fee, Tariff

#: Capacity dimensions of the store plan.
DIMENSIONS: Final = ("weight_kg", "volume_l")
#: Service times: collecting an order at the store, handing it over at a door, leaving
#: it at a pick-up station (seconds).
PICKUP_SERVICE_S: Final = 120
DROP_SERVICE_S: Final = 120
POINT_SERVICE_S: Final = 60
#: Safety margin added to the predicted delivery when promising (s).
QUOTE_BUFFER_S: Final = 300
#: Later slots are promised on this grid (s).
SLOT_S: Final = 900
#: The plan aims to deliver this long before the promise (never before the quoted
#: prediction): the deadline handed to the re-planner is ``promise - margin``, so that
#: small differences between plan and street do not break promises.
PLAN_MARGIN_S: Final = 900
#: Price of lateness in the re-plan (cost units = metres of driving): a late order costs
#: 5 km, and every minute late another 2 km, so the plan keeps promises before it
#: saves distance (the live default, 30 km + 20 km per hour, suits freight days).
LATE_STOP_COST: Final = 5_000
LATE_COST_PER_HOUR: Final = 120_000
#: Price of a courier's working time in the re-plan (cost units per hour of route): 0 by
#: default (the plan minimizes distance under the deadlines and lateness prices).
COURIER_COST_PER_HOUR: Final = 0
#: Re-plan engines of a dispatch round (see :class:`Dispatcher`).
ENGINES: Final = ("rounds", "live")
#: Option kinds of a quote.
OPTION_KINDS: Final = ("now", "pickup_point", "later_slot")


@dataclass(frozen=True, slots=True)
class QuoteOption:
    """One offer: ``kind`` (:data:`OPTION_KINDS`), the promised delivery time, the
    predicted delivery (service start at the stop), the fee, the pick-up point (if
    any) and the courier the estimate used."""

    kind: str
    promise: int
    eta: int
    fee: Fee
    pickup_point_id: str | None
    courier_id: str | None
    distance_m: int


@dataclass(frozen=True, slots=True)
class Quote:
    """The offers for an order, best first, and the weather they were priced in."""

    order_id: str
    quoted_at: int
    weather: str
    options: tuple[QuoteOption, ...]

    def option(self, choice: int | str) -> QuoteOption:
        """An option by index or kind.

        Raises
        ------
        InvalidInputError
            No such option (field ``choice``).
        """
        if isinstance(choice, int):
            if 0 <= choice < len(self.options):
                return self.options[choice]
        else:
            for o in self.options:
                if o.kind == choice:
                    return o
        kinds = [o.kind for o in self.options]
        raise InvalidInputError.at("choice", f"{choice!r} is not among the options {kinds}")


@dataclass
class OrderStatus:
    """An accepted order and where it stands.

    ``state``: ``accepted`` (waiting for a courier), ``assigned``, ``picked_up``,
    ``delivered``. Times are Unix seconds (``None`` until they happen).
    """

    order: Order
    option: QuoteOption
    state: str = "accepted"
    courier_id: str | None = None
    eta: int | None = None
    picked_up_at: int | None = None
    delivered_at: int | None = None

    @property
    def promise(self) -> int:
        """The promised delivery time."""
        return self.option.promise


@dataclass
class _CourierSnap:
    """A courier's route end ``(time, (lat, lon))`` (``None``: idle) and its pickups as
    ``(store lat/lon, departure, slack of the stops after it, peak load after it)``."""

    end: tuple[int, tuple[float, float]] | None
    pickups: list[tuple[tuple[float, float], int, int, tuple[int, ...]]] = field(
        default_factory=list
    )


def _event_vehicle(e: Event) -> str:
    if isinstance(e, VehicleAvailable) and e.vehicle is not None:
        return e.vehicle.vehicle_id
    return str(getattr(e, "vehicle_id", ""))


def _pickup_id(order_id: str) -> str:
    return f"{order_id}:pickup"


def _drop_id(order_id: str) -> str:
    return f"{order_id}:delivery"


class Dispatcher:
    """The store day: quotes, accepted orders, couriers and the live plan.

    Parameters
    ----------
    network
        Sites, SKUs, couriers and stock (stock is taken as orders are accepted).
    now
        The clock (Unix s).
    tariff, weather
        Fee rules and the weather (bad weather slows couriers and adds a surcharge).
    time_limit, searches, seed
        Budget of each :func:`engine.live.replan` round and its searches.
    late_stop_cost, late_cost_per_hour
        Price of an order planned past its deadline, per order and per hour late (cost
        units: metres of driving); see :data:`LATE_COST_PER_HOUR`.
    promise_s, pickup_service_s, drop_service_s
        The standard promise (30 minutes) and the service times at the store and at a
        door (a pick-up point always takes :data:`POINT_SERVICE_S`).
    cost_per_hour
        Price of an hour of a courier's route in the re-plan (cost units).
    plan_margin_s
        The plan's deadline for an order is its promise minus this margin (but not
        before the quoted prediction); see :data:`PLAN_MARGIN_S`.
    engine
        ``"rounds"`` (default): :func:`engine.stores.rounds.dispatch_round`, one native
        problem per round from matrices kept between rounds, courier off times enforced;
        ``"live"``: the general :func:`engine.live.replan` (kept to compare against).
    focus_above_jobs
        Rounds of more jobs than this re-plan a focus set of couriers (see
        :data:`engine.stores.rounds.FOCUS_ABOVE_JOBS`); ``0`` re-plans every courier in
        every round.
    """

    def __init__(
        self,
        network: StoreNetwork,
        now: int,
        *,
        tariff: Tariff = DEFAULT_TARIFF,
        weather: Weather | None = None,
        time_limit: float = 0.15,
        searches: int = 1,
        seed: int = 0,
        plan_margin_s: int = PLAN_MARGIN_S,
        late_stop_cost: int = LATE_STOP_COST,
        late_cost_per_hour: int = LATE_COST_PER_HOUR,
        cost_per_hour: int = COURIER_COST_PER_HOUR,
        promise_s: int = PROMISE_S,
        pickup_service_s: int = PICKUP_SERVICE_S,
        drop_service_s: int = DROP_SERVICE_S,
        engine: str = "rounds",
        focus_above_jobs: int = FOCUS_ABOVE_JOBS,
    ) -> None:
        if engine not in ENGINES:
            raise InvalidInputError.at("engine", f"{engine!r} is not one of {ENGINES}")
        self.engine = engine
        if focus_above_jobs < 0:
            raise InvalidInputError.at("focus_above_jobs", f"must be >= 0, got {focus_above_jobs}")
        self.focus_above_jobs = int(focus_above_jobs)
        self.round_cache = RoundCache(PLAN_CIRCUITY)
        self.round_stats: list[RoundStats] = []
        if not time_limit > 0:
            raise InvalidInputError.at("time_limit", f"must be positive, got {time_limit}")
        self.network = network
        self.tariff = tariff
        self.weather = weather or Weather()
        self.time_limit = float(time_limit)
        self.searches = int(searches)
        self.seed = int(seed)
        if plan_margin_s < 0:
            raise InvalidInputError.at("plan_margin_s", f"must be >= 0, got {plan_margin_s}")
        self.plan_margin_s = int(plan_margin_s)
        if late_stop_cost < 0 or late_cost_per_hour < 0:
            raise InvalidInputError.at("late_cost_per_hour", "lateness costs must be >= 0")
        self.late_stop_cost = int(late_stop_cost)
        self.late_cost_per_hour = int(late_cost_per_hour)
        if cost_per_hour < 0:
            raise InvalidInputError.at("cost_per_hour", "must be >= 0")
        self.cost_per_hour = int(cost_per_hour)
        if promise_s <= 0 or pickup_service_s < 0 or drop_service_s < 0:
            raise InvalidInputError.at("promise_s", "promise must be > 0 and service times >= 0")
        self.promise_s = int(promise_s)
        self.pickup_service_s = int(pickup_service_s)
        self.drop_service_s = int(drop_service_s)
        self.plan = LivePlan(DIMENSIONS, {}, {}, int(now), circuity=PLAN_CIRCUITY)
        self.orders: dict[str, OrderStatus] = {}
        self.round_seconds: list[float] = []
        self.last_result: ReplanResult | None = None
        self._snaps: dict[str, _CourierSnap] = {}
        self._dirty: set[str] = set()
        self._point_load: dict[str, list[int]] = {}
        slow = [
            Traffic(
                int(now),
                Slowdown(
                    WEATHER_SLOWDOWN[p.condition],
                    p.start,
                    p.end,
                    area=None if p.area is None else ("circle", *p.area),
                ),
            )
            for p in self.weather.periods
            if p.condition != "clear" and p.end > now
        ]
        # A slowdown over the whole world is a circle of 20,000 km.
        slow = [
            ev
            if ev.slowdown.area is not None
            else Traffic(
                ev.t,
                Slowdown(
                    ev.slowdown.factor,
                    ev.slowdown.start,
                    ev.slowdown.end,
                    area=("circle", 0.0, 0.0, 2.0e7),
                ),
            )
            for ev in slow
        ]
        if slow:
            apply_events(self.plan, slow)

    # ---- clock, shifts and positions --------------------------------------------------
    @property
    def now(self) -> int:
        """The dispatcher's clock (Unix s)."""
        return self.plan.now

    def advance(self, t: int, positions: Sequence[PositionUpdate] = ()) -> None:
        """Move the clock to ``t``: apply ``positions`` (courier reports with the stops
        served since their last report) as one atomic batch of live events, then bring
        couriers whose shift started on duty and take couriers whose shift ended, and who
        carry nothing, off duty.

        Raises
        ------
        InvalidInputError, NotFoundError
            ``t`` before the clock, bad or unknown positions; nothing changes.
        """
        if t < self.plan.now:
            raise InvalidInputError.at("t", f"{t} is before the dispatcher's clock {self.plan.now}")
        for p in positions:
            if p.t > t:
                raise InvalidInputError.at("position.t", f"{p.t} is after the target time {t}")
            if p.vehicle_id not in self.plan.vehicles:
                raise NotFoundError(f"courier_id: unknown or off-duty courier {p.vehicle_id!r}")
        if positions:
            apply_events(self.plan, sorted(positions, key=lambda p: p.t))
            # Only a served stop changes a route; a courier following it keeps its forecast
            # until the next round.
            self._dirty |= {p.vehicle_id for p in positions if p.served}
        events: list[Event] = []
        for c in self.network.couriers.values():
            v = self.plan.vehicles.get(c.courier_id)
            if c.on_shift(t):
                if v is None:
                    events.append(VehicleAvailable(t, vehicle=self._vehicle(c, t)))
                elif v.status != "active":
                    events.append(VehicleAvailable(t, vehicle_id=c.courier_id))
            elif v is not None and v.status == "active" and not self.plan.committed(v):
                events.append(Breakdown(t, c.courier_id))
        if events:
            apply_events(self.plan, [replace(e, t=max(e.t, self.plan.now)) for e in events])
            self._dirty |= {_event_vehicle(e) for e in events}
            # A courier back on duty for a later shift works to that shift's end.
            for e in events:
                v = self.plan.vehicles.get(_event_vehicle(e))
                back = self.network.couriers.get(_event_vehicle(e))
                if v is not None and back is not None and back.on_shift(t):
                    v.shift_start, v.shift_end = next((a, b) for a, b in back.shifts if a <= t < b)
        self.plan.now = max(self.plan.now, t)
        self._refresh({j for p in positions for j in p.served}, positions)

    def _vehicle(self, c: Courier, t: int) -> LiveVehicle:
        store = self.network.store(c.store_id)
        mode = COURIER_MODES[c.mode]
        shift = next((a, b) for a, b in c.shifts if a <= t < b)
        return LiveVehicle(
            vehicle_id=c.courier_id,
            profile=mode.profile,
            capacity=mode.capacity,
            depot_lat=store.lat,
            depot_lon=store.lon,
            end_lat=store.lat,
            end_lon=store.lon,
            shift_start=shift[0],
            shift_end=shift[1],
            lat=store.lat,
            lon=store.lon,
            position_time=t,
            departed=True,
            cost_per_hour=self.cost_per_hour,
        )

    def _refresh(self, served: set[str], positions: Sequence[PositionUpdate]) -> None:
        when = {j: p.t for p in positions for j in p.served}
        for jid in served:
            oid, _, kind = jid.rpartition(":")
            st = self.orders.get(oid)
            if st is None:
                continue
            if kind == "pickup":
                st.picked_up_at, st.state = when[jid], "picked_up"
            else:
                st.delivered_at, st.state = when[jid], "delivered"

    # ---- quoting -----------------------------------------------------------------------
    def _travel(self, profile: str, a: tuple[float, float], b: tuple[float, float], t: int) -> int:
        sec = leg_seconds(profile, leg_metres(a, b, PLAN_CIRCUITY))
        if self.plan.slowdowns:
            sec = round(sec * leg_factor(self.plan.slowdowns, a, b, "@a", "@b", t))
        return sec

    def _summarize(self, vid: str, f: VehicleForecast | None) -> _CourierSnap:
        """When and where ``vid``'s route ends and its pickups (for bundling)."""
        stops = f.stops if f is not None else ()
        if not stops:
            return _CourierSnap(None, [])
        jobs = self.plan.jobs
        last = jobs[stops[-1].job_id]
        picks = []
        # One pass from the end: the slack of the stops after each stop and the peak
        # load from it on.
        slack = 10**9
        peak = stops[-1].load
        for s in reversed(stops):
            job = jobs[s.job_id]
            peak = tuple(map(max, peak, s.load))
            if job.kind == "shipment_pickup":
                picks.append(((job.lat, job.lon), s.departure, slack, peak))
            slack = min(slack, job.windows[-1][1] - s.service_start)
        picks.reverse()
        return _CourierSnap((stops[-1].departure, (last.lat, last.lon)), picks)

    def _snap(self) -> dict[str, _CourierSnap]:
        """Per active courier: its route's end and pickups, re-forecast only for couriers
        whose state changed since the last round (the quote stays fast)."""
        active = {vid for vid, v in self.plan.vehicles.items() if v.status == "active"}
        for vid in list(self._snaps):
            if vid not in active:
                del self._snaps[vid]
        todo = (self._dirty | (active - set(self._snaps))) & active
        if todo:
            fc = forecast(self.plan, sorted(todo))
            for vid in todo:
                self._snaps[vid] = self._summarize(vid, fc.vehicles.get(vid))
        self._dirty = set()
        return self._snaps

    def _best_eta(
        self,
        store: Site,
        stop: tuple[float, float],
        ready: int,
        amounts: tuple[int, int],
        service: int,
    ) -> tuple[int, str | None]:
        """Earliest predicted delivery start at ``stop`` over the couriers on shift."""
        snaps = self._snap()
        best: tuple[int, str | None] = (2**62, None)
        sp = store.point
        for vid, cs in snaps.items():
            v = self.plan.vehicles[vid]
            if any(a > c for a, c in zip(amounts, v.capacity, strict=True)):
                continue
            if cs.end is None:
                t_end, pos = max(self.plan.now, v.position_time) + v.delay_s, (v.lat, v.lon)
            else:
                t_end, pos = cs.end
            arrive = t_end + self._travel(v.profile, pos, sp, t_end)
            pick = max(arrive, ready)
            if pick >= v.shift_end:
                continue  # no pickup after the courier's off time
            eta = pick + self.pickup_service_s + self._travel(v.profile, sp, stop, pick)
            if eta < best[0]:
                best = (eta, vid)
            for loc, dep, slack, peak in cs.pickups:
                if leg_metres(loc, sp, 1.0) > 50:
                    continue
                if any(p + a > c for p, a, c in zip(peak, amounts, v.capacity, strict=True)):
                    continue
                delay = max(dep, ready) + self.pickup_service_s - dep
                if delay > slack or max(dep, ready) >= v.shift_end:
                    continue
                eta = t_end + delay + self._travel(v.profile, pos, stop, t_end + delay)
                if eta < best[0]:
                    best = (eta, vid)
        if best[1] is None:
            # Nobody on shift who can carry it: the courier coming on shift (from its
            # home store) who would deliver it first.
            for c in self.network.couriers.values():
                if any(x > y for x, y in zip(amounts, c.capacity, strict=True)):
                    continue
                if c.courier_id in snaps:
                    continue
                prof = COURIER_MODES[c.mode].profile
                home = self.network.store(c.store_id).point
                for a, b in c.shifts:
                    if a < self.plan.now:
                        continue
                    pick = max(a + self._travel(prof, home, sp, a), ready)
                    if pick >= b:
                        continue
                    eta = pick + self.pickup_service_s + self._travel(prof, sp, stop, pick)
                    if eta < best[0]:
                        best = (eta, None)
            if best[0] >= 2**62:
                raise InfeasibleError(
                    f"no courier is or will be on shift to carry an order from {store.site_id!r}"
                )
        del service
        return best

    def _point_free(self, point: Site, t: int) -> bool:
        held = [u for u in self._point_load.get(point.site_id, []) if u > t]
        self._point_load[point.site_id] = held
        return len(held) < point.capacity

    def quote(self, order: Order) -> Quote:
        """The offers for ``order`` from the current plan (nothing changes).

        Raises
        ------
        NotFoundError
            Unknown store or pick-up point.
        InvalidInputError
            The store is closed, the destination is outside the service radius with no
            pick-up point within walking distance, unknown SKUs or missing stock (field
            ``items``), ``placed_at`` before the dispatcher's clock, ``ready_at`` before
            ``placed_at``, a full pick-up point.
        InfeasibleError
            No courier is or will be on shift.
        """
        net = self.network
        oid = order.order_id
        if not oid or ":" in oid:
            raise InvalidInputError.at("order_id", "must be non-empty and contain no ':'", oid)
        if oid in self.orders:
            raise InvalidInputError.at("order_id", "an order with this id was already placed", oid)
        store = net.store(order.store_id)
        if order.placed_at < self.plan.now:
            raise InvalidInputError.at(
                "placed_at",
                f"{order.placed_at} is before the dispatcher's clock {self.plan.now}",
                oid,
            )
        if order.ready < order.placed_at:
            raise InvalidInputError.at("ready_at", "is before placed_at", oid)
        if not store.is_open(order.placed_at):
            raise InvalidInputError.at("store_id", f"store {store.site_id!r} is closed then", oid)
        for f, v, lo, hi in (("lat", order.lat, -90, 90), ("lon", order.lon, -180, 180)):
            if not (lo <= v <= hi):
                raise InvalidInputError.at(f"destination.{f}", f"{v} is out of range", oid)
        amounts = net.order_amounts(order)
        net.check_stock(order)
        home = (order.lat, order.lon)
        weather = self.weather.at(order.placed_at, store.lat, store.lon)
        deadline = order.placed_at + self.promise_s
        # Where the order can be handed over.
        stops: list[tuple[str, Site | None]] = []
        if order.pickup_point_id is not None:
            stops.append(("pickup_point", net.pickup_point(order.pickup_point_id)))
        elif (closed := net.closed_area_point(*home)) is not None:
            stops.append(("pickup_point", closed))
        else:
            if road_metres(store.point, home) <= store.radius_m:
                stops.append(("home", None))
            for p in net.pickup_points_near(order.lat, order.lon, PICKUP_WALK_M):
                if road_metres(store.point, p.point) <= store.radius_m:
                    stops.append(("pickup_point", p))
                    break
        if not stops:
            raise InvalidInputError.at(
                "destination",
                f"outside store {store.site_id!r}'s service radius of {store.radius_m} m and no "
                f"pick-up point within {PICKUP_WALK_M} m",
                oid,
            )
        options: list[QuoteOption] = []
        for _kind, point in stops:
            loc = home if point is None else point.point
            if point is not None:
                if road_metres(store.point, loc) > store.radius_m:
                    raise InvalidInputError.at(
                        "pickup_point_id",
                        f"{point.site_id!r} is outside store {store.site_id!r}'s service radius",
                        oid,
                    )
                if not self._point_free(point, order.placed_at):
                    if len(stops) == 1:
                        raise InvalidInputError.at(
                            "pickup_point_id", f"pick-up point {point.site_id!r} is full", oid
                        )
                    continue
            service = self.drop_service_s if point is None else POINT_SERVICE_S
            eta, courier = self._best_eta(store, loc, order.ready, amounts, service)
            dist = road_metres(store.point, loc)
            fee = self.tariff.fee(dist, weather, pickup_point=point is not None)
            pid = None if point is None else point.site_id
            if eta + QUOTE_BUFFER_S <= deadline:
                options.append(
                    QuoteOption(
                        "now" if point is None else "pickup_point",
                        deadline,
                        eta,
                        fee,
                        pid,
                        courier,
                        dist,
                    )
                )
            else:
                slot = -(-(eta + QUOTE_BUFFER_S) // SLOT_S) * SLOT_S
                options.append(QuoteOption("later_slot", slot, eta, fee, pid, courier, dist))
        rank = {k: i for i, k in enumerate(OPTION_KINDS)}
        options.sort(key=lambda o: (o.promise, rank[o.kind]))
        return Quote(oid, order.placed_at, weather, tuple(options))

    # ---- placing -----------------------------------------------------------------------
    def place(
        self, order: Order, choice: int | str = 0, *, promise: int | None = None
    ) -> OrderStatus:
        """Accept ``order`` with the quote option ``choice`` (index or kind): re-quote
        from the current plan, add the order to the live plan with the promise as its
        deadline, and take its items from the store's stock. A rejected order changes
        neither stock nor plan.

        ``promise`` overrides the option's promise (for example a slot the customer
        picked); it must not be in the past nor before the option's prediction.

        Raises
        ------
        InvalidInputError, NotFoundError, InfeasibleError
            As for :meth:`quote`; a ``promise`` in the past (field ``promise``).
        """
        q = self.quote(order)
        opt = q.option(choice)
        if promise is not None:
            if promise <= max(self.plan.now, order.placed_at):
                raise InvalidInputError.at(
                    "promise", f"{promise} is not after the order time", order.order_id
                )
            if promise < opt.eta:
                raise InvalidInputError.at(
                    "promise",
                    f"{promise} is before the predicted delivery {opt.eta}",
                    order.order_id,
                )
            opt = QuoteOption(
                opt.kind,
                int(promise),
                opt.eta,
                opt.fee,
                opt.pickup_point_id,
                opt.courier_id,
                opt.distance_m,
            )
        store = self.network.store(order.store_id)
        amounts = self.network.order_amounts(order)
        point = (
            None if opt.pickup_point_id is None else self.network.pickup_point(opt.pickup_point_id)
        )
        loc = (order.lat, order.lon) if point is None else point.point
        oid = order.order_id
        deadline = max(opt.promise - self.plan_margin_s, min(opt.eta, opt.promise))
        pick = LiveJob(
            job_id=_pickup_id(oid),
            kind="shipment_pickup",
            lat=store.lat,
            lon=store.lon,
            amounts=amounts,
            service_s=self.pickup_service_s,
            windows=((order.ready, max(order.ready, deadline)),),
            promised=True,
        )
        drop = LiveJob(
            job_id=_drop_id(oid),
            kind="shipment_delivery",
            lat=loc[0],
            lon=loc[1],
            amounts=amounts,
            service_s=self.drop_service_s if point is None else POINT_SERVICE_S,
            windows=((order.placed_at, max(order.placed_at, deadline)),),
            promised=True,
        )
        self.network.check_stock(order)
        apply_events(self.plan, [NewJob(max(order.placed_at, self.plan.now), pick, drop)])
        self.network.take_stock(order)
        if point is not None:
            self._point_load.setdefault(point.site_id, []).append(opt.promise + PICKUP_HOLD_S)
        st = OrderStatus(order, opt)
        self.orders[oid] = st
        return st

    # ---- dispatching -------------------------------------------------------------------
    def dispatch(self) -> ReplanResult | None:
        """One dispatch round: re-plan every order not yet delivered (see the module
        docstring). Returns ``None`` when there is nothing to plan or nobody on shift."""
        pending = any(j.status == "pending" for j in self.plan.jobs.values())
        active = any(v.status == "active" for v in self.plan.vehicles.values())
        if not pending or not active:
            return None
        t0 = time.perf_counter()
        if self.engine == "live":
            res = replan(
                self.plan,
                time_limit=self.time_limit,
                seed=self.seed,
                searches=self.searches,
                late_stop_cost=self.late_stop_cost,
                late_cost_per_hour=self.late_cost_per_hour,
            )
        else:
            stats = RoundStats()
            res = dispatch_round(
                self.plan,
                self.round_cache,
                time_limit=self.time_limit,
                seed=self.seed,
                late_stop_cost=self.late_stop_cost,
                late_cost_per_hour=self.late_cost_per_hour,
                focus_above_jobs=self.focus_above_jobs,
                stats=stats,
            )
            self.round_stats.append(stats)
        self.round_seconds.append(time.perf_counter() - t0)
        self.last_result = res
        self._snaps = {
            vid: self._summarize(vid, f)
            for vid, f in res.forecast.vehicles.items()
            if self.plan.vehicles[vid].status == "active"
        }
        self._dirty = set()
        etas = {
            s.job_id: (s.vehicle_id, s.service_start)
            for f in res.forecast.vehicles.values()
            for s in f.stops
        }
        for st in self.orders.values():
            if st.state == "delivered":
                continue
            got = etas.get(_drop_id(st.order.order_id))
            if got is not None:
                st.courier_id, st.eta = got
                if st.state == "accepted":
                    st.state = "assigned"
            elif st.state == "assigned":
                st.state, st.courier_id, st.eta = "accepted", None, None
        return res

    def restore(self, plan: LivePlan, orders: Sequence[OrderStatus]) -> None:
        """Resume a stored day: the live plan and the accepted orders as they were saved
        (stock is the network's, already net of these orders). Pick-up stations count the
        parcels of the restored orders again.

        Raises
        ------
        InvalidInputError
            A plan of other dimensions, or an order whose jobs are not in the plan while it
            is not delivered (field ``orders``).
        """
        if tuple(plan.dimensions) != DIMENSIONS:
            raise InvalidInputError.at("plan.dimensions", f"must be {DIMENSIONS}")
        for st in orders:
            oid = st.order.order_id
            if st.state != "delivered" and _drop_id(oid) not in plan.jobs:
                raise InvalidInputError.at("orders", "order is not in the plan", oid)
        self.plan = plan
        self.orders = {st.order.order_id: st for st in orders}
        self._point_load = {}
        for st in orders:
            if st.option.pickup_point_id is not None:
                self._point_load.setdefault(st.option.pickup_point_id, []).append(
                    st.option.promise + PICKUP_HOLD_S
                )
        self._snaps, self._dirty, self.last_result = {}, set(), None
        self.round_cache = RoundCache(PLAN_CIRCUITY)

    def status(self, order_id: str) -> OrderStatus:
        """Where an accepted order stands (:class:`NotFoundError` if unknown)."""
        st = self.orders.get(order_id)
        if st is None:
            raise NotFoundError(f"order_id: unknown order {order_id!r}")
        return st
