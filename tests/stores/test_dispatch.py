"""The quote at order time and the rolling-horizon dispatcher (engine/stores/dispatch.py) on
small hand-made store networks, through the real live re-planner and Rust core."""

from __future__ import annotations

import math

import pytest

from engine.errors import InfeasibleError, InvalidInputError, NotFoundError
from engine.live import PositionUpdate
from engine.live.eta import leg_metres, leg_seconds
from engine.stores.dispatch import PICKUP_SERVICE_S, QUOTE_BUFFER_S, SLOT_S, Dispatcher
from engine.stores.model import (
    PLAN_CIRCUITY,
    PROMISE_S,
    Courier,
    Order,
    Site,
    Sku,
    StoreNetwork,
    Weather,
    WeatherPeriod,
    road_metres,
)
from engine.stores.simulate import DAY_MIDNIGHT, city_store_day, simulate
from engine.units import EARTH_RADIUS_M

T0 = DAY_MIDNIGHT + 10 * 3600
LAT, LON = 30.29, 120.16


def _at(north_m: float, east_m: float) -> tuple[float, float]:
    return (
        LAT + math.degrees(north_m / EARTH_RADIUS_M),
        LON + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(LAT)))),
    )


def _net(couriers: list[Courier]) -> StoreNetwork:
    return StoreNetwork.build(
        [
            Site("S", "store", LAT, LON, radius_m=1_300),
            Site("P-campus", "pickup_point", *_at(600, 0), capacity=1, closed_radius_m=200),
            Site("Q", "pickup_point", *_at(0, -900), capacity=5),
        ],
        [Sku("milk", "milk", 1, 1, 1200), Sku("tv", "tv", 18, 140, 299_900)],
        couriers,
        {"S": {"milk": 10, "tv": 1}},
    )


def _order(
    oid: str,
    t: int,
    where: tuple[float, float],
    *,
    qty: int = 1,
    ready: int = 120,
    sku: str = "milk",
) -> Order:
    return Order(oid, "S", ((sku, qty),), t, where[0], where[1], ready_at=t + ready)


def _two_couriers() -> Dispatcher:
    net = _net(
        [
            Courier("c1", "ebike", "S", ((T0, T0 + 4 * 3600),)),
            Courier("c2", "bike", "S", ((T0, T0 + 4 * 3600),)),
        ]
    )
    d = Dispatcher(net, T0, time_limit=0.1)
    d.advance(T0)
    return d


def test_quote_with_an_idle_courier_promises_30_minutes_honestly() -> None:
    d = _two_couriers()
    home = _at(0, 700)
    q = d.quote(_order("o1", T0 + 60, home))
    best = q.options[0]
    assert best.kind == "now"
    assert best.promise == T0 + 60 + PROMISE_S
    # the e-bike waits at the store for the order to be ready, then rides to the home
    ride = leg_seconds("van", leg_metres((LAT, LON), home, PLAN_CIRCUITY))
    assert best.eta == T0 + 60 + 120 + PICKUP_SERVICE_S + ride
    assert best.courier_id == "c1"
    assert best.fee == d.tariff.fee(road_metres((LAT, LON), home), "clear")
    # quoting changes nothing
    assert d.plan.jobs == {}
    assert d.network.stock["S"]["milk"] == 10


def test_quote_offers_a_later_slot_when_nobody_is_free_in_time() -> None:
    net = _net([Courier("c1", "ebike", "S", ((T0 + 3600, T0 + 7200),))])
    d = Dispatcher(net, T0)
    d.advance(T0)
    q = d.quote(_order("o1", T0, _at(0, 700)))
    (opt,) = [o for o in q.options if o.pickup_point_id is None]
    assert opt.kind == "later_slot"
    assert opt.eta >= T0 + 3600
    assert opt.promise % SLOT_S == 0
    assert opt.promise >= opt.eta + QUOTE_BUFFER_S
    with pytest.raises(InfeasibleError):
        Dispatcher(_net([]), T0).quote(_order("o2", T0, _at(0, 700)))


