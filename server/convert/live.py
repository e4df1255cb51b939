"""Live-plan messages ⇄ engine: plans, jobs, vehicles, slowdowns, events, forecasts and
re-plan results."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar, cast

from engine.errors import InvalidInputError
from server.convert.common import finite, opt
from server.proto import live_pb2

_T = TypeVar("_T")

if TYPE_CHECKING:
    from engine.live import (
        ApplyReport,
        Event,
        Forecast,
        LiveJob,
        LivePlan,
        LiveVehicle,
        PositionUpdate,
        ReplanResult,
        RiskWarning,
        Slowdown,
    )


def live_job(msg: live_pb2.LiveJob) -> LiveJob:
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
        served_at=opt(msg, "served_at"),
    )


def fill_job(m: live_pb2.LiveJob, j: LiveJob) -> None:
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


def live_job_msg(j: LiveJob) -> live_pb2.LiveJob:
    """The message of an :class:`engine.live.LiveJob`."""
    m = live_pb2.LiveJob()
    fill_job(m, j)
    return m


_VEHICLE_SCALARS = (
    "profile", "depot_lat", "depot_lon", "end_lat", "end_lon", "shift_start", "shift_end",
    "lat", "lon", "position_time", "max_duration_s", "cost_per_km", "cost_per_hour",
    "driving_since_break_s", "departed", "en_route", "status", "delay_s",
)  # fmt: skip


def live_vehicle(msg: live_pb2.LiveVehicle) -> LiveVehicle:
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


def fill_vehicle(m: live_pb2.LiveVehicle, v: LiveVehicle) -> None:
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


def live_vehicle_msg(v: LiveVehicle) -> live_pb2.LiveVehicle:
    """The message of an :class:`engine.live.LiveVehicle`."""
    m = live_pb2.LiveVehicle()
    fill_vehicle(m, v)
    return m


def slowdown(msg: live_pb2.Slowdown) -> Slowdown:
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


def slowdown_msg(s: Slowdown) -> live_pb2.Slowdown:
    """The message of an :class:`engine.live.Slowdown`."""
    m = live_pb2.Slowdown(factor=s.factor, start=s.start, end=s.end)
    # engine.live.Slowdown.area: ("circle", lat, lon, radius_m) or ("polygon", points)
    if s.area is not None and s.area[0] == "circle":
        _, lat, lon, radius = cast(tuple[str, float, float, float], s.area)
        m.circle.CopyFrom(live_pb2.Circle(lat=lat, lon=lon, radius_m=radius))
    elif s.area is not None:
        points = cast(tuple[str, tuple[tuple[float, float], ...]], s.area)[1]
        m.polygon.lats.extend(p[0] for p in points)
        m.polygon.lons.extend(p[1] for p in points)
    if s.leg is not None:
        m.leg_from, m.leg_to = s.leg
    return m


def _by_id(items: Iterable[_T], key: Callable[[_T], str], field: str) -> dict[str, _T]:
    """``items`` by id, in order; a repeated id is an :class:`InvalidInputError` on ``field``."""
    out: dict[str, _T] = {}
    for x in items:
        k = key(x)
        if k in out:
            raise InvalidInputError.at(field, "duplicate id", k)
        out[k] = x
    return out


def live_plan(msg: live_pb2.LivePlan) -> LivePlan:
    """An :class:`engine.live.LivePlan` from its message (invariants checked)."""
    from engine.live import LivePlan

    jobs = _by_id((live_job(j) for j in msg.jobs), lambda j: j.job_id, "jobs.job_id")
    vehicles = _by_id(
        (live_vehicle(v) for v in msg.vehicles), lambda v: v.vehicle_id, "vehicles.vehicle_id"
    )
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


def live_plan_msg(plan: LivePlan, plan_id: str) -> live_pb2.LivePlan:
    """The message of an :class:`engine.live.LivePlan` (jobs and vehicles in plan order)."""
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


def warning_msg(w: RiskWarning) -> live_pb2.RiskWarning:
    """The message of an :class:`engine.live.RiskWarning`."""
    return live_pb2.RiskWarning(
        kind=w.kind, vehicle_id=w.vehicle_id, job_id=w.job_id or "",
        predicted_time=w.predicted_time, margin=w.margin, message=w.message,
    )  # fmt: skip


def plan_view(
    plan: LivePlan, plan_id: str, fc: Forecast, msg: live_pb2.LivePlan | None = None
) -> live_pb2.PlanView:
    """A ``PlanView``: the plan (``msg`` if already converted) and its forecast."""
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


def position(msg: live_pb2.PositionUpdate, t: int) -> PositionUpdate:
    """An :class:`engine.live.PositionUpdate` from its message."""
    from engine.live import PositionUpdate

    return PositionUpdate(
        t=t,
        vehicle_id=msg.vehicle_id,
        lat=finite("position.lat", msg.lat),
        lon=finite("position.lon", msg.lon),
        served=tuple(msg.served),
        driving_since_break_s=opt(msg, "driving_since_break_s"),
        busy_until=opt(msg, "busy_until"),
    )


def event(msg: live_pb2.Event) -> Event:
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


def event_msg(ev: Event) -> live_pb2.Event:
    """The ``Event`` message of an engine live event (the inverse of :func:`event`)."""
    from engine.live import (
        Breakdown,
        CancelJob,
        ChangeJob,
        NewJob,
        PositionUpdate,
        Traffic,
        VehicleAvailable,
        VehicleDelayed,
    )

    m = live_pb2.Event(t=ev.t)
    if isinstance(ev, NewJob):
        m.new_job.job.CopyFrom(live_job_msg(ev.job))
        if ev.pair_job is not None:
            m.new_job.pair_job.CopyFrom(live_job_msg(ev.pair_job))
    elif isinstance(ev, CancelJob):
        m.cancel_job = ev.job_id
    elif isinstance(ev, ChangeJob):
        m.change_job.job_id = ev.job_id
        if ev.windows is not None:
            m.change_job.windows.SetInParent()
            for a, b in ev.windows:
                m.change_job.windows.windows.add(start=a, end=b)
        if ev.amounts is not None:
            m.change_job.amounts.SetInParent()
            m.change_job.amounts.values.extend(ev.amounts)
    elif isinstance(ev, Traffic):
        m.traffic.CopyFrom(slowdown_msg(ev.slowdown))
    elif isinstance(ev, VehicleDelayed):
        m.vehicle_delayed.vehicle_id, m.vehicle_delayed.delay_s = ev.vehicle_id, ev.delay_s
    elif isinstance(ev, Breakdown):
        m.breakdown = ev.vehicle_id
    elif isinstance(ev, VehicleAvailable):
        if ev.vehicle is not None:
            m.vehicle_available.vehicle.CopyFrom(live_vehicle_msg(ev.vehicle))
        else:
            m.vehicle_available.vehicle_id = ev.vehicle_id or ""
    elif isinstance(ev, PositionUpdate):
        p = m.position
        p.vehicle_id, p.lat, p.lon = ev.vehicle_id, ev.lat, ev.lon
        p.served.extend(ev.served)
        if ev.driving_since_break_s is not None:
            p.driving_since_break_s = ev.driving_since_break_s
        if ev.busy_until is not None:
            p.busy_until = ev.busy_until
    else:  # pragma: no cover - the Event union is closed
        raise InvalidInputError.at("events.kind", f"unknown event {type(ev).__name__}")
    return m


def plan_diff(res: ReplanResult) -> live_pb2.PlanDiff:
    """The message of a re-plan's :class:`engine.live.ReplanDiff`, with its runtime and cost."""
    d = res.diff
    return live_pb2.PlanDiff(
        moved=[
            live_pb2.JobMove(job_id=j, from_vehicle=a or "", to_vehicle=b or "")
            for j, (a, b) in d.moved.items()
        ],
        changed_vehicles=list(d.changed_vehicles),
        eta_changes=[live_pb2.EtaChange(job_id=j, change_s=s) for j, s in d.eta_changes.items()],
        distance_change_m=d.distance_change_m,
        late_stops_change=d.late_stops_change,
        lateness_change_s=d.lateness_change_s,
        unassigned=dict(d.unassigned),
        runtime_s=res.runtime_s,
        cost=res.cost,
        feasible=res.feasible,
        infeasible=[
            live_pb2.UnservedJob(job_id=u.job_id, constraint=u.constraint, detail=u.detail)
            for u in res.infeasible.values()
        ],
        kept_current=res.kept_current,
    )


