"""Routing messages ⇄ engine: problems, solutions, progress events and load plans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from engine.errors import InvalidInputError
from server.convert.common import check_count, finite, opt, windows
from server.proto import routing_pb2

if TYPE_CHECKING:
    from engine.routing import Problem, Solution
    from engine.routing.loadplan import LoadPlan


def _coord(field: str, msg: routing_pb2.Site, name: str) -> float | None:
    v = opt(msg, name)
    return None if v is None else finite(field, v)


def problem(msg: routing_pb2.Problem, max_jobs: int, max_types: int = 1_000) -> Problem:
    """A validated :class:`engine.routing.Problem` from a ``yunli.v1.Problem``.

    Raises
    ------
    InvalidInputError
        Too many sites, jobs or vehicle types, NaN coordinates, a matrix of the wrong
        size, or anything :class:`engine.routing.Model` rejects (named by field).
    """
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
            max_duration=opt(v, "max_duration"),
            max_distance=opt(v, "max_distance"),
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
            time_windows=windows(j.time_windows) or None,
            skills=list(j.skills),
            priority=j.priority,
            required=j.required if j.HasField("required") else True,
            penalty=j.penalty,
            name=j.name or None,
        )
    for sh in msg.shipments:
        m.add_shipment(
            sh.pickup_site,
            sh.delivery_site,
            amount=list(sh.amount),
            pickup_service=sh.pickup_service,
            delivery_service=sh.delivery_service,
            pickup_windows=windows(sh.pickup_windows) or None,
            delivery_windows=windows(sh.delivery_windows) or None,
            skills=list(sh.skills),
            priority=sh.priority,
            required=sh.required if sh.HasField("required") else True,
            penalty=sh.penalty,
            name=sh.name or None,
        )
    if msg.HasField("matrix"):
        n = len(msg.sites)
        mx = msg.matrix

        def square(field: str, values: Sequence[int]) -> npt.NDArray[np.int64]:
            if len(values) != n * n:
                raise InvalidInputError.at(
                    field, f"{len(values)} values for {n} sites (need {n}×{n} = {n * n})"
                )
            return np.asarray(values, dtype=np.int64).reshape(n, n)

        dist = square("matrix.distance", mx.distance)
        durs = {d.profile: square("matrix.durations", d.values) for d in mx.durations}
        m.set_matrix(dist, durs or None)
    return m.data(name=msg.name)


def solution(sol: Solution, time_limit: float) -> routing_pb2.OptimizeResponse:
    """A ``yunli.v1.OptimizeResponse`` from an :class:`engine.routing.Solution`."""
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


def progress_event(elapsed_s: float, objective: float) -> routing_pb2.OptimizeEvent:
    """An ``OptimizeStream`` progress event: a better solution was found."""
    return routing_pb2.OptimizeEvent(
        progress=routing_pb2.OptimizeProgress(elapsed_s=elapsed_s, objective=objective)
    )


def result_event(response: bytes) -> routing_pb2.OptimizeEvent:
    """The last ``OptimizeStream`` event: the serialized ``OptimizeResponse``."""
    return routing_pb2.OptimizeEvent(result=routing_pb2.OptimizeResponse.FromString(response))


#: ``PlanObjective`` values and the objective of :func:`engine.routing.loadplan.plan_loads`.
_PLAN_OBJECTIVES: dict[int, Literal["cost", "count"]] = {0: "cost", 1: "cost", 2: "count"}


def plan_loads_request(
    req: routing_pb2.PlanLoadsRequest, max_rows: int
) -> tuple[pl.DataFrame, pl.DataFrame, Literal["cost", "count"]]:
    """The shipments and fleet tables and the objective of a ``PlanLoadsRequest``.

    Raises
    ------
    InvalidInputError
        Too many shipments or vehicle types, or an unknown objective.
    """
    check_count("shipments", len(req.shipments), max_rows)
    check_count("fleet", len(req.fleet), max_rows)
    shipments = pl.DataFrame(
        {
            "shipment_id": [s.shipment_id for s in req.shipments],
            "weight_kg": [s.weight_kg for s in req.shipments],
            "volume_l": [s.volume_l for s in req.shipments],
            "pallets": [s.pallets if s.HasField("pallets") else None for s in req.shipments],
        },
        schema={"shipment_id": pl.String, "weight_kg": pl.Int64, "volume_l": pl.Int64,
                "pallets": pl.Int64},
    )  # fmt: skip
    fleet = pl.DataFrame(
        {
            "vehicle_type": [f.vehicle_type for f in req.fleet],
            "capacity_kg": [f.capacity_kg for f in req.fleet],
            "capacity_l": [f.capacity_l for f in req.fleet],
            "capacity_pallets": [
                f.capacity_pallets if f.HasField("capacity_pallets") else None
                for f in req.fleet
            ],
            "count": [f.count for f in req.fleet],
            "cost_fen": [f.cost_fen for f in req.fleet],
        },
        schema={"vehicle_type": pl.String, "capacity_kg": pl.Int64, "capacity_l": pl.Int64,
                "capacity_pallets": pl.Int64, "count": pl.Int64, "cost_fen": pl.Int64},
    )  # fmt: skip
    objective = _PLAN_OBJECTIVES.get(req.objective)
    if objective is None:
        raise InvalidInputError.at("objective", f"unknown value {req.objective}")
    return shipments, fleet, objective


def plan_loads_response(plan: LoadPlan) -> routing_pb2.PlanLoadsResponse:
    """A ``PlanLoadsResponse`` from a :class:`engine.routing.loadplan.LoadPlan`."""
    base = plan.baseline
    return routing_pb2.PlanLoadsResponse(
        objective=plan.objective,
        vehicles=[
            routing_pb2.LoadedVehicle(
                vehicle_id=v.vehicle_id,
                vehicle_type=v.vehicle_type,
                cost_fen=v.cost_fen,
                shipment_ids=[str(s) for s in v.shipment_ids],
                load=v.load,
                capacity={d: c for d, c in v.capacity.items() if c is not None},
                load_factor={d: f for d, f in v.load_factor.items() if f is not None},
            )
            for v in plan.vehicles
        ],
        unplaced=[
            routing_pb2.UnplacedShipment(shipment_id=str(u.shipment_id), reason=u.reason)
            for u in plan.unplaced
        ],
        total_cost_fen=plan.total_cost_fen,
        num_vehicles=plan.num_vehicles,
        lower_bound=plan.lower_bound,
        proven_optimal=plan.proven_optimal,
        method=plan.method,
        wall_time_s=plan.wall_time_s,
        first_fit_decreasing=routing_pb2.PlanBaseline(
            total_cost_fen=base.total_cost_fen,
            num_vehicles=base.num_vehicles,
            unplaced=len(base.unplaced),
        ),
    )
