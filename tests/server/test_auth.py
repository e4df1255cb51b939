"""Identity bound to tokens (``server/auth.py``): token configuration, and party tokens
over a real socket acting only as their principal (Orders), platform tokens as anyone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import polars as pl
import pytest

from engine.errors import InvalidInputError
from server.app import YunliServer
from server.auth import merge_token_sets, parse_token_entries
from server.proto import fleet_pb2, orders_grpc, orders_pb2
from server.status import ERROR_KEY
from tests.server.conftest import TOKEN, client_for, messages

Make = Callable[..., tuple[YunliServer, int]]


# ---- configuration ------------------------------------------------------------------------
def test_parse_token_entries() -> None:
    """Plain entries are platform tokens, ``TOKEN=ROLE:ID`` party tokens; a trailing '='
    (base64 padding) keeps an entry plain; blanks are skipped."""
    plat, party = parse_token_entries(
        ["adm", " c5=carrier:5 ", "s3=shipper:3", "b64pad==", "", "ops=platform:9"], "--token"
    )
    assert plat == {"adm", "b64pad=="}
    assert party == {"c5": "carrier:5", "s3": "shipper:3", "ops": "platform:9"}
    plat, party = merge_token_sets([(plat, party), parse_token_entries(["c5=carrier:5"], "x")], "x")
    assert party["c5"] == "carrier:5"


@pytest.mark.parametrize(
    ("entries", "needle"),
    [
        (["t=driver:5"], "expected ROLE:ID"),
        (["t=carrier:x"], "expected ROLE:ID"),
        (["t=carrier:-1"], "id must be in"),
        (["=carrier:5"], "empty token"),
        (["t=carrier:5", "t=carrier:6"], "bound to both"),
        (["t", "t=carrier:6"], "both unbound"),
    ],
)
def test_bad_token_entries(entries: list[str], needle: str) -> None:
    """A malformed principal, an empty token, or conflicting bindings are refused naming
    the option they came from."""
    with pytest.raises(InvalidInputError) as e:
        parse_token_entries(entries, "YUNLI_TOKENS")
    assert e.value.field == "YUNLI_TOKENS"
    assert needle in str(e.value)


def test_merge_refuses_conflicts_across_sources() -> None:
    """The same token bound differently by two sources is refused."""
    with pytest.raises(InvalidInputError, match="bound to both"):
        merge_token_sets(
            [parse_token_entries(["t=carrier:5"], "a"), parse_token_entries(["t=shipper:5"], "b")],
            "--token",
        )


def test_create_server_refuses_bad_party_tokens(make_server: Make) -> None:
    """A programmatic config with a malformed principal fails before anything opens."""
    with pytest.raises(InvalidInputError) as e:
        make_server(party_tokens={"t": "carrier"})
    assert e.value.field == "party_tokens"


def test_serve_refuses_bad_token_config(tmp_path: Any) -> None:
    """``yunli serve`` exits 2 naming the option for a bad principal in --token or
    YUNLI_TOKENS (validated at start-up, before serving)."""
    base = [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0",
            "--db", str(tmp_path / "x.db"), "--log-level", "error"]  # fmt: skip
    for extra, env, flag in (
        (["--token", "k=carrier:five"], {}, "--token"),
        ([], {"YUNLI_TOKENS": "ok,k=lorry:1"}, "YUNLI_TOKENS"),
    ):
        r = subprocess.run(
            [*base, *extra],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **env},
        )
        assert r.returncode == 2, r.stderr
        assert flag in r.stderr, r.stderr
        assert "ROLE:ID" in r.stderr, r.stderr


# ---- over a real socket -------------------------------------------------------------------
class Party:
    """An Orders stub (and Fleet stub) sending one token."""

    def __init__(self, port: int, token: str) -> None:
        c = client_for(port, token)
        self.fleet = c.fleet
        self.orders = orders_grpc.OrdersStub(c.channel)


def _denied(fn: Callable[[], Any], field: str) -> str:
    """Assert ``fn`` is refused PERMISSION_DENIED naming ``field``; return the message."""
    with pytest.raises(grpc.RpcError) as e:
        fn()
    err: Any = e.value
    assert err.code() is grpc.StatusCode.PERMISSION_DENIED, err.details()
    assert err.details().startswith(f"{field}:"), err.details()
    trailer = dict(err.trailing_metadata() or ())
    assert json.loads(trailer[ERROR_KEY])["field"] == field
    return str(err.details())


def _key() -> str:
    return uuid.uuid4().hex


def _order(mode: str, shipper_id: int, deadline_s: int) -> Any:
    now = int(time.time())
    return orders_pb2.Order(
        shipper_id=shipper_id,
        origin_lat=31.23,
        origin_lon=121.47,
        origin_city="Shanghai",
        dest_lat=30.27,
        dest_lon=120.15,
        dest_city="Hangzhou",
        weight_kg=500,
        volume_l=2_000,
        pickup_start=now + 3_600,
        pickup_end=now + 7_200,
        delivery_deadline=now + 40_000,
        price_mode=mode,
        price_fen=150_000,
        deadline=now + deadline_s,
        auto_award=False,
    )


@pytest.fixture
def world(make_server: Make, sample_world: Any) -> dict[str, Any]:
    """A SQLite server with a platform token and party tokens of two carriers (owning
    vehicles) and two shippers, with 20 vehicles of the sample world."""
    v = sample_world.vehicles.head(20).with_columns(
        pl.lit(31.20).alias("lat"),
        pl.lit(121.40).alias("lon"),
        pl.lit(0).alias("available_from"),
        pl.lit("idle").alias("status"),
    )
    fit = v.filter(pl.col("vehicle_type") != "reefer").unique("carrier_id", keep="first")
    fit = fit.sort("vehicle_id").head(2)
    (v1, c1), (v2, c2) = fit.select("vehicle_id", "carrier_id").rows()
    assert c1 != c2
    party = {"tok-c1": f"carrier:{c1}", "tok-c2": f"carrier:{c2}"}
    party |= {"tok-s7": "shipper:7", "tok-s8": "shipper:8"}
    _srv, port = make_server(party_tokens=party)
    admin = Party(port, TOKEN)
    admin.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", v)))
    return {
        "port": port,
        "admin": admin,
        "c1": (Party(port, "tok-c1"), c1, v1),
        "c2": (Party(port, "tok-c2"), c2, v2),
        "s7": Party(port, "tok-s7"),
        "s8": Party(port, "tok-s8"),
    }


def test_carrier_token_cannot_grab_as_another_carrier(world: dict[str, Any]) -> None:
    """Carrier 2's token grabbing as carrier 1 (with carrier 1's vehicle) is refused
    naming ``actor`` and writes nothing; as itself it wins; the platform token may act
    for a carrier."""
    p1, c1, v1 = world["c1"]
    p2, c2, v2 = world["c2"]
    s7 = world["s7"]
    oid = s7.orders.PostOrder(
        orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order("grabbing", 7, 600))
    ).order.order_id

    def grab(p: Party, carrier: int, vehicle: int) -> Any:
        return p.orders.Grab(
            orders_pb2.TakeRequest(
                idempotency_key=_key(), order_id=oid, actor=f"carrier:{carrier}", vehicle_id=vehicle
            )
        )

    msg = _denied(lambda: grab(p2, c1, v1), "actor")
    assert f"bound to carrier:{c2}" in msg
    assert f"act as carrier:{c1}" in msg
    got = world["admin"].orders.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order
    assert (got.state, got.carrier_id) == ("grabbing", -1)  # nothing written
    assert grab(p1, c1, v1).order.carrier_id == c1

    oid = (
        world["admin"]
        .orders.PostOrder(
            orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order("grabbing", 7, 600))
        )
        .order.order_id
    )
    assert grab(world["admin"], c2, v2).order.carrier_id == c2  # platform token: any party


def test_sealed_bids_and_award_bound_to_the_token(world: dict[str, Any]) -> None:
    """A carrier token cannot read another carrier's sealed bid (ListBids as that
    carrier), nor bid as it; a shipper token cannot award another shipper's order (as
    that shipper: PERMISSION_DENIED; as itself: refused by the order rules); the owning
    shipper's token and the platform token can."""
    p1, c1, v1 = world["c1"]
    p2, c2, v2 = world["c2"]
    s7, s8, admin = world["s7"], world["s8"], world["admin"]

    def post() -> int:
        r = s7.orders.PostOrder(
            orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order("bidding", 7, 2))
        )
        return int(r.order.order_id)

    def bid(p: Party, oid: int, c: int, v: int, amount: int) -> Any:
        return p.orders.PlaceBid(
            orders_pb2.PlaceBidRequest(
                idempotency_key=_key(), order_id=oid, actor=f"carrier:{c}", vehicle_id=v,
                amount_fen=amount,
            )
        )  # fmt: skip

    def bids(p: Party, oid: int, actor: str) -> list[tuple[int, int]]:
        r = p.orders.ListBids(orders_pb2.ListBidsRequest(order_id=oid, actor=actor))
        return [(b.carrier_id, b.amount_fen) for b in r.bids]

    oid, oid2 = post(), post()
    _denied(lambda: bid(p2, oid, c1, v1, 1_000), "actor")
    b1 = bid(p1, oid, c1, v1, 120_000)
    bid(p2, oid, c2, v2, 110_000)
    bid(p1, oid2, c1, v1, 130_000)
    _denied(lambda: bids(p2, oid, f"carrier:{c1}"), "actor")  # carrier 1's sealed bid
    assert bids(p2, oid, f"carrier:{c2}") == [(c2, 110_000)]  # its own only
    assert bids(admin, oid, f"carrier:{c1}") == [(c1, 120_000)]  # platform: any party
    _denied(lambda: bids(s8, oid, "shipper:7"), "actor")

    deadline = admin.orders.GetOrder(orders_pb2.GetOrderRequest(order_id=oid2)).order.deadline
    time.sleep(max(0.0, deadline + 1.2 - time.time()))  # past both deadlines: awards open

    def award(p: Party, oid: int, actor: str, bid_id: int) -> Any:
        return p.orders.Award(
            orders_pb2.AwardRequest(
                idempotency_key=_key(), order_id=oid, actor=actor, bid_id=bid_id
            )
        )

    _denied(lambda: award(s8, oid, "shipper:7", b1.bid_id), "actor")
    with pytest.raises(grpc.RpcError) as e:
        award(s8, oid, "shipper:8", b1.bid_id)  # itself, but not its order: the rules refuse
    assert e.value.code() is not grpc.StatusCode.OK
    assert admin.orders.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order.state == "bidding"
    assert award(s7, oid, "shipper:7", b1.bid_id).order.carrier_id == c1
    b3 = bids(admin, oid2, "shipper:7")
    assert b3 == [(c1, 130_000)]  # opened at the deadline
    bid_id = (
        admin.orders.ListBids(orders_pb2.ListBidsRequest(order_id=oid2, actor="shipper:7"))
        .bids[0]
        .bid_id
    )
    assert award(admin, oid2, "shipper:7", bid_id).order.carrier_id == c1  # platform token


