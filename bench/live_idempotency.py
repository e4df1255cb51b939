"""Cost of the idempotency key of ``LivePlans.ApplyEvents``: keyed vs unkeyed calls, same run.

A server is started in this process (SQLite file, and PostgreSQL when ``--pg URL`` or
``YUNLI_TEST_PG_URL`` is given) with a live plan of a generated city day (``--vehicles``
× ``--stops``, solved for 1 s). Then ``--calls`` rounds, each sending one unkeyed and one
keyed ``ApplyEvents`` over the real socket (order alternating per round), each a single
``vehicle_delayed`` event without re-plan (the cheapest write, so the key's share is the
largest it gets), and one keyed retry (answered from the record). Reported per kind:
wall p50/p95 per call and the process CPU time per call (client and server are in this
process, so CPU covers both), and the stored record's size.

    python -m bench.live_idempotency --calls 200
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import uuid
from typing import Any


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def run(db: str, label: str, calls: int, vehicles: int, stops: int) -> list[dict[str, Any]]:
    """Measure one back-end; returns one row per call kind."""
    from engine.live import plan_from_solution
    from engine.live.scenario import city_day
    from engine.routing import solve
    from server.app import create_server
    from server.config import ServerConfig
    from server.convert import live as convert
    from server.live_client import LiveClient
    from server.proto import live_pb2

    sc = city_day(vehicles, stops, seed=3)
    plan = plan_from_solution(solve(sc.problem, time_limit=1.0, seed=0))
    srv, port = create_server(
        "127.0.0.1:0", ServerConfig(db=db, tokens=frozenset({"t"}), sync_interval_s=0)
    )
    srv.start()
    try:
        client = LiveClient(f"127.0.0.1:{port}", token="t")
        pid = f"bench-{uuid.uuid4().hex[:8]}"
        client.stub.CreatePlan(
            live_pb2.CreatePlanRequest(plan_id=pid, plan=convert.live_plan_msg(plan, pid)),
            metadata=client.metadata,
        )
        vid = next(iter(plan.vehicles))
        times: dict[str, list[float]] = {"unkeyed": [], "keyed": [], "keyed retry": []}
        cpu: dict[str, float] = dict.fromkeys(times, 0.0)
        size = 0

        def once(kind: str, req: Any) -> Any:
            c0, t0 = _cpu(), time.perf_counter()
            r = client.stub.ApplyEvents(req, metadata=client.metadata, timeout=60)
            times[kind].append(time.perf_counter() - t0)
            cpu[kind] += _cpu() - c0
            return r

        for i in range(calls + 5):
            ev = live_pb2.Event(
                t=plan.now + i, vehicle_delayed=live_pb2.VehicleDelayed(vehicle_id=vid, delay_s=1)
            )
            plain = live_pb2.ApplyEventsRequest(plan_id=pid, events=[ev])
            keyed = live_pb2.ApplyEventsRequest(
                plan_id=pid, events=[ev], idempotency_key=uuid.uuid4().hex
            )
            order = [("unkeyed", plain), ("keyed", keyed)]
            if i % 2:
                order.reverse()
            for kind, req in order:
                once(kind, req)
            r = once("keyed retry", keyed)
            assert r.replayed
            if i == 4:  # warm-up rounds dropped
                for k in times:
                    times[k].clear()
                    cpu[k] = 0.0
        rec = srv.state.store.live_key(keyed.idempotency_key)
        assert rec is not None
        size = len(rec.response)
        client.close()
    finally:
        srv.stop(0)
    return [
        {
            "db": label,
            "kind": k,
            "calls": len(v),
            "p50_ms": 1000 * statistics.median(v),
            "p95_ms": 1000 * _pct(v, 0.95),
            "cpu_ms": 1000 * cpu[k] / len(v),
            "record_kb": size / 1024,
        }
        for k, v in times.items()
    ]


def main() -> None:
    """Run and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--vehicles", type=int, default=50)
    ap.add_argument("--stops", type=int, default=500)
    ap.add_argument("--pg", default=os.environ.get("YUNLI_TEST_PG_URL", ""))
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}, cores {os.cpu_count()}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(f"{tmp}/b.db", "sqlite", args.calls, args.vehicles, args.stops)
    if args.pg:
        import psycopg

        schema = f"b_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in args.pg else "?"
        try:
            url = f"{args.pg}{sep}options=-csearch_path%3D{schema}"
            rows += run(url, "postgres", args.calls, args.vehicles, args.stops)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    print(f"load average after: {os.getloadavg()}")
    print("| db | call | calls | wall p50 ms | wall p95 ms | CPU ms/call | record KiB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['db']} | {r['kind']} | {r['calls']} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} "
            f"| {r['cpu_ms']:.2f} | {r['record_kb']:.1f} |"
        )


if __name__ == "__main__":
    main()
