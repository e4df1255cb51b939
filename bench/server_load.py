"""Load benchmark of the gRPC server: recommend-vehicles-for-a-load at a target rate.

Runs in its own process (the load generator) against ``yunli serve`` started as a
subprocess on a generated world, and measures in the same run the ceiling of a bare
grpcio server answering health checks, so Yunli's throughput is reported as a ratio
to what Python gRPC itself manages on this machine.

Quick (CI, a few seconds)::

    python -m bench.server_load --quick

Full (the issue's figures: 20,000 vehicles, 2,000,000 trips, 20,000 loads, 60 s at
1,000 requests/s, then again beside a 30-second optimization)::

    python -m bench.server_load --record

Reports throughput, p50/p99 latency, errors, and the server's RSS at start and end.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from server.config import usable_cores

TOKEN = "bench-token"
RESULTS = Path(__file__).with_name("RESULTS.md")


@dataclass
class LoadResult:
    """Outcome of one load run."""

    name: str
    target_rps: float
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    #: Paced runs: p99 of the latency counted from each call's scheduled start, so a
    #: call that went out late (its client thread was still waiting on the previous
    #: one) is charged the delay too (no coordinated omission). NaN when unthrottled.
    p99_sched_ms: float = math.nan
    #: CPU time of the server process per answered call, microseconds (NaN: unknown).
    server_cpu_us: float = math.nan
    #: 1-min load average of the machine when the run started.
    loadavg: float = math.nan

    def line(self) -> str:
        """One line for the report."""
        tgt = f"target {self.target_rps:,.0f}/s" if self.target_rps else "unthrottled"
        err = sum(self.errors.values())
        sched = "" if math.isnan(self.p99_sched_ms) else f" ({self.p99_sched_ms:.2f} from sched.)"
        cpu = (
            ""
            if math.isnan(self.server_cpu_us)
            else f", server {self.server_cpu_us:.0f} us CPU/call"
        )
        return (
            f"{self.name:<34} {tgt:>18}: {self.rps:8,.0f} req/s, p50 {self.p50_ms:6.2f} ms, "
            f"p99 {self.p99_ms:6.2f} ms{sched}, max {self.max_ms:7.1f} ms, errors {err}"
            + (f" {self.errors}" if err else "")
            + f"{cpu}, load {self.loadavg:.1f}"
        )


def run_load(
    call: Callable[[int], Any],
    *,
    name: str,
    seconds: float,
    rate: float,
    threads: int,
    server_pid: int | None = None,
) -> LoadResult:
    """Call ``call(i)`` from ``threads`` threads for ``seconds`` at ``rate`` calls/s in all
    (0: as fast as possible); latency is each call's own duration (and, when paced, also
    counted from its scheduled start). ``server_pid``: report that process's CPU time
    per call."""
    import grpc

    lat: list[list[float]] = [[] for _ in range(threads)]
    late: list[list[float]] = [[] for _ in range(threads)]
    errors: dict[str, int] = {}
    lock = threading.Lock()
    start = time.perf_counter() + 0.05
    end = start + seconds

    def worker(k: int) -> None:
        interval = threads / rate if rate > 0 else 0.0
        nxt = start + k * interval / threads
        i = k
        out, behind = lat[k], late[k]
        while True:
            now = time.perf_counter()
            scheduled = nxt
            if interval:
                if nxt > now:
                    time.sleep(nxt - now)
                nxt += interval
            elif now < start:
                time.sleep(start - now)
            t0 = time.perf_counter()
            if t0 >= end:
                return
            try:
                call(i)
            except grpc.RpcError as e:
                with lock:
                    errors[e.code().name] = errors.get(e.code().name, 0) + 1
            out.append(time.perf_counter() - t0)
            if interval:
                behind.append(max(0.0, t0 - scheduled))
            i += threads

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    load = os.getloadavg()[0]
    cpu0 = cpu_seconds(server_pid) if server_pid else math.nan
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    cpu1 = cpu_seconds(server_pid) if server_pid else math.nan
    all_lat = sorted(x for part in lat for x in part)
    n = len(all_lat)
    from_sched = (
        sorted(x + b for ls, bs in zip(lat, late, strict=True) for x, b in zip(ls, bs, strict=True))
        if rate > 0
        else []
    )

    def pct(xs: list[float], p: float) -> float:
        return xs[min(len(xs) - 1, math.ceil(p * len(xs)) - 1)] * 1e3 if xs else float("nan")

    return LoadResult(
        name=name,
        target_rps=rate,
        seconds=seconds,
        requests=n,
        rps=n / seconds,
        p50_ms=pct(all_lat, 0.50),
        p99_ms=pct(all_lat, 0.99),
        max_ms=all_lat[-1] * 1e3 if n else float("nan"),
        errors=errors,
        p99_sched_ms=pct(from_sched, 0.99),
        server_cpu_us=(cpu1 - cpu0) / n * 1e6 if n else math.nan,
        loadavg=load,
    )


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU time of a process so far, s (``children``: of its live child
    processes instead, e.g. the solver workers of the server)."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(p: int | str) -> tuple[int, float]:
        f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return int(f[1]), (int(f[11]) + int(f[12])) / tick

    if not children:
        return of(pid)[1]
    total = 0.0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid, t = of(d.name)
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                total += t
    return total


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_port(proc: subprocess.Popen[bytes], port_file: Path, timeout: float) -> int:
    end = time.monotonic() + timeout
    while not (port_file.exists() and port_file.read_text().strip()):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        if time.monotonic() > end:
            proc.kill()
            raise RuntimeError("server did not start in time")
        time.sleep(0.05)
    return int(port_file.read_text())


def bare_health_server(port_file: str, workers: int) -> None:
    """A grpcio server with only the standard health service (the ceiling)."""
    from concurrent import futures

    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    h = health.HealthServicer()
    h.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(h, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    Path(port_file).write_text(f"{port}\n")
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()


def measure_ceiling(tmp: Path, seconds: float, threads: int, workers: int) -> LoadResult:
    """Throughput of the bare health server, unthrottled, from this process."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    port_file = tmp / "bare.port"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.server_load", "--bare-health-server", str(port_file),
         "--workers", str(workers)],
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    try:
        port = _wait_port(proc, port_file, 60)
        stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        req = health_pb2.HealthCheckRequest()
        stub.Check(req, timeout=10)
        return run_load(
            lambda i: stub.Check(req, timeout=10),
            name="bare grpcio health check (ceiling)",
            seconds=seconds,
            rate=0,
            threads=threads,
            server_pid=proc.pid,
        )
    finally:
        proc.terminate()
        proc.wait(30)


