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

#: Row replacements kept beside a frame before a writer folds them in (readers fold
#: earlier, on their own copy, when they read the frame).
MAX_PENDING = 32

#: Replaced rows: their positions in the frame and the new rows.
_Pending = tuple[tuple[npt.NDArray[np.int64], pl.DataFrame], ...]


def _positions(column: pl.Series, ids: pl.Series) -> npt.NDArray[np.int64] | None:
    """Rows of ``ids`` in the sorted id ``column``, or None if one is not there."""
    if column.len() == 0 or ids.len() == 0:
        return None
    have = column.to_numpy()
    want = ids.to_numpy()
    at = np.minimum(np.searchsorted(have, want), have.size - 1)
    return at.astype(np.int64) if bool((have[at] == want).all()) else None


def _fold(base: pl.DataFrame, pending: _Pending) -> pl.DataFrame:
    """``base`` with the row replacements ``pending`` applied (a later one wins)."""
    at = np.concatenate([a for a, _ in pending])
    rows = pl.concat([r for _, r in pending]) if len(pending) > 1 else pending[0][1]
    if len(pending) > 1:  # a row replaced twice: the later one
        last = np.unique(at[::-1], return_index=True)[1]
        keep = np.sort(at.size - 1 - last)
        at, rows = at[keep], rows[keep]
    pos = pl.Series(at)
    return base.with_columns(base[c].clone().scatter(pos, rows[c]) for c in base.columns)


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
        # vehicles and loads: a frame and the row replacements not folded into it yet
        # (positions, rows), swapped together; ``_fold_lock`` guards only that swap
        self._views: dict[str, tuple[pl.DataFrame, _Pending]] = {
            "vehicles": (pl.DataFrame(schema=VEHICLES.polars_schema), ()),
            "loads": (pl.DataFrame(schema=LOADS.polars_schema), ()),
        }
        self._fold_lock = threading.Lock()
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

    @property
    def vehicles(self) -> pl.DataFrame:
        """The current vehicles (sorted by id)."""
        return self._view("vehicles")

    @vehicles.setter
    def vehicles(self, df: pl.DataFrame) -> None:
        with self._fold_lock:
            self._views["vehicles"] = (df, ())

    @property
    def vehicle_ids(self) -> pl.Series:
        """The current vehicle ids (sorted), without folding pending row replacements
        (they never change the ids)."""
        return self._views["vehicles"][0]["vehicle_id"]

    @property
    def loads(self) -> pl.DataFrame:
        """The current open loads (sorted by id)."""
        return self._view("loads")

    @loads.setter
    def loads(self, df: pl.DataFrame) -> None:
        with self._fold_lock:
            self._views["loads"] = (df, ())

    def _view(self, table: str) -> pl.DataFrame:
        """The frame of ``table`` with its pending row replacements folded in: built
        aside by the reader that needs it (never waiting for a writer) and kept for
        the next reader unless a writer replaced the frame meanwhile."""
        base, pending = self._views[table]
        if not pending:
            return base
        df = _fold(base, pending)
        with self._fold_lock:
            cur_base, cur = self._views[table]
            n = len(pending)
            same = len(cur) >= n and all(x is y for x, y in zip(cur[:n], pending, strict=True))
            if cur_base is base and same:
                self._views[table] = (df, cur[n:])
        return df

    def vehicles_later(self) -> Callable[[], pl.DataFrame]:
        """The vehicles as they are now, to be folded only if called (a caller holding
        the lock for a consistent view that may not need the whole frame)."""
        base, pending = self._views["vehicles"]
        return lambda: _fold(base, pending) if pending else base

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
        (under the lock; readers keep the frame they took). Rows that only replace known
        rows of a flat table are kept beside the frame (no copy of the whole frame per
        write) and folded in by the next reader, or by a writer every
        :data:`MAX_PENDING` writes."""
        view = self._views.get(table)
        idc = FRAME_TABLES[table].id_column
        if view is not None and not gone and up is not None:
            base = view[0]
            flat = not any(isinstance(t, pl.List) for t in base.schema.values())
            known = _positions(base[idc], up[idc]) if flat else None
            if known is not None:  # only rows replaced: kept beside the frame
                with self._fold_lock:
                    b, pending = self._views[table]
                    self._views[table] = (b, (*pending, (known, up)))
                self.versions[table] += 1
                self.log[table].append((self.versions[table], up, []))
                if len(pending) + 1 >= MAX_PENDING:
                    self._view(table)
                return
        df = self.frame(table)
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
