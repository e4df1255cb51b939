"""``yunli.v1.Orders`` over a real socket on SQLite and PostgreSQL: lifecycle, grab
races, idempotency, streaming with resume, bad input and nothing half-written."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import polars as pl
import pytest

from server.app import YunliServer
from server.proto import orders_grpc, orders_pb2
from tests.server.conftest import PG_SKIP, PG_URL, client_for, messages

Make = Callable[..., tuple[YunliServer, int]]


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: Any, tmp_path: Any) -> Iterator[str]:
    """A fresh database of each back-end (PostgreSQL: its own schema)."""
    if request.param == "sqlite":
        yield str(tmp_path / "orders.db")
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"o_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _pg_schema_url(schema)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


class Clients:
    """An Orders stub plus the fleet stub of the same server."""

    def __init__(self, port: int) -> None:
        c = client_for(port)
        self.fleet = c.fleet
        self.orders = orders_grpc.OrdersStub(c.channel)
        self.channel = c.channel


@pytest.fixture
def served_orders(make_server: Make, db: str, sample_world: Any) -> tuple[YunliServer, Clients]:
    """A server on ``db`` with 60 vehicles of the sample world (their trips too)."""
    srv, port = make_server(db=db)
    cl = Clients(port)
    v = sample_world.vehicles.head(60).with_columns(
        pl.lit(31.20).alias("lat"),
        pl.lit(121.40).alias("lon"),
        pl.lit(0).alias("available_from"),
        pl.lit("idle").alias("status"),
    )
    from server.proto import fleet_pb2

    cl.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", v)))
    return srv, cl


def _key() -> str:
    return uuid.uuid4().hex


def _order(mode: str = "grabbing", **kw: Any) -> Any:
    now = int(time.time())
    base: dict[str, Any] = {
        "shipper_id": 7,
        "origin_lat": 31.23,
        "origin_lon": 121.47,
        "origin_city": "Shanghai",
        "dest_lat": 30.27,
        "dest_lon": 120.15,
        "dest_city": "Hangzhou",
        "weight_kg": 500,
        "volume_l": 2_000,
        "pickup_start": now + 3_600,
        "pickup_end": now + 7_200,
        "delivery_deadline": now + 40_000,
        "price_mode": mode,
        "price_fen": 150_000,
        "deadline": now + 600,
    }
    base.update(kw)
    return orders_pb2.Order(**base)


def _vehicle(srv: YunliServer, i: int = 0) -> tuple[int, int]:
    v = srv.state.vehicles.filter(pl.col("vehicle_type") != "reefer").row(i, named=True)
    return int(v["vehicle_id"]), int(v["carrier_id"])


def _post(cl: Clients, **kw: Any) -> Any:
    return cl.orders.PostOrder(
        orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order(**kw))
    )


def _code(fn: Callable[[], Any]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as e:
        fn()
    return e.value.code(), e.value.details()


def test_full_lifecycle_ledger_and_credit(served_orders: tuple[YunliServer, Clients]) -> None:
    """Post → grab → load → depart → deliver → confirm → rate both → settle over gRPC;
    the ledger balances, credit counts the delivery and rating, guidance is shown."""
    srv, cl = served_orders
    o = cl.orders
    r = _post(cl)
    assert r.order.state == "grabbing"
    assert r.guidance.mid_fen > 0
    assert r.pushed_carriers, "the order is pushed to ranked carriers"
    oid = r.order.order_id
    vid, cid = _vehicle(srv)
    carrier, shipper = f"carrier:{cid}", "shipper:7"
    g = o.Grab(
        orders_pb2.TakeRequest(idempotency_key=_key(), order_id=oid, actor=carrier, vehicle_id=vid)
    )
    assert g.order.state == "awarded"
    assert g.order.carrier_id == cid
    for action, actor in (
        ("confirm_loading", carrier),
        ("depart", carrier),
        ("deliver", carrier),
        ("confirm_delivery", shipper),
    ):
        o.Progress(
            orders_pb2.ProgressRequest(
                idempotency_key=_key(), order_id=oid, actor=actor, action=action
            )
        )
    o.Rate(
        orders_pb2.RateRequest(
            idempotency_key=_key(), order_id=oid, actor=shipper, stars=5, comment="快"
        )
    )
    o.Rate(orders_pb2.RateRequest(idempotency_key=_key(), order_id=oid, actor=carrier, stars=4))
    s = o.Settle(
        orders_pb2.SettleRequest(
            idempotency_key=_key(), order_id=oid, actor="platform:1", surcharges={"waiting": 3_000}
        )
    )
    assert s.order.order.state == "settled"
    assert s.charge_fen == 153_000
    assert s.commission_fen + s.payout_fen == s.charge_fen
    rep = o.CheckLedger(orders_pb2.CheckLedgerRequest())
    assert rep.ok
    assert rep.total_fen == 0
    assert rep.transactions == 2
    cr = o.GetCredit(orders_pb2.GetCreditRequest(party=carrier))
    assert cr.deliveries == 1
    assert cr.ratings == 1
    assert cr.orders == 1
    assert 1 <= cr.stars <= 5
    events = list(o.Subscribe(orders_pb2.OrderSubscribeRequest(order_id=oid)))
    pushed = [json.loads(e.data_json)["carrier_id"] for e in events if e.kind == "pushed"]
    assert pushed == list(r.pushed_carriers)
    feed = list(o.Subscribe(orders_pb2.OrderSubscribeRequest(carrier_id=pushed[-1])))
    assert any(e.kind == "pushed" and e.order_id == oid for e in feed)
    kinds = [e.kind for e in events if e.kind != "pushed"]
    assert kinds == [
        "posted",
        "opened_grabbing",
        "grabbed",
        "confirm_loading",
        "depart",
        "delivered",
        "confirm_delivery",
        "rated",
        "rated",
        "settled",
    ]


def test_grab_race_has_exactly_one_winner(served_orders: tuple[YunliServer, Clients]) -> None:
    """Twelve carriers on their own channels grab the same order at once: one wins, the
    others get FAILED_PRECONDITION naming the awarded state; one award in the ledger."""
    srv, cl = served_orders
    oid = _post(cl).order.order_id
    port = srv.port
    barrier = threading.Barrier(12)
    results: list[Any] = [None] * 12

    def grab(i: int) -> None:
        vid, cid = _vehicle(srv, i)
        stub = orders_grpc.OrdersStub(client_for(port).channel)
        barrier.wait()
        try:
            results[i] = stub.Grab(
                orders_pb2.TakeRequest(
                    idempotency_key=_key(), order_id=oid, actor=f"carrier:{cid}", vehicle_id=vid
                )
            )
        except grpc.RpcError as e:
            results[i] = e

    threads = [threading.Thread(target=grab, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [r for r in results if not isinstance(r, grpc.RpcError)]
    losses = [r for r in results if isinstance(r, grpc.RpcError)]
    assert len(wins) == 1
    assert len(losses) == 11
    assert all(
        e.code() is grpc.StatusCode.FAILED_PRECONDITION and "is awarded" in e.details()
        for e in losses
    )
    events = list(cl.orders.Subscribe(orders_pb2.OrderSubscribeRequest(order_id=oid)))
    assert [e.kind for e in events].count("grabbed") == 1
    assert cl.orders.CheckLedger(orders_pb2.CheckLedgerRequest()).transactions == 1


def test_idempotent_retry_and_key_reuse(served_orders: tuple[YunliServer, Clients]) -> None:
    """A retried post returns the first answer (one order); the same key with another
    payload is INVALID_ARGUMENT naming idempotency_key and writes nothing."""
    _, cl = served_orders
    req = orders_pb2.PostOrderRequest(idempotency_key="post-1", order=_order())
    a = cl.orders.PostOrder(req)
    b = cl.orders.PostOrder(req)
    assert b.replayed
    assert not a.replayed
    assert a.order.order_id == b.order.order_id
    code, msg = _code(
        lambda: cl.orders.PostOrder(
            orders_pb2.PostOrderRequest(idempotency_key="post-1", order=_order(price_fen=9))
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency_key" in msg
    assert len(list(cl.orders.ListOrders(orders_pb2.ListOrdersRequest()))) == 1


def test_bidding_auto_award_and_bad_bids(served_orders: tuple[YunliServer, Clients]) -> None:
    """Sealed bids: negative, ineligible and late bids are refused naming the field or
    state; withdrawal works; the sweep auto-awards the rule's winner at the deadline."""
    srv, cl = served_orders
    o = cl.orders
    now = int(time.time())
    r = _post(cl, mode="bidding", deadline=now + 4, price_fen=200_000)
    oid = r.order.order_id
    (v1, c1), (v2, c2) = _vehicle(srv, 0), _vehicle(srv, 1)

    def bid(v: int, c: int, amount: int, key: str | None = None) -> Any:
        return o.PlaceBid(
            orders_pb2.PlaceBidRequest(
                idempotency_key=key or _key(),
                order_id=oid,
                actor=f"carrier:{c}",
                vehicle_id=v,
                amount_fen=amount,
            )
        )

    code, msg = _code(lambda: bid(v1, c1, -5))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert msg.startswith("amount_fen")
    code, msg = _code(lambda: bid(v1, c2, 100_000))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert msg.startswith("vehicle_id")
    code, _ = _code(lambda: bid(99_999_999, c1, 100_000))
    assert code is grpc.StatusCode.NOT_FOUND
    b1 = bid(v1, c1, 120_000)
    b2 = bid(v2, c2, 110_000)
    b3 = bid(v2, c2, 50_000)
    o.WithdrawBid(
        orders_pb2.WithdrawBidRequest(
            idempotency_key=_key(), bid_id=b3.bid_id, actor=f"carrier:{c2}"
        )
    )
    assert b1.guidance.mid_fen > 0
    sealed = o.ListBids(orders_pb2.ListBidsRequest(order_id=oid, actor="shipper:7")).bids
    assert len(sealed) == 3
    assert {b.amount_fen for b in sealed} == {0}
    assert {b.award_rank for b in sealed} == {0}  # no ranking leaks while sealed
    own = o.ListBids(orders_pb2.ListBidsRequest(order_id=oid, actor=f"carrier:{c1}")).bids
    assert [(b.bid_id, b.amount_fen) for b in own] == [(b1.bid_id, 120_000)]
    code, msg = _code(
        lambda: o.Award(
            orders_pb2.AwardRequest(
                idempotency_key=_key(), order_id=oid, actor="shipper:7", bid_id=b1.bid_id
            )
        )
    )
    assert code is grpc.StatusCode.FAILED_PRECONDITION
    assert "sealed bids open" in msg
    time.sleep(max(0.0, r.order.deadline + 1.2 - time.time()))
    code, msg = _code(lambda: bid(v1, c1, 90_000))
    assert code is grpc.StatusCode.FAILED_PRECONDITION
    assert "bidding closed" in msg or "is awarded" in msg  # the background sweep may have run
    o.Sweep(orders_pb2.SweepRequest())
    got = o.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order
    assert got.state == "awarded"
    assert got.carrier_id in (c1, c2)
    assert got.awarded_price_fen in (110_000, 120_000)
    bids = o.ListBids(orders_pb2.ListBidsRequest(order_id=oid, actor="shipper:7")).bids
    assert all(b.amount_fen > 0 for b in bids)  # opened at the deadline
    assert {b.bid_id: b.withdrawn for b in bids}[b3.bid_id] is True
    # the award rule's ranking: the awarded bid first, the withdrawn one unranked
    rank = {b.bid_id: (b.award_rank, b.award_score) for b in bids}
    assert rank[b3.bid_id] == (0, 0.0)
    assert sorted(r for r, _ in rank.values() if r) == [1, 2]
    best = next(b for b in bids if b.award_rank == 1)
    assert (best.carrier_id, best.amount_fen) == (got.carrier_id, got.awarded_price_fen)
    assert best.award_score >= max(s for _, s in rank.values())
    assert 0.6 <= rank[b2.bid_id][1] <= 1.0  # cheapest admissible bid: full price weight
    own = o.ListBids(orders_pb2.ListBidsRequest(order_id=oid, actor=f"carrier:{c1}")).bids
    assert {b.award_rank for b in own} == {0}


