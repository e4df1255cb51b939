# ruff: noqa: N802
# (RPC method names are the proto's.)
"""``yunli.v1.LivePlans``: live plans, events, re-planning, ETAs and risk warnings.

Plans live in the store as serialized ``LivePlan`` messages, versioned: every change
is written with compare-and-set on the version it started from. With several server
instances on one database, one instance at a time owns a plan through a lease
(:mod:`server.instances`): writes (``ApplyEvents``, ``ReportPositions``) reaching
another instance are forwarded to the owner, every write is fenced by the lease's
epoch, and when the owner dies another instance takes the lease over after its
time-to-live and reloads the plan from the database. Reads (``GetPlan``,
``Subscribe``) are answered by any instance from its synced copy. The owner keeps
the engine objects of its plans in memory and changes them under a per-plan lock;
events are applied atomically by :func:`engine.live.apply_events` and re-plans run in
the Rust core (GIL released).

Idempotency: ``CreatePlan``, ``ApplyEvents`` and each ``PositionReport`` may carry an
``idempotency_key``. The key, a digest of the request and the response are written to
``live_plan_keys`` in the same transaction as the plan (:meth:`SqlStore.put_plan
<server.store.sql.SqlStore.put_plan>`), so a retry with the key (after a timeout, a
lost answer, the owner's ``kill -9`` and a lease take-over) is answered from the record
by whichever instance it reaches and applies nothing again. The owner looks the key up
under the plan's lock before applying; a non-owner looks it up before forwarding. The
same key with another request is INVALID_ARGUMENT naming ``idempotency_key``. Records
are kept :data:`~server.store.sql.LIVE_KEY_TTL_S` (24 h) and then pruned.
"""

from __future__ import annotations

import hashlib
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
from server.instances import LeaseManager, Peers
from server.observability import Metrics
from server.proto import live_pb2
from server.servicers.routing import remaining, time_limit_for
from server.solver_pool import SolverPool
from server.state import FleetState
from server.status import UnavailableError
from server.store.leases import Lease, LeaseLostError
from server.store.sql import LIVE_KEY_TTL_S, KeyRecord, KeyTakenError

_PLAN_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: Most events in one ApplyEvents call.
MAX_EVENTS = 10_000
#: Attempts of a write whose lease moves under it (each re-routes to the new owner).
_LEASE_ATTEMPTS = 3
#: Longest idempotency key accepted (as the Orders service's).
MAX_KEY_LEN = 128
#: Seconds between two prunes of expired idempotency records by one instance.
_PRUNE_EVERY_S = 600.0


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


def _check_key(key: str) -> str:
    """The request's idempotency key ("" when none is given); InvalidInputError if too long."""
    if len(key) > MAX_KEY_LEN:
        raise InvalidInputError.at(
            "idempotency_key", f"must be 1 to {MAX_KEY_LEN} characters, got {len(key):,}"
        )
    if key and not key.strip():
        raise InvalidInputError.at("idempotency_key", "must not be blank")
    return key


def _digest(request: Any) -> str:
    """SHA-256 of ``request`` without its idempotency key (deterministic serialization)."""
    body = type(request)()
    body.CopyFrom(request)
    body.ClearField("idempotency_key")
    return hashlib.sha256(body.SerializeToString(deterministic=True)).hexdigest()


def _replayed(rec: KeyRecord) -> live_pb2.ApplyEventsResponse:
    out = live_pb2.ApplyEventsResponse.FromString(rec.response)
    out.replayed = True
    return out


def _check_id(plan_id: str) -> str:
    if not _PLAN_ID.fullmatch(plan_id):
        raise InvalidInputError.at("plan_id", f"must match {_PLAN_ID.pattern}, got {plan_id!r}")
    return plan_id


