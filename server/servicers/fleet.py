# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.Fleet``: vehicles, open loads and completed trips, stored durably."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import polars as pl

from engine.errors import NotFoundError
from server.config import ServerConfig
from server.convert import common
from server.convert import fleet as convert
from server.proto import common_pb2, fleet_pb2
from server.state import FleetState


def _select(df: pl.DataFrame, idc: str, wanted: list[int], table: str) -> pl.DataFrame:
    """Rows of ``df`` with the ids ``wanted``, in that order (NotFoundError if one is absent)."""
    sub = df.filter(pl.col(idc).is_in(wanted))
    if sub.height != len(wanted):
        known = set(sub[idc].to_list())
        missing = next(i for i in wanted if i not in known)
        raise NotFoundError(f"{table}.{idc}: unknown id {missing}")
    order = pl.DataFrame({idc: wanted}, schema={idc: pl.Int64})
    return order.join(sub, on=idc, how="left", maintain_order="left")


def _page(df: pl.DataFrame, idc: str, request: Any) -> pl.DataFrame:
    if request.HasField("after_id"):
        df = df.filter(pl.col(idc) > request.after_id)
    if request.HasField("limit"):
        if request.limit < 0:
            from engine.errors import InvalidInputError

            raise InvalidInputError.at("limit", f"must be >= 0, got {request.limit}")
        df = df.head(request.limit)
    return df


class _Pending:
    """One caller's rows waiting in a :class:`GroupCommit`."""

    __slots__ = ("df", "outcome")

    def __init__(self, df: pl.DataFrame) -> None:
        self.df = df
        self.outcome: tuple[int, BaseException | None] | None = None


class GroupCommit:
    """Upserts of concurrent calls written together: one transaction, one commit (one
    fsync), one in-memory update and one matcher update for all of them.

    A caller whose rows arrive while a write is in progress waits; when it ends, one
    waiting caller (the leader) takes every queued frame, writes the union (for a vehicle
    in several, the last call's row, as if written one after another) and wakes the
    others with the outcome. Each call returns only after the commit holding its rows,
    so nothing acknowledged is lost; one write's failure is every waiter's failure (their
    rows were not written). Without concurrency it is a plain write.
    """

    def __init__(self, write: Callable[[pl.DataFrame], int], id_column: str) -> None:
        self._write = write
        self._id = id_column
        self._cv = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False
        #: Writes done and calls they held (observability, tests).
        self.writes = 0
        self.calls = 0

    @property
    def queued(self) -> int:
        """Calls waiting for the write in progress to end."""
        with self._cv:
            return len(self._queue)

    def submit(self, df: pl.DataFrame) -> int:
        """Write ``df`` (validated, unique ids) with whatever else is queued; returns the
        store revision of the commit that held it (or raises that write's error)."""
        me = _Pending(df)
        with self._cv:
            self._queue.append(me)
            while me.outcome is None and self._busy:
                self._cv.wait()
            if me.outcome is None:  # not written yet and nobody writing: lead
                self._busy = True
                batch, self._queue = self._queue, []
        if me.outcome is None:
            outcome: tuple[int, BaseException | None]
            try:
                frames = [p.df for p in batch]
                rows = frames[0] if len(frames) == 1 else (
                    pl.concat(frames).unique(self._id, keep="last", maintain_order=True)
                )  # fmt: skip
                outcome = (self._write(rows), None)
            except BaseException as e:
                outcome = (0, e)
            with self._cv:
                for p in batch:
                    p.outcome = outcome
                self._busy = False
                self.writes += 1
                self.calls += len(batch)
                self._cv.notify_all()
        assert me.outcome is not None
        rev, err = me.outcome
        if err is not None:
            raise err
        return rev


