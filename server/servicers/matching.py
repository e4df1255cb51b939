# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Matching``: recommendations both ways and optimal batch dispatch.

Calls read one immutable :class:`Snapshot`: an :class:`engine.matching.Matcher`
together with the loads it has registered and the state versions it reflects. Taking
it is one attribute read: a call never waits for a writer.

Fleet changes are applied *beside* the snapshot in use and the result swapped in (a
copy-on-write / read-copy-update scheme), in proportion to what changed, as recorded
in :attr:`server.state.FleetState.log`:

- changed vehicles (a position, a status) and new vehicles: ``Matcher.with_vehicles``
  (only the grid cells and fleet blocks the changed vehicles leave or enter are
  re-indexed, the rest copied; profiles shared; a new vehicle's profile from its own
  trips);
- newly completed trips: ``Matcher.with_trips`` (only the lanes of the vehicles that
  drove them are re-keyed), when recorded here and every ``trip_merge_interval_s`` for
  those recorded by other instances;
- changed loads: registered again (``Matcher.with_loads``);
- deleted vehicles, or a change log that ran out: a full build, still aside.

Writes of this instance's Fleet service wait for their change to be applied
(:meth:`MatchingServicer.catch_up`) so a client reads its own writes; writes of other
instances (the store syncer) are applied by the refresher thread. The server reports
``NOT_SERVING`` until the first matcher is built (:meth:`MatchingServicer.start`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
import polars as pl

from engine.errors import InvalidInputError, NotFoundError
from engine.matching.matcher import Matcher
from server.config import ServerConfig
from server.convert import common
from server.convert import matching as convert
from server.observability import LOGGER, Metrics
from server.proto import matching_grpc, matching_pb2
from server.state import FleetState
from server.status import UnavailableError


@dataclass(frozen=True)
class Snapshot:
    """What every call reads: the matcher and the state it reflects (never mutated).

    Attributes
    ----------
    matcher
        The matcher (None: no vehicles).
    loads
        The loads it has registered (the store's open loads at ``key``).
    vehicle_ids
        The fleet's ids at ``key`` (sorted).
    key
        ``(vehicles, trips, loads)`` versions of :attr:`FleetState.versions` reflected,
        except that trips not merged yet are counted by ``trips_seen``.
    trips_seen
        Rows of the state's trips frame merged into the profiles.
    """

    matcher: Matcher | None
    loads: pl.DataFrame
    vehicle_ids: pl.Series
    key: tuple[int, int, int]
    trips_seen: int


def _encoded(response: matching_pb2.RecommendResponse | bytes) -> bytes:
    """A response's wire bytes: as they are when already encoded (by the core)."""
    return response if isinstance(response, bytes) else response.SerializeToString()


class _Handlers:
    """Collects the generated registration's method handlers (see :func:`add_to_server`)."""

    def __init__(self) -> None:
        self.generic: Any = None
        self.service = ""
        self.registered: dict[str, Any] = {}

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        self.generic = handlers

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        self.service, self.registered = service, handlers


def add_to_server(servicer: MatchingServicer, server: Any) -> None:
    """Register ``servicer`` on ``server`` as the generated
    ``add_MatchingServicer_to_server`` does, except that ``RecommendVehicles`` may
    answer with the response already encoded (the core's bytes are sent as they are,
    not parsed into a message and serialized again)."""
    got = _Handlers()
    matching_grpc.add_MatchingServicer_to_server(servicer, got)
    handlers = dict(got.registered)
    handlers["RecommendVehicles"] = handlers["RecommendVehicles"]._replace(
        response_serializer=_encoded
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(got.service, handlers),))
    server.add_registered_method_handlers(got.service, handlers)


_EMPTY = Snapshot(None, pl.DataFrame(), pl.Series(dtype=pl.Int64), (-1, -1, -1), 0)


