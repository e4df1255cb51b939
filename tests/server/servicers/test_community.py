"""``yunli.v1.Community`` over a real socket, durable in SQLite and PostgreSQL: quote and
place orders (idempotent; a refused order changes nothing), courier reports and routes,
and a restart that brings back stores, stock, orders with their promises and the plan."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from server.app import YunliServer
from server.gen.yunli.v1 import community_pb2 as pb
from server.proto import SERVICE_NAMES
from server.servicers.community import community_grpc
from server.store import open_store
from tests.server.conftest import PG_SKIP, PG_URL, TOKEN

AUTH = (("authorization", f"Bearer {TOKEN}"),)
#: A store in Shanghai and a home about 500 m east of it, one 4 km away.
STORE = (31.2304, 121.4737)
HOME = (31.2304, 121.4785)
FAR = (31.2304, 121.5160)

Make = Callable[..., tuple[YunliServer, int]]


@pytest.fixture
def make_server(make_server: Make) -> Make:
    """The servers of these tests dispatch only when asked (no background rounds), unless
    a test gives ``community_dispatch_interval_s``."""

    def make(**kw: Any) -> tuple[YunliServer, int]:
        kw.setdefault("community_dispatch_interval_s", 0)
        return make_server(**kw)

    return make


def _stub(port: int) -> Any:
    return community_grpc.CommunityStub(grpc.insecure_channel(f"127.0.0.1:{port}"))


def _code(fn: Callable[[], Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as e:
        fn()
    return e.value.code(), e.value.details()


def _order(oid: str, store: str, qty: int, at: int, where: tuple[float, float] = HOME) -> Any:
    return pb.CommunityOrder(
        order_id=oid,
        store_id=store,
        items=[pb.CommunityOrderItem(sku_id="water", quantity=qty)],
        placed_at=at,
        lat=where[0],
        lon=where[1],
    )


def _day(make: Make, **db: Any) -> None:
    """The whole story on one database: network, quote, place, refusals, restart, reports."""
    tag = uuid.uuid4().hex[:8]
    store, courier = f"S-{tag}", f"C-{tag}"
    o1, o2 = f"O1-{tag}", f"O2-{tag}"
    t0 = int(time.time())
    srv, port = make(**db)
    c = _stub(port)

    c.RegisterSite(
        pb.CommunitySite(site_id=store, kind="store", lat=STORE[0], lon=STORE[1]), metadata=AUTH
    )
    c.RegisterSku(
        pb.CommunitySku(sku_id="water", name="水", weight_kg=1, volume_l=1, price_fen=200),
        metadata=AUTH,
    )
    c.RegisterCourier(
        pb.CommunityCourier(
            courier_id=courier,
            mode="ebike",
            store_id=store,
            shifts=[pb.CommunityShift(start=t0 - 600, end=t0 + 4 * 3600)],
        ),
        metadata=AUTH,
    )
    st = c.SetStock(
        pb.SetCommunityStockRequest(
            store_id=store, lines=[pb.CommunityStockLine(sku_id="water", quantity=10)]
        ),
        metadata=AUTH,
    )
    assert [(x.sku_id, x.quantity) for x in st.lines] == [("water", 10)]

    # Bad registrations name the field; taken and unknown ids have their codes.
    code, msg = _code(
        lambda: c.RegisterSite(
            pb.CommunitySite(site_id=f"X-{tag}", kind="mall", lat=1, lon=1), metadata=AUTH
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "site.kind" in msg
    code, msg = _code(
        lambda: c.RegisterSite(
            pb.CommunitySite(site_id=store, kind="store", lat=1, lon=1), metadata=AUTH
        )
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS
    code, msg = _code(
        lambda: c.RegisterCourier(
            pb.CommunityCourier(
                courier_id=f"C2-{tag}",
                mode="ebike",
                store_id=store,
                shifts=[
                    pb.CommunityShift(start=t0, end=t0 + 3600),
                    pb.CommunityShift(start=t0 + 1800, end=t0 + 7200),
                ],
            ),
            metadata=AUTH,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "courier.shifts" in msg
    code, msg = _code(
        lambda: c.RegisterCourier(
            pb.CommunityCourier(
                courier_id=f"C3-{tag}",
                mode="ebike",
                store_id=f"nowhere-{tag}",
                shifts=[pb.CommunityShift(start=t0, end=t0 + 3600)],
            ),
            metadata=AUTH,
        )
    )
    assert code == grpc.StatusCode.NOT_FOUND
    assert "store_id" in msg

    # The quote: within 30 minutes, ¥3 inside the first kilometre, naming the tariff.
    q = c.QuoteOrder(pb.QuoteCommunityOrderRequest(order=_order(o1, store, 2, t0)), metadata=AUTH)
    best = q.options[0]
    assert best.kind == "now"
    assert q.tariff_version == best.fee.tariff_version == "2026-12-01"
    assert best.fee.total_fen == 300
    assert t0 < best.eta < best.promise <= t0 + 1800
    assert best.courier_id == courier
    stock = c.GetStock(pb.GetCommunityStockRequest(store_id=store), metadata=AUTH)
    assert stock.lines[0].quantity == 10  # a quote takes nothing

    # Place: stock taken, a dispatch round assigns the courier.
    req = pb.PlaceCommunityOrderRequest(order=_order(o1, store, 2, t0), idempotency_key=f"k1-{tag}")
    placed = c.PlaceOrder(req, metadata=AUTH)
    assert placed.state == "assigned"
    assert placed.courier_id == courier
    assert placed.option.promise == best.promise
    assert placed.option.fee.tariff_version == "2026-12-01"
    assert (
        c.GetStock(pb.GetCommunityStockRequest(store_id=store), metadata=AUTH).lines[0].quantity
        == 8
    )
    again = c.PlaceOrder(req, metadata=AUTH)
    assert again == placed  # the stored answer, nothing taken twice
    code, msg = _code(
        lambda: c.PlaceOrder(
            pb.PlaceCommunityOrderRequest(
                order=_order(o1, store, 3, t0), idempotency_key=f"k1-{tag}"
            ),
            metadata=AUTH,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency_key" in msg

    # Refused orders: the field is named, and stock and open orders do not change.
    refusals = [
        (_order(f"R1-{tag}", store, 20, t0 + 10), "items"),
        (_order(f"R2-{tag}", store, 1, t0 + 10, FAR), "destination"),
        (_order(f"R3-{tag}", store, 1, t0 - 3600), "placed_at"),
    ]
    for i, (o, field) in enumerate(refusals):
        code, msg = _code(
            lambda o=o, i=i: c.PlaceOrder(
                pb.PlaceCommunityOrderRequest(order=o, idempotency_key=f"r{i}-{tag}"),
                metadata=AUTH,
            )
        )
        assert code == grpc.StatusCode.INVALID_ARGUMENT, (field, msg)
        assert field in msg
    code, msg = _code(
        lambda: c.PlaceOrder(
            pb.PlaceCommunityOrderRequest(order=_order(f"R4-{tag}", store, 1, t0 + 10)),
            metadata=AUTH,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency_key" in msg
    code, msg = _code(
        lambda: c.PlaceOrder(
            pb.PlaceCommunityOrderRequest(
                order=_order(f"R5-{tag}", f"nowhere-{tag}", 1, t0 + 10), idempotency_key="r5"
            ),
            metadata=AUTH,
        )
    )
    assert code == grpc.StatusCode.NOT_FOUND
    assert "store_id" in msg
    assert (
        c.GetStock(pb.GetCommunityStockRequest(store_id=store), metadata=AUTH).lines[0].quantity
        == 8
    )
    open_ = c.ListOpenOrders(pb.ListOpenCommunityOrdersRequest(store_id=store), metadata=AUTH)
    assert [o.order_id for o in open_.orders] == [o1]
    code, _ = _code(
        lambda: c.GetCourierRoute(pb.GetCourierRouteRequest(courier_id="nobody"), metadata=AUTH)
    )
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = _code(
        lambda: c.GetOrder(pb.GetCommunityOrderRequest(order_id="nobody"), metadata=AUTH)
    )
    assert code == grpc.StatusCode.NOT_FOUND

    route = c.GetCourierRoute(pb.GetCourierRouteRequest(courier_id=courier), metadata=AUTH)
    assert route.on_duty
    assert [(s.order_id, s.stop) for s in route.stops] == [(o1, "pickup"), (o1, "delivery")]
    assert route.stops[1].eta <= placed.option.promise

    # Restart: the network, stock, the order with its promise and the plan come back.
    srv.stop(0)
    _, port = make(**db)
    c = _stub(port)
    assert (
        c.GetStock(pb.GetCommunityStockRequest(store_id=store), metadata=AUTH).lines[0].quantity
        == 8
    )
    got = c.GetOrder(pb.GetCommunityOrderRequest(order_id=o1), metadata=AUTH)
    assert got == placed
    route2 = c.GetCourierRoute(pb.GetCourierRouteRequest(courier_id=courier), metadata=AUTH)
    assert [(s.order_id, s.stop, s.eta) for s in route2.stops] == [
        (s.order_id, s.stop, s.eta) for s in route.stops
    ]
    assert c.PlaceOrder(req, metadata=AUTH) == placed  # keys are durable too
    p2 = c.PlaceOrder(
        pb.PlaceCommunityOrderRequest(
            order=_order(o2, store, 1, t0 + 60), idempotency_key=f"k2-{tag}"
        ),
        metadata=AUTH,
    )
    assert p2.state == "assigned"
    assert (
        c.GetStock(pb.GetCommunityStockRequest(store_id=store), metadata=AUTH).lines[0].quantity
        == 7
    )

    # The courier reports: picked up, then delivered; the order leaves the open list.
    code, msg = _code(
        lambda: c.ReportCourierPosition(
            pb.CourierPositionReport(
                courier_id=courier,
                t=t0 + 300,
                lat=STORE[0],
                lon=STORE[1],
                served=[pb.CommunityServedStop(order_id=o1, stop="dropoff")],
            ),
            metadata=AUTH,
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "served.stop" in msg
    ack = c.ReportCourierPosition(
        pb.CourierPositionReport(
            courier_id=courier,
            t=t0 + 300,
            lat=STORE[0],
            lon=STORE[1],
            served=[pb.CommunityServedStop(order_id=o1, stop="pickup")],
        ),
        metadata=AUTH,
    )
    assert [(s.order_id, s.state, s.picked_up_at) for s in ack.changed] == [
        (o1, "picked_up", t0 + 300)
    ]
    ack = c.ReportCourierPosition(
        pb.CourierPositionReport(
            courier_id=courier,
            t=t0 + 600,
            lat=HOME[0],
            lon=HOME[1],
            served=[pb.CommunityServedStop(order_id=o1, stop="delivery")],
        ),
        metadata=AUTH,
    )
    assert ack.changed[0].state == "delivered"
    assert ack.changed[0].delivered_at == t0 + 600
    d = c.Dispatch(pb.CommunityDispatchRequest(at=t0 + 610), metadata=AUTH)
    assert d.planned
    assert d.now == t0 + 610
    open_ = c.ListOpenOrders(pb.ListOpenCommunityOrdersRequest(store_id=store), metadata=AUTH)
    assert [o.order_id for o in open_.orders] == [o2]
    code, msg = _code(lambda: c.Dispatch(pb.CommunityDispatchRequest(at=t0), metadata=AUTH))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "at" in msg

    # And the delivery survives another restart.
    _, port = make(**db)
    c = _stub(port)
    got = c.GetOrder(pb.GetCommunityOrderRequest(order_id=o1), metadata=AUTH)
    assert (got.state, got.delivered_at, got.option.promise) == (
        "delivered",
        t0 + 600,
        placed.option.promise,
    )


def _servicer(srv: YunliServer) -> Any:
    """The server's community servicer (through the closer the server holds)."""
    for close in srv._closers:
        owner = getattr(close, "__self__", None)
        if owner is not None and type(owner).__name__ == "CommunityServicer":
            return owner
    raise AssertionError("no community servicer among the server's closers")


