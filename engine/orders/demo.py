"""The order slice of ``yunli demo``: grab, bid and fixed-price orders carried to settlement
on an embedded (in-memory SQLite) store."""

from __future__ import annotations

import time

import polars as pl

from engine.data.loaders import World
from engine.orders.eligibility import ineligibility
from engine.orders.model import LOAD_ORDER_FIELDS, Actor, Order, PriceMode, Role
from engine.units import yuan


def _order(world: World, row: dict[str, object], mode: PriceMode, at: int, **kw: object) -> Order:
    base = {
        k: row[k]
        for k in (
            *LOAD_ORDER_FIELDS,
            "pickup_start",
            "pickup_end",
            "delivery_deadline",
            "price_fen",
        )
    }
    base["vehicle_types"] = tuple(row["vehicle_types"])  # type: ignore[arg-type]
    return Order(order_id=1, price_mode=mode, deadline=at + 900, posted_at=at, **base, **kw)  # type: ignore[arg-type]


def section_orders(world: World) -> str:
    """Post three of the world's loads as orders (grabbing, bidding, fixed price), let
    eligible vehicles grab and bid, carry them to settlement and prove the ledger."""
    from server.store.orders import OrderStore
    from server.store.sqlite import SqliteStore

    t0 = time.perf_counter()
    store = OrderStore(SqliteStore(":memory:"))
    t = int(world.now)
    loads = world.loads.sort("load_id").head(60)
    vehicles = world.vehicles.filter(pl.col("status") == "idle")
    lines = []
    done = 0
    for mode in (PriceMode.GRABBING, PriceMode.BIDDING, PriceMode.FIXED):
        for row in loads.iter_rows(named=True):
            o = _order(world, row, mode, t)
            fits = [
                v for v in vehicles.iter_rows(named=True) if ineligibility(o, v, 80.25) is None
            ][:3]
            if len(fits) < 2:
                continue
            loads = loads.filter(pl.col("load_id") != row["load_id"])
            if mode is PriceMode.FIXED:
                o.offered_carrier_id = int(fits[0]["carrier_id"])
            oid = store.post(f"p{mode}", o, at=t)["order"]["order_id"]
            if mode is PriceMode.GRABBING:
                win = store.grab(
                    f"g{oid}a", oid, Actor(Role.CARRIER, fits[0]["carrier_id"]), fits[0], at=t + 5
                )
                try:
                    store.grab(
                        f"g{oid}b",
                        oid,
                        Actor(Role.CARRIER, fits[1]["carrier_id"]),
                        fits[1],
                        at=t + 6,
                    )
                    lost = "second grab won too (bug)"
                except Exception as e:  # shown to the reader
                    lost = f"second grab refused: {e}"
                v = fits[0]
                lines.append(
                    f"grab   order {oid}: carrier {win['order']['carrier_id']} won; {lost}"
                )
            elif mode is PriceMode.BIDDING:
                for i, v in enumerate(fits):
                    store.place_bid(
                        f"b{oid}{i}",
                        oid,
                        Actor(Role.CARRIER, v["carrier_id"]),
                        v,
                        int(o.price_fen * (0.8 + 0.07 * i)),
                        at=t + 10 + i,
                    )
                res = store.sweep(at=t + 900)
                won = res[0]["order"]
                v = next(x for x in fits if x["vehicle_id"] == won["vehicle_id"])
                lines.append(
                    f"bid    order {oid}: {len(fits)} sealed bids, auto-awarded at the deadline to "
                    f"carrier {won['carrier_id']} for {yuan(won['awarded_price_fen']):,.0f} yuan"
                )
            else:
                v = fits[0]
                store.accept(f"a{oid}", oid, Actor(Role.CARRIER, v["carrier_id"]), v, at=t + 30)
                lines.append(
                    f"fixed  order {oid}: offered to carrier {v['carrier_id']}, "
                    f"accepted at {yuan(o.price_fen):,.0f} yuan"
                )
            carrier = Actor(Role.CARRIER, int(v["carrier_id"]))
            shipper = Actor(Role.SHIPPER, int(o.shipper_id))
            t1 = max(t + 1000, o.pickup_start)
            for i, (action, who) in enumerate(
                (
                    ("confirm_loading", carrier),
                    ("depart", carrier),
                    ("deliver", carrier),
                    ("confirm_delivery", shipper),
                )
            ):
                store.progress(f"{action}{oid}", oid, action, who, at=t1 + i * 60)
            store.rate(f"r{oid}", oid, shipper, 5, at=t1 + 400)
            s = store.settle(f"s{oid}", oid, Actor(Role.PLATFORM, 1), at=t1 + 500)["settlement"]
            lines.append(
                f"       settled: charge {yuan(s['charge_fen']):,.2f}, commission "
                f"{yuan(s['commission_fen']):,.2f}, carrier payout "
                f"{yuan(s['payout_fen']):,.2f} yuan"
            )
            done += 1
            break
    lines.append(store.check_ledger().summary())
    events = store.events_after(0)
    ms = (time.perf_counter() - t0) * 1000
    lines.append(f"{len(events)} events appended; {done} orders settled in {ms:.0f} ms")
    store.sql.close()
    return "\n".join(lines)
