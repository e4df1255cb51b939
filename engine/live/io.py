"""JSON form of live plans and events (for the CLI, storage and the gRPC service).

Plans round-trip exactly: ``plan_from_dict(plan_to_dict(p))`` equals ``p``. Events are
dicts with a ``type`` (``new_job``, ``cancel_job``, ``change_job``, ``traffic``,
``vehicle_delayed``, ``breakdown``, ``vehicle_available``, ``position``) and the fields
of the matching class of :mod:`engine.live.events`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any

from engine.errors import InvalidInputError
from engine.live.events import (
    Breakdown,
    CancelJob,
    ChangeJob,
    Event,
    NewJob,
    PositionUpdate,
    Traffic,
    VehicleAvailable,
    VehicleDelayed,
)
from engine.live.state import LiveJob, LivePlan, LiveVehicle, Slowdown

FORMAT_VERSION = 1


def _job_dict(j: LiveJob) -> dict[str, Any]:
    d = asdict(j)
    d["amounts"] = list(j.amounts)
    d["windows"] = [list(w) for w in j.windows]
    d["skills"] = sorted(j.skills)
    return d


def _vehicle_dict(v: LiveVehicle) -> dict[str, Any]:
    d = asdict(v)
    d["capacity"] = list(v.capacity)
    d["on_board"] = list(v.on_board)
    d["skills"] = sorted(v.skills)
    return d


def _slowdown_dict(s: Slowdown) -> dict[str, Any]:
    area: Any = None
    if s.area is not None:
        area = (
            ["circle", *s.area[1:]]
            if s.area[0] == "circle"
            else ["polygon", [list(p) for p in s.area[1]]]  # type: ignore[attr-defined]
        )
    return {
        "factor": s.factor,
        "start": s.start,
        "end": s.end,
        "area": area,
        "leg": None if s.leg is None else list(s.leg),
    }


def plan_to_dict(plan: LivePlan) -> dict[str, Any]:
    """The plan as plain JSON-able data."""
    return {
        "format": FORMAT_VERSION,
        "dimensions": list(plan.dimensions),
        "now": plan.now,
        "circuity": plan.circuity,
        "version": plan.version,
        "jobs": [_job_dict(j) for j in plan.jobs.values()],
        "vehicles": [_vehicle_dict(v) for v in plan.vehicles.values()],
        "slowdowns": [_slowdown_dict(s) for s in plan.slowdowns],
    }


def _need(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise InvalidInputError.at(f"{where}.{key}", "missing required field")
    return d[key]


def job_from_dict(d: Mapping[str, Any], where: str = "job") -> LiveJob:
    """A :class:`LiveJob` from its dict form.

    Raises
    ------
    InvalidInputError
        Missing or malformed fields, naming the field.
    """
    try:
        return LiveJob(
            job_id=str(_need(d, "job_id", where)),
            kind=str(d.get("kind", "delivery")),
            lat=float(_need(d, "lat", where)),
            lon=float(_need(d, "lon", where)),
            amounts=tuple(int(a) for a in _need(d, "amounts", where)),
            service_s=int(d.get("service_s", 0)),
            windows=tuple((int(a), int(b)) for a, b in d.get("windows", ())),
            pair=None if d.get("pair") is None else str(d["pair"]),
            skills=frozenset(str(s) for s in d.get("skills", ())),
            required=bool(d.get("required", True)),
            penalty=int(d.get("penalty", 0)),
            status=str(d.get("status", "pending")),
            served_at=None if d.get("served_at") is None else int(d["served_at"]),
            promised=bool(d.get("promised", False)),
        )
    except InvalidInputError:
        raise
    except (TypeError, ValueError) as e:
        raise InvalidInputError.at(where, f"malformed job: {e}") from e


def vehicle_from_dict(d: Mapping[str, Any], where: str = "vehicle") -> LiveVehicle:
    """A :class:`LiveVehicle` from its dict form.

    Raises
    ------
    InvalidInputError
        Missing or malformed fields, naming the field.
    """
    names = {f.name for f in fields(LiveVehicle)}
    unknown = set(d) - names
    if unknown:
        raise InvalidInputError.at(where, f"unknown field(s) {sorted(unknown)}")
    for req in ("vehicle_id", "profile", "capacity", "lat", "lon"):
        _need(d, req, where)
    try:
        kw = dict(d)
        kw["capacity"] = tuple(int(c) for c in d["capacity"])
        kw["on_board"] = tuple(int(c) for c in d.get("on_board", ()))
        kw["skills"] = frozenset(str(s) for s in d.get("skills", ()))
        kw["route"] = [str(j) for j in d.get("route", ())]
        kw["served"] = [str(j) for j in d.get("served", ())]
        for k in ("depot_lat", "depot_lon", "end_lat", "end_lon"):
            kw.setdefault(k, d["lat"] if "lat" in k else d["lon"])
        kw.setdefault("shift_start", int(d.get("position_time", 0)))
        kw.setdefault("shift_end", int(kw["shift_start"]) + 12 * 3600)
        kw.setdefault("position_time", int(kw["shift_start"]))
        return LiveVehicle(**kw)
    except InvalidInputError:
        raise
    except (TypeError, ValueError) as e:
        raise InvalidInputError.at(where, f"malformed vehicle: {e}") from e


def _slowdown_from_dict(d: Mapping[str, Any], where: str) -> Slowdown:
    area = d.get("area")
    area_t: tuple[object, ...] | None = None
    if area is not None:
        if area[0] == "circle":
            area_t = ("circle", float(area[1]), float(area[2]), float(area[3]))
        else:
            area_t = ("polygon", tuple((float(p[0]), float(p[1])) for p in area[1]))
    leg = d.get("leg")
    return Slowdown(
        factor=float(_need(d, "factor", where)),
        start=int(_need(d, "start", where)),
        end=int(_need(d, "end", where)),
        area=area_t,
        leg=None if leg is None else (str(leg[0]), str(leg[1])),
    )


def plan_from_dict(d: Mapping[str, Any]) -> LivePlan:
    """A plan from :func:`plan_to_dict` output (validated).

    Raises
    ------
    InvalidInputError
        Unknown format version, missing fields or broken invariants.
    """
    if not isinstance(d, Mapping):
        raise InvalidInputError.at(
            "plan", f"expected a plan object (written by yunli replan), found {type(d).__name__}"
        )
    if d.get("format") != FORMAT_VERSION:
        raise InvalidInputError.at("format", f"expected {FORMAT_VERSION}, got {d.get('format')!r}")
    try:
        return _plan_from_dict(d)
    except InvalidInputError:
        raise
    except (TypeError, ValueError, AttributeError, IndexError, KeyError) as e:
        raise InvalidInputError.at("plan", f"malformed plan: {type(e).__name__}: {e}") from None


def _plan_from_dict(d: Mapping[str, Any]) -> LivePlan:
    jobs = [job_from_dict(j, f"jobs[{i}]") for i, j in enumerate(_need(d, "jobs", "plan"))]
    vehicles = [
        vehicle_from_dict(v, f"vehicles[{i}]") for i, v in enumerate(_need(d, "vehicles", "plan"))
    ]
    return LivePlan(
        dimensions=tuple(str(x) for x in _need(d, "dimensions", "plan")),
        jobs={j.job_id: j for j in jobs},
        vehicles={v.vehicle_id: v for v in vehicles},
        now=int(_need(d, "now", "plan")),
        slowdowns=[
            _slowdown_from_dict(s, f"slowdowns[{i}]") for i, s in enumerate(d.get("slowdowns", ()))
        ],
        circuity=float(d.get("circuity", 1.3)),
        version=int(d.get("version", 0)),
    )


def event_from_dict(d: Mapping[str, Any], where: str = "event") -> Event:
    """One event from its dict form (see the module docstring).

    Raises
    ------
    InvalidInputError
        Unknown type, missing or malformed fields, naming the field.
    """
    if not isinstance(d, Mapping):
        raise InvalidInputError.at(where, f"expected an event object, found {type(d).__name__}")
    kind = _need(d, "type", where)
    t = _instant(_need(d, "t", where), f"{where}.t")
    try:
        if kind == "new_job":
            pair = d.get("pair_job")
            return NewJob(
                t,
                job_from_dict(_need(d, "job", where), f"{where}.job"),
                None if pair is None else job_from_dict(pair, f"{where}.pair_job"),
            )
        if kind == "cancel_job":
            return CancelJob(t, str(_need(d, "job_id", where)))
        if kind == "change_job":
            w = d.get("windows")
            a = d.get("amounts")
            return ChangeJob(
                t,
                str(_need(d, "job_id", where)),
                None if w is None else tuple((int(x), int(y)) for x, y in w),
                None if a is None else tuple(int(x) for x in a),
            )
        if kind == "traffic":
            return Traffic(t, _slowdown_from_dict(_need(d, "slowdown", where), f"{where}.slowdown"))
        if kind == "vehicle_delayed":
            return VehicleDelayed(
                t, str(_need(d, "vehicle_id", where)), int(_need(d, "delay_s", where))
            )
        if kind == "breakdown":
            return Breakdown(t, str(_need(d, "vehicle_id", where)))
        if kind == "vehicle_available":
            v = d.get("vehicle")
            return VehicleAvailable(
                t,
                vehicle=None if v is None else vehicle_from_dict(v, f"{where}.vehicle"),
                vehicle_id=None if d.get("vehicle_id") is None else str(d["vehicle_id"]),
            )
        if kind == "position":
            return PositionUpdate(
                t,
                str(_need(d, "vehicle_id", where)),
                float(_need(d, "lat", where)),
                float(_need(d, "lon", where)),
                served=tuple(str(j) for j in d.get("served", ())),
                driving_since_break_s=(
                    None
                    if d.get("driving_since_break_s") is None
                    else int(d["driving_since_break_s"])
                ),
                busy_until=None if d.get("busy_until") is None else int(d["busy_until"]),
            )
    except InvalidInputError:
        raise
    except (TypeError, ValueError, IndexError) as e:
        raise InvalidInputError.at(where, f"malformed {kind} event: {e}") from e
    raise InvalidInputError.at(f"{where}.type", f"unknown event type {kind!r}")


def _instant(v: Any, field: str) -> int:
    """An instant in whole Unix seconds (integers, or integral numbers)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InvalidInputError.at(field, f"{v!r} is not a time in Unix seconds")
    if isinstance(v, float) and (not math.isfinite(v) or v != int(v)):
        raise InvalidInputError.at(field, f"{v!r} is not a whole number of Unix seconds")
    return int(v)


def events_from_dicts(items: Sequence[Mapping[str, Any]]) -> list[Event]:
    """Events from a list of dicts, in the given order.

    Raises
    ------
    InvalidInputError
        If ``items`` is not a list, or an event is malformed (naming ``events[i].field``).
    """
    if not isinstance(items, list | tuple):
        raise InvalidInputError.at(
            "events", f"expected a JSON list of events, found {type(items).__name__}"
        )
    return [event_from_dict(d, f"events[{i}]") for i, d in enumerate(items)]
