"""Durable state of freight orders: orders, events, bids, ledger, ratings, credit.

:class:`OrderStore` works on the connection of a :class:`~server.store.sql.SqlStore`
(SQLite or PostgreSQL) and applies the pure rules of :mod:`engine.orders` inside one
database transaction per call, so a state change, its events, its ledger postings
and its credit counters are written together or not at all.

Concurrency
-----------
* A call reads the order row with ``SELECT … FOR UPDATE`` (PostgreSQL; SQLite's
  ``BEGIN IMMEDIATE`` takes the database write lock) and writes it back with
  ``UPDATE … WHERE version = <version read>``; a grab that finds the order taken, or
  whose conditional write touches no row, fails with
  :class:`~engine.orders.errors.OrderStateError`. So a grab has exactly one winner
  across threads, processes and server instances sharing one database: the
  decision is made by the database, never by an in-process lock.
* Every mutating call carries an idempotency key. The key row is inserted first in
  the call's transaction (``ON CONFLICT DO NOTHING``; a concurrent call with the same
  key waits for the first to commit); a retry with the same request gets the stored
  response, a reuse with a different request is refused (field ``idempotency_key``).
  A call that fails writes nothing, not even its key. Keys are kept
  :data:`IDEMPOTENCY_TTL_S` (7 days) and then pruned by the sweep.
* Events take gap-free sequence numbers from the ``order_meta('event_seq')`` row
  locked until commit (see :mod:`server.store.orders_schema`); subscribers read
  ``events_after(cursor)``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

from engine.errors import InvalidInputError, NotFoundError
from engine.orders import auction, machine
from engine.orders.credit import Credit, CreditStats, credit_score
from engine.orders.eligibility import check_eligible
from engine.orders.errors import OrderStateError
from engine.orders.ledger import LedgerCheck, Transaction, check_ledger
from engine.orders.machine import OrderException, Step
from engine.orders.model import OPEN_STATES, Actor, Event, Order, Role, State
from engine.orders.pricing import PriceGuidance
from server.store.orders_schema import COUNTERS, statements
from server.store.sql import SqlStore

#: Most events returned by one :meth:`OrderStore.events_after` call.
MAX_EVENTS_PAGE: Final = 1000
#: How long an idempotency key is kept (7 days): a retry within this window is answered
#: from the record; the sweep deletes older keys.
IDEMPOTENCY_TTL_S: Final = 7 * 86_400
#: Longest idempotency key accepted.
MAX_KEY_LEN: Final = 128

_CREDIT_COLS: Final = (
    "ratings",
    "stars_sum",
    "deliveries",
    "on_time",
    "orders",
    "exceptions",
    "cancellations",
)


def _digest(method: str, payload: Mapping[str, Any]) -> str:
    raw = json.dumps([method, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


class OrderStore:
    """Orders on the database of ``sql`` (tables created if missing).

    Parameters
    ----------
    sql
        The server's store (its connection, transactions and placeholder style).
    clock
        Source of "now" in Unix seconds (default :func:`time.time`); calls may also
        pass ``at`` explicitly (the CLI and the simulator do).
    """

    def __init__(self, sql: SqlStore, clock: Callable[[], float] = time.time) -> None:
        self.sql = sql
        self.clock = clock
        self._p = sql.placeholder
        self._for_update = " FOR UPDATE" if sql.placeholder == "%s" else ""
        #: Notified after every committed write (wakes local subscribers at once).
        self.changed = threading.Condition()
        with self._txn() as cur:
            for s in statements(sql.blob_type):
                cur.execute(s)
            for c in COUNTERS:
                cur.execute(
                    f"INSERT INTO order_meta (key, value) VALUES ({self._p}, 0) "
                    "ON CONFLICT (key) DO NOTHING",
                    (c,),
                )

    # ---- plumbing ---------------------------------------------------------------------------
    @contextmanager
    def _txn(self) -> Iterator[Any]:
        with self.sql._lock, self.sql._transaction() as cur:
            yield cur

    def now(self) -> int:
        """The store's clock, whole seconds."""
        return int(self.clock())

    def _next(self, cur: Any, counter: str) -> int:
        cur.execute(
            f"UPDATE order_meta SET value = value + 1 WHERE key = {self._p} RETURNING value",
            (counter,),
        )
        return int(cur.fetchone()[0])

    def _mutate(
        self, key: str, method: str, payload: Mapping[str, Any], fn: Callable[[Any], dict[str, Any]]
    ) -> dict[str, Any]:
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LEN:
            raise InvalidInputError.at(
                "idempotency_key", f"must be 1 to {MAX_KEY_LEN} characters, got {key!r}"
            )
        digest = _digest(method, payload)
        p = self._p
        with self._txn() as cur:
            cur.execute(
                f"INSERT INTO idempotency (key, method, digest, response, at) "
                f"VALUES ({p}, {p}, {p}, NULL, {p}) ON CONFLICT (key) DO NOTHING",
                (key, method, digest, self.now()),
            )
            if cur.rowcount != 1:
                cur.execute(
                    f"SELECT method, digest, response FROM idempotency WHERE key = {p}", (key,)
                )
                m, d, resp = cur.fetchone()
                if m != method or d != digest:
                    raise InvalidInputError.at(
                        "idempotency_key",
                        f"key {key!r} was used for a different request ({m}); use a new key",
                    )
                out: dict[str, Any] = json.loads(resp)
                out["replayed"] = True
                return out
            out = fn(cur)
            cur.execute(
                f"UPDATE idempotency SET response = {p} WHERE key = {p}",
                (json.dumps(out, sort_keys=True), key),
            )
        with self.changed:
            self.changed.notify_all()
        out["replayed"] = False
        return out

    def _load(self, cur: Any, order_id: int, lock: bool = True) -> Order:
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise InvalidInputError.at("order_id", f"must be an integer, got {order_id!r}")
        cur.execute(
            f"SELECT body FROM orders WHERE order_id = {self._p}"
            + (self._for_update if lock else ""),
            (order_id,),
        )
        row = cur.fetchone()
        if row is None:
            raise NotFoundError(f"order_id: unknown order {order_id}")
        return Order.from_dict(json.loads(row[0]))

    def _save(self, cur: Any, step: Step, before: Order | None, at: int) -> int:
        """Write the order (conditionally on the version read), its events and ledger
        transaction; returns the last event's sequence number."""
        o = step.order
        p = self._p
        body = json.dumps(o.to_dict(), sort_keys=True)
        if before is None:
            cur.execute(
                "INSERT INTO orders (order_id, shipper_id, carrier_id, state, price_mode, "
                f"deadline, "
                f"version, body) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})",
                (
                    o.order_id,
                    o.shipper_id,
                    o.carrier_id,
                    o.state.value,
                    o.price_mode.value,
                    o.deadline,
                    o.version,
                    body,
                ),
            )
        else:
            cur.execute(
                f"UPDATE orders SET carrier_id = {p}, state = {p}, version = {p}, body = {p} "
                f"WHERE order_id = {p} AND version = {p}",
                (o.carrier_id, o.state.value, o.version, body, o.order_id, before.version),
            )
            if cur.rowcount != 1:  # another writer changed it between our read and write
                raise OrderStateError(
                    o.order_id, before.state.value, "changed concurrently; read it again"
                )
        seq = 0
        for e in step.events:
            seq = self._append(cur, e, o)
        if step.transaction is not None:
            self._post(cur, step.transaction, at)
        self._count(cur, step, before)
        return seq

    def _append(self, cur: Any, e: Event, o: Order, carrier_id: int | None = None) -> int:
        seq = self._next(cur, "event_seq")
        p = self._p
        cur.execute(
            "INSERT INTO order_events (seq, order_id, shipper_id, carrier_id, kind, from_state, "
            f"to_state, actor, at, reason, data) VALUES ({', '.join([p] * 11)})",
            (
                seq,
                e.order_id,
                o.shipper_id,
                o.carrier_id if carrier_id is None else carrier_id,
                e.kind,
                e.from_state,
                e.to_state,
                e.actor,
                e.at,
                e.reason,
                json.dumps(dict(e.data), sort_keys=True),
            ),
        )
        return seq

    def _post(self, cur: Any, txn: Transaction, at: int) -> None:
        tid = self._next(cur, "txn_id")
        p = self._p
        for line, (account, amount) in enumerate(txn.postings):
            cur.execute(
                "INSERT INTO ledger_entries "
                "(txn_id, line, order_id, kind, account, amount_fen, at) "
                f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})",
                (tid, line, txn.order_id, txn.kind, account, amount, at),
            )
            cur.execute(
                f"INSERT INTO ledger_balances (account, balance_fen) VALUES ({p}, {p}) "
                "ON CONFLICT (account) DO UPDATE SET balance_fen = "
                "ledger_balances.balance_fen + excluded.balance_fen",
                (account, amount),
            )

    def _bump(self, cur: Any, party: str, **delta: int) -> None:
        p = self._p
        vals = [delta.get(c, 0) for c in _CREDIT_COLS]
        sets = ", ".join(f"{c} = credit_stats.{c} + excluded.{c}" for c in _CREDIT_COLS)
        cur.execute(
            f"INSERT INTO credit_stats (party, {', '.join(_CREDIT_COLS)}) "
            f"VALUES ({', '.join([p] * 8)}) ON CONFLICT (party) DO UPDATE SET {sets}",
            (party, *vals),
        )

    def _count(self, cur: Any, step: Step, before: Order | None) -> None:
        """Credit archive counters from the step's events (same transaction)."""
        o = step.order
        for e in step.events:
            carrier, shipper = f"carrier:{o.carrier_id}", f"shipper:{o.shipper_id}"
            if e.to_state == State.AWARDED.value and e.from_state != State.EXCEPTION.value:
                self._bump(cur, carrier, orders=1)
                self._bump(cur, shipper, orders=1)
            elif e.kind == "delivered":
                self._bump(cur, carrier, deliveries=1, on_time=int(bool(e.data.get("on_time"))))
            elif e.kind == "exception_reported":
                self._bump(cur, carrier, exceptions=1)
            elif e.kind == "cancelled" and before is not None and before.state is State.AWARDED:
                by = e.data.get("by")
                if by in ("shipper", "carrier"):
                    self._bump(cur, carrier if by == "carrier" else shipper, cancellations=1)
            elif e.kind == "rated":
                self._bump(cur, str(e.data["ratee"]), ratings=1, stars_sum=int(e.data["stars"]))

    @staticmethod
    def _result(step: Step, seq: int, **extra: Any) -> dict[str, Any]:
        return {"order": step.order.to_dict(), "seq": seq, **extra}

    # ---- credit -----------------------------------------------------------------------------
    def _stats(self, cur: Any, party: str) -> CreditStats:
        cur.execute(
            f"SELECT {', '.join(_CREDIT_COLS)} FROM credit_stats WHERE party = {self._p}", (party,)
        )
        row = cur.fetchone()
        return CreditStats(*(int(x) for x in row)) if row else CreditStats()

    def credit(self, party: str) -> tuple[CreditStats, Credit]:
        """The credit record and score of ``carrier:<id>`` or ``shipper:<id>``."""
        Actor.parse(party, "party")
        with self._txn() as cur:
            s = self._stats(cur, party)
        return s, credit_score(s)

    def credits(self, role: str = "carrier") -> dict[int, Credit]:
        """Credit of every party of ``role`` with an archive entry, by id."""
        with self._txn() as cur:
            cur.execute(
                f"SELECT party, {', '.join(_CREDIT_COLS)} FROM credit_stats "
                f"WHERE party LIKE {self._p}",
                (f"{role}:%",),
            )
            rows = cur.fetchall()
        return {
            int(r[0].split(":")[1]): credit_score(CreditStats(*(int(x) for x in r[1:])))
            for r in rows
        }

    # ---- calls ------------------------------------------------------------------------------
    def post(self, key: str, order: Order, at: int | None = None) -> dict[str, Any]:
        """Post a new order (its ``order_id`` is assigned by the store)."""
        t = self.now() if at is None else at
        payload = order.to_dict()
        payload.pop("order_id")
        # posted_at is the server's clock at the call, not part of the request: a retry
        # in a later second is the same request.
        payload.pop("posted_at")

        def run(cur: Any) -> dict[str, Any]:
            o = order.copy()
            o.order_id = self._next(cur, "order_id")
            step = machine.post(o, t)
            return self._result(step, self._save(cur, step, None, t))

        return self._mutate(key, "post", payload, run)

    def record_push(self, order_id: int, carriers: Sequence[int], at: int | None = None) -> int:
        """Append one ``pushed`` event per carrier the order was distributed to (the
        carrier's subscription by ``carrier_id`` receives it); returns the last seq."""
        t = self.now() if at is None else at
        seq = 0
        with self._txn() as cur:
            o = self._load(cur, order_id)
            for c in carriers:
                ev = Event(order_id, "pushed", o.state.value, o.state.value, "platform:0", t, "",
                           {"carrier_id": int(c)})  # fmt: skip
                seq = self._append(cur, ev, o, carrier_id=int(c))
        with self.changed:
            self.changed.notify_all()
        return seq

    def _act(
        self,
        key: str,
        method: str,
        order_id: int,
        payload: Mapping[str, Any],
        fn: Callable[[Any, Order], tuple[Step, dict[str, Any]]],
    ) -> dict[str, Any]:
        def run(cur: Any) -> dict[str, Any]:
            before = self._load(cur, order_id)
            step, extra = fn(cur, before)
            seq = self._save(cur, step, before, step.events[-1].at if step.events else self.now())
            return self._result(step, seq, **extra)

        return self._mutate(key, method, {"order_id": order_id, **payload}, run)

    def grab(
        self,
        key: str,
        order_id: int,
        actor: Actor,
        vehicle: Mapping[str, Any],
        at: int | None = None,
    ) -> dict[str, Any]:
        """Grab a grabbing order with ``vehicle`` (a vehicles-schema row): first eligible
        grab wins; later grabs get :class:`OrderStateError` naming the awarded state."""
        t = self.now() if at is None else at

        def fn(cur: Any, o: Order) -> tuple[Step, dict[str, Any]]:
            machine.check_transition(o, "grab")
            check_eligible(o, vehicle, actor.id, credit_score(self._stats(cur, str(actor))).score)
            return machine.grab(o, actor, int(vehicle["vehicle_id"]), t), {}

        return self._act(
            key,
            "grab",
            order_id,
            {"actor": str(actor), "vehicle_id": int(vehicle["vehicle_id"])},
            fn,
        )

    def accept(
        self,
        key: str,
        order_id: int,
        actor: Actor,
        vehicle: Mapping[str, Any],
        at: int | None = None,
    ) -> dict[str, Any]:
        """The offered carrier accepts a fixed-price order with ``vehicle``."""
        t = self.now() if at is None else at

        def fn(cur: Any, o: Order) -> tuple[Step, dict[str, Any]]:
            machine.check_transition(o, "accept")
            check_eligible(o, vehicle, actor.id, credit_score(self._stats(cur, str(actor))).score)
            return machine.accept(o, actor, int(vehicle["vehicle_id"]), t), {}

        return self._act(
            key,
            "accept",
            order_id,
            {"actor": str(actor), "vehicle_id": int(vehicle["vehicle_id"])},
            fn,
        )

    def offer(
        self, key: str, order_id: int, actor: Actor, carrier_id: int, at: int | None = None
    ) -> dict[str, Any]:
        """Offer a posted fixed-price order to a dispatched carrier."""
        t = self.now() if at is None else at
        return self._act(
            key,
            "offer",
            order_id,
            {"actor": str(actor), "carrier_id": carrier_id},
            lambda cur, o: (machine.offer(o, carrier_id, actor, t), {}),
        )

    def decline(
        self, key: str, order_id: int, actor: Actor, reason: str = "", at: int | None = None
    ) -> dict[str, Any]:
        """The offered carrier declines."""
        t = self.now() if at is None else at
        return self._act(
            key,
            "decline",
            order_id,
            {"actor": str(actor), "reason": reason},
            lambda cur, o: (machine.decline(o, actor, t, reason), {}),
        )

    def place_bid(
        self,
        key: str,
        order_id: int,
        actor: Actor,
        vehicle: Mapping[str, Any],
        amount_fen: int,
        *,
        match_score: float = 0.0,
        guidance: PriceGuidance | None = None,
        at: int | None = None,
    ) -> dict[str, Any]:
        """Place a sealed bid; returns ``bid_id`` and whether it is an ``outlier``."""
        t = self.now() if at is None else at
        vid = int(vehicle["vehicle_id"])

        def run(cur: Any) -> dict[str, Any]:
            o = self._load(cur, order_id)
            amount = auction.check_bid(o, amount_fen, t)
            credit = credit_score(self._stats(cur, str(actor))).score
            check_eligible(o, vehicle, actor.id, credit)
            bid_id = self._next(cur, "bid_id")
            outlier = bool(guidance is not None and guidance.is_outlier(amount))
            p = self._p
            cur.execute(
                "INSERT INTO order_bids (bid_id, order_id, carrier_id, vehicle_id, amount_fen, "
                "placed_at, "
                f"match_score, credit, withdrawn, outlier) VALUES ({', '.join([p] * 10)})",
                (
                    bid_id,
                    order_id,
                    actor.id,
                    vid,
                    amount,
                    t,
                    float(match_score),
                    credit,
                    0,
                    int(outlier),
                ),
            )
            ev = Event(
                order_id,
                "bid_placed",
                o.state.value,
                o.state.value,
                str(actor),
                t,
                "",
                {"bid_id": bid_id, "vehicle_id": vid, "outlier": outlier},
            )
            seq = self._append(cur, ev, o, carrier_id=actor.id)
            return {"order": o.to_dict(), "seq": seq, "bid_id": bid_id, "outlier": outlier}

        payload = {
            "order_id": order_id,
            "actor": str(actor),
            "vehicle_id": vid,
            "amount_fen": amount_fen,
        }
        return self._mutate(key, "bid", payload, run)

    def withdraw_bid(
        self, key: str, bid_id: int, actor: Actor, at: int | None = None
    ) -> dict[str, Any]:
        """Withdraw a bid before the deadline (its carrier only)."""
        t = self.now() if at is None else at

        def run(cur: Any) -> dict[str, Any]:
            b = self._bid(cur, bid_id)
            o = self._load(cur, b.order_id)
            auction.check_withdraw(o, b, actor.id, t)
            cur.execute(f"UPDATE order_bids SET withdrawn = 1 WHERE bid_id = {self._p}", (bid_id,))
            ev = Event(
                o.order_id,
                "bid_withdrawn",
                o.state.value,
                o.state.value,
                str(actor),
                t,
                "",
                {"bid_id": bid_id},
            )
            return {
                "order": o.to_dict(),
                "seq": self._append(cur, ev, o, carrier_id=actor.id),
                "bid_id": bid_id,
            }

        return self._mutate(key, "withdraw", {"bid_id": bid_id, "actor": str(actor)}, run)

    def _bid(self, cur: Any, bid_id: int) -> auction.Bid:
        cur.execute(
            "SELECT bid_id, order_id, carrier_id, vehicle_id, amount_fen, placed_at, match_score, "
            "credit, "
            f"withdrawn, outlier FROM order_bids WHERE bid_id = {self._p}",
            (bid_id,),
        )
        r = cur.fetchone()
        if r is None:
            raise NotFoundError(f"bid_id: unknown bid {bid_id}")
        return _bid_row(r)

    def _bids(self, cur: Any, order_id: int) -> list[auction.Bid]:
        cur.execute(
            "SELECT bid_id, order_id, carrier_id, vehicle_id, amount_fen, placed_at, match_score, "
            "credit, "
            f"withdrawn, outlier FROM order_bids WHERE order_id = {self._p} ORDER BY bid_id",
            (order_id,),
        )
        return [_bid_row(r) for r in cur.fetchall()]

    def bids(self, order_id: int) -> list[auction.Bid]:
        """The bids on an order (NotFoundError for an unknown order)."""
        with self._txn() as cur:
            self._load(cur, order_id, lock=False)
            return self._bids(cur, order_id)

    def award(
        self, key: str, order_id: int, actor: Actor, bid_id: int, at: int | None = None
    ) -> dict[str, Any]:
        """The shipper awards a bidding order to ``bid_id`` after the deadline."""
        t = self.now() if at is None else at

        def fn(cur: Any, o: Order) -> tuple[Step, dict[str, Any]]:
            b = self._bid(cur, bid_id)
            if b.order_id != order_id:
                raise InvalidInputError.at("bid_id", f"bid {bid_id} is not on order {order_id}")
            if b.withdrawn:
                raise InvalidInputError.at("bid_id", f"bid {bid_id} was withdrawn")
            return machine.award(o, actor, t, b.bid_id, b.carrier_id, b.vehicle_id, b.amount_fen), {
                "bid_id": bid_id
            }

        return self._act(key, "award", order_id, {"actor": str(actor), "bid_id": bid_id}, fn)

    def progress(
        self,
        key: str,
        order_id: int,
        action: str,
        actor: Actor,
        at: int | None = None,
        *,
        weight_kg: int | None = None,
        pieces: int | None = None,
    ) -> dict[str, Any]:
        """``confirm_loading``, ``depart``, ``deliver`` or ``confirm_delivery``."""
        t = self.now() if at is None else at
        return self._act(
            key,
            action,
            order_id,
            {"actor": str(actor), "weight_kg": weight_kg, "pieces": pieces},
            lambda cur, o: (
                machine.progress(o, action, actor, t, weight_kg=weight_kg, pieces=pieces),
                {},
            ),
        )

    def rate(
        self,
        key: str,
        order_id: int,
        actor: Actor,
        stars: int,
        comment: str = "",
        at: int | None = None,
    ) -> dict[str, Any]:
        """One party rates the other after confirmation."""
        t = self.now() if at is None else at

        def fn(cur: Any, o: Order) -> tuple[Step, dict[str, Any]]:
            step = machine.rate(o, actor, t, stars, comment)
            p = self._p
            cur.execute(
                "INSERT INTO order_ratings (order_id, rater, ratee, stars, comment, at) "
                f"VALUES ({', '.join([p] * 6)})",
                (order_id, str(actor), step.events[0].data["ratee"], stars, comment, t),
            )
            return step, {}

        return self._act(
            key, "rate", order_id, {"actor": str(actor), "stars": stars, "comment": comment}, fn
        )

    def cancel(
        self, key: str, order_id: int, actor: Actor, reason: str, at: int | None = None
    ) -> dict[str, Any]:
        """Cancel by the rules of :mod:`engine.orders.machine`."""
        t = self.now() if at is None else at
        return self._act(
            key,
            "cancel",
            order_id,
            {"actor": str(actor), "reason": reason},
            lambda cur, o: (machine.cancel(o, actor, t, reason), {}),
        )

    def settle(
        self,
        key: str,
        order_id: int,
        actor: Actor,
        surcharges: Mapping[str, int] | None = None,
        penalties: Mapping[str, int] | None = None,
        at: int | None = None,
    ) -> dict[str, Any]:
        """Settle a confirmed order (resolved exceptions' adjustments included)."""
        t = self.now() if at is None else at

        def fn(cur: Any, o: Order) -> tuple[Step, dict[str, Any]]:
            sur, pen = machine.adjustments(self._exceptions(cur, order_id))
            for name, amount in (surcharges or {}).items():
                sur[name] = amount
            for name, amount in (penalties or {}).items():
                pen[name] = amount
            step = machine.settle_order(o, actor, t, sur, pen)
            assert step.settlement is not None
            s = step.settlement
            return step, {
                "settlement": {
                    "charge_fen": s.charge_fen,
                    "commission_fen": s.commission_fen,
                    "payout_fen": s.payout_fen,
                    "surcharges_fen": s.surcharges_fen,
                    "penalties_fen": s.penalties_fen,
                }
            }

        payload = {
            "actor": str(actor),
            "surcharges": dict(surcharges or {}),
            "penalties": dict(penalties or {}),
        }
        return self._act(key, "settle", order_id, payload, fn)

    def _exceptions(self, cur: Any, order_id: int) -> list[OrderException]:
        cur.execute(
            f"SELECT body FROM order_exceptions WHERE order_id = {self._p} ORDER BY exception_id",
            (order_id,),
        )
        return [OrderException(**json.loads(r[0])) for r in cur.fetchall()]

    def exceptions(self, order_id: int) -> list[OrderException]:
        """The exceptions of an order."""
        with self._txn() as cur:
            self._load(cur, order_id, lock=False)
            return self._exceptions(cur, order_id)

    def report_exception(
        self,
        key: str,
        order_id: int,
        actor: Actor,
        kind: str,
        evidence: Mapping[str, str],
        at: int | None = None,
    ) -> dict[str, Any]:
        """Report a cargo exception (the order waits in ``exception``)."""
        t = self.now() if at is None else at

        def fn(cur: Any, o: Order) -> tuple[Step, dict[str, Any]]:
            machine.check_transition(o, "report_exception")
            eid = self._next(cur, "exception_id")
            step, exc = machine.report_exception(o, actor, t, eid, kind, evidence)
            cur.execute(
                "INSERT INTO order_exceptions (exception_id, order_id, resolved, body) "
                f"VALUES ({self._p}, {self._p}, 0, {self._p})",
                (eid, order_id, json.dumps(_exc_dict(exc))),
            )
            return step, {"exception": _exc_dict(exc)}

        return self._act(
            key,
            "report_exception",
            order_id,
            {"actor": str(actor), "kind": kind, "evidence": dict(evidence)},
            fn,
        )

    def resolve_exception(
        self,
        key: str,
        exception_id: int,
        actor: Actor,
        resolution: str,
        surcharge_fen: int = 0,
        penalty_fen: int = 0,
        at: int | None = None,
    ) -> dict[str, Any]:
        """Resolve an open exception; the order resumes."""
        t = self.now() if at is None else at
        p = self._p

        def run(cur: Any) -> dict[str, Any]:
            cur.execute(
                f"SELECT order_id, resolved, body FROM order_exceptions WHERE exception_id = {p}",
                (exception_id,),
            )
            row = cur.fetchone()
            if row is None:
                raise NotFoundError(f"exception_id: unknown exception {exception_id}")
            if row[1]:
                raise InvalidInputError.at(
                    "exception_id", f"exception {exception_id} is resolved already"
                )
            before = self._load(cur, int(row[0]))
            step, done = machine.resolve_exception(
                before,
                OrderException(**json.loads(row[2])),
                actor,
                t,
                resolution,
                surcharge_fen,
                penalty_fen,
            )
            cur.execute(
                f"UPDATE order_exceptions SET resolved = 1, body = {p} WHERE exception_id = {p}",
                (json.dumps(_exc_dict(done)), exception_id),
            )
            return self._result(step, self._save(cur, step, before, t), exception=_exc_dict(done))

        payload = {
            "exception_id": exception_id,
            "actor": str(actor),
            "resolution": resolution,
            "surcharge_fen": surcharge_fen,
            "penalty_fen": penalty_fen,
        }
        return self._mutate(key, "resolve_exception", payload, run)

    def sweep(self, at: int | None = None) -> list[dict[str, Any]]:
        """Act on every open order whose deadline passed: auto-award a bidding order to the
        award rule's winner, else expire it. Each order in its own transaction (safe to
        run on several instances at once: the conditional write lets one act)."""
        t = self.now() if at is None else at
        p = self._p
        open_states = [s.value for s in OPEN_STATES]
        with self._txn() as cur:
            cur.execute(
                f"SELECT order_id FROM orders WHERE state IN ({', '.join([p] * len(open_states))}) "
                f"AND deadline <= {p} ORDER BY order_id",
                (*open_states, t),
            )
            ids = [int(r[0]) for r in cur.fetchall()]
        out = []
        for oid in ids:
            try:
                out.append(
                    self._act(
                        f"sweep:{oid}:{t}",
                        "sweep",
                        oid,
                        {"at": t},
                        lambda cur, o: self._sweep_one(cur, o, t),
                    )
                )
            except OrderStateError:
                continue  # not due after all, or another instance acted
        self.escalate(t)
        self.prune_keys()
        return out

    def prune_keys(self, ttl_s: int = IDEMPOTENCY_TTL_S) -> int:
        """Delete idempotency records older than ``ttl_s`` (store clock); returns how many."""
        with self._txn() as cur:
            cur.execute(f"DELETE FROM idempotency WHERE at < {self._p}", (self.now() - ttl_s,))
            return int(cur.rowcount)

    def escalate(self, at: int | None = None) -> list[int]:
        """Alert the owner of every unresolved exception past its SLA: one
        ``exception_overdue`` event per exception (the order's state is unchanged).
        Returns the exception ids escalated now."""
        t = self.now() if at is None else at
        p = self._p
        with self._txn() as cur:
            cur.execute("SELECT exception_id, body FROM order_exceptions WHERE resolved = 0")
            due = [
                int(r[0])
                for r in cur.fetchall()
                if (b := json.loads(r[1]))["sla_due"] < t and not b.get("escalated_at")
            ]
        done = []
        for eid in due:
            with self._txn() as cur:
                cur.execute(
                    f"SELECT order_id, body FROM order_exceptions WHERE exception_id = {p} "
                    "AND resolved = 0" + self._for_update,
                    (eid,),
                )
                row = cur.fetchone()
                if row is None:
                    continue
                body = json.loads(row[1])
                if body.get("escalated_at"):
                    continue  # another instance did it
                body["escalated_at"] = t
                cur.execute(
                    f"UPDATE order_exceptions SET body = {p} WHERE exception_id = {p}",
                    (json.dumps(body), eid),
                )
                o = self._load(cur, int(row[0]), lock=False)
                data = {"exception_id": eid, "owner": body["owner"], "sla_due": body["sla_due"]}
                ev = Event(o.order_id, "exception_overdue", o.state.value, o.state.value,
                           "platform:0", t, body["kind"], data)  # fmt: skip
                self._append(cur, ev, o)
                done.append(eid)
        if done:
            with self.changed:
                self.changed.notify_all()
        return done

    def _sweep_one(self, cur: Any, o: Order, t: int) -> tuple[Step, dict[str, Any]]:
        if not machine.due(o, t):
            raise OrderStateError(o.order_id, o.state.value, "not due")
        if o.state is State.BIDDING and o.auto_award:
            w = auction.winner(o, self._bids(cur, o.order_id))
            if w is not None:
                step = machine.award(
                    o,
                    Actor(Role.PLATFORM, 0),
                    t,
                    w.bid_id,
                    w.carrier_id,
                    w.vehicle_id,
                    w.amount_fen,
                    auto=True,
                )
                return step, {"bid_id": w.bid_id}
            return machine.expire(o, t, "no admissible bid by the deadline"), {}
        return machine.expire(o, t), {}

    # ---- reads ------------------------------------------------------------------------------
    def get(self, order_id: int) -> Order:
        """An order by id (NotFoundError if unknown)."""
        with self._txn() as cur:
            return self._load(cur, order_id, lock=False)

    def list_orders(
        self,
        *,
        state: str | None = None,
        shipper_id: int | None = None,
        carrier_id: int | None = None,
        after_id: int = 0,
        limit: int = 1000,
    ) -> list[Order]:
        """Orders filtered by state and party, by id, paged."""
        p = self._p
        where, args = [f"order_id > {p}"], [after_id]
        if state is not None:
            State(state)
            where.append(f"state = {p}")
            args.append(state)  # type: ignore[arg-type]
        if shipper_id is not None:
            where.append(f"shipper_id = {p}")
            args.append(shipper_id)
        if carrier_id is not None:
            where.append(f"carrier_id = {p}")
            args.append(carrier_id)
        with self._txn() as cur:
            cur.execute(
                f"SELECT body FROM orders WHERE {' AND '.join(where)} "
                f"ORDER BY order_id LIMIT {int(limit)}",
                args,
            )
            return [Order.from_dict(json.loads(r[0])) for r in cur.fetchall()]

    def events_after(
        self,
        cursor: int,
        *,
        order_id: int | None = None,
        shipper_id: int | None = None,
        carrier_id: int | None = None,
        limit: int = MAX_EVENTS_PAGE,
    ) -> list[Event]:
        """Events with ``seq > cursor`` (optionally of one order or party), oldest first."""
        p = self._p
        where, args = [f"seq > {p}"], [cursor]
        for col, v in (
            ("order_id", order_id),
            ("shipper_id", shipper_id),
            ("carrier_id", carrier_id),
        ):
            if v is not None:
                where.append(f"{col} = {p}")
                args.append(v)
        with self._txn() as cur:
            cur.execute(
                "SELECT seq, order_id, kind, from_state, to_state, actor, at, reason, data "
                f"FROM order_events WHERE {' AND '.join(where)} "
                f"ORDER BY seq LIMIT {min(int(limit), MAX_EVENTS_PAGE)}",
                args,
            )
            return [
                Event(
                    int(r[1]), r[2], r[3], r[4], r[5], int(r[6]), r[7], json.loads(r[8]), int(r[0])
                )
                for r in cur.fetchall()
            ]

    def wait(self, timeout: float) -> None:
        """Sleep until a local write commits or ``timeout`` passes."""
        with self.changed:
            self.changed.wait(timeout)

    def check_ledger(self) -> LedgerCheck:
        """Re-derive every balance from the entries and check every transaction sums to 0."""
        with self._txn() as cur:
            cur.execute("SELECT txn_id, account, amount_fen FROM ledger_entries")
            entries = [(int(a), str(b), int(c)) for a, b, c in cur.fetchall()]
            cur.execute("SELECT account, balance_fen FROM ledger_balances")
            balances = {str(a): int(b) for a, b in cur.fetchall()}
        return check_ledger(entries, balances)

    def balances(self, accounts: Sequence[str] | None = None) -> dict[str, int]:
        """Stored balances (all, or of ``accounts``; missing accounts are 0)."""
        with self._txn() as cur:
            cur.execute("SELECT account, balance_fen FROM ledger_balances")
            got = {str(a): int(b) for a, b in cur.fetchall()}
        return got if accounts is None else {a: got.get(a, 0) for a in accounts}

    def ledger_entries(self, order_id: int) -> list[tuple[int, str, str, int]]:
        """``(txn_id, kind, account, amount_fen)`` of an order."""
        with self._txn() as cur:
            cur.execute(
                "SELECT txn_id, kind, account, amount_fen FROM ledger_entries "
                f"WHERE order_id = {self._p} ORDER BY txn_id, line",
                (order_id,),
            )
            return [(int(a), str(b), str(c), int(d)) for a, b, c, d in cur.fetchall()]

    def settled_prices(self) -> list[Order]:
        """Settled orders (the priced trip history the lane rate model learns from)."""
        return self.list_orders(state=State.SETTLED.value, limit=1_000_000)


def _bid_row(r: Sequence[Any]) -> auction.Bid:
    return auction.Bid(
        int(r[0]),
        int(r[1]),
        int(r[2]),
        int(r[3]),
        int(r[4]),
        int(r[5]),
        float(r[6]),
        float(r[7]),
        bool(r[8]),
        bool(r[9]),
    )


def _exc_dict(e: OrderException) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(e)
    d["evidence"] = dict(e.evidence)
    return d


__all__ = ["IDEMPOTENCY_TTL_S", "MAX_EVENTS_PAGE", "OrderStore"]
