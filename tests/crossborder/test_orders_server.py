"""The cross-border order and return workflows as ``yunli.v1.CrossBorder`` RPCs over a real
socket, stored in SQLite and PostgreSQL: the happy path with the three records, customs
holds and rejections on the order, the cancellation and return-window rules, the annual
limit, bad input naming the field, nothing half-written, and persistence across a restart;
refunded returns giving their value back to the annual total, and returned platform goods
going back into the platform warehouse's stock."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from engine.crossborder.io import catalog_to_dict
from engine.crossborder.model import Catalog
from server.app import YunliServer, create_server
from server.config import ServerConfig
from server.gen.yunli.v1 import crossborder_pb2 as pb
from server.servicers.crossborder import crossborder_grpc
from server.store import open_store
from server.store.crossborder import CrossBorderStore

TOKEN = "cb-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
PG_URL = os.environ.get("YUNLI_TEST_PG_URL", "")
Start = Callable[[str], tuple[YunliServer, Any]]


@pytest.fixture
def start() -> Iterator[Start]:
    """Start servers on 127.0.0.1:0 over the given store; stopped at teardown."""
    servers: list[YunliServer] = []

    def make(db: str) -> tuple[YunliServer, Any]:
        cfg = ServerConfig(db=db, tokens=frozenset({TOKEN}), sync_interval_s=0, grace_s=5)
        srv, port = create_server("127.0.0.1:0", cfg)
        srv.start()
        servers.append(srv)
        return srv, crossborder_grpc.CrossBorderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))

    yield make
    for s in servers:
        s.stop(0)


def _sku(world: Catalog, owner: str = "merchant") -> str:
    """A cheap general-class SKU of ``owner`` held by a bonded or overseas warehouse."""
    for s in world.skus.values():
        cheap = s.owner == owner and s.tax_class == "general" and s.unit_price_fen <= 100_000
        if cheap and any(
            w.kind != "store" and w.stock.get(s.sku_id, 0) >= 10 for w in world.warehouses.values()
        ):
            return s.sku_id
    raise AssertionError("no SKU")


def _order(oid: str, sku: str, qty: int = 2, customer: str = "C000001") -> Any:
    return pb.CrossBorderOrderRequest(
        order_id=oid,
        customer_id=customer,
        order_date="2026-03-02",
        lines=[pb.CrossBorderOrderLine(sku_id=sku, quantity=qty)],
    )


def _act(stub: Any, rpc: str, oid: str, date: str, **kw: Any) -> Any:
    req = (
        pb.ClearCrossBorderOrderRequest(order_id=oid, date=date, **kw)
        if rpc == "ClearOrder"
        else pb.CrossBorderActionRequest(order_id=oid, date=date, **kw)
    )
    return getattr(stub, rpc)(req, metadata=AUTH)


def _error(call: Callable[[], Any]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as e:
        call()
    return e.value


def _scenario(start: Start, db: str, world: Catalog) -> None:
    run = uuid.uuid4().hex[:6]
    cat = catalog_to_dict(world)
    # C000002 has used almost all of 2026's ¥26,000.
    for c in cat["customers"]:
        if c["customer_id"] == "C000002":
            c["annual_total_fen"] = {"2026": 2_599_000}
    srv, stub = start(db)
    summary = stub.PutCatalog(pb.PutCatalogRequest(catalog_json=json.dumps(cat)), metadata=AUTH)
    assert (summary.skus, summary.tax_version) == (len(world.skus), "cbec-tax-2019.2")
    sku, psku = _sku(world), _sku(world, "platform")

    # Quote: versions named, nothing written.
    q = stub.QuoteOrder(_order(f"{run}-q", sku), metadata=AUTH)
    assert (q.tax_version, q.customs_version, q.policy_version) == (
        "cbec-tax-2019.2",
        "customs-2019.1",
        "orders-2019.1",
    )
    assert q.chosen.landed_fen > q.chosen.goods_fen > 0
    assert q.reason

    # Happy path: place, pay, declare (三单), clear, ship, deliver.
    o1 = f"{run}-1"
    st = stub.PlaceOrder(_order(o1, sku), metadata=AUTH)
    assert (st.state, st.quote.chosen.warehouse_id) == ("created", q.chosen.warehouse_id)
    again = stub.QuoteOrder(_order(f"{run}-q2", sku), metadata=AUTH)
    assert again.annual_after_fen == q.annual_after_fen + again.dutiable_fen
    e = _error(lambda: stub.PlaceOrder(_order(o1, sku), metadata=AUTH))
    assert e.code() == grpc.StatusCode.ALREADY_EXISTS
    assert _act(stub, "PayOrder", o1, "2026-03-02").state == "paid"
    st = _act(stub, "DeclareOrder", o1, "2026-03-02")
    d = st.declaration
    assert st.state == "declared"
    assert d.payer_id == d.buyer_id == d.consignee_id == "C000001"
    assert d.paid_fen == d.goods_fen + d.freight_fen + d.tax_fen
    assert d.lines[0].sku_id == sku
    assert len(d.lines[0].hs_code) == 10
    # Declared: cancelling at will is refused, naming the state; nothing changes.
    e = _error(lambda: _act(stub, "CancelOrder", o1, "2026-03-03"))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "state" in e.details()
    assert "declared" in e.details()
    got = stub.GetOrder(pb.GetCrossBorderOrderRequest(order_id=o1), metadata=AUTH)
    assert (got.state, got.revision) == ("declared", st.revision)
    st = _act(stub, "ClearOrder", o1, "2026-03-03", outcome="release")
    assert (st.state, st.cleared_on, st.clearance_days) == ("cleared", "2026-03-03", 1)
    assert _act(stub, "ShipOrder", o1, "2026-03-04").state == "shipped"
    assert _act(stub, "DeliverOrder", o1, "2026-03-06").state == "delivered"

    # Returns: past the 7-day window refused (nothing written), then within it.
    def ret(date: str, qty: int = 1, rid: str = "") -> Any:
        return stub.RequestReturn(
            pb.RequestCrossBorderReturnRequest(
                order_id=o1,
                return_id=rid,
                date=date,
                lines=[pb.CrossBorderOrderLine(sku_id=sku, quantity=qty)],
            ),
            metadata=AUTH,
        )

    e = _error(lambda: ret("2026-03-14"))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "return_window_days" in e.details()
    e = _error(
        lambda: stub.GetReturn(pb.GetCrossBorderReturnRequest(return_id=f"{o1}-R1"), metadata=AUTH)
    )
    assert e.code() == grpc.StatusCode.NOT_FOUND
    e = _error(lambda: ret("2026-03-08", qty=3))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "lines" in e.details()
    r = ret("2026-03-08")
    assert (r.return_id, r.state, list(r.lines[0].route)) == (f"{o1}-R1", "requested", ["merchant"])

    def adv(action: str, date: str, **kw: str) -> Any:
        return stub.AdvanceReturn(
            pb.AdvanceCrossBorderReturnRequest(
                return_id=r.return_id, action=action, date=date, **kw
            ),
            metadata=AUTH,
        )

    adv("approve", "2026-03-08")
    e = _error(lambda: adv("arrive", "2026-03-09", sku_id=sku, place="platform_warehouse"))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "place" in e.details()
    adv("arrive", "2026-03-10", sku_id=sku, place="merchant")
    r = adv("refund", "2026-03-11")
    line_tax = sum(t.tariff_fen + t.consumption_fen + t.vat_fen for t in got.quote.taxes)
    goods = got.quote.chosen.goods_fen
    assert (r.state, r.goods_refund_fen, r.tax_refund_fen) == (
        "refunded",
        goods // 2,
        line_tax // 2,
    )
    # The other unit may still be returned; a third may not.
    e = _error(lambda: ret("2026-03-09", qty=2))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT

    # Customs hold (an exception on the order), then release; a rejection refunds and gives
    # the stock and annual total back.
    o2, o3 = f"{run}-2", f"{run}-3"
    for oid, s in ((o2, sku), (o3, psku)):
        stub.PlaceOrder(_order(oid, s, 1), metadata=AUTH)
        _act(stub, "PayOrder", oid, "2026-03-02")
        _act(stub, "DeclareOrder", oid, "2026-03-02")
    st = _act(stub, "ClearOrder", o2, "2026-03-03", outcome="hold", extra_days=3, reason="X-ray")
    assert (st.state, st.exception_kind, st.exception_reason) == ("held", "hold", "X-ray")
    st = _act(stub, "ClearOrder", o2, "2026-03-06")
    assert (st.state, st.exception_kind, st.held_days) == ("cleared", "", 3)
    before = stub.QuoteOrder(_order(f"{run}-q3", psku, 1), metadata=AUTH).annual_after_fen
    st = _act(stub, "ClearOrder", o3, "2026-03-03", outcome="reject", reason="payment.payer_id")
    assert (st.state, st.exception_kind) == ("rejected", "rejected")
    assert st.refund_fen == st.quote.chosen.landed_fen
    after = stub.QuoteOrder(_order(f"{run}-q3", psku, 1), metadata=AUTH).annual_after_fen
    assert after == before - st.quote.dutiable_fen
    # A payer who is not the buyer: customs rejects the records whatever was asked.
    o4 = f"{run}-4"
    stub.PlaceOrder(_order(o4, sku, 1), metadata=AUTH)
    _act(stub, "PayOrder", o4, "2026-03-02")
    _act(stub, "DeclareOrder", o4, "2026-03-02", payer_id="someone-else")
    st = _act(stub, "ClearOrder", o4, "2026-03-03", outcome="release")
    assert st.state == "rejected"
    assert "payer_id" in st.exception_reason
    # Cancel before declaration: allowed, refunded.
    o5 = f"{run}-5"
    stub.PlaceOrder(_order(o5, sku, 1), metadata=AUTH)
    _act(stub, "PayOrder", o5, "2026-03-02")
    st = _act(stub, "CancelOrder", o5, "2026-03-02")
    assert st.state == "cancelled"
    assert st.refund_fen == st.quote.chosen.landed_fen

    # Over the annual limit: refused naming the field, nothing written.
    e = _error(lambda: stub.PlaceOrder(_order(f"{run}-6", sku, 1, "C000002"), metadata=AUTH))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer.annual_total_fen" in e.details()
    listed = stub.ListOrders(pb.ListCrossBorderOrdersRequest(customer_id="C000002"), metadata=AUTH)
    assert list(listed.orders) == []
    # Unknown SKU, quantity out of range, unknown order.
    e = _error(lambda: stub.PlaceOrder(_order(f"{run}-7", "NO-SUCH-SKU"), metadata=AUTH))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "sku_id" in e.details()
    e = _error(lambda: stub.PlaceOrder(_order(f"{run}-8", sku, 1000), metadata=AUTH))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "quantity" in e.details()
    e = _error(lambda: _act(stub, "PayOrder", f"{run}-none", "2026-03-02"))
    assert e.code() == grpc.StatusCode.NOT_FOUND
    e = _error(lambda: _act(stub, "ClearOrder", o5, "2026-03-03", outcome="maybe"))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "outcome" in e.details()

    # Everything survives a restart.
    mine = {o1, o2, o3, o4, o5}
    states = {
        o.order_id: (o.state, o.revision, len(o.history))
        for o in stub.ListOrders(pb.ListCrossBorderOrdersRequest(), metadata=AUTH).orders
        if o.order_id in mine
    }
    assert {k: v[0] for k, v in states.items()} == {
        o1: "delivered",
        o2: "cleared",
        o3: "rejected",
        o4: "rejected",
        o5: "cancelled",
    }
    srv.stop(0)
    _, stub2 = start(db)
    states2 = {
        o.order_id: (o.state, o.revision, len(o.history))
        for o in stub2.ListOrders(pb.ListCrossBorderOrdersRequest(), metadata=AUTH).orders
        if o.order_id in mine
    }
    assert states2 == states
    r2 = stub2.GetReturn(pb.GetCrossBorderReturnRequest(return_id=f"{o1}-R1"), metadata=AUTH)
    assert (r2.state, r2.goods_refund_fen) == ("refunded", goods // 2)
    got2 = stub2.GetOrder(pb.GetCrossBorderOrderRequest(order_id=o1), metadata=AUTH)
    assert got2.declaration == got.declaration
    # The annual total placed before the restart still counts.
    q2 = stub2.QuoteOrder(_order(f"{run}-q4", psku, 1), metadata=AUTH)
    assert q2.annual_after_fen == after


def test_orders_sqlite(start: Start, tmp_path: Path, world: Catalog) -> None:
    """SQLite: the whole order and return workflow, refusals, and a restart."""
    _scenario(start, str(tmp_path / "cb.db"), world)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="YUNLI_TEST_PG_URL is not set")
def test_orders_postgres(start: Start, world: Catalog) -> None:
    """PostgreSQL: the same."""
    _scenario(start, PG_URL, world)


ANNUAL_LIMIT_FEN = 2_600_000


def _stored(db: str, sku_ids: list[str], customer: str) -> tuple[dict[str, int], int]:
    """Read the database directly (its own connection): stock of ``sku_ids`` by
    ``warehouse/sku`` and ``customer``'s stored 2026 total."""
    st = open_store(db)
    try:
        with CrossBorderStore(st).read() as tx:
            stock = {f"{w}/{s}": q for (w, s), q in tx.stock(sku_ids).items()}
            return stock, tx.usage(customer, 2026)
    finally:
        st.close()


