"""``yunli orders …``: the freight order subsystem on the embedded store (a SQLite file,
or a PostgreSQL URL), the same storage layer the server uses.

Examples::

    yunli orders --db orders.db post --from-load 1 --mode grabbing --deadline-min 30
    yunli orders --db orders.db grab 1 --carrier 157 --vehicle 12
    yunli orders --db orders.db progress 1 confirm_loading --actor carrier:157
    yunli orders --db orders.db settle 1
    yunli orders --db orders.db events --cursor 0
    yunli orders --db orders.db ledger-check
"""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any

from engine.errors import InvalidInputError, NotFoundError


def _stores(args: argparse.Namespace) -> tuple[Any, Any]:
    from server.state import FleetState
    from server.store import open_store
    from server.store.orders import OrderStore

    sql = open_store(args.db)
    fleet = FleetState(sql)
    if fleet.vehicles.height == 0 and args.world:
        from engine.data.loaders import load_world
        from engine.data.sample import load_sample

        w = load_sample() if args.world == "sample" else load_world(args.world)
        sql.bulk_import({"vehicles": w.vehicles, "loads": w.loads, "trips": w.trips})
        fleet.sync()
    return fleet, OrderStore(sql)


def _vehicle(fleet: Any, vehicle_id: int) -> dict[str, Any]:
    import polars as pl

    v = fleet.vehicles.filter(pl.col("vehicle_id") == vehicle_id)
    if v.height == 0:
        raise NotFoundError(
            f"vehicle_id: unknown vehicle {vehicle_id} (import a world with --world)"
        )
    row: dict[str, Any] = v.row(0, named=True)
    return row


def _key(args: argparse.Namespace) -> str:
    return str(args.key or uuid.uuid4().hex)


