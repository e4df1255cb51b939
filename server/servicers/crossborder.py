# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.CrossBorder``: rule tables, import tax, durable merchant onboarding, and the
cross-border order and return workflows over a stored catalog.

The rules are :mod:`engine.crossborder` (fulfilment choice, tax, the three records and
clearance, the order and return state machines); this servicer only loads the state an
action needs from the :class:`~server.store.crossborder.CrossBorderStore`, applies the rule
and writes the result in the same transaction. The catalog (merchants, SKUs, warehouses,
legs, customers) is kept decoded in memory and re-read whenever its stored revision
changes; the stock of the SKUs an order names and the customer's annual total are read
from the database inside each transaction, so several servers sharing one database agree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import grpc

from engine.crossborder.customs import check_records, clear, declare, release
from engine.crossborder.errors import CustomsHoldError, CustomsRejectedError, TransitionError
from engine.crossborder.fulfil import Fulfiller, Option, Order, OrderLine, Quote
from engine.crossborder.io import (
    catalog_from_dict,
    order_state_from_dict,
    order_state_to_dict,
    return_from_dict,
    return_to_dict,
)
from engine.crossborder.model import Catalog
from engine.crossborder.ruleset import RuleBook
from engine.crossborder.tax import TaxLine, compute_tax
from engine.crossborder.workflows import CrossBorderOrder, ReturnFlow
from engine.errors import InvalidInputError, NotFoundError
from server.gen.yunli.v1 import crossborder_pb2 as pb
from server.status import AlreadyExistsError
from server.store.crossborder import CrossBorderStore, CrossBorderTx

#: The generated gRPC module (untyped generated code).
crossborder_grpc: Any = importlib.import_module("server.gen.yunli.v1.crossborder_pb2_grpc")