class FleetServicer:
    """Implements ``yunli.v1.Fleet`` over a :class:`~server.state.FleetState`."""

    def __init__(
        self,
        state: FleetState,
        config: ServerConfig,
        on_write: Callable[[bool], None] | None = None,
    ) -> None:
        self._state = state
        self._cfg = config
        # called after each write, with True for trips (the matcher catches up with it,
        # so the writer's next recommendation sees it; readers are never held up)
        self._on_write = on_write or (lambda trips: None)
        #: Concurrent ``UpsertVehicles`` calls (position reports) committed together.
        self.vehicle_writes = GroupCommit(self._upsert_vehicles, "vehicle_id")

    def _upsert_vehicles(self, df: pl.DataFrame) -> int:
        rev = self._state.upsert("vehicles", df)
        self._on_write(False)
        return rev

    # ---- vehicles ---------------------------------------------------------------------------
    def UpsertVehicles(
        self, request: fleet_pb2.UpsertVehiclesRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.WriteResponse:
        df = convert.frame("vehicles", request.vehicles, self._cfg.max_rows)
        rev = self.vehicle_writes.submit(df)
        return convert.write_response(df.height, rev)

    def GetVehicles(
        self, request: fleet_pb2.GetByIdsRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.GetVehiclesResponse:
        wanted = common.ids("ids", request.ids, self._cfg.max_rows)
        df = _select(self._state.vehicles, "vehicle_id", wanted, "vehicles")
        return convert.vehicles_response(df)

    def ListVehicles(
        self, request: fleet_pb2.ListRequest, context: grpc.ServicerContext
    ) -> Iterator[common_pb2.Vehicle]:
        yield from convert.messages("vehicles", _page(self._state.vehicles, "vehicle_id", request))

    def ListVehicleColumns(
        self, request: fleet_pb2.ListRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.VehicleColumns:
        return convert.vehicle_columns(_page(self._state.vehicles, "vehicle_id", request))

    def DeleteVehicles(
        self, request: fleet_pb2.DeleteRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.WriteResponse:
        wanted = common.ids("ids", request.ids, self._cfg.max_rows)
        rev = self._state.delete("vehicles", wanted)
        self._on_write(False)
        return convert.write_response(len(wanted), rev)

    # ---- loads ------------------------------------------------------------------------------
    def UpsertLoads(
        self, request: fleet_pb2.UpsertLoadsRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.WriteResponse:
        df = convert.frame("loads", request.loads, self._cfg.max_rows)
        rev = self._state.upsert("loads", df)
        self._on_write(False)
        return convert.write_response(df.height, rev)

    def GetLoads(
        self, request: fleet_pb2.GetByIdsRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.GetLoadsResponse:
        wanted = common.ids("ids", request.ids, self._cfg.max_rows)
        df = _select(self._state.loads, "load_id", wanted, "loads")
        return convert.loads_response(df)

    def ListLoads(
        self, request: fleet_pb2.ListRequest, context: grpc.ServicerContext
    ) -> Iterator[common_pb2.Load]:
        yield from convert.messages("loads", _page(self._state.loads, "load_id", request))

    def ListLoadColumns(
        self, request: fleet_pb2.ListRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.LoadColumns:
        return convert.load_columns(_page(self._state.loads, "load_id", request))

    def DeleteLoads(
        self, request: fleet_pb2.DeleteRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.WriteResponse:
        wanted = common.ids("ids", request.ids, self._cfg.max_rows)
        rev = self._state.delete("loads", wanted)
        self._on_write(False)
        return convert.write_response(len(wanted), rev)

    # ---- trips ------------------------------------------------------------------------------
    def RecordTrips(
        self, request: fleet_pb2.RecordTripsRequest, context: grpc.ServicerContext
    ) -> fleet_pb2.WriteResponse:
        df = convert.frame("trips", request.trips, self._cfg.max_rows)
        known = self._state.vehicles["vehicle_id"]
        bad = ~df["vehicle_id"].is_in(known.implode())
        if bad.any():
            i = int(bad.arg_true()[0])
            raise NotFoundError(
                f"trips.vehicle_id (row id {df['trip_id'][i]}): unknown vehicle id "
                f"{df['vehicle_id'][i]}"
            )
        rev, new = self._state.record_trips(df)
        self._on_write(True)
        return convert.write_response(new, rev)

    def ListTrips(
        self, request: fleet_pb2.ListTripsRequest, context: grpc.ServicerContext
    ) -> Iterator[common_pb2.Trip]:
        df = self._state.trips
        if request.HasField("vehicle_id"):
            vid = request.vehicle_id
            if not (self._state.vehicles["vehicle_id"] == vid).any():
                raise NotFoundError(f"vehicle_id: unknown vehicle id {vid}")
            df = df.filter(pl.col("vehicle_id") == vid)
        df = _page(df.sort("trip_id"), "trip_id", request)
        yield from convert.messages("trips", df)
