# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Matching``: recommendations both ways and optimal batch dispatch.

One :class:`engine.matching.Matcher` serves every call. It is kept equal to the
stored fleet: new completed trips are merged into the profiles incrementally
(``add_trips``), changed vehicle states replace the fleet arrays
(``update_vehicles``), changed loads are registered again, and only a change in
the set of vehicle ids rebuilds it (calls still running keep the old one). The native
matcher holds its own read/write lock (queries share it, updates take it exclusively),
so calls need no lock here; refreshes are serialized. The Rust core releases the GIL
while it scores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import polars as pl

from engine.errors import InvalidInputError, NotFoundError
from server.config import ServerConfig
from server.convert import common
from server.convert import matching as convert
from server.observability import Metrics
from server.proto import matching_pb2
from server.state import FleetState


class MatchingServicer:
    """Implements ``yunli.v1.Matching`` over the stored vehicles, loads and trips."""

    def __init__(self, state: FleetState, config: ServerConfig, metrics: Metrics) -> None:
        self._state = state
        self._cfg = config
        self._metrics = metrics
        self._refresh_lock = threading.Lock()
        self._matcher: Any = None
        self._key: tuple[int, int, int] | None = None
        self._trips_seen = 0
        self._vehicle_ids: pl.Series | None = None
        self._long_readers = 0  # dispatches and batch recommendations running
        self._count_lock = threading.Lock()
        if config.trip_merge_interval_s > 0:
            threading.Thread(
                target=self._merge_trips_loop, name="yunli-trip-merger", daemon=True
            ).start()

    # ---- the matcher ---------------------------------------------------------------------
    def _current_key(self) -> tuple[int, int, int]:
        v = self._state.versions
        return v["vehicles"], v["trips"], v["loads"]

    def _refresh(self, merge_trips: bool) -> None:
        """Bring the matcher up to date with the state (called with ``_refresh_lock``).

        New trips of known vehicles are merged only when ``merge_trips`` (the merger
        thread does that every ``trip_merge_interval_s``: merging costs a fixed ~0.1 s
        in the engine, too much to pay on the request path for every completed trip).
        """
        from engine.matching.matcher import Matcher

        st = self._state
        key = self._current_key()
        vehicles, trips, loads = st.vehicles, st.trips, st.loads
        known = vehicles["vehicle_id"].implode()
        t0 = time.perf_counter()
        if vehicles.height == 0:
            self._matcher = None
        elif (
            self._matcher is None
            or self._vehicle_ids is None
            or not self._vehicle_ids.equals(vehicles["vehicle_id"])
        ):
            history = trips.filter(pl.col("vehicle_id").is_in(known))
            self._matcher = Matcher(vehicles, history, loads=loads if loads.height else None)
            self._trips_seen = trips.height
            self._vehicle_ids = vehicles["vehicle_id"]
            self._metrics.observe_solver("matcher_build", t0)
        else:
            assert self._key is not None
            m = self._matcher
            if key[0] != self._key[0]:
                m.update_vehicles(vehicles)
            if trips.height > self._trips_seen:
                if merge_trips:
                    new = trips.slice(self._trips_seen)
                    m.add_trips(new.filter(pl.col("vehicle_id").is_in(known)))
                    self._trips_seen = trips.height
                else:
                    key = (key[0], self._key[1], key[2])  # trips still to merge
            if key[2] != self._key[2] and loads.height:
                m.set_loads(loads)
            self._metrics.observe_solver("matcher_update", t0)
        self._key = key

    def _stale(self, with_trips: bool) -> bool:
        """Whether the matcher lags the state (in vehicles or loads, or trips too)."""
        key, cur = self._key, self._current_key()
        if key is None:
            return True
        return key[0] != cur[0] or key[2] != cur[2] or (with_trips and key[1] != cur[1])

    def _update(self, merge_trips: bool) -> None:
        with self._refresh_lock:
            if self._stale(merge_trips):
                self._refresh(merge_trips)

    def _merge_trips_loop(self) -> None:
        """Merge completed trips into the profiles every ``trip_merge_interval_s``."""
        from server.observability import LOGGER

        closing = self._state.closing
        while not closing.wait(self._cfg.trip_merge_interval_s):
            # a merge waiting for a long dispatch would hold up every recommendation
            # queued behind it: wait for the next tick instead
            if self._matcher is None or self._long_readers or not self._stale(True):
                continue
            try:
                self._update(merge_trips=True)
            except Exception:
                LOGGER.warning("merging trips into the matcher failed", exc_info=True)

    def _read(self) -> Any:
        """The matcher, current in vehicles and loads (trips are merged by the merger
        thread)."""
        if self._stale(False):
            self._update(merge_trips=False)
        return self._matcher

    def _k(self, k: int) -> int:
        if k <= 0 or k > self._cfg.max_k:
            raise InvalidInputError.at("k", f"must be in 1..{self._cfg.max_k}, got {k}")
        return k

    def _load_frame(self, ids: list[int]) -> pl.DataFrame:
        loads = self._state.loads
        if not ids:
            return loads
        sub = loads.filter(pl.col("load_id").is_in(ids))
        if sub.height != len(ids):
            known = set(sub["load_id"].to_list())
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
        m = self._read()
        if m is None or self._state.loads.height == 0:
            if not (self._state.vehicles["vehicle_id"] == vid).any():
                raise NotFoundError(f"vehicle_id: unknown vehicle {vid}")
            return convert.recommend_rows_response(vid, [])
        rows = m.recommend_load_rows(vid, k=k)
        return convert.recommend_rows_response(vid, rows)

    def RecommendVehicles(
        self, request: matching_pb2.RecommendVehiclesRequest, context: grpc.ServicerContext
    ) -> matching_pb2.RecommendResponse:
        k = self._k(request.k)
        if not request.HasField("load_id"):
            raise InvalidInputError.at("load_id", "required")
        lid = request.load_id
        m = self._read()
        if m is None or self._state.loads.height == 0:
            if not (self._state.loads["load_id"] == lid).any():
                raise NotFoundError(f"load_id: unknown load {lid}")
            return convert.recommend_rows_response(lid, [])
        rows = m.recommend_vehicle_rows(lid, k=k)
        return convert.recommend_rows_response(lid, rows)

    def RecommendVehiclesBatch(
        self, request: matching_pb2.RecommendVehiclesBatchRequest, context: grpc.ServicerContext
    ) -> Iterator[matching_pb2.RecommendResponse]:
        k = self._k(request.k)
        ids = common.ids("load_ids", request.load_ids, self._cfg.max_rows)
        loads = self._load_frame(ids)
        order = ids or loads["load_id"].to_list()
        m = self._read()
        with self._count_lock:
            self._long_readers += 1
        try:
            if m is None or loads.height == 0:
                df = None
            else:
                t0 = time.perf_counter()
                df = m.recommend_vehicles_batch(loads, k=k)
                self._metrics.observe_solver("recommend_batch", t0)
        finally:
            with self._count_lock:
                self._long_readers -= 1
        groups = {} if df is None else df.partition_by("load_id", as_dict=True)
        for lid in order:
            yield convert.recommend_response(lid, groups.get((lid,)))

    def Dispatch(
        self, request: matching_pb2.DispatchRequest, context: grpc.ServicerContext
    ) -> matching_pb2.DispatchResponse:
        objective = convert.dispatch_objective(request.objective)
        ids = common.ids("load_ids", request.load_ids, self._cfg.max_rows)
        loads = self._load_frame(ids)
        m = self._read()
        with self._count_lock:
            self._long_readers += 1
        try:
            if m is None or loads.height == 0:
                n_v = int((self._state.vehicles["status"] != "offline").sum())
                return convert.empty_dispatch_response(loads.height, n_v)
            t0 = time.perf_counter()
            res = m.dispatch(loads, objective=objective)
            self._metrics.observe_solver("dispatch", t0)
        finally:
            with self._count_lock:
                self._long_readers -= 1
        return convert.dispatch_response(res)
