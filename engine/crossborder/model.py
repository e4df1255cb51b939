"""The cross-border world: merchants, stores, SKUs, warehouses with stock, international
legs and customers.

Units: money in fen, weights in grams (:data:`G_PER_KG`), volumes in millilitres
(:data:`ML_PER_L`), lead times in whole days; positions in degrees. Everything is checked
when added to a :class:`Catalog`, which raises :class:`engine.errors.InvalidInputError`
naming the field and the id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from engine.crossborder.dist import DayDist
from engine.crossborder.ruleset import TaxRules
from engine.errors import InvalidInputError, NotFoundError
from engine.units import EARTH_RADIUS_M, METRES_PER_KM

#: Grams per kilogram: parcel weights are grams.
G_PER_KG: Final = 1000
#: Millilitres (cm³) per litre: parcel volumes are millilitres.
ML_PER_L: Final = 1000
#: Millilitres per cubic metre.
ML_PER_M3: Final = 1_000_000
#: Largest accepted unit price: ¥1,000,000.
MAX_UNIT_PRICE_FEN: Final = 100_000_000
#: Largest quantity on one order line.
MAX_QUANTITY: Final = 999

WAREHOUSE_KINDS: Final = ("bonded", "overseas", "store")
MODES: Final = ("air", "sea")
OWNERS: Final = ("merchant", "platform")
VENUES: Final = ("mall", "supermarket", "hotel", "scenic")


@dataclass(frozen=True, slots=True)
class Merchant:
    """A merchant: sells its own goods and may resell platform goods pushed to it."""

    merchant_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Store:
    """An offline store of a merchant at a venue; ``warehouse_id`` is its own shelf stock."""

    store_id: str
    merchant_id: str
    venue: str
    lat: float
    lon: float
    warehouse_id: str


@dataclass(frozen=True, slots=True)
class Sku:
    """A product: HS code (10 digits), unit weight (g), volume (mL), price (fen), tax class,
    and whose goods it is (``owner`` ``"merchant"``: ``merchant_id``'s own; ``"platform"``:
    platform goods a merchant resells)."""

    sku_id: str
    merchant_id: str
    owner: str
    hs_code: str
    weight_g: int
    volume_ml: int
    unit_price_fen: int
    tax_class: str


@dataclass(slots=True)
class Warehouse:
    """A bonded warehouse in China, an overseas warehouse, or a store's shelf.

    ``stock`` maps SKU id to units on hand (mutable: fulfilment takes from it).
    ``handling_fen`` is the pick-and-pack cost of one order.
    """

    warehouse_id: str
    kind: str
    country: str
    lat: float
    lon: float
    handling_fen: int = 500
    stock: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Leg:
    """A carrier's international leg from an overseas warehouse to a Chinese port of entry.

    Departures leave on ``cutoff_weekdays`` (0 = Monday): an order ready on a cut-off day
    leaves that day. Freight is ``max(weight × per_kg, volume × per_m³)`` (the chargeable
    weight rule), in fen. Shipped alone, a parcel pays the express rate
    ``parcel_first_kg_fen`` plus ``parcel_extra_kg_fen`` per started extra kilogram;
    consolidated, parcels travel in units (air containers, sea pallets) of
    ``unit_capacity_g`` / ``unit_capacity_ml``, each costing the fee ``unit_cost_fen`` plus
    the freight of its load.
    """

    leg_id: str
    warehouse_id: str
    mode: str
    cutoff_weekdays: tuple[int, ...]
    transit: DayDist
    price_per_kg_fen: int
    price_per_m3_fen: int
    parcel_first_kg_fen: int
    parcel_extra_kg_fen: int
    unit_capacity_g: int
    unit_capacity_ml: int
    unit_cost_fen: int
    port_lat: float
    port_lon: float

    def days_to_departure(self, weekday: int) -> int:
        """Days from an order ready on ``weekday`` to the next departure (0 if today)."""
        return min((d - weekday) % 7 for d in self.cutoff_weekdays)

    def freight_fen(self, weight_g: int, volume_ml: int) -> int:
        """Consolidated freight of a parcel on this leg (chargeable-weight rule), in fen."""
        by_w = -(-weight_g * self.price_per_kg_fen // G_PER_KG)
        by_v = -(-volume_ml * self.price_per_m3_fen // ML_PER_M3)
        return max(by_w, by_v)

    def parcel_alone_fen(self, weight_g: int) -> int:
        """Express price of shipping one parcel on its own."""
        extra_kg = max(0, -(-weight_g // G_PER_KG) - 1)
        return self.parcel_first_kg_fen + extra_kg * self.parcel_extra_kg_fen


@dataclass(slots=True)
class Customer:
    """A buyer, with the cross-border total used so far per calendar year (fen)."""

    customer_id: str
    name: str
    lat: float
    lon: float
    annual_total_fen: dict[int, int] = field(default_factory=dict)

    def used(self, year: int) -> int:
        """The year's cross-border total so far."""
        return self.annual_total_fen.get(year, 0)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine, the engine's Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))) / METRES_PER_KM


