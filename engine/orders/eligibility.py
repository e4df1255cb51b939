"""Who may bid on or grab an order, and whom a new order is pushed to.

Eligibility
-----------
A vehicle may bid on or grab an order when all hold:

* it is not offline, its type is one the order accepts (empty list: any), and its
  capacity covers the cargo's weight and volume;
* its carrier's credit score is at or above the order's ``credit_floor``;
* its empty distance to the pickup (great circle × circuity) is within
  ``max_deadhead_m`` (0: no limit).

Distribution
------------
A posted order is pushed to the carriers the matching engine ranks first
(``Matcher.recommend_vehicles``), at most ``k`` carriers. So the top of the market does
not take everything, at least ``ceil(k × NEW_CARRIER_SHARE)`` (and at least one) of the
slots go to *new* carriers (fewer than :data:`NEW_CARRIER_ORDERS` completed orders) when
any new carrier is among the ranked vehicles, taking the best-ranked new ones. A
carrier's feed is its ``Matcher.recommend_loads`` over the open orders.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from engine.errors import InvalidInputError
from engine.orders.model import Order
from engine.units import DEFAULT_CIRCUITY, EARTH_RADIUS_M

#: Share of the push slots reserved for new carriers.
NEW_CARRIER_SHARE: Final = 0.2
#: A carrier with fewer completed orders than this is new.
NEW_CARRIER_ORDERS: Final = 3


def road_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance × :data:`~engine.units.DEFAULT_CIRCUITY`, in whole metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * DEFAULT_CIRCUITY * math.asin(math.sqrt(min(1.0, h))))


def ineligibility(order: Order, vehicle: Mapping[str, Any], credit: float) -> str | None:
    """Why ``vehicle`` (a row of the vehicles schema) may not take ``order``, or None."""
    vid = vehicle["vehicle_id"]
    if vehicle.get("status") == "offline":
        return f"vehicle {vid} is offline"
    if order.vehicle_types and vehicle["vehicle_type"] not in order.vehicle_types:
        accepts = ", ".join(order.vehicle_types)
        return f"vehicle {vid} is a {vehicle['vehicle_type']}; the order accepts {accepts}"
    if vehicle["capacity_kg"] < order.weight_kg or vehicle["capacity_l"] < order.volume_l:
        return (
            f"vehicle {vid} carries {vehicle['capacity_kg']} kg / {vehicle['capacity_l']} L; "
            f"the cargo is {order.weight_kg} kg / {order.volume_l} L"
        )
    if credit < order.credit_floor:
        return f"carrier credit {credit:.1f} is below the order's floor {order.credit_floor:g}"
    if order.max_deadhead_m > 0:
        dh = road_distance_m(vehicle["lat"], vehicle["lon"], order.origin_lat, order.origin_lon)
        if dh > order.max_deadhead_m:
            return f"vehicle {vid} is {dh} m from the pickup; the limit is {order.max_deadhead_m} m"
    return None


def check_eligible(
    order: Order, vehicle: Mapping[str, Any], carrier_id: int, credit: float
) -> None:
    """Refuse an ineligible vehicle.

    Raises
    ------
    InvalidInputError
        Field ``vehicle_id`` when the vehicle is not the carrier's or cannot take the
        order (the message says why).
    """
    if vehicle["carrier_id"] != carrier_id:
        raise InvalidInputError.at(
            "vehicle_id", f"vehicle {vehicle['vehicle_id']} does not belong to carrier {carrier_id}"
        )
    why = ineligibility(order, vehicle, credit)
    if why is not None:
        raise InvalidInputError.at("vehicle_id", f"not eligible for order {order.order_id}: {why}")


def push_list(
    ranked: Sequence[tuple[int, int, float]],
    completed_orders: Mapping[int, int],
    k: int,
) -> list[int]:
    """Carriers to push a new order to.

    Parameters
    ----------
    ranked
        ``(carrier_id, vehicle_id, score)`` best first (from ``recommend_vehicles``).
    completed_orders
        Completed orders per carrier (missing: 0, a new carrier).
    k
        Number of carriers to push to.

    Returns
    -------
    list
        Distinct carrier ids, best-ranked first, with the new-carrier quota filled.
    """
    if k <= 0:
        raise InvalidInputError.at("k", f"must be > 0, got {k}")
    order: list[int] = []
    for c, _, _ in ranked:
        if c not in order:
            order.append(c)
    new = [c for c in order if completed_orders.get(c, 0) < NEW_CARRIER_ORDERS]
    quota = min(len(new), max(1, math.ceil(k * NEW_CARRIER_SHARE))) if new else 0
    chosen = new[:quota]
    for c in order:
        if len(chosen) >= k:
            break
        if c not in chosen:
            chosen.append(c)
    rank = {c: i for i, c in enumerate(order)}
    return sorted(chosen, key=rank.__getitem__)


def eligible_vehicles(
    order: Order, vehicles: Iterable[Mapping[str, Any]], credit: Mapping[int, float]
) -> list[int]:
    """Ids of the vehicles that may take ``order``."""
    return [
        int(v["vehicle_id"])
        for v in vehicles
        if ineligibility(order, v, credit.get(int(v["carrier_id"]), 0.0)) is None
    ]


__all__ = [
    "NEW_CARRIER_ORDERS",
    "NEW_CARRIER_SHARE",
    "check_eligible",
    "eligible_vehicles",
    "ineligibility",
    "push_list",
    "road_distance_m",
]
