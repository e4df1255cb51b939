"""Issue 13 performance figures: quote latency and a day's consolidation.

* Quote (fulfilment choice + tax + promised date) of 5-line orders with 50 warehouses
  (30 bonded, 20 overseas with an air and a sea leg each) and 20,000 SKUs: p50/p99 over
  ``--quotes`` orders, wall and CPU time.
* A day's consolidation of ``--parcels`` overseas orders (one departure per leg) packed with
  the load planner: wall and CPU time, units against the planner's lower bound and the
  first-fit-decreasing baseline, load factor, and cost against each parcel shipped alone.

Run: ``python bench/crossborder_report.py --quotes 2000 --parcels 50000``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
from typing import Any

from engine.crossborder.consolidate import Parcel, consolidate
from engine.crossborder.fulfil import Fulfiller, Order, OrderLine
from engine.crossborder.model import Catalog
from engine.crossborder.ruleset import RuleBook
from engine.crossborder.world import build_world

DAY = dt.date(2026, 3, 3)


def quote_world(
    book: RuleBook, skus: int = 20_000, seed: int = 0, bonded_share: float = 0.4
) -> Catalog:
    """50 warehouses (30 bonded, 20 overseas) and ``skus`` SKUs; each bonded warehouse
    stocks ``bonded_share`` of the SKUs."""
    return build_world(
        book.tax(DAY),
        seed=seed,
        skus=skus,
        bonded=30,
        overseas=20,
        customers=2000,
        merchants=50,
        bonded_share=bonded_share,
    )


def five_line_orders(cat: Catalog, n: int, seed: int = 0) -> list[Order]:
    """Online orders of five cheap SKUs held together by at least one warehouse."""
    rng = random.Random(seed)
    pools = [
        [s for s in w.stock if cat.skus[s].unit_price_fen <= 60_000]
        for w in cat.warehouses.values()
        if w.kind == "overseas"
    ]
    custs = sorted(cat.customers)
    out = []
    for i in range(n):
        pool = rng.choice(pools)
        lines = tuple(OrderLine(s, 1) for s in rng.sample(pool, 5))
        dl = rng.choice((None, 4, 7, 14))
        out.append(
            Order(
                f"Q{i}",
                rng.choice(custs),
                DAY,
                "online",
                lines,
                deliver_by=None if dl is None else DAY + dt.timedelta(days=dl),
            )
        )
    return out


def bench_quotes(book: RuleBook, n: int, bonded_share: float = 0.4) -> dict[str, Any]:
    """Quote ``n`` orders one by one; latency percentiles and options priced per quote."""
    t0 = time.perf_counter()
    cat = quote_world(book, bonded_share=bonded_share)
    build_s = time.perf_counter() - t0
    f = Fulfiller(cat, book)
    orders = five_line_orders(cat, n)
    for o in orders[:50]:  # warm the lead-time caches
        f.quote(o)
    lat, cpu_lat, n_opts = [], [], 0
    c0 = time.process_time()
    w0 = time.perf_counter()
    for o in orders:
        t, ct = time.perf_counter(), time.thread_time()
        n_opts += len(f.quote(o).options)
        cpu_lat.append((time.thread_time() - ct) * 1000)
        lat.append((time.perf_counter() - t) * 1000)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    lat.sort()
    cpu_lat.sort()
    return {
        "warehouses": len([w for w in cat.warehouses.values() if w.kind != "store"]),
        "skus": len(cat.skus),
        "orders": n,
        "bonded_share": bonded_share,
        "mean_options_priced": n_opts / n,
        "world_build_s": build_s,
        "p50_ms": lat[len(lat) // 2],
        "p99_ms": lat[min(len(lat) - 1, int(0.99 * len(lat)))],
        "max_ms": lat[-1],
        "cpu_p50_ms": cpu_lat[len(cpu_lat) // 2],
        "cpu_p99_ms": cpu_lat[min(len(cpu_lat) - 1, int(0.99 * len(cpu_lat)))],
        "wall_s": wall,
        "cpu_s": cpu,
    }


def day_parcels(cat: Catalog, n: int, seed: int = 0) -> list[Parcel]:
    """``n`` parcels ready on one day, over every leg (3 overseas warehouses × air/sea)."""
    rng = random.Random(seed)
    legs = sorted(cat.legs)
    custs = sorted(cat.customers)
    return [
        Parcel(
            f"P{i}",
            rng.choice(legs),
            DAY,
            rng.randint(150, 4000),
            rng.randint(200, 15_000),
            rng.choice(custs),
        )
        for i in range(n)
    ]


def bench_consolidation(book: RuleBook, n: int, time_limit: float) -> dict[str, Any]:
    """Consolidate a day's ``n`` parcels; time, units, bound, baseline, load factor, cost."""
    cat = build_world(book.tax(DAY), seed=0, skus=50, customers=2000)
    parcels = day_parcels(cat, n)
    c0, w0 = time.process_time(), time.perf_counter()
    deps = consolidate(parcels, cat, time_limit_per_departure=time_limit)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    units = sum(len(d.units) for d in deps)
    wsum = {"weight": 0.0, "volume": 0.0}
    for d in deps:
        for k in wsum:
            wsum[k] += d.load_factor[k] * len(d.units)
    return {
        "parcels": n,
        "departures": len(deps),
        "units": units,
        "lower_bound": sum(d.lower_bound for d in deps),
        "ffd_units": sum(d.baseline_units for d in deps),
        "load_factor_weight": wsum["weight"] / units,
        "load_factor_volume": wsum["volume"] / units,
        "consolidated_yuan": sum(d.consolidated_fen for d in deps) / 100,
        "alone_yuan": sum(d.alone_fen for d in deps) / 100,
        "methods": sorted({d.method for d in deps}),
        "wall_s": wall,
        "cpu_s": cpu,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both measurements and print them as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quotes", type=int, default=2000)
    ap.add_argument("--parcels", type=int, default=50_000)
    ap.add_argument("--pack-time-limit", type=float, default=4.0)
    ap.add_argument("--skip-consolidation", action="store_true")
    ap.add_argument("--bonded-share", type=float, default=0.4)
    a = ap.parse_args(argv)
    book = RuleBook.load()
    out = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "load_avg_before": os.getloadavg(),
        "quote": bench_quotes(book, a.quotes, a.bonded_share),
        "consolidation": None
        if a.skip_consolidation
        else bench_consolidation(book, a.parcels, a.pack_time_limit),
        "load_avg_after": os.getloadavg(),
    }
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