def test_party_token_scope(world: dict[str, Any]) -> None:
    """Party tokens post only their own orders, follow only their own events, get no
    back-office calls and no other service; bad tokens stay UNAUTHENTICATED."""
    p1, c1, v1 = world["c1"]
    s7, s8, admin = world["s7"], world["s8"], world["admin"]
    _denied(
        lambda: s8.orders.PostOrder(
            orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order("grabbing", 7, 600))
        ),
        "order.shipper_id",
    )
    _denied(
        lambda: p1.orders.PostOrder(
            orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order("grabbing", 7, 600))
        ),
        "order.shipper_id",
    )
    oid = s7.orders.PostOrder(
        orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order("grabbing", 7, 600))
    ).order.order_id

    def events(p: Party, **filt: Any) -> list[Any]:
        return list(p.orders.Subscribe(orders_pb2.OrderSubscribeRequest(follow=False, **filt)))

    assert {e.order_id for e in events(s7, shipper_id=7)} == {oid}
    assert {e.order_id for e in events(s7, order_id=oid)} == {oid}
    _denied(lambda: events(s8), "shipper_id")
    _denied(lambda: events(s8, shipper_id=7), "shipper_id")
    _denied(lambda: events(s8, order_id=oid), "order_id")
    _denied(lambda: events(p1, order_id=oid), "order_id")  # not (yet) its order
    _denied(lambda: events(p1, shipper_id=7), "carrier_id")
    assert all(e.order_id == oid for e in events(p1, carrier_id=c1))  # pushed to it at most
    assert len(events(admin)) >= 1
    _denied(lambda: p1.orders.CheckLedger(orders_pb2.CheckLedgerRequest()), "authorization")
    _denied(lambda: s7.orders.Sweep(orders_pb2.SweepRequest()), "authorization")
    _denied(lambda: s7.orders.Feed(orders_pb2.FeedRequest(vehicle_id=v1, k=5)), "vehicle_id")
    p1.orders.Feed(orders_pb2.FeedRequest(vehicle_id=v1, k=5))
    with pytest.raises(grpc.RpcError) as e:
        p1.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest())
    assert e.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as e:
        Party(world["port"], "tok-c1x").orders.GetOrder(orders_pb2.GetOrderRequest(order_id=oid))
    assert e.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert p1.orders.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order.order_id == oid


