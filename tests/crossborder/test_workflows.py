"""Customs (三单, holds, rejections) and the order, return and onboarding state machines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from engine.crossborder.customs import check_records, clear, declare, release
from engine.crossborder.errors import CustomsHoldError, CustomsRejectedError, TransitionError
from engine.crossborder.fulfil import Fulfiller, Order, OrderLine, Quote
from engine.crossborder.model import Catalog, great_circle_km
from engine.crossborder.ruleset import RuleBook
from engine.crossborder.workflows import ONBOARDING_STEPS, CrossBorderOrder, Onboarding, ReturnFlow
from engine.errors import InvalidInputError

from .conftest import DAY


def _quote(
    world: Catalog, book: RuleBook, owner: str = "merchant", tax_class: str | None = None
) -> Quote:
    f = Fulfiller(world, book)
    for s in world.skus.values():
        if s.owner != owner or s.unit_price_fen > 200_000:
            continue
        if tax_class is not None and s.tax_class != tax_class:
            continue
        if any(
            w.kind != "store" and w.stock.get(s.sku_id, 0) > 0 for w in world.warehouses.values()
        ):
            return f.quote(Order("o1", "C000001", DAY, "online", (OrderLine(s.sku_id, 2),)))
    raise AssertionError("no SKU")


def _cleared(world: Catalog, book: RuleBook, **kw: str) -> CrossBorderOrder:
    q = _quote(world, book, **kw)
    o = CrossBorderOrder.from_quote(q, book.orders(DAY))
    o.pay(DAY)
    d = declare(q, world, DAY)
    o.declare(d)
    rng = random.Random(1)
    while True:
        try:
            c = clear(d, book.customs(DAY), book.tax(DAY), rng)
            break
        except CustomsHoldError as h:
            c = release(d, h, book.customs(DAY))
            break
    o.cleared(c)
    return o


def test_three_records_agree(world: Catalog, book: RuleBook) -> None:
    """The declared records agree: payer = buyer, paid = goods + freight + tax."""
    q = _quote(world, book)
    d = declare(q, world, DAY)
    assert (
        d.payment.amount_fen == q.chosen.goods_fen + q.chosen.freight_fen + q.chosen.tax.total_fen
    )
    check_records(d, book.customs(DAY), book.tax(DAY))
    assert d.tax_version == q.tax_version


@pytest.mark.parametrize(
    ("record", "change", "word"),
    [
        ("payment", {"payer_id": "someone else"}, "payment.payer_id"),
        ("payment", {"amount_fen": 1}, "payment.amount_fen"),
        ("waybill", {"order_id": "other"}, "waybill.order_id"),
        ("waybill", {"consignee_id": "x"}, "waybill.consignee_id"),
    ],
)
def test_mismatched_records_rejected(
    world: Catalog, book: RuleBook, record: str, change: dict[str, object], word: str
) -> None:
    """Records that disagree are rejected naming the field; the order moves to rejected
    and is refunded in full."""
    q = _quote(world, book)
    d = declare(q, world, DAY)
    d = dataclasses.replace(d, **{record: dataclasses.replace(getattr(d, record), **change)})
    o = CrossBorderOrder.from_quote(q, book.orders(DAY))
    o.pay(DAY)
    o.declare(d)
    with pytest.raises(CustomsRejectedError) as e:
        clear(d, book.customs(DAY), book.tax(DAY), random.Random(0))
    assert word in e.value.reason
    assert e.value.order_id == "o1"
    o.rejected(e.value, DAY)
    assert o.state == "rejected"
    assert o.refund_fen == q.chosen.landed_fen


def test_holds_follow_the_rate(world: Catalog, book: RuleBook) -> None:
    """Inspection holds happen at the table's rate (bonded 1.5%, direct mail 4%) and
    raise CustomsHoldError with the extra days; clearance days follow the distribution."""
    q = _quote(world, book)
    d = declare(q, world, DAY)
    rng = random.Random(3)
    held: list[CustomsHoldError] = []
    n = 4000
    for _ in range(n):
        try:
            c = clear(d, book.customs(DAY), book.tax(DAY), rng)
        except CustomsHoldError as h:
            held.append(h)
            continue
        assert c.days <= book.customs(DAY).modes[d.mode].clearance.max_days
    assert all(h.extra_days >= 1 for h in held)
    assert all(h.release_after_days >= h.extra_days for h in held)
    holds = len(held)
    rate = book.customs(DAY).modes[d.mode].hold_bp / 10_000
    assert abs(holds / n - rate) < 4 * (rate * (1 - rate) / n) ** 0.5 + 1e-9


def test_cancel_rules(world: Catalog, book: RuleBook) -> None:
    """A paid cross-border order may be cancelled; a declared one may not (field state),
    nor a shipped one; a spot purchase never."""
    q = _quote(world, book)
    o = CrossBorderOrder.from_quote(q, book.orders(DAY))
    o.pay(DAY)
    o.cancel(DAY)
    assert o.state == "cancelled"
    assert o.refund_fen == q.chosen.landed_fen
    o2 = CrossBorderOrder.from_quote(q, book.orders(DAY))
    o2.pay(DAY)
    o2.declare(declare(q, world, DAY))
    with pytest.raises(TransitionError) as e:
        o2.cancel(DAY)
    assert e.value.field == "state"
    assert "orders-2019.1" in str(e.value)
    assert o2.state == "declared"
    o3 = _cleared(world, book)
    o3.ship(DAY + dt.timedelta(days=3))
    with pytest.raises(TransitionError):
        o3.cancel(DAY + dt.timedelta(days=3))
    with pytest.raises(TransitionError):
        o3.pay(DAY + dt.timedelta(days=3))


def test_return_merchant_goods(world: Catalog, book: RuleBook) -> None:
    """Merchant goods go back to the merchant; goods and tax are refunded within the windows;
    a request past the 7-day window fails naming return_window_days."""
    o = _cleared(world, book, owner="merchant", tax_class="general")
    o.ship(DAY + dt.timedelta(days=2))
    o.deliver(DAY + dt.timedelta(days=4))
    sku = o.quote.order.lines[0].sku_id
    with pytest.raises(TransitionError) as e:
        ReturnFlow.request(o, world, {sku: 1}, DAY + dt.timedelta(days=12))
    assert e.value.field == "return_window_days"
    r = ReturnFlow.request(o, world, {sku: 1}, DAY + dt.timedelta(days=8))
    assert r.route[sku] == ("merchant",)
    r.approve(DAY + dt.timedelta(days=8))
    with pytest.raises(TransitionError):
        r.arrive(sku, "platform_warehouse", DAY + dt.timedelta(days=9))
    r.arrive(sku, "merchant", DAY + dt.timedelta(days=10))
    total = r.refund(DAY + dt.timedelta(days=11))
    goods = dict(o.quote.chosen.line_goods)[sku] // 2
    tax = o.quote.chosen.tax.lines[0].total_fen // 2
    assert (r.goods_refund_fen, r.tax_refund_fen, total) == (goods, tax, goods + tax)
    assert r.state == "refunded"


def test_return_platform_goods_go_on(world: Catalog, book: RuleBook) -> None:
    """Platform goods go to the merchant, then on to the platform's warehouse; the refund
    waits until they are there; tax is not refunded past 30 days of clearance."""
    o = _cleared(world, book, owner="platform", tax_class="general")
    o.ship(DAY + dt.timedelta(days=1))
    o.deliver(DAY + dt.timedelta(days=2))
    sku = o.quote.order.lines[0].sku_id
    r = ReturnFlow.request(o, world, {sku: 2}, DAY + dt.timedelta(days=5))
    assert r.route[sku] == ("merchant", "platform_warehouse")
    r.approve(DAY + dt.timedelta(days=5))
    r.arrive(sku, "merchant", DAY + dt.timedelta(days=7))
    with pytest.raises(TransitionError):
        r.refund(DAY + dt.timedelta(days=7))
    assert r.restock(sku, "merchant", world) is None
    r.arrive(sku, "platform_warehouse", DAY + dt.timedelta(days=20))
    assert r.restock(sku, "platform_warehouse", world) == (o.quote.chosen.warehouse_id, 2)
    r.refund(DAY + dt.timedelta(days=60))
    assert r.tax_refund_fen == 0
    assert r.goods_refund_fen == dict(o.quote.chosen.line_goods)[sku]
    # Returned in full: the whole dutiable value leaves the annual total.
    assert o.quote.chosen.tax.counts_toward_annual
    assert r.annual_credit_fen == o.quote.chosen.tax.dutiable_fen
    # Served from a store's shelf: back to the bonded warehouse nearest the store.
    shelf = next(w for w in world.warehouses.values() if w.kind == "store")
    chosen = dataclasses.replace(o.quote.chosen, warehouse_id=shelf.warehouse_id)
    o.quote = dataclasses.replace(o.quote, chosen=chosen)
    wid, units = r.restock(sku, "platform_warehouse", world) or ("", 0)
    bonded = [w for w in world.warehouses.values() if w.kind == "bonded"]
    near = min(
        bonded, key=lambda w: great_circle_km(shelf.lat, shelf.lon, w.lat, w.lon)
    ).warehouse_id
    assert (wid, units) == (near, 2)


def test_partial_refunds_give_back_the_dutiable_value_exactly(
    world: Catalog, book: RuleBook
) -> None:
    """Two partial returns of a platform order give back, together, exactly its dutiable
    value (cumulative shares); the first alone about half of it."""
    o = _cleared(world, book, owner="platform", tax_class="general")
    o.ship(DAY + dt.timedelta(days=1))
    o.deliver(DAY + dt.timedelta(days=2))
    sku = o.quote.order.lines[0].sku_id
    credits = []
    for earlier in ({}, {sku: 1}):
        r = ReturnFlow.request(o, world, {sku: 1}, DAY + dt.timedelta(days=3), earlier)
        r.approve(DAY + dt.timedelta(days=3))
        r.arrive(sku, "merchant", DAY + dt.timedelta(days=4))
        r.arrive(sku, "platform_warehouse", DAY + dt.timedelta(days=5))
        r.refund(DAY + dt.timedelta(days=6), earlier)
        credits.append(r.annual_credit_fen)
    dut = o.quote.chosen.tax.dutiable_fen
    assert credits[0] == dut // 2
    assert sum(credits) == dut
    with pytest.raises(InvalidInputError):
        ReturnFlow.request(o, world, {sku: 3}, DAY + dt.timedelta(days=5))


def test_food_is_not_returnable(world: Catalog, book: RuleBook) -> None:
    """Food has a zero-day window in the policy table."""
    o = _cleared(world, book, owner="merchant", tax_class="food")
    o.ship(DAY + dt.timedelta(days=5))
    o.deliver(DAY + dt.timedelta(days=6))
    with pytest.raises(TransitionError) as e:
        ReturnFlow.request(o, world, {o.quote.order.lines[0].sku_id: 1}, DAY + dt.timedelta(days=7))
    assert e.value.field == "return_window_days"


def test_onboarding_in_order() -> None:
    """Eight steps strictly in order; skipping or repeating fails naming the step."""
    ob = Onboarding("M001")
    with pytest.raises(TransitionError) as e:
        ob.advance("shop", DAY)
    assert e.value.field == "step"
    with pytest.raises(InvalidInputError):
        ob.advance("bribe", DAY)
    for i, (step, _) in enumerate(ONBOARDING_STEPS):
        ob.advance(step, DAY + dt.timedelta(days=i))
    assert ob.complete
    assert ob.next_step is None
    assert len(ob.done) == 8
    with pytest.raises(TransitionError):
        ob.advance("settle", DAY + dt.timedelta(days=9))
