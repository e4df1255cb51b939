"""Property test: random sequences of cross-border order and return calls (real ids mixed
with junk: unknown SKUs, huge quantities, impossible dates, unknown outcomes) get only
well-defined status codes back over a real socket, and stock never goes negative."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.crossborder.io import catalog_to_dict
from engine.crossborder.model import Catalog
from server.app import YunliServer, create_server
from server.config import ServerConfig
from server.gen.yunli.v1 import crossborder_pb2 as pb
from server.servicers.crossborder import crossborder_grpc

TOKEN = "cb-fuzz"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
ALLOWED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
}
_JUNK = st.text(max_size=8)
_INTS = st.one_of(
    st.integers(-3, 5), st.integers(-(2**63), 2**63 - 1), st.sampled_from([999, 1000, 2**31])
)
_DATES = (
    st.sampled_from(
        ["2026-03-02", "2026-03-03", "2026-03-05", "2026-03-20", "", "2010-01-01", "2026-02-30"]
    )
    | _JUNK
)
_ORDERS = st.sampled_from(["F1", "F2", "F3", ""]) | _JUNK


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: Any) -> Iterator[tuple[Any, Path, list[str], list[str]]]:
    """A server with the small seeded world as its catalog."""
    import datetime as dt

    from engine.crossborder.ruleset import RuleBook
    from engine.crossborder.world import build_world

    book = RuleBook.load()
    world: Catalog = build_world(
        book.tax(dt.date(2026, 3, 2)), seed=7, merchants=4, skus=60, customers=10
    )
    db = tmp_path_factory.mktemp("cbfuzz") / "f.db"
    cfg = ServerConfig(db=str(db), tokens=frozenset({TOKEN}), sync_interval_s=0, grace_s=1)
    srv: YunliServer
    srv, port = create_server("127.0.0.1:0", cfg)
    srv.start()
    stub = crossborder_grpc.CrossBorderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    stub.PutCatalog(
        pb.PutCatalogRequest(catalog_json=json.dumps(catalog_to_dict(world))), metadata=AUTH
    )
    skus = sorted(world.skus)[:12]
    stores = sorted(world.stores)[:2]
    # F1 delivered (returns can be asked), F2 declared; the random calls start from there.
    sku = next(
        s.sku_id
        for s in world.skus.values()
        if s.tax_class == "general"
        and s.unit_price_fen < 100_000
        and any(w.kind == "bonded" and w.stock.get(s.sku_id) for w in world.warehouses.values())
    )
    skus.append(sku)
    for oid in ("F1", "F2"):
        stub.PlaceOrder(
            pb.CrossBorderOrderRequest(
                order_id=oid,
                customer_id="C000001",
                order_date="2026-03-02",
                lines=[pb.CrossBorderOrderLine(sku_id=sku, quantity=2)],
            ),
            metadata=AUTH,
        )
        for rpc in ("PayOrder", "DeclareOrder"):
            getattr(stub, rpc)(
                pb.CrossBorderActionRequest(order_id=oid, date="2026-03-02"), metadata=AUTH
            )
    stub.ClearOrder(
        pb.ClearCrossBorderOrderRequest(order_id="F1", date="2026-03-03", outcome="release"),
        metadata=AUTH,
    )
    for rpc in ("ShipOrder", "DeliverOrder"):
        getattr(stub, rpc)(
            pb.CrossBorderActionRequest(order_id="F1", date="2026-03-03"), metadata=AUTH
        )
    yield stub, db, skus, stores
    srv.stop(1)


def _calls(skus: list[str], stores: list[str]) -> st.SearchStrategy[tuple[str, Any]]:
    sku = st.sampled_from(skus) | _JUNK
    lines = st.lists(
        st.builds(pb.CrossBorderOrderLine, sku_id=sku, quantity=_INTS), min_size=0, max_size=3
    )
    order = st.builds(
        pb.CrossBorderOrderRequest,
        order_id=_ORDERS,
        customer_id=st.sampled_from(["C000001", "C000002", ""]) | _JUNK,
        order_date=_DATES,
        purchase_mode=st.sampled_from(["online", "spot", "sample", "touchscreen", ""]) | _JUNK,
        lines=lines,
        store_id=st.sampled_from([*stores, ""]) | _JUNK,
        deliver_by=_DATES,
    )
    action = st.builds(
        pb.CrossBorderActionRequest, order_id=_ORDERS, date=_DATES, payer_id=st.just("") | _JUNK
    )
    clear = st.builds(
        pb.ClearCrossBorderOrderRequest,
        order_id=_ORDERS,
        date=_DATES,
        outcome=st.sampled_from(["", "release", "hold", "reject"]) | _JUNK,
        extra_days=_INTS,
        reason=_JUNK,
    )
    ret = st.builds(
        pb.RequestCrossBorderReturnRequest,
        order_id=_ORDERS,
        return_id=st.just("") | _JUNK,
        lines=lines,
        date=_DATES,
    )
    adv = st.builds(
        pb.AdvanceCrossBorderReturnRequest,
        return_id=st.sampled_from(["F1-R1", "F2-R1", ""]) | _JUNK,
        action=st.sampled_from(["approve", "arrive", "refund"]) | _JUNK,
        sku_id=sku,
        place=st.sampled_from(["merchant", "platform_warehouse"]) | _JUNK,
        date=_DATES,
    )
    return st.one_of(
        st.tuples(st.sampled_from(["QuoteOrder", "PlaceOrder"]), order),
        st.tuples(
            st.sampled_from(
                ["PayOrder", "DeclareOrder", "ShipOrder", "DeliverOrder", "CancelOrder"]
            ),
            action,
        ),
        st.tuples(st.just("ClearOrder"), clear),
        st.tuples(st.just("RequestReturn"), ret),
        st.tuples(st.just("AdvanceReturn"), adv),
        st.tuples(st.just("GetOrder"), st.builds(pb.GetCrossBorderOrderRequest, order_id=_ORDERS)),
    )


def test_random_calls(fuzz: Any) -> None:
    """Only allowed codes; stock on hand is never negative."""
    stub, db, skus, stores = fuzz

    @settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(calls=st.lists(_calls(skus, stores), min_size=1, max_size=12))
    def check(calls: list[tuple[str, Any]]) -> None:
        bad = []
        for method, req in calls:
            try:
                getattr(stub, method)(req, metadata=AUTH, timeout=10)
            except grpc.RpcError as e:
                if e.code() not in ALLOWED:
                    bad.append(f"{method}({req}): {e.code()} {e.details()}")
        assert not bad

    check()
    with sqlite3.connect(db) as con:
        low = con.execute("SELECT MIN(quantity) FROM crossborder_stock").fetchone()[0]
    assert low >= 0
