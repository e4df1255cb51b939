"""Validation of the shipments and fleet tables into integer problem data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.errors import InvalidInputError
from engine.routing.loadplan.results import DIMENSIONS, SHIPMENT_ID, VEHICLE_TYPE


@dataclass(slots=True)
class FleetData:
    """Validated, integer problem data (all dimensions; unlimited capacity = ``None``)."""

    ids: list[Any]
    sizes: npt.NDArray[np.int64]  # (n, D)
    names: list[str]
    caps: list[list[int | None]]  # (K, D)
    counts: list[int]
    costs: list[int]


def _not_numeric(series: pl.Series, ids: list[Any]) -> InvalidInputError:
    """The error for a column that is not numeric, naming the first value that is no number."""
    for rid, v in zip(ids, series.to_list(), strict=True):
        if v is None:
            continue
        try:
            float(v)
        except (TypeError, ValueError):
            return InvalidInputError.at(series.name, f"{v!r} is not a number", rid)
    rid = ids[0] if ids else None
    return InvalidInputError.at(series.name, f"must be numeric, got {series.dtype}", rid)


def _int_column(
    df: pl.DataFrame, col: str, ids: list[Any], *, positive: bool, allow_null: bool
) -> list[int | None]:
    """Read an integer column; NaN, fractions, negatives (or zeros when ``positive``) raise,
    naming the row id."""
    series = df.get_column(col)
    if series.len() == 0:  # a header-only CSV reads as String columns
        return []
    if not (series.dtype.is_numeric() or series.dtype == pl.Null):
        raise _not_numeric(series, ids)
    out: list[int | None] = []
    for rid, v in zip(ids, series.to_list(), strict=True):
        if v is None:
            if allow_null:
                out.append(None)
                continue
            raise InvalidInputError.at(col, "is missing", rid)
        if isinstance(v, float) and math.isnan(v):
            raise InvalidInputError.at(col, "is NaN", rid)
        if isinstance(v, float) and math.isinf(v):
            raise InvalidInputError.at(col, "is infinite", rid)
        if v < 0 or (positive and v <= 0):
            raise InvalidInputError.at(
                col, f"must be {'positive' if positive else 'non-negative'}, got {v}", rid
            )
        if isinstance(v, float) and not v.is_integer():
            raise InvalidInputError.at(col, f"must be a whole number, got {v}", rid)
        out.append(int(v))
    return out


def _ids(df: pl.DataFrame, col: str) -> list[Any]:
    ids = df.get_column(col).to_list()
    seen: set[Any] = set()
    for rid in ids:
        if rid is None:
            raise InvalidInputError.at(col, "id is missing")
        if rid in seen:
            raise InvalidInputError.at(col, "duplicate id", rid)
        seen.add(rid)
    return ids


def validate(shipments: pl.DataFrame, fleet: pl.DataFrame) -> FleetData:
    if not isinstance(shipments, pl.DataFrame):
        raise InvalidInputError.at("shipments", "must be a polars DataFrame")
    if not isinstance(fleet, pl.DataFrame):
        raise InvalidInputError.at("fleet", "must be a polars DataFrame")
    for col in (SHIPMENT_ID, "weight_kg", "volume_l"):
        if col not in shipments.columns:
            raise InvalidInputError.at(col, "missing column in shipments")
    for col in (VEHICLE_TYPE, "capacity_kg", "capacity_l", "count", "cost_fen"):
        if col not in fleet.columns:
            raise InvalidInputError.at(col, "missing column in fleet")
    if fleet.height == 0:
        raise InvalidInputError.at("fleet", "empty fleet: no vehicle types")
    ids = _ids(shipments, SHIPMENT_ID)
    names = [str(x) for x in _ids(fleet, VEHICLE_TYPE)]
    cols = []
    for dim, _cap in DIMENSIONS:
        if dim in shipments.columns:
            vals = _int_column(shipments, dim, ids, positive=False, allow_null=dim == "pallets")
            cols.append([v or 0 for v in vals])
        else:
            cols.append([0] * len(ids))
    sizes = np.array(cols, dtype=np.int64).T.reshape(len(ids), len(DIMENSIONS))
    caps_cols: list[list[int | None]] = []
    for _dim, cap in DIMENSIONS:
        if cap in fleet.columns:
            caps_cols.append(
                _int_column(fleet, cap, names, positive=True, allow_null=cap == "capacity_pallets")
            )
        else:
            caps_cols.append([None] * len(names))
    counts = [
        int(c or 0) for c in _int_column(fleet, "count", names, positive=False, allow_null=False)
    ]
    costs = [
        int(c or 0) for c in _int_column(fleet, "cost_fen", names, positive=False, allow_null=False)
    ]
    if sum(counts) == 0:
        raise InvalidInputError.at("count", "empty fleet: no vehicle available (all counts 0)")
    caps = [list(row) for row in zip(*caps_cols, strict=True)]
    return FleetData(ids, sizes, names, caps, counts, costs)