def apply_response(
    view: live_pb2.PlanView, report: ApplyReport | None, res: ReplanResult | None
) -> live_pb2.ApplyEventsResponse:
    """The answer of ``ApplyEvents``: the new view, the jobs released and the cargo
    stranded by the events (``report``), and the re-plan's diff (``res``, if re-planned)."""
    out = live_pb2.ApplyEventsResponse()
    if res is not None:
        out.diff.CopyFrom(plan_diff(res))
    if report is not None:
        out.released_jobs.extend(report.released_jobs)
        for vid, jobs in report.stranded_cargo.items():
            out.stranded_cargo[vid].ids.extend(jobs)
    out.view.CopyFrom(view)
    return out


def plan_update(view: live_pb2.PlanView) -> live_pb2.PlanUpdate:
    """A ``Subscribe`` update carrying ``view``."""
    return live_pb2.PlanUpdate(view=view)


def positions_response(
    accepted: int, version: int | None, warnings: Iterable[RiskWarning]
) -> live_pb2.ReportPositionsResponse:
    """The answer of ``ReportPositions``: reports accepted, and the last plan's version and
    risk warnings for the last vehicle reported (``version`` None: no report)."""
    out = live_pb2.ReportPositionsResponse(accepted=accepted)
    if version is not None:
        out.version = version
        out.warnings.extend(warning_msg(w) for w in warnings)
    return out
