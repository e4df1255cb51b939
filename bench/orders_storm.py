"""Reliability and throughput of ``yunli.v1.Orders`` against ``yunli serve`` subprocesses.

Scenarios (each on SQLite and, with ``YUNLI_TEST_PG_URL`` or ``--pg URL``, PostgreSQL):

``storm``
    ``--carriers`` carrier *processes*, each on its own channel over a real socket, grab
    the same order at once (a barrier per order), for ``--orders`` orders. Checks exactly
    one OK per order, the winner stored is the one acknowledged, one ``grabbed`` event
    and one award transaction per order; reports p50/p99 grab latency (winners and
    losers alike).
``lifecycle``
    ``--threads`` client threads run full lifecycles (post → grab → load → depart →
    deliver → confirm → rate → settle, 8 calls each) for ``--seconds``; reports
    lifecycles/s and server CPU per lifecycle, the ledger check at the end, and as the
    baseline in the same run the rate of the server's plainest durable write
    (``Fleet.UpsertVehicles`` of one vehicle) with the same threads.
``kill``
    kill -9 of the server during a grab storm (carriers retry UNAVAILABLE with the same
    idempotency key against the restarted server) and during settlement (settles of
    confirmed orders retried the same way); checks no order has two winners, every
    acknowledged call is in the database, the ledger balances.
``two``
    Two server instances on one PostgreSQL; carriers alternate between them. Exactly one
    winner per order.

Quick run (a minute)::

    python -m bench.orders_storm --quick

Full sizes of issue 11 (100 carriers × 1,000 orders per back-end; long on 2 cores)::

    python -m bench.orders_storm --carriers 100 --orders 1000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

TOKEN = "bench-token"


# ---- servers --------------------------------------------------------------------------------
def serve(db: str, tmp: Path, sync: float = 0.0) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``yunli serve`` on ``db``; returns the process and its port."""
    tag = uuid.uuid4().hex[:6]
    port_file, log = tmp / f"port-{tag}", tmp / f"serve-{tag}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
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
                str(port_file),
                "--sync-interval",
                str(sync),
                "--log-level",
                "error",
                "--solver-workers",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    deadline = time.monotonic() + 90
    while not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not start: {log.read_text()}")
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM and wait (SIGKILL after 30 s)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def stubs(port: int) -> tuple[Any, Any, Any]:
    """(orders stub, fleet stub, channel) with the bench token."""
    import grpc

    from server.proto import fleet_grpc, orders_grpc

    ch = grpc.insecure_channel(f"127.0.0.1:{port}")
    ch = grpc.intercept_channel(ch, _Auth())
    return orders_grpc.OrdersStub(ch), fleet_grpc.FleetStub(ch), ch


