"""Durable cross-border state in the server's store (``yunli.v1.CrossBorder``).

Tables beside the others in the same database (SQLite or PostgreSQL); ``rev`` is the store
revision of a row's last write:

* ``crossborder_onboarding(merchant_id, body, rev)``: the JSON list of steps done;
* ``crossborder_catalog(catalog_id, body, checked_on, rev)``: the catalog document
  (:mod:`engine.crossborder.io` format) and the date whose tax table checked it;
* ``crossborder_stock(warehouse_id, sku_id, quantity, rev)``: stock on hand;
* ``crossborder_usage(customer_id, year, used_fen, rev)``: customers' cross-border totals;
* ``crossborder_orders(order_id, customer_id, state, body, rev)``: each order through its
  life (:func:`engine.crossborder.io.order_state_to_dict`);
* ``crossborder_returns(return_id, order_id, state, body, rev)``: return flows.

Every change runs in one :meth:`CrossBorderStore.write` transaction, after the revision
counter is taken (which serializes the writers of every server sharing the database). The
rules (:mod:`engine.crossborder.workflows`) are applied inside it, so a refused action
rolls everything back: an order, the stock it took and the customer's annual total are
durable together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from engine.crossborder.workflows import Onboarding
from engine.errors import NotFoundError
from server.store.sql import SqlStore

_TABLES = (
    "CREATE TABLE IF NOT EXISTS crossborder_onboarding (merchant_id TEXT PRIMARY KEY, "
    "body TEXT NOT NULL, rev BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS crossborder_catalog (catalog_id TEXT PRIMARY KEY, "
    "body TEXT NOT NULL, checked_on TEXT NOT NULL, rev BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS crossborder_stock (warehouse_id TEXT NOT NULL, "
    "sku_id TEXT NOT NULL, quantity BIGINT NOT NULL, rev BIGINT NOT NULL, "
    "PRIMARY KEY (warehouse_id, sku_id))",
    "CREATE INDEX IF NOT EXISTS crossborder_stock_sku ON crossborder_stock (sku_id)",
    "CREATE TABLE IF NOT EXISTS crossborder_usage (customer_id TEXT NOT NULL, "
    "year BIGINT NOT NULL, used_fen BIGINT NOT NULL, rev BIGINT NOT NULL, "
    "PRIMARY KEY (customer_id, year))",
    "CREATE TABLE IF NOT EXISTS crossborder_orders (order_id TEXT PRIMARY KEY, "
    "customer_id TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL, rev BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS crossborder_returns (return_id TEXT PRIMARY KEY, "
    "order_id TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL, rev BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS crossborder_returns_order ON crossborder_returns (order_id)",
)


class CrossBorderTx:
    """Reads and writes inside one transaction of :meth:`CrossBorderStore.write` (or a
    read-only one of :meth:`CrossBorderStore.read`, where ``rev`` is ``None``)."""

    def __init__(self, cur: Any, placeholder: str, rev: int | None) -> None:
        self._cur = cur
        self._p = placeholder
        self.rev = rev

    def _one(self, sql: str, args: tuple[Any, ...]) -> Any:
        self._cur.execute(sql, args)
        return self._cur.fetchone()

    def _write_rev(self) -> int:
        if self.rev is None:  # pragma: no cover - a bug in the caller
            raise RuntimeError("write in a read-only transaction")
        return self.rev

    # ---- catalog, stock, usage ------------------------------------------------------------
    def catalog(self) -> tuple[str, str, int] | None:
        """The stored catalog document, the date that checked it and its revision."""
        row = self._one(
            "SELECT body, checked_on, rev FROM crossborder_catalog WHERE catalog_id = 'main'", ()
        )
        return None if row is None else (str(row[0]), str(row[1]), int(row[2]))

    def catalog_rev(self) -> int | None:
        """The revision of the stored catalog (``None``: none stored)."""
        row = self._one("SELECT rev FROM crossborder_catalog WHERE catalog_id = 'main'", ())
        return None if row is None else int(row[0])

    def put_catalog(
        self,
        body: str,
        checked_on: dt.date,
        stock: Iterable[tuple[str, str, int]],
        usage: Iterable[tuple[str, int, int]],
    ) -> None:
        """Replace the catalog, all stock and all annual totals."""
        p, rev = self._p, self._write_rev()
        self._cur.execute(
            "INSERT INTO crossborder_catalog (catalog_id, body, checked_on, rev) "
            f"VALUES ('main', {p}, {p}, {p}) ON CONFLICT (catalog_id) DO UPDATE SET "
            "body = excluded.body, checked_on = excluded.checked_on, rev = excluded.rev",
            (body, checked_on.isoformat(), rev),
        )
        self._cur.execute("DELETE FROM crossborder_stock")
        self._cur.executemany(
            "INSERT INTO crossborder_stock (warehouse_id, sku_id, quantity, rev) "
            f"VALUES ({p}, {p}, {p}, {p})",
            [(w, s, q, rev) for w, s, q in stock],
        )
        self._cur.execute("DELETE FROM crossborder_usage")
        self._cur.executemany(
            "INSERT INTO crossborder_usage (customer_id, year, used_fen, rev) "
            f"VALUES ({p}, {p}, {p}, {p})",
            [(c, y, u, rev) for c, y, u in usage],
        )

    def stock(self, sku_ids: Iterable[str]) -> dict[tuple[str, str], int]:
        """Units on hand of these SKUs: ``(warehouse_id, sku_id) -> units``."""
        ids = sorted(set(sku_ids))
        if not ids:
            return {}
        self._cur.execute(
            "SELECT warehouse_id, sku_id, quantity FROM crossborder_stock WHERE sku_id IN "
            f"({', '.join([self._p] * len(ids))})",
            tuple(ids),
        )
        return {(str(w), str(s)): int(q) for w, s, q in self._cur.fetchall()}

    def add_stock(self, warehouse_id: str, sku_id: str, delta: int) -> None:
        """Add ``delta`` units (negative: take them)."""
        p = self._p
        self._cur.execute(
            "INSERT INTO crossborder_stock (warehouse_id, sku_id, quantity, rev) "
            f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (warehouse_id, sku_id) DO UPDATE SET "
            "quantity = crossborder_stock.quantity + excluded.quantity, rev = excluded.rev",
            (warehouse_id, sku_id, delta, self._write_rev()),
        )

    def usage(self, customer_id: str, year: int) -> int:
        """A customer's cross-border total of ``year`` (0 if none)."""
        p = self._p
        row = self._one(
            f"SELECT used_fen FROM crossborder_usage WHERE customer_id = {p} AND year = {p}",
            (customer_id, year),
        )
        return 0 if row is None else int(row[0])

    def set_usage(self, customer_id: str, year: int, used_fen: int) -> None:
        """Set a customer's cross-border total of ``year``."""
        p = self._p
        self._cur.execute(
            "INSERT INTO crossborder_usage (customer_id, year, used_fen, rev) "
            f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (customer_id, year) DO UPDATE SET "
            "used_fen = excluded.used_fen, rev = excluded.rev",
            (customer_id, year, used_fen, self._write_rev()),
        )

    # ---- orders and returns ---------------------------------------------------------------
    def order(self, order_id: str) -> tuple[dict[str, Any], int] | None:
        """An order's stored body and revision."""
        row = self._one(
            f"SELECT body, rev FROM crossborder_orders WHERE order_id = {self._p}", (order_id,)
        )
        return None if row is None else (json.loads(row[0]), int(row[1]))

    def put_order(self, body: dict[str, Any], customer_id: str) -> None:
        """Insert or replace an order (``body["order_id"]``, ``body["state"]``)."""
        p = self._p
        self._cur.execute(
            "INSERT INTO crossborder_orders (order_id, customer_id, state, body, rev) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT (order_id) DO UPDATE SET "
            "state = excluded.state, body = excluded.body, rev = excluded.rev",
            (
                body["order_id"],
                customer_id,
                body["state"],
                json.dumps(body, ensure_ascii=False),
                self._write_rev(),
            ),
        )

    def orders(self, customer_id: str = "", state: str = "") -> list[tuple[dict[str, Any], int]]:
        """Stored orders by id, optionally of one customer and/or in one state."""
        p, where, args = self._p, [], []
        if customer_id:
            where.append(f"customer_id = {p}")
            args.append(customer_id)
        if state:
            where.append(f"state = {p}")
            args.append(state)
        sql = "SELECT body, rev FROM crossborder_orders"
        if where:
            sql += " WHERE " + " AND ".join(where)
        self._cur.execute(sql + " ORDER BY order_id", tuple(args))
        return [(json.loads(b), int(r)) for b, r in self._cur.fetchall()]

    def return_(self, return_id: str) -> tuple[dict[str, Any], int] | None:
        """A return's stored body and revision."""
        row = self._one(
            f"SELECT body, rev FROM crossborder_returns WHERE return_id = {self._p}",
            (return_id,),
        )
        return None if row is None else (json.loads(row[0]), int(row[1]))

    def returns_of(self, order_id: str) -> list[dict[str, Any]]:
        """Every return of an order."""
        self._cur.execute(
            f"SELECT body FROM crossborder_returns WHERE order_id = {self._p} ORDER BY return_id",
            (order_id,),
        )
        return [json.loads(b) for (b,) in self._cur.fetchall()]

    def put_return(self, body: dict[str, Any]) -> None:
        """Insert or replace a return (``body["return_id"]``, ``order_id``, ``state``)."""
        p = self._p
        self._cur.execute(
            "INSERT INTO crossborder_returns (return_id, order_id, state, body, rev) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT (return_id) DO UPDATE SET "
            "state = excluded.state, body = excluded.body, rev = excluded.rev",
            (
                body["return_id"],
                body["order_id"],
                body["state"],
                json.dumps(body, ensure_ascii=False),
                self._write_rev(),
            ),
        )


