"""Protobuf ⇄ engine conversions: the one conversion point of the server.

Incoming tables become Polars frames validated by :mod:`engine.data.loaders`, so a
bad row is reported exactly as the engine reports it (``vehicles.lat (row id 7):
nan is not in [-90, 90]``); a field left unset is a missing value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl

from engine.data.loaders import read_table
from engine.data.schemas import LOADS, TRIPS, VEHICLES, TableSchema
from engine.errors import InvalidInputError
from server.proto import common_pb2

_MESSAGES: dict[str, Any] = {
    "vehicles": common_pb2.Vehicle,
    "loads": common_pb2.Load,
    "trips": common_pb2.Trip,
}
SCHEMAS: dict[str, TableSchema] = {"vehicles": VEHICLES, "loads": LOADS, "trips": TRIPS}


def check_count(field: str, n: int, limit: int) -> None:
    """Reject a repeated field with more than ``limit`` entries.

    Raises
    ------
    InvalidInputError
        Naming ``field``.
    """
    if n > limit:
        raise InvalidInputError.at(field, f"at most {limit:,} entries per call, got {n:,}")


def frame(table: str, messages: Sequence[Any], limit: int) -> pl.DataFrame:
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


def messages(table: str, df: pl.DataFrame) -> Iterator[Any]:
    """Messages of ``table`` from a frame of its schema, in frame order."""
    cls = _MESSAGES[table]
    cols = list(SCHEMAS[table].columns)
    for row in df.select(cols).iter_rows(named=True):
        yield cls(**row)


def ids(field: str, values: Sequence[int], limit: int) -> list[int]:
    """A bounded list of ids, duplicates rejected."""
    check_count(field, len(values), limit)
    out = [int(v) for v in values]
    if len(set(out)) != len(out):
        raise InvalidInputError.at(field, "duplicate ids")
    return out


def finite(field: str, value: float) -> float:
    """``value`` if it is a finite number.

    Raises
    ------
    InvalidInputError
        On NaN or infinity.
    """
    if not math.isfinite(value):
        raise InvalidInputError.at(field, f"must be a finite number, got {value}")
    return value
