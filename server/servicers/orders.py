# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Orders``: the freight order subsystem over :class:`~server.store.orders.OrderStore`.

The servicer is a thin adapter: it converts messages (``server/convert/orders.py``),
looks up vehicles in the fleet state, asks the matching engine for distribution,
feeds and match scores (with the credit archive written into the vehicles' rating
columns, :func:`engine.orders.credit.vehicles_with_credit`), and lets the store apply
the rules in one transaction per call.

Identity (:mod:`server.auth`): with a party token every ``actor`` must be the token's
principal; PostOrder's ``order.shipper_id``, Feed's vehicle and Subscribe's filter must
be the caller's own; Sweep, CheckLedger and SyncFleetRatings need a platform token.
Orders, credit and price guidance are the market's public board (any token reads
them); sealed bids are shown by ListBids only to the bidder and, after the deadline,
to the shipper (:func:`engine.orders.auction.visible_bids`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Final

import grpc
import polars as pl

from engine.errors import InvalidInputError, NotFoundError
from engine.orders.credit import vehicles_with_credit
from engine.orders.eligibility import push_list, road_distance_m
from engine.orders.model import Actor, Order, Role, State
from engine.orders.pricing import LaneRateModel, PriceGuidance, observations_from_loads
from server.auth import (
    CALLER,
    PermissionDeniedError,
    require_actor,
    require_party,
    require_platform,
)
from server.convert import orders as conv
from server.proto import orders_pb2
from server.state import FleetState
from server.store.orders import OrderStore

#: Carriers a new order is pushed to.
PUSH_K: Final = 20
#: Seconds between background deadline sweeps.
SWEEP_INTERVAL_S: Final = 1.0
#: The credit archive is written into the matcher's rating columns at most this often
#: (seconds): outcomes reach the ranking within this delay.
CREDIT_REFRESH_S: Final = 1.0
#: Time limit of the re-plan a breakdown hands to the live re-planner (seconds).
HANDOFF_REPLAN_S: Final = 2.0
#: The lane rate model is refitted at most this often (seconds).
RATES_TTL_S: Final = 60.0


class OrdersServicer:
    """Implements ``yunli.v1.Orders`` (with the Credit and Pricing RPCs)."""

    def __init__(self, state: FleetState, store: OrderStore, live: Any = None) -> None:
        self._state = state
        self._store = store
        self._live = live
        self._lock = threading.Lock()
        #: Held for every use of the matcher: its native core must not be updated while
        #: another call ranks with it.
        self._mlock = threading.Lock()
        self._matcher: Any = None
        self._credits: dict[int, Any] = {}
        self._credit_at = -1e9
        self._matcher_key: tuple[int, int] | None = None
        self._rates: LaneRateModel | None = None
        self._rates_at = 0.0
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    # ---- background -------------------------------------------------------------------------
    def start_sweeper(self, interval: float = SWEEP_INTERVAL_S) -> None:
        """Auto-award / expire due orders every ``interval`` seconds in a daemon thread."""
        from server.observability import LOGGER

        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    self._store.sweep()
                except Exception:
                    LOGGER.warning("order sweep failed", exc_info=True)

        self._sweeper = threading.Thread(target=run, name="yunli-order-sweep", daemon=True)
        self._sweeper.start()

    def close(self) -> None:
        """Stop the sweeper and wake subscribers."""
        self._stop.set()
        with self._store.changed:
            self._store.changed.notify_all()

    # ---- helpers ----------------------------------------------------------------------------
    def _vehicle(self, vehicle_id: int) -> dict[str, Any]:
        v = self._state.vehicles.filter(pl.col("vehicle_id") == vehicle_id)
        if v.height == 0:
            raise NotFoundError(f"vehicle_id: unknown vehicle {vehicle_id}")
        return v.row(0, named=True)

    def _with_matcher(self, fn: Callable[[Any], pl.DataFrame]) -> pl.DataFrame | None:
        """``fn(matcher)`` under the matcher lock, the matcher over the stored fleet with
        the credit archive in its rating columns (None without vehicles)."""
        from engine.matching import Matcher

        st = self._state
        with self._mlock:
            if st.vehicles.height == 0:
                return None
            key = (st.versions["vehicles"], st.versions["trips"])
            now = time.monotonic()
            stale = now - self._credit_at >= CREDIT_REFRESH_S
            if self._matcher is None or key != self._matcher_key or stale:
                self._credits = self._store.credits("carrier")
                self._credit_at = now
                vehicles = vehicles_with_credit(st.vehicles, self._credits)
                if self._matcher is None or key != self._matcher_key:
                    trips = st.trips.filter(
                        pl.col("vehicle_id").is_in(vehicles["vehicle_id"].implode())
                    )
                    self._matcher = Matcher(vehicles, trips, now=int(time.time()))
                    self._matcher_key = key
                else:
                    self._matcher.update_vehicles(vehicles)
            return fn(self._matcher)

    def _guidance(self, o: Order) -> PriceGuidance:
        vt = o.vehicle_types[0] if o.vehicle_types else ""
        return self._rates_model().guidance(
            o.origin_city, o.dest_city, vt, _distance(o), o.pickup_start
        )

    def _rates_model(self) -> LaneRateModel:
        """The lane rate model over posted loads and settled orders (refitted every
        :data:`RATES_TTL_S` seconds)."""
        now = time.monotonic()
        with self._lock:
            if self._rates is None or now - self._rates_at > RATES_TTL_S:
                obs = (
                    [observations_from_loads(self._state.loads)] if self._state.loads.height else []
                )
                settled = self._store.settled_prices()
                if settled:
                    obs.append(
                        pl.DataFrame(
                            {
                                "origin_city": [s.origin_city for s in settled],
                                "dest_city": [s.dest_city for s in settled],
                                "vehicle_type": [self._vtype(s) for s in settled],
                                "distance_m": [_distance(s) for s in settled],
                                "price_fen": [s.awarded_price_fen for s in settled],
                                "at": [s.awarded_at for s in settled],
                            },
                            schema=dict(obs[0].schema) if obs else None,
                        )
                    )
                frame = pl.concat(obs) if obs else observations_from_loads(self._state.loads)
                self._rates, self._rates_at = LaneRateModel(frame), now
            return self._rates

    def _vtype(self, o: Order) -> str:
        v = self._state.vehicles.filter(pl.col("vehicle_id") == o.vehicle_id)
        return str(v["vehicle_type"][0]) if v.height else ""

    def _push(self, o: Order) -> list[int]:
        if o.state not in (State.BIDDING, State.GRABBING):
            return []
        rows = self._with_matcher(lambda m: m.recommend_vehicles(o.as_load(), k=PUSH_K * 3))
        if rows is None or rows.height == 0:
            return []
        carriers = self._state.vehicles.select("vehicle_id", "carrier_id")
        rows = rows.join(carriers, on="vehicle_id", how="left")
        ranked = [
            (int(c), int(v), float(s))
            for c, v, s in rows.select("carrier_id", "vehicle_id", "score").iter_rows()
        ]
        done = {cid: c.evidence for cid, c in self._credits.items()}
        return push_list(ranked, done, PUSH_K)

    def _match_score(self, o: Order, vehicle_id: int) -> float:
        one = pl.DataFrame([o.as_load()], schema_overrides={"vehicle_types": pl.List(pl.String)})
        rows = self._with_matcher(lambda m: m.recommend_loads(vehicle_id, loads=one, k=1))
        return float(rows["score"][0]) if rows is not None and rows.height else 0.0

    # ---- RPCs -------------------------------------------------------------------------------
    def PostOrder(self, request: Any, context: grpc.ServicerContext) -> Any:
        if not request.HasField("order"):
            raise InvalidInputError.at("order", "is required")
        require_party(Role.SHIPPER, request.order.shipper_id, "order.shipper_id")
        now = self._store.now()
        order = conv.order_in(request.order, now)
        res = self._store.post(request.idempotency_key, order, at=now)
        o = Order.from_dict(res["order"])
        pushed = self._push(o) if not res["replayed"] else []
        if pushed:
            self._store.record_push(o.order_id, pushed, at=now)
        return conv.reply(res, self._guidance(o), pushed)

    def GetOrder(self, request: Any, context: grpc.ServicerContext) -> Any:
        o = self._store.get(request.order_id)
        return orders_pb2.OrderReply(
            order=conv.order_out(o), guidance=conv.guidance_out(self._guidance(o))
        )

    def ListOrders(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        limit = request.limit if request.HasField("limit") else 1000
        if limit < 0:
            raise InvalidInputError.at("limit", f"must be >= 0, got {limit}")
        state = request.state if request.HasField("state") else None
        if state is not None and state not in {s.value for s in State}:
            raise InvalidInputError.at("state", f"unknown state {state!r}")
        for o in self._store.list_orders(
            state=state,
            shipper_id=request.shipper_id if request.HasField("shipper_id") else None,
            carrier_id=request.carrier_id if request.HasField("carrier_id") else None,
            after_id=request.after_id,
            limit=limit,
        ):
            yield conv.order_out(o)

    def Grab(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        res = self._store.grab(
            request.idempotency_key, request.order_id, a, self._vehicle(request.vehicle_id)
        )
        return conv.reply(res)

    def Accept(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        return conv.reply(
            self._store.accept(
                request.idempotency_key, request.order_id, a, self._vehicle(request.vehicle_id)
            )
        )

    def Offer(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        return conv.reply(
            self._store.offer(request.idempotency_key, request.order_id, a, request.carrier_id)
        )

    def Decline(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        return conv.reply(
            self._store.decline(request.idempotency_key, request.order_id, a, request.reason)
        )

    def PlaceBid(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        o = self._store.get(request.order_id)
        vehicle = self._vehicle(request.vehicle_id)
        g = self._guidance(o)
        res = self._store.place_bid(
            request.idempotency_key,
            request.order_id,
            a,
            vehicle,
            request.amount_fen,
            match_score=self._match_score(o, request.vehicle_id)
            if o.state is State.BIDDING
            else 0.0,
            guidance=g,
        )
        return orders_pb2.BidReply(
            bid_id=res["bid_id"],
            outlier=res["outlier"],
            seq=res["seq"],
            replayed=res["replayed"],
            guidance=conv.guidance_out(g),
        )

    def WithdrawBid(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        res = self._store.withdraw_bid(request.idempotency_key, request.bid_id, a)
        return orders_pb2.BidReply(bid_id=res["bid_id"], seq=res["seq"], replayed=res["replayed"])

    def ListBids(self, request: Any, context: grpc.ServicerContext) -> Any:
        from engine.orders.auction import ranking, visible_bids

        a = _acting(request.actor)
        o = self._store.get(request.order_id)
        now = self._store.now()
        bids = visible_bids(o, self._store.bids(request.order_id), a, now)
        out = [conv.bid_out(b) for b in bids]
        sealed = o.state is State.BIDDING and now <= o.deadline
        if a.role is not Role.CARRIER and not sealed:
            at = {b.bid_id: i for i, b in enumerate(bids)}
            for rank, (b, score) in enumerate(ranking(o, bids), start=1):
                out[at[b.bid_id]].award_rank = rank
                out[at[b.bid_id]].award_score = score
        return orders_pb2.ListBidsReply(bids=out)

    def Award(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        return conv.reply(
            self._store.award(request.idempotency_key, request.order_id, a, request.bid_id)
        )

    def Progress(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        res = self._store.progress(
            request.idempotency_key,
            request.order_id,
            request.action,
            a,
            weight_kg=request.weight_kg if request.HasField("weight_kg") else None,
            pieces=request.pieces if request.HasField("pieces") else None,
        )
        return conv.reply(res)

    def Rate(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        return conv.reply(
            self._store.rate(
                request.idempotency_key, request.order_id, a, request.stars, request.comment
            )
        )

    def Cancel(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        return conv.reply(
            self._store.cancel(request.idempotency_key, request.order_id, a, request.reason)
        )

    def ReportException(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        res = self._store.report_exception(
            request.idempotency_key, request.order_id, a, request.kind, dict(request.evidence)
        )
        out = orders_pb2.ExceptionReply(
            order=conv.reply(res), exception=conv.exception_out(res["exception"])
        )
        o = Order.from_dict(res["order"])
        if request.kind == "breakdown" and o.live_plan_id and not res["replayed"]:
            out.replan, out.plan_version = self._hand_off(o, dict(request.evidence), context)
        return out

    def _hand_off(self, o: Order, evidence: dict[str, str], context: Any) -> tuple[str, int]:
        """Give a breakdown to the live re-planner: a Breakdown event for the order's live
        vehicle, then a re-plan. The exception is recorded whatever happens here; the
        outcome is reported back."""
        from engine.errors import YunliError
        from server.proto import live_pb2

        if self._live is None:
            return "no live re-planner in this server", 0
        vehicle = evidence.get("live_vehicle_id") or str(o.vehicle_id)
        req = live_pb2.ApplyEventsRequest(
            plan_id=o.live_plan_id,
            events=[live_pb2.Event(t=self._store.now(), breakdown=vehicle)],
            options=live_pb2.ReplanOptions(replan=True, time_limit_s=HANDOFF_REPLAN_S),
        )
        try:
            resp = self._live.ApplyEvents(req, context)
        except YunliError as e:
            return f"re-plan refused: {e}", 0
        return (
            f"breakdown of {vehicle} applied to plan {o.live_plan_id!r}: "
            f"{len(resp.released_jobs)} jobs released, re-planned, {len(resp.diff.moved)} moved",
            int(resp.view.plan.version),
        )

    def ResolveException(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        res = self._store.resolve_exception(
            request.idempotency_key,
            request.exception_id,
            a,
            request.resolution,
            request.surcharge_fen,
            request.penalty_fen,
        )
        return orders_pb2.ExceptionReply(
            order=conv.reply(res), exception=conv.exception_out(res["exception"])
        )

    def Settle(self, request: Any, context: grpc.ServicerContext) -> Any:
        a = _acting(request.actor)
        res = self._store.settle(
            request.idempotency_key,
            request.order_id,
            a,
            conv.money_map("surcharges", request.surcharges),
            conv.money_map("penalties", request.penalties),
        )
        return orders_pb2.SettleReply(order=conv.reply(res), **res["settlement"])

    def Sweep(self, request: Any, context: grpc.ServicerContext) -> Any:
        require_platform("Sweep")
        at = request.at if request.HasField("at") else None
        if at is not None and at > self._store.now():
            raise InvalidInputError.at("at", f"must not be in the future (now {self._store.now()})")
        out = self._store.sweep(at)
        return orders_pb2.SweepReply(changed=[conv.order_out(r["order"]) for r in out])

    def Subscribe(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        if request.cursor < 0:
            raise InvalidInputError.at("cursor", f"must be >= 0, got {request.cursor}")
        filt: dict[str, Any] = {
            k: getattr(request, k) if request.HasField(k) else None
            for k in ("order_id", "shipper_id", "carrier_id")
        }
        if filt["order_id"] is not None:
            self._store.get(filt["order_id"])
        self._may_subscribe(filt)
        cursor = request.cursor
        while True:
            events = self._store.events_after(cursor, **filt)
            for e in events:
                yield conv.event_out(e)
                cursor = e.seq
            if events:
                continue
            if (
                not request.follow
                or self._state.closing.is_set()
                or self._stop.is_set()
                or not context.is_active()
            ):
                return
            self._store.wait(0.25)  # local writes wake it at once; other instances within 0.25 s

    def _may_subscribe(self, filt: dict[str, Any]) -> None:
        """A shipper or carrier token follows only its own orders: its own
        ``shipper_id``/``carrier_id`` filter, or an ``order_id`` it is the shipper or
        the awarded carrier of (other parties' events carry their bids)."""
        caller = CALLER.get()
        if caller is None or caller.role is Role.PLATFORM:
            return
        if filt["order_id"] is not None:
            o = self._store.get(filt["order_id"])
            owner = o.shipper_id if caller.role is Role.SHIPPER else o.carrier_id
            if owner != caller.id:
                raise PermissionDeniedError(
                    "order_id",
                    f"token is bound to {caller}; order {o.order_id} is not its own",
                )
            return
        key = "shipper_id" if caller.role is Role.SHIPPER else "carrier_id"
        require_party(caller.role, filt[key], key)

    def Feed(self, request: Any, context: grpc.ServicerContext) -> Any:
        k = request.k or 10
        if not 1 <= k <= 1000:
            raise InvalidInputError.at("k", f"must be in 1..1000 (0: 10), got {k}")
        v = self._vehicle(request.vehicle_id)
        require_party(Role.CARRIER, int(v["carrier_id"]), "vehicle_id")
        open_orders = [
            o
            for s in (State.BIDDING, State.GRABBING)
            for o in self._store.list_orders(state=s.value, limit=5000)
        ]
        if not open_orders:
            return orders_pb2.FeedReply()
        by_id = {o.order_id: o for o in open_orders}
        loads = pl.DataFrame(
            [o.as_load() for o in open_orders],
            schema_overrides={"vehicle_types": pl.List(pl.String)},
        )
        rows = self._with_matcher(lambda m: m.recommend_loads(request.vehicle_id, loads=loads, k=k))
        if rows is None:
            return orders_pb2.FeedReply()
        items = [
            orders_pb2.FeedItem(
                order=conv.order_out(by_id[int(lid)]), score=float(s), deadhead_m=int(d)
            )
            for lid, s, d in rows.select("load_id", "score", "deadhead_m").iter_rows()
        ]
        return orders_pb2.FeedReply(items=items)

    def CheckLedger(self, request: Any, context: grpc.ServicerContext) -> Any:
        require_platform("CheckLedger")
        r = self._store.check_ledger()
        return orders_pb2.LedgerReport(
            ok=r.ok,
            transactions=r.transactions,
            entries=r.entries,
            unbalanced=r.unbalanced,
            mismatched_accounts=len(r.mismatched),
            total_fen=r.total,
            summary=r.summary(),
        )

    def GetCredit(self, request: Any, context: grpc.ServicerContext) -> Any:
        s, c = self._store.credit(request.party)
        return conv.credit_out(request.party, s, c)

    def SyncFleetRatings(self, request: Any, context: grpc.ServicerContext) -> Any:
        require_platform("SyncFleetRatings")
        vehicles = self._state.vehicles
        rated = vehicles_with_credit(vehicles, self._store.credits("carrier"))
        changed = rated.join(
            vehicles.select(
                "vehicle_id", pl.col("rating").alias("_r0"), pl.col("rating_count").alias("_n0")
            ),
            on="vehicle_id",
        ).filter((pl.col("rating") != pl.col("_r0")) | (pl.col("rating_count") != pl.col("_n0")))
        changed = changed.select(vehicles.columns)
        rev = self._state.upsert("vehicles", changed) if changed.height else self._state.revision
        return orders_pb2.SyncFleetRatingsReply(vehicles_updated=changed.height, revision=rev)

    def GetPriceGuidance(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.distance_m <= 0:
            raise InvalidInputError.at("distance_m", f"must be > 0, got {request.distance_m}")
        g = self._rates_model().guidance(
            request.origin_city,
            request.dest_city,
            request.vehicle_type,
            request.distance_m,
            request.at,
        )
        return conv.guidance_out(g)


def _acting(text: str) -> Actor:
    """The request's ``actor``, refused unless the caller's token may act as it."""
    a = conv.actor(text)
    require_actor(a)
    return a


def _distance(o: Order) -> int:
    return road_distance_m(o.origin_lat, o.origin_lon, o.dest_lat, o.dest_lon)
