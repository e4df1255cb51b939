"""Store subsystem figures (issue 12): the city day against the baselines, dispatch-round
latency at 1,000 open orders and 300 couriers, and quote latency.

Usage::

    python -m bench.stores_report --seeds 0 1 2            # city days, all policies
    python -m bench.stores_report --round --orders 1000 --couriers 300
    python -m bench.stores_report --seeds 0 --quick        # small, for a smoke run

CPU time is shown beside wall time: the machine is shared, so compare policies (and
Yunli vs baselines) within one run.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from typing import Any

import numpy as np

from engine.live import PositionUpdate
from engine.stores.dispatch import Dispatcher
from engine.stores.model import Courier, Order, Site, Sku, StoreNetwork
from engine.stores.simulate import DAY_MIDNIGHT, POLICIES, city_store_day, simulate
from engine.units import EARTH_RADIUS_M


def _offset(c: tuple[float, float], north: float, east: float) -> tuple[float, float]:
    return (
        c[0] + math.degrees(north / EARTH_RADIUS_M),
        c[1] + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(c[0])))),
    )


def big_round(
    n_orders: int,
    n_couriers: int,
    rounds: int,
    time_limit: float,
    seed: int = 0,
    engine: str = "rounds",
) -> dict[str, float]:
    """A dispatcher with ``n_couriers`` couriers around 20 Hangzhou stores and
    ``n_orders`` open orders; then ``rounds`` rounds, each with 10 new orders and the
    couriers' positions. Returns latency percentiles (ms) of rounds and quotes."""
    rng = np.random.default_rng(seed)
    center = (30.29365, 120.16142)
    n_stores = 20
    stores = []
    for i in range(n_stores):
        p = _offset(center, rng.uniform(-6000, 6000), rng.uniform(-6000, 6000))
        stores.append(Site(f"S{i}", "store", p[0], p[1], radius_m=1_500))
    t0 = DAY_MIDNIGHT + 11 * 3600
    couriers = [
        Courier(f"c{k}", "ebike", f"S{k % n_stores}", ((t0, t0 + 8 * 3600),))
        for k in range(n_couriers)
    ]
    net = StoreNetwork.build(
        stores,
        [Sku("milk", "milk", 1, 1, 1200)],
        couriers,
        {s.site_id: {"milk": 10**6} for s in stores},
    )
    # "full": the store round with every courier re-planned in every round (no focus).
    d = (
        Dispatcher(net, t0, time_limit=time_limit, engine="rounds", focus_above_jobs=0)
        if engine == "full"
        else Dispatcher(net, t0, time_limit=time_limit, engine=engine)
    )
    d.advance(t0)

    def order(i: int, t: int) -> Order:
        s = stores[int(rng.integers(0, n_stores))]
        r, th = 1000 * math.sqrt(rng.random()), rng.random() * 2 * math.pi
        home = _offset(s.point, r * math.cos(th), r * math.sin(th))
        return Order(
            f"o{i}",
            s.site_id,
            (("milk", 1),),
            t,
            home[0],
            home[1],
            ready_at=t + int(rng.integers(0, 900)),
        )

    quote_ms: list[float] = []
    quote_cpu: list[float] = []

    def place(o: Order) -> None:
        q0, c0 = time.perf_counter(), time.process_time()
        d.place(o)
        quote_ms.append((time.perf_counter() - q0) * 1000)
        quote_cpu.append((time.process_time() - c0) * 1000)

    for i in range(n_orders):
        place(order(i, t0))
    c0, w0 = time.process_time(), time.perf_counter()
    d.dispatch()
    first = ((time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000)
    round_ms: list[float] = []
    round_cpu: list[float] = []
    t = t0
    k = n_orders
    for _ in range(rounds):
        t += 10
        ups = []
        for vid, v in d.plan.vehicles.items():
            if v.route:
                j = d.plan.jobs[v.route[0]]
                ups.append(
                    PositionUpdate(
                        t, vid, v.lat + 0.2 * (j.lat - v.lat), v.lon + 0.2 * (j.lon - v.lon)
                    )
                )
        d.advance(t, ups)
        for _ in range(10):
            place(order(k, t))
            k += 1
        c0, w0 = time.process_time(), time.perf_counter()
        d.dispatch()
        round_ms.append((time.perf_counter() - w0) * 1000)
        round_cpu.append((time.process_time() - c0) * 1000)
    assigned = sum(1 for st in d.orders.values() if st.courier_id is not None)
    parts = {}
    if d.round_stats:
        steady = d.round_stats[1:] or d.round_stats
        for part in (
            "build_s",
            "search_s",
            "apply_s",
            "build_cpu_s",
            "search_cpu_s",
            "apply_cpu_s",
        ):
            vals = [getattr(x, part) * 1000 for x in steady]
            parts[f"{part[:-2]}_p50_ms"] = float(np.percentile(vals, 50))
    late = 0 if d.last_result is None else d.last_result.forecast.late_stops
    # Plan quality after the last round: predicted click-to-door of every open order and
    # the planned distance (the same orders arrive for every engine).
    ctd: list[float] = []
    km = 0.0
    if d.last_result is not None:
        for f in d.last_result.forecast.vehicles.values():
            km += f.distance_m / 1000
            for s in f.stops:
                oid, _, kind = s.job_id.rpartition(":")
                if kind == "delivery" and oid in d.orders:
                    ctd.append((s.service_start - d.orders[oid].order.placed_at) / 60)
    return {
        **parts,
        "late_stops": float(late),
        "plan_ctd_mean_min": float(np.mean(ctd)) if ctd else 0.0,
        "plan_ctd_p90_min": float(np.percentile(ctd, 90)) if ctd else 0.0,
        "plan_km": km,
        "first_round_ms": first[0],
        "first_round_cpu_ms": first[1],
        "rounds": float(len(round_ms)),
        "round_max_ms": float(np.max(round_ms)),
        "round_p50_ms": float(np.percentile(round_ms, 50)),
        "round_p95_ms": float(np.percentile(round_ms, 95)),
        "round_cpu_p50_ms": float(np.percentile(round_cpu, 50)),
        "round_cpu_p95_ms": float(np.percentile(round_cpu, 95)),
        "quote_p50_ms": float(np.percentile(quote_ms, 50)),
        "quote_p99_ms": float(np.percentile(quote_ms, 99)),
        "quote_cpu_p99_ms": float(np.percentile(quote_cpu, 99)),
        "open_orders": float(len(d.orders)),
        "assigned": float(assigned),
    }


def _simulate(day: Any, policy: str, time_limit: float) -> Any:
    """``simulate``; ``yunli-live`` is Yunli on the general live re-planner."""
    if policy == "yunli-live":
        return simulate(day, "yunli", time_limit=time_limit, engine="live")
    return simulate(day, policy, time_limit=time_limit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="*", default=[])
    ap.add_argument("--orders", type=int, default=360)
    ap.add_argument("--ebikes", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--round", action="store_true", help="the 1,000 × 300 round benchmark")
    ap.add_argument("--couriers", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=0.15)
    ap.add_argument(
        "--engines",
        default="rounds,live",
        help="dispatch engines of the round benchmark, in this order (rounds: the store "
        "round with kept matrices, focus rounds above 800 jobs; full: the same with every "
        "courier re-planned in every round; live: the general live re-planner)",
    )
    ap.add_argument(
        "--mdrp",
        type=int,
        nargs=2,
        metavar=("ORDERS", "COURIERS"),
        help="a generated MDRP instance of this size, every policy, under the exact MDRP "
        "rules (bench.mdrp_report)",
    )
    ap.add_argument(
        "--with-live",
        action="store_true",
        help="also run Yunli on the general live re-planner (policy yunli-live)",
    )
    args = ap.parse_args()
    policies = [*POLICIES[:1], *(["yunli-live"] if args.with_live else []), *POLICIES[1:]]
    print(f"cores {os.cpu_count()}, load {os.getloadavg()}")
    if args.round:
        for eng in args.engines.split(","):
            r = big_round(args.orders, args.couriers, args.rounds, args.time_limit, engine=eng)
            print(f"[{eng}] load {os.getloadavg()}")
            print(
                f"[{eng}] {args.rounds} steady rounds: wall p50 {r['round_p50_ms']:.1f} ms, "
                f"p95 {r['round_p95_ms']:.1f} ms, max {r['round_max_ms']:.1f} ms; "
                f"CPU p50 {r['round_cpu_p50_ms']:.1f} ms, p95 {r['round_cpu_p95_ms']:.1f} ms; "
                f"first round wall {r['first_round_ms']:.1f} ms (CPU "
                f"{r['first_round_cpu_ms']:.1f} ms); quote wall p99 {r['quote_p99_ms']:.1f} ms "
                f"(CPU p99 {r['quote_cpu_p99_ms']:.1f} ms)"
            )
            print(f"[{eng}] " + " ".join(f"{k} {v:.1f}" for k, v in r.items()))
    for seed in args.seeds:
        day = city_store_day(
            n_orders=60 if args.quick else args.orders, ebikes_per_store=args.ebikes, seed=seed
        )
        print(f"\nseed {seed}: {len(day.orders)} orders, {len(day.network.couriers)} couriers")
        keys = None
        for pol in policies:
            c0 = time.process_time()
            rep = _simulate(day, pol, args.time_limit)
            row = rep.row()
            row["policy"] = pol
            row["cpu_s"] = round(time.process_time() - c0, 1)
            if rep.round_ms:
                row["round_p50_ms"] = round(float(np.percentile(rep.round_ms, 50)))
                row["round_p95_ms"] = round(float(np.percentile(rep.round_ms, 95)))
                row["quote_p99_ms"] = round(float(np.percentile(rep.quote_ms, 99)), 1)
            if keys is None:
                keys = list(row)
                print("| " + " | ".join(keys) + " |")
                print("|" + "---|" * len(keys))
            print("| " + " | ".join(str(row.get(k, "")) for k in keys) + " |")
    if args.mdrp:
        from bench.mdrp_report import HEADER, mdrp_rows

        print(f"\n{HEADER}")
        for row in mdrp_rows(*args.mdrp, seed=args.seeds[0] if args.seeds else 0):
            print(row)
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