def test_community_sqlite(make_server: Make) -> None:
    """SQLite: the whole day, through two restarts."""
    _day(make_server)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP)
def test_community_postgres(make_server: Make) -> None:
    """PostgreSQL: the same (the community tables are dropped first: the test database is
    shared by runs, and the dispatcher's clock and couriers are global to it)."""
    st = open_store(PG_URL)
    try:
        with st._lock, st._transaction() as cur:
            for t in ("sites", "skus", "couriers", "stock", "orders", "plan"):
                cur.execute(f"DROP TABLE IF EXISTS community_{t}")
    finally:
        st.close()
    _day(make_server, db=PG_URL)


def test_community_in_service_list(make_server: Make) -> None:
    """The service is in health and reflection; no token is UNAUTHENTICATED."""
    assert "yunli.v1.Community" in SERVICE_NAMES
    _, port = make_server()
    code, _ = _code(lambda: _stub(port).GetStock(pb.GetCommunityStockRequest(store_id="s")))
    assert code == grpc.StatusCode.UNAUTHENTICATED


def test_a_failed_write_leaves_nothing_half_written(make_server: Make, tmp_path: Any) -> None:
    """SQLite refuses the order's row (a trigger): the stock taken in the same transaction
    is rolled back and the server's dispatcher is rebuilt from the database, so neither
    stock, nor open orders, nor the courier's route show the order."""
    t0 = int(time.time())
    _, port = make_server()
    c = _stub(port)
    c.RegisterSite(
        pb.CommunitySite(site_id="S", kind="store", lat=STORE[0], lon=STORE[1]), metadata=AUTH
    )
    c.RegisterSku(pb.CommunitySku(sku_id="water", weight_kg=1, volume_l=1), metadata=AUTH)
    c.RegisterCourier(
        pb.CommunityCourier(
            courier_id="C",
            mode="ebike",
            store_id="S",
            shifts=[pb.CommunityShift(start=t0 - 60, end=t0 + 3600)],
        ),
        metadata=AUTH,
    )
    c.SetStock(
        pb.SetCommunityStockRequest(
            store_id="S", lines=[pb.CommunityStockLine(sku_id="water", quantity=5)]
        ),
        metadata=AUTH,
    )
    c.PlaceOrder(
        pb.PlaceCommunityOrderRequest(order=_order("ok", "S", 1, t0), idempotency_key="k-ok"),
        metadata=AUTH,
    )
    before = c.GetCourierRoute(pb.GetCourierRouteRequest(courier_id="C"), metadata=AUTH)
    con = sqlite3.connect(str(tmp_path / "yunli.db"))
    con.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON community_orders WHEN NEW.order_id = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    con.commit()
    con.close()
    with pytest.raises(grpc.RpcError) as e:
        c.PlaceOrder(
            pb.PlaceCommunityOrderRequest(
                order=_order("boom", "S", 2, t0 + 30), idempotency_key="k-boom"
            ),
            metadata=AUTH,
        )
    assert e.value.code() != grpc.StatusCode.OK
    stock = c.GetStock(pb.GetCommunityStockRequest(store_id="S"), metadata=AUTH)
    assert stock.lines[0].quantity == 4
    opened = c.ListOpenOrders(pb.ListOpenCommunityOrdersRequest(), metadata=AUTH)
    assert [o.order_id for o in opened.orders] == ["ok"]
    after = c.GetCourierRoute(pb.GetCourierRouteRequest(courier_id="C"), metadata=AUTH)
    assert [(s.order_id, s.stop) for s in after.stops] == [
        (s.order_id, s.stop) for s in before.stops
    ]
    code, _ = _code(lambda: c.GetOrder(pb.GetCommunityOrderRequest(order_id="boom"), metadata=AUTH))
    assert code == grpc.StatusCode.NOT_FOUND


