# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.LivePlans``: live plans, events, re-planning, ETAs and risk warnings.

Plans live in the store as serialized ``LivePlan`` messages, versioned: every change
is written with compare-and-set on the version it started from, so two server
instances never lose each other's updates (the loser gets ABORTED). Each instance
keeps the engine objects of the plans it serves in memory and changes them under a
per-plan lock; events are applied atomically by :func:`engine.live.apply_events` and
re-plans run in the Rust core (GIL released).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc

from engine.errors import InvalidInputError, NotFoundError
from server import workers
from server.config import ServerConfig
from server.convert import common
from server.convert import live as convert
from server.observability import Metrics
from server.proto import live_pb2
from server.servicers.routing import remaining, time_limit_for
from server.solver_pool import SolverPool
from server.state import FleetState
from server.status import UnavailableError

_PLAN_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: Most events in one ApplyEvents call.
MAX_EVENTS = 10_000


@dataclass
class _Entry:
    """A plan served by this instance: the engine object and its message, kept equal."""

    plan: Any
    msg: live_pb2.LivePlan
    vindex: dict[str, int] = field(default_factory=dict)
    jindex: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Any, msg: live_pb2.LivePlan) -> _Entry:
        return cls(
            plan,
            msg,
            {v.vehicle_id: i for i, v in enumerate(msg.vehicles)},
            {j.job_id: i for i, j in enumerate(msg.jobs)},
        )

    def after_position(self, vehicle_id: str, served: tuple[str, ...]) -> None:
        """Bring the message up to date after a position event (it touches the vehicle
        and the jobs it served, nothing else)."""
        p, m = self.plan, self.msg
        convert.fill_vehicle(m.vehicles[self.vindex[vehicle_id]], p.vehicles[vehicle_id])
        for jid in served:
            convert.fill_job(m.jobs[self.jindex[jid]], p.jobs[jid])
        m.now, m.version = p.now, p.version


def _check_id(plan_id: str) -> str:
    if not _PLAN_ID.fullmatch(plan_id):
        raise InvalidInputError.at("plan_id", f"must match {_PLAN_ID.pattern}, got {plan_id!r}")
    return plan_id