def _check_int(v: object, name: str, rid: str, lo: int, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise InvalidInputError.at(name, f"must be an integer {rng}, got {v!r}", rid)
    return v


def _check_pos(lat: float, lon: float, rid: str) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInputError.at("lat/lon", f"({lat}, {lon}) out of range", rid)


class Catalog:
    """Everything fulfilment needs, checked on entry against the tax rules in force.

    Parameters
    ----------
    rules
        The tax table whose positive list and classes SKUs are checked against.
    """

    def __init__(self, rules: TaxRules) -> None:
        self.rules = rules
        self.merchants: dict[str, Merchant] = {}
        self.stores: dict[str, Store] = {}
        self.skus: dict[str, Sku] = {}
        self.warehouses: dict[str, Warehouse] = {}
        self.legs: dict[str, Leg] = {}
        self.legs_from: dict[str, list[Leg]] = {}
        self.customers: dict[str, Customer] = {}

    @staticmethod
    def _new(table: dict[str, object], key: str, name: str) -> None:
        if not key:
            raise InvalidInputError.at(name, "id is empty")
        if key in table:
            raise InvalidInputError.at(name, "duplicate id", key)

    def add_merchant(self, m: Merchant) -> Merchant:
        """Add a merchant (unique id)."""
        self._new(self.merchants, m.merchant_id, "merchant_id")  # type: ignore[arg-type]
        self.merchants[m.merchant_id] = m
        return m

    def add_warehouse(self, w: Warehouse) -> Warehouse:
        """Add a warehouse; its stock must name known SKUs with non-negative units.

        Raises
        ------
        InvalidInputError
            Duplicate id, unknown kind, bad position, unknown SKU or negative stock.
        """
        self._new(self.warehouses, w.warehouse_id, "warehouse_id")  # type: ignore[arg-type]
        if w.kind not in WAREHOUSE_KINDS:
            raise InvalidInputError.at("kind", f"must be one of {WAREHOUSE_KINDS}", w.warehouse_id)
        _check_pos(w.lat, w.lon, w.warehouse_id)
        _check_int(w.handling_fen, "handling_fen", w.warehouse_id, 0)
        for sku, units in w.stock.items():
            self.sku(sku)
            _check_int(units, "stock", f"{w.warehouse_id}/{sku}", 0)
        self.warehouses[w.warehouse_id] = w
        return w

    def add_store(self, s: Store) -> Store:
        """Add a store of a known merchant whose shelf is a known ``store`` warehouse."""
        self._new(self.stores, s.store_id, "store_id")  # type: ignore[arg-type]
        self.merchant(s.merchant_id)
        if s.venue not in VENUES:
            raise InvalidInputError.at("venue", f"must be one of {VENUES}", s.store_id)
        _check_pos(s.lat, s.lon, s.store_id)
        w = self.warehouse(s.warehouse_id)
        if w.kind != "store":
            raise InvalidInputError.at(
                "warehouse_id", "a store's shelf must be kind 'store'", s.store_id
            )
        self.stores[s.store_id] = s
        return s

    def add_sku(self, s: Sku) -> Sku:
        """Add a SKU; its HS code must be on the positive list and match its tax class.

        Raises
        ------
        InvalidInputError
            Duplicate id, unknown merchant or owner, malformed or unlisted HS code, a tax
            class other than the positive list's, sizes or price out of range.
        """
        self._new(self.skus, s.sku_id, "sku_id")  # type: ignore[arg-type]
        self.merchant(s.merchant_id)
        if s.owner not in OWNERS:
            raise InvalidInputError.at("owner", f"must be one of {OWNERS}", s.sku_id)
        cls = self.rules.tax_class_of(s.hs_code, "hs_code", s.sku_id)
        if s.tax_class != cls:
            raise InvalidInputError.at(
                "tax_class",
                f"{s.tax_class!r} but HS heading {s.hs_code[:4]} is {cls!r} ({self.rules.version})",
                s.sku_id,
            )
        _check_int(s.weight_g, "weight_g", s.sku_id, 1, 1_000_000)
        _check_int(s.volume_ml, "volume_ml", s.sku_id, 1, 10_000_000)
        _check_int(s.unit_price_fen, "unit_price_fen", s.sku_id, 1, MAX_UNIT_PRICE_FEN)
        self.skus[s.sku_id] = s
        return s

    def add_leg(self, leg: Leg) -> Leg:
        """Add an international leg from a known overseas warehouse.

        Raises
        ------
        InvalidInputError
            Duplicate id, unknown mode, no cut-off day or a day outside 0–6, a warehouse
            that is not overseas, negative prices, non-positive unit capacity.
        """
        self._new(self.legs, leg.leg_id, "leg_id")  # type: ignore[arg-type]
        if leg.mode not in MODES:
            raise InvalidInputError.at("mode", f"must be one of {MODES}", leg.leg_id)
        if not leg.cutoff_weekdays or any(not 0 <= d <= 6 for d in leg.cutoff_weekdays):
            raise InvalidInputError.at("cutoff_weekdays", "give days 0 (Mon) to 6", leg.leg_id)
        if self.warehouse(leg.warehouse_id).kind != "overseas":
            raise InvalidInputError.at("warehouse_id", "legs leave overseas warehouses", leg.leg_id)
        for name in (
            "price_per_kg_fen",
            "price_per_m3_fen",
            "parcel_first_kg_fen",
            "parcel_extra_kg_fen",
            "unit_cost_fen",
        ):
            _check_int(getattr(leg, name), name, leg.leg_id, 0)
        _check_int(leg.unit_capacity_g, "unit_capacity_g", leg.leg_id, 1)
        _check_int(leg.unit_capacity_ml, "unit_capacity_ml", leg.leg_id, 1)
        self.legs[leg.leg_id] = leg
        self.legs_from.setdefault(leg.warehouse_id, []).append(leg)
        return leg

    def add_customer(self, c: Customer) -> Customer:
        """Add a customer (non-negative annual totals)."""
        self._new(self.customers, c.customer_id, "customer_id")  # type: ignore[arg-type]
        _check_pos(c.lat, c.lon, c.customer_id)
        for year, v in c.annual_total_fen.items():
            _check_int(v, "annual_total_fen", f"{c.customer_id}/{year}", 0)
        self.customers[c.customer_id] = c
        return c

    def add_all(self, items: Iterable[Merchant | Warehouse | Store | Sku | Leg | Customer]) -> None:
        """Add several entities in order."""
        for x in items:
            if isinstance(x, Merchant):
                self.add_merchant(x)
            elif isinstance(x, Warehouse):
                self.add_warehouse(x)
            elif isinstance(x, Store):
                self.add_store(x)
            elif isinstance(x, Sku):
                self.add_sku(x)
            elif isinstance(x, Leg):
                self.add_leg(x)
            else:
                self.add_customer(x)

    def merchant(self, key: str) -> Merchant:
        """The merchant ``key``.

        Raises
        ------
        NotFoundError
            Unknown id (as for every lookup below).
        """
        try:
            return self.merchants[key]
        except KeyError:
            raise NotFoundError(f"unknown merchant_id {key!r}") from None

    def sku(self, key: str) -> Sku:
        """The SKU ``key`` (raises :class:`InvalidInputError` naming ``sku_id`` if unknown)."""
        try:
            return self.skus[key]
        except KeyError:
            raise InvalidInputError.at("sku_id", "unknown SKU", key) from None

    def warehouse(self, key: str) -> Warehouse:
        """The warehouse ``key``."""
        try:
            return self.warehouses[key]
        except KeyError:
            raise NotFoundError(f"unknown warehouse_id {key!r}") from None

    def store(self, key: str) -> Store:
        """The store ``key``."""
        try:
            return self.stores[key]
        except KeyError:
            raise NotFoundError(f"unknown store_id {key!r}") from None

    def customer(self, key: str) -> Customer:
        """The customer ``key``."""
        try:
            return self.customers[key]
        except KeyError:
            raise NotFoundError(f"unknown customer_id {key!r}") from None


__all__ = [
    "G_PER_KG",
    "MAX_QUANTITY",
    "MAX_UNIT_PRICE_FEN",
    "ML_PER_L",
    "ML_PER_M3",
    "MODES",
    "OWNERS",
    "VENUES",
    "WAREHOUSE_KINDS",
    "Catalog",
    "Customer",
    "Leg",
    "Merchant",
    "Sku",
    "Store",
    "Warehouse",
    "great_circle_km",
]
