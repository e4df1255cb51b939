"""The store dispatch round (engine/stores/rounds.py): matrices kept between rounds, one
native problem per round, and courier off times enforced as the MDRP rules say (no pickup
after the off time; deliveries on board may finish)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import InvalidInputError
from engine.geo import SpeedProfile, distance_matrix
from engine.live import PositionUpdate, forecast
from engine.stores.dispatch import Dispatcher
from engine.stores.model import PLAN_CIRCUITY, Courier, Site, Sku, StoreNetwork
from engine.stores.rounds import RoundCache, RoundStats, dispatch_round
from tests.stores.test_dispatch import LAT, LON, T0, _at, _net, _order


def test_cache_adds_only_new_points_and_matches_a_fresh_matrix() -> None:
    cache = RoundCache(PLAN_CIRCUITY)
    pts = [_at(0, 0), _at(300, 0), _at(0, 500)]
    cache.ensure(pts, ["van"])
    assert cache.rebuilt_points == 3
    cache.ensure([*pts, _at(-200, 100)], ["van", "trailer"])
    assert cache.rebuilt_points == 4  # one new point: one new row and column
    order = [cache.index[p] for p in [*pts, _at(-200, 100)]]
    lat = np.array([p[0] for p in [*pts, _at(-200, 100)]])
    lon = np.array([p[1] for p in [*pts, _at(-200, 100)]])
    fresh = distance_matrix(lat, lon, circuity=PLAN_CIRCUITY)
    assert np.array_equal(cache.dist[np.ix_(order, order)], fresh)
    for prof in ("van", "trailer"):
        want = SpeedProfile.for_type(prof).seconds(fresh)
        assert np.array_equal(cache.durs[prof][np.ix_(order, order)], want)
    # Points no longer used are dropped once they are a quarter of the table; the rest
    # keep their values.
    cache.ensure([pts[0], pts[1]], ["van"])
    assert cache.size == 2
    i, j = cache.index[pts[0]], cache.index[pts[1]]
    assert cache.dist[i, j] == fresh[0, 1]
    assert cache.rebuilt_points == 4


def test_rounds_reuse_the_matrices_of_known_points() -> None:
    net = _net([Courier("c1", "ebike", "S", ((T0, T0 + 4 * 3600),))])
    d = Dispatcher(net, T0, time_limit=0.05)
    d.advance(T0)
    d.place(_order("o1", T0 + 10, _at(0, 600)))
    d.dispatch()
    known = d.round_cache.rebuilt_points
    d.advance(T0 + 60, [PositionUpdate(T0 + 60, "c1", *_at(0, 50))])
    d.dispatch()  # only the courier moved: no point of the table is recomputed
    assert d.round_cache.rebuilt_points == known
    d.place(_order("o2", T0 + 70, _at(400, 0)))
    d.dispatch()  # one new home: one new point
    assert d.round_cache.rebuilt_points == known + 1
    assert {s.order.order_id: s.courier_id for s in d.orders.values()} == {
        "o1": "c1",
        "o2": "c1",
    }


def test_no_pickup_after_a_couriers_off_time() -> None:
    """c1 is off at T0+600; the order is ready at T0+900. The round leaves it waiting
    (not on c1) until c2 comes on shift, then c2 takes it (the general live re-planner
    extends every shift and would plan the pickup on c1)."""
    couriers = [
        Courier("c1", "ebike", "S", ((T0, T0 + 600),)),
        Courier("c2", "ebike", "S", ((T0 + 1_200, T0 + 4 * 3600),)),
    ]
    d = Dispatcher(_net(couriers), T0, time_limit=0.05)
    d.advance(T0)
    q = d.quote(_order("o1", T0 + 60, _at(0, 600), ready=840))
    assert q.options[0].courier_id is None  # the quote does not count on c1 either
    assert q.options[0].eta > T0 + 1_200  # but on c2, once on shift
    st = d.place(_order("o1", T0 + 60, _at(0, 600), ready=840))
    res = d.dispatch()
    assert res is not None
    assert st.courier_id is None
    assert st.state == "accepted"
    assert "o1:pickup" in res.diff.unassigned
    for f in res.forecast.vehicles.values():
        for s in f.stops:
            assert not (s.job_id.endswith(":pickup") and s.service_start >= T0 + 600)
    d.advance(T0 + 1_200)
    d.dispatch()
    assert (st.courier_id, st.state) == ("c2", "assigned")


def test_past_its_off_time_a_courier_finishes_deliveries_but_picks_up_nothing() -> None:
    couriers = [
        Courier("c1", "ebike", "S", ((T0, T0 + 600),)),
        Courier("c2", "bike", "S", ((T0, T0 + 4 * 3600),)),
    ]
    d = Dispatcher(_net(couriers), T0, time_limit=0.05)
    d.advance(T0)
    o1 = d.place(_order("o1", T0 + 10, _at(0, 1_000), ready=0))
    d.dispatch()
    c = o1.courier_id
    assert c is not None
    if c != "c1":  # make c1 the carrier: it picks the order up
        d.plan.vehicles["c1"].route, d.plan.vehicles[c].route = d.plan.vehicles[c].route, []
    d.advance(T0 + 200, [PositionUpdate(T0 + 200, "c1", LAT, LON, served=("o1:pickup",))])
    assert o1.state == "picked_up"
    d.advance(T0 + 700)  # past c1's off time, with o1 on board: still on duty
    assert d.plan.vehicles["c1"].status == "active"
    o2 = d.place(_order("o2", T0 + 700, _at(0, 900), ready=0))  # c1 would be the obvious one
    for _ in range(3):
        res = d.dispatch()
        assert res is not None
        assert o1.courier_id == "c1"  # the delivery on board finishes after the off time
        assert o2.courier_id == "c2"  # the new pickup goes to a courier on shift
    assert d.plan.vehicles["c1"].route == ["o1:delivery"]


def test_a_courier_back_for_a_later_shift_picks_up_until_that_shift_ends() -> None:
    """Split shifts (lunch and dinner): off duty in between, then back with the second
    shift's off time, so the round lets it pick up again."""
    c = Courier("c1", "ebike", "S", ((T0, T0 + 600), (T0 + 3_600, T0 + 7_200)))
    d = Dispatcher(_net([c]), T0, time_limit=0.05)
    d.advance(T0)
    d.advance(T0 + 900)
    assert d.plan.vehicles["c1"].status != "active"
    d.advance(T0 + 3_700)
    v = d.plan.vehicles["c1"]
    assert (v.status, v.shift_end) == ("active", T0 + 7_200)
    st = d.place(_order("o1", T0 + 3_700, _at(0, 600)))
    d.dispatch()
    assert (st.courier_id, st.state) == ("c1", "assigned")


