"""``yunli demo`` section: a community-store morning in Hangzhou, quotes, dispatch,
the day against the baselines, and the next morning's replenishment vans."""

from __future__ import annotations

import time

from engine.data.loaders import World
from engine.stores.dispatch import Dispatcher, OrderStatus
from engine.stores.model import local_seconds
from engine.stores.replenish import forecast_demand, order_up_to, plan_replenishment
from engine.stores.simulate import DAY_MIDNIGHT, city_store_day, demand_history, simulate


def _hm(t: int) -> str:
    s = local_seconds(t)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def section_stores(world: World) -> str:
    """Quote and place the first orders of a store day, dispatch them, replay a short
    day under Yunli and the two baselines, and plan the replenishment vans."""
    del world  # the store demo runs on its own Hangzhou store day
    day = city_store_day("Hangzhou", n_orders=80, ebikes_per_store=1, seed=7)
    d = Dispatcher(day.network, day.start, weather=day.weather, time_limit=0.1)
    lines = [
        f"{day.city}: 3 stores, campus gate and village stations, "
        f"{len(day.network.couriers)} couriers, {len(day.orders)} orders, rain 14:00-17:30"
    ]
    placed: list[OrderStatus] = []
    for o in day.orders:
        if len(placed) == 3:
            break
        d.advance(o.placed_at)
        t0 = time.perf_counter()
        try:
            q = d.quote(o)
        except Exception as e:
            lines.append(f"  {o.order_id} {_hm(o.placed_at)} refused: {e}")
            continue
        ms = (time.perf_counter() - t0) * 1000
        opts = "; ".join(
            f"{x.kind} by {_hm(x.promise)} ¥{x.fee.total / 100:.2f}" for x in q.options
        )
        lines.append(f"  {o.order_id} {_hm(o.placed_at)} quote in {ms:.1f} ms: {opts}")
        st = d.place(o, 0)
        placed.append(st)
        d.dispatch()
        eta = "-" if st.eta is None else _hm(st.eta)
        lines.append(
            f"    dispatch round {d.round_seconds[-1] * 1000:.0f} ms: {st.courier_id}, "
            f"delivery ETA {eta}"
        )
    for pol in ("yunli", "greedy", "nearest_idle"):
        r = simulate(day, pol, time_limit=0.05).row()
        lines.append(
            f"  {pol:12s} within 30 min {r['within_30_min']:.0%}, click-to-door "
            f"{r['ctd_mean_min']} min (p95 {r['ctd_p95_min']}), {r['km_per_order']} km/order"
        )
    fc = forecast_demand(demand_history("Hangzhou", 7))
    net = city_store_day("Hangzhou", seed=7, stock_scale=0.2).network
    plan = plan_replenishment(
        net,
        order_up_to(net, fc, DAY_MIDNIGHT + 8 * 3600),
        (30.35, 120.21),
        DAY_MIDNIGHT,
        time_limit=0.5,
    )
    lines.append(f"Replenishment at a 95% service level: {plan.summary()}")
    return "\n".join(lines)
