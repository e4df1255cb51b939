"""The protobuf ⇄ engine boundary of the ``yunli.v1.Orders`` service."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Final

from engine.errors import InvalidInputError
from engine.orders.auction import Bid
from engine.orders.credit import Credit, CreditStats
from engine.orders.model import Actor, Event, Order, PriceMode
from engine.orders.pricing import PriceGuidance
from server.proto import orders_pb2

#: Posted fields a PostOrder request must set.
REQUIRED: Final = (
    "shipper_id",
    "origin_lat",
    "origin_lon",
    "dest_lat",
    "dest_lon",
    "weight_kg",
    "volume_l",
    "pickup_start",
    "pickup_end",
    "delivery_deadline",
    "price_mode",
    "price_fen",
    "deadline",
)
#: Posted fields that may be left out (the Order defaults apply).
OPTIONAL: Final = (
    "origin_city",
    "dest_city",
    "pieces",
    "declared_value_fen",
    "cargo_type",
    "auto_award",
    "credit_floor",
    "max_deadhead_m",
    "offered_carrier_id",
    "live_plan_id",
)
_PROGRESS: Final = tuple(
    f.name
    for f in dataclasses.fields(Order)
    if f.name not in (*REQUIRED, *OPTIONAL, "order_id", "vehicle_types", "posted_at")
)


def order_in(msg: Any, posted_at: int) -> Order:
    """A new order from a PostOrder request's ``order`` (order_id 0 until stored).

    Raises
    ------
    InvalidInputError
        Naming ``order.<field>`` when a required field is missing or a value is invalid.
    """
    kw: dict[str, Any] = {"order_id": 1, "posted_at": posted_at}
    for name in REQUIRED:
        if not msg.HasField(name):
            raise InvalidInputError.at(f"order.{name}", "is required")
        kw[name] = getattr(msg, name)
    for name in OPTIONAL:
        if msg.HasField(name):
            kw[name] = getattr(msg, name)
    kw.setdefault("origin_city", "")
    kw.setdefault("dest_city", "")
    try:
        kw["price_mode"] = PriceMode(kw["price_mode"])
    except ValueError:
        raise InvalidInputError.at(
            "order.price_mode", f"must be fixed, bidding or grabbing, got {kw['price_mode']!r}"
        ) from None
    kw["vehicle_types"] = tuple(msg.vehicle_types)
    order = Order(**kw)
    try:
        order.validate()
    except InvalidInputError as e:
        raise InvalidInputError.at(f"order.{e.field}", e.reason) from None
    return order


def order_out(o: Order | dict[str, Any]) -> Any:
    """An ``Order`` message."""
    d = o.to_dict() if isinstance(o, Order) else dict(o)
    d["vehicle_types"] = list(d.get("vehicle_types", ()))
    return orders_pb2.Order(**d)


def guidance_out(g: PriceGuidance | None) -> Any:
    """A ``PriceGuidance`` message (empty for None)."""
    if g is None:
        return orders_pb2.PriceGuidance()
    return orders_pb2.PriceGuidance(**dataclasses.asdict(g))


def reply(
    result: dict[str, Any], guidance: PriceGuidance | None = None, pushed: list[int] | None = None
) -> Any:
    """An ``OrderReply`` from a store call's result."""
    return orders_pb2.OrderReply(
        order=order_out(result["order"]),
        seq=int(result["seq"]),
        replayed=bool(result.get("replayed")),
        guidance=guidance_out(guidance),
        pushed_carriers=pushed or [],
    )


def actor(text: str) -> Actor:
    """The ``actor`` field (INVALID_ARGUMENT naming ``actor`` when malformed)."""
    return Actor.parse(text, "actor")


def event_out(e: Event) -> Any:
    """An ``OrderEvent`` message."""
    return orders_pb2.OrderEvent(
        seq=e.seq,
        order_id=e.order_id,
        kind=e.kind,
        from_state=e.from_state,
        to_state=e.to_state,
        actor=e.actor,
        at=e.at,
        reason=e.reason,
        data_json=json.dumps(dict(e.data), sort_keys=True),
    )


def bid_out(b: Bid) -> Any:
    """A ``Bid`` message."""
    return orders_pb2.Bid(**dataclasses.asdict(b))


def exception_out(d: dict[str, Any]) -> Any:
    """An ``OrderExceptionInfo`` message from a stored exception dict."""
    return orders_pb2.OrderExceptionInfo(**d)


def credit_out(party: str, s: CreditStats, c: Credit) -> Any:
    """A ``CreditReply``."""
    return orders_pb2.CreditReply(
        party=party,
        score=c.score,
        stars=c.stars,
        rating=c.rating,
        on_time_rate=c.on_time_rate,
        exception_rate=c.exception_rate,
        cancel_rate=c.cancel_rate,
        ratings=s.ratings,
        deliveries=s.deliveries,
        orders=s.orders,
        exceptions=s.exceptions,
        cancellations=s.cancellations,
    )


def money_map(field: str, m: Any) -> dict[str, int]:
    """A ``map<string,int64>`` of fen amounts (each checked by the rules)."""
    out = {}
    for k, v in m.items():
        if not k or len(k) > 64:
            raise InvalidInputError.at(field, f"names must be 1 to 64 characters, got {k!r}")
        out[str(k)] = int(v)
    return out


__all__ = [
    "OPTIONAL",
    "REQUIRED",
    "actor",
    "bid_out",
    "credit_out",
    "event_out",
    "exception_out",
    "guidance_out",
    "money_map",
    "order_in",
    "order_out",
    "reply",
]
