"""A seeded year of cross-border demand, three policies in the same run.

Policies:

* ``yunli``: each order quoted by :class:`engine.crossborder.Fulfiller` (least landed cost
  meeting the customer's date, over store shelf, bonded stock and direct mail), and bonded
  stock replenished by :func:`engine.crossborder.replenish.plan_replenishment` (forecast by
  exponential smoothing of each warehouse's own sales, reorder point and EOQ, sea or air)
  for the SKUs that sell often enough;
* ``direct``: always overseas direct mail (the cheapest leg meeting the date, else the
  fastest);
* ``bonded``: always bonded stock, every SKU in every bonded warehouse, naive fixed rule
  (on hand + on order below 20 units: order 100 by sea); a stock-out is served late by
  air direct mail.

Every policy sees the same orders (same seed). Delivery dates are drawn from each option's
lead-time distribution (customs holds included), customs clearance from the customs table,
and the direct-mail parcels of each policy are consolidated per departure with the load
planner, against shipping each parcel alone.

Run: ``python bench/crossborder_sim.py --days 365 --orders-per-day 100 --seed 1``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from engine.crossborder.consolidate import Parcel, consolidate
from engine.crossborder.customs import clear, declare
from engine.crossborder.errors import CustomsHoldError, LimitError
from engine.crossborder.fulfil import Fulfiller, Option, Order, OrderLine, Quote
from engine.crossborder.model import Catalog, Sku
from engine.crossborder.replenish import DemandForecast, plan_replenishment
from engine.crossborder.ruleset import RuleBook
from engine.crossborder.world import build_world
from engine.errors import InfeasibleError

START = dt.date(2026, 1, 1)
MODES = (("online", 60), ("share", 15), ("touchscreen", 10), ("sample", 10), ("spot", 5))
DEADLINES = ((3, 20), (5, 30), (7, 25), (14, 15), (None, 10))
NAIVE_MIN, NAIVE_QTY = 20, 100
POLICIES = ("yunli", "direct", "bonded")
#: Yearly cost of holding bonded stock, basis points of its value (capital, space, risk).
HOLDING_BP_PER_YEAR = 2500


@dataclass
class Demand:
    """The orders of the year, generated once and replayed under every policy."""

    days: list[list[Order]]


def make_demand(cat: Catalog, days: int, per_day: int, seed: int) -> Demand:
    """Seeded orders: SKU popularity and customer activity are heavy-tailed (so the annual
    limit bites for the busiest buyers); lines of one order share an origin country."""
    rng = random.Random(seed)
    skus = sorted(cat.skus)
    pop = [1.0 / (i + 1) ** 0.9 for i in range(len(skus))]
    rng.shuffle(pop)
    origin = {
        s: next(w.country for w in cat.warehouses.values() if w.kind == "overseas" and s in w.stock)
        for s in skus
    }
    by_origin: dict[str, list[str]] = defaultdict(list)
    for s in skus:
        by_origin[origin[s]].append(s)
    custs = sorted(cat.customers)
    cw = [1.0 / (i + 1) ** 0.6 for i in range(len(custs))]
    stores = sorted(cat.stores)
    out: list[list[Order]] = []
    k = 0
    for d in range(days):
        day = START + dt.timedelta(days=d)
        todays = []
        n = max(0, round(rng.gauss(per_day, math.sqrt(per_day))))
        for _ in range(n):
            first = rng.choices(skus, pop)[0]
            lines = {first: rng.choice((1, 1, 1, 2))}
            for _ in range(rng.choice((0, 0, 1, 2))):
                lines.setdefault(rng.choice(by_origin[origin[first]]), 1)
            mode = rng.choices([m for m, _ in MODES], [w for _, w in MODES])[0]
            store = None
            if mode != "online":
                store = rng.choice(stores)
                sm = cat.stores[store].merchant_id
                lines = {
                    s: q
                    for s, q in lines.items()
                    if cat.skus[s].owner == "platform" or cat.skus[s].merchant_id == sm
                }
                if mode == "spot":
                    shelf = cat.warehouses[cat.stores[store].warehouse_id].stock
                    lines = {rng.choice(sorted(shelf)): 1}
                if not lines:
                    mode, store, lines = "online", None, {first: 1}
            dl = rng.choices([x for x, _ in DEADLINES], [w for _, w in DEADLINES])[0]
            todays.append(
                Order(
                    f"O{k:07d}",
                    rng.choices(custs, cw)[0],
                    day,
                    mode,
                    tuple(OrderLine(s, q) for s, q in lines.items()),
                    store,
                    None if dl is None else day + dt.timedelta(days=dl),
                )
            )
            k += 1
        out.append(todays)
    return Demand(out)


@dataclass
class Stats:
    """What one policy did over the year."""

    orders: int = 0
    served: int = 0
    on_time: int = 0
    with_deadline: int = 0
    promise_kept: int = 0
    refused_limit: int = 0
    refused_by_field: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    general_trade: int = 0
    landed_fen: int = 0
    tax_fen: int = 0
    freight_fen: int = 0
    stockouts: int = 0
    inventory_value_days: int = 0
    inventory_units_days: int = 0
    replenish_orders: dict[str, int] = field(default_factory=lambda: {"air": 0, "sea": 0})
    replenish_freight_fen: int = 0
    sources: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    clearance_days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    holds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    parcels: list[Parcel] = field(default_factory=list)


def _pick(q: Quote, policy: str) -> Option | None:
    """The option a baseline policy takes from the quoted options."""
    if policy == "yunli" or q.chosen.source == "store":
        return q.chosen  # a spot purchase comes off the store's shelf under every policy
    want = "direct_mail" if policy == "direct" else "bonded"
    opts = [o for o in q.options if o.source == want]
    if not opts:
        return None
    ok = [o for o in opts if o.meets_deadline]
    if ok:
        return min(ok, key=lambda o: o.landed_fen)
    return min(opts, key=lambda o: (o.promise_days, o.landed_fen))


def run_policy(
    policy: str,
    demand: Demand,
    book: RuleBook,
    seed: int,
    world_args: dict[str, Any],
    stock_min_rate: float = 0.05,
) -> Stats:
    """Replay the year under one policy; returns its statistics."""
    tax_rules = book.tax(START)
    cat = build_world(tax_rules, seed=seed, **world_args)
    bonded = [w for w in cat.warehouses.values() if w.kind == "bonded"]
    overseas_of: dict[str, list[Any]] = {}
    for w in cat.warehouses.values():
        if w.kind == "overseas":
            for s in w.stock:
                overseas_of[s] = cat.legs_from[w.warehouse_id]
    # Bonded stock per policy.
    for w in bonded:
        if policy == "direct":
            w.stock = {}
        elif policy == "bonded":
            w.stock = dict.fromkeys(cat.skus, NAIVE_QTY)
        else:
            w.stock = {}
    rng = random.Random(seed * 7919 + POLICIES.index(policy))
    f = Fulfiller(cat, book)
    st = Stats()
    customs = book.customs(START)
    clearance = customs.modes["bonded"].clearance
    on_order: dict[tuple[str, str], int] = defaultdict(int)
    arrivals: dict[dt.date, list[tuple[str, str, int]]] = defaultdict(list)
    sales: dict[tuple[str, str], list[int]] = defaultdict(list)
    today_sales: dict[tuple[str, str], int] = defaultdict(int)
    forecast: dict[tuple[str, str], DemandForecast] = {}
    plans: dict[tuple[str, str], Any] = {}
    # Yunli warm start: a forecast of each warehouse's share of the SKU's demand, from the
    # first four weeks of orders (what the merchant's history would show).
    if policy == "yunli":
        counts: dict[str, int] = defaultdict(int)
        for day_orders in demand.days[:28]:
            for o in day_orders:
                for ln in o.lines:
                    counts[ln.sku_id] += ln.quantity
        for s, c in counts.items():
            rate = c / 28 / len(bonded)
            if rate >= stock_min_rate:
                for w in bonded:
                    forecast[(w.warehouse_id, s)] = DemandForecast(rate, math.sqrt(rate))
                    w.stock[s] = math.ceil(rate * 30)

    def replenish(day: dt.date) -> None:
        for w in bonded:
            for s in (
                list(w.stock)
                if policy == "bonded"
                else [k[1] for k in forecast if k[0] == w.warehouse_id]
            ):
                key = (w.warehouse_id, s)
                pos = w.stock.get(s, 0) + on_order[key]
                sku = cat.skus[s]
                if policy == "bonded":
                    if pos < NAIVE_MIN:
                        leg = next(lg for lg in overseas_of[s] if lg.mode == "sea")
                        _order_stock(w.warehouse_id, sku, leg, NAIVE_QTY, day)
                    continue
                if key not in plans or day.weekday() == 0:
                    plans[key] = plan_replenishment(sku, overseas_of[s], clearance, forecast[key])
                p = plans[key].chosen
                if pos <= p.reorder_point:
                    leg = cat.legs[p.leg_id]
                    _order_stock(
                        w.warehouse_id,
                        sku,
                        leg,
                        max(p.order_quantity, p.reorder_point - pos + 1),
                        day,
                    )

    def _order_stock(wid: str, sku: Sku, leg: Any, qty: int, day: dt.date) -> None:
        wait = leg.days_to_departure((day.weekday() + 1) % 7)
        lead = 1 + wait + leg.transit.sample(rng) + clearance.sample(rng)
        arrivals[day + dt.timedelta(days=lead)].append((wid, sku.sku_id, qty))
        on_order[(wid, sku.sku_id)] += qty
        st.replenish_orders[leg.mode] += 1
        st.replenish_freight_fen += qty * leg.freight_fen(sku.weight_g, sku.volume_ml)

    for d, orders in enumerate(demand.days):
        day = START + dt.timedelta(days=d)
        for wid, s, q in arrivals.pop(day, []):
            w = cat.warehouses[wid]
            w.stock[s] = w.stock.get(s, 0) + q
            on_order[(wid, s)] -= q
        for o in orders:
            st.orders += 1
            try:
                q = f.quote(o)
            except LimitError as e:
                st.refused_limit += 1
                st.refused_by_field[str(e.field)] += 1
                continue
            except InfeasibleError:
                st.stockouts += 1
                continue
            opt = _pick(q, policy)
            if opt is None and policy == "bonded":
                st.stockouts += 1
                direct = [x for x in q.options if x.source == "direct_mail"]
                if not direct:
                    continue
                opt = min(direct, key=lambda x: (x.promise_days, x.landed_fen))
            if opt is None:
                st.stockouts += 1
                continue
            q = Quote(
                o, opt, q.options, q.excluded, q.reason, q.tax_version, q.customs_version,
                q.policy_version, q.shippers,
            )  # fmt: skip
            f.commit(q)
            st.served += 1
            st.sources[opt.source] += 1
            st.landed_fen += opt.landed_fen
            st.tax_fen += opt.tax.total_fen
            st.freight_fen += opt.freight_fen
            st.general_trade += opt.tax.treatment == "general_trade"
            if opt.source == "bonded":
                for ln in o.lines:
                    today_sales[(opt.warehouse_id, ln.sku_id)] += ln.quantity
            # Customs: declare and clear (holds add days).
            mode = "direct_mail" if opt.source == "direct_mail" else "bonded"
            decl = declare(q, cat, day)
            try:
                c = clear(decl, customs, tax_rules, rng)
                cdays = c.days
            except CustomsHoldError as h:
                st.holds[mode] += 1
                cdays = h.release_after_days
            st.clearance_days[mode].append(cdays)
            actual = 0 if opt.source == "store" else opt.before_clearance.sample(rng) + cdays
            st.promise_kept += actual <= opt.promise_days
            if o.deliver_by is not None:
                st.with_deadline += 1
                st.on_time += day + dt.timedelta(days=actual) <= o.deliver_by
            if opt.source == "direct_mail":
                assert opt.leg_id is not None
                wg = sum(cat.skus[ln.sku_id].weight_g * ln.quantity for ln in o.lines)
                vol = sum(cat.skus[ln.sku_id].volume_ml * ln.quantity for ln in o.lines)
                st.parcels.append(
                    Parcel(
                        o.order_id, opt.leg_id, day + dt.timedelta(days=1), wg, vol, o.customer_id
                    )
                )
        # DemandForecast update from today's sales, replenishment, inventory held.
        if policy == "yunli":
            for key in forecast:
                x = today_sales.get(key, 0)
                fc = forecast[key]
                err = x - fc.mean
                forecast[key] = DemandForecast(
                    fc.mean + 0.1 * err, math.sqrt(0.9 * fc.sd**2 + 0.1 * err * err)
                )
                sales[key].append(x)
        today_sales.clear()
        if policy != "direct":
            replenish(day)
        for w in bonded:
            for s, units in w.stock.items():
                st.inventory_units_days += units
                st.inventory_value_days += units * cat.skus[s].unit_price_fen
    return st


def summarise(name: str, st: Stats, days: int, time_limit: float) -> dict[str, Any]:
    """Figures of one policy, with the consolidation of its direct-mail parcels."""
    t0 = time.perf_counter()
    deps = (
        consolidate(st.parcels, _CAT[0], time_limit_per_departure=time_limit) if st.parcels else []
    )
    cons_s = time.perf_counter() - t0
    holding = st.inventory_value_days * HOLDING_BP_PER_YEAR // 10_000 // 365
    units = sum(len(d.units) for d in deps)
    cons = sum(d.consolidated_fen for d in deps)
    alone = sum(d.alone_fen for d in deps)
    best = sum(d.cost_fen for d in deps)
    consolidated_departures = sum(d.consolidate for d in deps)
    lf_w = [d.load_factor["weight"] for d in deps]
    lf_v = [d.load_factor["volume"] for d in deps]
    cd = {
        m: (sum(v) / len(v), sorted(v)[int(0.95 * (len(v) - 1))])
        for m, v in st.clearance_days.items()
        if v
    }
    return {
        "policy": name,
        "orders": st.orders,
        "served": st.served,
        "refused_by_limit": st.refused_limit,
        "refused_by_field": dict(st.refused_by_field),
        "general_trade": st.general_trade,
        "on_time_share": st.on_time / st.with_deadline if st.with_deadline else math.nan,
        "promise_kept_share": st.promise_kept / st.served if st.served else math.nan,
        "landed_per_order_yuan": st.landed_fen / max(1, st.served) / 100,
        "tax_paid_yuan": st.tax_fen / 100,
        "stockouts": st.stockouts,
        "inventory_units_avg": st.inventory_units_days / days,
        "inventory_value_avg_yuan": st.inventory_value_days / days / 100,
        "holding_cost_yuan": holding / 100,
        "cost_per_order_incl_holding_yuan": (st.landed_fen + holding + st.replenish_freight_fen)
        / max(1, st.served)
        / 100,
        "replenish_orders": dict(st.replenish_orders),
        "replenish_freight_yuan": st.replenish_freight_fen / 100,
        "sources": dict(st.sources),
        "clearance_days_mean_p95": cd,
        "holds": dict(st.holds),
        "direct_parcels": len(st.parcels),
        "departures": len(deps),
        "units": units,
        "consolidated_yuan": cons / 100,
        "alone_yuan": alone / 100,
        "consolidation_saving_share": (1 - cons / alone) if alone else math.nan,
        "departures_consolidated": consolidated_departures,
        "cheaper_of_both_yuan": best / 100,
        "cheaper_of_both_saving_share": (1 - best / alone) if alone else math.nan,
        "load_factor_weight": sum(lf_w) / len(lf_w) if lf_w else math.nan,
        "load_factor_volume": sum(lf_v) / len(lf_v) if lf_v else math.nan,
        "consolidation_s": cons_s,
    }


_CAT: list[Catalog] = []


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the three policies and print (or write) the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--orders-per-day", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skus", type=int, default=300)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--pack-time-limit", type=float, default=2.0)
    ap.add_argument(
        "--stock-min-rate",
        type=float,
        default=0.05,
        help="yunli stocks a SKU in bonded warehouses from this many sales a day per warehouse",
    )
    ap.add_argument("--json", help="write the figures to this file")
    a = ap.parse_args(argv)
    book = RuleBook.load()
    world_args = {"skus": a.skus, "customers": a.customers, "bonded": 3, "merchants": 10}
    _CAT.append(build_world(book.tax(START), seed=a.seed, **world_args))
    demand = make_demand(_CAT[0], a.days, a.orders_per_day, a.seed)
    out: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "args": vars(a),
        "policies": [],
    }
    for p in POLICIES:
        t0, c0 = time.perf_counter(), time.process_time()
        st = run_policy(p, demand, book, a.seed, world_args, a.stock_min_rate)
        fig = summarise(p, st, a.days, a.pack_time_limit)
        fig["wall_s"] = time.perf_counter() - t0
        fig["cpu_s"] = time.process_time() - c0
        out["policies"].append(fig)
        print(json.dumps(fig, default=str))
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1, default=str)
    return out


if __name__ == "__main__":
    main()