def _print(res: Any) -> None:
    print(json.dumps(res, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def _run(args: argparse.Namespace) -> int:
    from engine.orders.model import LOAD_ORDER_FIELDS, Actor, Order, PriceMode, Role

    fleet, store = _stores(args)
    try:
        c = args.orders_command
        if c == "post":
            import polars as pl

            row = fleet.loads.filter(pl.col("load_id") == args.from_load)
            if row.height == 0:
                raise NotFoundError(f"from_load: unknown load {args.from_load}")
            r = row.row(0, named=True)
            now = store.now() if args.at is None else args.at
            keys = (*LOAD_ORDER_FIELDS, "price_fen")
            kw = {k: r[k] for k in keys}
            if args.price_fen is not None:
                kw["price_fen"] = args.price_fen
            span = r["pickup_end"] - r["pickup_start"]
            o = Order(
                order_id=1,
                price_mode=PriceMode(args.mode),
                posted_at=now,
                pickup_start=now + 3600,
                pickup_end=now + 3600 + span,
                delivery_deadline=now + 3600 + (r["delivery_deadline"] - r["pickup_start"]),
                deadline=now + args.deadline_min * 60,
                vehicle_types=tuple(r["vehicle_types"]),
                **kw,
            )
            _print(store.post(_key(args), o, at=now))
        elif c == "grab":
            _print(
                store.grab(
                    _key(args),
                    args.order_id,
                    Actor(Role.CARRIER, args.carrier),
                    _vehicle(fleet, args.vehicle),
                    at=args.at,
                )
            )
        elif c == "bid":
            _print(
                store.place_bid(
                    _key(args),
                    args.order_id,
                    Actor(Role.CARRIER, args.carrier),
                    _vehicle(fleet, args.vehicle),
                    args.amount_fen,
                    at=args.at,
                )
            )
        elif c == "withdraw":
            _print(
                store.withdraw_bid(
                    _key(args), args.bid_id, Actor(Role.CARRIER, args.carrier), at=args.at
                )
            )
        elif c == "offer":
            _print(
                store.offer(
                    _key(args), args.order_id, Actor.parse(args.actor), args.carrier, at=args.at
                )
            )
        elif c == "accept":
            _print(
                store.accept(
                    _key(args),
                    args.order_id,
                    Actor(Role.CARRIER, args.carrier),
                    _vehicle(fleet, args.vehicle),
                    at=args.at,
                )
            )
        elif c == "decline":
            _print(
                store.decline(
                    _key(args),
                    args.order_id,
                    Actor(Role.CARRIER, args.carrier),
                    args.reason,
                    at=args.at,
                )
            )
        elif c == "exception":
            bad = [kv for kv in args.evidence if "=" not in kv]
            if bad:
                raise InvalidInputError.at("evidence", f"expected KEY=VALUE, got {bad[0]!r}")
            evidence = dict(kv.split("=", 1) for kv in args.evidence)
            _print(
                store.report_exception(
                    _key(args),
                    args.order_id,
                    Actor.parse(args.actor),
                    args.kind,
                    evidence,
                    at=args.at,
                )
            )
        elif c == "resolve":
            _print(
                store.resolve_exception(
                    _key(args),
                    args.exception_id,
                    Actor.parse(args.actor),
                    args.resolution,
                    args.surcharge_fen,
                    args.penalty_fen,
                    at=args.at,
                )
            )
        elif c == "award":
            _print(
                store.award(
                    _key(args), args.order_id, Actor.parse(args.actor), args.bid_id, at=args.at
                )
            )
        elif c == "progress":
            _print(
                store.progress(
                    _key(args), args.order_id, args.action, Actor.parse(args.actor), at=args.at
                )
            )
        elif c == "rate":
            _print(
                store.rate(
                    _key(args),
                    args.order_id,
                    Actor.parse(args.actor),
                    args.stars,
                    args.comment,
                    at=args.at,
                )
            )
        elif c == "cancel":
            _print(
                store.cancel(
                    _key(args), args.order_id, Actor.parse(args.actor), args.reason, at=args.at
                )
            )
        elif c == "settle":
            _print(store.settle(_key(args), args.order_id, Actor.parse(args.actor), at=args.at))
        elif c == "sweep":
            _print([r["order"]["order_id"] for r in store.sweep(args.at)])
        elif c == "show":
            _print(
                {
                    "order": store.get(args.order_id).to_dict(),
                    "bids": [b.__repr__() for b in store.bids(args.order_id)],
                    "ledger": store.ledger_entries(args.order_id),
                }
            )
        elif c == "events":
            for e in store.events_after(args.cursor, order_id=args.order_id):
                print(
                    f"{e.seq:6d} order {e.order_id:<6d} {e.kind:<18} {e.from_state or '-':>17} → "
                    f"{e.to_state:<17} {e.actor} {json.dumps(dict(e.data), ensure_ascii=False)}"
                )
        elif c == "credit":
            s, cr = store.credit(args.party)
            print(f"{args.party}: {cr.score:.2f} ({cr.stars}★) from {s}")
        elif c == "ledger-check":
            r = store.check_ledger()
            print(r.summary())
            return 0 if r.ok else 1
        return 0
    finally:
        store.sql.close()


def register(sub: Any) -> None:
    """Add ``orders`` to the ``yunli`` command."""
    p = sub.add_parser(
        "orders",
        help="freight orders on the embedded store: post, grab, bid, carry, settle",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--db", default="yunli.db", help="SQLite file or postgresql:// URL (default yunli.db)"
    )
    p.add_argument(
        "--world",
        default="sample",
        help="world imported into an empty store ('sample' or a directory; '' for none)",
    )
    p.add_argument("--key", help="idempotency key (default: a new one)")
    p.add_argument("--at", type=int, help="instant of the action, Unix s (default: now)")
    s = p.add_subparsers(dest="orders_command", required=True, metavar="ACTION")
    x = s.add_parser("post", help="post one of the world's loads as an order")
    x.add_argument("--from-load", type=int, required=True)
    x.add_argument("--mode", choices=("fixed", "bidding", "grabbing"), default="grabbing")
    x.add_argument("--price-fen", type=int)
    x.add_argument("--deadline-min", type=int, default=30)
    for name in ("grab", "bid"):
        x = s.add_parser(name, help=f"{name} an order as a carrier")
        x.add_argument("order_id", type=int)
        x.add_argument("--carrier", type=int, required=True)
        x.add_argument("--vehicle", type=int, required=True)
        if name == "bid":
            x.add_argument("--amount-fen", type=int, required=True)
    x = s.add_parser("withdraw", help="withdraw a bid before the deadline")
    x.add_argument("bid_id", type=int)
    x.add_argument("--carrier", type=int, required=True)
    x = s.add_parser("offer", help="offer a posted fixed-price order to a carrier")
    x.add_argument("order_id", type=int)
    x.add_argument("--carrier", type=int, required=True)
    x.add_argument("--actor", default="platform:0")
    x = s.add_parser("accept", help="the offered carrier accepts with a vehicle")
    x.add_argument("order_id", type=int)
    x.add_argument("--carrier", type=int, required=True)
    x.add_argument("--vehicle", type=int, required=True)
    x = s.add_parser("decline", help="the offered carrier declines")
    x.add_argument("order_id", type=int)
    x.add_argument("--carrier", type=int, required=True)
    x.add_argument("--reason", default="")
    x = s.add_parser(
        "exception",
        help="report a cargo exception (delay, damage, shortage, refusal, accident, breakdown)",
    )
    x.add_argument("order_id", type=int)
    x.add_argument("kind")
    x.add_argument("--actor", required=True)
    x.add_argument("--evidence", nargs="*", default=[], metavar="KEY=VALUE")
    x = s.add_parser("resolve", help="resolve an exception (platform), with settlement changes")
    x.add_argument("exception_id", type=int)
    x.add_argument("--resolution", required=True)
    x.add_argument("--surcharge-fen", type=int, default=0)
    x.add_argument("--penalty-fen", type=int, default=0)
    x.add_argument("--actor", default="platform:0")
    x = s.add_parser("award", help="award a bid (after the deadline)")
    x.add_argument("order_id", type=int)
    x.add_argument("bid_id", type=int)
    x.add_argument("--actor", required=True)
    x = s.add_parser("progress", help="confirm_loading, depart, deliver or confirm_delivery")
    x.add_argument("order_id", type=int)
    x.add_argument("action", choices=("confirm_loading", "depart", "deliver", "confirm_delivery"))
    x.add_argument("--actor", required=True)
    x = s.add_parser("rate", help="rate the other party (1-5 stars)")
    x.add_argument("order_id", type=int)
    x.add_argument("stars", type=int)
    x.add_argument("--actor", required=True)
    x.add_argument("--comment", default="")
    x = s.add_parser("cancel", help="cancel by the cancellation rules")
    x.add_argument("order_id", type=int)
    x.add_argument("--actor", required=True)
    x.add_argument("--reason", required=True)
    x = s.add_parser("settle", help="settle a confirmed order")
    x.add_argument("order_id", type=int)
    x.add_argument("--actor", default="platform:0")
    s.add_parser("sweep", help="auto-award or expire orders past their deadline")
    x = s.add_parser("show", help="an order, its bids and ledger entries")
    x.add_argument("order_id", type=int)
    x = s.add_parser("events", help="events after a cursor")
    x.add_argument("--cursor", type=int, default=0)
    x.add_argument("--order-id", type=int)
    x = s.add_parser("credit", help="credit score of carrier:<id> or shipper:<id>")
    x.add_argument("party")
    s.add_parser(
        "ledger-check", help="prove every transaction balances and every balance re-derives"
    )
    p.set_defaults(func=_run)