def test_watch_orders_streams_status_and_eta_changes(make_server: Make) -> None:
    """``WatchOrders`` sends the orders written so far, then each change (picked up,
    delivered) as it is written; an unknown store is NOT_FOUND."""
    t0 = int(time.time())
    _, port = make_server()
    c = _stub(port)
    c.RegisterSite(
        pb.CommunitySite(site_id="S", kind="store", lat=STORE[0], lon=STORE[1]), metadata=AUTH
    )
    c.RegisterSku(pb.CommunitySku(sku_id="water", weight_kg=1, volume_l=1), metadata=AUTH)
    c.RegisterCourier(
        pb.CommunityCourier(
            courier_id="C",
            mode="ebike",
            store_id="S",
            shifts=[pb.CommunityShift(start=t0 - 60, end=t0 + 3600)],
        ),
        metadata=AUTH,
    )
    c.SetStock(
        pb.SetCommunityStockRequest(
            store_id="S", lines=[pb.CommunityStockLine(sku_id="water", quantity=5)]
        ),
        metadata=AUTH,
    )
    placed = c.PlaceOrder(
        pb.PlaceCommunityOrderRequest(order=_order("o", "S", 1, t0), idempotency_key="k"),
        metadata=AUTH,
    )
    it = c.WatchOrders(pb.WatchCommunityOrdersRequest(store_id="S"), metadata=AUTH, timeout=30)
    first = next(it)
    assert (first.order_id, first.state, first.courier_id) == ("o", "assigned", "C")
    assert first.eta == placed.eta > 0
    c.ReportCourierPosition(
        pb.CourierPositionReport(
            courier_id="C",
            t=t0 + 200,
            lat=STORE[0],
            lon=STORE[1],
            served=[pb.CommunityServedStop(order_id="o", stop="pickup")],
        ),
        metadata=AUTH,
    )
    second = next(it)
    assert (second.state, second.picked_up_at) == ("picked_up", t0 + 200)
    assert second.revision > first.revision
    it.cancel()
    late = c.WatchOrders(
        pb.WatchCommunityOrdersRequest(after_revision=second.revision), metadata=AUTH, timeout=30
    )
    c.ReportCourierPosition(
        pb.CourierPositionReport(
            courier_id="C",
            t=t0 + 500,
            lat=HOME[0],
            lon=HOME[1],
            served=[pb.CommunityServedStop(order_id="o", stop="delivery")],
        ),
        metadata=AUTH,
    )
    assert next(late).state == "delivered"  # only what came after the cursor
    late.cancel()
    code, _ = _code(
        lambda: next(
            c.WatchOrders(pb.WatchCommunityOrdersRequest(store_id="nowhere"), metadata=AUTH)
        )
    )
    assert code == grpc.StatusCode.NOT_FOUND


