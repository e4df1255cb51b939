"""The store network: sites (stores and pick-up points), SKUs and stock, couriers, orders, weather.

Everything is an integer in the units of :mod:`engine.units` (metres, Unix seconds,
kilograms, litres, fen); coordinates are WGS84 degrees. Opening hours and receiving
windows are seconds of the local day (China Standard Time, UTC+8,
:data:`LOCAL_OFFSET_S`). Bad input raises :class:`~engine.errors.InvalidInputError`
naming the field and the row; unknown ids raise :class:`~engine.errors.NotFoundError`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from engine.errors import InvalidInputError, NotFoundError
from engine.live.eta import leg_metres
from engine.units import DEFAULT_CIRCUITY, SECONDS_PER_DAY

#: Local time of the stores: China Standard Time (UTC+8), in seconds east of UTC.
LOCAL_OFFSET_S: Final = 8 * 3600
#: The standard promise: delivered within 30 minutes of the order.
PROMISE_S: Final = 30 * 60
#: A customer walks at most this far to a pick-up point offered instead of a home delivery.
PICKUP_WALK_M: Final = 800
#: A parcel occupies a pick-up station from its drop-off until the customer collects it,
#: taken as this long (the station's capacity counts parcels held at once).
PICKUP_HOLD_S: Final = 2 * 3600
#: Site kinds.
SITE_KINDS: Final = ("store", "pickup_point")


@dataclass(frozen=True, slots=True)
class CourierMode:
    """How a courier travels: the live plan's speed profile, capacity and effective speed.

    The live re-planner knows only the truck speed profiles of
    :data:`engine.data.schemas.VEHICLE_TYPES`; a store plan therefore runs at circuity
    :data:`PLAN_CIRCUITY` (1.75 × the road circuity), which turns the ``van`` profile's
    35 km/h urban speed into 20 km/h (an e-bike, or a van in dense streets) and the
    ``trailer`` profile's 25 km/h into 14.3 km/h (a bicycle). Distances reported by the
    store subsystem are converted back to road metres (:func:`road_metres`).
    """

    name: str
    profile: str
    capacity: tuple[int, int]
    speed_kmh: float


#: Road circuity × the speed scale (35 / 20) that makes the ``van`` profile an e-bike.
SPEED_SCALE: Final = 35.0 / 20.0
PLAN_CIRCUITY: Final = DEFAULT_CIRCUITY * SPEED_SCALE

#: Courier modes: capacity ``(weight_kg, volume_l)`` and effective urban speed.
COURIER_MODES: Final[dict[str, CourierMode]] = {
    "bike": CourierMode("bike", "trailer", (15, 60), 25.0 / SPEED_SCALE),
    "ebike": CourierMode("ebike", "van", (30, 120), 35.0 / SPEED_SCALE),
    "van": CourierMode("van", "van", (500, 3_000), 35.0 / SPEED_SCALE),
}

#: Weather conditions and the factor by which they slow couriers.
WEATHER_SLOWDOWN: Final[dict[str, float]] = {
    "clear": 1.0,
    "rain": 1.25,
    "heavy_rain": 1.5,
    "snow": 1.6,
}


def road_metres(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Road distance in metres between two points (great circle × 1.3)."""
    return leg_metres(a, b, DEFAULT_CIRCUITY)


def plan_to_road_metres(plan_metres: int | float) -> int:
    """Convert a distance of the store live plan (at :data:`PLAN_CIRCUITY`) to road metres."""
    return round(plan_metres / SPEED_SCALE)


def local_seconds(t: int) -> int:
    """Seconds since local midnight of the Unix instant ``t``."""
    return (t + LOCAL_OFFSET_S) % SECONDS_PER_DAY


