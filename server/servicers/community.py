# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Community``: community stores over :class:`engine.stores.Dispatcher`.

One dispatcher per server holds the store day in memory (network, stock, accepted
orders, the live plan); every mutation is applied to it under one lock and written to
the :class:`~server.store.community.CommunityStore` before the call answers. If the
write fails, the dispatcher is rebuilt from the database (the truth) and the call
fails, so memory never runs ahead of what is durable. At start the dispatcher is
rebuilt from the stored network, stock, orders and plan.

The clock is the dispatcher's: a request time (``placed_at``, ``t``, ``at``; 0 = the
server's wall clock) moves it forward, bringing couriers on and off shift; a time
before it is INVALID_ARGUMENT.

The dispatcher runs on each new order (``PlaceOrder``), on ``Dispatch``, and every
``dispatch_interval_s`` seconds on a background thread (the rolling horizon): the thread
moves the clock to the wall clock (couriers come on and go off shift), re-plans the
orders not yet delivered (orders not yet picked up may move to another courier), and
writes the orders whose state, courier or ETA changed, so ``WatchOrders`` streams them.
:meth:`CommunityServicer.close` stops the thread (the server does on shutdown).

Several instances on one PostgreSQL database share the service through one lease
(key :data:`LEASE_KEY` of :class:`~server.store.leases.LeaseStore`, the live plans'
table): the instance holding it owns the dispatcher, serves every ``Community`` call
and runs the background rounds; another instance forwards each call (unary or
``WatchOrders``) to the owner's advertised address, its answer or error unchanged.
Every write is fenced by the lease's epoch. When the owner's lease expires (it died),
the next call or background round reaching another instance takes the lease over and
rebuilds the dispatcher from the database first: every acknowledged call was written
there before it answered, so nothing acknowledged is lost.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, TypeVar

import grpc

from engine.errors import InvalidInputError, NotFoundError
from engine.live import PositionUpdate, forecast
from engine.stores import Dispatcher, OrderStatus, StoreNetwork
from engine.stores.model import LOCAL_OFFSET_S
from engine.stores.replenish import (
    VAN_CAPACITY,
    Sale,
    forecast_demand,
    order_up_to,
    plan_replenishment,
)
from engine.units import SECONDS_PER_DAY
from server.convert import community as convert
from server.convert.common import finite
from server.gen.yunli.v1 import community_pb2 as pb
from server.instances import LeaseManager, Peers
from server.observability import LOGGER
from server.status import AlreadyExistsError, UnavailableError
from server.store.community import CommunityStore
from server.store.leases import Lease, LeaseLostError

#: Longest routing budget of a ``PlanReplenishment`` call (s).
MAX_REPLENISH_TIME_S: Final = 60.0
#: How often a ``WatchOrders`` stream checks that its call is still active (s).
WATCH_POLL_S: Final = 0.5
#: The generated gRPC module (untyped generated code).
community_grpc: Any = importlib.import_module("server.gen.yunli.v1.community_pb2_grpc")
#: The lease naming the instance that owns the community state (not a valid live-plan
#: id, so it never meets a plan's lease in the same table).
LEASE_KEY: Final = "@community"
#: Attempts of a call whose lease moves under it (each re-routes to the new owner).
_LEASE_ATTEMPTS: Final = 3
_WHAT: Final = "the community state"

_F = TypeVar("_F", bound=Callable[..., Any])


