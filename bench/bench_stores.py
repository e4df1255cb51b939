"""Community stores: a dispatch round and the quote at order time.

Quick mode: 100 open orders, 30 couriers. Full (``YUNLI_BENCH_FULL=1``): 1,000 open
orders and 300 couriers, the size of issue 12's target (round p95 ≤ 200 ms, quote p99
≤ 20 ms). ``python -m bench.stores_report --round`` gives percentiles;
``python -m bench.stores_report --seeds 0 1 2`` the city day against the baselines.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from bench.conftest import size
from engine.stores.dispatch import Dispatcher
from engine.stores.model import Courier, Order, Site, Sku, StoreNetwork
from engine.stores.simulate import DAY_MIDNIGHT
from engine.units import EARTH_RADIUS_M

ORDERS = size(100, 1_000)
COURIERS = size(30, 300)
T0 = DAY_MIDNIGHT + 11 * 3600


def _offset(c: tuple[float, float], north: float, east: float) -> tuple[float, float]:
    return (
        c[0] + math.degrees(north / EARTH_RADIUS_M),
        c[1] + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(c[0])))),
    )


@pytest.fixture(scope="module")
def disp() -> tuple[Dispatcher, Any]:
    rng = np.random.default_rng(0)
    center = (30.29365, 120.16142)
    stores = [
        Site(f"S{i}", "store", *_offset(center, *rng.uniform(-6000, 6000, 2)), radius_m=1_500)
        for i in range(max(2, COURIERS // 15))
    ]
    couriers = [
        Courier(f"c{k}", "ebike", stores[k % len(stores)].site_id, ((T0, T0 + 8 * 3600),))
        for k in range(COURIERS)
    ]
    net = StoreNetwork.build(
        stores,
        [Sku("milk", "milk", 1, 1, 1200)],
        couriers,
        {s.site_id: {"milk": 10**6} for s in stores},
    )
    d = Dispatcher(net, T0, time_limit=0.15)
    d.advance(T0)

    def order(i: int) -> Order:
        s = stores[int(rng.integers(0, len(stores)))]
        home = _offset(s.point, *rng.uniform(-700, 700, 2))
        return Order(
            f"o{i}",
            s.site_id,
            (("milk", 1),),
            T0,
            home[0],
            home[1],
            ready_at=T0 + int(rng.integers(0, 900)),
        )

    for i in range(ORDERS):
        d.place(order(i))
    d.dispatch()
    return d, order


def test_dispatch_round(benchmark: Any, disp: tuple[Dispatcher, Any]) -> None:
    d, _ = disp
    res = benchmark.pedantic(d.dispatch, rounds=3, iterations=1)
    assert res is not None


def test_quote(benchmark: Any, disp: tuple[Dispatcher, Any]) -> None:
    d, order = disp
    o = order(10**6)
    q = benchmark(d.quote, o)
    assert q.options
