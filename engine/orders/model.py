"""The order, its states, price modes, actors and events (plain data, no storage).

Money is integer fen, weights kg, volumes litres, instants Unix seconds (UTC),
distances metres (:mod:`engine.units`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from engine.data.schemas import VEHICLE_TYPES
from engine.errors import InvalidInputError

#: Largest money amount accepted anywhere in the order subsystem (10^12 fen = 10 billion
#: yuan); sums of a few such amounts stay far inside int64.
MAX_FEN: Final = 10**12
#: Largest weight (kg), volume (L) and piece count accepted.
MAX_QUANTITY: Final = 10**9
#: Largest instant accepted (year 2286): keeps every deadline sum inside int64.
MAX_INSTANT: Final = 10**10


class State(StrEnum):
    """Order states. ``posted`` is left at once for the channel of the price mode."""

    POSTED = "posted"
    BIDDING = "bidding"
    GRABBING = "grabbing"
    OFFERED = "offered"
    AWARDED = "awarded"
    LOADING_CONFIRMED = "loading_confirmed"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CONFIRMED = "confirmed"
    RATED = "rated"
    SETTLED = "settled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    EXCEPTION = "exception"


#: States in which nobody carries the order yet (the market is open).
OPEN_STATES: Final = frozenset({State.POSTED, State.BIDDING, State.GRABBING, State.OFFERED})
#: States that end the order.
FINAL_STATES: Final = frozenset({State.SETTLED, State.CANCELLED, State.EXPIRED})


class PriceMode(StrEnum):
    """How the carrier is found: a fixed price offered to a dispatched carrier, sealed
    bidding (竞价) or first-come grabbing (抢单)."""

    FIXED = "fixed"
    BIDDING = "bidding"
    GRABBING = "grabbing"


class Role(StrEnum):
    """Who acts: the shipper, a carrier, or the platform (dispatch, customer service,
    finance, and the system's own deadline sweeps)."""

    SHIPPER = "shipper"
    CARRIER = "carrier"
    PLATFORM = "platform"


@dataclass(frozen=True, slots=True)
class Actor:
    """An actor: a role and the id of the shipper, carrier or platform user."""

    role: Role
    id: int

    def __str__(self) -> str:
        return f"{self.role.value}:{self.id}"

    @classmethod
    def parse(cls, text: str, field_name: str = "actor") -> Actor:
        """Parse ``role:id`` (``shipper:12``).

        Raises
        ------
        InvalidInputError
            If the text is not a known role and a non-negative integer id.
        """
        role, _, ident = text.partition(":")
        try:
            r = Role(role)
            i = int(ident)
        except ValueError:
            raise InvalidInputError.at(
                field_name,
                f"expected ROLE:ID with ROLE in shipper, carrier, platform; got {text!r}",
            ) from None
        if not 0 <= i <= 2**62:
            raise InvalidInputError.at(field_name, f"id must be in [0, 2**62], got {i}")
        return cls(r, i)


SYSTEM: Final = Actor(Role.PLATFORM, 0)


@dataclass(frozen=True, slots=True)
class Event:
    """One append-only order event: what happened, to which state, who, when and why.

    ``seq`` is assigned by the store (the subscription cursor); 0 before it is stored.
    """

    order_id: int
    kind: str
    from_state: str
    to_state: str
    actor: str
    at: int
    reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0


def check_int(name: str, value: Any, lo: int = 0, hi: int = MAX_FEN) -> int:
    """``value`` as an int in ``[lo, hi]``.

    Raises
    ------
    InvalidInputError
        Naming ``name`` when the value is not an integer or is out of range (an amount
        that would overflow is refused here, before anything is written).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError.at(name, f"must be an integer, got {value!r}")
    if value < lo or value > hi:
        raise InvalidInputError.at(name, f"must be in [{lo}, {hi}], got {value}")
    return value


def _coord(name: str, value: Any, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError.at(name, f"must be a finite number, got {value!r}")
    if abs(value) > limit:
        raise InvalidInputError.at(name, f"must be within ±{limit:g}, got {value}")
    return float(value)


@dataclass(slots=True)
class Order:
    """A freight order: what the shipper posted and where it stands.

    Posted fields
    -------------
    order_id, shipper_id
        Ids (>= 1 and >= 0).
    origin_lat, origin_lon, origin_city, dest_lat, dest_lon, dest_city
        Pickup and delivery sites (degrees, city names).
    weight_kg, volume_l, pieces, declared_value_fen, cargo_type
        The cargo.
    vehicle_types
        Accepted vehicle types (empty: any).
    pickup_start, pickup_end, delivery_deadline
        Pickup window and delivery deadline (Unix s).
    price_mode
        :class:`PriceMode`.
    price_fen
        Fixed and grabbing: the price paid. Bidding: the reserve, the most the shipper
        pays (bids above it are accepted but cannot win).
    deadline
        Bidding: the sealed-bid deadline. Grabbing and fixed: the award deadline after
        which an order nobody took expires.
    auto_award
        Bidding: award the rule's winner at the deadline (else the shipper awards by hand
        within :data:`engine.orders.machine.AWARD_WINDOW_S`).
    credit_floor
        Minimum carrier credit score (0–100) to bid or grab.
    max_deadhead_m
        Maximum empty distance from the vehicle to the pickup (0: no limit).
    offered_carrier_id
        Fixed price: the dispatched carrier the order is offered to (-1: none yet).
    posted_at
        When it was posted (Unix s).

    Progress fields
    ---------------
    state, version (bumped by every transition), carrier_id/vehicle_id (-1 until awarded),
    awarded_price_fen, awarded_at, loaded_weight_kg, loaded_pieces, loaded_at,
    delivered_at, confirmed_at, settled_at, resume_state (the state an exception
    interrupted), shipper_rated, carrier_rated, live_plan_id.
    """

    order_id: int
    shipper_id: int
    origin_lat: float
    origin_lon: float
    origin_city: str
    dest_lat: float
    dest_lon: float
    dest_city: str
    weight_kg: int
    volume_l: int
    pickup_start: int
    pickup_end: int
    delivery_deadline: int
    price_mode: PriceMode
    price_fen: int
    deadline: int
    posted_at: int
    pieces: int = 1
    declared_value_fen: int = 0
    cargo_type: str = "general"
    vehicle_types: tuple[str, ...] = ()
    auto_award: bool = True
    credit_floor: float = 0.0
    max_deadhead_m: int = 0
    offered_carrier_id: int = -1
    live_plan_id: str = ""
    # progress
    state: State = State.POSTED
    version: int = 0
    carrier_id: int = -1
    vehicle_id: int = -1
    awarded_price_fen: int = 0
    awarded_at: int = 0
    loaded_weight_kg: int = 0
    loaded_pieces: int = 0
    loaded_at: int = 0
    delivered_at: int = 0
    confirmed_at: int = 0
    settled_at: int = 0
    resume_state: str = ""
    shipper_rated: bool = False
    carrier_rated: bool = False

    def validate(self) -> Order:
        """Check every posted field; returns self.

        Raises
        ------
        InvalidInputError
            Naming the first field at fault.
        """
        check_int("order_id", self.order_id, 1, 2**62)
        check_int("shipper_id", self.shipper_id, 0, 2**62)
        for n, lim in (
            ("origin_lat", 90),
            ("origin_lon", 180),
            ("dest_lat", 90),
            ("dest_lon", 180),
        ):
            _coord(n, getattr(self, n), lim)
        check_int("weight_kg", self.weight_kg, 1, MAX_QUANTITY)
        check_int("volume_l", self.volume_l, 1, MAX_QUANTITY)
        check_int("pieces", self.pieces, 1, MAX_QUANTITY)
        check_int("declared_value_fen", self.declared_value_fen)
        check_int("pickup_start", self.pickup_start, 0, MAX_INSTANT)
        check_int("pickup_end", self.pickup_end, self.pickup_start, MAX_INSTANT)
        check_int("delivery_deadline", self.delivery_deadline, self.pickup_end, MAX_INSTANT)
        check_int("posted_at", self.posted_at, 0, MAX_INSTANT)
        check_int("deadline", self.deadline, self.posted_at + 1, MAX_INSTANT)
        if self.deadline > self.pickup_end:
            raise InvalidInputError.at(
                "deadline", f"must be <= pickup_end ({self.pickup_end}), got {self.deadline}"
            )
        if not isinstance(self.price_mode, PriceMode):
            raise InvalidInputError.at(
                "price_mode", f"must be a PriceMode, got {self.price_mode!r}"
            )
        check_int("price_fen", self.price_fen, 1)
        for t in self.vehicle_types:
            if t not in VEHICLE_TYPES:
                raise InvalidInputError.at(
                    "vehicle_types",
                    f"unknown vehicle type {t!r} (known: {', '.join(VEHICLE_TYPES)})",
                )
        if not (math.isfinite(self.credit_floor) and 0 <= self.credit_floor <= 100):
            raise InvalidInputError.at(
                "credit_floor", f"must be in [0, 100], got {self.credit_floor}"
            )
        check_int("max_deadhead_m", self.max_deadhead_m, 0, 10**8)
        if not self.cargo_type or len(self.cargo_type) > 64:
            raise InvalidInputError.at("cargo_type", "must be 1 to 64 characters")
        if self.price_mode is PriceMode.FIXED:
            check_int("offered_carrier_id", self.offered_carrier_id, -1, 2**62)
        return self

    def as_load(self) -> dict[str, Any]:
        """The order as a row of the engine's loads schema (for matching)."""
        return {
            "load_id": self.order_id,
            "shipper_id": self.shipper_id,
            "origin_lat": self.origin_lat,
            "origin_lon": self.origin_lon,
            "origin_city": self.origin_city,
            "dest_lat": self.dest_lat,
            "dest_lon": self.dest_lon,
            "dest_city": self.dest_city,
            "weight_kg": self.weight_kg,
            "volume_l": self.volume_l,
            "vehicle_types": list(self.vehicle_types),
            "pickup_start": self.pickup_start,
            "pickup_end": self.pickup_end,
            "delivery_deadline": self.delivery_deadline,
            "price_fen": self.price_fen,
            "posted_at": self.posted_at,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (enums as strings, tuples as lists)."""
        d = dataclasses.asdict(self)
        d["price_mode"] = self.price_mode.value
        d["state"] = self.state.value
        d["vehicle_types"] = list(self.vehicle_types)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Order:
        """Inverse of :meth:`to_dict`."""
        kw = dict(d)
        kw["price_mode"] = PriceMode(kw["price_mode"])
        kw["state"] = State(kw.get("state", "posted"))
        kw["vehicle_types"] = tuple(kw.get("vehicle_types", ()))
        return cls(**kw)

    def copy(self) -> Order:
        """A shallow copy (orders are changed by copying, never in place)."""
        return dataclasses.replace(self)


#: The columns of a world's load (:data:`engine.data.schemas.LOADS`) an order takes as they
#: are: shipper, both ends and the cargo. Windows, price and deadline depend on how the load
#: is posted, so each caller sets them.
LOAD_ORDER_FIELDS: Final = (
    "shipper_id",
    "origin_lat",
    "origin_lon",
    "origin_city",
    "dest_lat",
    "dest_lon",
    "dest_city",
    "weight_kg",
    "volume_l",
)


__all__ = [
    "FINAL_STATES",
    "LOAD_ORDER_FIELDS",
    "MAX_FEN",
    "MAX_INSTANT",
    "MAX_QUANTITY",
    "OPEN_STATES",
    "SYSTEM",
    "Actor",
    "Event",
    "Order",
    "PriceMode",
    "Role",
    "State",
    "check_int",
]