class _Auth:
    """Bearer token on unary calls (all the calls of this harness but Subscribe)."""

    def __new__(cls) -> Any:
        import grpc

        class A(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
            def _d(self, d: Any) -> Any:
                md = [*(d.metadata or ()), ("authorization", f"Bearer {TOKEN}")]
                return d._replace(metadata=md)

            def intercept_unary_unary(self, c: Any, d: Any, r: Any) -> Any:
                return c(self._d(d), r)

            def intercept_unary_stream(self, c: Any, d: Any, r: Any) -> Any:
                return c(self._d(d), r)

        return A()


def seed(port: int, n: int) -> list[tuple[int, int]]:
    """Upsert ``n`` idle light trucks near Shanghai, one carrier each.

    Returns ``(vehicle_id, carrier_id)`` pairs."""
    import polars as pl

    from engine.data.sample import load_sample
    from server.convert import fleet as convert
    from server.proto import fleet_pb2

    v = load_sample().vehicles.filter(pl.col("vehicle_type") == "light_truck").head(n)
    v = v.with_columns(
        pl.col("vehicle_id").alias("carrier_id"),
        pl.lit(31.2).alias("lat"),
        pl.lit(121.4).alias("lon"),
        pl.lit(0).alias("available_from"),
        pl.lit("idle").alias("status"),
    )
    _, fleet, _ = stubs(port)
    fleet.UpsertVehicles(
        fleet_pb2.UpsertVehiclesRequest(vehicles=list(convert.messages("vehicles", v)))
    )
    return [(int(a), int(b)) for a, b in v.select("vehicle_id", "carrier_id").iter_rows()]


def order_msg(shipper: int = 7, price: int = 150_000, mode: str = "grabbing") -> Any:
    """A small Shanghai → Hangzhou order every seeded truck may take."""
    from server.proto import orders_pb2

    now = int(time.time())
    return orders_pb2.Order(
        shipper_id=shipper,
        origin_lat=31.23,
        origin_lon=121.47,
        origin_city="Shanghai",
        dest_lat=30.27,
        dest_lon=120.15,
        dest_city="Hangzhou",
        weight_kg=200,
        volume_l=800,
        pickup_start=now + 7200,
        pickup_end=now + 14_400,
        delivery_deadline=now + 80_000,
        price_mode=mode,
        price_fen=price,
        deadline=now + 7000,
    )


def post_orders(port: int, n: int) -> list[int]:
    """Post ``n`` grabbing orders; returns their ids."""
    from server.proto import orders_pb2

    o, _, _ = stubs(port)
    return [
        o.PostOrder(
            orders_pb2.PostOrderRequest(idempotency_key=uuid.uuid4().hex, order=order_msg())
        ).order.order_id
        for _ in range(n)
    ]


# ---- carrier processes ----------------------------------------------------------------------
#: Carrier processes are spawned, not forked: a child forked from a parent that has already
#: opened gRPC channels can hang or die in gRPC's inherited state (seen once in a quick run:
#: the storm then waited forever for a result).
_CTX = mp.get_context("spawn")


def _carrier(
    i: int,
    ports: Any,
    vehicle: tuple[int, int],
    orders: list[int],
    barrier: Any,
    q: Any,
    retry: bool,
) -> None:
    import grpc

    from server.proto import orders_pb2

    vid, cid = vehicle
    out = []
    seen_port = -1
    stub: Any = None
    for oid in orders:
        if barrier is not None:
            barrier.wait()
        key = f"grab-{oid}-{cid}"
        t0 = time.perf_counter()
        while True:
            port = ports[i % len(ports)]
            if port != seen_port:
                stub, seen_port = stubs(port)[0], port
            try:
                r = stub.Grab(
                    orders_pb2.TakeRequest(
                        idempotency_key=key, order_id=oid, actor=f"carrier:{cid}", vehicle_id=vid
                    ),
                    timeout=30,
                )
                out.append((oid, "OK", time.perf_counter() - t0, r.order.carrier_id))
                break
            except grpc.RpcError as e:
                code = e.code().name
                if retry and code in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED"):
                    out.append((oid, "RETRIED_" + code, 0.0, -1))
                    time.sleep(0.05)
                    continue
                out.append((oid, code, time.perf_counter() - t0, -1))
                break
    q.put(out)


def storm(
    ports: Any,
    vehicles: list[tuple[int, int]],
    orders: list[int],
    *,
    barrier: bool = True,
    retry: bool = False,
    on_progress: Any = None,
) -> list[tuple[int, str, float, int]]:
    """Run one carrier process per vehicle over ``orders``; returns every call's outcome."""
    ctx = _CTX
    q = ctx.Queue()
    b = ctx.Barrier(len(vehicles)) if barrier else None
    procs = [
        ctx.Process(target=_carrier, args=(i, ports, v, orders, b, q, retry))
        for i, v in enumerate(vehicles)
    ]
    for p in procs:
        p.start()
    if on_progress is not None:
        on_progress()
    out = []
    pending = len(procs)
    while pending:
        try:
            out += q.get(timeout=5)
            pending -= 1
        except queue.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if dead:
                for p in procs:
                    p.kill()
                raise RuntimeError(
                    f"{len(dead)} carrier process(es) died (exit codes {sorted(set(dead))})"
                ) from None
    for p in procs:
        p.join()
    return out


def verify_grabs(
    port: int, orders: list[int], results: list[tuple[int, str, float, int]]
) -> dict[str, Any]:
    """Exactly one OK per order, matching the stored carrier, one grabbed event each."""
    from server.proto import orders_pb2

    o, _, _ = stubs(port)
    oks: dict[int, list[int]] = {}
    codes: dict[str, int] = {}
    for oid, code, _, carrier in results:
        codes[code] = codes.get(code, 0) + 1
        if code == "OK":
            oks.setdefault(oid, []).append(carrier)
    bad = []
    for oid in orders:
        stored = o.GetOrder(orders_pb2.GetOrderRequest(order_id=oid)).order
        grabbed = [
            e
            for e in o.Subscribe(orders_pb2.OrderSubscribeRequest(order_id=oid))
            if e.kind == "grabbed"
        ]
        acked = set(oks.get(oid, []))
        if len(grabbed) != 1 or acked != {stored.carrier_id} or stored.state != "awarded":
            bad.append(oid)
    ledger = o.CheckLedger(orders_pb2.CheckLedgerRequest())
    return {
        "orders": len(orders),
        "orders_with_exactly_one_winner": len(orders) - len(bad),
        "bad": bad[:10],
        "codes": codes,
        "ledger_ok": ledger.ok,
        "award_txns": ledger.transactions,
    }


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(p * len(s)))] * 1000 if s else float("nan")