def _busy(n_couriers: int, stock: int = 1_000) -> StoreNetwork:
    return StoreNetwork.build(
        [Site("S", "store", LAT, LON, radius_m=1_300)],
        [Sku("milk", "milk", 1, 1, 1200)],
        [Courier(f"c{k}", "ebike", "S", ((T0, T0 + 4 * 3600),)) for k in range(n_couriers)],
        {"S": {"milk": stock}},
    )


def _homes(n: int) -> list[tuple[float, float]]:
    return [
        _at(900 * math.cos(2.4 * i) * (0.3 + (i % 7) / 10), 900 * math.sin(2.4 * i) * 0.9)
        for i in range(n)
    ]


def test_a_focus_round_replans_some_couriers_and_keeps_the_others_routes() -> None:
    d = Dispatcher(_busy(10), T0, time_limit=0.3, focus_above_jobs=20)
    d.advance(T0)
    for i, h in enumerate(_homes(14)):
        d.place(_order(f"o{i}", T0 + 5, h))
    d.dispatch()  # mostly construction: every courier in play
    assert d.round_stats[-1].kept == 0
    before = {vid: list(v.route) for vid, v in d.plan.vehicles.items()}
    d.advance(T0 + 30)
    d.place(_order("new", T0 + 30, _at(200, 300)))
    st = RoundStats()
    res = dispatch_round(
        d.plan,
        d.round_cache,
        time_limit=0.3,
        late_stop_cost=5_000,
        late_cost_per_hour=120_000,
        focus_above_jobs=20,
        focus_jobs=4,
        stats=st,
    )
    assert 0 < st.kept < 10
    assert st.search_jobs < st.jobs
    routes = {vid: v.route for vid, v in d.plan.vehicles.items()}
    moved = {vid for vid in routes if routes[vid] != before[vid]}
    assert len(moved) <= 10 - st.kept
    on_routes = [j for r in routes.values() for j in r]
    assert sorted(on_routes) == sorted(j for j in d.plan.jobs if d.plan.jobs[j].status == "pending")
    assert "new:pickup" in on_routes
    assert not res.diff.unassigned
    # Kept couriers are walked on the kept matrices: the same times as the live forecast.
    fresh = forecast(d.plan)
    for vid, f in res.forecast.vehicles.items():
        assert [s.service_start for s in f.stops] == [
            s.service_start for s in fresh.vehicles[vid].stops
        ]
        assert f.distance_m == fresh.vehicles[vid].distance_m


def test_focus_rounds_can_be_turned_off() -> None:
    d = Dispatcher(_busy(6), T0, time_limit=0.2, focus_above_jobs=0)
    d.advance(T0)
    for i, h in enumerate(_homes(10)):
        d.place(_order(f"o{i}", T0 + 5, h))
    d.dispatch()
    d.advance(T0 + 30)
    d.place(_order("new", T0 + 30, _at(200, 300)))
    d.dispatch()
    assert [s.kept for s in d.round_stats] == [0, 0]
    assert all(st.courier_id is not None for st in d.orders.values())
    with pytest.raises(InvalidInputError, match="focus_above_jobs"):
        Dispatcher(_busy(1), T0, focus_above_jobs=-1)