class MatchingServicer:
    """Implements ``yunli.v1.Matching`` over the stored vehicles, loads and trips."""

    def __init__(self, state: FleetState, config: ServerConfig, metrics: Metrics) -> None:
        self._state = state
        self._cfg = config
        self._metrics = metrics
        self._snap = _EMPTY
        self._refresh_lock = threading.Lock()
        self._ready = threading.Event()
        self._last_merge = 0.0
        #: Test hook: called by the refresher with the next matcher built, before it
        #: is swapped in (a test blocks it to hold an update "in progress").
        self.before_swap: Callable[[], None] | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self, on_ready: Callable[[], None] | None = None) -> None:
        """Build the first matcher in the background, then call ``on_ready`` (the server
        turns its health to ``SERVING``) and keep applying changes of other instances
        and merging new trips."""
        self._thread = threading.Thread(
            target=self._run, args=(on_ready,), name="yunli-matcher", daemon=True
        )
        self._thread.start()

    @property
    def ready(self) -> bool:
        """True once the first matcher is built."""
        return self._ready.is_set()

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot calls read now."""
        return self._snap

    def _run(self, on_ready: Callable[[], None] | None) -> None:
        st = self._state
        t0 = time.perf_counter()
        while not st.closing.is_set():
            try:
                self._apply(merge_trips=True)
                break
            except Exception:
                LOGGER.error("building the matcher failed; retrying", exc_info=True)
                st.closing.wait(1.0)
        self._ready.set()
        LOGGER.info("matcher ready", extra={"seconds": round(time.perf_counter() - t0, 3)})
        if on_ready is not None and not st.closing.is_set():
            on_ready()
        tick = self._cfg.trip_merge_interval_s
        while not st.closing.is_set():
            with st.changed:  # woken by every sync that changed something
                st.changed.wait(tick if 0 < tick < 1.0 else 1.0)
            if st.closing.is_set():
                break
            merge = tick > 0 and time.monotonic() - self._last_merge >= tick
            try:
                if self._stale(merge):
                    self._apply(merge_trips=merge)
            except Exception:
                LOGGER.warning("updating the matcher failed", exc_info=True)

    def catch_up(self, merge_trips: bool = False) -> None:
        """Apply the state's vehicle and load changes now (and its new trips if
        ``merge_trips``); called by this instance's Fleet writes so a client reads its
        own writes. Only the writer waits: calls keep reading the current snapshot
        meanwhile."""
        if self._stale(merge_trips):
            self._apply(merge_trips=merge_trips)

    # ---- building the next snapshot --------------------------------------------------------
    def _current_key(self) -> tuple[int, int, int]:
        v = self._state.versions
        return v["vehicles"], v["trips"], v["loads"]

    def _stale(self, with_trips: bool) -> bool:
        snap, cur = self._snap, self._current_key()
        if snap.key[0] != cur[0] or snap.key[2] != cur[2]:
            return True
        return with_trips and self._state.trips.height > snap.trips_seen

    def _apply(self, merge_trips: bool) -> None:
        """Build the next snapshot from the current one and swap it in (serialized)."""
        with self._refresh_lock:
            st = self._state
            with st._lock:  # a consistent view of versions, frames and the change log
                key = self._current_key()
                ids, trips, loads = st.vehicle_ids, st.trips, st.loads
                vehicles = st.vehicles_later()  # folded only for a full build
                vlog = [e for e in st.log["vehicles"] if e[0] > self._snap.key[0]]
            old = self._snap
            if not merge_trips and key[0] == old.key[0] and key[2] == old.key[2]:
                return
            t0 = time.perf_counter()
            nxt, kind = self._next(old, key, ids, vehicles, trips, loads, vlog, merge_trips)
            hook = self.before_swap
            if hook is not None:
                hook()
            self._snap = nxt
            if merge_trips:
                self._last_merge = time.monotonic()
            self._metrics.observe_solver(kind, t0)

    def _next(
        self,
        old: Snapshot,
        key: tuple[int, int, int],
        ids: pl.Series,
        vehicles: Callable[[], pl.DataFrame],
        trips: pl.DataFrame,
        loads: pl.DataFrame,
        vlog: list[tuple[int, pl.DataFrame | None, list[int]]],
        merge_trips: bool,
    ) -> tuple[Snapshot, str]:
        loads_arg = loads if loads.height else None
        if ids.len() == 0:
            return Snapshot(None, loads, ids, key, trips.height), "matcher_build"
        m = old.matcher
        contiguous = bool(vlog) and vlog[0][0] == old.key[0] + 1 and vlog[-1][0] == key[0]
        rebuild = (
            m is None
            or trips.height < old.trips_seen
            or (key[0] != old.key[0] and not contiguous)
            or any(gone for _, _, gone in vlog)
        )
        if m is None or rebuild:
            known = ids.implode()
            history = trips.filter(pl.col("vehicle_id").is_in(known))
            m = Matcher(vehicles(), history, loads=loads_arg)
            return Snapshot(m, loads, ids, key, trips.height), "matcher_build"
        seen = old.trips_seen
        if key[0] != old.key[0]:
            ups = [up for _, up, _ in vlog if up is not None and up.height]
            if ups:
                rows = ups[0] if len(ups) == 1 else (
                    pl.concat(ups).unique("vehicle_id", keep="last", maintain_order=True)
                )  # fmt: skip
                rid = rows["vehicle_id"].to_numpy()
                have = old.vehicle_ids.to_numpy()
                at = np.minimum(np.searchsorted(have, rid), max(have.size - 1, 0))
                fresh = rid[have[at] != rid] if have.size else rid
                own = None
                if fresh.size and seen:
                    # trips merged so far skipped these vehicles (unknown then)
                    own = trips.slice(0, seen).filter(pl.col("vehicle_id").is_in(pl.Series(fresh)))
                m = m.with_vehicles(rows, own, validated=True)
        if merge_trips and trips.height > seen:
            new = trips.slice(seen).filter(pl.col("vehicle_id").is_in(ids.implode()))
            if new.height:
                m = m.with_trips(new)
            seen = trips.height
        if key[2] != old.key[2] and loads_arg is not None:
            m = m.with_loads(loads_arg)
        return Snapshot(m, loads, ids, key, seen), "matcher_update"

    # ---- reading ---------------------------------------------------------------------------
    def _read(self, context: grpc.ServicerContext) -> Snapshot:
        """The current snapshot; before the first build, wait for it (within the call's
        deadline; the server reports ``NOT_SERVING`` meanwhile)."""
        if not self._ready.is_set():
            left = context.time_remaining()
            if not self._ready.wait(timeout=left):
                raise UnavailableError("the matcher is being built (health: NOT_SERVING)")
        return self._snap

    def _k(self, k: int) -> int:
        if k <= 0 or k > self._cfg.max_k:
            raise InvalidInputError.at("k", f"must be in 1..{self._cfg.max_k}, got {k}")
        return k

    @staticmethod
    def _load_frame(loads: pl.DataFrame, ids: list[int]) -> pl.DataFrame:
        if not ids:
            return loads
        sub = loads.filter(pl.col("load_id").is_in(ids)) if loads.height else loads
        if sub.height != len(ids):
            known = set(sub["load_id"].to_list()) if sub.height else set()
            missing = next(i for i in ids if i not in known)
            raise NotFoundError(f"load_id: unknown load {missing}")
        return sub

    # ---- RPCs ----------------------------------------------------------------------------
    def RecommendLoads(
        self, request: matching_pb2.RecommendLoadsRequest, context: grpc.ServicerContext
    ) -> matching_pb2.RecommendResponse:
        k = self._k(request.k)
        if not request.HasField("vehicle_id"):
            raise InvalidInputError.at("vehicle_id", "required")
        vid = request.vehicle_id
        snap = self._read(context)
        m = snap.matcher
        if m is None or snap.loads.height == 0:
            if not (snap.vehicle_ids == vid).any():
                raise NotFoundError(f"vehicle_id: unknown vehicle {vid}")
            return convert.recommend_rows_response(vid, [])
        return convert.recommend_rows_response(vid, m.recommend_load_rows(vid, k=k))

    def RecommendVehicles(
        self, request: matching_pb2.RecommendVehiclesRequest, context: grpc.ServicerContext
    ) -> matching_pb2.RecommendResponse | bytes:
        k = self._k(request.k)
        if not request.HasField("load_id"):
            raise InvalidInputError.at("load_id", "required")
        lid = request.load_id
        snap = self._snap if self._ready.is_set() else self._read(context)
        m = snap.matcher
        if m is None or snap.loads.height == 0:
            if not snap.loads.height or not (snap.loads["load_id"] == lid).any():
                raise NotFoundError(f"load_id: unknown load {lid}")
            return convert.recommend_rows_response(lid, [])
        # the core encodes the answer: its bytes go out as they are (see add_to_server)
        return m.recommend_vehicles_wire(lid, k=k)

    def RecommendVehiclesBatch(
        self, request: matching_pb2.RecommendVehiclesBatchRequest, context: grpc.ServicerContext
    ) -> Iterator[matching_pb2.RecommendResponse]:
        k = self._k(request.k)
        ids = common.ids("load_ids", request.load_ids, self._cfg.max_rows)
        snap = self._read(context)
        loads = self._load_frame(snap.loads, ids)
        order = ids or (loads["load_id"].to_list() if loads.height else [])
        m = snap.matcher
        if m is None or loads.height == 0:
            df = None
        else:
            t0 = time.perf_counter()
            df = m.recommend_vehicles_batch(loads, k=k)
            self._metrics.observe_solver("recommend_batch", t0)
        groups = {} if df is None else df.partition_by("load_id", as_dict=True)
        for lid in order:
            yield convert.recommend_response(lid, groups.get((lid,)))

    def Dispatch(
        self, request: matching_pb2.DispatchRequest, context: grpc.ServicerContext
    ) -> matching_pb2.DispatchResponse:
        objective = convert.dispatch_objective(request.objective)
        ids = common.ids("load_ids", request.load_ids, self._cfg.max_rows)
        snap = self._read(context)
        loads = self._load_frame(snap.loads, ids)
        m = snap.matcher
        if m is None or loads.height == 0:
            n_v = int((self._state.vehicles["status"] != "offline").sum())
            return convert.empty_dispatch_response(loads.height, n_v)
        t0 = time.perf_counter()
        res = m.dispatch(loads, objective=objective)
        self._metrics.observe_solver("dispatch", t0)
        return convert.dispatch_response(res)