def _returns_scenario(start: Start, db: str, world: Catalog) -> None:
    run = uuid.uuid4().hex[:6]
    _, stub = start(db)
    cat = catalog_to_dict(world)
    sku, psku = _sku(world), _sku(world, "platform")
    stub.PutCatalog(pb.PutCatalogRequest(catalog_json=json.dumps(cat)), metadata=AUTH)
    # C000003 has room for exactly one more 2-unit order of the platform SKU.
    dut = stub.QuoteOrder(_order(f"{run}-q", psku, 2, "C000003"), metadata=AUTH).dutiable_fen
    assert dut > 10
    used0 = ANNUAL_LIMIT_FEN - dut - 1
    for c in cat["customers"]:
        if c["customer_id"] == "C000003":
            c["annual_total_fen"] = {"2026": used0}
    stub.PutCatalog(pb.PutCatalogRequest(catalog_json=json.dumps(cat)), metadata=AUTH)

    def deliver(oid: str, s: str, qty: int, customer: str) -> Any:
        st = stub.PlaceOrder(_order(oid, s, qty, customer), metadata=AUTH)
        for rpc, day in (
            ("PayOrder", "2026-03-02"),
            ("DeclareOrder", "2026-03-02"),
            ("ClearOrder", "2026-03-03"),
            ("ShipOrder", "2026-03-04"),
            ("DeliverOrder", "2026-03-06"),
        ):
            kw = {"outcome": "release"} if rpc == "ClearOrder" else {}
            st = _act(stub, rpc, oid, day, **kw)
        assert st.state == "delivered"
        return st

    def ret(oid: str, s: str, qty: int) -> Any:
        return stub.RequestReturn(
            pb.RequestCrossBorderReturnRequest(
                order_id=oid,
                date="2026-03-08",
                lines=[pb.CrossBorderOrderLine(sku_id=s, quantity=qty)],
            ),
            metadata=AUTH,
        )

    def adv(rid: str, action: str, date: str, **kw: str) -> Any:
        return stub.AdvanceReturn(
            pb.AdvanceCrossBorderReturnRequest(return_id=rid, action=action, date=date, **kw),
            metadata=AUTH,
        )

    oa, ob = f"{run}-A", f"{run}-B"
    a = deliver(oa, psku, 2, "C000003")
    wid = a.quote.chosen.warehouse_id
    assert a.quote.dutiable_fen == dut
    stock0, used = _stored(db, [psku, sku], "C000003")
    assert used == used0 + dut == ANNUAL_LIMIT_FEN - 1
    # A second such order is refused for the annual limit; nothing written.
    e = _error(lambda: stub.PlaceOrder(_order(ob, psku, 2, "C000003"), metadata=AUTH))
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer.annual_total_fen" in e.details()
    assert _stored(db, [psku, sku], "C000003") == (stock0, used)

    # Return one unit of the platform goods: to the merchant (platform stock unchanged),
    # then on to the platform warehouse (its stock + 1, in the same step).
    r1 = ret(oa, psku, 1)
    assert list(r1.lines[0].route) == ["merchant", "platform_warehouse"]
    adv(r1.return_id, "approve", "2026-03-08")
    # Refused steps write nothing: the warehouse before the merchant, a refund too early.
    e = _error(
        lambda: adv(r1.return_id, "arrive", "2026-03-09", sku_id=psku, place="platform_warehouse")
    )
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    e = _error(lambda: adv(r1.return_id, "refund", "2026-03-09"))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _stored(db, [psku, sku], "C000003") == (stock0, used)
    adv(r1.return_id, "arrive", "2026-03-09", sku_id=psku, place="merchant")
    assert _stored(db, [psku, sku], "C000003") == (stock0, used)
    e = _error(lambda: adv(r1.return_id, "refund", "2026-03-09"))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    st = adv(r1.return_id, "arrive", "2026-03-10", sku_id=psku, place="platform_warehouse")
    assert f"+1 into {wid} stock" in st.history[-1].note
    stock1, _ = _stored(db, [psku, sku], "C000003")
    assert stock1 == {**stock0, f"{wid}/{psku}": stock0[f"{wid}/{psku}"] + 1}
    # Arriving twice is refused and does not restock twice.
    e = _error(
        lambda: adv(r1.return_id, "arrive", "2026-03-10", sku_id=psku, place="platform_warehouse")
    )
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _stored(db, [psku, sku], "C000003")[0] == stock1

    # The refund: goods and tax (recorded on the return), and half the order's dutiable
    # value off the stored annual total in the same transaction.
    line_tax = sum(t.tariff_fen + t.consumption_fen + t.vat_fen for t in a.quote.taxes)
    r1 = adv(r1.return_id, "refund", "2026-03-11")
    assert (r1.state, r1.goods_refund_fen, r1.tax_refund_fen) == (
        "refunded",
        a.quote.chosen.goods_fen // 2,
        line_tax // 2,
    )
    assert r1.tax_refund_fen > 0
    assert f"tax {line_tax // 2} fen refunded" in r1.history[-1].note
    got = stub.GetReturn(pb.GetCrossBorderReturnRequest(return_id=r1.return_id), metadata=AUTH)
    assert (got.tax_refund_fen, got.goods_refund_fen) == (r1.tax_refund_fen, r1.goods_refund_fen)
    _, used1 = _stored(db, [psku, sku], "C000003")
    assert used1 == used - dut // 2
    # Still over: half an order's room is not enough for a whole one.
    e = _error(lambda: stub.PlaceOrder(_order(ob, psku, 2, "C000003"), metadata=AUTH))
    assert "customer.annual_total_fen" in e.details()
    # A refund cannot be repeated.
    e = _error(lambda: adv(r1.return_id, "refund", "2026-03-12"))
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _stored(db, [psku, sku], "C000003")[1] == used1

    # The other unit: the order returned in full no longer counts at all.
    r2 = ret(oa, psku, 1)
    adv(r2.return_id, "approve", "2026-03-08")
    adv(r2.return_id, "arrive", "2026-03-09", sku_id=psku, place="merchant")
    adv(r2.return_id, "arrive", "2026-03-10", sku_id=psku, place="platform_warehouse")
    adv(r2.return_id, "refund", "2026-03-11")
    stock2, used2 = _stored(db, [psku, sku], "C000003")
    assert used2 == used0
    assert stock2[f"{wid}/{psku}"] == stock0[f"{wid}/{psku}"] + 2
    # The order refused for the annual limit before is accepted now, and counts.
    b = stub.PlaceOrder(_order(ob, psku, 2, "C000003"), metadata=AUTH)
    assert b.state == "created"
    assert _stored(db, [psku, sku], "C000003")[1] == used0 + b.quote.dutiable_fen

    # Merchant goods go back to the merchant: no platform stock changes, the total drops.
    om = f"{run}-M"
    m = deliver(om, sku, 1, "C000004")
    before, usedm = _stored(db, [psku, sku], "C000004")
    rm = ret(om, sku, 1)
    assert list(rm.lines[0].route) == ["merchant"]
    adv(rm.return_id, "approve", "2026-03-08")
    e = _error(
        lambda: adv(rm.return_id, "arrive", "2026-03-09", sku_id=sku, place="platform_warehouse")
    )
    assert e.code() == grpc.StatusCode.FAILED_PRECONDITION
    adv(rm.return_id, "arrive", "2026-03-09", sku_id=sku, place="merchant")
    rm = adv(rm.return_id, "refund", "2026-03-10")
    assert rm.state == "refunded"
    after, usedm2 = _stored(db, [psku, sku], "C000004")
    assert after == before
    assert usedm2 == usedm - m.quote.dutiable_fen