class LivePlansServicer:
    """Implements ``yunli.v1.LivePlans``; plans are stored durably in the store."""

    def __init__(
        self, state: FleetState, config: ServerConfig, metrics: Metrics, pool: SolverPool
    ) -> None:
        self._state = state
        self._cfg = config
        self._metrics = metrics
        self._pool = pool
        self._cache: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._subscribers = 0
        self._max_subscribers = max(1, config.max_workers // 2)

    # ---- plans in memory and in the store ---------------------------------------------
    def _lock(self, plan_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(plan_id, threading.Lock())

    def _entry(self, plan_id: str) -> _Entry:
        """The plan as stored (call with the plan's lock held)."""
        stored = self._state.plans.get(plan_id)
        if stored is None:
            raise NotFoundError(f"plan_id: unknown plan {plan_id!r}")
        version, body = stored
        entry = self._cache.get(plan_id)
        if entry is None or entry.plan.version != version:
            msg = live_pb2.LivePlan.FromString(body)
            plan = convert.live_plan(msg)
            plan.version = msg.version = version
            entry = self._cache[plan_id] = _Entry.of(plan, msg)
        return entry

    def _save(self, plan_id: str, entry: _Entry, expected: int | None) -> None:
        """Store the entry's message (plan and message already at the new version); on
        failure forget the cached copy, the stored plan being the truth."""
        try:
            self._state.put_plan(
                plan_id, entry.plan.version, entry.msg.SerializeToString(), expected
            )
        except Exception:
            self._cache.pop(plan_id, None)
            raise
        self._cache[plan_id] = entry

    def _view(self, plan_id: str, entry: _Entry) -> live_pb2.PlanView:
        from engine.live import forecast

        fc = forecast(entry.plan)
        return convert.plan_view(entry.plan, plan_id, fc, entry.msg)

    # ---- RPCs ------------------------------------------------------------------------------
    def CreatePlan(
        self, request: live_pb2.CreatePlanRequest, context: grpc.ServicerContext
    ) -> live_pb2.PlanView:
        plan_id = _check_id(request.plan_id)
        if plan_id in self._state.plans:
            from server.status import AlreadyExistsError

            raise AlreadyExistsError(f"plan_id: plan {plan_id!r} exists already")
        source = request.WhichOneof("source")
        if source == "plan":
            common.check_count("plan.jobs", len(request.plan.jobs), self._cfg.max_jobs)
            common.check_count("plan.vehicles", len(request.plan.vehicles), self._cfg.max_jobs)
            plan = convert.live_plan(request.plan)
            if request.HasField("now"):
                plan.now = request.now
        elif source == "problem":
            limit = time_limit_for(request.time_limit_s, context, self._cfg.max_time_limit_s)
            t0 = time.perf_counter()
            fut = self._pool.submit(
                workers.create_plan, request.SerializeToString(), limit, self._cfg.max_jobs
            )
            body = workers.raise_outcome(self._pool.result(fut, remaining(context)))
            self._metrics.observe_solver("optimize", t0)
            plan = convert.live_plan(live_pb2.LivePlan.FromString(body))
        else:
            raise InvalidInputError.at("source", "give a problem or a plan")
        plan.version = 1
        entry = _Entry.of(plan, convert.live_plan_msg(plan, plan_id))
        with self._lock(plan_id):
            self._save(plan_id, entry, None)
            return self._view(plan_id, entry)

    def GetPlan(
        self, request: live_pb2.GetPlanRequest, context: grpc.ServicerContext
    ) -> live_pb2.PlanView:
        plan_id = _check_id(request.plan_id)
        with self._lock(plan_id):
            return self._view(plan_id, self._entry(plan_id))

    def ApplyEvents(
        self, request: live_pb2.ApplyEventsRequest, context: grpc.ServicerContext
    ) -> live_pb2.ApplyEventsResponse:
        plan_id = _check_id(request.plan_id)
        common.check_count("events", len(request.events), MAX_EVENTS)
        events = [convert.event(e) for e in request.events]
        opts = request.options
        if not events and not opts.replan:
            raise InvalidInputError.at("events", "empty batch and no re-plan asked")
        limit = (
            time_limit_for(opts.time_limit_s, context, self._cfg.max_time_limit_s)
            if opts.replan
            else 0.0
        )
        with self._lock(plan_id):
            entry = self._entry(plan_id)
            before = entry.plan.version
            if request.HasField("expected_version") and request.expected_version != before:
                from server.status import ConflictError

                raise ConflictError(
                    f"plan {plan_id!r} is at version {before}, not {request.expected_version}"
                )
            try:
                return self._apply(plan_id, entry, before, events, opts, limit)
            except BaseException:
                self._cache.pop(plan_id, None)  # the stored plan is the truth
                raise

    def _apply(
        self, plan_id: str, entry: _Entry, before: int, events: list[Any], opts: Any, limit: float
    ) -> live_pb2.ApplyEventsResponse:
        """Apply events to the cached plan in place, re-plan, store (plan lock held)."""
        from engine.live import apply_events, replan

        work = entry.plan
        rep = apply_events(work, events) if events else None
        res = None
        if opts.replan:
            kw: dict[str, Any] = {"time_limit": limit, "seed": opts.seed,
                                  "allow_diversion": opts.allow_diversion}  # fmt: skip
            if opts.HasField("disruption_cost"):
                kw["disruption_cost"] = opts.disruption_cost
            t0 = time.perf_counter()
            res = replan(work, **kw)
            self._metrics.observe_solver("replan", t0)
        work.version = before + 1
        entry = _Entry.of(work, convert.live_plan_msg(work, plan_id))
        self._save(plan_id, entry, before)
        return convert.apply_response(self._view(plan_id, entry), rep, res)

    def Subscribe(
        self, request: live_pb2.SubscribeRequest, context: grpc.ServicerContext
    ) -> Iterator[live_pb2.PlanUpdate]:
        plan_id = _check_id(request.plan_id)
        with self._guard:
            if self._subscribers >= self._max_subscribers:
                raise UnavailableError(
                    f"too many subscribers ({self._max_subscribers}); retry later"
                )
            self._subscribers += 1
        try:
            sent = -1
            while context.is_active() and not self._state.closing.is_set():
                rev = self._state.revision
                stored = self._state.plans.get(plan_id)
                if stored is None:
                    raise NotFoundError(f"plan_id: unknown plan {plan_id!r}")
                if stored[0] != sent:
                    with self._lock(plan_id):
                        entry = self._entry(plan_id)
                        view = self._view(plan_id, entry)
                    sent = entry.plan.version
                    yield convert.plan_update(view)
                self._state.wait_for_change(rev, 0.5)
        finally:
            with self._guard:
                self._subscribers -= 1

    def ReportPositions(
        self, request_iterator: Iterator[live_pb2.PositionReport], context: grpc.ServicerContext
    ) -> live_pb2.ReportPositionsResponse:
        from engine.live import apply_events, forecast

        accepted = 0
        last: tuple[str, Any, str] | None = None
        for i, report in enumerate(request_iterator):
            if i >= MAX_EVENTS:
                raise InvalidInputError.at("positions", f"at most {MAX_EVENTS:,} per call")
            plan_id = _check_id(report.plan_id)
            ev = convert.position(report.position, report.t)
            with self._lock(plan_id):
                entry = self._entry(plan_id)
                plan = entry.plan
                before = plan.version
                try:
                    apply_events(plan, [ev])
                    plan.version = before + 1
                    entry.after_position(ev.vehicle_id, ev.served)
                    self._save(plan_id, entry, before)
                except BaseException:
                    self._cache.pop(plan_id, None)  # the stored plan is the truth
                    raise
            accepted += 1
            last = (plan_id, plan, ev.vehicle_id)
        if last is None:
            return convert.positions_response(accepted, None, ())
        plan_id, plan, vid = last
        return convert.positions_response(accepted, plan.version, forecast(plan, [vid]).warnings)