def test_random_messages_get_well_defined_codes(make_server: Make) -> None:
    """Random (mostly invalid) messages at every Community RPC, on a server holding a
    store, a SKU, stock and a courier so that some ids exist: only allowed status codes
    come back, and the server still answers afterwards."""
    from hypothesis import HealthCheck, given, settings

    from tests.server.test_fuzz import ALLOWED, message_of

    t0 = int(time.time())
    _, port = make_server()
    c = _stub(port)
    c.RegisterSite(
        pb.CommunitySite(site_id="s1", kind="store", lat=STORE[0], lon=STORE[1]), metadata=AUTH
    )
    c.RegisterSku(pb.CommunitySku(sku_id="van", weight_kg=1, volume_l=1), metadata=AUTH)
    c.RegisterCourier(
        pb.CommunityCourier(
            courier_id="p1",
            mode="ebike",
            store_id="s1",
            shifts=[pb.CommunityShift(start=t0 - 60, end=t0 + 3600)],
        ),
        metadata=AUTH,
    )
    c.SetStock(
        pb.SetCommunityStockRequest(
            store_id="s1", lines=[pb.CommunityStockLine(sku_id="van", quantity=100)]
        ),
        metadata=AUTH,
    )
    sd = pb.DESCRIPTOR.services_by_name["Community"]

    def outcome(fn: Any, req: Any, streaming: bool) -> tuple[grpc.StatusCode, str]:
        try:
            if streaming:
                for i, _ in enumerate(fn(req, metadata=AUTH, timeout=0.3)):
                    if i > 20:
                        break
            else:
                fn(req, metadata=AUTH, timeout=5)
        except grpc.RpcError as e:
            return e.code(), e.details() or ""
        return grpc.StatusCode.OK, ""

    for m in sd.methods:
        fn = getattr(c, m.name)

        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(req=message_of(m.input_type))
        def check(req: Any) -> None:
            code, details = outcome(fn, req, m.server_streaming)  # noqa: B023
            assert code in ALLOWED, f"{m.name}: {code} {details}"  # noqa: B023

        check()
    assert c.GetStock(pb.GetCommunityStockRequest(store_id="s1"), metadata=AUTH).store_id == "s1"


