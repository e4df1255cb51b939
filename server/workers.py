"""Functions run in solver processes (see :mod:`server.solver_pool`).

They take and return serialized protobuf messages, so only bytes cross the process
boundary, and report engine errors as plain tuples (exception pickling would lose
the field an :class:`~engine.errors.InvalidInputError` names).
"""

from __future__ import annotations

import time
from typing import Any

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
    from server.convert import routing as convert
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
    from server.convert import live as convert_live
    from server.convert import routing as convert
    from server.proto import live_pb2

    try:
        req = live_pb2.CreatePlanRequest.FromString(request)
        prob = convert.problem(req.problem, max_jobs)
        sol = solve(prob, time_limit=time_limit, seed=req.seed)
        now = req.now if req.HasField("now") else None
        plan = plan_from_solution(sol, now=now)
        return "ok", convert_live.live_plan_msg(plan, req.plan_id).SerializeToString()
    except YunliError as e:
        return _error(e)


def plan_loads(request: bytes, time_limit: float, max_rows: int) -> Outcome:
    """Solve a serialized ``PlanLoadsRequest``; returns a serialized ``PlanLoadsResponse``."""
    from engine.routing.loadplan import plan_loads as solve_plan
    from server.convert import routing as convert
    from server.proto import routing_pb2

    try:
        req = routing_pb2.PlanLoadsRequest.FromString(request)
        shipments, fleet, objective = convert.plan_loads_request(req, max_rows)
        plan = solve_plan(
            shipments,
            fleet,
            objective=objective,
            time_limit=time_limit,
            seed=req.seed,
        )
        return "ok", convert.plan_loads_response(plan).SerializeToString()
    except YunliError as e:
        return _error(e)