def test_serve_with_party_tokens_only(tmp_path: Any) -> None:
    """``yunli serve`` with party tokens only (from --token-file and YUNLI_TOKENS) serves
    with auth on: the bound tokens reach Orders as their principal and nothing else."""
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("c5tok=carrier:5\n\n")
    port_file, log = tmp_path / "port", tmp_path / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0",
             "--db", str(tmp_path / "x.db"), "--token-file", str(tokens),
             "--port-file", str(port_file), "--sync-interval", "0", "--log-level", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "YUNLI_TOKENS": "s3tok=shipper:3"},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        port = int(port_file.read_text())
        c5, s3 = Party(port, "c5tok"), Party(port, "s3tok")
        r = c5.orders.GetCredit(orders_pb2.GetCreditRequest(party="shipper:3"))
        assert r.party == "shipper:3"
        _denied(lambda: c5.orders.CheckLedger(orders_pb2.CheckLedgerRequest()), "authorization")
        _denied(
            lambda: s3.orders.PostOrder(
                orders_pb2.PostOrderRequest(idempotency_key=_key(), order=_order("grabbing", 4, 60))
            ),
            "order.shipper_id",
        )
        with pytest.raises(grpc.RpcError) as e:
            c5.fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest())
        assert e.value.code() is grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as e:
            client_for(port, None).fleet.UpsertVehicles(fleet_pb2.UpsertVehiclesRequest())
        assert e.value.code() is grpc.StatusCode.UNAUTHENTICATED
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