def test_closed_campus_is_served_through_its_gate_station() -> None:
    d = _two_couriers()
    st = d.place(_order("o1", T0 + 60, _at(650, 50)))
    assert st.option.pickup_point_id == "P-campus"
    assert st.option.fee.discount == d.tariff.pickup_point_discount_fen
    drop = d.plan.jobs["o1:delivery"]
    assert (drop.lat, drop.lon) == d.network.sites["P-campus"].point
    # the station holds one parcel: the next campus order is refused, nothing changes
    before = (d.plan.fingerprint(), dict(d.network.stock["S"]))
    with pytest.raises(InvalidInputError) as e:
        d.place(_order("o2", T0 + 90, _at(640, -20)))
    assert e.value.field == "pickup_point_id"
    assert (d.plan.fingerprint(), dict(d.network.stock["S"])) == before


def test_home_outside_the_radius_goes_to_a_pick_up_point_within_walking_distance() -> None:
    d = _two_couriers()
    q = d.quote(_order("o1", T0 + 60, _at(0, -1_250)))  # 1.6 km road, 350 m from Q
    assert {o.pickup_point_id for o in q.options} == {"Q"}


@pytest.mark.parametrize(
    ("order", "error", "field"),
    [
        (_order("o1", T0 + 60, _at(0, 2_000)), InvalidInputError, "destination"),
        (_order("o1", T0 + 60, _at(0, 500), qty=11), InvalidInputError, "items"),
        (Order("o1", "S", (("bread", 1),), T0 + 60, LAT, LON), InvalidInputError, "items"),
        (Order("o1", "S", (), T0 + 60, LAT, LON), InvalidInputError, "items"),
        (Order("o1", "X", (("milk", 1),), T0 + 60, LAT, LON), NotFoundError, None),
        (_order("o1", T0 - 60, _at(0, 500)), InvalidInputError, "placed_at"),
        (_order("o1", T0 + 60, _at(0, 500), ready=-10), InvalidInputError, "ready_at"),
        (Order("o:1", "S", (("milk", 1),), T0 + 60, LAT, LON), InvalidInputError, "order_id"),
        (
            Order("o1", "S", (("milk", 1),), T0 + 60, LAT, 200.0),
            InvalidInputError,
            "destination.lon",
        ),
    ],
)
def test_a_rejected_order_changes_no_stock_and_no_plan(
    order: Order, error: type[Exception], field: str | None
) -> None:
    d = _two_couriers()
    d.place(_order("ok", T0 + 30, _at(0, 300)))
    before = (d.plan.fingerprint(), dict(d.network.stock["S"]), dict(d.orders))
    with pytest.raises(error) as e:
        d.place(order)
    if field is not None:
        assert getattr(e.value, "field", None) == field
    assert (d.plan.fingerprint(), dict(d.network.stock["S"]), dict(d.orders)) == before


def test_refused_promises_points_and_couriers_change_no_stock_and_no_plan() -> None:
    """The issue's bad input beyond the order itself: a promise in the past or before the
    prediction, a full or unknown pick-up point, an unknown courier's report, a store
    that is closed: each names its field, and stock, orders and plan stay as they were."""
    net = StoreNetwork.build(
        [
            Site("S", "store", LAT, LON, radius_m=1_300, opening=((8 * 3600, 20 * 3600),)),
            Site("Q", "pickup_point", *_at(0, -900), capacity=1),
        ],
        [Sku("milk", "milk", 1, 1, 1200)],
        [Courier("c1", "ebike", "S", ((T0, T0 + 4 * 3600),))],
        {"S": {"milk": 10}},
    )
    d = Dispatcher(net, T0, time_limit=0.05)
    d.advance(T0)
    d.place(_order("ok", T0 + 30, _at(0, 300)))
    full = Order("q1", "S", (("milk", 1),), T0 + 40, LAT, LON, pickup_point_id="Q")
    d.place(full)  # Q holds one parcel: now full
    d.dispatch()

    def state() -> object:
        return (d.plan.fingerprint(), dict(d.network.stock["S"]), dict(d.orders))

    before = state()
    cases: list[tuple[object, type[Exception], str]] = [
        (
            lambda: d.place(_order("p1", T0 + 60, _at(0, 500)), promise=T0 + 30),
            InvalidInputError,
            "promise",
        ),
        (
            lambda: d.place(_order("p2", T0 + 60, _at(0, 500)), promise=T0 + 61),
            InvalidInputError,
            "promise",
        ),
        (
            lambda: d.place(
                Order("q2", "S", (("milk", 1),), T0 + 60, LAT, LON, pickup_point_id="Q")
            ),
            InvalidInputError,
            "pickup_point_id",
        ),
        (
            lambda: d.place(
                Order("q3", "S", (("milk", 1),), T0 + 60, LAT, LON, pickup_point_id="Z")
            ),
            NotFoundError,
            "pickup_point_id",
        ),
        (
            lambda: d.advance(T0 + 120, [PositionUpdate(T0 + 120, "nobody", LAT, LON)]),
            NotFoundError,
            "courier_id",
        ),
        (lambda: d.place(_order("n1", T0 + 12 * 3600, _at(0, 500))), InvalidInputError, "store_id"),
    ]
    for fn, error, field in cases:
        with pytest.raises(error) as e:
            fn()  # type: ignore[operator]
        named = getattr(e.value, "field", None) or str(e.value).split(":")[0]
        assert named == field, (field, e.value)
        assert state() == before, field


