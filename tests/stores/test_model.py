"""Store network rules (engine/stores/model.py) and the fee tariff (engine/stores/tariff.py)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInputError, NotFoundError
from engine.stores.model import (
    Courier,
    Order,
    Site,
    Sku,
    StoreNetwork,
    Weather,
    WeatherPeriod,
    local_hour,
    weekday,
)
from engine.stores.simulate import DAY_MIDNIGHT
from engine.stores.tariff import DEFAULT_TARIFF, Tariff

T0 = DAY_MIDNIGHT + 10 * 3600


def _net(**stock: int) -> StoreNetwork:
    return StoreNetwork.build(
        [Site("S", "store", 30.29, 120.16), Site("P", "pickup_point", 30.295, 120.16, capacity=2)],
        [Sku("milk", "milk", 1, 1, 1200), Sku("tv", "tv", 18, 140, 299_900)],
        [Courier("c1", "ebike", "S", ((T0, T0 + 3600),))],
        {"S": {"milk": 5, **stock}},
    )


def test_clock_helpers_are_local_time() -> None:
    assert local_hour(DAY_MIDNIGHT) == 0
    assert local_hour(T0) == 10
    assert weekday(DAY_MIDNIGHT + 3600) == 2  # Wednesday 2 December 2026


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Courier("c", "ebike", "S", ((0, 100), (50, 200))), "courier.shifts"),
        (lambda: Courier("c", "ebike", "S", ((100, 100),)), "courier.shifts"),
        (lambda: Courier("c", "rocket", "S", ((0, 100),)), "courier.mode"),
        (lambda: Site("S", "store", 91.0, 120.0), "site.lat"),
        (lambda: Site("S", "store", 30.0, 120.0, radius_m=0), "site.radius_m"),
        (lambda: Site("P", "pickup_point", 30.0, 120.0, capacity=0), "site.capacity"),
        (lambda: Site("S", "store", 30.0, 120.0, opening=((36000, 3600),)), "site.opening"),
        (lambda: Sku("x", "x", -1, 0, 0), "sku.weight_kg"),
        (lambda: Sku("x", "x", 1, 1, -100), "sku.price_fen"),
        (lambda: Tariff(base_fen=-300), "tariff.base_fen"),
        (lambda: Tariff(step_fen=-50), "tariff.step_fen"),
        (lambda: Tariff(pickup_point_discount_fen=-1), "tariff.pickup_point_discount_fen"),
        (lambda: Tariff(weather_fen={"rain": -200}), "tariff.weather_fen"),
        (lambda: WeatherPeriod(0, 10, "hail"), "weather.condition"),
        (lambda: WeatherPeriod(10, 10, "rain"), "weather.end"),
    ],
)
def test_bad_objects_name_the_field(build: object, field: str) -> None:
    with pytest.raises(InvalidInputError) as e:
        build()  # type: ignore[operator]
    assert e.value.field == field


def test_network_rejects_bad_references_and_stock() -> None:
    s = Site("S", "store", 30.29, 120.16)
    sku = Sku("milk", "milk", 1, 1, 1200)
    with pytest.raises(InvalidInputError, match=r"courier\.store_id"):
        StoreNetwork.build([s], [sku], [Courier("c", "ebike", "X", ((0, 1),))])
    with pytest.raises(InvalidInputError, match="negative stock"):
        StoreNetwork.build([s], [sku], [], {"S": {"milk": -1}})
    with pytest.raises(InvalidInputError, match="unknown SKU"):
        StoreNetwork.build([s], [sku], [], {"S": {"bread": 1}})
    with pytest.raises(InvalidInputError, match="duplicate id"):
        StoreNetwork.build([s, s], [sku], [])
    net = _net()
    with pytest.raises(NotFoundError):
        net.store("P")
    with pytest.raises(NotFoundError):
        net.courier("nobody")


def test_stock_is_checked_then_taken() -> None:
    net = _net()
    o = Order("o1", "S", (("milk", 3),), T0, 30.291, 120.16)
    assert net.order_amounts(o) == (3, 3)
    net.take_stock(o)
    assert net.stock["S"]["milk"] == 2
    with pytest.raises(InvalidInputError, match="has 2 of 'milk'") as e:
        net.take_stock(o)
    assert e.value.field == "items"
    assert net.stock["S"]["milk"] == 2
    with pytest.raises(InvalidInputError, match="positive integer"):
        net.order_amounts(Order("o2", "S", (("milk", 0),), T0, 30.291, 120.16))


def test_weather_takes_the_worst_condition_in_force() -> None:
    w = Weather(
        (
            WeatherPeriod(T0, T0 + 3600, "rain"),
            WeatherPeriod(T0 + 1800, T0 + 3600, "heavy_rain", (30.29, 120.16, 1000.0)),
        )
    )
    assert w.at(T0 - 1, 30.29, 120.16) == "clear"
    assert w.at(T0, 30.29, 120.16) == "rain"
    assert w.at(T0 + 1800, 30.29, 120.16) == "heavy_rain"
    assert w.at(T0 + 1800, 30.40, 120.16) == "rain"


def test_tariff_base_distance_weather_and_discount() -> None:
    t = DEFAULT_TARIFF
    assert t.fee(0).total == 300
    assert t.fee(1000).total == 300
    f = t.fee(1001)
    assert (f.base, f.distance, f.total) == (300, 50, 350)
    assert t.fee(2000).total == 400
    assert t.fee(800, "rain").total == 500
    assert t.fee(800, "heavy_rain", pickup_point=True).total == 600
    assert t.fee(800).tariff_version == t.version
    with pytest.raises(InvalidInputError, match="distance_m"):
        t.fee(-1)
    with pytest.raises(InvalidInputError, match="weather"):
        t.fee(10, "hail")


def test_tariff_is_configurable_and_validated() -> None:
    t = Tariff.from_dict({"version": "v2", "base_fen": 500, "weather_fen": {"snow": 700}})
    assert t.fee(900, "snow").total == 1200
    assert Tariff.from_dict(t.to_dict()) == t
    with pytest.raises(InvalidInputError, match="base_fen"):
        Tariff(base_fen=-300)
    with pytest.raises(InvalidInputError, match="unknown keys"):
        Tariff.from_dict({"base": 3})
    with pytest.raises(InvalidInputError, match="step_m"):
        Tariff(step_m=0)
    with pytest.raises(InvalidInputError, match="weather_fen"):
        Tariff(weather_fen={"rain": -1})
    # the discount never makes a fee negative
    assert Tariff(base_fen=50).fee(0, pickup_point=True).total == 0
