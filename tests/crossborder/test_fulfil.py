"""Fulfilment choice: cheapest landed cost meeting the deadline, with reasons and versions."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.crossborder.errors import LimitError
from engine.crossborder.fulfil import Fulfiller, Order, OrderLine
from engine.crossborder.model import Catalog, Sku
from engine.crossborder.ruleset import RuleBook
from engine.errors import InfeasibleError, InvalidInputError, NotFoundError

from .conftest import DAY


def _sku_everywhere(world: Catalog, max_price: int = 50_000) -> Sku:
    """A cheap SKU stocked both in a bonded and an overseas warehouse."""
    for s in world.skus.values():
        kinds = {w.kind for w in world.warehouses.values() if w.stock.get(s.sku_id, 0) > 2}
        if {"bonded", "overseas"} <= kinds and s.unit_price_fen <= max_price:
            return s
    raise AssertionError("world has no such SKU")


def _order(sku: str, q: int = 1, **kw: object) -> Order:
    args: dict[str, object] = {"purchase_mode": "online", "deliver_by": None, "store_id": None}
    args.update(kw)
    return Order("o1", "C000001", DAY, lines=(OrderLine(sku, q),), **args)  # type: ignore[arg-type]


def test_cheapest_meeting_deadline(world: Catalog, book: RuleBook) -> None:
    """Without a deadline the least landed cost wins; every option is priced honestly
    (landed = goods + freight + handling + fee + tax) and the quote names the versions."""
    f = Fulfiller(world, book)
    sku = _sku_everywhere(world)
    q = f.quote(_order(sku.sku_id))
    assert q.chosen.landed_fen == min(o.landed_fen for o in q.options)
    for o in q.options:
        parts = o.goods_fen + o.freight_fen + o.handling_fen + o.customs_fee_fen + o.tax.total_fen
        assert o.landed_fen == parts
        assert o.goods_fen == sku.unit_price_fen
    assert {o.source for o in q.options} == {"bonded", "direct_mail"}
    assert q.tax_version == "cbec-tax-2019.2"
    assert q.customs_version == "customs-2019.1"
    assert q.policy_version == "orders-2019.1"
    assert "least landed cost" in q.reason
    # orders-2019.1: a merchant ships its own goods, the platform ships platform goods
    assert dict(q.shippers) == {sku.sku_id: sku.owner}


def test_deadline_forces_faster_source(world: Catalog, book: RuleBook) -> None:
    """A deadline only the bonded warehouses meet excludes sea mail even when it is cheaper;
    an impossible one picks the fastest and says so."""
    f = Fulfiller(world, book)
    sku = _sku_everywhere(world)
    fastest = min(o.promise_days for o in f.quote(_order(sku.sku_id)).options)
    q = f.quote(_order(sku.sku_id, deliver_by=DAY + dt.timedelta(days=fastest)))
    assert q.on_time
    assert q.chosen.promise_days <= fastest
    assert all(o.promise_days <= fastest for o in q.options if o.meets_deadline)
    late = f.quote(_order(sku.sku_id, deliver_by=DAY))
    if fastest > 0:
        assert not late.on_time
        assert "no source meets" in late.reason
        assert late.chosen.promise_days == fastest


def test_spot_purchase_from_store_shelf(world: Catalog, book: RuleBook) -> None:
    """现货购 takes the goods off the store's shelf (no freight, no lead time); commit takes
    the stock and adds to the customer's annual total."""
    f = Fulfiller(world, book)
    store = next(iter(world.stores.values()))
    shelf = world.warehouses[store.warehouse_id]
    sku_id = next(
        s for s, n in shelf.stock.items() if n > 0 and world.skus[s].unit_price_fen < 400_000
    )
    before = shelf.stock[sku_id]
    q = f.quote(_order(sku_id, purchase_mode="spot", store_id=store.store_id))
    assert q.chosen.source == "store"
    assert q.chosen.freight_fen == 0
    assert q.chosen.promise_days == 0
    f.commit(q)
    assert shelf.stock[sku_id] == before - 1
    assert world.customers["C000001"].used(DAY.year) == q.chosen.tax.dutiable_fen
    with pytest.raises(InfeasibleError, match="现货购"):
        f.quote(_order(sku_id, q=before, purchase_mode="spot", store_id=store.store_id))


def test_sample_order_ships_from_warehouse(world: Catalog, book: RuleBook) -> None:
    """样品购 / 触屏购 / 分享购 ship from a warehouse to the customer's home, never the shelf."""
    f = Fulfiller(world, book)
    sku = _sku_everywhere(world)
    store = next(
        s
        for s in world.stores.values()
        if s.merchant_id == sku.merchant_id or sku.owner == "platform"
    )
    for mode in ("sample", "touchscreen", "share"):
        q = f.quote(_order(sku.sku_id, purchase_mode=mode, store_id=store.store_id))
        assert q.chosen.source in ("bonded", "direct_mail")


def test_limits_bite(world: Catalog, book: RuleBook) -> None:
    """A customer near the annual limit is refused, naming the field; nothing is taken."""
    f = Fulfiller(world, book)
    sku = _sku_everywhere(world)
    world.customers["C000001"].annual_total_fen[DAY.year] = 2_600_000 - 10
    with pytest.raises(LimitError) as e:
        f.quote(_order(sku.sku_id))
    assert e.value.field == "customer.annual_total_fen"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": (OrderLine("NOPE", 1),)}, "sku_id"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 5000}, "quantity"),
        ({"purchase_mode": "teleport"}, "purchase_mode"),
        ({"purchase_mode": "sample"}, "store_id"),
        ({"deliver_by": DAY - dt.timedelta(days=1)}, "deliver_by"),
    ],
)
def test_bad_orders(world: Catalog, book: RuleBook, change: dict[str, object], field: str) -> None:
    """Bad orders fail naming the field."""
    f = Fulfiller(world, book)
    sku = _sku_everywhere(world)
    change = dict(change)
    q = change.pop("quantity", 1)
    lines = change.pop("lines", None)
    order = _order(sku.sku_id, q, **change)  # type: ignore[arg-type]
    if lines is not None:
        order = Order("o1", "C000001", DAY, "online", lines)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as e:
        f.quote(order)
    assert e.value.field == field


def test_unknown_customer(world: Catalog, book: RuleBook) -> None:
    """An unknown customer is NotFoundError."""
    sku = _sku_everywhere(world)
    with pytest.raises(NotFoundError):
        Fulfiller(world, book).quote(
            Order("o", "ghost", DAY, "online", (OrderLine(sku.sku_id, 1),))
        )


def test_catalog_rejects_unlisted_hs(world: Catalog) -> None:
    """A SKU whose HS heading is off the positive list, or whose class disagrees, fails."""
    base = next(iter(world.skus.values()))
    with pytest.raises(InvalidInputError) as e:
        world.add_sku(
            Sku("X1", base.merchant_id, "merchant", "9301000000", 100, 100, 100, "general")
        )
    assert e.value.field == "hs_code"
    with pytest.raises(InvalidInputError) as e:
        world.add_sku(
            Sku("X2", base.merchant_id, "merchant", "3304990000", 100, 100, 100, "general")
        )
    assert e.value.field == "tax_class"
    with pytest.raises(InvalidInputError) as e:
        world.add_sku(
            Sku("X3", base.merchant_id, "merchant", "3304990000", 100, 100, 0, "cosmetics_premium")
        )
    assert e.value.field == "unit_price_fen"
    assert "X1" not in world.skus
    assert "X3" not in world.skus