def _routed(fn: _F) -> _F:
    """A unary RPC served by the owner of the community state: here when this instance
    owns it (or leases are off), else forwarded to the owner."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(self: CommunityServicer, request: Any, context: grpc.ServicerContext) -> Any:
        for _ in range(_LEASE_ATTEMPTS):
            owner = self._owner()
            if owner is not None:
                assert self._peers is not None
                stub = community_grpc.CommunityStub
                return self._peers.call(stub, owner, name, request, context, _WHAT)
            try:
                return fn(self, request, context)
            except LeaseLostError:
                self._lost()
        raise UnavailableError(f"{_WHAT}: its ownership keeps moving; retry")

    return call  # type: ignore[return-value]


def _routed_stream(fn: _F) -> _F:
    """:func:`_routed` for a server-streaming RPC."""
    name = fn.__name__

    @functools.wraps(fn)
    def call(self: CommunityServicer, request: Any, context: grpc.ServicerContext) -> Any:
        owner = self._owner()
        if owner is None:
            yield from fn(self, request, context)
            return
        assert self._peers is not None
        stub = community_grpc.CommunityStub
        yield from self._peers.stream(stub, owner, name, request, context, _WHAT)

    return call  # type: ignore[return-value]


class CommunityServicer:
    """Implements ``yunli.v1.Community`` (see the module docstring).

    Parameters
    ----------
    store
        Where the state is durable.
    time_limit
        Budget of a dispatch round (seconds), see :class:`engine.stores.Dispatcher`.
    clock
        The wall clock (Unix seconds) for request times left at 0.
    dispatch_interval_s
        Seconds between dispatch rounds of the background thread (0: no thread).
    leases, peers
        Both or neither: the instance's lease manager and peer channels; with them the
        state is served by the holder of the :data:`LEASE_KEY` lease (see the module
        docstring); without them by this instance alone.
    """

    def __init__(
        self,
        store: CommunityStore,
        *,
        time_limit: float = 0.15,
        clock: Callable[[], float] = time.time,
        dispatch_interval_s: float = 0.0,
        leases: LeaseManager | None = None,
        peers: Peers | None = None,
    ) -> None:
        if not dispatch_interval_s >= 0:
            raise InvalidInputError.at(
                "community_dispatch_interval_s", f"must be >= 0, got {dispatch_interval_s}"
            )
        self._store = store
        self._time_limit = time_limit
        self._clock = clock
        self._leases = leases
        self._peers = peers
        #: Epoch of the lease the in-memory state was loaded under (0: none yet).
        self.epoch = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._load()
        self._stop = threading.Event()
        self.rounds = 0
        self.round_errors = 0
        self._thread: threading.Thread | None = None
        if dispatch_interval_s > 0:
            self._thread = threading.Thread(
                target=self._loop,
                args=(float(dispatch_interval_s),),
                name="community-dispatch",
                daemon=True,
            )
            self._thread.start()

    # ---- the rolling horizon -------------------------------------------------------------
    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                if self._leases is not None:
                    if not self._leases.address:
                        continue  # the port is not bound yet: nowhere to be reached at
                    if self._owner() is not None:
                        continue  # another instance owns the state and runs the rounds
                changed = self.dispatch_round()
                LOGGER.debug(
                    "community dispatch round", extra={"epoch": self.epoch, "changed": changed}
                )
            except LeaseLostError:
                self._lost()
            except Exception:  # the next round tries again; the state was reloaded
                self.round_errors += 1

    # ---- ownership (several instances) -----------------------------------------------
    def _owner(self) -> Lease | None:
        """None when this instance serves the state (leases off, or it holds the lease,
        the state reloaded from the database if the lease is at a new epoch); else the
        owner's lease (forward the call there)."""
        if self._leases is None:
            return None
        lease, _fresh = self._leases.claim(LEASE_KEY)
        if lease.owner != self._leases.instance_id:
            return lease
        if lease.epoch != self.epoch:
            with self._lock:
                if lease.epoch != self.epoch:  # another writer may have held it meanwhile
                    self._load()
                    LOGGER.info(
                        "community state owned: dispatch rounds run here",
                        extra={"instance_id": lease.owner, "epoch": lease.epoch},
                    )
                    self.epoch = lease.epoch
        return None

    def _lost(self) -> None:
        """Forget the lease a fenced write found taken by another instance."""
        assert self._leases is not None
        self._leases.lost(LEASE_KEY)
        with self._lock:
            if self.epoch:
                LOGGER.info(
                    "community state lost to another instance",
                    extra={"instance_id": self._leases.instance_id, "epoch": self.epoch},
                )
            self.epoch = 0

    def dispatch_round(self) -> int:
        """One background round: clock to the wall clock, re-plan, write what changed.

        Returns the number of orders whose state, courier or ETA changed.
        """
        with self._lock:
            before = {
                oid: (st.state, st.courier_id, st.eta) for oid, st in self._disp.orders.items()
            }
            try:
                now = self._now()
                if now > self._disp.now:
                    self._disp.advance(now)
                res = self._disp.dispatch()
                changed = [
                    st
                    for oid, st in self._disp.orders.items()
                    if (st.state, st.courier_id, st.eta) != before.get(oid)
                ]
                if res is not None or changed:
                    self._persist_orders(changed)
            except BaseException:
                self._load()
                raise
            self.rounds += 1
            return len(changed)

    def close(self) -> None:
        """Stop the background dispatch thread (waits for a round in progress)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # ---- state --------------------------------------------------------------------------
    def _load(self) -> None:
        d = self._store.load()
        net = StoreNetwork.build(d.sites, d.skus, d.couriers, d.stock)
        disp = Dispatcher(net, d.plan.now if d.plan else 0, time_limit=self._time_limit)
        if d.plan is not None:
            disp.restore(d.plan, d.orders)
        self._disp = disp
        self._order_rev = d.order_rev
        self._stock_rev = d.stock_rev
        self._keys = d.keys

    def _write(self, **kw: Any) -> int:
        if self._leases is not None:
            kw["guard"] = self._leases.fence(LEASE_KEY, self.epoch)
        try:
            return self._store.write(**kw)
        except BaseException:
            self._load()
            raise

    def _now(self) -> int:
        return max(int(self._clock()), self._disp.now)

    def _advance(self, t: int, field: str) -> None:
        if t < self._disp.now:
            raise InvalidInputError.at(
                field, f"{t} is before the dispatcher's clock {self._disp.now}"
            )
        if t > self._disp.now:
            self._disp.advance(t)

    def _open(self) -> list[OrderStatus]:
        return [st for st in self._disp.orders.values() if st.state != "delivered"]

    def _persist_orders(self, orders: Iterable[OrderStatus], **kw: Any) -> int:
        """Write ``orders`` and the plan (plus ``kw``); remember the orders' revision."""
        orders = list(orders)
        rev = self._write(orders=orders, plan=self._disp.plan, **kw)
        for st in orders:
            self._order_rev[st.order.order_id] = rev
        self._changed.notify_all()
        return rev

    # ---- the network ------------------------------------------------------------------------
    @_routed
    def RegisterSite(self, request: pb.CommunitySite, context: grpc.ServicerContext) -> Any:
        s = convert.site(request)
        with self._lock:
            net = self._disp.network
            if s.site_id in net.sites:
                raise AlreadyExistsError(f"site_id: site {s.site_id!r} exists")
            self._write(sites=[s])
            net.sites[s.site_id] = s
            net.validate()
        return convert.site_msg(s)

    @_routed
    def RegisterSku(self, request: pb.CommunitySku, context: grpc.ServicerContext) -> Any:
        s = convert.sku(request)
        with self._lock:
            net = self._disp.network
            if s.sku_id in net.skus:
                raise AlreadyExistsError(f"sku_id: SKU {s.sku_id!r} exists")
            self._write(skus=[s])
            net.skus[s.sku_id] = s
        return convert.sku_msg(s)

    @_routed
    def RegisterCourier(self, request: pb.CommunityCourier, context: grpc.ServicerContext) -> Any:
        c = convert.courier(request)
        with self._lock:
            net = self._disp.network
            if c.courier_id in net.couriers:
                raise AlreadyExistsError(f"courier_id: courier {c.courier_id!r} exists")
            net.store(c.store_id)
            self._write(couriers=[c])
            net.couriers[c.courier_id] = c
        return convert.courier_msg(c)

    @_routed
    def SetStock(self, request: pb.SetCommunityStockRequest, context: grpc.ServicerContext) -> Any:
        levels = convert.stock_levels(request.lines)
        with self._lock:
            net = self._disp.network
            net.store(request.store_id)
            for sku in levels:
                if sku not in net.skus:
                    raise NotFoundError(f"lines.sku_id: unknown SKU {sku!r}")
            rev = self._write(stock={request.store_id: levels})
            net.stock[request.store_id].update(levels)
            self._stock_rev[request.store_id] = rev
            return convert.stock_msg(request.store_id, net.stock[request.store_id], rev)

    @_routed
    def GetStock(self, request: pb.GetCommunityStockRequest, context: grpc.ServicerContext) -> Any:
        with self._lock:
            net = self._disp.network
            net.store(request.store_id)
            return convert.stock_msg(
                request.store_id,
                net.stock[request.store_id],
                self._stock_rev.get(request.store_id, 0),
            )

    # ---- orders -------------------------------------------------------------------------
    @_routed
    def QuoteOrder(
        self, request: pb.QuoteCommunityOrderRequest, context: grpc.ServicerContext
    ) -> Any:
        with self._lock:
            order = convert.order(request.order, self._now())
            self._advance(order.placed_at, "order.placed_at")
            q = self._disp.quote(order)
            return convert.quote_msg(q, self._disp.tariff.version)

    @_routed
    def PlaceOrder(
        self, request: pb.PlaceCommunityOrderRequest, context: grpc.ServicerContext
    ) -> Any:
        key = request.idempotency_key
        if not key.strip():
            raise InvalidInputError.at("idempotency_key", "must not be empty")
        digest = hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()
        with self._lock:
            seen = self._keys.get(key)
            if seen is not None:
                if seen[1] != digest:
                    raise InvalidInputError.at(
                        "idempotency_key", "was used for a different request", key
                    )
                st = self._disp.orders[seen[0]]
                return convert.status_msg(st, self._order_rev[seen[0]])
            order = convert.order(request.order, self._now())
            if request.promise < 0:
                raise InvalidInputError.at("promise", f"must be >= 0, got {request.promise}")
            self._advance(order.placed_at, "order.placed_at")
            st = self._disp.place(order, request.choice or 0, promise=request.promise or None)
            try:
                self._disp.dispatch()
                levels = self._disp.network.stock[order.store_id]
                rev = self._persist_orders(
                    self._open(),
                    stock={order.store_id: {s: levels[s] for s, _ in order.items}},
                    key=(order.order_id, key, digest),
                )
            except BaseException:
                self._load()
                raise
            self._stock_rev[order.store_id] = rev
            self._keys[key] = (order.order_id, digest)
            return convert.status_msg(st, rev)

    @_routed
    def GetOrder(self, request: pb.GetCommunityOrderRequest, context: grpc.ServicerContext) -> Any:
        with self._lock:
            st = self._disp.status(request.order_id)
            return convert.status_msg(st, self._order_rev.get(request.order_id, 0))

    @_routed_stream
    def WatchOrders(
        self, request: pb.WatchCommunityOrdersRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.CommunityOrderStatus]:
        store = request.store_id
        with self._lock:
            if store:
                self._disp.network.store(store)
        cursor = request.after_revision
        while context.is_active():
            if self._leases is not None and LEASE_KEY not in self._leases.owned():
                raise UnavailableError(
                    f"{_WHAT} moved to another instance; watch again with after_revision={cursor}"
                )
            with self._changed:
                batch = sorted(
                    (rev, oid)
                    for oid, rev in self._order_rev.items()
                    if rev > cursor
                    and (not store or self._disp.orders[oid].order.store_id == store)
                )
                if not batch:
                    self._changed.wait(WATCH_POLL_S)
                    continue
                msgs = [convert.status_msg(self._disp.orders[oid], rev) for rev, oid in batch]
                cursor = batch[-1][0]
            yield from msgs

    @_routed
    def ListOpenOrders(
        self, request: pb.ListOpenCommunityOrdersRequest, context: grpc.ServicerContext
    ) -> Any:
        with self._lock:
            if request.store_id:
                self._disp.network.store(request.store_id)
            return pb.ListOpenCommunityOrdersResponse(
                orders=[
                    convert.status_msg(st, self._order_rev.get(st.order.order_id, 0))
                    for st in sorted(self._open(), key=lambda s: s.order.order_id)
                    if not request.store_id or st.order.store_id == request.store_id
                ]
            )

    # ---- couriers and dispatch ---------------------------------------------------------
    @_routed
    def ReportCourierPosition(
        self, request: pb.CourierPositionReport, context: grpc.ServicerContext
    ) -> Any:
        cid = request.courier_id
        lat = finite("lat", request.lat)
        lon = finite("lon", request.lon)
        if not -90 <= lat <= 90:
            raise InvalidInputError.at("lat", f"{lat} is not in [-90, 90]", cid)
        if not -180 <= lon <= 180:
            raise InvalidInputError.at("lon", f"{lon} is not in [-180, 180]", cid)
        served = convert.served_jobs(cid, request.served)
        with self._lock:
            self._disp.network.courier(cid)
            oids = [j.rpartition(":")[0] for j in served]
            for oid in oids:
                self._disp.status(oid)
            t = request.t or self._now()
            self._advance(t, "t")
            if cid not in self._disp.plan.vehicles:
                raise InvalidInputError.at("courier_id", "the courier is not on shift", cid)
            self._disp.advance(t, [PositionUpdate(t, cid, lat, lon, served=served)])
            changed = [self._disp.orders[o] for o in dict.fromkeys(oids)]
            rev = self._persist_orders(changed)
            return pb.CourierPositionAck(
                courier_id=cid,
                now=self._disp.now,
                changed=[convert.status_msg(st, rev) for st in changed],
            )

    @_routed
    def GetCourierRoute(
        self, request: pb.GetCourierRouteRequest, context: grpc.ServicerContext
    ) -> Any:
        cid = request.courier_id
        with self._lock:
            self._disp.network.courier(cid)
            plan = self._disp.plan
            f = forecast(plan, [cid]).vehicles.get(cid) if cid in plan.vehicles else None
            return convert.route_msg(plan, cid, f)

    @_routed
    def Dispatch(self, request: pb.CommunityDispatchRequest, context: grpc.ServicerContext) -> Any:
        with self._lock:
            self._advance(request.at or self._now(), "at")
            try:
                res = self._disp.dispatch()
                self._persist_orders(self._open())
            except BaseException:
                self._load()
                raise
            late = (
                0
                if res is None
                else sum(1 for f in res.forecast.vehicles.values() for s in f.stops if s.late_s > 0)
            )
            return pb.CommunityDispatchResponse(
                now=self._disp.now,
                planned=res is not None,
                open_orders=len(self._open()),
                late_stops=late,
            )

    # ---- replenishment -------------------------------------------------------------------
    @_routed
    def PlanReplenishment(
        self, request: pb.PlanReplenishmentRequest, context: grpc.ServicerContext
    ) -> Any:
        lat = finite("warehouse_lat", request.warehouse_lat)
        lon = finite("warehouse_lon", request.warehouse_lon)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            raise InvalidInputError.at(
                "warehouse_lat", f"({lat}, {lon}) is not a warehouse location"
            )
        vans = request.vans or 3
        cap = (request.van_weight_kg or VAN_CAPACITY[0], request.van_volume_l or VAN_CAPACITY[1])
        if vans < 0 or min(cap) <= 0:
            raise InvalidInputError.at("vans", "vans and van capacities must be > 0")
        shift = (request.shift_start_s, request.shift_end_s)
        if shift == (0, 0):
            shift = (5 * 3600, 12 * 3600)
        if not 0 <= shift[0] < shift[1] <= 2 * SECONDS_PER_DAY:
            raise InvalidInputError.at(
                "shift_end_s", f"the vans' shift {shift} is not 0 <= start < end <= 2 days"
            )
        level = request.service_level or 0.95
        if not 0.5 <= finite("service_level", level) < 1.0:
            raise InvalidInputError.at("service_level", f"must be in [0.5, 1), got {level}")
        review = request.review_s or SECONDS_PER_DAY
        if review <= 0:
            raise InvalidInputError.at("review_s", f"must be > 0, got {review}")
        limit = request.time_limit_s or 1.0
        if not 0 < finite("time_limit_s", limit) <= MAX_REPLENISH_TIME_S:
            raise InvalidInputError.at(
                "time_limit_s", f"must be in (0, {MAX_REPLENISH_TIME_S:.0f}], got {limit}"
            )
        for s in request.sales:
            if s.quantity < 0:
                raise InvalidInputError.at("sales.quantity", "must be >= 0", s.store_id)
            if s.t <= 0:
                raise InvalidInputError.at("sales.t", "must be a Unix time > 0", s.store_id)
        # A snapshot of the network under the lock; the routing runs outside it.
        with self._lock:
            net = self._disp.network
            for sid in request.store_ids:
                net.store(sid)
            for s in request.sales:
                net.store(s.store_id)
                if s.sku_id not in net.skus:
                    raise NotFoundError(f"sales.sku_id: unknown SKU {s.sku_id!r}")
            wanted = set(request.store_ids) or {
                k for k, v in net.sites.items() if v.kind == "store"
            }
            snap = StoreNetwork(
                dict(net.sites),
                dict(net.skus),
                dict(net.couriers),
                {k: dict(v) for k, v in net.stock.items()},
            )
            history = [
                Sale(st.order.placed_at, st.order.store_id, sku, q)
                for st in self._disp.orders.values()
                for sku, q in st.order.items
            ]
            now = self._disp.now or int(self._clock())
        history += [Sale(s.t, s.store_id, s.sku_id, s.quantity) for s in request.sales]
        history = [h for h in history if h.store_id in wanted]
        midnight = request.day_midnight or next_local_midnight(now)
        if (midnight + LOCAL_OFFSET_S) % SECONDS_PER_DAY:
            raise InvalidInputError.at(
                "day_midnight", f"{midnight} is not a local midnight (UTC+8)"
            )
        out = pb.CommunityReplenishmentPlan(day_midnight=midnight)
        if not history:
            return out  # no demand known: nothing to order
        fc = forecast_demand(history)
        lines = order_up_to(snap, fc, midnight + shift[0], review_s=review, service_level=level)
        out.lines.extend(
            pb.CommunityReplenishmentLine(
                store_id=ln.store_id,
                sku_id=ln.sku_id,
                level=ln.level,
                on_hand=ln.on_hand,
                demand_mean=ln.demand_mean,
                quantity=ln.quantity,
            )
            for ln in lines
        )
        if not any(ln.quantity > 0 for ln in lines):
            return out
        plan = plan_replenishment(
            snap,
            lines,
            (lat, lon),
            midnight,
            vans=vans,
            van_capacity=cap,
            shift=shift,
            time_limit=limit,
        )
        out.deliveries.extend(
            pb.CommunityVanStop(
                van=d.van,
                store_id=d.store_id,
                lines=[
                    pb.CommunityStockLine(sku_id=k, quantity=q) for k, q in sorted(d.lines.items())
                ],
                service_start=d.service_start,
            )
            for d in plan.deliveries
        )
        out.unserved.extend(plan.unserved)
        out.vans_used = plan.vans_used
        out.distance_m = plan.distance_m
        if request.apply and plan.deliveries:
            with self._lock:
                net = self._disp.network
                after: dict[str, dict[str, int]] = {}
                for d in plan.deliveries:
                    levels = after.setdefault(d.store_id, {})
                    for sku, q in d.lines.items():
                        base = levels.get(sku, net.stock[d.store_id].get(sku, 0))
                        levels[sku] = base + q
                rev = self._write(stock=after)
                for sid, levels in after.items():
                    net.stock[sid].update(levels)
                    self._stock_rev[sid] = rev
                out.applied = True
                out.stock.extend(
                    convert.stock_msg(sid, net.stock[sid], rev) for sid in sorted(after)
                )
        return out


def next_local_midnight(t: int) -> int:
    """The first local (UTC+8) midnight after the Unix instant ``t``."""
    return ((t + LOCAL_OFFSET_S) // SECONDS_PER_DAY + 1) * SECONDS_PER_DAY - LOCAL_OFFSET_S


def register(
    server: grpc.Server,
    store: Any,
    *,
    dispatch_interval_s: float = 0.0,
    closers: list[Callable[[], object]] | None = None,
    leases: LeaseManager | None = None,
    peers: Peers | None = None,
) -> CommunityServicer:
    """Add the ``Community`` service to ``server``, stored in ``store``'s database, with a
    dispatch round every ``dispatch_interval_s`` seconds (0: only on orders and
    ``Dispatch``); its :meth:`~CommunityServicer.close` is appended to ``closers``.
    ``leases`` and ``peers`` share the service among the instances on the database."""
    svc = CommunityServicer(
        CommunityStore(store), dispatch_interval_s=dispatch_interval_s, leases=leases, peers=peers
    )
    community_grpc.add_CommunityServicer_to_server(svc, server)
    if closers is not None:
        closers.append(svc.close)
    return svc