def stop_all(procs: list[Any]) -> None:
    """Terminate every process, then wait for each (killing one that does not end in 30 s)."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def write_world(n_vehicles: int, n_trips: int, n_loads: int, seed: int, out: Path) -> Any:
    """Generate a world and write it where ``yunli serve --import-world`` reads it."""
    from engine.data.generator import generate_world

    world = generate_world(n_vehicles, n_trips, n_loads, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("vehicles", "loads", "trips", "sites"):
        getattr(world, name).write_parquet(out / f"{name}.parquet", compression="lz4")
    (out / "now.txt").write_text(f"{world.now}\n")
    return world


def optimize_request(world: Any, n_jobs: int, seconds: float) -> Any:
    """A VRPTW of the ``n_jobs`` load origins nearest the busiest origin city."""
    import polars as pl

    from server.proto import routing_pb2

    loads = world.loads
    city = loads["origin_city"].mode()[0]
    c = loads.filter(pl.col("origin_city") == city)
    lat0, lon0 = float(c["origin_lat"].mean()), float(c["origin_lon"].mean())
    near = (
        loads.with_columns(
            d=(pl.col("origin_lat") - lat0) ** 2 + (pl.col("origin_lon") - lon0) ** 2
        )
        .sort("d")
        .head(n_jobs)
    )
    p = routing_pb2.Problem(name="bench", dimensions=["weight_kg"])
    p.sites.add(name="depot", lat=lat0, lon=lon0, is_depot=True)
    rng = random.Random(0)
    for i, r in enumerate(near.iter_rows(named=True)):
        p.sites.add(name=f"s{i}", lat=r["origin_lat"], lon=r["origin_lon"])
        start = rng.randrange(8, 16) * 3600
        j = p.jobs.add(name=f"j{i}", site=f"s{i}", delivery=[rng.randrange(100, 900)], service=600)
        j.time_windows.add(start=start, end=start + 3 * 3600)
    p.vehicle_types.add(
        name="truck", num_available=n_jobs // 5, capacity=[4000], start_site="depot",
        profile="light_truck", cost_per_km=350, fixed_cost=20_000,
    )  # fmt: skip
    return routing_pb2.OptimizeRequest(problem=p, time_limit_s=seconds, solver="ortools")


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(p * len(xs)) - 1))] * 1e3 if xs else math.nan


def live_latency(ch: Any, md: Any, n_vehicles: int, n_stops: int, reports: int,
                 replans: int) -> dict[str, Any]:  # fmt: skip
    """Round trips of LivePlans calls on a city-day plan: single position reports
    (applied, stored durably, warnings back) and event batches with a re-plan."""
    from engine.live import plan_from_solution
    from engine.live.scenario import city_day
    from engine.routing import solve
    from server.convert import live as convert
    from server.proto import live_grpc, live_pb2

    sc = city_day(n_vehicles, n_stops, seed=1)
    plan = plan_from_solution(solve(sc.problem, time_limit=5.0, seed=0))
    live = live_grpc.LivePlansStub(ch)
    msg = convert.live_plan_msg(plan, "")
    view = live.CreatePlan(live_pb2.CreatePlanRequest(plan_id="bench", plan=msg), metadata=md)
    busy = [v for v in view.plan.vehicles if v.route]
    pos: list[float] = []
    for i in range(reports):
        v = busy[i % len(busy)]
        rep = live_pb2.PositionReport(
            plan_id="bench", t=view.plan.now + 10 * (i + 1),
            position=live_pb2.PositionUpdate(
                vehicle_id=v.vehicle_id, lat=v.depot_lat + 1e-5 * i, lon=v.depot_lon),
        )  # fmt: skip
        t0 = time.perf_counter()
        live.ReportPositions(iter([rep]), metadata=md, timeout=30)
        pos.append(time.perf_counter() - t0)
    rp: list[float] = []
    t_ev = view.plan.now + 10 * (reports + 1)
    for i in range(replans):
        v = busy[i % len(busy)]
        ev = live_pb2.Event(
            t=t_ev + i, vehicle_delayed=live_pb2.VehicleDelayed(vehicle_id=v.vehicle_id,
                                                                delay_s=300),
        )  # fmt: skip
        req = live_pb2.ApplyEventsRequest(
            plan_id="bench", events=[ev],
            options=live_pb2.ReplanOptions(replan=True, time_limit_s=0.25),
        )  # fmt: skip
        t0 = time.perf_counter()
        live.ApplyEvents(req, metadata=md, timeout=60)
        rp.append(time.perf_counter() - t0)
    return {
        "vehicles": n_vehicles,
        "stops": n_stops,
        "position_p50_ms": _pct(pos, 0.5),
        "position_p95_ms": _pct(pos, 0.95),
        "replan_p50_ms": _pct(rp, 0.5),
        "replan_p95_ms": _pct(rp, 0.95),
        "reports": reports,
        "replans": replans,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark; returns the figures as a dict."""
    import grpc

    from server.proto import matching_grpc, matching_pb2, routing_grpc

    tmp = Path(tempfile.mkdtemp(prefix="yunli-load-"))
    t0 = time.perf_counter()
    world = write_world(args.vehicles, args.trips, args.loads, args.seed, tmp / "world")
    print(f"world: {args.vehicles:,} vehicles, {args.trips:,} trips, {args.loads:,} loads "
          f"({time.perf_counter() - t0:.1f} s)", flush=True)  # fmt: skip
    ceiling = measure_ceiling(tmp, args.ceiling_seconds, args.threads, args.workers)
    print(ceiling.line(), flush=True)

    port_file = tmp / "yunli.port"
    t0 = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--address", "127.0.0.1:0",
         "--db", str(tmp / "yunli.db"), "--token", TOKEN, "--port-file", str(port_file),
         "--import-world", str(tmp / "world"), "--workers", str(args.workers),
         "--interactive-workers", str(args.interactive_workers),
         "--solver-nice", str(args.solver_nice), "--log-level", "warning"],
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    out: dict[str, Any] = {}
    try:
        port = _wait_port(server, port_file, 900)
        md = (("authorization", f"Bearer {TOKEN}"),)
        ch = grpc.insecure_channel(f"127.0.0.1:{port}")
        match = matching_grpc.MatchingStub(ch)
        load_ids = world.loads["load_id"].to_list()
        rng = random.Random(args.seed)
        picks = [load_ids[rng.randrange(len(load_ids))] for _ in range(100_000)]
        req = [matching_pb2.RecommendVehiclesRequest(load_id=x, k=args.k) for x in picks]
        match.RecommendVehicles(req[0], metadata=md, timeout=600)  # builds the matcher
        startup = time.perf_counter() - t0
        print(f"server ready in {startup:.1f} s (import, reload, matcher build)", flush=True)

        def call(i: int) -> Any:
            return match.RecommendVehicles(req[i % len(req)], metadata=md, timeout=10)

        rss0 = rss_mib(server.pid)
        load0 = os.getloadavg()[0]
        trace = [rss0]  # the server's RSS every 5 s of the steady run
        sampling = threading.Event()

        def sample_rss() -> None:
            while not sampling.wait(5.0):
                trace.append(rss_mib(server.pid))

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        steady = run_load(
            call, name="recommend vehicles for a load", seconds=args.seconds,
            rate=args.rate, threads=args.paced_threads, server_pid=server.pid,
        )  # fmt: skip
        sampling.set()
        sampler.join()
        rss1 = rss_mib(server.pid)
        trace.append(rss1)
        print(steady.line(), flush=True)
        print(f"server RSS: {rss0:,.0f} MiB at start, {rss1:,.0f} MiB at end; every 5 s: "
              + ", ".join(f"{x:,.0f}" for x in trace), flush=True)  # fmt: skip
        maximum = run_load(
            call, name="recommend vehicles (max rate)", seconds=args.ceiling_seconds,
            rate=0, threads=args.threads, server_pid=server.pid,
        )  # fmt: skip
        print(maximum.line(), flush=True)
        ratio = maximum.rps / ceiling.rps
        print(f"ratio to the bare grpcio ceiling: {ratio:.2f}", flush=True)
        out = {
            "ceiling": asdict(ceiling),
            "steady": asdict(steady),
            "max": asdict(maximum),
            "ratio_to_ceiling": ratio,
            "rss_start_mib": rss0,
            "rss_end_mib": rss1,
            "rss_trace_mib": trace,
            "startup_s": startup,
            "loadavg_start": load0,
            "loadavg_end": os.getloadavg()[0],
        }
        if args.optimize_seconds > 0:
            routing = routing_grpc.RoutingStub(ch)
            opt_req = optimize_request(world, args.optimize_jobs, args.optimize_seconds)
            opt: dict[str, Any] = {}

            def optimize() -> None:
                t = time.perf_counter()
                r = routing.Optimize(opt_req, metadata=md, timeout=args.optimize_seconds + 120)
                opt.update(
                    seconds=time.perf_counter() - t, routes=len(r.routes), cost=r.cost,
                    unserved=len(r.unserved), solver=r.solver,
                )  # fmt: skip

            solver_cpu0 = cpu_seconds(server.pid, children=True)
            t_opt = time.perf_counter()
            th = threading.Thread(target=optimize)
            th.start()
            time.sleep(1.0)  # the solve is under way (its process started at serve)
            busy = run_load(
                call, name="recommend during optimization",
                seconds=min(args.seconds, args.optimize_seconds - 2), rate=args.rate,
                threads=args.paced_threads, server_pid=server.pid,
            )  # fmt: skip
            th.join()
            # CPU the solver processes got over the solve (they run at --solver-nice)
            opt["solver_cpu_s"] = cpu_seconds(server.pid, children=True) - solver_cpu0
            opt["wall_s"] = time.perf_counter() - t_opt
            print(busy.line(), flush=True)
            print(f"optimization in parallel: {args.optimize_jobs} stops, "
                  f"{opt.get('seconds', float('nan')):.1f} s, {opt.get('routes')} routes, "
                  f"cost {opt.get('cost', float('nan')):,.0f}, {opt.get('unserved')} unserved, "
                  f"solver {opt.get('solver')}, solver processes used "
                  f"{opt['solver_cpu_s']:.1f} CPU-s at nice {args.solver_nice}",
                  flush=True)  # fmt: skip
            out["during_optimize"] = asdict(busy)
            out["optimize"] = opt
            out["rss_after_optimize_mib"] = rss_mib(server.pid)
        if args.live_stops > 0:
            lv = live_latency(
                ch, md, args.live_vehicles, args.live_stops, args.live_reports, args.live_replans
            )
            out["live"] = lv
            print(f"live plan {lv['vehicles']} vehicles / {lv['stops']} stops: position report "
                  f"round trip p50 {lv['position_p50_ms']:.1f} ms, p95 "
                  f"{lv['position_p95_ms']:.1f} ms ({lv['reports']} reports); apply + re-plan "
                  f"(0.25 s limit) p50 {lv['replan_p50_ms']:.0f} ms, p95 "
                  f"{lv['replan_p95_ms']:.0f} ms", flush=True)  # fmt: skip
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def record(args: argparse.Namespace, out: dict[str, Any], command: str) -> None:
    """Append the figures to bench/RESULTS.md."""
    s, c, m = out["steady"], out["ceiling"], out["max"]
    lines = [
        "",
        f"## gRPC server load — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"nproc {os.cpu_count()}",
        f"`{command}` — world {args.vehicles:,} vehicles / {args.trips:,} trips / "
        f"{args.loads:,} loads, RecommendVehicles k={args.k}; client in a separate process "
        f"({args.threads} threads for max-rate runs, {args.paced_threads} for target-rate "
        f"runs); server `--workers {args.workers} --interactive-workers "
        f"{args.interactive_workers} --solver-nice {args.solver_nice}`; 1-min load average "
        f"{out['loadavg_start']:.1f} → {out['loadavg_end']:.1f} (other jobs share the "
        "machine).",
        "",
        "| run | target req/s | achieved req/s | p50 ms | p99 ms | p99 from schedule ms "
        "| max ms | errors | server CPU µs/call | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    runs = [c, s, m] + ([out["during_optimize"]] if "during_optimize" in out else [])

    def opt(x: float | None, fmt: str) -> str:
        return "–" if x is None or math.isnan(x) else format(x, fmt)

    for r in runs:
        tgt = f"{r['target_rps']:,.0f}" if r["target_rps"] else "max"
        lines.append(
            f"| {r['name']} ({r['seconds']:.0f} s) | {tgt} | {r['rps']:,.0f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {opt(r.get('p99_sched_ms'), '.2f')} | "
            f"{r['max_ms']:.1f} | {sum(r['errors'].values())} | "
            f"{opt(r.get('server_cpu_us'), '.0f')} | {opt(r.get('loadavg'), '.1f')} |"
        )
    lines.append("")
    lines.append(
        f"Max rate / bare ceiling = {out['ratio_to_ceiling']:.2f}; server RSS "
        f"{out['rss_start_mib']:,.0f} MiB at start, {out['rss_end_mib']:,.0f} MiB at end "
        f"of the {s['seconds']:.0f}-second run (every 5 s: "
        + ", ".join(f"{x:,.0f}" for x in out.get("rss_trace_mib", []))
        + f"); ready in {out['startup_s']:.0f} s."
    )
    if "optimize" in out:
        o = out["optimize"]
        lines.append(
            f"Parallel optimization: {args.optimize_jobs} stops, time limit "
            f"{args.optimize_seconds:.0f} s, took {o.get('seconds', float('nan')):.1f} s "
            f"({o.get('routes')} routes, cost {o.get('cost', float('nan')):,.0f}, "
            f"{o.get('unserved')} unserved, solver {o.get('solver')}); the solver processes "
            f"(nice {args.solver_nice}) used {o.get('solver_cpu_s', float('nan')):.1f} CPU-s."
        )
    if "live" in out:
        lv = out["live"]
        lines.append(
            f"Live plan ({lv['vehicles']} vehicles, {lv['stops']} stops) over gRPC: a position "
            f"report (applied, stored with fsync, warnings back) p50 {lv['position_p50_ms']:.1f} "
            f"ms / p95 {lv['position_p95_ms']:.1f} ms over {lv['reports']}; apply an event + "
            f"re-plan (0.25 s limit) p50 {lv['replan_p50_ms']:.0f} ms / p95 "
            f"{lv['replan_p95_ms']:.0f} ms over {lv['replans']}."
        )
    with RESULTS.open("a") as f:
        f.write("\n".join(lines) + "\n")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a few seconds on a small world")
    p.add_argument("--vehicles", type=int, default=20_000)
    p.add_argument("--trips", type=int, default=2_000_000)
    p.add_argument("--loads", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--rate", type=float, default=1_000.0, help="target requests/s (0: max)")
    p.add_argument("--threads", type=int, default=4, help="client threads of the max-rate runs")
    p.add_argument(
        "--paced-threads",
        type=int,
        default=8,
        help="client threads of the target-rate runs (slack for slow calls)",
    )
    p.add_argument("--workers", type=int, default=32, help="server threads (yunli serve's default)")
    p.add_argument(
        "--interactive-workers",
        type=int,
        default=usable_cores(),
        help="server threads for single recommendations (yunli serve's default: one per core)",
    )
    p.add_argument(
        "--solver-nice", type=int, default=10, help="solver processes' nice (yunli serve's default)"
    )
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--ceiling-seconds", type=float, default=15.0)
    p.add_argument("--optimize-seconds", type=float, default=30.0)
    p.add_argument("--optimize-jobs", type=int, default=200)
    p.add_argument("--live-vehicles", type=int, default=50)
    p.add_argument("--live-stops", type=int, default=500, help="0: skip the live-plan runs")
    p.add_argument("--live-reports", type=int, default=300)
    p.add_argument("--live-replans", type=int, default=20)
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--record", action="store_true", help="append the figures to RESULTS.md")
    p.add_argument("--bare-health-server", metavar="PORT_FILE", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.quick:
        a.vehicles, a.trips, a.loads = 2_000, 50_000, 2_000
        a.seconds, a.ceiling_seconds = 3.0, 2.0
        a.optimize_seconds, a.optimize_jobs = 0.0, 50
        a.live_vehicles, a.live_stops, a.live_reports, a.live_replans = 10, 100, 50, 5
    return a


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse(argv)
    if args.bare_health_server:
        bare_health_server(args.bare_health_server, args.workers)
        return 0
    out = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    if args.record:
        record(args, out, "python -m bench.server_load " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