# ---- scenarios ------------------------------------------------------------------------------
def run_storm(db: str, tmp: Path, carriers: int, n_orders: int) -> dict[str, Any]:
    """The grab storm on one server."""
    proc, port = serve(db, tmp)
    try:
        vehicles = seed(port, carriers)
        orders = post_orders(port, n_orders)
        c0, t0 = cpu_s(proc.pid), time.perf_counter()
        res = storm([port], vehicles, orders)
        wall, cpu = time.perf_counter() - t0, cpu_s(proc.pid) - c0
        lat = [r[2] for r in res if not r[1].startswith("RETRIED")]
        out = verify_grabs(port, orders, res)
        out.update(
            carriers=carriers,
            grabs=len(res),
            wall_s=round(wall, 2),
            server_cpu_s=round(cpu, 2),
            grabs_per_s=round(len(res) / wall, 1),
            p50_ms=round(_pct(lat, 0.5), 1),
            p99_ms=round(_pct(lat, 0.99), 1),
            winner_p99_ms=round(_pct([r[2] for r in res if r[1] == "OK"], 0.99), 1),
        )
        return out
    finally:
        stop(proc)


def _lifecycle(o: Any, vehicle: tuple[int, int], i: int) -> None:
    from server.proto import orders_pb2 as pb

    k = uuid.uuid4().hex
    vid, cid = vehicle
    carrier = f"carrier:{cid}"
    oid = o.PostOrder(
        pb.PostOrderRequest(idempotency_key=k + "p", order=order_msg(shipper=1000 + i))
    ).order.order_id
    o.Grab(pb.TakeRequest(idempotency_key=k + "g", order_id=oid, actor=carrier, vehicle_id=vid))
    for j, (action, actor) in enumerate(
        (
            ("confirm_loading", carrier),
            ("depart", carrier),
            ("deliver", carrier),
            ("confirm_delivery", f"shipper:{1000 + i}"),
        )
    ):
        o.Progress(
            pb.ProgressRequest(idempotency_key=f"{k}{j}", order_id=oid, actor=actor, action=action)
        )
    o.Rate(
        pb.RateRequest(idempotency_key=k + "r", order_id=oid, actor=f"shipper:{1000 + i}", stars=5)
    )
    o.Settle(pb.SettleRequest(idempotency_key=k + "s", order_id=oid, actor="platform:1"))


