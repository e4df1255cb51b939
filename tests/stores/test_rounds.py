"""The store dispatch round (engine/stores/rounds.py): matrices kept between rounds, one
native problem per round, and courier off times enforced as the MDRP rules say (no pickup
after the off time; deliveries on board may finish)."""

from __future__ import annotations

import numpy as np

from engine.geo import SpeedProfile, distance_matrix
from engine.live import PositionUpdate
from engine.stores.dispatch import Dispatcher
from engine.stores.model import PLAN_CIRCUITY, Courier
from engine.stores.rounds import RoundCache
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
