"""Both store back-ends: writes, revisions, tombstones, reload and several instances."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engine.errors import NotFoundError
from server.state import FleetState
from server.status import AlreadyExistsError, ConflictError
from server.store import SqlStore, open_store
from tests.server.conftest import PG_SKIP, PG_URL, small_world


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: Any, tmp_path: Path) -> Iterator[str]:
    """A fresh store location of each back-end (PostgreSQL: its own schema)."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
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


def test_write_and_reload(opened: Callable[[], SqlStore], sample_world: Any) -> None:
    """Frames written come back equal (ids, dtypes, list columns) from a new instance."""
    data = small_world(sample_world, 30, 30)
    s = opened()
    assert s.revision() == 0
    r1 = s.upsert("vehicles", data["vehicles"])
    r2 = s.upsert("loads", data["loads"])
    r3, new = s.insert_new("trips", data["trips"])
    assert r1 < r2 < r3
    assert len(new) == data["trips"].height
    st = FleetState(opened())
    assert st.revision == r3
    assert st.vehicles.equals(data["vehicles"].sort("vehicle_id"))
    assert st.loads.equals(data["loads"].sort("load_id"))
    assert st.trips.sort("trip_id").equals(data["trips"].sort("trip_id"))


def test_upsert_replaces_and_delete_tombstones(
    opened: Callable[[], SqlStore], sample_world: Any
) -> None:
    """Upserting an id replaces the row; deleting hides it; unknown ids delete nothing."""
    v = sample_world.vehicles.head(5)
    s = opened()
    s.upsert("vehicles", v)
    changed = v.head(1).with_columns(pl.lit("offline").alias("status"))
    s.upsert("vehicles", changed)
    st = FleetState(s)
    row = st.vehicles.filter(pl.col("vehicle_id") == v["vehicle_id"][0])
    assert row["status"].to_list() == ["offline"]
    assert st.vehicles.height == 5
    ids = v["vehicle_id"].to_list()
    with pytest.raises(NotFoundError):
        s.delete("vehicles", [ids[1], -5])
    st.sync()
    assert st.vehicles.height == 5
    s.delete("vehicles", ids[1:3])
    st.sync()
    assert sorted(st.vehicles["vehicle_id"].to_list()) == sorted([ids[0], *ids[3:]])
    with pytest.raises(NotFoundError):
        s.delete("vehicles", [ids[1]])  # already deleted
    s.upsert("vehicles", v.filter(pl.col("vehicle_id") == ids[1]))  # back again
    st.sync()
    assert st.vehicles.height == 4


def test_insert_new_skips_stored_and_duplicate_ids(
    opened: Callable[[], SqlStore], sample_world: Any
) -> None:
    """Append-only trips: ids already stored (or repeated in the batch) are skipped."""
    t = sample_world.trips.head(10)
    s = opened()
    _, new = s.insert_new("trips", t.head(6))
    assert len(new) == 6
    _, new = s.insert_new("trips", pl.concat([t, t.tail(1)]))
    assert sorted(new) == sorted(t.tail(4)["trip_id"].to_list())
    assert FleetState(s).trips.height == 10


def test_plans(opened: Callable[[], SqlStore]) -> None:
    """Live plans are stored as versioned blobs and replaced by id."""
    s = opened()
    s.put_plan("a", 1, b"\x00one", None)
    s.put_plan("b", 1, b"two", None)
    s.put_plan("a", 2, b"\x00three", 1)
    with pytest.raises(AlreadyExistsError):
        s.put_plan("a", 1, b"again", None)
    with pytest.raises(ConflictError):
        s.put_plan("a", 3, b"stale", 1)
    with pytest.raises(ConflictError):
        s.put_plan("nope", 2, b"x", 1)
    st = FleetState(opened())
    assert st.plans == {"a": (2, b"\x00three"), "b": (1, b"two")}


def test_two_instances_see_each_other(opened: Callable[[], SqlStore], sample_world: Any) -> None:
    """Two servers on one database: each one's writes reach the other by sync()."""
    v = sample_world.vehicles.head(20)
    a, b = FleetState(opened()), FleetState(opened())
    a.upsert("vehicles", v.head(10))
    b.upsert("vehicles", v.tail(10))
    assert a.sync()  # b pulled a's rows with its own write
    b.sync()
    assert a.vehicles.equals(b.vehicles)
    assert a.vehicles.height == 20
    b.delete("vehicles", [int(v["vehicle_id"][0])])
    a.sync()
    assert a.vehicles.height == 19


def test_concurrent_writers(opened: Callable[[], SqlStore], sample_world: Any) -> None:
    """Writers on two instances in parallel: revisions are unique and nothing is lost."""
    v = sample_world.vehicles.head(80)
    stores = [opened(), opened()]
    revs: list[int] = []
    lock = threading.Lock()

    def write(k: int) -> None:
        for i in range(k, 80, 4):
            r = stores[k % 2].upsert("vehicles", v.slice(i, 1))
            with lock:
                revs.append(r)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(revs)) == 80
    st = FleetState(opened())
    assert st.vehicles.height == 80
    assert st.revision == max(revs)


def test_row_replacements_fold_like_a_reload(
    opened: Callable[[], SqlStore], sample_world: Any
) -> None:
    """Position writes are kept beside the vehicles frame and folded in by readers (or
    every ``MAX_PENDING`` writes): the frame read equals the store reloaded, whether
    read after each write, after a few, or only after more than ``MAX_PENDING``."""
    from server.state import MAX_PENDING

    st = FleetState(opened())
    st.upsert("vehicles", sample_world.vehicles)
    v = st.vehicles
    for step in range(MAX_PENDING + 7):
        rows = v.slice((step * 5) % (v.height - 8), 8).with_columns(
            lat=pl.col("lat") + 0.001 * (step + 1), status=pl.lit("busy")
        )
        st.upsert("vehicles", rows)
        if step in (0, 3, 4, MAX_PENDING + 6):
            assert st.vehicles.equals(FleetState(opened()).vehicles)
    assert len(st._views["vehicles"][1]) == 0  # read last: nothing pending
    held = st.vehicles
    st.upsert("vehicles", v.head(2).with_columns(lat=pl.col("lat") - 0.5))
    assert not held.equals(FleetState(opened()).vehicles)  # a reader keeps the frame it took
    assert st.vehicles.equals(FleetState(opened()).vehicles)