def test_promise_in_the_past_duplicate_ids_and_unknown_couriers_are_refused() -> None:
    d = _two_couriers()
    with pytest.raises(InvalidInputError) as e:
        d.place(_order("o1", T0 + 60, _at(0, 500)), promise=T0 + 30)
    assert e.value.field == "promise"
    with pytest.raises(InvalidInputError, match="before the predicted delivery"):
        d.place(_order("o1", T0 + 60, _at(0, 500)), promise=T0 + 120)
    late = d.place(_order("o1", T0 + 60, _at(0, 500)), promise=T0 + 3600)
    assert late.promise == T0 + 3600
    with pytest.raises(InvalidInputError, match="already placed"):
        d.place(_order("o1", T0 + 60, _at(0, 500)))
    with pytest.raises(NotFoundError):
        d.advance(T0 + 120, [PositionUpdate(T0 + 120, "nobody", LAT, LON)])
    with pytest.raises(InvalidInputError):
        d.advance(T0 - 1)
    with pytest.raises(NotFoundError):
        d.status("o404")
    with pytest.raises(InvalidInputError, match="choice"):
        d.quote(_order("o2", T0 + 60, _at(0, 500))).option("drone")


def test_dispatch_bundles_and_keeps_promises_as_deadlines() -> None:
    d = _two_couriers()
    sts = [d.place(_order(f"o{i}", T0 + 60, _at(100 * i, 600))) for i in range(4)]
    res = d.dispatch()
    assert res is not None
    for st in sts:
        assert st.state == "assigned"
        assert st.courier_id in ("c1", "c2")
        assert st.eta is not None
        assert st.eta <= st.promise
        assert d.plan.jobs[f"{st.order.order_id}:delivery"].windows[0][1] <= st.promise
    assert d.network.stock["S"]["milk"] == 6
    # the television only fits... nobody on an e-bike or a bike: refused before the plan
    with pytest.raises(InfeasibleError):
        d.place(_order("big", T0 + 90, _at(0, 400), sku="tv"))
    assert d.network.stock["S"]["tv"] == 1


def test_orders_not_yet_picked_up_are_reassigned_when_a_courier_leaves() -> None:
    net = _net(
        [
            Courier("c1", "ebike", "S", ((T0, T0 + 600),)),
            Courier("c2", "ebike", "S", ((T0 + 300, T0 + 4 * 3600),)),
        ]
    )
    d = Dispatcher(net, T0, time_limit=0.1)
    d.advance(T0)
    st = d.place(_order("o1", T0 + 60, _at(0, 600), ready=200))
    d.dispatch()
    assert st.courier_id == "c1"
    d.advance(T0 + 700)  # c1's shift is over and it carries nothing: off duty
    assert d.plan.vehicles["c1"].status != "active"
    d.dispatch()
    assert st.courier_id == "c2"
    assert st.state == "assigned"


