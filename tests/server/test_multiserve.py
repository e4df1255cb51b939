"""Two real ``yunli serve`` processes on one PostgreSQL behind a client-side round-robin
channel; one is killed with SIGKILL in the middle of a mixed write load.

The load: fleet upserts, live-plan events (each plan written by one client, without
``expected_version``, each call with an idempotency key its retries reuse), orders
posted every 0.3 s and grabbed by four carriers racing for each (idempotency keys),
before and after the kill. Clients retry on ``UNAVAILABLE`` only. Afterwards, from the
survivor: every acknowledged write is there, the killed instance's live plan is owned
by the survivor (lease taken over, new epoch) with every acknowledged event applied
exactly once, and each order has exactly one winner, the carrier the database recorded.

A second test kills the owner between its write and the client's receipt of the
answer (a relay holds the answer back): the keyed call retried on the survivor is
answered from the record and applied once; the same without a key applies twice.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import polars as pl
import pytest

from server.proto import fleet_grpc, fleet_pb2, live_grpc, live_pb2, orders_grpc, orders_pb2
from tests.server.conftest import PG_SKIP, PG_URL, TOKEN, messages
from tests.server.relay import Relay

pytestmark = pytest.mark.postgres

MD = (("authorization", f"Bearer {TOKEN}"),)
LEASE_TTL = 2.0
N_PLANS = 2
UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema of the test database."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = f"m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _start(db: str, tmp: Path, instance: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    port_file, log = tmp / f"port-{instance}", tmp / f"serve-{instance}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0",
             "--db", db, "--token", TOKEN, "--port-file", str(port_file),
             "--instance-id", instance, "--lease-ttl", str(LEASE_TTL),
             "--sync-interval", "0.2", "--grace", "2", "--log-level", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )  # fmt: skip
    return proc, port_file, log


def _port(proc: subprocess.Popen[bytes], port_file: Path, log: Path) -> int:
    deadline = time.monotonic() + 90
    while not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"server did not start: {log.read_text()}")
        time.sleep(0.05)
    return int(port_file.read_text())


def _eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, f"not within {timeout} s: {what}"
        time.sleep(0.1)


class Retrying:
    """Calls with retries on UNAVAILABLE (counted); any other error is raised."""

    def __init__(self) -> None:
        self.retries = 0
        self.lock = threading.Lock()

    def __call__(self, fn: Any, req: Any) -> Any:
        for attempt in range(200):
            try:
                return fn(req, timeout=30, metadata=MD)
            except grpc.RpcError as e:
                if e.code() != UNAVAILABLE:
                    raise
                with self.lock:
                    self.retries += 1
                time.sleep(min(0.02 * 2**attempt, 0.3))
        raise AssertionError("still UNAVAILABLE after 200 attempts")


def _order(now: int) -> orders_pb2.Order:
    return orders_pb2.Order(
        shipper_id=7, origin_lat=31.23, origin_lon=121.47, origin_city="Shanghai",
        dest_lat=30.27, dest_lon=120.15, dest_city="Hangzhou", weight_kg=500, volume_l=2_000,
        pickup_start=now + 3_600, pickup_end=now + 7_200, delivery_deadline=now + 40_000,
        price_mode="grabbing", price_fen=150_000, deadline=now + 600,
    )  # fmt: skip


def _plan() -> live_pb2.LivePlan:
    plan = live_pb2.LivePlan(dimensions=["weight_kg"], now=100)
    plan.vehicles.add(
        vehicle_id="v1", profile="van", capacity=[100_000], depot_lat=31.2, depot_lon=121.4,
        end_lat=31.2, end_lon=121.4, shift_start=0, shift_end=90_000, lat=31.2, lon=121.4,
        position_time=100,
    )  # fmt: skip
    return plan


def _lease(db: str, plan_id: str) -> tuple[str, int]:
    import psycopg

    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute(
            "SELECT owner, epoch FROM live_plan_leases WHERE plan_id = %s", (plan_id,)
        ).fetchone()
    assert row is not None, f"plan {plan_id} has no lease"
    return str(row[0]), int(row[1])


def test_kill9_one_of_two_instances_under_load(
    pg_url: str, tmp_path: Path, sample_world: Any
) -> None:
    """No acknowledged write lost, the lease taken over, one winner per order, no client
    error but the retried UNAVAILABLEs."""
    procs = {name: _start(pg_url, tmp_path, name) for name in ("alpha", "beta")}
    try:
        _run(pg_url, procs, sample_world)
    finally:
        for proc, _, _ in procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def _run(db: str, procs: dict[str, Any], world: Any) -> None:
    ports = {name: _port(*p) for name, p in procs.items()}
    direct = {n: grpc.insecure_channel(f"127.0.0.1:{p}") for n, p in ports.items()}
    rr = grpc.insecure_channel(
        "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in ports.values()),
        options=[("grpc.lb_policy_name", "round_robin")],
    )
    call = Retrying()
    fleet, live, orders = (
        fleet_grpc.FleetStub(rr),
        live_grpc.LivePlansStub(rr),
        orders_grpc.OrdersStub(rr),
    )

    # -- set-up: carriers' vehicles on both instances, open orders, live plans --------------
    trucks = (
        world.vehicles.filter(pl.col("vehicle_type") == "light_truck")
        .unique(subset=["carrier_id"], keep="first", maintain_order=True)
        .head(4)
        .with_columns(
            pl.lit(31.2).alias("lat"), pl.lit(121.4).alias("lon"), pl.lit("idle").alias("status")
        )
    )
    call(
        fleet.UpsertVehicles,
        fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", trucks)),
    )
    for ch in direct.values():
        stub = fleet_grpc.FleetStub(ch)
        _eventually(
            lambda stub=stub: (
                len(list(stub.ListVehicles(fleet_pb2.ListRequest(), metadata=MD))) == trucks.height
            ),
            "set-up vehicles synced",
        )
    plan_ids = [f"day-{k}" for k in range(N_PLANS)]
    versions: dict[str, int] = {}
    for pid in plan_ids:
        view = call(live.CreatePlan, live_pb2.CreatePlanRequest(plan_id=pid, plan=_plan()))
        versions[pid] = view.plan.version

    # -- the load -----------------------------------------------------------------------------
    stop = threading.Event()
    killed = threading.Event()
    errors: list[str] = []
    acked_vehicles: dict[int, int] = {}
    acked_jobs: dict[str, list[str]] = {pid: [] for pid in plan_ids}
    after_kill: dict[str, int] = dict.fromkeys(plan_ids, 0)
    replays: dict[str, int] = dict.fromkeys(plan_ids, 0)
    order_ids: list[int] = []  # posted during the load, each raced for by every carrier
    wins: dict[int, set[int]] = {}
    posted_after_kill = 0
    grabs_done = threading.Event()
    lock = threading.Lock()
    base = world.vehicles.filter(pl.col("vehicle_type") == "light_truck").head(1)

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except grpc.RpcError as e:
                errors.append(f"{fn.__name__}: {e.code().name} {e.details()}")
            except Exception as e:
                errors.append(f"{fn.__name__}: {e!r}")

        return run

    def upserts(k: int) -> Callable[[], None]:
        def fleet_writer() -> None:
            i = 0
            while not stop.is_set():
                vid = 10_000_000 * (k + 1) + i
                row = base.with_columns(
                    pl.lit(vid).alias("vehicle_id"), pl.lit(1_000 + i).alias("capacity_kg")
                )
                call(
                    fleet.UpsertVehicles,
                    fleet_pb2.UpsertVehiclesRequest(vehicles=messages("vehicles", row)),
                )
                with lock:
                    acked_vehicles[vid] = 1_000 + i
                i += 1

        return fleet_writer

    def events(pid: str) -> Callable[[], None]:
        def plan_writer() -> None:
            i = 0
            while not stop.is_set():
                jid = f"{pid}-j{i}"
                job = live_pb2.LiveJob(
                    job_id=jid, kind="delivery", lat=31.21, lon=121.41, amounts=[1], service_s=60
                )
                delay = live_pb2.VehicleDelayed(vehicle_id="v1", delay_s=1)  # adds up
                req = live_pb2.ApplyEventsRequest(
                    plan_id=pid,
                    events=[live_pb2.Event(t=1_000 + i, new_job=live_pb2.NewJob(job=job)),
                            live_pb2.Event(t=1_000 + i, vehicle_delayed=delay)],
                    idempotency_key=uuid.uuid4().hex,  # no expected_version: retries reuse it
                )  # fmt: skip
                r = call(live.ApplyEvents, req)
                versions[pid] = r.view.plan.version
                with lock:
                    replays[pid] += r.replayed
                    acked_jobs[pid].append(jid)
                    if killed.is_set():
                        after_kill[pid] += 1
                i += 1

        return plan_writer

    def order_poster() -> None:
        nonlocal posted_after_kill
        while not stop.is_set():
            req = orders_pb2.PostOrderRequest(
                idempotency_key=uuid.uuid4().hex, order=_order(int(time.time()))
            )
            oid = call(orders.PostOrder, req).order.order_id  # a retry reuses the key
            with lock:
                order_ids.append(oid)
                wins[oid] = set()
                posted_after_kill += killed.is_set()
            time.sleep(0.3)

    def grabs(vid: int, cid: int) -> Callable[[], None]:
        def grabber() -> None:
            done = 0
            while True:
                with lock:
                    pending = order_ids[done:]
                if not pending:
                    if grabs_done.is_set():
                        return
                    time.sleep(0.05)
                    continue
                oid = pending[0]
                done += 1
                req = orders_pb2.TakeRequest(
                    idempotency_key=uuid.uuid4().hex,
                    order_id=oid,
                    actor=f"carrier:{cid}",
                    vehicle_id=vid,
                )
                try:
                    call(orders.Grab, req)
                    with lock:
                        wins[oid].add(cid)
                except grpc.RpcError as e:
                    if e.code() != grpc.StatusCode.FAILED_PRECONDITION:
                        raise

        return grabber

    work = [upserts(k) for k in range(2)] + [events(pid) for pid in plan_ids] + [order_poster]
    grabbers = [grabs(int(v), int(c)) for v, c in trucks.select("vehicle_id", "carrier_id").rows()]
    threads = [threading.Thread(target=guarded(fn)) for fn in work]
    grab_threads = [threading.Thread(target=guarded(fn)) for fn in grabbers]
    for t in threads + grab_threads:
        t.start()

    def progress(n: int) -> bool:
        assert not errors, errors
        with lock:
            jobs = all(len(j) >= n // 2 for j in acked_jobs.values())
            return len(acked_vehicles) >= n and jobs and len(order_ids) >= 3

    _eventually(lambda: progress(20), "load before the kill")
    owner, epoch = _lease(db, plan_ids[0])
    victim, survivor = owner, next(n for n in procs if n != owner)
    procs[victim][0].send_signal(signal.SIGKILL)
    procs[victim][0].wait()
    killed.set()
    # the load goes on through the survivor until every plan took writes after the kill
    _eventually(
        lambda: not errors and all(n >= 5 for n in after_kill.values()) and posted_after_kill >= 3,
        "plan writes and orders after the kill",
        timeout=60,
    )
    stop.set()
    for t in threads:
        t.join(timeout=60)
    grabs_done.set()  # every posted order raced for, then the grabbers end
    for t in grab_threads:
        t.join(timeout=60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads + grab_threads)
    assert call.retries > 0, "the kill was seen by no client"

    # -- verification, from the survivor ------------------------------------------------------
    ch = direct[survivor]
    sfleet = fleet_grpc.FleetStub(ch)
    want = set(acked_vehicles)

    def all_vehicles() -> bool:
        got = {
            v.vehicle_id: v.capacity_kg
            for v in sfleet.ListVehicles(fleet_pb2.ListRequest(), metadata=MD)
        }
        return all(got.get(vid) == cap for vid, cap in acked_vehicles.items())

    _eventually(all_vehicles, f"{len(want)} acknowledged vehicles on the survivor")
    slive = live_grpc.LivePlansStub(ch)
    for pid in plan_ids:
        _eventually(
            lambda pid=pid: (
                slive.GetPlan(live_pb2.GetPlanRequest(plan_id=pid), metadata=MD).plan.version
                == versions[pid]
            ),
            f"plan {pid} at its last acknowledged version on the survivor",
        )
        plan = slive.GetPlan(live_pb2.GetPlanRequest(plan_id=pid), metadata=MD).plan
        jobs = [j.job_id for j in plan.jobs]
        assert jobs == acked_jobs[pid], f"{pid}: stored jobs differ from the acknowledged ones"
        assert plan.version == 1 + len(acked_jobs[pid])  # each call applied exactly once
        assert plan.vehicles[0].delay_s == len(acked_jobs[pid])
        assert _lease(db, pid)[0] == survivor
    new_owner, new_epoch = _lease(db, plan_ids[0])
    assert (new_owner, new_epoch) == (survivor, epoch + 1), "the survivor took the lease over"
    sorders = orders_grpc.OrdersStub(ch)
    for oid in order_ids:
        stored = sorders.GetOrder(orders_pb2.GetOrderRequest(order_id=oid), metadata=MD).order
        assert len(wins[oid]) == 1, f"order {oid} winners: {wins[oid]}"
        assert stored.carrier_id == next(iter(wins[oid]))
        assert stored.state == "awarded"
    ledger = sorders.CheckLedger(orders_pb2.CheckLedgerRequest(), metadata=MD)
    assert ledger.ok, ledger
    assert ledger.transactions == len(order_ids)  # each won grab posted once
    print(
        f"killed {victim} (owner of {plan_ids[0]}); survivor {survivor} took epoch {new_epoch}; "
        f"{len(acked_vehicles)} vehicles, {sum(map(len, acked_jobs.values()))} plan events, "
        f"{len(order_ids)} orders ({posted_after_kill} after the kill) posted and grabbed; "
        f"{call.retries} calls retried on UNAVAILABLE, {sum(replays.values())} plan writes "
        "answered from their idempotency record"
    )
    procs[survivor][0].send_signal(signal.SIGTERM)
    assert procs[survivor][0].wait(timeout=60) == 0
    for c in (*direct.values(), rr):
        c.close()


def test_kill9_between_write_and_answer_retry_applies_once(pg_url: str, tmp_path: Path) -> None:
    """The owner commits a keyed ApplyEvents (and an unkeyed one on another plan), its
    answers are held back by a relay, and it is killed with SIGKILL before they reach
    the client, which sees UNAVAILABLE. Retried on the survivor without
    ``expected_version``: the keyed call is answered from its record (same version,
    same view, ``replayed``) and the plan changed once; the unkeyed call, retried the
    same way, is applied a second time (what the key prevents)."""
    procs = {name: _start(pg_url, tmp_path, name) for name in ("alpha", "beta")}
    try:
        ports = {name: _port(*p) for name, p in procs.items()}
        alpha = live_grpc.LivePlansStub(grpc.insecure_channel(f"127.0.0.1:{ports['alpha']}"))
        beta = live_grpc.LivePlansStub(grpc.insecure_channel(f"127.0.0.1:{ports['beta']}"))
        for pid in ("keyed", "plain"):
            alpha.CreatePlan(live_pb2.CreatePlanRequest(plan_id=pid, plan=_plan()), metadata=MD)
            assert _lease(pg_url, pid) == ("alpha", 1)
        relay = Relay(ports["alpha"])
        via = live_grpc.LivePlansStub(grpc.insecure_channel(f"127.0.0.1:{relay.port}"))
        via.GetPlan(live_pb2.GetPlanRequest(plan_id="keyed"), metadata=MD)  # connected

        def req(pid: str, key: str) -> live_pb2.ApplyEventsRequest:
            job = live_pb2.LiveJob(job_id="j1", kind="delivery", lat=31.21, lon=121.41,
                                   amounts=[1], service_s=60)  # fmt: skip
            delay = live_pb2.VehicleDelayed(vehicle_id="v1", delay_s=60)
            events = [live_pb2.Event(t=1_000, vehicle_delayed=delay)]  # adds up if repeated
            if key:  # (a new job sent twice would be refused as a duplicate id)
                events.insert(0, live_pb2.Event(t=1_000, new_job=live_pb2.NewJob(job=job)))
            return live_pb2.ApplyEventsRequest(
                plan_id=pid,
                events=events,
                options=live_pb2.ReplanOptions(replan=bool(key), time_limit_s=0.2, seed=1),
                idempotency_key=key,
            )

        keyed, plain = req("keyed", uuid.uuid4().hex), req("plain", "")
        relay.hold()
        futures = [via.ApplyEvents.future(r, timeout=60, metadata=MD) for r in (keyed, plain)]
        import psycopg

        def committed() -> bool:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                rows = conn.execute("SELECT plan_id, version FROM live_plans").fetchall()
            return dict(rows) == {"keyed": 2, "plain": 2}

        _eventually(committed, "both writes committed by the owner")
        assert not any(f.done() for f in futures), "an answer got through the relay"
        procs["alpha"][0].send_signal(signal.SIGKILL)
        procs["alpha"][0].wait()
        for f in futures:
            assert f.exception(timeout=30) is not None
            assert f.exception().code() == UNAVAILABLE  # type: ignore[union-attr]
        relay.close()

        call = Retrying()
        first = call(beta.ApplyEvents, keyed)  # at once: answered from the record
        assert first.replayed
        assert first.view.plan.version == 2
        assert first.HasField("diff")
        again = call(beta.ApplyEvents, keyed)
        assert again == first
        call(beta.ApplyEvents, plain)  # retried until beta takes the plan over: applied again
        for pid, version, delay in (("keyed", 2, 60), ("plain", 3, 120)):
            plan = beta.GetPlan(live_pb2.GetPlanRequest(plan_id=pid), metadata=MD).plan
            assert (plan.version, plan.vehicles[0].delay_s) == (version, delay), pid
        assert _lease(pg_url, "plain") == ("beta", 2)
        procs["beta"][0].send_signal(signal.SIGTERM)
        assert procs["beta"][0].wait(timeout=60) == 0
    finally:
        for proc, _, _ in procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
