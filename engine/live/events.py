"""Events that change a live plan, validated and applied as one atomic batch.

:func:`apply_events` applies a batch to a copy of the plan; only when every event
is valid is the copy swapped in. A rejected batch raises a typed error and leaves
the plan exactly as it was.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.errors import InvalidInputError, NotFoundError
from engine.live.eta import leg_metres
from engine.live.state import LiveJob, LivePlan, LiveVehicle, Slowdown

#: Fastest believable speed between two position reports (km/h); faster is a GPS jump.
MAX_PLAUSIBLE_KMH = 150.0
#: Jumps shorter than this are GPS noise and always accepted (metres).
GPS_NOISE_M = 2_000


@dataclass(frozen=True, slots=True)
class NewJob:
    """A new job (or both halves of a new shipment: pass ``pair_job`` too)."""

    t: int
    job: LiveJob
    pair_job: LiveJob | None = None


@dataclass(frozen=True, slots=True)
class CancelJob:
    """A job cancelled (a shipment's halves are cancelled together)."""

    t: int
    job_id: str


@dataclass(frozen=True, slots=True)
class ChangeJob:
    """A job's time windows and/or amounts changed."""

    t: int
    job_id: str
    windows: tuple[tuple[int, int], ...] | None = None
    amounts: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Traffic:
    """A traffic slowdown on an area or a leg, for a time interval."""

    t: int
    slowdown: Slowdown


@dataclass(frozen=True, slots=True)
class VehicleDelayed:
    """A vehicle held up for ``delay_s`` seconds from ``t`` (cleared by its next position)."""

    t: int
    vehicle_id: str
    delay_s: int


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A vehicle broke down: its pending jobs go back to the pool, except cargo on board,
    which stays with it and is flagged."""

    t: int
    vehicle_id: str


@dataclass(frozen=True, slots=True)
class VehicleAvailable:
    """A vehicle (new, off duty or repaired) becomes available at its position."""

    t: int
    vehicle: LiveVehicle | None = None
    vehicle_id: str | None = None


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    """A vehicle reports its position; ``served`` lists stops completed since its last
    report (in order), ``driving_since_break_s`` its tachograph reading if known, and
    ``busy_until`` when it will be free to drive on (still serving or waiting at a stop)."""

    t: int
    vehicle_id: str
    lat: float
    lon: float
    served: tuple[str, ...] = ()
    driving_since_break_s: int | None = None
    busy_until: int | None = None


Event = (
    NewJob
    | CancelJob
    | ChangeJob
    | Traffic
    | VehicleDelayed
    | Breakdown
    | VehicleAvailable
    | PositionUpdate
)


@dataclass
class ApplyReport:
    """What a batch did: jobs released from broken vehicles, flagged cargo, touched vehicles."""

    released_jobs: list[str] = field(default_factory=list)
    stranded_cargo: dict[str, list[str]] = field(default_factory=dict)
    touched_vehicles: set[str] = field(default_factory=set)
    needs_replan: bool = False


def _vehicle(plan: LivePlan, vid: str, field_name: str = "vehicle_id") -> LiveVehicle:
    """The vehicle, made writable in the batch's working copy (copy on first write)."""
    try:
        v = plan.vehicles[vid]
    except KeyError:
        raise NotFoundError(f"{field_name}: unknown vehicle {vid!r}") from None
    key = "v:" + vid
    if key not in plan.touched:
        v = copy.copy(v)
        v.route, v.served = list(v.route), list(v.served)
        plan.vehicles[vid] = v
        plan.touched.add(key)
    return v


def _job(plan: LivePlan, jid: str, field_name: str = "job_id") -> LiveJob:
    """The job, made writable in the batch's working copy (copy on first write)."""
    try:
        j = plan.jobs[jid]
    except KeyError:
        raise NotFoundError(f"{field_name}: unknown job {jid!r}") from None
    key = "j:" + jid
    if key not in plan.touched:
        j = copy.copy(j)
        plan.jobs[jid] = j
        plan.touched.add(key)
    return j


def _check_coords(lat: float, lon: float, field_name: str) -> None:
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise InvalidInputError.at(f"{field_name}.lat", f"latitude {lat} is not in [-90, 90]")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise InvalidInputError.at(f"{field_name}.lon", f"longitude {lon} is not in [-180, 180]")


def _add_job(plan: LivePlan, job: LiveJob) -> None:
    if job.job_id in plan.jobs:
        raise InvalidInputError.at("job.job_id", "duplicate id", job.job_id)
    _check_coords(job.lat, job.lon, "job")
    if len(job.amounts) != len(plan.dimensions) or any(a < 0 for a in job.amounts):
        raise InvalidInputError.at(
            "job.amounts", f"need {len(plan.dimensions)} non-negative amounts", job.job_id
        )
    for a, b in job.windows:
        if a > b:
            raise InvalidInputError.at("job.windows", f"inverted window ({a}, {b})", job.job_id)
    if job.service_s < 0:
        raise InvalidInputError.at("job.service_s", "must be >= 0", job.job_id)
    job = copy.copy(job)  # never alias the caller's event objects
    job.status = "pending"
    plan.jobs[job.job_id] = job
    plan.touched.add("j:" + job.job_id)


def _serve(plan: LivePlan, v: LiveVehicle, jid: str, t: int) -> None:
    job = _job(plan, jid, "served")
    if jid not in v.route:
        raise InvalidInputError.at(
            "served", f"job {jid!r} is not on vehicle {v.vehicle_id!r}'s pending route"
        )
    if job.kind == "shipment_delivery" and job.pair not in v.served:
        raise InvalidInputError.at("served", f"delivery {jid!r} served before its pickup")
    _depart(plan, v)
    v.route.remove(jid)
    v.served.append(jid)
    job.status, job.served_at = "served", t
    sign = -1 if job.kind in ("delivery", "shipment_delivery") else 1
    v.on_board = tuple(x + sign * a for x, a in zip(v.on_board, job.amounts, strict=True))


def _depart(plan: LivePlan, v: LiveVehicle) -> None:
    """``v`` leaves its depot: the deliveries on its route are loaded and become on board."""
    if v.departed:
        return
    load = list(v.on_board)
    for jid in v.route:
        job = plan.jobs[jid]
        if job.kind == "delivery":
            load = [x + a for x, a in zip(load, job.amounts, strict=True)]
    v.on_board = tuple(load)
    v.departed = True


def _apply_one(plan: LivePlan, ev: Event, rep: ApplyReport) -> None:
    if isinstance(ev, NewJob):
        _add_job(plan, ev.job)
        if ev.pair_job is not None:
            _add_job(plan, ev.pair_job)
            pick, drop = _job(plan, ev.job.job_id), _job(plan, ev.pair_job.job_id)
            pick.pair, drop.pair = drop.job_id, pick.job_id
            pick.kind, drop.kind = "shipment_pickup", "shipment_delivery"
        elif ev.job.kind.startswith("shipment"):
            raise InvalidInputError.at("job.kind", "a shipment needs its pair_job", ev.job.job_id)
        rep.needs_replan = True
    elif isinstance(ev, CancelJob):
        job = _job(plan, ev.job_id)
        ids = [ev.job_id] + ([job.pair] if job.pair else [])
        for jid in ids:
            j = plan.jobs[jid]
            if j.status == "served":
                raise InvalidInputError.at(
                    "job_id", f"job {jid!r} was already served at {j.served_at}; cannot cancel"
                )
            if j.status == "cancelled":
                raise InvalidInputError.at("job_id", f"job {jid!r} is already cancelled")
            v = plan.vehicle_of(jid)
            if v is not None and v.departed and j.kind == "delivery":
                raise InvalidInputError.at(
                    "job_id", f"delivery {jid!r} is on board {v.vehicle_id!r}; cannot cancel"
                )
        for jid in ids:
            _job(plan, jid).status = "cancelled"
            owner = plan.vehicle_of(jid)
            if owner is not None and jid in owner.route:
                _vehicle(plan, owner.vehicle_id).route.remove(jid)
                rep.touched_vehicles.add(owner.vehicle_id)
        rep.needs_replan = True
    elif isinstance(ev, ChangeJob):
        job = _job(plan, ev.job_id)
        if job.status != "pending":
            raise InvalidInputError.at(
                "job_id", f"job {ev.job_id!r} is {job.status}; cannot change"
            )
        if ev.windows is not None:
            for a, b in ev.windows:
                if a > b:
                    raise InvalidInputError.at("windows", f"inverted window ({a}, {b})", ev.job_id)
            job.windows = tuple(sorted(ev.windows))
        if ev.amounts is not None:
            if len(ev.amounts) != len(plan.dimensions) or any(a < 0 for a in ev.amounts):
                raise InvalidInputError.at("amounts", "need one non-negative amount per dimension")
            owner = plan.vehicle_of(ev.job_id)
            if owner is not None and ev.job_id in plan.committed(owner):
                # Cargo on board changed (re-weighed): the load on board changes too.
                v = _vehicle(plan, owner.vehicle_id)
                delta = [n - o for n, o in zip(ev.amounts, job.amounts, strict=True)]
                v.on_board = tuple(x + d for x, d in zip(v.on_board, delta, strict=True))
            job.amounts = tuple(ev.amounts)
        owner = plan.vehicle_of(ev.job_id)
        if owner is not None:
            rep.touched_vehicles.add(owner.vehicle_id)
        rep.needs_replan = True
    elif isinstance(ev, Traffic):
        s = ev.slowdown
        if not (math.isfinite(s.factor) and s.factor >= 1.0):
            raise InvalidInputError.at("slowdown.factor", f"must be >= 1, got {s.factor}")
        if s.start > s.end:
            raise InvalidInputError.at("slowdown.end", f"inverted interval ({s.start}, {s.end})")
        if (s.area is None) == (s.leg is None):
            raise InvalidInputError.at("slowdown", "give exactly one of area and leg")
        if s.area is not None:
            if s.area[0] == "circle" and len(s.area) == 4:
                _check_coords(float(s.area[1]), float(s.area[2]), "slowdown.area")  # type: ignore[arg-type]
                if not float(s.area[3]) > 0:  # type: ignore[arg-type]
                    raise InvalidInputError.at("slowdown.area", "radius must be > 0")
            elif s.area[0] == "polygon" and len(s.area) == 2 and len(s.area[1]) >= 3:  # type: ignore[arg-type]
                for p in s.area[1]:  # type: ignore[attr-defined]
                    _check_coords(float(p[0]), float(p[1]), "slowdown.area")
            else:
                raise InvalidInputError.at(
                    "slowdown.area", "use ('circle', lat, lon, radius_m) or ('polygon', points≥3)"
                )
        if s.leg is not None:
            for jid in s.leg:
                if not jid.startswith("@"):
                    _job(plan, jid, "slowdown.leg")
        plan.slowdowns.append(s)
        rep.needs_replan = True
    elif isinstance(ev, VehicleDelayed):
        v = _vehicle(plan, ev.vehicle_id)
        if ev.delay_s < 0:
            raise InvalidInputError.at("delay_s", f"must be >= 0, got {ev.delay_s}")
        v.delay_s += ev.delay_s
        rep.touched_vehicles.add(v.vehicle_id)
        rep.needs_replan = True
    elif isinstance(ev, Breakdown):
        v = _vehicle(plan, ev.vehicle_id)
        if v.status == "broken":
            raise InvalidInputError.at("vehicle_id", f"vehicle {v.vehicle_id!r} is already broken")
        keep = plan.committed(v)
        released = [j for j in v.route if j not in keep]
        # A shipment pickup released takes its delivery along (still pending, not on board).
        v.route = [j for j in v.route if j in keep]
        v.status, v.en_route = "broken", False
        rep.released_jobs += released
        if keep:
            rep.stranded_cargo[v.vehicle_id] = sorted(keep)
        rep.touched_vehicles.add(v.vehicle_id)
        rep.needs_replan = True
    elif isinstance(ev, VehicleAvailable):
        if ev.vehicle is not None:
            nv = copy.copy(ev.vehicle)
            nv.route, nv.served = list(nv.route), list(nv.served)
            if nv.vehicle_id in plan.vehicles:
                raise InvalidInputError.at("vehicle.vehicle_id", "duplicate id", nv.vehicle_id)
            _check_coords(nv.lat, nv.lon, "vehicle")
            if len(nv.capacity) != len(plan.dimensions) or any(c <= 0 for c in nv.capacity):
                raise InvalidInputError.at(
                    "vehicle.capacity", "need one positive capacity per dimension", nv.vehicle_id
                )
            nv.on_board = nv.on_board or (0,) * len(plan.dimensions)
            nv.status = "active"
            nv.position_time = max(nv.position_time, ev.t)
            plan.vehicles[nv.vehicle_id] = nv
            plan.touched.add("v:" + nv.vehicle_id)
        elif ev.vehicle_id is not None:
            v = _vehicle(plan, ev.vehicle_id)
            v.status = "active"
            v.position_time = max(v.position_time, ev.t)
        else:
            raise InvalidInputError.at("vehicle", "give a vehicle or a vehicle_id")
        rep.needs_replan = True
    elif isinstance(ev, PositionUpdate):
        v = _vehicle(plan, ev.vehicle_id)
        _check_coords(ev.lat, ev.lon, "position")
        if ev.t < v.position_time:
            raise InvalidInputError.at(
                "position.t", f"report at {ev.t} is older than the last one ({v.position_time})"
            )
        jump = leg_metres((v.lat, v.lon), (ev.lat, ev.lon), 1.0)
        dt = ev.t - v.position_time
        if jump > GPS_NOISE_M and jump > MAX_PLAUSIBLE_KMH / 3.6 * max(dt, 1):
            raise InvalidInputError.at(
                "position",
                f"impossible jump of {jump / 1000:.1f} km in {dt} s for vehicle {v.vehicle_id!r}",
            )
        if jump > GPS_NOISE_M:
            _depart(plan, v)
        for jid in ev.served:
            _serve(plan, v, jid, ev.t)
        if ev.driving_since_break_s is not None:
            if ev.driving_since_break_s < 0:
                raise InvalidInputError.at("driving_since_break_s", "must be >= 0")
            v.driving_since_break_s = ev.driving_since_break_s
        elif jump > GPS_NOISE_M:
            v.driving_since_break_s += dt
        if ev.busy_until is not None and ev.busy_until < ev.t:
            raise InvalidInputError.at("position.busy_until", "is before the report time")
        v.lat, v.lon, v.position_time = ev.lat, ev.lon, ev.t
        v.delay_s = 0 if ev.busy_until is None else ev.busy_until - ev.t
        v.en_route = bool(v.route)
        rep.touched_vehicles.add(v.vehicle_id)
    else:  # pragma: no cover - exhaustive over Event
        raise InvalidInputError.at("event", f"unknown event type {type(ev).__name__}")


def apply_events(plan: LivePlan, events: Sequence[Event]) -> ApplyReport:
    """Apply ``events`` to ``plan`` atomically.

    Events must be in time order and not older than the plan's clock. The batch is
    applied to a copy that replaces the plan's state on success, so re-read
    ``plan.vehicles[id]`` / ``plan.jobs[id]`` after applying instead of keeping
    references to the old state objects.

    Raises
    ------
    InvalidInputError
        Invalid values, events out of time order, impossible positions, cancelling a
        served job…; the plan is unchanged.
    NotFoundError
        Unknown vehicle or job ids; the plan is unchanged.
    """
    if not events:
        raise InvalidInputError.at("events", "empty batch")
    work = copy.copy(plan)  # copy on write: only what the batch touches is copied
    work.jobs, work.vehicles = dict(plan.jobs), dict(plan.vehicles)
    work.slowdowns = list(plan.slowdowns)
    work.touched = set()
    rep = ApplyReport()
    last = plan.now
    for i, ev in enumerate(events):
        if ev.t < last:
            raise InvalidInputError.at(
                f"events[{i}].t", f"{ev.t} is before {last}: events must be in time order"
            )
        last = ev.t
        _apply_one(work, ev, rep)
    work.now = last
    work.version += 1
    work.check(only=work.touched)
    work.touched = set()
    plan.__dict__.update(work.__dict__)
    return rep
