"""Live-plan leases on both back-ends: taken, held, expired, taken over, fenced, released;
tables created by instances starting together."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from server.state import FleetState
from server.status import UnavailableError
from server.store import SqlStore, open_store
from server.store.leases import LeaseLostError, LeaseStore
from tests.server.conftest import PG_SKIP, PG_URL


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: Any, tmp_path: Path) -> Iterator[str]:
    """A fresh store location of each back-end (PostgreSQL: its own schema)."""
    if request.param == "sqlite":
        yield str(tmp_path / "leases.db")
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"l_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _pg_schema_url(schema)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def opened(store_url: str) -> Iterator[Callable[[], SqlStore]]:
    """Factory of store instances on the same location, closed at teardown."""
    stores: list[SqlStore] = []

    def make() -> SqlStore:
        s = open_store(store_url)
        stores.append(s)
        return s

    yield make
    for s in stores:
        s.close()


def test_lease_lifecycle(opened: Callable[[], SqlStore]) -> None:
    """First claimant owns it; another instance sees the holder until it expires, then
    takes it over with the next epoch; renew and release act on the owner's leases."""
    a, b = LeaseStore(opened()), LeaseStore(opened())
    la = a.acquire("p1", "A", "hostA:1", ttl=0.6)
    assert (la.owner, la.address, la.epoch) == ("A", "hostA:1", 1)
    lb = b.acquire("p1", "B", "hostB:1", ttl=0.6)
    assert (lb.owner, lb.address, lb.epoch) == ("A", "hostA:1", 1)
    assert 0 < lb.expires_in <= 0.6
    assert a.acquire("p1", "A", "hostA:1", ttl=0.6).epoch == 1  # renewal keeps the epoch
    assert a.renew("A", 0.6) == {"p1": 1}
    assert b.renew("B", 0.6) == {}
    while (h := b.holder("p1")) is not None and h.expires_in > 0:
        time.sleep(0.05)
    lb = b.acquire("p1", "B", "hostB:1", ttl=30)
    assert (lb.owner, lb.epoch) == ("B", 2)
    assert a.renew("A", 30) == {}
    b.release("B")
    held = a.holder("p1")
    assert held is not None
    assert held.expires_in < 0
    assert a.acquire("p1", "A", "hostA:1", ttl=30).epoch == 3  # released: taken at once


def test_fenced_write_of_a_former_owner_changes_nothing(opened: Callable[[], SqlStore]) -> None:
    """A plan write fenced with a lost epoch raises LeaseLostError (an UNAVAILABLE) and
    leaves the stored plan and the revision as they were."""
    sa, sb = opened(), opened()
    a, b = LeaseStore(sa), LeaseStore(sb)
    state = FleetState(sa)
    state.put_plan("p", 1, b"v1", None)
    a.acquire("p", "A", "a:1", ttl=0.3)
    state.put_plan("p", 2, b"v2", 1, a.fence("p", "A", 1, ttl=0.3))
    time.sleep(0.4)
    assert b.acquire("p", "B", "b:1", ttl=30).owner == "B"
    rev = sa.revision()
    with pytest.raises(LeaseLostError) as e:
        state.put_plan("p", 3, b"stale", 2, a.fence("p", "A", 1, ttl=30))
    assert isinstance(e.value, UnavailableError)
    assert "lost its lease" in str(e.value)
    assert sb.revision() == rev
    assert FleetState(sb).plans["p"] == (2, b"v2")
    FleetState(sb).put_plan("p", 3, b"v3", 2, b.fence("p", "B", 2, ttl=30))


def test_concurrent_claims_have_one_owner(opened: Callable[[], SqlStore]) -> None:
    """Eight instances claim the same fresh plan at once: one owns it, all agree who."""
    stores = [LeaseStore(opened()) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    owners: list[str] = []

    def claim(i: int) -> None:
        barrier.wait()
        owners.append(stores[i].acquire("hot", f"I{i}", f"h:{i}", ttl=30).owner)

    ts = [threading.Thread(target=claim, args=(i,)) for i in range(len(stores))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(set(owners)) == 1
    held = stores[0].holder("hot")
    assert held is not None
    assert held.owner == owners[0]
    assert held.epoch == 1


def test_instances_starting_together_create_the_tables(store_url: str) -> None:
    """Four stores (and their lease tables) opened at once on an empty database: none
    fails (PostgreSQL's CREATE TABLE IF NOT EXISTS races without the schema lock)."""
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    opened: list[SqlStore] = []

    def open_one() -> None:
        barrier.wait()
        try:
            s = open_store(store_url)
            opened.append(s)
            with s.schema_lock():
                LeaseStore(s)
        except BaseException as e:
            errors.append(e)

    ts = [threading.Thread(target=open_one) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for s in opened:
        s.close()
    assert not errors, errors
