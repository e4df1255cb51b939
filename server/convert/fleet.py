"""Fleet tables (vehicles, loads, trips) ⇄ their messages, and the Fleet responses.

Incoming tables become Polars frames validated by :mod:`engine.data.loaders`, so a bad
row is reported exactly as the engine reports it (``vehicles.lat (row id 7): nan is not
in [-90, 90]``); a field left unset is a missing value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final, Literal, overload

import polars as pl

from engine.data.loaders import read_table
from engine.data.schemas import (
    LOADS,
    TRIPS,
    VEHICLE_STATUSES,
    VEHICLE_TYPES,
    VEHICLES,
    TableSchema,
)
from server.convert.common import check_count
from server.proto import common_pb2, fleet_pb2

Table = Literal["vehicles", "loads", "trips"]
TableMessage = common_pb2.Vehicle | common_pb2.Load | common_pb2.Trip

_MESSAGES: Final[dict[str, type[TableMessage]]] = {
    "vehicles": common_pb2.Vehicle,
    "loads": common_pb2.Load,
    "trips": common_pb2.Trip,
}
SCHEMAS: Final[dict[str, TableSchema]] = {"vehicles": VEHICLES, "loads": LOADS, "trips": TRIPS}


def frame(table: Table, messages: Sequence[TableMessage], limit: int) -> pl.DataFrame:
    """Validated frame of ``vehicles``, ``loads`` or ``trips`` from their messages.

    Raises
    ------
    InvalidInputError
        Too many rows, a missing field, or any rule of the engine's schema broken.
    """
    schema = SCHEMAS[table]
    check_count(table, len(messages), limit)
    cols: dict[str, list[Any]] = {c: [] for c in schema.columns}
    lists = [c for c, t in schema.columns.items() if isinstance(t, pl.List)]
    scalars = [c for c in schema.columns if c not in lists]
    for m in messages:
        for c in scalars:
            cols[c].append(getattr(m, c) if m.HasField(c) else None)
        for c in lists:
            cols[c].append(list(getattr(m, c)))
    df = pl.DataFrame(cols, schema=schema.polars_schema)
    return read_table(df, schema)


@overload
def messages(table: Literal["vehicles"], df: pl.DataFrame) -> Iterator[common_pb2.Vehicle]: ...
@overload
def messages(table: Literal["loads"], df: pl.DataFrame) -> Iterator[common_pb2.Load]: ...
@overload
def messages(table: Literal["trips"], df: pl.DataFrame) -> Iterator[common_pb2.Trip]: ...
def messages(table: Table, df: pl.DataFrame) -> Iterator[TableMessage]:
    """Messages of ``table`` from a frame of its schema, in frame order."""
    cls = _MESSAGES[table]
    cols = list(SCHEMAS[table].columns)
    for row in df.select(cols).iter_rows(named=True):
        yield cls(**row)


def write_response(written: int, revision: int) -> fleet_pb2.WriteResponse:
    """The answer of an upsert, delete or record call."""
    return fleet_pb2.WriteResponse(written=written, revision=revision)


def vehicles_response(df: pl.DataFrame) -> fleet_pb2.GetVehiclesResponse:
    """``GetVehicles``: the vehicles of ``df`` in frame order."""
    return fleet_pb2.GetVehiclesResponse(vehicles=list(messages("vehicles", df)))


def loads_response(df: pl.DataFrame) -> fleet_pb2.GetLoadsResponse:
    """``GetLoads``: the loads of ``df`` in frame order."""
    return fleet_pb2.GetLoadsResponse(loads=list(messages("loads", df)))


def _codes(s: pl.Series, names: Sequence[str]) -> list[int]:
    """Index of each value of ``s`` in ``names`` (values are validated enum members)."""
    return s.cast(pl.Enum(list(names))).to_physical().cast(pl.Int32).to_list()


def vehicle_columns(df: pl.DataFrame) -> fleet_pb2.VehicleColumns:
    """``ListVehicleColumns``: the vehicles of ``df`` (frame order) as packed columns."""
    return fleet_pb2.VehicleColumns(
        vehicle_id=df["vehicle_id"].to_list(),
        lat=df["lat"].to_list(),
        lon=df["lon"].to_list(),
        type_index=_codes(df["vehicle_type"], list(VEHICLE_TYPES)),
        type_names=list(VEHICLE_TYPES),
        status_index=_codes(df["status"], VEHICLE_STATUSES),
        status_names=list(VEHICLE_STATUSES),
        capacity_kg=df["capacity_kg"].to_list(),
        carrier_id=df["carrier_id"].to_list(),
    )


def load_columns(df: pl.DataFrame) -> fleet_pb2.LoadColumns:
    """``ListLoadColumns``: the loads of ``df`` (frame order) as packed columns."""
    return fleet_pb2.LoadColumns(
        **{c: df[c].to_list() for c in fleet_pb2.LoadColumns.DESCRIPTOR.fields_by_name}
    )
