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


# ---- live plans -------------------------------------------------------------------------
def live_job(msg: Any) -> Any:
    """An :class:`engine.live.LiveJob` from its message."""
    from engine.live import LiveJob

    if not msg.job_id:
        raise InvalidInputError.at("job.job_id", "required")
    return LiveJob(
        job_id=msg.job_id,
        kind=msg.kind or "delivery",
        lat=finite("job.lat", msg.lat),
        lon=finite("job.lon", msg.lon),
        amounts=tuple(msg.amounts),
        service_s=msg.service_s,
        windows=tuple((w.start, w.end) for w in msg.windows),
        pair=msg.pair or None,
        skills=frozenset(msg.skills),
        required=msg.required if msg.HasField("required") else True,
        penalty=msg.penalty,
        status=msg.status or "pending",
        served_at=_opt(msg, "served_at"),
    )


def fill_job(m: Any, j: Any) -> None:
    """Write an :class:`engine.live.LiveJob` into an empty or stale ``LiveJob`` message."""
    m.Clear()
    m.job_id, m.kind, m.lat, m.lon = j.job_id, j.kind, j.lat, j.lon
    m.amounts.extend(j.amounts)
    m.service_s = j.service_s
    for a, b in j.windows:
        m.windows.add(start=a, end=b)
    if j.pair:
        m.pair = j.pair
    if j.skills:
        m.skills.extend(sorted(j.skills))
    m.required, m.penalty, m.status = j.required, j.penalty, j.status
    if j.served_at is not None:
        m.served_at = j.served_at


def live_job_msg(j: Any) -> Any:
    """The message of an :class:`engine.live.LiveJob`."""
    from server.proto import live_pb2

    m = live_pb2.LiveJob()
    fill_job(m, j)
    return m


_VEHICLE_SCALARS = (
    "profile", "depot_lat", "depot_lon", "end_lat", "end_lon", "shift_start", "shift_end",
    "lat", "lon", "position_time", "max_duration_s", "cost_per_km", "cost_per_hour",
    "driving_since_break_s", "departed", "en_route", "status", "delay_s",
)  # fmt: skip


def live_vehicle(msg: Any) -> Any:
    """An :class:`engine.live.LiveVehicle` from its message."""
    from engine.data.schemas import VEHICLE_TYPES
    from engine.live import LiveVehicle

    if not msg.vehicle_id:
        raise InvalidInputError.at("vehicle.vehicle_id", "required")
    for name in ("depot_lat", "depot_lon", "end_lat", "end_lon", "lat", "lon"):
        finite(f"vehicle.{name}", getattr(msg, name))
    profile = msg.profile or "light_truck"
    if profile not in VEHICLE_TYPES:
        raise InvalidInputError.at(
            "vehicle.profile", f"unknown profile {profile!r}", msg.vehicle_id
        )
    kw = {n: getattr(msg, n) for n in _VEHICLE_SCALARS}
    kw.update(profile=profile, status=msg.status or "active")
    if not msg.max_duration_s:
        kw.pop("max_duration_s")
    return LiveVehicle(
        vehicle_id=msg.vehicle_id,
        capacity=tuple(msg.capacity),
        skills=frozenset(msg.skills),
        route=list(msg.route),
        served=list(msg.served),
        on_board=tuple(msg.on_board),
        **kw,
    )


def fill_vehicle(m: Any, v: Any) -> None:
    """Write an :class:`engine.live.LiveVehicle` into an empty or stale message."""
    m.Clear()
    m.vehicle_id = v.vehicle_id
    m.capacity.extend(v.capacity)
    if v.skills:
        m.skills.extend(sorted(v.skills))
    m.route.extend(v.route)
    m.served.extend(v.served)
    m.on_board.extend(v.on_board)
    for n in _VEHICLE_SCALARS:
        setattr(m, n, getattr(v, n))