def test_background_rounds_assign_stream_and_stop_cleanly(make_server: Make) -> None:
    """The rolling horizon in the service: an order placed while nobody is on shift waits;
    when the courier's shift starts, a background round (every 0.2 s here) brings it on
    duty and assigns the order, and ``WatchOrders`` streams the assignment with its ETA;
    the courier's positions stream in and the next rounds keep the order with it; the
    server stops the thread when it stops."""
    t0 = int(time.time())
    srv, port = make_server(community_dispatch_interval_s=0.2)
    c = _stub(port)
    c.RegisterSite(
        pb.CommunitySite(site_id="S", kind="store", lat=STORE[0], lon=STORE[1]), metadata=AUTH
    )
    c.RegisterSku(pb.CommunitySku(sku_id="water", weight_kg=1, volume_l=1), metadata=AUTH)
    c.RegisterCourier(
        pb.CommunityCourier(
            courier_id="C",
            mode="ebike",
            store_id="S",
            shifts=[pb.CommunityShift(start=t0 + 3, end=t0 + 3600)],
        ),
        metadata=AUTH,
    )
    c.SetStock(
        pb.SetCommunityStockRequest(
            store_id="S", lines=[pb.CommunityStockLine(sku_id="water", quantity=5)]
        ),
        metadata=AUTH,
    )
    q = c.QuoteOrder(pb.QuoteCommunityOrderRequest(order=_order("o", "S", 1, t0)), metadata=AUTH)
    placed = c.PlaceOrder(
        pb.PlaceCommunityOrderRequest(
            order=_order("o", "S", 1, t0), idempotency_key="k", choice=q.options[0].kind
        ),
        metadata=AUTH,
    )
    assert (placed.state, placed.courier_id) == ("accepted", "")  # nobody on shift yet
    it = c.WatchOrders(
        pb.WatchCommunityOrdersRequest(after_revision=placed.revision), metadata=AUTH, timeout=30
    )
    got = next(it)  # written by a background round once the shift has started
    assert (got.order_id, got.state, got.courier_id) == ("o", "assigned", "C")
    assert got.eta >= t0 + 3
    assert got.revision > placed.revision
    route = c.GetCourierRoute(pb.GetCourierRouteRequest(courier_id="C"), metadata=AUTH)
    assert [(s.order_id, s.stop) for s in route.stops] == [("o", "pickup"), ("o", "delivery")]
    # A position report (no stop served) streams in; later rounds keep the order on C.
    now = max(int(time.time()), t0 + 4)
    c.ReportCourierPosition(
        pb.CourierPositionReport(courier_id="C", t=now, lat=STORE[0], lon=STORE[1] + 0.001),
        metadata=AUTH,
    )
    svc = _servicer(srv)
    rounds = svc.rounds
    deadline = time.time() + 20
    while svc.rounds < rounds + 2 and time.time() < deadline:
        time.sleep(0.05)
    assert svc.rounds >= rounds + 2
    assert svc.round_errors == 0
    st = c.GetOrder(pb.GetCommunityOrderRequest(order_id="o"), metadata=AUTH)
    assert (st.state, st.courier_id) == ("assigned", "C")
    it.cancel()
    srv.stop(0)
    assert svc._thread is None  # joined by the server's shutdown


