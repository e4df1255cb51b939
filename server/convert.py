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


# ---- routing ------------------------------------------------------------------------------
def _opt(msg: Any, name: str) -> Any:
    return getattr(msg, name) if msg.HasField(name) else None


def _windows(field: str, windows: Sequence[Any]) -> list[tuple[int, int]] | None:
    return [(w.start, w.end) for w in windows] or None


def _coord(field: str, msg: Any, name: str) -> float | None:
    v = _opt(msg, name)
    return None if v is None else finite(field, v)


def problem(msg: Any, max_jobs: int, max_types: int = 1_000) -> Any:
    """A validated :class:`engine.routing.Problem` from a ``yunli.v1.Problem``.

    Raises
    ------
    InvalidInputError
        Too many sites, jobs or vehicle types, NaN coordinates, a matrix of the wrong
        size, or anything :class:`engine.routing.Model` rejects (named by field).
    """
    import numpy as np

    from engine.routing import Model

    check_count("problem.jobs", len(msg.jobs) + 2 * len(msg.shipments), max_jobs)
    check_count("problem.sites", len(msg.sites), max_jobs + max_types)
    check_count("problem.vehicle_types", len(msg.vehicle_types), max_types)
    m = Model(list(msg.dimensions) or ["amount"])
    for s in msg.sites:
        m.add_site(
            _coord("sites.lat", s, "lat"),
            _coord("sites.lon", s, "lon"),
            x=_coord("sites.x", s, "x"),
            y=_coord("sites.y", s, "y"),
            name=s.name or None,
            is_depot=s.is_depot,
        )
    for v in msg.vehicle_types:
        if not v.start_site:
            raise InvalidInputError.at("vehicle_types.start_site", "required", v.name or None)
        m.add_vehicle_type(
            v.num_available,
            capacity=list(v.capacity),
            start=v.start_site,
            end=v.end_site or None,
            fixed_cost=v.fixed_cost,
            cost_per_km=v.cost_per_km if v.HasField("cost_per_km") else 1000,
            cost_per_hour=v.cost_per_hour,
            shift=(v.shift.start, v.shift.end) if v.HasField("shift") else None,
            max_duration=_opt(v, "max_duration"),
            max_distance=_opt(v, "max_distance"),
            skills=list(v.skills),
            profile=v.profile or "light_truck",
            breaks=[(b.window_start, b.window_end, b.duration) for b in v.breaks],
            name=v.name or None,
        )
    for j in msg.jobs:
        m.add_job(
            j.site,
            delivery=list(j.delivery) or None,
            pickup=list(j.pickup) or None,
            service=j.service,
            time_windows=_windows("jobs.time_windows", j.time_windows),
            skills=list(j.skills),
            priority=j.priority,
            required=j.required if j.HasField("required") else True,
            penalty=j.penalty,
            name=j.name or None,
        )
    for s in msg.shipments:
        m.add_shipment(
            s.pickup_site,
            s.delivery_site,
            amount=list(s.amount),
            pickup_service=s.pickup_service,
            delivery_service=s.delivery_service,
            pickup_windows=_windows("shipments.pickup_windows", s.pickup_windows),
            delivery_windows=_windows("shipments.delivery_windows", s.delivery_windows),
            skills=list(s.skills),
            priority=s.priority,
            required=s.required if s.HasField("required") else True,
            penalty=s.penalty,
            name=s.name or None,
        )
    if msg.HasField("matrix"):
        n = len(msg.sites)
        mx = msg.matrix

        def square(field: str, values: Sequence[int]) -> Any:
            if len(values) != n * n:
                raise InvalidInputError.at(
                    field, f"{len(values)} values for {n} sites (need {n}×{n} = {n * n})"
                )
            return np.asarray(values, dtype=np.int64).reshape(n, n)

        dist = square("matrix.distance", mx.distance)
        durs = {d.profile: square("matrix.durations", d.values) for d in mx.durations}
        m.set_matrix(dist, durs or None)
    return m.data(name=msg.name)


def solution(sol: Any, time_limit: float) -> Any:
    """A ``yunli.v1.OptimizeResponse`` from an :class:`engine.routing.Solution`."""
    from server.proto import routing_pb2

    return routing_pb2.OptimizeResponse(
        routes=[
            routing_pb2.Route(
                vehicle_type=r.vehicle_type_name,
                jobs=list(r.job_names),
                service_starts=list(r.service_starts),
                distance=r.distance,
                duration=r.duration,
                departure=r.departure,
                arrival=r.arrival,
                peak_load=list(r.peak_load),
                cost=r.cost,
            )
            for r in sol.routes
        ],
        unserved=[
            routing_pb2.Unserved(job=u.name, required=u.required, reason=u.reason)
            for u in sol.unserved
        ],
        cost=sol.cost,
        distance=sol.distance,
        duration=sol.duration,
        solver=sol.solver,
        solver_reason=sol.solver_reason,
        runtime_s=sol.runtime,
        status=sol.status,
        feasible=sol.feasible,
        complete=sol.complete,
        time_limit_s=time_limit,
    )
