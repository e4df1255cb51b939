"""A seeded synthetic cross-border world for demos, tests and the simulator.

Chinese cities come from the bundled GeoNames table (:func:`engine.data.generator.load_cities`);
overseas warehouses sit in Japan, Australia and Germany, each with an air and a sea leg to
its port of entry. SKUs are drawn from product templates whose HS codes are on the positive
list. Figures (prices, transit times, rates) are plausible round numbers, not market data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from engine.crossborder.dist import DayDist
from engine.crossborder.model import (
    VENUES,
    Catalog,
    Customer,
    Leg,
    Merchant,
    Sku,
    Store,
    Warehouse,
)
from engine.crossborder.ruleset import TaxRules

#: (HS code, tax class, weight g, volume mL, price range in yuan) per product template.
PRODUCTS: Final = (
    ("0402210000", "food", 900, 2500, (200, 400)),
    ("1901101000", "food", 800, 2000, (250, 450)),
    ("2106909090", "food", 300, 600, (150, 500)),
    ("2204210000", "wine", 1500, 1500, (150, 2000)),
    ("3304990000", "cosmetics_premium", 200, 300, (300, 3000)),
    ("3305100000", "general", 500, 600, (60, 200)),
    ("3401110000", "general", 150, 200, (30, 100)),
    ("4202210000", "general", 1000, 8000, (1500, 8000)),
    ("6110110000", "general", 500, 3000, (500, 3000)),
    ("6403990000", "general", 1200, 9000, (600, 3000)),
    ("8509400000", "general", 3000, 15000, (500, 2500)),
    ("8516320000", "general", 800, 4000, (800, 3500)),
    ("9004100000", "general", 100, 500, (800, 4000)),
    ("9101110000", "watch_premium", 300, 1000, (3000, 20000)),
    ("9102110000", "general", 200, 800, (500, 3000)),
    ("9503008900", "general", 600, 4000, (100, 800)),
)


@dataclass(frozen=True, slots=True)
class Country:
    """An origin country: its warehouse city, port of entry in China and leg figures."""

    code: str
    city: str
    lat: float
    lon: float
    port_lat: float
    port_lon: float
    air: tuple[tuple[int, int], ...]
    sea: tuple[tuple[int, int], ...]
    air_per_kg_fen: int
    sea_per_m3_fen: int
    parcel_first_kg_fen: int
    parcel_extra_kg_fen: int
    air_unit_cost_fen: int
    sea_unit_cost_fen: int


COUNTRIES: Final = (
    Country(
        "JP", "Tokyo", 35.68, 139.69, 31.23, 121.47,
        ((2, 50), (3, 35), (4, 15)), ((7, 30), (9, 40), (12, 30)),
        3500, 80000, 8000, 3000, 60_000, 40_000,
    ),
    Country(
        "AU", "Sydney", -33.87, 151.21, 23.13, 113.26,
        ((3, 40), (4, 35), (6, 25)), ((18, 30), (21, 45), (25, 25)),
        4500, 110000, 12000, 4000, 80_000, 50_000,
    ),
    Country(
        "DE", "Frankfurt", 50.11, 8.68, 34.75, 113.62,
        ((4, 40), (5, 40), (7, 20)), ((30, 30), (34, 45), (40, 25)),
        5000, 130000, 13000, 4500, 90_000, 60_000,
    ),
)  # fmt: skip
#: Consolidation units: an AKE air container and an LCL sea pallet (grams, millilitres).
AIR_UNIT: Final = (1_500_000, 4_300_000)
SEA_UNIT: Final = (1_000_000, 1_500_000)


def build_world(
    rules: TaxRules,
    *,
    seed: int = 0,
    merchants: int = 10,
    skus: int = 500,
    bonded: int = 5,
    overseas: int = 3,
    stores_per_merchant: int = 2,
    customers: int = 1000,
    overseas_stock: int = 10_000,
    bonded_share: float = 0.4,
    bonded_stock: int = 200,
) -> Catalog:
    """Build a seeded world.

    Parameters
    ----------
    rules
        Tax table SKUs are checked against.
    seed
        Seed of every random choice.
    merchants, skus, bonded, overseas, customers
        How many of each (overseas warehouses cycle through JP, AU, DE).
    stores_per_merchant
        Offline stores per merchant (venues cycle through malls, supermarkets, hotels,
        scenic spots).
    overseas_stock
        Units of each SKU at each overseas warehouse of its origin country.
    bonded_share, bonded_stock
        Share of SKUs stocked in every bonded warehouse, and units of each.
    """
    from engine.data.generator import load_cities

    rng = random.Random(seed)
    cities = load_cities(60).to_dicts()
    weights = [float(c["population"]) for c in cities]
    cat = Catalog(rules)
    for m in range(merchants):
        cat.add_merchant(Merchant(f"M{m:03d}", f"merchant {m}"))
    cat.add_merchant(Merchant("PLATFORM", "platform goods"))
    countries = [COUNTRIES[i % len(COUNTRIES)] for i in range(overseas)]
    sku_list: list[Sku] = []
    origin: dict[str, str] = {}
    for i in range(skus):
        hs, cls, wg, vol, (lo, hi) = PRODUCTS[rng.randrange(len(PRODUCTS))]
        platform = rng.random() < 0.2
        s = Sku(
            f"S{i:05d}",
            "PLATFORM" if platform else f"M{rng.randrange(merchants):03d}",
            "platform" if platform else "merchant",
            hs,
            max(1, int(wg * rng.uniform(0.7, 1.3))),
            max(1, int(vol * rng.uniform(0.7, 1.3))),
            rng.randint(lo, hi) * 100 + rng.choice((0, 0, 50, 90)),
            cls,
        )
        cat.add_sku(s)
        sku_list.append(s)
        origin[s.sku_id] = COUNTRIES[rng.randrange(len(COUNTRIES))].code
    for k, c in enumerate(countries):
        w = Warehouse(
            f"OS-{c.code}-{k}",
            "overseas",
            c.code,
            c.lat + rng.uniform(-0.2, 0.2),
            c.lon + rng.uniform(-0.2, 0.2),
            handling_fen=800,
            stock={s.sku_id: overseas_stock for s in sku_list if origin[s.sku_id] == c.code},
        )
        cat.add_warehouse(w)
        cat.add_leg(
            Leg(
                f"{w.warehouse_id}-air", w.warehouse_id, "air", (1, 3, 5),
                DayDist.from_pairs([list(p) for p in c.air]),
                c.air_per_kg_fen, c.air_per_kg_fen * 167,
                c.parcel_first_kg_fen, c.parcel_extra_kg_fen,
                *AIR_UNIT, c.air_unit_cost_fen, c.port_lat, c.port_lon,
            )
        )  # fmt: skip
        cat.add_leg(
            Leg(
                f"{w.warehouse_id}-sea", w.warehouse_id, "sea", (4,),
                DayDist.from_pairs([list(p) for p in c.sea]),
                c.sea_per_m3_fen // 400, c.sea_per_m3_fen,
                c.parcel_first_kg_fen, c.parcel_extra_kg_fen,
                *SEA_UNIT, c.sea_unit_cost_fen, c.port_lat, c.port_lon,
            )
        )  # fmt: skip
    for b in range(bonded):
        city = cities[b % len(cities)]
        cat.add_warehouse(
            Warehouse(
                f"BW-{b:02d}",
                "bonded",
                "CN",
                float(city["latitude"]) + rng.uniform(-0.05, 0.05),
                float(city["longitude"]) + rng.uniform(-0.05, 0.05),
                handling_fen=400,
                stock={s.sku_id: bonded_stock for s in sku_list if rng.random() < bonded_share},
            )
        )
    for m in range(merchants):
        mid = f"M{m:03d}"
        own = [s.sku_id for s in sku_list if s.merchant_id in (mid, "PLATFORM")]
        for k in range(stores_per_merchant):
            city = rng.choices(cities, weights)[0]
            wid = f"SH-{mid}-{k}"
            cat.add_warehouse(
                Warehouse(
                    wid,
                    "store",
                    "CN",
                    float(city["latitude"]),
                    float(city["longitude"]),
                    handling_fen=0,
                    stock={s: 5 for s in rng.sample(own, min(len(own), 20))},
                )
            )
            cat.add_store(
                Store(
                    f"ST-{mid}-{k}",
                    mid,
                    VENUES[(m + k) % len(VENUES)],
                    float(city["latitude"]),
                    float(city["longitude"]),
                    wid,
                )
            )
    for i in range(customers):
        city = rng.choices(cities, weights)[0]
        cat.add_customer(
            Customer(
                f"C{i:06d}",
                f"customer {i}",
                float(city["latitude"]) + rng.uniform(-0.1, 0.1),
                float(city["longitude"]) + rng.uniform(-0.1, 0.1),
            )
        )
    return cat


__all__ = ["AIR_UNIT", "COUNTRIES", "PRODUCTS", "SEA_UNIT", "Country", "build_world"]
