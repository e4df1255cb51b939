"""Shared builders for the order tests (no database)."""

from __future__ import annotations

from typing import Any

from engine.orders.model import Order, PriceMode

T0 = 1_795_000_000


def make_order(order_id: int = 1, mode: PriceMode = PriceMode.GRABBING, **kw: Any) -> Order:
    """A valid order from Shanghai to Hangzhou posted at ``T0``."""
    base: dict[str, Any] = {
        "order_id": order_id,
        "shipper_id": 7,
        "origin_lat": 31.23,
        "origin_lon": 121.47,
        "origin_city": "Shanghai",
        "dest_lat": 30.27,
        "dest_lon": 120.15,
        "dest_city": "Hangzhou",
        "weight_kg": 3_000,
        "volume_l": 10_000,
        "pickup_start": T0 + 3_600,
        "pickup_end": T0 + 7_200,
        "delivery_deadline": T0 + 30_000,
        "price_mode": mode,
        "price_fen": 150_000,
        "deadline": T0 + 1_800,
        "posted_at": T0,
    }
    base.update(kw)
    return Order(**base)


def vehicle(vehicle_id: int = 11, carrier_id: int = 5, **kw: Any) -> dict[str, Any]:
    """A light truck near the order's pickup."""
    v: dict[str, Any] = {
        "vehicle_id": vehicle_id,
        "carrier_id": carrier_id,
        "vehicle_type": "light_truck",
        "capacity_kg": 4_000,
        "capacity_l": 16_000,
        "lat": 31.20,
        "lon": 121.40,
        "status": "idle",
    }
    v.update(kw)
    return v
