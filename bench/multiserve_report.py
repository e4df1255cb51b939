"""Several ``yunli serve`` instances on one PostgreSQL: mixed-load throughput through 1 vs 2
instances, and failover time when the owner of a live plan dies.

``throughput``
    ``--clients`` client threads run a mixed write/read load for ``--seconds`` through one
    instance, then (same database schema, fresh) through two instances behind a
    client-side ``round_robin`` channel. Each client cycles: ``Fleet.UpsertVehicles``
    (one vehicle of a fixed set of 200), ``LivePlans.ApplyEvents`` (a new job on the
    client's own plan, ``expected_version`` set), ``LivePlans.GetPlan``, and
    ``Orders.PostOrder`` + ``Orders.Grab``. With two instances the plans are owned by
    either, so about half the plan writes take a forwarding hop. Reported: calls/s, p50
    and p99 latency per call kind, server CPU seconds (all instances, with their solver
    processes) and client CPU seconds.
``failover``
    Two instances, a writer appending jobs to a plan owned by instance A and a writer
    upserting vehicles, both through the round-robin channel, retrying UNAVAILABLE; A is
    killed with SIGKILL (and, separately, stopped with SIGTERM). Reported: seconds from
    the signal to the first acknowledged fleet write and to the first acknowledged plan
    write after it (the lease taken over), for each ``--ttl``.

Usage::

    python -m bench.multiserve_report [--seconds 20] [--clients 8] [--ttl 2 10]

Needs ``YUNLI_TEST_PG_URL`` (``source scripts/start_services.sh``) or ``--pg URL``. Prints
markdown for ``bench/RESULTS.md``. The machine's load average is printed before and after:
on a shared machine, compare only figures of the same run.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
import polars as pl

TOKEN = "bench-token"
MD = (("authorization", f"Bearer {TOKEN}"),)


# ---- processes -------------------------------------------------------------------------------
@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A fresh schema of the database at ``url`` (dropped afterwards)."""
    import psycopg

    schema = f"ms_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def start(db: str, tmp: Path, name: str, ttl: float) -> subprocess.Popen[bytes]:
    """``yunli serve`` on a free port (read it with :func:`port_of`)."""
    log = (tmp / f"{name}.log").open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "serve",
            "--address",
            "127.0.0.1:0",
            "--db",
            db,
            "--token",
            TOKEN,
            "--port-file",
            str(tmp / f"{name}.port"),
            "--instance-id",
            name,
            "--lease-ttl",
            str(ttl),
            "--sync-interval",
            "1",
            "--grace",
            "1",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def port_of(proc: subprocess.Popen[bytes], tmp: Path, name: str) -> int:
    f = tmp / f"{name}.port"
    end = time.monotonic() + 120
    while not (f.exists() and f.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > end:
            raise RuntimeError(f"{name} did not start: {(tmp / f'{name}.log').read_text()}")
        time.sleep(0.05)
    return int(f.read_text())


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            f = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(f[1]) == pid:
            total += (int(f[11]) + int(f[12])) / tick
    return total


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def rr_channel(ports: list[int]) -> grpc.Channel:
    """A client-side round-robin channel over the instances."""
    target = "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in ports)
    return grpc.insecure_channel(target, options=[("grpc.lb_policy_name", "round_robin")])


# ---- the load --------------------------------------------------------------------------------
def _plan() -> Any:
    from server.proto import live_pb2

    plan = live_pb2.LivePlan(dimensions=["weight_kg"], now=100)
    plan.vehicles.add(
        vehicle_id="v1",
        profile="van",
        capacity=[1_000_000],
        depot_lat=31.2,
        depot_lon=121.4,
        end_lat=31.2,
        end_lon=121.4,
        shift_start=0,
        shift_end=90_000,
        lat=31.2,
        lon=121.4,
        position_time=100,
    )
    return plan


def _order(now: int) -> Any:
    from server.proto import orders_pb2

    return orders_pb2.Order(
        shipper_id=7,
        origin_lat=31.23,
        origin_lon=121.47,
        origin_city="Shanghai",
        dest_lat=30.27,
        dest_lon=120.15,
        dest_city="Hangzhou",
        weight_kg=500,
        volume_l=2_000,
        pickup_start=now + 3_600,
        pickup_end=now + 7_200,
        delivery_deadline=now + 40_000,
        price_mode="grabbing",
        price_fen=150_000,
        deadline=now + 600,
    )


def call(
    fn: Any, req: Any, retry: tuple[grpc.StatusCode, ...] = (), retried: list[int] | None = None
) -> Any:
    """``fn(req)`` retried on UNAVAILABLE (and the codes in ``retry``), counted in
    ``retried``."""
    for attempt in range(400):
        try:
            return fn(req, timeout=30, metadata=MD)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNAVAILABLE and e.code() not in retry:
                raise
            if retried is not None:
                retried[0] += 1
            time.sleep(min(0.01 * 2**attempt, 0.1))
    raise RuntimeError("still UNAVAILABLE")


class Setup:
    """Stubs over a channel, with the world the load needs set up through it."""

    def __init__(self, ch: grpc.Channel, world: Any, n_plans: int) -> None:
        from server.convert import fleet as fconv
        from server.proto import fleet_grpc, fleet_pb2, live_grpc, live_pb2, orders_grpc

        self.fleet = fleet_grpc.FleetStub(ch)
        self.live = live_grpc.LivePlansStub(ch)
        self.orders = orders_grpc.OrdersStub(ch)
        trucks = (
            world.vehicles.filter(pl.col("vehicle_type") == "light_truck")
            .unique(subset=["carrier_id"], keep="first", maintain_order=True)
            .head(8)
            .with_columns(
                pl.lit(31.2).alias("lat"),
                pl.lit(121.4).alias("lon"),
                pl.lit("idle").alias("status"),
            )
        )
        call(
            self.fleet.UpsertVehicles,
            fleet_pb2.UpsertVehiclesRequest(vehicles=list(fconv.messages("vehicles", trucks))),
        )
        self.trucks = [
            (int(v), int(c)) for v, c in trucks.select("vehicle_id", "carrier_id").rows()
        ]
        base = world.vehicles.filter(pl.col("vehicle_type") == "van").head(1)
        self.rows = [
            list(
                fconv.messages(
                    "vehicles", base.with_columns(pl.lit(50_000_000 + i).alias("vehicle_id"))
                )
            )
            for i in range(200)
        ]
        self.plans = [f"p{k}-{uuid.uuid4().hex[:6]}" for k in range(n_plans)]
        for pid in self.plans:
            call(self.live.CreatePlan, live_pb2.CreatePlanRequest(plan_id=pid, plan=_plan()))


def mixed(setup: Setup, k: int, stop_at: float, lat: dict[str, list[float]]) -> int:
    """One client's cycle until ``stop_at``; returns calls made."""
    from server.proto import fleet_pb2, live_pb2, orders_pb2

    pid, version, i, calls = setup.plans[k], 1, 0, 0
    vid, cid = setup.trucks[k % len(setup.trucks)]

    def timed(kind: str, fn: Any, req: Any) -> Any:
        t0 = time.perf_counter()
        out = call(fn, req)
        lat[kind].append(time.perf_counter() - t0)
        return out

    while time.monotonic() < stop_at:
        rows = setup.rows[(k * 37 + i) % 200]
        timed(
            "UpsertVehicles",
            setup.fleet.UpsertVehicles,
            fleet_pb2.UpsertVehiclesRequest(vehicles=rows),
        )
        job = live_pb2.LiveJob(job_id=f"j{i}", kind="delivery", lat=31.21, lon=121.41, amounts=[1])
        req = live_pb2.ApplyEventsRequest(
            plan_id=pid,
            events=[live_pb2.Event(t=1_000 + i, new_job=live_pb2.NewJob(job=job))],
            expected_version=version,
        )
        version = timed("ApplyEvents", setup.live.ApplyEvents, req).view.plan.version
        timed("GetPlan", setup.live.GetPlan, live_pb2.GetPlanRequest(plan_id=pid))
        order = _order(int(time.time()))
        posted = timed(
            "PostOrder",
            setup.orders.PostOrder,
            orders_pb2.PostOrderRequest(idempotency_key=uuid.uuid4().hex, order=order),
        )
        timed(
            "Grab",
            setup.orders.Grab,
            orders_pb2.TakeRequest(
                idempotency_key=uuid.uuid4().hex,
                order_id=posted.order.order_id,
                actor=f"carrier:{cid}",
                vehicle_id=vid,
            ),
        )
        i += 1
        calls += 5
    return calls


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000 if s else float("nan")


def throughput(pg: str, world: Any, n_inst: int, clients: int, seconds: float) -> dict[str, Any]:
    with pg_schema(pg) as db, tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        names = [f"i{k}" for k in range(n_inst)]
        procs = [start(db, tmp, n, 10.0) for n in names]
        try:
            ports = [port_of(p, tmp, n) for p, n in zip(procs, names, strict=True)]
            ch = rr_channel(ports)
            setup = Setup(ch, world, clients)
            time.sleep(2.5)  # every instance synced the set-up fleet
            lat: dict[str, list[float]] = {
                k: [] for k in ("UpsertVehicles", "ApplyEvents", "GetPlan", "PostOrder", "Grab")
            }
            cpu0 = sum(cpu_s(p.pid) for p in procs)
            c0, t0 = time.process_time(), time.monotonic()
            stop_at = t0 + seconds
            counts: list[int] = []
            ths = [
                threading.Thread(target=lambda k=k: counts.append(mixed(setup, k, stop_at, lat)))
                for k in range(clients)
            ]
            for t in ths:
                t.start()
            for t in ths:
                t.join()
            wall = time.monotonic() - t0
            out = {
                "instances": n_inst,
                "calls": sum(counts),
                "wall": wall,
                "server_cpu": sum(cpu_s(p.pid) for p in procs) - cpu0,
                "client_cpu": time.process_time() - c0,
                "lat": {k: (pct(v, 0.5), pct(v, 0.99)) for k, v in lat.items()},
            }
            ch.close()
            return out
        finally:
            stop(procs)


def failover(pg: str, world: Any, ttl: float, sig: signal.Signals) -> dict[str, float]:
    from server.proto import fleet_pb2, live_grpc, live_pb2

    with pg_schema(pg) as db, tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        procs = [start(db, tmp, n, ttl) for n in ("A", "B")]
        try:
            pa, pb = (port_of(p, tmp, n) for p, n in zip(procs, ("A", "B"), strict=True))
            setup = Setup(rr_channel([pa, pb]), world, 0)
            pid = f"fo-{uuid.uuid4().hex[:6]}"
            a_live = live_grpc.LivePlansStub(grpc.insecure_channel(f"127.0.0.1:{pa}"))
            call(a_live.CreatePlan, live_pb2.CreatePlanRequest(plan_id=pid, plan=_plan()))
            firsts: dict[str, float] = {}
            retried = [0]
            killed_at: list[float] = []
            done = threading.Event()

            def writer(kind: str) -> None:
                # SIGTERM: calls the stopping server accepted but had not started are
                # CANCELLED (nothing applied); retried like UNAVAILABLE, counted
                retry = (grpc.StatusCode.CANCELLED,)
                version, i = 1, 0
                while not done.is_set():
                    t0 = time.monotonic()
                    if kind == "plan":
                        job = live_pb2.LiveJob(
                            job_id=f"j{i}", kind="delivery", lat=31.21, lon=121.41, amounts=[1]
                        )
                        ev = live_pb2.Event(t=1_000 + i, new_job=live_pb2.NewJob(job=job))
                        req = live_pb2.ApplyEventsRequest(
                            plan_id=pid, events=[ev], expected_version=version
                        )
                        try:
                            version = call(
                                setup.live.ApplyEvents, req, retry, retried
                            ).view.plan.version
                        except grpc.RpcError as e:  # a retry of a write that was applied
                            if e.code() != grpc.StatusCode.ABORTED:
                                raise
                            version += 1
                    else:
                        rows = setup.rows[i % 200]
                        call(
                            setup.fleet.UpsertVehicles,
                            fleet_pb2.UpsertVehiclesRequest(vehicles=rows),
                            retry,
                            retried,
                        )
                    if killed_at and t0 > killed_at[0] and kind not in firsts:
                        firsts[kind] = time.monotonic() - killed_at[0]
                    i += 1

            ths = [threading.Thread(target=writer, args=(k,)) for k in ("plan", "fleet")]
            for t in ths:
                t.start()
            time.sleep(2.0)
            procs[0].send_signal(sig)
            killed_at.append(time.monotonic())
            end = time.monotonic() + ttl + 60
            while len(firsts) < 2 and time.monotonic() < end:
                time.sleep(0.02)
            done.set()
            for t in ths:
                t.join()
            return {**firsts, "retried": retried[0]}
        finally:
            stop(procs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", default=os.environ.get("YUNLI_TEST_PG_URL", ""))
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--ttl", type=float, nargs="+", default=[2.0, 10.0])
    ap.add_argument("--skip", choices=["throughput", "failover"], action="append", default=[])
    args = ap.parse_args(argv)
    if not args.pg:
        ap.error("needs --pg URL or YUNLI_TEST_PG_URL (source scripts/start_services.sh)")
    from engine.data.sample import load_sample

    world = load_sample()
    la0 = os.getloadavg()
    print(
        f"nproc {os.cpu_count()}; load average before: {la0[0]:.1f} / {la0[1]:.1f} / {la0[2]:.1f}"
    )
    if "throughput" not in args.skip:
        print(
            f"\n{args.clients} clients, {args.seconds:.0f} s per run; each client cycles "
            "UpsertVehicles, ApplyEvents, GetPlan, PostOrder, Grab\n"
        )
        print(
            "| instances | calls | calls/s | server CPU s | client CPU s | "
            "p50 / p99 ms: UpsertVehicles | ApplyEvents | GetPlan | PostOrder | Grab |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for n in (1, 2):
            r = throughput(args.pg, world, n, args.clients, args.seconds)
            la = " | ".join(f"{a:.0f} / {b:.0f}" for a, b in r["lat"].values())
            print(
                f"| {n} | {r['calls']:,} | {r['calls'] / r['wall']:.0f} | "
                f"{r['server_cpu']:.1f} | {r['client_cpu']:.1f} | {la} |",
                flush=True,
            )
    if "failover" not in args.skip:
        print(
            "\n| lease TTL s | signal to owner | first fleet write after s | "
            "first plan write after s | calls retried |"
        )
        print("|---|---|---|---|---|")
        for ttl in args.ttl:
            for sig in (signal.SIGKILL, signal.SIGTERM):
                f = failover(args.pg, world, ttl, sig)
                print(
                    f"| {ttl:g} | {sig.name} | {f.get('fleet', float('nan')):.2f} | "
                    f"{f.get('plan', float('nan')):.2f} | {f['retried']:.0f} |",
                    flush=True,
                )
    la1 = os.getloadavg()
    print(f"\nload average after: {la1[0]:.1f} / {la1[1]:.1f} / {la1[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
