"""Durable state of the community stores (``yunli.v1.Community``) in the server's store.

Tables beside the others in the same database (SQLite or PostgreSQL), each row JSON in
``body`` and the store revision of its last write in ``rev``:

* ``community_sites``, ``community_skus``, ``community_couriers``: the network;
* ``community_stock(store_id, sku_id, quantity)``: stock on hand;
* ``community_orders(order_id, idem_key, idem_hash, body)``: placed orders with the
  accepted offer (promise, fee and tariff version) and where they stand; ``idem_key`` is
  unique, so an idempotency key names one order for good;
* ``community_plan``: the dispatcher's live plan (:func:`engine.live.io.plan_to_dict`).

A mutation of the service is written by :meth:`CommunityStore.write` in one transaction
(after the revision counter is taken, which serializes writers): the order, the stock it
took and the plan it joined are durable together or not at all. At start the service
rebuilds its :class:`~engine.stores.Dispatcher` from :meth:`CommunityStore.load`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.live import LivePlan
from engine.live.io import plan_from_dict, plan_to_dict
from engine.stores import Courier, Fee, Order, OrderStatus, QuoteOption, Site, Sku
from server.store.sql import SqlStore

_TABLES = (
    "CREATE TABLE IF NOT EXISTS community_sites (site_id TEXT PRIMARY KEY, body TEXT NOT NULL, "
    "rev BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS community_skus (sku_id TEXT PRIMARY KEY, body TEXT NOT NULL, "
    "rev BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS community_couriers (courier_id TEXT PRIMARY KEY, "
    "body TEXT NOT NULL, rev BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS community_stock (store_id TEXT NOT NULL, sku_id TEXT NOT NULL, "
    "quantity BIGINT NOT NULL, rev BIGINT NOT NULL, PRIMARY KEY (store_id, sku_id))",
    "CREATE TABLE IF NOT EXISTS community_orders (order_id TEXT PRIMARY KEY, idem_key TEXT "
    "UNIQUE, idem_hash TEXT, body TEXT NOT NULL, rev BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS community_plan (plan_id TEXT PRIMARY KEY, body TEXT NOT NULL, "
    "rev BIGINT NOT NULL)",
)


# ---- JSON codecs ------------------------------------------------------------------------
def site_to_dict(s: Site) -> dict[str, Any]:
    """A site as JSON-able data."""
    return {
        "site_id": s.site_id,
        "kind": s.kind,
        "lat": s.lat,
        "lon": s.lon,
        "opening": [list(w) for w in s.opening],
        "radius_m": s.radius_m,
        "capacity": s.capacity,
        "closed_radius_m": s.closed_radius_m,
        "receiving": [list(w) for w in s.receiving],
        "name": s.name,
    }


def site_from_dict(d: Mapping[str, Any]) -> Site:
    """A site from :func:`site_to_dict` output."""
    kw = dict(d)
    kw["opening"] = tuple(tuple(w) for w in kw["opening"])
    kw["receiving"] = tuple(tuple(w) for w in kw["receiving"])
    return Site(**kw)


def courier_to_dict(c: Courier) -> dict[str, Any]:
    """A courier as JSON-able data."""
    return {
        "courier_id": c.courier_id,
        "mode": c.mode,
        "store_id": c.store_id,
        "shifts": [list(s) for s in c.shifts],
    }


def courier_from_dict(d: Mapping[str, Any]) -> Courier:
    """A courier from :func:`courier_to_dict` output."""
    return Courier(
        d["courier_id"], d["mode"], d["store_id"], tuple((int(a), int(b)) for a, b in d["shifts"])
    )


def sku_to_dict(s: Sku) -> dict[str, Any]:
    """A SKU as JSON-able data."""
    return {
        "sku_id": s.sku_id,
        "name": s.name,
        "weight_kg": s.weight_kg,
        "volume_l": s.volume_l,
        "price_fen": s.price_fen,
    }


def status_to_dict(st: OrderStatus) -> dict[str, Any]:
    """A placed order and where it stands as JSON-able data."""
    o, opt = st.order, st.option
    return {
        "order": {
            "order_id": o.order_id,
            "store_id": o.store_id,
            "items": [list(i) for i in o.items],
            "placed_at": o.placed_at,
            "lat": o.lat,
            "lon": o.lon,
            "ready_at": o.ready_at,
            "pickup_point_id": o.pickup_point_id,
            "pay_on_delivery": o.pay_on_delivery,
        },
        "option": {
            "kind": opt.kind,
            "promise": opt.promise,
            "eta": opt.eta,
            "fee": {
                "base": opt.fee.base,
                "distance": opt.fee.distance,
                "weather": opt.fee.weather,
                "discount": opt.fee.discount,
                "total": opt.fee.total,
                "tariff_version": opt.fee.tariff_version,
            },
            "pickup_point_id": opt.pickup_point_id,
            "courier_id": opt.courier_id,
            "distance_m": opt.distance_m,
        },
        "state": st.state,
        "courier_id": st.courier_id,
        "eta": st.eta,
        "picked_up_at": st.picked_up_at,
        "delivered_at": st.delivered_at,
    }


def status_from_dict(d: Mapping[str, Any]) -> OrderStatus:
    """An order status from :func:`status_to_dict` output."""
    o, opt = dict(d["order"]), dict(d["option"])
    o["items"] = tuple((str(s), int(q)) for s, q in o["items"])
    opt["fee"] = Fee(**opt["fee"])
    return OrderStatus(
        Order(**o),
        QuoteOption(**opt),
        d["state"],
        d["courier_id"],
        d["eta"],
        d["picked_up_at"],
        d["delivered_at"],
    )


@dataclass
class Loaded:
    """Everything stored: the network, stock, orders (with their revisions and
    idempotency keys) and the plan (``None`` before the first write)."""

    sites: list[Site] = field(default_factory=list)
    skus: list[Sku] = field(default_factory=list)
    couriers: list[Courier] = field(default_factory=list)
    stock: dict[str, dict[str, int]] = field(default_factory=dict)
    stock_rev: dict[str, int] = field(default_factory=dict)
    orders: list[OrderStatus] = field(default_factory=list)
    order_rev: dict[str, int] = field(default_factory=dict)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    plan: LivePlan | None = None


class CommunityStore:
    """The community tables in ``store``'s database (created if missing)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        with store._lock, store._transaction() as cur:
            for ddl in _TABLES:
                cur.execute(ddl)

    def load(self) -> Loaded:
        """Everything stored, read in one transaction."""
        out = Loaded()
        with self._store._lock, self._store._transaction() as cur:
            cur.execute("SELECT body FROM community_sites ORDER BY site_id")
            out.sites = [site_from_dict(json.loads(r[0])) for r in cur.fetchall()]
            cur.execute("SELECT body FROM community_skus ORDER BY sku_id")
            out.skus = [Sku(**json.loads(r[0])) for r in cur.fetchall()]
            cur.execute("SELECT body FROM community_couriers ORDER BY courier_id")
            out.couriers = [courier_from_dict(json.loads(r[0])) for r in cur.fetchall()]
            cur.execute("SELECT store_id, sku_id, quantity, rev FROM community_stock")
            for sid, sku, q, rev in cur.fetchall():
                out.stock.setdefault(str(sid), {})[str(sku)] = int(q)
                out.stock_rev[str(sid)] = max(out.stock_rev.get(str(sid), 0), int(rev))
            cur.execute(
                "SELECT order_id, idem_key, idem_hash, body, rev FROM community_orders "
                "ORDER BY order_id"
            )
            for oid, key, h, body, rev in cur.fetchall():
                out.orders.append(status_from_dict(json.loads(body)))
                out.order_rev[str(oid)] = int(rev)
                if key is not None:
                    out.keys[str(key)] = (str(oid), str(h))
            cur.execute("SELECT body FROM community_plan WHERE plan_id = 'community'")
            row = cur.fetchone()
            if row is not None:
                out.plan = plan_from_dict(json.loads(row[0]))
        return out

    def write(
        self,
        *,
        sites: Iterable[Site] = (),
        skus: Iterable[Sku] = (),
        couriers: Iterable[Courier] = (),
        stock: Mapping[str, Mapping[str, int]] | None = None,
        orders: Iterable[OrderStatus] = (),
        key: tuple[str, str, str] | None = None,
        plan: LivePlan | None = None,
        guard: Callable[[Any], None] | None = None,
    ) -> int:
        """Write the given rows in one transaction; returns its revision.

        ``sites``, ``skus`` and ``couriers`` are inserted (they are new); ``stock`` levels
        and ``orders`` are upserted; ``key`` is ``(order_id, idempotency key, request
        hash)`` attached to that order; ``plan`` replaces the stored plan. ``guard`` runs
        first inside the transaction (the lease fence, :meth:`LeaseStore.fence
        <server.store.leases.LeaseStore.fence>`): if it raises, nothing is written.
        """
        p = self._store.placeholder
        with self._store._lock, self._store._transaction() as cur:
            if guard is not None:
                guard(cur)
            rev = self._store._next_rev(cur)
            for table, col, rows in (
                ("community_sites", "site_id", [(s.site_id, site_to_dict(s)) for s in sites]),
                ("community_skus", "sku_id", [(s.sku_id, sku_to_dict(s)) for s in skus]),
                (
                    "community_couriers",
                    "courier_id",
                    [(c.courier_id, courier_to_dict(c)) for c in couriers],
                ),
            ):
                for rid, body in rows:
                    cur.execute(
                        f"INSERT INTO {table} ({col}, body, rev) VALUES ({p}, {p}, {p})",
                        (rid, json.dumps(body), rev),
                    )
            for sid, levels in (stock or {}).items():
                for sku, q in levels.items():
                    cur.execute(
                        "INSERT INTO community_stock (store_id, sku_id, quantity, rev) "
                        f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (store_id, sku_id) DO UPDATE "
                        "SET quantity = excluded.quantity, rev = excluded.rev",
                        (sid, sku, int(q), rev),
                    )
            for st in orders:
                cur.execute(
                    f"INSERT INTO community_orders (order_id, body, rev) VALUES ({p}, {p}, {p}) "
                    "ON CONFLICT (order_id) DO UPDATE SET body = excluded.body, rev = excluded.rev",
                    (st.order.order_id, json.dumps(status_to_dict(st)), rev),
                )
            if key is not None:
                cur.execute(
                    f"UPDATE community_orders SET idem_key = {p}, idem_hash = {p} "
                    f"WHERE order_id = {p}",
                    (key[1], key[2], key[0]),
                )
            if plan is not None:
                cur.execute(
                    f"INSERT INTO community_plan (plan_id, body, rev) VALUES ('community', {p}, "
                    f"{p}) ON CONFLICT (plan_id) DO UPDATE SET body = excluded.body, "
                    "rev = excluded.rev",
                    (json.dumps(plan_to_dict(plan)), rev),
                )
        return rev
