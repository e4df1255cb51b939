"""Freight orders for the console's demo: a few orders in different states, made through
the real ``yunli.v1.Orders`` RPCs (nothing is written to the store directly).

:func:`seed_orders` posts five of the world's open loads as orders and takes them to:

* ``bidding`` (sealed): bids placed, the deadline an hour away;
* ``bidding`` (bids open): the sealed-bid deadline passed, no auto-award, so the
  dispatcher awards by hand from the order panel within the award window;
* ``grabbing``: open for the first eligible grab;
* ``awarded``: grabbed by one carrier, a second grab refused;
* ``in_transit``: grabbed, loading confirmed and departed.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import grpc

from engine.orders.eligibility import ineligibility
from engine.orders.model import Order, PriceMode
from server.observability import LOGGER
from server.proto import orders_grpc, orders_pb2

if TYPE_CHECKING:
    from engine.data.loaders import World

#: Seeded orders by label (:func:`seed_orders`' keys).
SEEDS = ("sealed", "open_bids", "grabbing", "grabbed", "in_transit")


def _key() -> str:
    return uuid.uuid4().hex


def _fits(o: Order, vehicles: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Up to ``n`` idle vehicles of different carriers that may take ``o``, nearest to
    its pickup first."""
    out: list[dict[str, Any]] = []
    carriers: set[int] = set()
    near = sorted(
        vehicles, key=lambda v: (v["lat"] - o.origin_lat) ** 2 + (v["lon"] - o.origin_lon) ** 2
    )
    for v in near:
        if v["carrier_id"] in carriers or ineligibility(o, v, 100.0) is not None:
            continue
        out.append(v)
        carriers.add(int(v["carrier_id"]))
        if len(out) == n:
            break
    return out


def seed_orders(
    channel: grpc.Channel,
    token: str | None,
    world: World,
    close_s: float = 3.0,
    wait: bool = True,
) -> dict[str, int]:
    """Post and progress the demo orders (module docstring) through the Orders RPCs.

    ``close_s`` is the sealed-bid window of the ``open_bids`` order; with ``wait``
    the call returns once that deadline has passed (the bids are then open). Returns
    the order ids by label; nothing is seeded (``{}``) when the server has orders already.
    """
    stub = orders_grpc.OrdersStub(channel)
    md = [("authorization", f"Bearer {token}")] if token else []

    def call(name: str, req: Any) -> Any:
        return getattr(stub, name)(req, metadata=md, timeout=60)

    if list(stub.ListOrders(orders_pb2.ListOrdersRequest(limit=1), metadata=md, timeout=30)):
        return {}  # a store with orders already (a reused --db): leave it as it is
    vehicles = [
        v for v in world.vehicles.sort("vehicle_id").iter_rows(named=True) if v["status"] == "idle"
    ]
    loads = world.loads.sort("load_id")
    loads = loads.filter(loads["origin_city"] != loads["dest_city"]).head(40)
    out: dict[str, int] = {}
    used: set[int] = set()
    rows = iter(loads.iter_rows(named=True))
    plan = [
        ("sealed", PriceMode.BIDDING, 3600.0),
        ("grabbing", PriceMode.GRABBING, 3600.0),
        ("grabbed", PriceMode.GRABBING, 3600.0),
        ("in_transit", PriceMode.GRABBING, 3600.0),
        ("open_bids", PriceMode.BIDDING, close_s),  # last: bids placed within close_s
    ]
    deadline_open = 0
    for label, mode, window in plan:
        for row in rows:
            now = int(time.time())
            fields = {
                k: row[k]
                for k in (
                    "shipper_id", "origin_lat", "origin_lon", "origin_city", "dest_lat",
                    "dest_lon", "dest_city", "weight_kg", "volume_l", "price_fen",
                )
            }  # fmt: skip
            o = Order(
                order_id=1,
                pickup_start=now + 3 * 3600,
                pickup_end=now + 5 * 3600,
                delivery_deadline=now + 30 * 3600,
                price_mode=mode,
                deadline=now + max(1, int(window + 0.999)),
                posted_at=now,
                auto_award=False,
                vehicle_types=tuple(row["vehicle_types"]),
                **fields,
            )
            fits = [v for v in _fits(o, vehicles, 3) if v["vehicle_id"] not in used]
            if len(fits) >= 2:
                break
        else:
            LOGGER.warning("console: no load with two eligible vehicles for %s", label)
            continue
        msg = orders_pb2.Order(
            **{k: v for k, v in o.to_dict().items() if k in _POSTED and k != "order_id"}
        )
        msg.price_mode = mode.value
        posted = call("PostOrder", orders_pb2.PostOrderRequest(idempotency_key=_key(), order=msg))
        oid = int(posted.order.order_id)
        out[label] = oid
        if mode is PriceMode.BIDDING:
            for i, v in enumerate(fits):
                call(
                    "PlaceBid",
                    orders_pb2.PlaceBidRequest(
                        idempotency_key=_key(),
                        order_id=oid,
                        actor=f"carrier:{v['carrier_id']}",
                        vehicle_id=v["vehicle_id"],
                        amount_fen=int(o.price_fen * (0.78 + 0.08 * i)),
                    ),
                )
            if label == "open_bids":
                deadline_open = o.deadline
            continue
        if label == "grabbing":
            continue
        v = fits[0]
        carrier = f"carrier:{v['carrier_id']}"
        used.add(int(v["vehicle_id"]))
        call(
            "Grab",
            orders_pb2.TakeRequest(
                idempotency_key=_key(), order_id=oid, actor=carrier, vehicle_id=v["vehicle_id"]
            ),
        )
        try:  # a second carrier is too late: exactly one winner
            call(
                "Grab",
                orders_pb2.TakeRequest(
                    idempotency_key=_key(),
                    order_id=oid,
                    actor=f"carrier:{fits[1]['carrier_id']}",
                    vehicle_id=fits[1]["vehicle_id"],
                ),
            )
        except grpc.RpcError as e:
            if e.code() is not grpc.StatusCode.FAILED_PRECONDITION:
                raise
        if label == "in_transit":
            for action in ("confirm_loading", "depart"):
                call(
                    "Progress",
                    orders_pb2.ProgressRequest(
                        idempotency_key=_key(), order_id=oid, actor=carrier, action=action
                    ),
                )
    if wait and deadline_open:
        time.sleep(max(0.0, deadline_open + 1.05 - time.time()))
    return out


_POSTED = frozenset(f.name for f in orders_pb2.Order.DESCRIPTOR.fields if f.number < 40)