class LivePlansServicer:
    """Implements ``yunli.v1.LivePlans``; plans are stored durably in the store.

    ``leases`` and ``peers`` (both or neither) make plan writes go through the plan's
    owner; without them this instance writes every plan itself (compare-and-set on
    the version still keeps concurrent writers from losing updates).
    """

    def __init__(
        self,
        state: FleetState,
        config: ServerConfig,
        metrics: Metrics,
        pool: SolverPool,
        leases: LeaseManager | None = None,
        peers: Peers | None = None,
    ) -> None:
        self._state = state
        self._leases = leases
        self._peers = peers
        self._cfg = config
        self._metrics = metrics
        self._pool = pool
        self._cache: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._epoch: dict[str, int] = {}
        self._subscribers = 0
        self._max_subscribers = max(1, config.max_workers // 2)
        #: Retention of idempotency records, seconds (database clock).
        self.key_ttl_s = LIVE_KEY_TTL_S
        self._pruned = float("-inf")

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

    def _known(self, plan_id: str) -> None:
        """NotFoundError unless the plan is stored (pulling the store once if it is not in
        this instance's copy yet: another instance may have just created it)."""
        if plan_id not in self._state.plans:
            self._state.sync()
            if plan_id not in self._state.plans:
                raise NotFoundError(f"plan_id: unknown plan {plan_id!r}")

    def _route(self, plan_id: str) -> Lease | None:
        """Who writes the plan: None for this instance (holding its lease, its copy
        current), else the owner's lease (forward the write there)."""
        if self._leases is None:
            return None
        self._known(plan_id)
        lease, fresh = self._leases.claim(plan_id)
        if lease.owner != self._leases.instance_id:
            return lease
        if fresh:  # taken over (or first write here): the database has the latest plan
            if lease.epoch > 1:
                from server.observability import LOGGER

                LOGGER.info(
                    "live plan taken over",
                    extra={"plan_id": plan_id, "epoch": lease.epoch, "owner": lease.owner},
                )
            self._state.sync()
            with self._lock(plan_id):
                self._cache.pop(plan_id, None)
        self._epoch[plan_id] = lease.epoch
        return None

    def _forward(self, lease: Lease, method: str, request: Any, context: Any) -> Any:
        assert self._peers is not None
        out = self._peers.forward(lease, method, request, context)
        self._state.sync()  # read-your-writes through this instance
        return out

    def _save(
        self, plan_id: str, entry: _Entry, expected: int | None, key: KeyRecord | None = None
    ) -> None:
        """Store the entry's message (plan and message already at the new version) and
        ``key``'s record in one transaction; on failure forget the cached copy, the
        stored plan being the truth."""
        guard = None
        if self._leases is not None and expected is not None:
            guard = self._leases.fence(plan_id, self._epoch[plan_id])
        try:
            self._state.put_plan(
                plan_id, entry.plan.version, entry.msg.SerializeToString(), expected, guard, key
            )
        except Exception:
            self._cache.pop(plan_id, None)
            raise
        self._cache[plan_id] = entry
        if key is not None:
            self._prune()

    def _recorded(self, key: str, plan_id: str, method: str, digest: str) -> KeyRecord | None:
        """The record of ``key`` if a call made it (None: not yet); InvalidInputError if
        it was made by a different request."""
        if not key:
            return None
        rec = self._state.store.live_key(key)
        if rec is None:
            return None
        if (rec.plan_id, rec.method, rec.digest) != (plan_id, method, digest):
            raise InvalidInputError.at(
                "idempotency_key",
                f"key {key!r} was used for a different request ({rec.method} on plan "
                f"{rec.plan_id!r}); use a new key for a new request",
            )
        from server.observability import LOGGER

        LOGGER.info(
            "live-plan write replayed from its idempotency record",
            extra={"plan_id": plan_id, "method": method, "version": rec.version},
        )
        return rec

    def _prune(self) -> None:
        """Delete expired idempotency records, at most once per :data:`_PRUNE_EVERY_S`."""
        now = time.monotonic()
        with self._guard:
            if now - self._pruned < _PRUNE_EVERY_S:
                return
            self._pruned = now
        try:
            self._state.store.prune_live_keys(self.key_ttl_s)
        except Exception:
            from server.observability import LOGGER

            LOGGER.warning("pruning live-plan idempotency keys failed", exc_info=True)

    def _view(self, plan_id: str, entry: _Entry) -> live_pb2.PlanView:
        from engine.live import forecast

        fc = forecast(entry.plan)
        return convert.plan_view(entry.plan, plan_id, fc, entry.msg)

    # ---- RPCs ------------------------------------------------------------------------------
    def CreatePlan(
        self, request: live_pb2.CreatePlanRequest, context: grpc.ServicerContext
    ) -> live_pb2.PlanView:
        plan_id = _check_id(request.plan_id)
        key = _check_key(request.idempotency_key)
        digest = _digest(request) if key else ""
        rec = self._recorded(key, plan_id, "CreatePlan", digest)
        if rec is not None:
            return live_pb2.PlanView.FromString(rec.response)
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
            view = self._view(plan_id, entry)
            krec = None
            if key:
                krec = KeyRecord(key, plan_id, "CreatePlan", digest, 1, view.SerializeToString())
            try:
                self._save(plan_id, entry, None, krec)
            except KeyTakenError:  # a concurrent retry of this call created it
                rec = self._recorded(key, plan_id, "CreatePlan", digest)
                if rec is None:
                    raise
                return live_pb2.PlanView.FromString(rec.response)
        if self._leases is not None:  # the creator owns it (unless a peer claimed it first)
            self._route(plan_id)
        return view

    def GetPlan(
        self, request: live_pb2.GetPlanRequest, context: grpc.ServicerContext
    ) -> live_pb2.PlanView:
        plan_id = _check_id(request.plan_id)
        self._known(plan_id)
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
        key = _check_key(request.idempotency_key)
        digest = _digest(request) if key else ""
        for _ in range(_LEASE_ATTEMPTS):
            owner = self._route(plan_id)
            if owner is not None:  # answered here if recorded (the owner may be dead)
                rec = self._recorded(key, plan_id, "ApplyEvents", digest)
                if rec is not None:
                    return _replayed(rec)
                out: live_pb2.ApplyEventsResponse = self._forward(
                    owner, "ApplyEvents", request, context
                )
                return out
            try:
                with self._lock(plan_id):
                    rec = self._recorded(key, plan_id, "ApplyEvents", digest)
                    if rec is not None:
                        return _replayed(rec)
                    entry = self._entry(plan_id)
                    before = entry.plan.version
                    if request.HasField("expected_version") and request.expected_version != before:
                        from server.status import ConflictError

                        self._confirm(plan_id)  # a stale copy must not answer ABORTED
                        raise ConflictError(
                            f"plan {plan_id!r} is at version {before}, "
                            f"not {request.expected_version}"
                        )
                    try:
                        return self._apply(
                            plan_id, entry, before, events, opts, limit, (key, digest)
                        )
                    except BaseException:
                        self._cache.pop(plan_id, None)  # the stored plan is the truth
                        raise
            except LeaseLostError:
                self._lost(plan_id)
            except KeyTakenError:
                continue  # a concurrent call with the key committed: answered from its record
        raise UnavailableError(f"plan {plan_id!r}: its ownership keeps moving; retry")

    def _confirm(self, plan_id: str) -> None:
        """LeaseLostError unless the database still names this instance the plan's owner
        at the epoch its copy is from (checked before refusing a write as stale)."""
        if self._leases is None:
            return
        held = self._leases.store.holder(plan_id)
        me, epoch = self._leases.instance_id, self._epoch.get(plan_id)
        if held is None or held.owner != me or held.epoch != epoch:
            raise LeaseLostError(f"plan {plan_id!r}: this instance ({me}) lost its lease")

    def _lost(self, plan_id: str) -> None:
        assert self._leases is not None
        self._leases.lost(plan_id)
        with self._lock(plan_id):
            self._cache.pop(plan_id, None)

    def _apply(
        self,
        plan_id: str,
        entry: _Entry,
        before: int,
        events: list[Any],
        opts: Any,
        limit: float,
        key: tuple[str, str],
    ) -> live_pb2.ApplyEventsResponse:
        """Apply events to the cached plan in place, re-plan, store with the idempotency
        record of ``key`` (key, digest; key "" for none) (plan lock held)."""
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
        out = convert.apply_response(self._view(plan_id, entry), rep, res)
        krec = None
        if key[0]:
            body = out.SerializeToString()
            krec = KeyRecord(key[0], plan_id, "ApplyEvents", key[1], work.version, body)
        self._save(plan_id, entry, before, krec)
        return out

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
        last: tuple[str, Any, str] | live_pb2.ReportPositionsResponse | None = None
        for i, report in enumerate(request_iterator):
            if i >= MAX_EVENTS:
                raise InvalidInputError.at("positions", f"at most {MAX_EVENTS:,} per call")
            plan_id = _check_id(report.plan_id)
            ev = convert.position(report.position, report.t)
            key = _check_key(report.idempotency_key)
            digest = _digest(report) if key else ""
            for _ in range(_LEASE_ATTEMPTS):
                owner = self._route(plan_id)
                if owner is not None:
                    rec = self._recorded(key, plan_id, "ReportPositions", digest)
                    if rec is not None:  # applied before (the owner may be dead)
                        last = live_pb2.ReportPositionsResponse(accepted=1, version=rec.version)
                        break
                    last = self._forward(owner, "ReportPositions", iter([report]), context)
                    break
                try:
                    with self._lock(plan_id):
                        entry = self._entry(plan_id)
                        plan = entry.plan
                        if self._recorded(key, plan_id, "ReportPositions", digest) is None:
                            before = plan.version
                            try:
                                apply_events(plan, [ev])
                                plan.version = before + 1
                                entry.after_position(ev.vehicle_id, ev.served)
                                krec = None
                                if key:
                                    krec = KeyRecord(
                                        key, plan_id, "ReportPositions", digest, plan.version, b""
                                    )
                                self._save(plan_id, entry, before, krec)
                            except BaseException:
                                self._cache.pop(plan_id, None)  # the stored plan is the truth
                                raise
                    last = (plan_id, plan, ev.vehicle_id)
                    break
                except LeaseLostError:
                    self._lost(plan_id)
                except KeyTakenError:
                    continue
            else:
                raise UnavailableError(f"plan {plan_id!r}: its ownership keeps moving; retry")
            accepted += 1
        if last is None:
            return convert.positions_response(accepted, None, ())
        if isinstance(last, live_pb2.ReportPositionsResponse):
            fwd = live_pb2.ReportPositionsResponse(accepted=accepted, version=last.version)
            fwd.warnings.extend(last.warnings)
            return fwd
        plan_id, plan, vid = last
        return convert.positions_response(accepted, plan.version, forecast(plan, [vid]).warnings)
