"""Functions run in solver processes (see :mod:`server.solver_pool`).

They take and return serialized protobuf messages, so only bytes cross the process
boundary, and report engine errors as plain tuples (exception pickling would lose
the field an :class:`~engine.errors.InvalidInputError` names).
"""

from __future__ import annotations

import time
from typing import Any, Literal

from engine.errors import (
    InfeasibleError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    SolverTimeoutError,
    YunliError,
)

Outcome = tuple[str, Any]
_KINDS: dict[str, type[YunliError]] = {
    c.__name__: c
    for c in (InfeasibleError, InternalError, NotFoundError, SolverTimeoutError, YunliError)
}


def _error(e: YunliError) -> Outcome:
    if isinstance(e, InvalidInputError):
        return "invalid", (str(e), e.field, e.row_id, e.reason)
    return "error", (type(e).__name__, str(e))


def raise_outcome(outcome: Outcome) -> Any:
    """The value of a worker outcome, or its error raised again in this process."""
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "invalid":
        msg, field, row_id, reason = value
        raise InvalidInputError(msg, field=field, row_id=row_id, reason=reason)
    name, msg = value
    raise _KINDS.get(name, InternalError)(msg)


def warm_up() -> bool:
    """Import the solvers (run once when a worker starts)."""
    import engine.routing  # noqa: F401

    return True


def optimize(request: bytes, time_limit: float, max_jobs: int, progress: Any = None) -> Outcome:
    """Solve a serialized ``OptimizeRequest``; returns a serialized ``OptimizeResponse``.

    ``progress``, a queue, receives ``(elapsed_s, objective)`` on each improvement.
    """
    from engine.routing import solve
    from server import convert
    from server.proto import routing_pb2

    try:
        req = routing_pb2.OptimizeRequest.FromString(request)
        prob = convert.problem(req.problem, max_jobs)
        cb = None
        if progress is not None:
            t0 = time.perf_counter()

            def cb(elapsed: float, objective: float) -> None:
                progress.put((time.perf_counter() - t0, float(objective)))

        sol = solve(
            prob,
            time_limit=time_limit,
            seed=req.seed,
            solver=req.solver or "auto",
            progress=cb,
        )
        return "ok", convert.solution(sol, time_limit).SerializeToString()
    except YunliError as e:
        return _error(e)


def create_plan(request: bytes, time_limit: float, max_jobs: int) -> Outcome:
    """Solve the problem of a serialized ``CreatePlanRequest`` into a live plan; returns
    the serialized ``LivePlan``."""
    from engine.live import plan_from_solution
    from engine.routing import solve
    from server import convert
    from server.proto import live_pb2

    try:
        req = live_pb2.CreatePlanRequest.FromString(request)
        prob = convert.problem(req.problem, max_jobs)
        sol = solve(prob, time_limit=time_limit, seed=req.seed)
        now = req.now if req.HasField("now") else None
        plan = plan_from_solution(sol, now=now)
        return "ok", convert.live_plan_msg(plan, req.plan_id).SerializeToString()
    except YunliError as e:
        return _error(e)


def plan_loads(request: bytes, time_limit: float, max_rows: int) -> Outcome:
    """Solve a serialized ``PlanLoadsRequest``; returns a serialized ``PlanLoadsResponse``."""
    import polars as pl

    from engine.routing.loadplan import plan_loads as solve_plan
    from server import convert
    from server.proto import routing_pb2

    try:
        req = routing_pb2.PlanLoadsRequest.FromString(request)
        convert.check_count("shipments", len(req.shipments), max_rows)
        convert.check_count("fleet", len(req.fleet), max_rows)
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
        objectives: dict[int, Literal["cost", "count"]] = {0: "cost", 1: "cost", 2: "count"}
        objective = objectives.get(req.objective)
        if objective is None:
            from engine.errors import InvalidInputError

            raise InvalidInputError.at("objective", f"unknown value {req.objective}")
        plan = solve_plan(
            shipments,
            fleet,
            objective=objective,
            time_limit=time_limit,
            seed=req.seed,
        )
        base = plan.baseline
        out = routing_pb2.PlanLoadsResponse(
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
        return "ok", out.SerializeToString()
    except YunliError as e:
        return _error(e)
