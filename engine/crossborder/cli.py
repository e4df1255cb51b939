"""``yunli crossborder …``: rule tables, the tax calculator and fulfilment quotes.

* ``yunli crossborder rules [--dir DIR] [--date D]`` — load and check the rule tables (gaps,
  overlaps, malformed fields exit 2 naming the field and file) and list their versions;
* ``yunli crossborder tax --line CLASS:VALUE_FEN[:QTY] … [--date D] [--annual-used-fen N]``
  — the import tax of an order under the table in force on ``D``;
* ``yunli crossborder quote --line SKU:QTY … --customer C [--mode M] [--store S]
  [--deliver-by D]`` — fulfilment choice in the seeded demo world (``--seed``), with the
  reason, the alternatives and the rule versions used; ``--list-skus N`` shows SKUs to try.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict
from typing import Any

from engine.errors import InvalidInputError


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

    q = sub.add_parser("quote", help="fulfilment choice for an order in the demo world")
    q.add_argument("--line", action="append", metavar="SKU:QTY")
    q.add_argument("--customer", default="C000001")
    q.add_argument("--mode", default="online", help="spot, sample, touchscreen, share, online")
    q.add_argument("--store", help="store id (store modes)")
    q.add_argument("--date", type=_date, default=dt.date.today())
    q.add_argument("--deliver-by", type=_date)
    q.add_argument("--seed", type=int, default=0, help="demo world seed")
    q.add_argument("--skus", type=int, default=500, help="SKUs in the demo world")
    q.add_argument(
        "--list-skus", type=int, metavar="N", help="list N SKUs and their stock, then exit"
    )
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=run_quote)


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


def run_quote(args: argparse.Namespace) -> int:
    """``yunli crossborder quote``."""
    from engine.crossborder.fulfil import Fulfiller, Order, OrderLine
    from engine.crossborder.ruleset import RuleBook
    from engine.crossborder.world import build_world

    book = RuleBook.load()
    cat = build_world(book.tax(args.date), seed=args.seed, skus=args.skus, customers=200)
    if args.list_skus:
        for s in list(cat.skus.values())[: args.list_skus]:
            where = [w.warehouse_id for w in cat.warehouses.values() if w.stock.get(s.sku_id)]
            print(
                f"{s.sku_id} {s.hs_code} {s.tax_class:<17} ¥{s.unit_price_fen / 100:>9,.2f} "
                f"{s.weight_g:>5} g  {', '.join(where)}"
            )
        return 0
    if not args.line:
        raise InvalidInputError.at("line", "give at least one --line SKU:QTY (or --list-skus N)")
    lines = []
    for text in args.line:
        parts = _parse_line(text, 2, "line")
        lines.append(OrderLine(parts[0], _int(parts[1], "line") if len(parts) == 2 else 1))
    order = Order(
        "cli-order",
        args.customer,
        args.date,
        args.mode,
        tuple(lines),
        store_id=args.store,
        deliver_by=args.deliver_by,
    )
    q = Fulfiller(cat, book).quote(order)
    if args.json:
        c = q.chosen
        print(
            json.dumps(
                {
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
                },
                indent=1,
                ensure_ascii=False,
            )
        )
    else:
        print(q.summary())
    return 0