def weekday(t: int) -> int:
    """Local weekday of ``t``: Monday 0 … Sunday 6 (1 January 1970 was a Thursday)."""
    return ((t + LOCAL_OFFSET_S) // SECONDS_PER_DAY + 3) % 7


def local_hour(t: int) -> int:
    """Local hour 0–23 of ``t``."""
    return local_seconds(t) // 3600


def _coords(lat: float, lon: float, fname: str, row: object) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InvalidInputError.at(f"{fname}.lat", f"latitude {lat} is not in [-90, 90]", row)
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise InvalidInputError.at(f"{fname}.lon", f"longitude {lon} is not in [-180, 180]", row)


def _day_windows(
    windows: Iterable[Sequence[int]], fname: str, row: object
) -> tuple[tuple[int, int], ...]:
    out = []
    for w in windows:
        if len(w) != 2:
            raise InvalidInputError.at(fname, f"{w!r} is not an (open, close) pair", row)
        a, b = int(w[0]), int(w[1])
        if not (0 <= a < b <= SECONDS_PER_DAY):
            raise InvalidInputError.at(
                fname, f"({a}, {b}) is not within one local day with open < close", row
            )
        out.append((a, b))
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class Sku:
    """A stock-keeping unit: weight and volume per unit (rounded up, at least 0) and price."""

    sku_id: str
    name: str
    weight_kg: int
    volume_l: int
    price_fen: int

    def __post_init__(self) -> None:
        for f in ("weight_kg", "volume_l", "price_fen"):
            if getattr(self, f) < 0:
                raise InvalidInputError.at(f"sku.{f}", "must be >= 0", self.sku_id)


@dataclass(frozen=True, slots=True)
class Site:
    """A store or a pick-up point.

    Attributes
    ----------
    site_id, kind
        Id and kind (:data:`SITE_KINDS`).
    lat, lon
        Where.
    opening
        Opening hours as local ``(open, close)`` seconds of the day.
    radius_m
        Stores: the service radius (road metres) within which homes are delivered.
    capacity
        Pick-up points: parcels the station can hold at once.
    closed_radius_m
        Pick-up points at a campus gate or in a village: homes within this radius are
        closed to couriers and their orders are handed over at the station (0: none).
    receiving
        Stores: local windows in which replenishment vans may unload.
    name
        A label.
    """

    site_id: str
    kind: str
    lat: float
    lon: float
    opening: tuple[tuple[int, int], ...] = ((0, SECONDS_PER_DAY),)
    radius_m: int = 1_000
    capacity: int = 0
    closed_radius_m: int = 0
    receiving: tuple[tuple[int, int], ...] = ((6 * 3600, 10 * 3600),)
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in SITE_KINDS:
            raise InvalidInputError.at("site.kind", f"{self.kind!r} is not one of {SITE_KINDS}")
        _coords(self.lat, self.lon, "site", self.site_id)
        object.__setattr__(
            self, "opening", _day_windows(self.opening, "site.opening", self.site_id)
        )
        object.__setattr__(
            self, "receiving", _day_windows(self.receiving, "site.receiving", self.site_id)
        )
        if self.kind == "store" and self.radius_m <= 0:
            raise InvalidInputError.at("site.radius_m", "must be > 0", self.site_id)
        if self.capacity < 0 or self.closed_radius_m < 0:
            raise InvalidInputError.at("site.capacity", "must be >= 0", self.site_id)
        if self.kind == "pickup_point" and self.capacity <= 0:
            raise InvalidInputError.at(
                "site.capacity", "a pick-up point needs a capacity > 0", self.site_id
            )

    @property
    def point(self) -> tuple[float, float]:
        """``(lat, lon)``."""
        return (self.lat, self.lon)

    def is_open(self, t: int) -> bool:
        """Whether the site is open at the Unix instant ``t``."""
        s = local_seconds(t)
        return any(a <= s < b for a, b in self.opening)


@dataclass(frozen=True, slots=True)
class Courier:
    """A courier of a store: mode (:data:`COURIER_MODES`), home store and shifts (Unix s)."""

    courier_id: str
    mode: str
    store_id: str
    shifts: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if self.mode not in COURIER_MODES:
            raise InvalidInputError.at(
                "courier.mode",
                f"{self.mode!r} is not one of {tuple(COURIER_MODES)}",
                self.courier_id,
            )
        if not self.shifts:
            raise InvalidInputError.at("courier.shifts", "at least one shift", self.courier_id)
        sh = tuple(sorted((int(a), int(b)) for a, b in self.shifts))
        for a, b in sh:
            if a >= b:
                raise InvalidInputError.at(
                    "courier.shifts",
                    f"shift ({a}, {b}) does not end after it starts",
                    self.courier_id,
                )
        for (_, b1), (a2, _) in itertools.pairwise(sh):
            if a2 < b1:
                raise InvalidInputError.at(
                    "courier.shifts",
                    f"overlapping shifts (one ends at {b1}, the next starts at {a2})",
                    self.courier_id,
                )
        object.__setattr__(self, "shifts", sh)

    @property
    def capacity(self) -> tuple[int, int]:
        """``(weight_kg, volume_l)`` the courier carries."""
        return COURIER_MODES[self.mode].capacity

    def on_shift(self, t: int) -> bool:
        """Whether ``t`` falls in one of the shifts."""
        return any(a <= t < b for a, b in self.shifts)

    @property
    def shift_seconds(self) -> int:
        """Total seconds on shift."""
        return sum(b - a for a, b in self.shifts)


@dataclass(frozen=True, slots=True)
class Order:
    """A customer order.

    ``items`` are ``(sku_id, quantity)``; ``lat``/``lon`` the customer's home;
    ``pickup_point_id`` asks for delivery to a pick-up point instead (the quote may
    also propose one); ``ready_at`` when the store has it packed (default: 3 minutes
    after ``placed_at``); ``pay_on_delivery`` the customer pays after inspecting.
    """

    order_id: str
    store_id: str
    items: tuple[tuple[str, int], ...]
    placed_at: int
    lat: float
    lon: float
    ready_at: int | None = None
    pickup_point_id: str | None = None
    pay_on_delivery: bool = False

    @property
    def ready(self) -> int:
        """When the order is ready at the store."""
        return self.placed_at + 180 if self.ready_at is None else self.ready_at


@dataclass(frozen=True, slots=True)
class WeatherPeriod:
    """``condition`` (a key of :data:`WEATHER_SLOWDOWN`) from ``start`` to ``end`` over a
    circle ``(lat, lon, radius_m)``, or everywhere when ``area`` is ``None``."""

    start: int
    end: int
    condition: str
    area: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        if self.condition not in WEATHER_SLOWDOWN:
            raise InvalidInputError.at(
                "weather.condition", f"{self.condition!r} is not one of {tuple(WEATHER_SLOWDOWN)}"
            )
        if self.start >= self.end:
            raise InvalidInputError.at("weather.end", "must be after start")
        if self.area is not None:
            _coords(self.area[0], self.area[1], "weather.area", None)
            if not self.area[2] > 0:
                raise InvalidInputError.at("weather.area", "radius must be > 0")

    def covers(self, t: int, lat: float, lon: float) -> bool:
        """Whether this period applies at ``t`` and the point."""
        if not (self.start <= t < self.end):
            return False
        if self.area is None:
            return True
        return leg_metres((self.area[0], self.area[1]), (lat, lon), 1.0) <= self.area[2]


@dataclass(frozen=True, slots=True)
class Weather:
    """Weather by area and time: a list of :class:`WeatherPeriod` (clear elsewhere)."""

    periods: tuple[WeatherPeriod, ...] = ()

    def at(self, t: int, lat: float, lon: float) -> str:
        """The worst condition at ``t`` and the point (``"clear"`` if none applies)."""
        worst = "clear"
        for p in self.periods:
            if p.covers(t, lat, lon) and WEATHER_SLOWDOWN[p.condition] > WEATHER_SLOWDOWN[worst]:
                worst = p.condition
        return worst


@dataclass
class StoreNetwork:
    """Sites, SKUs, couriers and the stock on hand (``stock[store_id][sku_id]``).

    Raises
    ------
    InvalidInputError
        Duplicate ids, couriers of unknown or non-store sites, stock of unknown SKUs or
        at pick-up points, negative stock.
    """

    sites: dict[str, Site]
    skus: dict[str, Sku]
    couriers: dict[str, Courier]
    stock: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        sites: Iterable[Site],
        skus: Iterable[Sku],
        couriers: Iterable[Courier],
        stock: Mapping[str, Mapping[str, int]] | None = None,
    ) -> StoreNetwork:
        """Build and validate a network from lists (ids must be unique)."""

        def index(items: Iterable[object], key: str, fname: str) -> dict[str, object]:
            out: dict[str, object] = {}
            for it in items:
                k = getattr(it, key)
                if k in out:
                    raise InvalidInputError.at(f"{fname}.{key}", "duplicate id", k)
                out[k] = it
            return out

        net = cls(
            index(sites, "site_id", "site"),  # type: ignore[arg-type]
            index(skus, "sku_id", "sku"),  # type: ignore[arg-type]
            index(couriers, "courier_id", "courier"),  # type: ignore[arg-type]
            {s: dict(v) for s, v in (stock or {}).items()},
        )
        net.validate()
        return net

    def validate(self) -> None:
        """Check cross references and stock (see the class docstring)."""
        for c in self.couriers.values():
            s = self.sites.get(c.store_id)
            if s is None or s.kind != "store":
                raise InvalidInputError.at(
                    "courier.store_id", f"{c.store_id!r} is not a store", c.courier_id
                )
        for sid, levels in self.stock.items():
            s = self.sites.get(sid)
            if s is None or s.kind != "store":
                raise InvalidInputError.at("stock", f"{sid!r} is not a store", sid)
            for sku, q in levels.items():
                if sku not in self.skus:
                    raise InvalidInputError.at("stock.sku_id", f"unknown SKU {sku!r}", sid)
                if q < 0:
                    raise InvalidInputError.at("stock", f"negative stock {q} of {sku!r}", sid)
        for s in self.sites.values():
            if s.kind == "store":
                self.stock.setdefault(s.site_id, {})

    def store(self, store_id: str) -> Site:
        """The store ``store_id``.

        Raises
        ------
        NotFoundError
            Unknown id, or the site is not a store.
        """
        s = self.sites.get(store_id)
        if s is None or s.kind != "store":
            raise NotFoundError(f"store_id: unknown store {store_id!r}")
        return s

    def pickup_point(self, site_id: str) -> Site:
        """The pick-up point ``site_id`` (:class:`NotFoundError` if there is none)."""
        s = self.sites.get(site_id)
        if s is None or s.kind != "pickup_point":
            raise NotFoundError(f"pickup_point_id: unknown pick-up point {site_id!r}")
        return s

    def courier(self, courier_id: str) -> Courier:
        """The courier ``courier_id`` (:class:`NotFoundError` if there is none)."""
        c = self.couriers.get(courier_id)
        if c is None:
            raise NotFoundError(f"courier_id: unknown courier {courier_id!r}")
        return c

    def order_amounts(self, order: Order) -> tuple[int, int]:
        """``(weight_kg, volume_l)`` of an order, each at least 1.

        Raises
        ------
        InvalidInputError
            No items, non-positive quantities, unknown SKUs (field ``items``).
        """
        if not order.items:
            raise InvalidInputError.at("items", "an order needs at least one item", order.order_id)
        w = v = 0
        for sku_id, q in order.items:
            sku = self.skus.get(sku_id)
            if sku is None:
                raise InvalidInputError.at("items", f"unknown SKU {sku_id!r}", order.order_id)
            if int(q) != q or q <= 0:
                raise InvalidInputError.at(
                    "items", f"quantity of {sku_id!r} must be a positive integer", order.order_id
                )
            w += sku.weight_kg * q
            v += sku.volume_l * q
        return max(1, w), max(1, v)

    def check_stock(self, order: Order) -> None:
        """Raise :class:`InvalidInputError` (field ``items``) if the store lacks any item."""
        levels = self.stock.get(order.store_id, {})
        need: dict[str, int] = {}
        for sku_id, q in order.items:
            need[sku_id] = need.get(sku_id, 0) + q
        for sku_id, q in need.items():
            have = levels.get(sku_id, 0)
            if have < q:
                raise InvalidInputError.at(
                    "items",
                    f"store {order.store_id!r} has {have} of {sku_id!r}, the order needs {q}",
                    order.order_id,
                )

    def take_stock(self, order: Order) -> None:
        """Remove the order's items from its store's stock (after :meth:`check_stock`)."""
        self.check_stock(order)
        levels = self.stock[order.store_id]
        for sku_id, q in order.items:
            levels[sku_id] -= q

    def pickup_points_near(self, lat: float, lon: float, within_m: int) -> list[Site]:
        """Pick-up points within ``within_m`` road metres of a point, nearest first."""
        pts = [
            (road_metres((lat, lon), s.point), s)
            for s in self.sites.values()
            if s.kind == "pickup_point"
        ]
        return [s for d, s in sorted(pts, key=lambda x: x[0]) if d <= within_m]

    def closed_area_point(self, lat: float, lon: float) -> Site | None:
        """The pick-up point whose closed area (campus, village) holds the point, if any."""
        for s in self.sites.values():
            if (
                s.kind == "pickup_point"
                and s.closed_radius_m > 0
                and leg_metres((lat, lon), s.point, 1.0) <= s.closed_radius_m
            ):
                return s
        return None