def live_vehicle_msg(v: Any) -> Any:
    """The message of an :class:`engine.live.LiveVehicle`."""
    from server.proto import live_pb2

    m = live_pb2.LiveVehicle()
    fill_vehicle(m, v)
    return m


def slowdown(msg: Any) -> Any:
    """An :class:`engine.live.Slowdown` from its message."""
    from engine.live import Slowdown

    factor = finite("traffic.factor", msg.factor)
    if factor < 1.0:
        raise InvalidInputError.at("traffic.factor", f"must be >= 1, got {factor}")
    if msg.start > msg.end:
        raise InvalidInputError.at("traffic.end", f"inverted interval ({msg.start}, {msg.end})")
    area: tuple[object, ...] | None = None
    which = msg.WhichOneof("area")
    if which == "circle":
        c = msg.circle
        radius = finite("traffic.circle.radius_m", c.radius_m)
        if radius <= 0:
            raise InvalidInputError.at("traffic.circle.radius_m", f"must be > 0, got {radius}")
        area = ("circle", finite("traffic.circle.lat", c.lat), finite("traffic.circle.lon", c.lon),
                radius)  # fmt: skip
    elif which == "polygon":
        p = msg.polygon
        if len(p.lats) != len(p.lons) or len(p.lats) < 3:
            raise InvalidInputError.at("traffic.polygon", "needs >= 3 points with lat and lon")
        area = ("polygon", tuple((finite("traffic.polygon", a), finite("traffic.polygon", b))
                                 for a, b in zip(p.lats, p.lons, strict=True)))  # fmt: skip
    leg = (msg.leg_from, msg.leg_to) if msg.leg_from or msg.leg_to else None
    if (area is None) == (leg is None):
        raise InvalidInputError.at("traffic", "give an area (circle or polygon) or a leg")
    return Slowdown(factor=factor, start=msg.start, end=msg.end, area=area, leg=leg)


def slowdown_msg(s: Any) -> Any:
    """The message of an :class:`engine.live.Slowdown`."""
    from server.proto import live_pb2

    m = live_pb2.Slowdown(factor=s.factor, start=s.start, end=s.end)
    if s.area is not None and s.area[0] == "circle":
        m.circle.CopyFrom(live_pb2.Circle(lat=s.area[1], lon=s.area[2], radius_m=s.area[3]))
    elif s.area is not None:
        m.polygon.lats.extend(p[0] for p in s.area[1])
        m.polygon.lons.extend(p[1] for p in s.area[1])
    if s.leg is not None:
        m.leg_from, m.leg_to = s.leg
    return m


def live_plan(msg: Any) -> Any:
    """An :class:`engine.live.LivePlan` from its message (invariants checked)."""
    from engine.live import LivePlan

    jobs = {}
    for j in msg.jobs:
        job = live_job(j)
        if job.job_id in jobs:
            raise InvalidInputError.at("jobs.job_id", "duplicate id", job.job_id)
        jobs[job.job_id] = job
    vehicles = {}
    for v in msg.vehicles:
        veh = live_vehicle(v)
        if veh.vehicle_id in vehicles:
            raise InvalidInputError.at("vehicles.vehicle_id", "duplicate id", veh.vehicle_id)
        vehicles[veh.vehicle_id] = veh
    if not msg.dimensions:
        raise InvalidInputError.at("plan.dimensions", "give at least one dimension")
    return LivePlan(
        dimensions=tuple(msg.dimensions),
        jobs=jobs,
        vehicles=vehicles,
        now=msg.now,
        slowdowns=[slowdown(s) for s in msg.slowdowns],
        circuity=finite("plan.circuity", msg.circuity) if msg.circuity else 1.3,
        version=msg.version,
    )


