"""JSON formats of the cross-border subsystem: a user's catalog and orders, and the codecs
that persist quotes, orders and returns (pure data conversion, no storage).

**Catalog file** (``yunli crossborder … --catalog FILE``, ``PutCatalog``): one JSON object
with these lists (entities are checked in this order, so a warehouse's stock names SKUs
given above it; money fen, weights grams, volumes millilitres, days whole days)::

    {
     "merchants":  [{"merchant_id": "M1", "name": "Tokyo Beauty"}],
     "skus":       [{"sku_id": "S1", "merchant_id": "M1", "owner": "merchant",
                     "hs_code": "3304990000", "weight_g": 120, "volume_ml": 150,
                     "unit_price_fen": 29900, "tax_class": "cosmetics_premium"}],
     "warehouses": [{"warehouse_id": "OS-JP", "kind": "overseas", "country": "JP",
                     "lat": 35.6, "lon": 139.7, "handling_fen": 800, "stock": {"S1": 100}}],
     "stores":     [{"store_id": "ST1", "merchant_id": "M1", "venue": "mall",
                     "lat": 31.2, "lon": 121.5, "warehouse_id": "SH-ST1"}],
     "legs":       [{"leg_id": "JP-air", "warehouse_id": "OS-JP", "mode": "air",
                     "cutoff_weekdays": [1, 3, 5], "transit_days": [[3, 50], [4, 50]],
                     "price_per_kg_fen": 4000, "price_per_m3_fen": 668000,
                     "parcel_first_kg_fen": 9000, "parcel_extra_kg_fen": 3000,
                     "unit_capacity_g": 1500000, "unit_capacity_ml": 4300000,
                     "unit_cost_fen": 60000, "port_lat": 31.2, "port_lon": 121.5}],
     "customers":  [{"customer_id": "C1", "name": "Li", "lat": 31.2, "lon": 121.4,
                     "annual_total_fen": {"2026": 0}}]
    }

``owner`` is ``merchant`` or ``platform``; warehouse ``kind`` is ``bonded``, ``overseas`` or
``store`` (a store's shelf); ``venue`` is ``mall``, ``supermarket``, ``hotel`` or ``scenic``;
``mode`` ``air`` or ``sea``; ``handling_fen`` defaults to 500 and ``annual_total_fen`` to
``{}``. The HS code must be on the positive list of the tax table in force and match the
tax class.

**Order** (``--order FILE`` or ``QuoteOrder``/``PlaceOrder``)::

    {"order_id": "O1", "customer_id": "C1", "order_date": "2026-03-02",
     "purchase_mode": "online", "lines": [{"sku_id": "S1", "quantity": 2}],
     "store_id": null, "deliver_by": "2026-03-12"}

Every malformed field raises :class:`~engine.errors.InvalidInputError` naming it (e.g.
``skus.hs_code`` with the SKU id as row id).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.crossborder.customs import (
    Clearance,
    Declaration,
    DeclaredLine,
    OrderRecord,
    PaymentRecord,
    WaybillRecord,
)
from engine.crossborder.dist import DayDist
from engine.crossborder.fulfil import Option, Order, OrderLine, Quote
from engine.crossborder.model import Catalog, Customer, Leg, Merchant, Sku, Store, Warehouse
from engine.crossborder.ruleset import RuleBook, TaxRules
from engine.crossborder.tax import LineTax, TaxQuote
from engine.crossborder.workflows import CrossBorderOrder, ReturnFlow
from engine.errors import InvalidInputError, NotFoundError

#: Catalog sections in the order they are checked.
SECTIONS = ("merchants", "skus", "warehouses", "stores", "legs", "customers")


def _get(d: Mapping[str, Any], key: str, section: str, rid: object, kind: type | None) -> Any:
    if not isinstance(d, Mapping):
        raise InvalidInputError.at(section, "each entry must be a JSON object", rid)
    if key not in d:
        raise InvalidInputError.at(f"{section}.{key}", "missing", rid)
    v = d[key]
    if kind is float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise InvalidInputError.at(f"{section}.{key}", f"must be a number, got {v!r}", rid)
        return float(v)
    if kind is int and (isinstance(v, bool) or not isinstance(v, int)):
        raise InvalidInputError.at(f"{section}.{key}", f"must be an integer, got {v!r}", rid)
    if kind is str and not isinstance(v, str):
        raise InvalidInputError.at(f"{section}.{key}", f"must be a string, got {v!r}", rid)
    return v


def _date(v: Any, field: str, rid: object = None) -> dt.date:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise InvalidInputError.at(field, f"{v!r} is not a date (YYYY-MM-DD)", rid) from None


def catalog_from_dict(data: Any, rules: TaxRules) -> Catalog:
    """Build and check a :class:`Catalog` from the catalog JSON format (module docstring).

    Raises
    ------
    InvalidInputError
        A missing or malformed section or field, or anything :class:`Catalog` refuses
        (unknown or unlisted HS code, sizes or prices out of range, unknown references...).
    NotFoundError
        A reference to an unknown merchant or warehouse.
    """
    if not isinstance(data, Mapping):
        raise InvalidInputError.at("catalog", "must be a JSON object")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise InvalidInputError.at("catalog", f"unknown sections {sorted(unknown)}")
    cat = Catalog(rules)

    def rows(name: str) -> Sequence[Any]:
        v = data.get(name, [])
        if not isinstance(v, list):
            raise InvalidInputError.at(name, "must be a list")
        return v

    for i, d in enumerate(rows("merchants")):
        mid = _get(d, "merchant_id", "merchants", i, str)
        cat.add_merchant(Merchant(mid, str(d.get("name", mid))))
    for i, d in enumerate(rows("skus")):
        sid = _get(d, "sku_id", "skus", i, str)
        cat.add_sku(
            Sku(
                sid,
                _get(d, "merchant_id", "skus", sid, str),
                _get(d, "owner", "skus", sid, str),
                _get(d, "hs_code", "skus", sid, str),
                _get(d, "weight_g", "skus", sid, int),
                _get(d, "volume_ml", "skus", sid, int),
                _get(d, "unit_price_fen", "skus", sid, int),
                _get(d, "tax_class", "skus", sid, str),
            )
        )
    for i, d in enumerate(rows("warehouses")):
        wid = _get(d, "warehouse_id", "warehouses", i, str)
        stock = d.get("stock", {})
        if not isinstance(stock, Mapping):
            raise InvalidInputError.at("warehouses.stock", "must be an object SKU -> units", wid)
        handling = d.get("handling_fen", 500)
        cat.add_warehouse(
            Warehouse(
                wid,
                _get(d, "kind", "warehouses", wid, str),
                str(d.get("country", "")),
                _get(d, "lat", "warehouses", wid, float),
                _get(d, "lon", "warehouses", wid, float),
                handling,
                {str(k): v for k, v in stock.items()},
            )
        )
    for i, d in enumerate(rows("stores")):
        sid = _get(d, "store_id", "stores", i, str)
        cat.add_store(
            Store(
                sid,
                _get(d, "merchant_id", "stores", sid, str),
                _get(d, "venue", "stores", sid, str),
                _get(d, "lat", "stores", sid, float),
                _get(d, "lon", "stores", sid, float),
                _get(d, "warehouse_id", "stores", sid, str),
            )
        )
    for i, d in enumerate(rows("legs")):
        lid = _get(d, "leg_id", "legs", i, str)
        days = _get(d, "cutoff_weekdays", "legs", lid, None)
        if not isinstance(days, list) or not all(
            isinstance(x, int) and not isinstance(x, bool) for x in days
        ):
            raise InvalidInputError.at("legs.cutoff_weekdays", "must be a list of 0..6", lid)

        def num(k: str, lid: str = lid, d: Any = d) -> int:
            return int(_get(d, k, "legs", lid, int))

        cat.add_leg(
            Leg(
                lid,
                _get(d, "warehouse_id", "legs", lid, str),
                _get(d, "mode", "legs", lid, str),
                tuple(days),
                DayDist.from_pairs(
                    _get(d, "transit_days", "legs", lid, None), "legs.transit_days", lid
                ),
                num("price_per_kg_fen"),
                num("price_per_m3_fen"),
                num("parcel_first_kg_fen"),
                num("parcel_extra_kg_fen"),
                num("unit_capacity_g"),
                num("unit_capacity_ml"),
                num("unit_cost_fen"),
                _get(d, "port_lat", "legs", lid, float),
                _get(d, "port_lon", "legs", lid, float),
            )
        )
    for i, d in enumerate(rows("customers")):
        cid = _get(d, "customer_id", "customers", i, str)
        totals = d.get("annual_total_fen", {})
        if not isinstance(totals, Mapping):
            raise InvalidInputError.at("customers.annual_total_fen", "must be year -> fen", cid)
        years = {}
        for y, v in totals.items():
            try:
                years[int(y)] = v
            except ValueError:
                raise InvalidInputError.at(
                    "customers.annual_total_fen", f"{y!r} is not a year", cid
                ) from None
        cat.add_customer(
            Customer(
                cid,
                str(d.get("name", cid)),
                _get(d, "lat", "customers", cid, float),
                _get(d, "lon", "customers", cid, float),
                years,
            )
        )
    return cat


def catalog_to_dict(cat: Catalog) -> dict[str, Any]:
    """The catalog JSON format of ``cat`` (round-trips through :func:`catalog_from_dict`)."""
    return {
        "merchants": [
            {"merchant_id": m.merchant_id, "name": m.name} for m in cat.merchants.values()
        ],
        "skus": [
            {
                "sku_id": s.sku_id,
                "merchant_id": s.merchant_id,
                "owner": s.owner,
                "hs_code": s.hs_code,
                "weight_g": s.weight_g,
                "volume_ml": s.volume_ml,
                "unit_price_fen": s.unit_price_fen,
                "tax_class": s.tax_class,
            }
            for s in cat.skus.values()
        ],
        "warehouses": [
            {
                "warehouse_id": w.warehouse_id,
                "kind": w.kind,
                "country": w.country,
                "lat": w.lat,
                "lon": w.lon,
                "handling_fen": w.handling_fen,
                "stock": dict(w.stock),
            }
            for w in cat.warehouses.values()
        ],
        "stores": [
            {
                "store_id": s.store_id,
                "merchant_id": s.merchant_id,
                "venue": s.venue,
                "lat": s.lat,
                "lon": s.lon,
                "warehouse_id": s.warehouse_id,
            }
            for s in cat.stores.values()
        ],
        "legs": [
            {
                "leg_id": g.leg_id,
                "warehouse_id": g.warehouse_id,
                "mode": g.mode,
                "cutoff_weekdays": list(g.cutoff_weekdays),
                "transit_days": _pairs(g.transit),
                "price_per_kg_fen": g.price_per_kg_fen,
                "price_per_m3_fen": g.price_per_m3_fen,
                "parcel_first_kg_fen": g.parcel_first_kg_fen,
                "parcel_extra_kg_fen": g.parcel_extra_kg_fen,
                "unit_capacity_g": g.unit_capacity_g,
                "unit_capacity_ml": g.unit_capacity_ml,
                "unit_cost_fen": g.unit_cost_fen,
                "port_lat": g.port_lat,
                "port_lon": g.port_lon,
            }
            for g in cat.legs.values()
        ],
        "customers": [
            {
                "customer_id": c.customer_id,
                "name": c.name,
                "lat": c.lat,
                "lon": c.lon,
                "annual_total_fen": {str(y): v for y, v in c.annual_total_fen.items()},
            }
            for c in cat.customers.values()
        ],
    }


def _pairs(d: DayDist) -> list[list[int]]:
    return [[d.offset + i, w] for i, w in enumerate(d.weights) if w]


def read_json(path: str | Path, field: str) -> Any:
    """Parse a JSON file.

    Raises
    ------
    NotFoundError
        The file does not exist.
    InvalidInputError
        Malformed JSON (field ``field``, row id the path).
    """
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"{field}: no file {p}")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidInputError.at(field, f"malformed JSON: {e}", str(p)) from None


def order_from_dict(d: Any) -> Order:
    """An :class:`Order` from the order JSON format (module docstring).

    Raises
    ------
    InvalidInputError
        A missing or malformed field (``order_id``, ``lines``, ``quantity``, dates...).
    """
    oid = _get(d, "order_id", "order", None, str)
    if not oid:
        raise InvalidInputError.at("order_id", "is empty")
    lines_in = _get(d, "lines", "order", oid, None)
    if not isinstance(lines_in, list):
        raise InvalidInputError.at("lines", "must be a list of {sku_id, quantity}", oid)
    lines = tuple(
        OrderLine(_get(x, "sku_id", "lines", oid, str), _get(x, "quantity", "lines", oid, int))
        for x in lines_in
    )
    store = d.get("store_id")
    by = d.get("deliver_by")
    return Order(
        oid,
        _get(d, "customer_id", "order", oid, str),
        _date(_get(d, "order_date", "order", oid, None), "order_date", oid),
        str(d.get("purchase_mode", "online")),
        lines,
        store_id=str(store) if store else None,
        deliver_by=_date(by, "deliver_by", oid) if by else None,
    )


def order_to_dict(o: Order) -> dict[str, Any]:
    """The order JSON format of ``o``."""
    return {
        "order_id": o.order_id,
        "customer_id": o.customer_id,
        "order_date": o.order_date.isoformat(),
        "purchase_mode": o.purchase_mode,
        "lines": [{"sku_id": ln.sku_id, "quantity": ln.quantity} for ln in o.lines],
        "store_id": o.store_id,
        "deliver_by": o.deliver_by.isoformat() if o.deliver_by else None,
    }


# ---- quotes, orders and returns (the persisted form) ----------------------------------
def option_to_dict(o: Option) -> dict[str, Any]:
    """A priced fulfilment option as JSON-able data (lead times as ``[days, weight]``)."""
    t = o.tax
    return {
        "source": o.source,
        "warehouse_id": o.warehouse_id,
        "leg_id": o.leg_id,
        "goods_fen": o.goods_fen,
        "freight_fen": o.freight_fen,
        "handling_fen": o.handling_fen,
        "customs_fee_fen": o.customs_fee_fen,
        "landed_fen": o.landed_fen,
        "tax": {
            "rules_version": t.rules_version,
            "treatment": t.treatment,
            "reason": t.reason,
            "lines": [[x.sku_id, x.tariff_fen, x.consumption_fen, x.vat_fen] for x in t.lines],
            "dutiable_fen": t.dutiable_fen,
            "counts_toward_annual": t.counts_toward_annual,
            "annual_after_fen": t.annual_after_fen,
            "total_fen": t.total_fen,
        },
        "lead": [o.lead.offset, list(o.lead.weights)],
        "before_clearance": [o.before_clearance.offset, list(o.before_clearance.weights)],
        "promise_days": o.promise_days,
        "promised_date": o.promised_date.isoformat(),
        "meets_deadline": o.meets_deadline,
        "line_goods": [list(x) for x in o.line_goods],
    }


def option_from_dict(d: Mapping[str, Any]) -> Option:
    """The inverse of :func:`option_to_dict`."""
    t = d["tax"]
    return Option(
        d["source"],
        d["warehouse_id"],
        d["leg_id"],
        d["goods_fen"],
        d["freight_fen"],
        d["handling_fen"],
        d["customs_fee_fen"],
        TaxQuote(
            t["rules_version"],
            t["treatment"],
            t["reason"],
            tuple(LineTax(s, a, b, c) for s, a, b, c in t["lines"]),
            t["dutiable_fen"],
            t["counts_toward_annual"],
            t["annual_after_fen"],
            t["total_fen"],
        ),
        DayDist(d["lead"][0], tuple(d["lead"][1])),
        d["promise_days"],
        dt.date.fromisoformat(d["promised_date"]),
        d["meets_deadline"],
        tuple((s, g) for s, g in d["line_goods"]),
        DayDist(d["before_clearance"][0], tuple(d["before_clearance"][1])),
    )


def quote_to_dict(q: Quote, *, alternatives: bool = True) -> dict[str, Any]:
    """A quote as JSON-able data: the order, the chosen option, the reason, the rule
    versions and shippers; with ``alternatives``, the other options and exclusions too."""
    out: dict[str, Any] = {
        "order": order_to_dict(q.order),
        "chosen": option_to_dict(q.chosen),
        "reason": q.reason,
        "tax_version": q.tax_version,
        "customs_version": q.customs_version,
        "policy_version": q.policy_version,
        "shippers": [list(x) for x in q.shippers],
        "on_time": q.on_time,
    }
    if alternatives:
        out["options"] = [option_to_dict(o) for o in q.options if o is not q.chosen]
        out["excluded"] = [list(x) for x in q.excluded]
    return out


def quote_from_dict(d: Mapping[str, Any]) -> Quote:
    """The inverse of :func:`quote_to_dict` (options other than the chosen one are kept
    only if they were written)."""
    chosen = option_from_dict(d["chosen"])
    others = tuple(option_from_dict(o) for o in d.get("options", ()))
    return Quote(
        order_from_dict(d["order"]),
        chosen,
        (chosen, *others),
        tuple((w, why) for w, why in d.get("excluded", ())),
        d["reason"],
        d["tax_version"],
        d["customs_version"],
        d["policy_version"],
        tuple((s, who) for s, who in d["shippers"]),
    )


def _history(h: Sequence[tuple[str, dt.date, str]]) -> list[list[str]]:
    return [[s, d.isoformat(), n] for s, d, n in h]


def _history_from(h: Sequence[Sequence[str]]) -> list[tuple[str, dt.date, str]]:
    return [(s, dt.date.fromisoformat(d), n) for s, d, n in h]


def declaration_to_dict(x: Declaration) -> dict[str, Any]:
    """The three records (三单) as JSON-able data."""
    o, p, w = x.order, x.payment, x.waybill
    return {
        "order": {
            "order_id": o.order_id,
            "buyer_id": o.buyer_id,
            "buyer_name": o.buyer_name,
            "lines": [[ln.sku_id, ln.hs_code, ln.quantity, ln.value_fen] for ln in o.lines],
            "goods_fen": o.goods_fen,
            "freight_fen": o.freight_fen,
            "tax_fen": o.tax_fen,
        },
        "payment": {
            "payment_id": p.payment_id,
            "order_id": p.order_id,
            "payer_id": p.payer_id,
            "amount_fen": p.amount_fen,
        },
        "waybill": {
            "waybill_id": w.waybill_id,
            "order_id": w.order_id,
            "consignee_id": w.consignee_id,
            "weight_g": w.weight_g,
        },
        "mode": x.mode,
        "declared_on": x.declared_on.isoformat(),
        "tax_version": x.tax_version,
    }


def declaration_from_dict(d: Mapping[str, Any]) -> Declaration:
    """The inverse of :func:`declaration_to_dict`."""
    o = d["order"]
    return Declaration(
        OrderRecord(
            o["order_id"],
            o["buyer_id"],
            o["buyer_name"],
            tuple(DeclaredLine(*ln) for ln in o["lines"]),
            o["goods_fen"],
            o["freight_fen"],
            o["tax_fen"],
        ),
        PaymentRecord(**d["payment"]),
        WaybillRecord(**d["waybill"]),
        d["mode"],
        dt.date.fromisoformat(d["declared_on"]),
        d["tax_version"],
    )


def order_state_to_dict(o: CrossBorderOrder) -> dict[str, Any]:
    """A cross-border order through its life as JSON-able data."""
    c = o.clearance
    return {
        "order_id": o.order_id,
        "kind": o.kind,
        "state": o.state,
        "policy_version": o.policy.version,
        "quote": quote_to_dict(o.quote, alternatives=False),
        "history": _history(o.history),
        "declaration": None if o.declaration is None else declaration_to_dict(o.declaration),
        "clearance": None
        if c is None
        else {
            "order_id": c.order_id,
            "mode": c.mode,
            "days": c.days,
            "held_days": c.held_days,
            "released_on": c.released_on.isoformat(),
            "customs_version": c.customs_version,
        },
        "exception": None if o.exception is None else list(o.exception),
        "delivered_on": o.delivered_on.isoformat() if o.delivered_on else None,
        "refund_fen": o.refund_fen,
    }


def order_state_from_dict(d: Mapping[str, Any], rules: RuleBook) -> CrossBorderOrder:
    """The inverse of :func:`order_state_to_dict`; the policy is the rule book's version
    in force on the order date (which must be the version recorded).

    Raises
    ------
    InvalidInputError
        The rule book no longer has the recorded policy version in force on that date.
    """
    q = quote_from_dict(d["quote"])
    policy = rules.orders(q.order.order_date)
    if policy.version != d["policy_version"]:
        raise InvalidInputError.at(
            "policy_version",
            f"order recorded {d['policy_version']} but the rules now give {policy.version}",
            d["order_id"],
        )
    c = d["clearance"]
    return CrossBorderOrder(
        d["order_id"],
        d["kind"],
        q,
        policy,
        d["state"],
        _history_from(d["history"]),
        None if d["declaration"] is None else declaration_from_dict(d["declaration"]),
        None
        if c is None
        else Clearance(
            c["order_id"],
            c["mode"],
            c["days"],
            c["held_days"],
            dt.date.fromisoformat(c["released_on"]),
            c["customs_version"],
        ),
        dt.date.fromisoformat(d["delivered_on"]) if d["delivered_on"] else None,
        d["refund_fen"],
        None if d.get("exception") is None else (d["exception"][0], d["exception"][1]),
    )


def return_to_dict(r: ReturnFlow, return_id: str) -> dict[str, Any]:
    """A return flow as JSON-able data (the order is referred to by id)."""
    return {
        "return_id": return_id,
        "order_id": r.order.order_id,
        "lines": dict(r.lines),
        "requested_on": r.requested_on.isoformat(),
        "route": {k: list(v) for k, v in r.route.items()},
        "state": r.state,
        "at": dict(r.at),
        "history": _history(r.history),
        "goods_refund_fen": r.goods_refund_fen,
        "tax_refund_fen": r.tax_refund_fen,
        "annual_credit_fen": r.annual_credit_fen,
    }


def return_from_dict(d: Mapping[str, Any], order: CrossBorderOrder) -> ReturnFlow:
    """The inverse of :func:`return_to_dict`, on the (decoded) order it returns."""
    return ReturnFlow(
        order,
        {str(k): int(v) for k, v in d["lines"].items()},
        dt.date.fromisoformat(d["requested_on"]),
        {k: tuple(v) for k, v in d["route"].items()},
        d["state"],
        dict(d["at"]),
        _history_from(d["history"]),
        d["goods_refund_fen"],
        d["tax_refund_fen"],
        int(d.get("annual_credit_fen", 0)),
    )


__all__ = [
    "SECTIONS",
    "catalog_from_dict",
    "catalog_to_dict",
    "declaration_from_dict",
    "declaration_to_dict",
    "option_from_dict",
    "option_to_dict",
    "order_from_dict",
    "order_state_from_dict",
    "order_state_to_dict",
    "order_to_dict",
    "quote_from_dict",
    "quote_to_dict",
    "read_json",
    "return_from_dict",
    "return_to_dict",
]