def test_returns_sqlite(start: Start, tmp_path: Path, world: Catalog) -> None:
    """SQLite: refunds give the annual total back; returned platform goods are restocked."""
    _returns_scenario(start, str(tmp_path / "cb.db"), world)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="YUNLI_TEST_PG_URL is not set")
def test_returns_postgres(start: Start, world: Catalog) -> None:
    """PostgreSQL: the same."""
    _returns_scenario(start, PG_URL, world)


def test_no_catalog(start: Start, tmp_path: Path) -> None:
    """Before PutCatalog an order is NOT_FOUND naming the catalog; a malformed catalog is
    INVALID_ARGUMENT naming the field, and nothing is stored."""
    _, stub = start(str(tmp_path / "cb.db"))
    e = _error(lambda: stub.QuoteOrder(_order("x", "S00001"), metadata=AUTH))
    assert e.code() == grpc.StatusCode.NOT_FOUND
    assert "catalog" in e.details()
    bad = {"merchants": [{"merchant_id": "M1"}], "skus": [{"sku_id": "S1", "merchant_id": "M1"}]}
    e = _error(
        lambda: stub.PutCatalog(pb.PutCatalogRequest(catalog_json=json.dumps(bad)), metadata=AUTH)
    )
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "skus.owner" in e.details()
    e = _error(lambda: stub.QuoteOrder(_order("x", "S00001"), metadata=AUTH))
    assert e.code() == grpc.StatusCode.NOT_FOUND