def test_plan_replenishment_on_the_stored_state(make_server: Make) -> None:
    """``PlanReplenishment`` over the socket: the forecast learns from the stored orders and
    the sales given, the order-up-to quantity is the level less the stock on hand, the vans
    arrive inside each store's receiving window, ``apply`` adds the delivered units to the
    stock durably (a restart shows them); bad input names the field and changes nothing."""
    from engine.stores.model import LOCAL_OFFSET_S
    from server.servicers.community import next_local_midnight

    t0 = int(time.time())
    srv, port = make_server()
    c = _stub(port)
    for sid, dlon, recv in (("A", 0.0, (7 * 3600, 9 * 3600)), ("B", 0.02, (8 * 3600, 11 * 3600))):
        c.RegisterSite(
            pb.CommunitySite(
                site_id=sid,
                kind="store",
                lat=STORE[0],
                lon=STORE[1] + dlon,
                receiving=[pb.CommunityWindow(open_s=recv[0], close_s=recv[1])],
            ),
            metadata=AUTH,
        )
    c.RegisterSku(pb.CommunitySku(sku_id="water", weight_kg=1, volume_l=1), metadata=AUTH)
    for sid in ("A", "B"):
        c.SetStock(
            pb.SetCommunityStockRequest(
                store_id=sid, lines=[pb.CommunityStockLine(sku_id="water", quantity=3)]
            ),
            metadata=AUTH,
        )
    c.RegisterCourier(
        pb.CommunityCourier(
            courier_id="C",
            mode="ebike",
            store_id="A",
            shifts=[pb.CommunityShift(start=t0 - 60, end=t0 + 3600)],
        ),
        metadata=AUTH,
    )
    c.PlaceOrder(
        pb.PlaceCommunityOrderRequest(order=_order("o1", "A", 2, t0), idempotency_key="k1"),
        metadata=AUTH,
    )
    # Two weeks of sales at B, 10 units a day at 12:00 local time.
    noon = next_local_midnight(t0) - 14 * 86_400 + 12 * 3600
    sales = [
        pb.CommunitySale(t=noon + d * 86_400, store_id="B", sku_id="water", quantity=10)
        for d in range(14)
    ]
    midnight = next_local_midnight(t0)
    req = pb.PlanReplenishmentRequest(
        warehouse_lat=STORE[0] + 0.05,
        warehouse_lon=STORE[1] + 0.05,
        day_midnight=midnight,
        sales=sales,
        time_limit_s=0.5,
        apply=True,
    )
    # Bad input first: each names its field and changes no stock.
    for bad, field in (
        (pb.PlanReplenishmentRequest(warehouse_lat=float("nan"), warehouse_lon=1), "warehouse_lat"),
        (
            pb.PlanReplenishmentRequest(warehouse_lat=31, warehouse_lon=121, service_level=1.2),
            "service_level",
        ),
        (
            pb.PlanReplenishmentRequest(
                warehouse_lat=31, warehouse_lon=121, day_midnight=midnight + 60
            ),
            "day_midnight",
        ),
        (pb.PlanReplenishmentRequest(warehouse_lat=31, warehouse_lon=121, vans=-1), "vans"),
        (
            pb.PlanReplenishmentRequest(warehouse_lat=31, warehouse_lon=121, time_limit_s=1e9),
            "time_limit_s",
        ),
        (
            pb.PlanReplenishmentRequest(
                warehouse_lat=31,
                warehouse_lon=121,
                apply=True,
                sales=[pb.CommunitySale(t=noon, store_id="B", sku_id="water", quantity=-1)],
            ),
            "sales.quantity",
        ),
    ):
        code, msg = _code(lambda b=bad: c.PlanReplenishment(b, metadata=AUTH))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, (field, msg)
        assert field in msg
    for bad in (
        pb.PlanReplenishmentRequest(warehouse_lat=31, warehouse_lon=121, store_ids=["nowhere"]),
        pb.PlanReplenishmentRequest(
            warehouse_lat=31,
            warehouse_lon=121,
            sales=[pb.CommunitySale(t=noon, store_id="B", sku_id="beer", quantity=1)],
        ),
    ):
        code, _ = _code(lambda b=bad: c.PlanReplenishment(b, metadata=AUTH))
        assert code == grpc.StatusCode.NOT_FOUND
    stock = {
        sid: c.GetStock(pb.GetCommunityStockRequest(store_id=sid), metadata=AUTH).lines[0].quantity
        for sid in ("A", "B")
    }
    assert stock == {"A": 1, "B": 3}  # o1 took 2 at A; nothing else changed

    plan = c.PlanReplenishment(req, metadata=AUTH)
    lines = {(ln.store_id, ln.sku_id): ln for ln in plan.lines}
    b = lines[("B", "water")]
    assert b.on_hand == 3
    assert b.demand_mean == pytest.approx(10.0)  # a day's demand over the review day
    assert b.level >= 10
    assert b.quantity == b.level - b.on_hand
    assert ("A", "water") in lines  # learnt from the stored order o1
    windows = {"A": (7 * 3600, 9 * 3600), "B": (8 * 3600, 11 * 3600)}
    delivered: dict[str, int] = {}
    for d in plan.deliveries:
        lo, hi = windows[d.store_id]
        assert midnight + lo <= d.service_start <= midnight + hi
        delivered[d.store_id] = delivered.get(d.store_id, 0) + sum(x.quantity for x in d.lines)
    assert delivered["B"] == b.quantity
    assert list(plan.unserved) == []
    assert plan.applied
    after = {s.store_id: s.lines[0].quantity for s in plan.stock}
    assert after["B"] == 3 + delivered["B"]
    srv.stop(0)
    _, port = make_server()  # the applied stock is durable
    got = _stub(port).GetStock(pb.GetCommunityStockRequest(store_id="B"), metadata=AUTH)
    assert got.lines[0].quantity == after["B"]
    assert (midnight + LOCAL_OFFSET_S) % 86_400 == 0