class CrossBorderStore:
    """Cross-border state stored in ``store``'s database (tables created if missing)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        with store._lock, store._transaction() as cur:
            for sql in _TABLES:
                cur.execute(sql)

    @contextmanager
    def write(self) -> Iterator[CrossBorderTx]:
        """One write transaction with a new store revision (``tx.rev``); an exception
        inside rolls every write back."""
        with self._store._lock, self._store._transaction() as cur:
            yield CrossBorderTx(cur, self._store.placeholder, self._store._next_rev(cur))

    @contextmanager
    def read(self) -> Iterator[CrossBorderTx]:
        """One consistent read (``tx.rev`` is ``None``)."""
        with self._store._lock, self._store._transaction() as cur:
            yield CrossBorderTx(cur, self._store.placeholder, None)

    @staticmethod
    def _decode(merchant_id: str, body: str) -> Onboarding:
        ob = Onboarding(merchant_id)
        ob.done = [(s, dt.date.fromisoformat(d)) for s, d in json.loads(body)]
        return ob

    def onboarding(self, merchant_id: str) -> tuple[Onboarding, int]:
        """A merchant's progress and the revision that wrote it.

        Raises
        ------
        NotFoundError
            If the merchant never started onboarding.
        """
        p = self._store.placeholder
        with self._store._lock, self._store._transaction() as cur:
            cur.execute(
                f"SELECT body, rev FROM crossborder_onboarding WHERE merchant_id = {p}",
                (merchant_id,),
            )
            row = cur.fetchone()
        if row is None:
            raise NotFoundError(f"merchant_id: no onboarding for {merchant_id!r}")
        return self._decode(merchant_id, str(row[0])), int(row[1])

    def advance(self, merchant_id: str, step: str, day: dt.date) -> tuple[Onboarding, int]:
        """Record ``step`` for ``merchant_id`` on ``day``; returns the progress and revision.

        Raises
        ------
        engine.errors.InvalidInputError
            An unknown step, or :class:`~engine.crossborder.errors.TransitionError` for a
            step out of order (nothing is written).
        """
        p = self._store.placeholder
        with self._store._lock, self._store._transaction() as cur:
            rev = self._store._next_rev(cur)
            cur.execute(
                f"SELECT body FROM crossborder_onboarding WHERE merchant_id = {p}", (merchant_id,)
            )
            row = cur.fetchone()
            ob = self._decode(merchant_id, str(row[0])) if row else Onboarding(merchant_id)
            ob.advance(step, day)
            body = json.dumps([(s, d.isoformat()) for s, d in ob.done])
            cur.execute(
                "INSERT INTO crossborder_onboarding (merchant_id, body, rev) "
                f"VALUES ({p}, {p}, {p}) ON CONFLICT (merchant_id) DO UPDATE SET "
                "body = excluded.body, rev = excluded.rev",
                (merchant_id, body, rev),
            )
        return ob, rev
