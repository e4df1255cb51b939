"""The server's in-memory view of the durable store.

Frames of vehicles, open loads and completed trips (the engine's schemas) and the
serialized live plans, kept equal to the store: every local write goes to the store
first and is then pulled back with :meth:`FleetState.sync`, the same path that
brings in the writes of other instances sharing the database. Frames are replaced,
never mutated, so readers take a reference without locking.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.data.schemas import LOADS, TRIPS, VEHICLES
from server.store.sql import FRAME_TABLES, KeyRecord, SqlStore

#: Changes kept per table in :attr:`FleetState.log`.
LOG_LENGTH = 1024


def _positions(column: pl.Series, ids: pl.Series) -> npt.NDArray[np.int64] | None:
    """Rows of ``ids`` in the sorted id ``column``, or None if one is not there."""
    if column.len() == 0 or ids.len() == 0:
        return None
    have = column.to_numpy()
    want = ids.to_numpy()
    at = np.minimum(np.searchsorted(have, want), have.size - 1)
    return at.astype(np.int64) if bool((have[at] == want).all()) else None


class FleetState:
    """Vehicles, loads, trips and live plans as last synced from ``store``.

    Attributes
    ----------
    revision
        Store revision the frames reflect.
    versions
        Per table, a counter bumped whenever that table changed (the matching
        servicer rebuilds its index when these move).
    changed
        Condition notified after every sync that changed something.
    log
        Per table but ``trips`` (only ever appended: read the frame past a row count),
        the last :data:`LOG_LENGTH` changes as ``(version, upserted rows or None,
        deleted ids)``: what moved between two versions, so a consumer (the matching
        servicer) applies only that; older changes fall off (the consumer then starts
        over from the frame).
    """

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)
        self.vehicles = pl.DataFrame(schema=VEHICLES.polars_schema)
        self.loads = pl.DataFrame(schema=LOADS.polars_schema)
        self.trips = pl.DataFrame(schema=TRIPS.polars_schema)
        self.plans: dict[str, tuple[int, bytes]] = {}
        self.revision = 0
        self.versions = {"vehicles": 0, "loads": 0, "trips": 0, "plans": 0}
        self.log: dict[str, deque[tuple[int, pl.DataFrame | None, list[int]]]] = {
            t: deque(maxlen=LOG_LENGTH) for t in FRAME_TABLES
        }
        #: Set when the server shuts down: long-lived streams end.
        self.closing = threading.Event()
        self.sync()

    def close(self) -> None:
        """Wake every waiter and tell streams to end (server shutdown)."""
        with self._lock:
            self.closing.set()
            self.changed.notify_all()

    def frame(self, table: str) -> pl.DataFrame:
        """The current frame of ``table`` (``vehicles``, ``loads`` or ``trips``)."""
        df: pl.DataFrame = getattr(self, table)
        return df

    def sync(self) -> bool:
        """Pull every write after :attr:`revision` from the store; True if any."""
        with self._lock:
            ch = self.store.changes(self.revision)
            if ch.revision == self.revision:
                return False
            for table in FRAME_TABLES:
                up = ch.upserted.get(table)
                gone = ch.deleted.get(table, [])
                if up is not None or gone:
                    self._apply(table, up, gone)
            if ch.plans:
                self.plans.update(ch.plans)
                self.versions["plans"] += 1
            self.revision = ch.revision
            self.changed.notify_all()
            return True

    def _apply(self, table: str, up: pl.DataFrame | None, gone: Sequence[int]) -> None:
        """Replace the frame of ``table`` by one with ``up`` upserted and ``gone`` deleted
        (under the lock; readers keep the frame they took)."""
        df = self.frame(table)
        idc = FRAME_TABLES[table].id_column
        flat = not any(isinstance(t, pl.List) for t in df.schema.values())
        in_place = flat and not gone and up is not None and table != "trips"
        known = _positions(df[idc], up[idc]) if in_place and up is not None else None
        if known is not None and up is not None:  # only rows replaced: written in place
            at = pl.Series(known)
            df = df.with_columns(df[c].clone().scatter(at, up[c]) for c in df.columns)
            setattr(self, table, df)
            self.versions[table] += 1
            self.log[table].append((self.versions[table], up, []))
            return
        drop = list(gone) + ([] if up is None or table == "trips" else up[idc].to_list())
        if drop and df.height:
            df = df.filter(~pl.col(idc).is_in(drop))
        if up is not None:
            df = pl.concat([df, up]) if df.height else up
        if table != "trips":
            df = df.sort(idc)
        setattr(self, table, df)
        self.versions[table] += 1
        if table != "trips":  # trips are only appended: consumers slice the frame
            self.log[table].append((self.versions[table], up, list(gone)))

    # ---- writes (store first, then pull) ---------------------------------------------------
    def upsert(self, table: str, df: pl.DataFrame) -> int:
        """Durably insert or replace validated rows (unique ids); returns the store
        revision. When no other write came in between (the new revision follows the one
        the frames reflect), the rows are applied as written instead of read back."""
        with self._lock:
            before = self.revision
            rev = self.store.upsert(table, df)
            if rev == before + 1 and table != "trips":
                cols = FRAME_TABLES[table].columns.items()
                self._apply(table, df.select(pl.col(c).cast(t) for c, t in cols), [])
                self.revision = rev
                self.changed.notify_all()
            else:
                self.sync()
            return self.revision

    def delete(self, table: str, ids: Sequence[int]) -> int:
        """Durably delete rows by id (NotFoundError if one is unknown)."""
        with self._lock:
            self.store.delete(table, ids)
            self.sync()
            return self.revision

    def record_trips(self, df: pl.DataFrame) -> tuple[int, int]:
        """Durably append completed trips; returns (revision, trips new to the store)."""
        with self._lock:
            _, new = self.store.insert_new("trips", df)
            self.sync()
            return self.revision, len(new)

    def put_plan(
        self,
        plan_id: str,
        version: int,
        body: bytes,
        expected: int | None,
        guard: Callable[[Any], None] | None = None,
        key: KeyRecord | None = None,
    ) -> int:
        """Durably store a live plan (``expected``: the version replaced; None: create;
        ``guard``: run inside the write's transaction; ``key``: the idempotency record
        written with it; see :meth:`SqlStore.put_plan`)."""
        with self._lock:
            try:
                self.store.put_plan(plan_id, version, body, expected, guard, key)
            finally:
                self.sync()
            return self.revision

    def wait_for_change(self, seen_revision: int, timeout: float) -> int:
        """Block until the revision moves past ``seen_revision`` or ``timeout`` passes."""
        end = time.monotonic() + timeout
        with self._lock:
            while self.revision == seen_revision and not self.closing.is_set():
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
            return self.revision


class Syncer(threading.Thread):
    """Background thread pulling other instances' writes every ``interval`` seconds."""

    def __init__(self, state: FleetState, interval: float) -> None:
        super().__init__(name="yunli-store-sync", daemon=True)
        self._state = state
        self._interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Sync until stopped; a failing store is retried at the next tick."""
        from server.observability import LOGGER

        while not self._stop_event.wait(self._interval):
            try:
                self._state.sync()
            except Exception:
                LOGGER.warning("store sync failed", exc_info=True)

    def stop(self) -> None:
        """Stop the thread (returns at once; it exits within one interval)."""
        self._stop_event.set()