def test_bad_input_names_the_field_and_changes_nothing(make_server: Make) -> None:
    """The issue's bad-input list over the socket, beyond the day's refusals: a promise in
    the past, a negative price, an unknown courier's report, overlapping shifts, a home
    outside the radius: INVALID_ARGUMENT or NOT_FOUND naming the field, and stock, open
    orders and the courier's route unchanged."""
    t0 = int(time.time())
    _, port = make_server()
    c = _stub(port)
    c.RegisterSite(
        pb.CommunitySite(site_id="S", kind="store", lat=STORE[0], lon=STORE[1]), metadata=AUTH
    )
    c.RegisterSku(pb.CommunitySku(sku_id="water", weight_kg=1, volume_l=1), metadata=AUTH)
    c.RegisterCourier(
        pb.CommunityCourier(
            courier_id="C",
            mode="ebike",
            store_id="S",
            shifts=[pb.CommunityShift(start=t0 - 60, end=t0 + 3600)],
        ),
        metadata=AUTH,
    )
    c.SetStock(
        pb.SetCommunityStockRequest(
            store_id="S", lines=[pb.CommunityStockLine(sku_id="water", quantity=5)]
        ),
        metadata=AUTH,
    )
    c.PlaceOrder(
        pb.PlaceCommunityOrderRequest(order=_order("ok", "S", 1, t0), idempotency_key="k-ok"),
        metadata=AUTH,
    )

    def state() -> object:
        stock = c.GetStock(pb.GetCommunityStockRequest(store_id="S"), metadata=AUTH)
        opened = c.ListOpenOrders(pb.ListOpenCommunityOrdersRequest(), metadata=AUTH)
        route = c.GetCourierRoute(pb.GetCourierRouteRequest(courier_id="C"), metadata=AUTH)
        return (
            [(x.sku_id, x.quantity) for x in stock.lines],
            [o.order_id for o in opened.orders],
            [(s.order_id, s.stop) for s in route.stops],
        )

    before = state()
    cases = [
        (
            lambda: c.PlaceOrder(
                pb.PlaceCommunityOrderRequest(
                    order=_order("p1", "S", 1, t0 + 5), idempotency_key="k-p1", promise=t0 - 60
                ),
                metadata=AUTH,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "promise",
        ),
        (
            lambda: c.RegisterSku(
                pb.CommunitySku(sku_id="gold", weight_kg=1, volume_l=1, price_fen=-5),
                metadata=AUTH,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "sku.price_fen",
        ),
        (
            lambda: c.ReportCourierPosition(
                pb.CourierPositionReport(courier_id="ghost", t=t0 + 5, lat=STORE[0], lon=STORE[1]),
                metadata=AUTH,
            ),
            grpc.StatusCode.NOT_FOUND,
            "courier_id",
        ),
        (
            lambda: c.RegisterCourier(
                pb.CommunityCourier(
                    courier_id="D",
                    mode="bike",
                    store_id="S",
                    shifts=[
                        pb.CommunityShift(start=t0, end=t0 + 7200),
                        pb.CommunityShift(start=t0 + 3600, end=t0 + 9000),
                    ],
                ),
                metadata=AUTH,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "courier.shifts",
        ),
        (
            lambda: c.PlaceOrder(
                pb.PlaceCommunityOrderRequest(
                    order=_order("far", "S", 1, t0 + 5, FAR), idempotency_key="k-far"
                ),
                metadata=AUTH,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "destination",
        ),
    ]
    for fn, want, field in cases:
        code, msg = _code(fn)
        assert code == want, (field, code, msg)
        assert field in msg, (field, msg)
        assert state() == before, field
    code, _ = _code(lambda: c.GetOrder(pb.GetCommunityOrderRequest(order_id="p1"), metadata=AUTH))
    assert code == grpc.StatusCode.NOT_FOUND