def test_a_picked_up_order_stays_with_its_courier() -> None:
    net = _net(
        [
            Courier("c1", "ebike", "S", ((T0, T0 + 600),)),
            Courier("c2", "ebike", "S", ((T0, T0 + 4 * 3600),)),
        ]
    )
    d = Dispatcher(net, T0, time_limit=0.1)
    d.advance(T0)
    st = d.place(_order("o1", T0 + 10, _at(0, 1_000), ready=0))
    d.dispatch()
    c = st.courier_id
    assert c is not None
    d.advance(T0 + 200, [PositionUpdate(T0 + 200, c, LAT, LON, served=("o1:pickup",))])
    assert st.state == "picked_up"
    assert st.picked_up_at == T0 + 200
    d.advance(T0 + 700)  # a courier past its shift keeps what it carries
    assert d.plan.vehicles[c].status == "active"
    d.dispatch()
    assert st.courier_id == c


def test_rain_slows_couriers_and_adds_the_surcharge() -> None:
    net = _net([Courier("c1", "ebike", "S", ((T0, T0 + 4 * 3600),))])
    wet = Dispatcher(net, T0, weather=Weather((WeatherPeriod(T0, T0 + 3600, "heavy_rain"),)))
    dry = Dispatcher(net, T0)
    for d in (wet, dry):
        d.advance(T0)
    o = _order("o1", T0 + 60, _at(0, 900))
    qw, qd = wet.quote(o).options[0], dry.quote(o).options[0]
    assert qw.fee.total - qd.fee.total == wet.tariff.weather_fen["heavy_rain"]
    ride_w, ride_d = qw.eta - (o.ready + PICKUP_SERVICE_S), qd.eta - (o.ready + PICKUP_SERVICE_S)
    assert ride_w == round(ride_d * 1.5)


def test_a_small_city_day_delivers_every_accepted_order() -> None:
    day = city_store_day(n_orders=40, ebikes_per_store=1, seed=3)
    reps = {p: simulate(day, p, time_limit=0.05) for p in ("yunli", "nearest_idle", "greedy")}
    for rep in reps.values():
        assert rep.accepted > 30
        assert rep.delivered == rep.accepted
        assert rep.undelivered == 0
        assert 0 < rep.ctd_mean_min < 60
    y = reps["yunli"]
    assert y.accepted == reps["greedy"].accepted  # same validation, same stock
    assert y.promise_kept >= 0.9 * y.accepted


def test_with_nobody_on_shift_the_next_courier_from_any_store_is_quoted() -> None:
    net = StoreNetwork.build(
        [Site("S", "store", LAT, LON), Site("T", "store", *_at(0, 1_500))],
        [Sku("milk", "milk", 1, 1, 1200)],
        [Courier("c1", "ebike", "T", ((T0 + 3600, T0 + 7200),))],
        {"S": {"milk": 5}},
    )
    d = Dispatcher(net, T0)
    d.advance(T0)
    opt = d.quote(_order("o1", T0, _at(0, 300))).options[0]
    # the courier rides from its store T to S when its shift starts, then to the home
    ride_in = leg_seconds("van", leg_metres(_at(0, 1_500), (LAT, LON), PLAN_CIRCUITY))
    ride_out = leg_seconds("van", leg_metres((LAT, LON), _at(0, 300), PLAN_CIRCUITY))
    assert opt.kind == "later_slot"
    assert opt.eta == T0 + 3600 + ride_in + PICKUP_SERVICE_S + ride_out


def test_restore_resumes_a_saved_day_and_refuses_orders_missing_from_the_plan() -> None:
    from engine.live.io import plan_from_dict, plan_to_dict

    d = _two_couriers()
    st = d.place(_order("o1", T0 + 60, _at(0, 700)), 0)
    d.dispatch()
    saved = plan_to_dict(d.plan)
    fresh = Dispatcher(_net(list(d.network.couriers.values())), saved["now"], time_limit=0.1)
    fresh.network.stock = d.network.stock
    fresh.restore(plan_from_dict(saved), [st])
    assert fresh.status("o1").promise == st.promise
    fresh.advance(
        T0 + 400, [PositionUpdate(T0 + 400, st.courier_id or "", LAT, LON, ("o1:pickup",))]
    )
    assert fresh.status("o1").state == "picked_up"
    empty = Dispatcher(_net([]), T0, time_limit=0.1)
    with pytest.raises(InvalidInputError) as e:
        empty.restore(empty.plan, [st])
    assert e.value.field == "orders"