def test_bad_input_statuses_and_nothing_half_written(
    served_orders: tuple[YunliServer, Clients],
) -> None:
    """Unknown ids, illegal transitions, rating before confirmation, overflowing amounts
    and a bad actor each get their status and field; no event is written by a failure."""
    srv, cl = served_orders
    o = cl.orders
    oid = _post(cl).order.order_id
    vid, cid = _vehicle(srv)
    before = len(list(o.Subscribe(orders_pb2.OrderSubscribeRequest())))
    cases = [
        (
            lambda: o.GetOrder(orders_pb2.GetOrderRequest(order_id=424242)),
            grpc.StatusCode.NOT_FOUND,
            "order_id",
        ),
        (
            lambda: o.Progress(
                orders_pb2.ProgressRequest(
                    idempotency_key=_key(), order_id=oid, actor=f"carrier:{cid}", action="deliver"
                )
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
            "is grabbing",
        ),
        (
            lambda: o.Rate(
                orders_pb2.RateRequest(
                    idempotency_key=_key(), order_id=oid, actor="shipper:7", stars=5
                )
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
            "cannot rate",
        ),
        (
            lambda: o.PostOrder(
                orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order(price_fen=2**62))
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "order.price_fen",
        ),
        (
            lambda: o.PostOrder(
                orders_pb2.PostOrderRequest(
                    idempotency_key=_key(), order=orders_pb2.Order(shipper_id=1)
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "order.origin_lat",
        ),
        (
            lambda: o.Grab(
                orders_pb2.TakeRequest(
                    idempotency_key=_key(), order_id=oid, actor="pirate:1", vehicle_id=vid
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "actor",
        ),
        (
            lambda: o.Grab(
                orders_pb2.TakeRequest(
                    idempotency_key="", order_id=oid, actor=f"carrier:{cid}", vehicle_id=vid
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "idempotency_key",
        ),
        (
            lambda: o.Cancel(
                orders_pb2.ActRequest(idempotency_key=_key(), order_id=oid, actor="shipper:7")
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "reason",
        ),
        (
            lambda: o.ResolveException(
                orders_pb2.ResolveExceptionRequest(
                    idempotency_key=_key(), exception_id=77, actor="platform:1", resolution="x"
                )
            ),
            grpc.StatusCode.NOT_FOUND,
            "exception_id",
        ),
    ]
    for fn, code, text in cases:
        got, msg = _code(fn)
        assert got is code, msg
        assert text in msg, msg
    g = o.Grab(
        orders_pb2.TakeRequest(
            idempotency_key=_key(), order_id=oid, actor=f"carrier:{cid}", vehicle_id=vid
        )
    )
    assert g.order.state == "awarded"
    code, msg = _code(
        lambda: o.Settle(
            orders_pb2.SettleRequest(
                idempotency_key=_key(), order_id=oid, actor="platform:1", surcharges={"x": 2**62}
            )
        )
    )
    assert code is grpc.StatusCode.FAILED_PRECONDITION
    after = list(o.Subscribe(orders_pb2.OrderSubscribeRequest()))
    assert len(after) == before + 1  # only the grab wrote an event
    assert o.CheckLedger(orders_pb2.CheckLedgerRequest()).ok


def test_overflowing_settlement_refused_whole(served_orders: tuple[YunliServer, Clients]) -> None:
    """A surcharge beyond MAX_FEN at settlement is INVALID_ARGUMENT naming it; the order
    stays confirmed and the ledger keeps only the award."""
    srv, cl = served_orders
    o = cl.orders
    oid = _post(cl).order.order_id
    vid, cid = _vehicle(srv)
    carrier = f"carrier:{cid}"
    o.Grab(
        orders_pb2.TakeRequest(idempotency_key=_key(), order_id=oid, actor=carrier, vehicle_id=vid)
    )
    for action, actor in (
        ("confirm_loading", carrier),
        ("depart", carrier),
        ("deliver", carrier),
        ("confirm_delivery", "shipper:7"),
    ):
        o.Progress(
            orders_pb2.ProgressRequest(
                idempotency_key=_key(), order_id=oid, actor=actor, action=action
            )
        )
    code, msg = _code(
        lambda: o.Settle(
            orders_pb2.SettleRequest(
                idempotency_key=_key(), order_id=oid, actor="platform:1", surcharges={"fuel": 2**62}
            )
        )
    )
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "surcharges.fuel" in msg
    assert o.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order.state == "confirmed"
    assert o.CheckLedger(orders_pb2.CheckLedgerRequest()).transactions == 1


def test_subscription_resumes_from_cursor(served_orders: tuple[YunliServer, Clients]) -> None:
    """A follower sees live events; after dropping it, a new stream from its last cursor
    gets exactly the events written meanwhile, none missed or repeated."""
    srv, cl = served_orders
    o = cl.orders
    stream = o.Subscribe(orders_pb2.OrderSubscribeRequest(shipper_id=7, follow=True))
    seen: list[int] = []
    oid = _post(cl).order.order_id
    for e in stream:
        seen.append(e.seq)
        if e.kind == "opened_grabbing":
            break
    stream.cancel()
    vid, cid = _vehicle(srv)
    carrier = f"carrier:{cid}"
    o.Grab(
        orders_pb2.TakeRequest(idempotency_key=_key(), order_id=oid, actor=carrier, vehicle_id=vid)
    )
    o.Progress(
        orders_pb2.ProgressRequest(
            idempotency_key=_key(), order_id=oid, actor=carrier, action="confirm_loading"
        )
    )
    rest = list(o.Subscribe(orders_pb2.OrderSubscribeRequest(shipper_id=7, cursor=seen[-1])))
    assert [e.seq for e in rest] == list(range(seen[-1] + 1, seen[-1] + 1 + len(rest)))
    assert [e.kind for e in rest if e.kind != "pushed"] == ["grabbed", "confirm_loading"]
    assert json.loads(rest[-1].data_json)["weight_kg"] == 500


def test_cancellation_fee_and_exception_flow(served_orders: tuple[YunliServer, Clients]) -> None:
    """Cancel after award refunds less the fee; after loading it is refused; an exception
    is owned, clocked and its resolution lowers the settlement."""
    srv, cl = served_orders
    o = cl.orders
    vid, cid = _vehicle(srv)
    carrier = f"carrier:{cid}"
    a = _post(cl).order.order_id
    o.Grab(
        orders_pb2.TakeRequest(idempotency_key=_key(), order_id=a, actor=carrier, vehicle_id=vid)
    )
    c = o.Cancel(
        orders_pb2.ActRequest(
            idempotency_key=_key(), order_id=a, actor="shipper:7", reason="plans changed"
        )
    )
    assert c.order.state == "cancelled"
    b = _post(cl).order.order_id
    o.Grab(
        orders_pb2.TakeRequest(idempotency_key=_key(), order_id=b, actor=carrier, vehicle_id=vid)
    )
    o.Progress(
        orders_pb2.ProgressRequest(
            idempotency_key=_key(), order_id=b, actor=carrier, action="confirm_loading"
        )
    )
    code, msg = _code(
        lambda: o.Cancel(
            orders_pb2.ActRequest(idempotency_key=_key(), order_id=b, actor="shipper:7", reason="x")
        )
    )
    assert code is grpc.StatusCode.FAILED_PRECONDITION
    assert "cannot cancel after loading" in msg
    r = o.ReportException(
        orders_pb2.ReportExceptionRequest(
            idempotency_key=_key(),
            order_id=b,
            actor=carrier,
            kind="damage",
            evidence={"photo": "img-1"},
        )
    )
    assert r.exception.owner == "customer_service"
    assert r.exception.sla_due > r.exception.opened_at
    o.ResolveException(
        orders_pb2.ResolveExceptionRequest(
            idempotency_key=_key(),
            exception_id=r.exception.exception_id,
            actor="platform:1",
            resolution="partial refund",
            penalty_fen=10_000,
        )
    )
    for action, actor in (
        ("depart", carrier),
        ("deliver", carrier),
        ("confirm_delivery", "shipper:7"),
    ):
        o.Progress(
            orders_pb2.ProgressRequest(
                idempotency_key=_key(), order_id=b, actor=actor, action=action
            )
        )
    s = o.Settle(orders_pb2.SettleRequest(idempotency_key=_key(), order_id=b, actor="platform:1"))
    assert s.penalties_fen == 10_000
    assert s.charge_fen == 140_000
    assert o.CheckLedger(orders_pb2.CheckLedgerRequest()).ok
    cr = o.GetCredit(orders_pb2.GetCreditRequest(party=carrier))
    assert cr.exceptions == 1


def test_feed_lists_open_orders_for_a_vehicle(served_orders: tuple[YunliServer, Clients]) -> None:
    srv, cl = served_orders
    ids = {_post(cl).order.order_id for _ in range(3)}
    vid, _ = _vehicle(srv)
    feed = cl.orders.Feed(orders_pb2.FeedRequest(vehicle_id=vid, k=5))
    assert {i.order.order_id for i in feed.items} <= ids
    assert feed.items, "a nearby idle light vehicle gets the open orders in its feed"


@pytest.mark.postgres
def test_two_instances_on_one_postgres_one_winner(make_server: Make, sample_world: Any) -> None:
    """Two servers on one PostgreSQL; carriers alternate between them, grabbing the same
    orders at once: exactly one winner per order, and the loser on either instance sees
    the state the other instance wrote."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    gen = _pg_db()
    url = next(gen)
    try:
        srv_a, port_a = make_server(db=url)
        a = Clients(port_a)
        from server.proto import fleet_pb2

        v = sample_world.vehicles.filter(pl.col("vehicle_type") == "light_truck").head(8)
        v = v.with_columns(
            pl.lit(31.2).alias("lat"), pl.lit(121.4).alias("lon"), pl.lit("idle").alias("status")
        )
        a.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", v)))
        srv_b, port_b = make_server(db=url)  # loads the vehicles at start
        rows = list(v.select("vehicle_id", "carrier_id").iter_rows())
        for _ in range(5):
            oid = _post(a).order.order_id
            barrier = threading.Barrier(len(rows))
            oks: list[int] = []
            codes: list[grpc.StatusCode] = []

            def grab(
                i: int,
                vid: int,
                cid: int,
                oid: int = oid,
                barrier: Any = barrier,
                oks: list[int] = oks,
                codes: list[grpc.StatusCode] = codes,
            ) -> None:
                stub = orders_grpc.OrdersStub(client_for(port_a if i % 2 else port_b).channel)
                barrier.wait()
                try:
                    stub.Grab(
                        orders_pb2.TakeRequest(
                            idempotency_key=_key(),
                            order_id=oid,
                            actor=f"carrier:{cid}",
                            vehicle_id=vid,
                        )
                    )
                    oks.append(cid)
                except grpc.RpcError as e:
                    codes.append(e.code())

            ts = [
                threading.Thread(target=grab, args=(i, vid, cid))
                for i, (vid, cid) in enumerate(rows)
            ]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            assert len(oks) == 1
            assert codes == [grpc.StatusCode.FAILED_PRECONDITION] * (len(rows) - 1)
            stored = a.orders.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order
            assert stored.carrier_id == oks[0]
        assert a.orders.CheckLedger(orders_pb2.CheckLedgerRequest()).transactions == 5
    finally:
        for srv in (locals().get("srv_a"), locals().get("srv_b")):
            if srv is not None:
                srv.stop(0)
        next(gen, None)


def _pg_db() -> Iterator[str]:
    import psycopg

    schema = f"o_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _pg_schema_url(schema)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_breakdown_is_handed_to_the_live_replanner(make_server: Make, sample_world: Any) -> None:
    """A breakdown reported on an order that rides a live plan applies a Breakdown event
    to that plan and re-plans it: the plan's version moves and the vehicle's pending jobs
    are released; the exception is recorded either way."""
    from engine.live import plan_from_solution
    from engine.live.scenario import city_day
    from engine.routing import solve
    from server.convert import live as convert
    from server.proto import fleet_pb2, live_pb2

    srv, port = make_server()
    cl = Clients(port)
    v = sample_world.vehicles.filter(pl.col("vehicle_type") == "light_truck").head(2)
    v = v.with_columns(
        pl.lit(31.2).alias("lat"), pl.lit(121.4).alias("lon"), pl.lit("idle").alias("status")
    )
    cl.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", v)))
    sc = city_day(4, 20, seed=3)
    plan = plan_from_solution(solve(sc.problem, time_limit=0.5, seed=0))
    live = client_for(port).live
    view = live.CreatePlan(
        live_pb2.CreatePlanRequest(plan_id="day", plan=convert.live_plan_msg(plan, ""))
    )
    busy = next(x for x in view.plan.vehicles if len(x.route) >= 2)
    oid = _post(cl, live_plan_id="day").order.order_id
    vid, cid = int(v["vehicle_id"][0]), int(v["carrier_id"][0])
    carrier = f"carrier:{cid}"
    o = cl.orders
    o.Grab(
        orders_pb2.TakeRequest(idempotency_key=_key(), order_id=oid, actor=carrier, vehicle_id=vid)
    )
    o.Progress(
        orders_pb2.ProgressRequest(
            idempotency_key=_key(), order_id=oid, actor=carrier, action="confirm_loading"
        )
    )
    r = o.ReportException(
        orders_pb2.ReportExceptionRequest(
            idempotency_key=_key(),
            order_id=oid,
            actor=carrier,
            kind="breakdown",
            evidence={"live_vehicle_id": busy.vehicle_id, "note": "engine failure"},
        ),
        timeout=60,
    )
    assert r.exception.owner == "dispatch"
    assert "applied to plan 'day'" in r.replan, r.replan
    assert r.plan_version == view.plan.version + 1
    after = live.GetPlan(live_pb2.GetPlanRequest(plan_id="day"))
    assert after.plan.version == r.plan_version
    assert r.order.order.state == "exception"
    del srv


def test_concurrent_posts_bids_and_feeds(served_orders: tuple[YunliServer, Clients]) -> None:
    """Posts (which rank carriers), bids (which score the vehicle) and feeds from several
    threads at once all succeed: the matcher is never updated under a running ranking."""
    srv, _ = served_orders
    errors: list[str] = []
    vid, cid = _vehicle(srv)

    def work(i: int) -> None:
        stub = orders_grpc.OrdersStub(client_for(srv.port).channel)
        try:
            for _ in range(8):
                r = stub.PostOrder(
                    orders_pb2.PostOrderRequest(
                        idempotency_key=_key(), order=_order(mode="bidding")
                    )
                )
                stub.PlaceBid(
                    orders_pb2.PlaceBidRequest(
                        idempotency_key=_key(),
                        order_id=r.order.order_id,
                        actor=f"carrier:{cid}",
                        vehicle_id=vid,
                        amount_fen=100_000,
                    )
                )
                stub.Feed(orders_pb2.FeedRequest(vehicle_id=vid, k=5))
        except grpc.RpcError as e:
            errors.append(f"{e.code()} {e.details()}")

    ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_credit_reaches_the_matching_service(served_orders: tuple[YunliServer, Clients]) -> None:
    """After a carrier's delivery is rated, SyncFleetRatings writes its credit into its
    stored vehicles' rating columns, which the Matching service scores with."""
    from server.proto import fleet_pb2

    srv, cl = served_orders
    o = cl.orders
    vid, cid = _vehicle(srv)
    carrier = f"carrier:{cid}"
    oid = _post(cl).order.order_id
    o.Grab(
        orders_pb2.TakeRequest(idempotency_key=_key(), order_id=oid, actor=carrier, vehicle_id=vid)
    )
    for action, actor in (
        ("confirm_loading", carrier),
        ("depart", carrier),
        ("deliver", carrier),
        ("confirm_delivery", "shipper:7"),
    ):
        o.Progress(
            orders_pb2.ProgressRequest(
                idempotency_key=_key(), order_id=oid, actor=actor, action=action
            )
        )
    o.Rate(orders_pb2.RateRequest(idempotency_key=_key(), order_id=oid, actor="shipper:7", stars=1))
    credit = o.GetCredit(orders_pb2.GetCreditRequest(party=carrier))
    r = o.SyncFleetRatings(orders_pb2.SyncFleetRatingsRequest())
    assert r.vehicles_updated >= 1
    got = cl.fleet.GetVehicles(fleet_pb2.GetByIdsRequest(ids=[vid])).vehicles[0]
    assert got.rating == pytest.approx(1 + 4 * credit.score / 100)
    assert got.rating_count == credit.ratings + credit.deliveries
    assert o.SyncFleetRatings(orders_pb2.SyncFleetRatingsRequest()).vehicles_updated == 0