def _day(text: str, field: str) -> dt.date:
    if not text:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError.at(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _order_in(r: Any) -> Order:
    if not r.order_id:
        raise InvalidInputError.at("order_id", "is empty")
    if not r.customer_id:
        raise InvalidInputError.at("customer_id", "is empty", r.order_id)
    return Order(
        r.order_id,
        r.customer_id,
        _day(r.order_date, "order_date"),
        r.purchase_mode or "online",
        tuple(OrderLine(x.sku_id, x.quantity) for x in r.lines),
        store_id=r.store_id or None,
        deliver_by=_day(r.deliver_by, "deliver_by") if r.deliver_by else None,
    )


def _option_pb(o: Option) -> Any:
    return pb.CrossBorderOption(
        source=o.source,
        warehouse_id=o.warehouse_id,
        leg_id=o.leg_id or "",
        goods_fen=o.goods_fen,
        freight_fen=o.freight_fen,
        handling_fen=o.handling_fen,
        customs_fee_fen=o.customs_fee_fen,
        tax_fen=o.tax.total_fen,
        landed_fen=o.landed_fen,
        promise_days=o.promise_days,
        promised_date=o.promised_date.isoformat(),
        meets_deadline=o.meets_deadline,
        treatment=o.tax.treatment,
    )


def _quote_pb(q: Quote) -> Any:
    t = q.chosen.tax
    return pb.CrossBorderQuote(
        order_id=q.order.order_id,
        chosen=_option_pb(q.chosen),
        alternatives=[_option_pb(o) for o in q.options if o is not q.chosen],
        excluded=[pb.CrossBorderExcluded(warehouse_id=w, reason=why) for w, why in q.excluded],
        reason=q.reason,
        tax_version=q.tax_version,
        customs_version=q.customs_version,
        policy_version=q.policy_version,
        shippers=[pb.CrossBorderShipper(sku_id=s, shipper=who) for s, who in q.shippers],
        taxes=[
            pb.CrossBorderLineTax(
                sku_id=x.sku_id,
                tariff_fen=x.tariff_fen,
                consumption_fen=x.consumption_fen,
                vat_fen=x.vat_fen,
            )
            for x in t.lines
        ],
        tax_reason=t.reason,
        dutiable_fen=t.dutiable_fen,
        annual_after_fen=t.annual_after_fen,
        on_time=q.on_time,
    )


def _events(h: Iterable[tuple[str, dt.date, str]]) -> list[Any]:
    return [pb.CrossBorderEvent(state=s, date=d.isoformat(), note=n) for s, d, n in h]


def _order_pb(o: CrossBorderOrder, rev: int) -> Any:
    out = pb.CrossBorderOrderState(
        order_id=o.order_id,
        kind=o.kind,
        state=o.state,
        customer_id=o.quote.order.customer_id,
        quote=_quote_pb(o.quote),
        history=_events(o.history),
        exception_kind=o.exception[0] if o.exception else "",
        exception_reason=o.exception[1] if o.exception else "",
        delivered_on=o.delivered_on.isoformat() if o.delivered_on else "",
        refund_fen=o.refund_fen,
        policy_version=o.policy.version,
        revision=rev,
    )
    if o.clearance is not None:
        out.cleared_on = o.clearance.released_on.isoformat()
        out.clearance_days = o.clearance.days
        out.held_days = o.clearance.held_days
    d = o.declaration
    if d is not None:
        out.declaration.CopyFrom(
            pb.CrossBorderDeclaration(
                order_id=d.order.order_id,
                buyer_id=d.order.buyer_id,
                lines=[
                    pb.CrossBorderDeclaredLine(
                        sku_id=x.sku_id,
                        hs_code=x.hs_code,
                        quantity=x.quantity,
                        value_fen=x.value_fen,
                    )
                    for x in d.order.lines
                ],
                goods_fen=d.order.goods_fen,
                freight_fen=d.order.freight_fen,
                tax_fen=d.order.tax_fen,
                payment_id=d.payment.payment_id,
                payer_id=d.payment.payer_id,
                paid_fen=d.payment.amount_fen,
                waybill_id=d.waybill.waybill_id,
                consignee_id=d.waybill.consignee_id,
                weight_g=d.waybill.weight_g,
                mode=d.mode,
                declared_on=d.declared_on.isoformat(),
                tax_version=d.tax_version,
            )
        )
    return out


def _return_pb(body: Mapping[str, Any], rev: int) -> Any:
    return pb.CrossBorderReturnState(
        return_id=body["return_id"],
        order_id=body["order_id"],
        state=body["state"],
        requested_on=body["requested_on"],
        lines=[
            pb.CrossBorderReturnLine(
                sku_id=s, quantity=q, route=body["route"][s], at=body["at"].get(s, "")
            )
            for s, q in body["lines"].items()
        ],
        history=[pb.CrossBorderEvent(state=a, date=b, note=c) for a, b, c in body["history"]],
        goods_refund_fen=body["goods_refund_fen"],
        tax_refund_fen=body["tax_refund_fen"],
        revision=rev,
    )


#: What ``ClearOrder`` accepts as ``outcome``.
OUTCOMES = ("", "release", "hold", "reject")


class CrossBorderServicer:
    """Implements ``yunli.v1.CrossBorder`` over the shipped rule tables and a
    :class:`~server.store.crossborder.CrossBorderStore`."""

    def __init__(self, store: CrossBorderStore, book: RuleBook | None = None) -> None:
        self._store = store
        self._book = book or RuleBook.load()
        self._lock = threading.Lock()
        self._cat: Catalog | None = None
        self._fulfiller: Fulfiller | None = None
        self._cat_rev = -1

    # ---- catalog ----------------------------------------------------------------------------
    def _catalog(self, tx: CrossBorderTx) -> Fulfiller:
        rev = tx.catalog_rev()
        if rev is None:
            raise NotFoundError("catalog: none stored (call PutCatalog first)")
        if rev != self._cat_rev or self._fulfiller is None:
            got = tx.catalog()
            assert got is not None
            body, checked_on, rev = got
            cat = catalog_from_dict(
                json.loads(body), self._book.tax(dt.date.fromisoformat(checked_on))
            )
            self._cat, self._fulfiller, self._cat_rev = cat, Fulfiller(cat, self._book), rev
        return self._fulfiller

    def _prepare(self, tx: CrossBorderTx, order: Order) -> Fulfiller:
        """The fulfiller with the database's stock of the order's SKUs and the customer's
        annual total applied to the in-memory catalog."""
        f = self._catalog(tx)
        cat = f.catalog
        skus = {ln.sku_id for ln in order.lines if ln.sku_id in cat.skus}
        stock = tx.stock(skus)
        for w in cat.warehouses.values():
            for s in skus:
                q = stock.get((w.warehouse_id, s), 0)
                if q > 0:
                    w.stock[s] = q
                else:
                    w.stock.pop(s, None)
        c = cat.customers.get(order.customer_id)
        if c is not None:
            year = order.order_date.year
            c.annual_total_fen[year] = tx.usage(c.customer_id, year)
        return f

    def PutCatalog(self, request: pb.PutCatalogRequest, context: grpc.ServicerContext) -> Any:
        try:
            data = json.loads(request.catalog_json)
        except json.JSONDecodeError as e:
            raise InvalidInputError.at("catalog_json", f"malformed JSON: {e}") from None
        today = dt.datetime.now(dt.UTC).date()
        cat = catalog_from_dict(data, self._book.tax(today))
        stock = [
            (w.warehouse_id, s, q) for w in cat.warehouses.values() for s, q in w.stock.items()
        ]
        usage = [
            (c.customer_id, y, v)
            for c in cat.customers.values()
            for y, v in c.annual_total_fen.items()
        ]
        with self._lock, self._store.write() as tx:
            tx.put_catalog(request.catalog_json, today, stock, usage)
            rev = tx.rev
        assert rev is not None
        return pb.CatalogSummary(
            merchants=len(cat.merchants),
            skus=len(cat.skus),
            warehouses=len(cat.warehouses),
            stores=len(cat.stores),
            legs=len(cat.legs),
            customers=len(cat.customers),
            revision=rev,
            tax_version=cat.rules.version,
        )

    # ---- orders -----------------------------------------------------------------------------
    def QuoteOrder(self, request: pb.CrossBorderOrderRequest, context: grpc.ServicerContext) -> Any:
        order = _order_in(request)
        with self._lock, self._store.read() as tx:
            return _quote_pb(self._prepare(tx, order).quote(order))

    def PlaceOrder(self, request: pb.CrossBorderOrderRequest, context: grpc.ServicerContext) -> Any:
        order = _order_in(request)
        with self._lock, self._store.write() as tx:
            if tx.order(order.order_id) is not None:
                raise AlreadyExistsError(f"order_id: {order.order_id!r} is already placed")
            q = self._prepare(tx, order).quote(order)
            o = CrossBorderOrder.from_quote(q, self._book.orders(order.order_date))
            for ln in order.lines:
                tx.add_stock(q.chosen.warehouse_id, ln.sku_id, -ln.quantity)
            t = q.chosen.tax
            if t.counts_toward_annual:
                tx.set_usage(order.customer_id, order.order_date.year, t.annual_after_fen)
            tx.put_order(order_state_to_dict(o), order.customer_id)
            assert tx.rev is not None
            return _order_pb(o, tx.rev)

    def _give_back(self, tx: CrossBorderTx, o: CrossBorderOrder) -> None:
        """A cancelled or rejected order returns its stock and its annual total."""
        q = o.quote
        for ln in q.order.lines:
            tx.add_stock(q.chosen.warehouse_id, ln.sku_id, ln.quantity)
        t = q.chosen.tax
        if t.counts_toward_annual:
            cid, year = q.order.customer_id, q.order.order_date.year
            tx.set_usage(cid, year, max(0, tx.usage(cid, year) - t.dutiable_fen))

    def _act(
        self,
        order_id: str,
        fn: Callable[[CrossBorderTx, CrossBorderOrder, dict[str, Any]], None],
    ) -> Any:
        """Load an order, apply ``fn`` (which may change the extra stored fields), write it
        back — all in one transaction (an exception writes nothing)."""
        if not order_id:
            raise InvalidInputError.at("order_id", "is empty")
        with self._lock, self._store.write() as tx:
            got = tx.order(order_id)
            if got is None:
                raise NotFoundError(f"order_id: no cross-border order {order_id!r}")
            body = got[0]
            o = order_state_from_dict(body, self._book)
            extra = {k: v for k, v in body.items() if k == "hold"}
            fn(tx, o, extra)
            out = order_state_to_dict(o)
            out.update(extra)
            tx.put_order(out, o.quote.order.customer_id)
            assert tx.rev is not None
            return _order_pb(o, tx.rev)

    def PayOrder(self, request: pb.CrossBorderActionRequest, context: grpc.ServicerContext) -> Any:
        day = _day(request.date, "date")
        return self._act(request.order_id, lambda tx, o, x: o.pay(day))

    def DeclareOrder(
        self, request: pb.CrossBorderActionRequest, context: grpc.ServicerContext
    ) -> Any:
        day = _day(request.date, "date")

        def go(tx: CrossBorderTx, o: CrossBorderOrder, extra: dict[str, Any]) -> None:
            cat = self._catalog(tx).catalog
            gone = [ln.sku_id for ln in o.quote.order.lines if ln.sku_id not in cat.skus]
            if gone:  # the catalog was replaced since the order was placed
                raise NotFoundError(f"sku_id: {gone[0]!r} is no longer in the catalog")
            o.declare(declare(o.quote, cat, day, payer_id=request.payer_id or None))

        return self._act(request.order_id, go)

    def ClearOrder(
        self, request: pb.ClearCrossBorderOrderRequest, context: grpc.ServicerContext
    ) -> Any:
        day = _day(request.date, "date")
        outcome = request.outcome
        if outcome not in OUTCOMES:
            raise InvalidInputError.at(
                "outcome", f"must be one of {list(OUTCOMES)}", request.order_id
            )
        if outcome == "hold" and request.extra_days < 1:
            raise InvalidInputError.at(
                "extra_days", "a hold needs extra_days >= 1", request.order_id
            )
        if outcome == "reject" and not request.reason:
            raise InvalidInputError.at("reason", "a rejection needs a reason", request.order_id)

        def go(tx: CrossBorderTx, o: CrossBorderOrder, extra: dict[str, Any]) -> None:
            decl = o.declaration
            if decl is None or o.state not in ("declared", "held"):
                raise TransitionError.at(
                    "state",
                    f"customs answers declared or held orders; this one is {o.state!r}",
                    o.order_id,
                )
            customs = self._book.customs(decl.declared_on)
            tax = self._book.tax(decl.declared_on)
            try:
                if outcome == "reject":
                    raise CustomsRejectedError(o.order_id, request.reason)
                check_records(decl, customs, tax)
                if outcome == "hold":
                    if o.state == "held":
                        raise TransitionError.at("state", "already held", o.order_id)
                    after = (day - decl.declared_on).days + request.extra_days
                    raise CustomsHoldError(
                        o.order_id, request.reason or "inspection", request.extra_days, after
                    )
                if outcome == "release":
                    held = int(extra["hold"][1]) if "hold" in extra else 0
                    days = (day - decl.declared_on).days
                    c = dataclasses.replace(
                        release(decl, CustomsHoldError(o.order_id, "", held, days), customs),
                        released_on=day,
                    )
                elif o.state == "held":
                    reason, ex, after = extra["hold"]
                    c = release(decl, CustomsHoldError(o.order_id, reason, ex, after), customs)
                    if c.released_on < day:
                        c = dataclasses.replace(c, released_on=day)
                else:
                    c = clear(decl, customs, tax, random.Random(f"clear:{o.order_id}"))
                o.cleared(c)
            except CustomsRejectedError as rej:
                o.rejected(rej, day)
                self._give_back(tx, o)
            except CustomsHoldError as h:
                o.held(h, day)
                extra["hold"] = [h.reason, h.extra_days, h.release_after_days]

        return self._act(request.order_id, go)

    def ShipOrder(self, request: pb.CrossBorderActionRequest, context: grpc.ServicerContext) -> Any:
        day = _day(request.date, "date")
        return self._act(request.order_id, lambda tx, o, x: o.ship(day))

    def DeliverOrder(
        self, request: pb.CrossBorderActionRequest, context: grpc.ServicerContext
    ) -> Any:
        day = _day(request.date, "date")
        return self._act(request.order_id, lambda tx, o, x: o.deliver(day))

    def CancelOrder(
        self, request: pb.CrossBorderActionRequest, context: grpc.ServicerContext
    ) -> Any:
        day = _day(request.date, "date")

        def go(tx: CrossBorderTx, o: CrossBorderOrder, extra: dict[str, Any]) -> None:
            o.cancel(day)
            self._give_back(tx, o)

        return self._act(request.order_id, go)

    def GetOrder(
        self, request: pb.GetCrossBorderOrderRequest, context: grpc.ServicerContext
    ) -> Any:
        with self._lock, self._store.read() as tx:
            got = tx.order(request.order_id)
        if got is None:
            raise NotFoundError(f"order_id: no cross-border order {request.order_id!r}")
        return _order_pb(order_state_from_dict(got[0], self._book), got[1])

    def ListOrders(
        self, request: pb.ListCrossBorderOrdersRequest, context: grpc.ServicerContext
    ) -> Any:
        with self._lock, self._store.read() as tx:
            rows = tx.orders(request.customer_id, request.state)
        return pb.ListCrossBorderOrdersResponse(
            orders=[_order_pb(order_state_from_dict(b, self._book), r) for b, r in rows]
        )

    # ---- returns ----------------------------------------------------------------------------
    def RequestReturn(
        self, request: pb.RequestCrossBorderReturnRequest, context: grpc.ServicerContext
    ) -> Any:
        day = _day(request.date, "date")
        lines: dict[str, int] = {}
        for x in request.lines:
            if x.sku_id in lines:
                raise InvalidInputError.at("lines", f"{x.sku_id} given twice", request.order_id)
            lines[x.sku_id] = x.quantity
        with self._lock, self._store.write() as tx:
            got = tx.order(request.order_id)
            if got is None:
                raise NotFoundError(f"order_id: no cross-border order {request.order_id!r}")
            o = order_state_from_dict(got[0], self._book)
            earlier = tx.returns_of(o.order_id)
            done: dict[str, int] = {}
            for r in earlier:
                for s, q in r["lines"].items():
                    done[s] = done.get(s, 0) + int(q)
            flow = ReturnFlow.request(o, self._catalog(tx).catalog, lines, day, done)
            rid = request.return_id or f"{o.order_id}-R{len(earlier) + 1}"
            if tx.return_(rid) is not None:
                raise AlreadyExistsError(f"return_id: {rid!r} exists")
            body = return_to_dict(flow, rid)
            tx.put_return(body)
            assert tx.rev is not None
            return _return_pb(body, tx.rev)

    def AdvanceReturn(
        self, request: pb.AdvanceCrossBorderReturnRequest, context: grpc.ServicerContext
    ) -> Any:
        day = _day(request.date, "date")
        if request.action not in ("approve", "arrive", "refund"):
            raise InvalidInputError.at(
                "action", "must be approve, arrive or refund", request.return_id
            )
        with self._lock, self._store.write() as tx:
            got = tx.return_(request.return_id)
            if got is None:
                raise NotFoundError(f"return_id: no return {request.return_id!r}")
            body = got[0]
            order = tx.order(body["order_id"])
            assert order is not None
            flow = return_from_dict(body, order_state_from_dict(order[0], self._book))
            if request.action == "approve":
                flow.approve(day)
            elif request.action == "arrive":
                flow.arrive(request.sku_id, request.place, day)
                back = flow.restock(request.sku_id, request.place, self._catalog(tx).catalog)
                if back is not None:  # platform goods back in the platform's stock
                    wid, units = back
                    tx.add_stock(wid, request.sku_id, units)
                    s, d, note = flow.history[-1]
                    flow.history[-1] = (s, d, f"{note}; +{units} into {wid} stock")
            else:
                earlier: dict[str, int] = {}
                for r in tx.returns_of(flow.order.order_id):
                    if r["return_id"] != request.return_id and r["state"] == "refunded":
                        for sku_id, n in r["lines"].items():
                            earlier[sku_id] = earlier.get(sku_id, 0) + int(n)
                flow.refund(day, earlier)
                if flow.annual_credit_fen:  # the refunded value no longer counts
                    od = flow.order.quote.order
                    cid, year = od.customer_id, od.order_date.year
                    used = tx.usage(cid, year)
                    tx.set_usage(cid, year, max(0, used - flow.annual_credit_fen))
            out = return_to_dict(flow, request.return_id)
            tx.put_return(out)
            assert tx.rev is not None
            return _return_pb(out, tx.rev)

    def GetReturn(
        self, request: pb.GetCrossBorderReturnRequest, context: grpc.ServicerContext
    ) -> Any:
        with self._lock, self._store.read() as tx:
            got = tx.return_(request.return_id)
        if got is None:
            raise NotFoundError(f"return_id: no return {request.return_id!r}")
        return _return_pb(got[0], got[1])

    # ---- rules, tax, onboarding ---------------------------------------------------------------

    def ListRules(self, request: pb.ListRulesRequest, context: grpc.ServicerContext) -> Any:
        day = _day(request.date, "date")
        return pb.ListRulesResponse(
            tables=[
                pb.RuleTable(
                    family=t.family,
                    version=t.version,
                    effective_from=t.effective_from.isoformat(),
                    effective_to=t.effective_to.isoformat() if t.effective_to else "",
                    in_force=t.covers(day),
                )
                for fam in sorted(self._book.tables)
                for t in self._book.tables[fam]
            ]
        )

    def QuoteTax(self, request: pb.QuoteTaxRequest, context: grpc.ServicerContext) -> Any:
        rules = self._book.tax(_day(request.date, "date"))
        lines = [
            TaxLine(x.sku_id or f"line{i + 1}", x.tax_class, x.quantity, x.value_fen)
            for i, x in enumerate(request.lines)
        ]
        q = compute_tax(lines, rules, request.annual_used_fen)
        return pb.QuoteTaxResponse(
            rules_version=q.rules_version,
            treatment=q.treatment,
            reason=q.reason,
            lines=[
                pb.CrossBorderLineTax(
                    sku_id=t.sku_id,
                    tariff_fen=t.tariff_fen,
                    consumption_fen=t.consumption_fen,
                    vat_fen=t.vat_fen,
                )
                for t in q.lines
            ],
            dutiable_fen=q.dutiable_fen,
            total_fen=q.total_fen,
            annual_after_fen=q.annual_after_fen,
        )

    @staticmethod
    def _state(ob: Any, rev: int) -> Any:
        return pb.OnboardingState(
            merchant_id=ob.merchant_id,
            done=[pb.OnboardingStep(step=s, date=d.isoformat()) for s, d in ob.done],
            next_step=ob.next_step or "",
            complete=ob.complete,
            revision=rev,
        )

    def AdvanceOnboarding(
        self, request: pb.AdvanceOnboardingRequest, context: grpc.ServicerContext
    ) -> Any:
        if not request.merchant_id:
            raise InvalidInputError.at("merchant_id", "is empty")
        ob, rev = self._store.advance(request.merchant_id, request.step, _day(request.date, "date"))
        return self._state(ob, rev)

    def GetOnboarding(self, request: pb.GetOnboardingRequest, context: grpc.ServicerContext) -> Any:
        ob, rev = self._store.onboarding(request.merchant_id)
        return self._state(ob, rev)


def register(server: grpc.Server, store: Any) -> None:
    """Add the ``CrossBorder`` service to ``server``, stored in ``store``'s database."""
    crossborder_grpc.add_CrossBorderServicer_to_server(
        CrossBorderServicer(CrossBorderStore(store)), server
    )
