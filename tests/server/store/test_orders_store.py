"""The order store on both back-ends without gRPC: SLA escalation, idempotency under
concurrency, several store instances (as several processes would be) on one database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engine.errors import InvalidInputError
from engine.orders.errors import OrderStateError
from engine.orders.model import Actor, Role
from server.store import open_store
from server.store.orders import OrderStore
from tests.orders.helpers import T0, make_order, vehicle
from tests.server.store.test_store import store_url  # noqa: F401 - fixture


@pytest.fixture
def stores(store_url: str) -> Iterator[Callable[[], OrderStore]]:  # noqa: F811
    """Factory of order stores on one database (each its own connection)."""
    made: list[OrderStore] = []

    def make() -> OrderStore:
        s = OrderStore(open_store(store_url))
        made.append(s)
        return s

    yield make
    for s in made:
        s.sql.close()


def test_sla_escalation_once(stores: Callable[[], OrderStore]) -> None:
    """An exception past its SLA raises one exception_overdue event, even when two
    instances sweep."""
    a, b = stores(), stores()
    oid = a.post("p", make_order(), at=T0)["order"]["order_id"]
    c = Actor(Role.CARRIER, 5)
    a.grab("g", oid, c, vehicle(), at=T0 + 5)
    r = a.report_exception("e", oid, c, "delay", {"note": "jam"}, at=T0 + 10)
    due = r["exception"]["sla_due"]
    assert a.escalate(due) == []
    assert a.escalate(due + 1) == [r["exception"]["exception_id"]]
    assert b.escalate(due + 2) == []
    kinds = [e.kind for e in a.events_after(0, order_id=oid)]
    assert kinds.count("exception_overdue") == 1


def test_concurrent_same_key_applies_once(stores: Callable[[], OrderStore]) -> None:
    """Eight threads on four store instances retry one grab with one key: one award,
    every caller gets the same answer; the key with another vehicle is refused."""
    made = [stores() for _ in range(4)]
    oid = made[0].post("p", make_order(), at=T0)["order"]["order_id"]
    out: list[Any] = []

    def go(i: int) -> None:
        try:
            out.append(
                made[i % 4].grab("same-key", oid, Actor(Role.CARRIER, 5), vehicle(), at=T0 + 5)
            )
        except Exception as e:  # collected and checked below
            out.append(e)

    ts = [threading.Thread(target=go, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert all(isinstance(r, dict) for r in out), out
    assert sum(not r["replayed"] for r in out) == 1
    assert {r["order"]["carrier_id"] for r in out} == {5}
    with pytest.raises(InvalidInputError, match="idempotency_key"):
        made[1].grab("same-key", oid, Actor(Role.CARRIER, 5), vehicle(vehicle_id=12), at=T0 + 6)
    assert made[2].check_ledger().transactions == 1


def test_many_instances_one_winner(stores: Callable[[], OrderStore]) -> None:
    """Carriers on separate store instances grab 10 orders at once: one winner each."""
    made = [stores() for _ in range(4)]
    oids = [made[0].post(f"p{i}", make_order(), at=T0)["order"]["order_id"] for i in range(10)]
    wins: list[tuple[int, int]] = []
    lost: list[str] = []
    lock = threading.Lock()

    def carrier(k: int) -> None:
        s = made[k % 4]
        for oid in oids:
            try:
                r = s.grab(
                    f"g{oid}-{k}",
                    oid,
                    Actor(Role.CARRIER, 100 + k),
                    vehicle(vehicle_id=k, carrier_id=100 + k),
                    at=T0 + 5,
                )
                with lock:
                    wins.append((oid, r["order"]["carrier_id"]))
            except OrderStateError as e:
                with lock:
                    lost.append(e.state)

    ts = [threading.Thread(target=carrier, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(o for o, _ in wins) == oids
    assert set(lost) == {"awarded"}
    assert len(lost) == 70
    for oid, cid in wins:
        assert made[3].get(oid).carrier_id == cid
    assert made[1].check_ledger().ok


def test_idempotency_keys_expire_after_the_ttl(store_url: str) -> None:  # noqa: F811
    """Within 7 days a reused key with another payload is refused; after the sweep has
    pruned it (8 days later by the store clock) the key is free again."""
    from server.store.orders import IDEMPOTENCY_TTL_S

    now = [float(T0)]
    s = OrderStore(open_store(store_url), clock=lambda: now[0])
    try:
        s.post("k", make_order(), at=T0)
        with pytest.raises(InvalidInputError, match="idempotency_key"):
            s.post("k", make_order(price_fen=1), at=T0)
        now[0] += IDEMPOTENCY_TTL_S - 10
        assert s.prune_keys() == 0
        now[0] += 20
        s.sweep(at=T0)
        assert s.post("k", make_order(price_fen=1), at=T0)["replayed"] is False
    finally:
        s.sql.close()


def test_a_retry_in_a_later_second_replays(stores: Callable[[], OrderStore]) -> None:
    """The server stamps posted_at from its clock: a retry of the same post one second
    later (posted_at differs) is the same request, replayed, one order."""
    s = stores()
    a = s.post("tick", make_order(posted_at=T0), at=T0)
    b = s.post("tick", make_order(posted_at=T0 + 1), at=T0 + 1)
    assert a["replayed"] is False
    assert b["replayed"] is True
    assert b["order"]["order_id"] == a["order"]["order_id"]
    assert b["order"]["posted_at"] == T0
