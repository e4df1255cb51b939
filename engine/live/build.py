"""Build a live plan from a routing solution (the morning plan) or from scratch."""

from __future__ import annotations

from engine.errors import InvalidInputError
from engine.live.state import LiveJob, LivePlan, LiveVehicle
from engine.routing.solve import Solution


def plan_from_solution(
    solution: Solution,
    *,
    now: int | None = None,
    vehicle_ids: list[str] | None = None,
    circuity: float = 1.3,
) -> LivePlan:
    """Turn a routing solution on geographic sites into a live plan.

    Each route becomes a vehicle (named after its vehicle type and route number unless
    ``vehicle_ids`` is given) at its start depot at the start of its shift; vehicles of
    a type left unused become idle vehicles at their depot. Job ids are the problem's
    job names.

    Raises
    ------
    InvalidInputError
        Sites without latitude/longitude (benchmark instances on a plane).
    """
    p = solution.problem
    if any(s.lat is None or s.lon is None for s in p.sites):
        raise InvalidInputError.at("sites", "a live plan needs latitude/longitude on every site")
    jobs: dict[str, LiveJob] = {}
    for j in p.jobs:
        kind = (
            j.kind
            if j.kind in ("shipment_pickup", "shipment_delivery")
            else ("pickup" if any(j.pickup) and not any(j.delivery) else "delivery")
        )
        amounts = j.pickup if kind in ("pickup", "shipment_pickup") else j.delivery
        jobs[j.name] = LiveJob(
            job_id=j.name,
            kind=kind,
            lat=float(j.site.lat),  # type: ignore[arg-type]
            lon=float(j.site.lon),  # type: ignore[arg-type]
            amounts=tuple(amounts),
            service_s=j.service,
            windows=tuple(j.time_windows),
            pair=None if j.pair is None else p.jobs[j.pair].name,
            skills=j.skills,
            required=j.required,
            penalty=j.penalty,
            promised=any(j.index in r.jobs for r in solution.routes),
        )
    vehicles: dict[str, LiveVehicle] = {}
    used = [0] * len(p.vehicle_types)
    slots: list[tuple[int, list[str]]] = [
        (r.vehicle_type, [p.jobs[j].name for j in r.jobs]) for r in solution.routes
    ]
    for k, t in enumerate(p.vehicle_types):
        used[k] = sum(1 for kk, _ in slots if kk == k)
        slots += [(k, [])] * max(0, min(t.num_available, 1_000) - used[k])
    if vehicle_ids is not None and len(vehicle_ids) < len(slots):
        raise InvalidInputError.at("vehicle_ids", f"need {len(slots)} ids, got {len(vehicle_ids)}")
    t_now = min(t.shift[0] for t in p.vehicle_types) if now is None else now
    for i, (k, route) in enumerate(slots):
        t = p.vehicle_types[k]
        vid = vehicle_ids[i] if vehicle_ids is not None else f"{t.name or 'v'}-{i + 1}"
        vehicles[vid] = LiveVehicle(
            vehicle_id=vid,
            profile=t.profile,
            capacity=t.capacity,
            depot_lat=float(t.start.lat),  # type: ignore[arg-type]
            depot_lon=float(t.start.lon),  # type: ignore[arg-type]
            end_lat=float(t.end.lat),  # type: ignore[arg-type]
            end_lon=float(t.end.lon),  # type: ignore[arg-type]
            shift_start=t.shift[0],
            shift_end=t.shift[1],
            lat=float(t.start.lat),  # type: ignore[arg-type]
            lon=float(t.start.lon),  # type: ignore[arg-type]
            position_time=max(t.shift[0], t_now),
            max_duration_s=min(t.max_duration, 10**9),
            skills=t.skills,
            cost_per_km=t.cost_per_km,
            cost_per_hour=t.cost_per_hour,
            route=route,
        )
    return LivePlan(
        dimensions=p.dimensions, jobs=jobs, vehicles=vehicles, now=t_now, circuity=circuity
    )