def run_lifecycle(db: str, tmp: Path, threads: int, seconds: float) -> dict[str, Any]:
    """Full lifecycles per second, then the one-vehicle upsert baseline, same server."""
    import polars as pl

    from engine.data.sample import load_sample
    from server.convert import fleet as convert
    from server.proto import fleet_pb2, orders_pb2

    proc, port = serve(db, tmp)
    try:
        vehicles = seed(port, threads)
        o, _, _ = stubs(port)

        def loop(fn: Any, i: int, counter: list[int], stop_at: float) -> None:
            while time.perf_counter() < stop_at:
                fn(i)
                counter[i] += 1

        def measure(fn: Any) -> tuple[int, float, float]:
            counter = [0] * threads
            c0, t0 = cpu_s(proc.pid), time.perf_counter()
            ts = [
                threading.Thread(target=loop, args=(fn, i, counter, t0 + seconds))
                for i in range(threads)
            ]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            return sum(counter), time.perf_counter() - t0, cpu_s(proc.pid) - c0

        stubs_by_thread = [stubs(port)[0] for _ in range(threads)]
        n, wall, cpu = measure(lambda i: _lifecycle(stubs_by_thread[i], vehicles[i], i))
        ledger = o.CheckLedger(orders_pb2.CheckLedgerRequest())
        base_v = load_sample().vehicles.head(1)
        fleets = [stubs(port)[1] for _ in range(threads)]
        msgs = [
            list(
                convert.messages(
                    "vehicles", base_v.with_columns(pl.lit(9_000_000 + i).alias("vehicle_id"))
                )
            )
            for i in range(threads)
        ]
        bn, bwall, bcpu = measure(
            lambda i: fleets[i].UpsertVehicles(fleet_pb2.UpsertVehiclesRequest(vehicles=msgs[i]))
        )
        return {
            "threads": threads,
            "lifecycles": n,
            "wall_s": round(wall, 2),
            "lifecycles_per_s": round(n / wall, 2),
            "calls_per_s": round(8 * n / wall, 1),
            "server_cpu_ms_per_lifecycle": round(1000 * cpu / max(n, 1), 1),
            "ledger_ok": ledger.ok,
            "ledger": ledger.summary,
            "baseline_upserts_per_s": round(bn / bwall, 1),
            "baseline_server_cpu_ms_per_upsert": round(1000 * bcpu / max(bn, 1), 2),
        }
    finally:
        stop(proc)


