"""``yunli crossborder …``: rule tables, import tax, quotes, and the order and return
workflows on your own catalog.

* ``yunli crossborder rules [--dir DIR] [--date D]`` — load and check the rule tables (gaps,
  overlaps, malformed fields exit 2 naming the field and file) and list their versions;
* ``yunli crossborder tax --line CLASS:VALUE_FEN[:QTY] … [--date D] [--annual-used-fen N]``
  — the import tax of an order under the table in force on ``D``;
* ``yunli crossborder catalog check FILE | demo --out FILE | put FILE`` — check a catalog
  file, write the seeded demo world as one (a template), or store one (``put``);
* ``yunli crossborder quote [--catalog FILE | --db DB | --server ADDR] (--order FILE |
  --line SKU:QTY … --customer C [--mode M] [--store S] [--date D] [--deliver-by D])`` —
  fulfilment choice with the reason, the alternatives and the rule versions used, against
  a catalog file, the catalog stored in a database or a running server (none of them: the
  seeded demo world; ``--list-skus N`` shows SKUs to try);
* ``yunli crossborder order [--db DB | --server ADDR] place|pay|declare|clear|ship|deliver|
  cancel|get|list …`` — the cross-border order workflow (cancellation only before the
  declaration; customs holds and rejections recorded on the order);
* ``yunli crossborder return [--db DB | --server ADDR] request|approve|arrive|refund|get …``
  — returns within the window: merchant goods back to the merchant, platform goods on to
  the platform warehouse; goods and (within the policy's days) tax refunded;
* ``yunli crossborder onboard [--db DB | --server ADDR] advance MERCHANT STEP | get
  MERCHANT`` — the eight onboarding steps, strictly in order.

``--db`` (default ``yunli.db``: an SQLite file, or a ``postgresql://`` URL) runs the same
service code in-process on the same tables ``yunli serve`` uses; ``--server host:port``
calls a running server (``--token`` or ``YUNLI_TOKEN``). File formats (catalog and order
JSON) are documented in :mod:`engine.crossborder.io` and the README; ``catalog demo`` writes
a complete example. Every answer is JSON on standard output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict
from typing import Any

from engine.errors import InvalidInputError, NotFoundError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(subparsers: Any) -> None:
    """Add the ``crossborder`` command and its sub-commands."""
    p = subparsers.add_parser(
        "crossborder",
        help="cross-border: rule tables, import tax, fulfilment quotes",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="cb_command", metavar="SUBCOMMAND", required=True)

    r = sub.add_parser("rules", help="check the rule tables and list their versions")
    r.add_argument("--dir", metavar="DIR", help="rules folder (default: the shipped tables)")
    r.add_argument("--date", type=_date, help="also show the tables in force on this date")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=run_rules)

    t = sub.add_parser("tax", help="import tax of an order under the rules in force")
    t.add_argument("--line", action="append", required=True, metavar="CLASS:VALUE_FEN[:QTY]")
    t.add_argument("--date", type=_date, default=dt.date.today())
    t.add_argument("--annual-used-fen", type=int, default=0, metavar="N")
    t.set_defaults(func=run_tax)

    c = sub.add_parser("catalog", help="check, write (demo) or store a catalog file")
    cs = c.add_subparsers(dest="cb_catalog", metavar="ACTION", required=True)
    x = cs.add_parser("check", help="check a catalog file and count what it holds")
    x.add_argument("file")
    x.add_argument("--date", type=_date, default=dt.date.today(), help="tax table date")
    x.set_defaults(func=run_catalog_check)
    x = cs.add_parser("demo", help="write the seeded demo world as a catalog file")
    x.add_argument("--out", required=True, metavar="FILE")
    x.add_argument("--seed", type=int, default=0)
    x.add_argument("--skus", type=int, default=200)
    x.add_argument("--customers", type=int, default=100)
    x.add_argument("--date", type=_date, default=dt.date.today(), help="tax table date")
    x.set_defaults(func=run_catalog_demo)
    x = cs.add_parser("put", help="store a catalog (stock and annual totals reset to it)")
    x.add_argument("file")
    _backend_args(x)
    x.set_defaults(func=run_catalog_put)

    q = sub.add_parser("quote", help="fulfilment choice, tax and promised date of an order")
    _order_args(q)
    q.add_argument("--catalog", metavar="FILE", help="catalog JSON file (local quote)")
    q.add_argument("--db", help="quote against the catalog stored in this database")
    q.add_argument("--server", metavar="ADDR", help="quote on a running server")
    q.add_argument("--token", help="bearer token for --server (default: YUNLI_TOKEN)")
    q.add_argument("--seed", type=int, default=0, help="demo world seed")
    q.add_argument("--skus", type=int, default=500, help="SKUs in the demo world")
    q.add_argument(
        "--list-skus", type=int, metavar="N", help="list N SKUs and their stock, then exit"
    )
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=run_quote)

    o = sub.add_parser("order", help="the cross-border order workflow (stored)")
    _backend_args(o)
    os_ = o.add_subparsers(dest="cb_order", metavar="ACTION", required=True)
    x = os_.add_parser("place", help="quote and place an order (takes stock)")
    _order_args(x)
    x.set_defaults(func=run_order)
    for name, what in (
        ("pay", "the buyer paid"),
        ("declare", "push the three records (三单) to customs"),
        ("clear", "customs' answer: release, hold or reject (empty: drawn from the rules)"),
        ("ship", "the goods left"),
        ("deliver", "the customer has the goods"),
        ("cancel", "cancel at will (only before the declaration)"),
        ("get", "show an order"),
    ):
        x = os_.add_parser(name, help=what)
        x.add_argument("order_id")
        x.add_argument("--date", default="", help="YYYY-MM-DD (default: today, UTC)")
        if name == "declare":
            x.add_argument("--payer", default="", help="payer id (default: the buyer)")
        if name == "clear":
            x.add_argument("--outcome", default="", choices=("", "release", "hold", "reject"))
            x.add_argument("--extra-days", type=int, default=0, help="days of a hold")
            x.add_argument("--reason", default="", help="why held or rejected")
        x.set_defaults(func=run_order)
    x = os_.add_parser("list", help="list orders")
    x.add_argument("--customer", default="")
    x.add_argument("--state", default="")
    x.set_defaults(func=run_order)

    r = sub.add_parser("return", help="the return workflow of delivered orders (stored)")
    _backend_args(r)
    rs = r.add_subparsers(dest="cb_return", metavar="ACTION", required=True)
    x = rs.add_parser("request", help="open a return of some units of a delivered order")
    x.add_argument("order_id")
    x.add_argument("--line", action="append", required=True, metavar="SKU:QTY")
    x.add_argument("--return-id", default="")
    x.add_argument("--date", default="")
    x.set_defaults(func=run_return)
    for name, what in (
        ("approve", "the merchant accepts the return"),
        ("arrive", "returned goods of --sku reached --place (merchant, platform_warehouse)"),
        ("refund", "refund goods and tax once every line is home"),
        ("get", "show a return"),
    ):
        x = rs.add_parser(name, help=what)
        x.add_argument("return_id")
        x.add_argument("--date", default="")
        if name == "arrive":
            x.add_argument("--sku", required=True)
            x.add_argument("--place", required=True)
        x.set_defaults(func=run_return)

    b = sub.add_parser("onboard", help="a merchant's eight onboarding steps (stored)")
    _backend_args(b)
    bs = b.add_subparsers(dest="cb_onboard", metavar="ACTION", required=True)
    x = bs.add_parser(
        "advance", help="record the next step: sign account shop publish push list buy settle"
    )
    x.add_argument("merchant_id")
    x.add_argument("step")
    x.add_argument("--date", default="")
    x.set_defaults(func=run_onboard)
    x = bs.add_parser("get", help="show a merchant's progress")
    x.add_argument("merchant_id")
    x.set_defaults(func=run_onboard)


def _backend_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", default="yunli.db", help="SQLite file or postgresql:// URL (default yunli.db)"
    )
    p.add_argument("--server", metavar="ADDR", help="call a running server instead of --db")
    p.add_argument("--token", help="bearer token for --server (default: YUNLI_TOKEN)")


def _order_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--order", metavar="FILE", help="order JSON file (instead of the flags)")
    p.add_argument("--id", default="cli-order", help="order id")
    p.add_argument("--line", action="append", metavar="SKU:QTY")
    p.add_argument("--customer", default="C000001")
    p.add_argument("--mode", default="online", help="spot, sample, touchscreen, share, online")
    p.add_argument("--store", help="store id (store modes)")
    p.add_argument("--date", type=_date, default=dt.date.today())
    p.add_argument("--deliver-by", type=_date)


def run_rules(args: argparse.Namespace) -> int:
    """``yunli crossborder rules``."""
    from engine.crossborder.ruleset import RULES_DIR, RuleBook

    book = RuleBook.load(args.dir or RULES_DIR)
    rows = [
        {
            "family": t.family,
            "version": t.version,
            "effective_from": str(t.effective_from),
            "effective_to": str(t.effective_to) if t.effective_to else None,
            "in_force": bool(args.date and t.covers(args.date)),
        }
        for fam in sorted(book.tables)
        for t in book.tables[fam]
    ]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for row in rows:
        mark = " *" if row["in_force"] else ""
        print(
            f"{row['family']:<13} {row['version']:<16} {row['effective_from']} .. "
            f"{row['effective_to'] or 'open'}{mark}"
        )
    print(f"ok: {len(rows)} tables, no gaps or overlaps" + (" (* in force)" if args.date else ""))
    return 0


def _parse_line(text: str, n: int, field: str) -> list[str]:
    parts = text.split(":")
    if len(parts) not in (n - 1, n):
        raise InvalidInputError.at(field, f"{text!r}: expected {n - 1} or {n} ':'-separated parts")
    return parts


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError.at(field, f"{text!r} is not an integer") from None


def run_tax(args: argparse.Namespace) -> int:
    """``yunli crossborder tax``."""
    from engine.crossborder.ruleset import RuleBook
    from engine.crossborder.tax import TaxLine, compute_tax

    lines = []
    for i, text in enumerate(args.line):
        parts = _parse_line(text, 3, "line")
        qty = _int(parts[2], "line") if len(parts) == 3 else 1
        lines.append(TaxLine(f"line{i + 1}", parts[0], qty, _int(parts[1], "line")))
    q = compute_tax(lines, RuleBook.load().tax(args.date), args.annual_used_fen)
    out = asdict(q)
    out.update(tariff_fen=q.tariff_fen, consumption_fen=q.consumption_fen, vat_fen=q.vat_fen)
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


def _order(args: argparse.Namespace) -> Any:
    """The order of ``--order FILE`` or of the flags."""
    from engine.crossborder.fulfil import Order, OrderLine
    from engine.crossborder.io import order_from_dict, read_json

    if args.order:
        return order_from_dict(read_json(args.order, "order"))
    if not args.line:
        raise InvalidInputError.at("line", "give --order FILE or at least one --line SKU:QTY")
    lines = []
    for text in args.line:
        parts = _parse_line(text, 2, "line")
        lines.append(OrderLine(parts[0], _int(parts[1], "line") if len(parts) == 2 else 1))
    return Order(
        args.id,
        args.customer,
        args.date,
        args.mode,
        tuple(lines),
        store_id=args.store,
        deliver_by=args.deliver_by,
    )


def _order_pb(order: Any) -> Any:
    from server.gen.yunli.v1 import crossborder_pb2 as pb

    return pb.CrossBorderOrderRequest(
        order_id=order.order_id,
        customer_id=order.customer_id,
        order_date=order.order_date.isoformat(),
        purchase_mode=order.purchase_mode,
        lines=[pb.CrossBorderOrderLine(sku_id=x.sku_id, quantity=x.quantity) for x in order.lines],
        store_id=order.store_id or "",
        deliver_by=order.deliver_by.isoformat() if order.deliver_by else "",
    )


def _client(args: argparse.Namespace) -> Any:
    from server.crossborder_client import CrossBorderClient

    return CrossBorderClient(server=args.server, token=args.token, db=args.db)


def _call(args: argparse.Namespace, method: str, request: Any) -> int:
    from server.crossborder_client import to_dict

    client = _client(args)
    try:
        out = client.call(method, request)
    finally:
        client.close()
    print(json.dumps(to_dict(out), indent=1, ensure_ascii=False))
    return 0


def run_catalog_check(args: argparse.Namespace) -> int:
    """``yunli crossborder catalog check``."""
    from engine.crossborder.io import catalog_from_dict, read_json
    from engine.crossborder.ruleset import RuleBook

    cat = catalog_from_dict(read_json(args.file, "catalog"), RuleBook.load().tax(args.date))
    counts = {name: len(getattr(cat, name)) for name in (
        "merchants", "skus", "warehouses", "stores", "legs", "customers"
    )}  # fmt: skip
    print(json.dumps({"ok": True, "tax_version": cat.rules.version, **counts}, indent=1))
    return 0


def run_catalog_demo(args: argparse.Namespace) -> int:
    """``yunli crossborder catalog demo``."""
    from pathlib import Path

    from engine.crossborder.io import catalog_to_dict
    from engine.crossborder.ruleset import RuleBook
    from engine.crossborder.world import build_world

    cat = build_world(
        RuleBook.load().tax(args.date), seed=args.seed, skus=args.skus, customers=args.customers
    )
    Path(args.out).write_text(
        json.dumps(catalog_to_dict(cat), indent=1, ensure_ascii=False), encoding="utf-8"
    )
    print(f"wrote {args.out}: {len(cat.skus)} SKUs, {len(cat.warehouses)} warehouses")
    return 0


def run_catalog_put(args: argparse.Namespace) -> int:
    """``yunli crossborder catalog put``."""
    from pathlib import Path

    from server.gen.yunli.v1 import crossborder_pb2 as pb

    path = Path(args.file)
    if not path.is_file():
        raise NotFoundError(f"catalog: no file {path}")
    body = path.read_text(encoding="utf-8")
    return _call(args, "PutCatalog", pb.PutCatalogRequest(catalog_json=body))


def run_order(args: argparse.Namespace) -> int:
    """``yunli crossborder order …``."""
    from server.gen.yunli.v1 import crossborder_pb2 as pb

    act = args.cb_order
    req: Any
    if act == "place":
        return _call(args, "PlaceOrder", _order_pb(_order(args)))
    if act == "list":
        req = pb.ListCrossBorderOrdersRequest(customer_id=args.customer, state=args.state)
        return _call(args, "ListOrders", req)
    if act == "get":
        return _call(args, "GetOrder", pb.GetCrossBorderOrderRequest(order_id=args.order_id))
    if act == "clear":
        req = pb.ClearCrossBorderOrderRequest(
            order_id=args.order_id,
            date=args.date,
            outcome=args.outcome,
            extra_days=args.extra_days,
            reason=args.reason,
        )
        return _call(args, "ClearOrder", req)
    req = pb.CrossBorderActionRequest(
        order_id=args.order_id, date=args.date, payer_id=getattr(args, "payer", "")
    )
    return _call(args, f"{act.capitalize()}Order", req)


def run_return(args: argparse.Namespace) -> int:
    """``yunli crossborder return …``."""
    from server.gen.yunli.v1 import crossborder_pb2 as pb

    act = args.cb_return
    if act == "request":
        lines = []
        for text in args.line:
            parts = _parse_line(text, 2, "line")
            qty = _int(parts[1], "line") if len(parts) == 2 else 1
            lines.append(pb.CrossBorderOrderLine(sku_id=parts[0], quantity=qty))
        req = pb.RequestCrossBorderReturnRequest(
            order_id=args.order_id, return_id=args.return_id, lines=lines, date=args.date
        )
        return _call(args, "RequestReturn", req)
    if act == "get":
        return _call(args, "GetReturn", pb.GetCrossBorderReturnRequest(return_id=args.return_id))
    return _call(
        args,
        "AdvanceReturn",
        pb.AdvanceCrossBorderReturnRequest(
            return_id=args.return_id,
            action=act,
            sku_id=getattr(args, "sku", ""),
            place=getattr(args, "place", ""),
            date=args.date,
        ),
    )


def run_onboard(args: argparse.Namespace) -> int:
    """``yunli crossborder onboard …``."""
    from server.gen.yunli.v1 import crossborder_pb2 as pb

    if args.cb_onboard == "get":
        return _call(args, "GetOnboarding", pb.GetOnboardingRequest(merchant_id=args.merchant_id))
    req = pb.AdvanceOnboardingRequest(merchant_id=args.merchant_id, step=args.step, date=args.date)
    return _call(args, "AdvanceOnboarding", req)


def run_quote(args: argparse.Namespace) -> int:
    """``yunli crossborder quote``."""
    from engine.crossborder.fulfil import Fulfiller
    from engine.crossborder.io import catalog_from_dict, quote_to_dict, read_json
    from engine.crossborder.ruleset import RuleBook
    from engine.crossborder.world import build_world

    if args.server or args.db:
        if args.catalog:
            raise InvalidInputError.at("--catalog", "give a catalog file or --db/--server")
        return _call(args, "QuoteOrder", _order_pb(_order(args)))
    book = RuleBook.load()
    if args.catalog:
        cat = catalog_from_dict(read_json(args.catalog, "catalog"), book.tax(args.date))
    else:
        cat = build_world(book.tax(args.date), seed=args.seed, skus=args.skus, customers=200)
    if args.list_skus:
        for s in list(cat.skus.values())[: args.list_skus]:
            where = [w.warehouse_id for w in cat.warehouses.values() if w.stock.get(s.sku_id)]
            print(
                f"{s.sku_id} {s.hs_code} {s.tax_class:<17} ¥{s.unit_price_fen / 100:>9,.2f} "
                f"{s.weight_g:>5} g  {', '.join(where)}"
            )
        return 0
    q = Fulfiller(cat, book).quote(_order(args))
    if args.json:
        c = q.chosen
        out = {
            "source": c.source,
            "warehouse_id": c.warehouse_id,
            "leg_id": c.leg_id,
            "landed_fen": c.landed_fen,
            "goods_fen": c.goods_fen,
            "freight_fen": c.freight_fen,
            "tax_fen": c.tax.total_fen,
            "treatment": c.tax.treatment,
            "promise_days": c.promise_days,
            "promised_date": str(c.promised_date),
            "on_time": q.on_time,
            "reason": q.reason,
            "rules": [q.tax_version, q.customs_version, q.policy_version],
            "shippers": dict(q.shippers),
            "options": len(q.options),
            "quote": quote_to_dict(q),
        }
        print(json.dumps(out, indent=1, ensure_ascii=False))
    else:
        print(q.summary())
    return 0