def live_plan_msg(plan: Any, plan_id: str) -> Any:
    """The message of an :class:`engine.live.LivePlan` (jobs and vehicles in plan order)."""
    from server.proto import live_pb2

    m = live_pb2.LivePlan(
        plan_id=plan_id,
        version=plan.version,
        dimensions=list(plan.dimensions),
        now=plan.now,
        slowdowns=[slowdown_msg(s) for s in plan.slowdowns],
        circuity=plan.circuity,
    )
    add_job, add_vehicle = m.jobs.add, m.vehicles.add
    for j in plan.jobs.values():
        fill_job(add_job(), j)
    for v in plan.vehicles.values():
        fill_vehicle(add_vehicle(), v)
    return m


def warning_msg(w: Any) -> Any:
    """The message of an :class:`engine.live.RiskWarning`."""
    from server.proto import live_pb2

    return live_pb2.RiskWarning(
        kind=w.kind, vehicle_id=w.vehicle_id, job_id=w.job_id or "",
        predicted_time=w.predicted_time, margin=w.margin, message=w.message,
    )  # fmt: skip


def plan_view(plan: Any, plan_id: str, fc: Any, msg: Any = None) -> Any:
    """A ``PlanView``: the plan (``msg`` if already converted) and its forecast."""
    from server.proto import live_pb2

    return live_pb2.PlanView(
        plan=live_plan_msg(plan, plan_id) if msg is None else msg,
        etas=[
            live_pb2.StopEta(
                vehicle_id=s.vehicle_id, position=s.position, job_id=s.job_id,
                arrival=s.arrival, service_start=s.service_start, departure=s.departure,
                late_s=s.late_s,
            )
            for f in fc.vehicles.values()
            for s in f.stops
        ],
        warnings=[warning_msg(w) for w in fc.warnings],
        late_stops=fc.late_stops,
        total_lateness_s=fc.total_lateness_s,
        remaining_distance_m=fc.distance_m,
    )  # fmt: skip


def position(msg: Any, t: int) -> Any:
    """An :class:`engine.live.PositionUpdate` from its message."""
    from engine.live import PositionUpdate

    return PositionUpdate(
        t=t,
        vehicle_id=msg.vehicle_id,
        lat=finite("position.lat", msg.lat),
        lon=finite("position.lon", msg.lon),
        served=tuple(msg.served),
        driving_since_break_s=_opt(msg, "driving_since_break_s"),
        busy_until=_opt(msg, "busy_until"),
    )


def event(msg: Any) -> Any:
    """An engine live event from an ``Event`` message."""
    from engine.live import (
        Breakdown,
        CancelJob,
        ChangeJob,
        NewJob,
        Traffic,
        VehicleAvailable,
        VehicleDelayed,
    )

    t = msg.t
    kind = msg.WhichOneof("kind")
    if kind == "new_job":
        pair = live_job(msg.new_job.pair_job) if msg.new_job.HasField("pair_job") else None
        return NewJob(t, live_job(msg.new_job.job), pair)
    if kind == "cancel_job":
        return CancelJob(t, msg.cancel_job)
    if kind == "change_job":
        c = msg.change_job
        windows = (
            tuple((w.start, w.end) for w in c.windows.windows) if c.HasField("windows") else None
        )
        amounts = tuple(c.amounts.values) if c.HasField("amounts") else None
        return ChangeJob(t, c.job_id, windows, amounts)
    if kind == "traffic":
        return Traffic(t, slowdown(msg.traffic))
    if kind == "vehicle_delayed":
        return VehicleDelayed(t, msg.vehicle_delayed.vehicle_id, msg.vehicle_delayed.delay_s)
    if kind == "breakdown":
        return Breakdown(t, msg.breakdown)
    if kind == "vehicle_available":
        a = msg.vehicle_available
        if a.HasField("vehicle"):
            return VehicleAvailable(t, vehicle=live_vehicle(a.vehicle))
        return VehicleAvailable(t, vehicle_id=a.vehicle_id or None)
    if kind == "position":
        return position(msg.position, t)
    raise InvalidInputError.at("events.kind", "event without a kind")