def run_kill(db: str, tmp: Path, carriers: int, n_orders: int, n_settle: int) -> dict[str, Any]:
    """kill -9 during a grab storm and during settlement; restart; verify."""
    import grpc

    from server.proto import orders_pb2 as pb

    proc, port = serve(db, tmp)
    ports = _CTX.Array("i", [port])
    vehicles = seed(port, carriers)
    orders = post_orders(port, n_orders)
    out: dict[str, Any] = {}
    restarted: list[Any] = []
    threads: list[threading.Thread] = []

    def killer() -> None:
        def go() -> None:
            time.sleep(0.4)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            p2, port2 = serve(db, tmp)
            restarted.append(p2)
            ports[0] = port2

        threads.append(threading.Thread(target=go, daemon=True))
        threads[0].start()

    res = storm(ports, vehicles, orders, barrier=False, retry=True, on_progress=killer)
    threads[0].join()
    out["grab_calls_answered"] = len(res)
    p2 = restarted[0]
    out["grab_storm"] = verify_grabs(ports[0], orders, res)
    # settlement: carry n_settle awarded orders to confirmed, then settle with a kill -9
    o, _, _ = stubs(ports[0])
    winners = {oid: c for oid, code, _, c in res if code == "OK"}
    todo = list(winners.items())[:n_settle]
    for oid, cid in todo:
        for j, (action, actor) in enumerate(
            (
                ("confirm_loading", f"carrier:{cid}"),
                ("depart", f"carrier:{cid}"),
                ("deliver", f"carrier:{cid}"),
                ("confirm_delivery", "shipper:7"),
            )
        ):
            o.Progress(
                pb.ProgressRequest(
                    idempotency_key=f"k-{oid}-{j}", order_id=oid, actor=actor, action=action
                )
            )
    acked: set[int] = set()
    lock = threading.Lock()
    state = {"port": ports[0]}

    def settler(part: list[tuple[int, int]]) -> None:
        for oid, _ in part:
            while True:
                try:
                    stubs(state["port"])[0].Settle(
                        pb.SettleRequest(
                            idempotency_key=f"settle-{oid}", order_id=oid, actor="platform:1"
                        ),
                        timeout=30,
                    )
                    with lock:
                        acked.add(oid)
                    break
                except grpc.RpcError as e:
                    if e.code().name not in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED"):
                        raise
                    time.sleep(0.05)

    ts = [threading.Thread(target=settler, args=(todo[i::4],)) for i in range(4)]
    for t in ts:
        t.start()
    while len(acked) < max(1, len(todo) // 3):
        time.sleep(0.005)
    os.kill(p2.pid, signal.SIGKILL)
    p2.wait()
    acked_before_kill = len(acked)
    p3, port3 = serve(db, tmp)
    state["port"] = port3
    for t in ts:
        t.join()
    o, _, _ = stubs(port3)
    settled = 0
    double = 0
    for oid, _ in todo:
        st = o.GetOrder(pb.GetOrderRequest(order_id=oid)).order.state
        settled += st == "settled"
        n_settled_events = sum(
            e.kind == "settled" for e in o.Subscribe(pb.OrderSubscribeRequest(order_id=oid))
        )
        double += n_settled_events != 1
    ledger = o.CheckLedger(pb.CheckLedgerRequest())
    out["settlement"] = {
        "orders": len(todo),
        "acked_before_kill": acked_before_kill,
        "settled_after_restart": settled,
        "orders_not_settled_exactly_once": double,
        "ledger_ok": ledger.ok,
        "ledger": ledger.summary,
    }
    stop(p3)
    return out


def run_two(db: str, tmp: Path, carriers: int, n_orders: int) -> dict[str, Any]:
    """Two instances on one PostgreSQL, carriers alternating between them."""
    a, pa = serve(db, tmp, sync=0.2)
    try:
        vehicles = seed(pa, carriers)
        b, pb_ = serve(db, tmp, sync=0.2)
        try:
            orders = post_orders(pa, n_orders // 2) + post_orders(pb_, n_orders - n_orders // 2)
            t0 = time.perf_counter()
            res = storm([pa, pb_], vehicles, orders)
            wall = time.perf_counter() - t0
            out = verify_grabs(pb_, orders, res)
            lat = [r[2] for r in res]
            out.update(wall_s=round(wall, 2), p99_ms=round(_pct(lat, 0.99), 1), carriers=carriers)
            return out
        finally:
            stop(b)
    finally:
        stop(a)


def _pg_schema(url: str) -> tuple[str, Any]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    return f"{url}{sep}options=-csearch_path%3D{schema}", drop


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print one JSON line per result."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small sizes (16 carriers, 40 orders)")
    ap.add_argument("--carriers", type=int, default=100)
    ap.add_argument("--orders", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--pg", default=os.environ.get("YUNLI_TEST_PG_URL", ""))
    ap.add_argument("--only", choices=("storm", "lifecycle", "kill", "two"), action="append")
    args = ap.parse_args(argv)
    if args.quick:
        args.carriers, args.orders, args.seconds = 16, 40, 5.0
    only = set(args.only or ("storm", "lifecycle", "kill", "two"))
    backends = ["sqlite"] + (["postgres"] if args.pg else [])
    print(json.dumps({"uptime": os.getloadavg(), "cores": os.cpu_count()}), flush=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for be in backends:
            for scen in ("storm", "lifecycle", "kill", "two"):
                if scen not in only or (scen == "two" and be != "postgres"):
                    continue
                if be == "sqlite":
                    db, drop = str(tmp / f"{scen}.db"), (lambda: None)
                else:
                    db, drop = _pg_schema(args.pg)
                try:
                    t0 = time.perf_counter()
                    if scen == "storm":
                        r = run_storm(db, tmp, args.carriers, args.orders)
                    elif scen == "lifecycle":
                        r = run_lifecycle(db, tmp, args.threads, args.seconds)
                    elif scen == "kill":
                        r = run_kill(db, tmp, min(args.carriers, 16), 120, 40)
                    else:
                        r = run_two(db, tmp, args.carriers, args.orders)
                    r = {
                        "scenario": scen,
                        "backend": be,
                        "load": os.getloadavg(),
                        **r,
                        "took_s": round(time.perf_counter() - t0, 1),
                    }
                    print(json.dumps(r), flush=True)
                finally:
                    drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
