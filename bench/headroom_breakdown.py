"""Where a recommendation's server CPU goes, beside the bare grpcio server (issue 17 item 8).

On a generated world (default 20,000 vehicles, 2,000,000 trips, 20,000 loads, the world
of :mod:`bench.live_fleet`) this starts three servers and drives each in turn with the
same paced load (``--rate`` calls/s from ``--threads`` client threads for ``--seconds``,
``--rounds`` rounds, the order alternating):

- ``yunli``: ``yunli serve`` from the source tree ``--tree`` (default this one);
- ``bare``: the canned grpcio server of :mod:`bench.live_fleet` (Yunli's answer to one
  load, same threads, pool and options, no interceptor): the ceiling of item 8;
- ``bare+interceptor``: the same with ``yunli serve``'s interceptor (bearer token,
  metrics, interactive pool) around it, the client sending the token.

For each it reports the server's CPU per call (user and system, from ``/proc``) and
its context switches per call (every thread, voluntary and not). Then, in this process,
the core's single query (``Matcher.recommend_vehicles_wire``, what ``RecommendVehicles``
runs) on the same world: back to back, and with ``--pollute`` MiB of memory written
between queries (what the server's other per-call work does to the caches).

    python -m bench.headroom_breakdown
    python -m bench.headroom_breakdown --tree /path/to/other/checkout
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.live_fleet import ROOT, _start_server, _startup, start_canned
from bench.server_load import TOKEN, run_load, stop_all, write_world
from server.config import usable_cores


def _cpu_split(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process so far."""
    tick = os.sysconf("SC_CLK_TCK")
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(f[11]) / tick, int(f[12]) / tick


def _switches(pid: int) -> tuple[int, int]:
    """Voluntary and involuntary context switches of every thread of a process."""
    vol = invol = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text()
        except OSError:
            continue  # the thread ended
        for line in text.splitlines():
            if line.startswith("voluntary_ctxt_switches"):
                vol += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches"):
                invol += int(line.split()[1])
    return vol, invol


def paced(args: argparse.Namespace, tmp: Path, world: Any) -> dict[str, list[dict[str, float]]]:
    """The three servers under the same paced load; per round and server, the figures."""
    import grpc

    from server.proto import matching_grpc, matching_pb2

    loads = world.loads["load_id"].to_list()
    reqs = [
        matching_pb2.RecommendVehiclesRequest(load_id=loads[(i * 7919) % len(loads)], k=args.k)
        for i in range(20_000)
    ]
    md = (("authorization", f"Bearer {TOKEN}"),)
    procs: list[Any] = []
    try:
        opts = argparse.Namespace(workers=32, interactive_workers=usable_cores())
        proc, port_file, t0 = _start_server(opts, tmp, Path(args.tree), "yunli")
        procs.append(proc)
        port, *_ = _startup(proc, port_file, t0)
        sides: list[tuple[str, Any, int, dict[str, Any]]] = []
        stub = matching_grpc.MatchingStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        answer = stub.RecommendVehicles(reqs[0], metadata=md, timeout=600)
        sides.append(("yunli", stub, proc.pid, {"metadata": md}))
        response = tmp / "canned.bin"
        response.write_bytes(answer.SerializeToString())
        for tag, intercept in (("bare", False), ("bare+interceptor", True)):
            cproc, cport = start_canned(tmp, tag.replace("+", "_"), response, intercept=intercept)
            procs.append(cproc)
            cstub = matching_grpc.MatchingStub(grpc.insecure_channel(f"127.0.0.1:{cport}"))
            kw: dict[str, Any] = {"metadata": md} if intercept else {}
            cstub.RecommendVehicles(reqs[0], timeout=10, **kw)
            sides.append((tag, cstub, cproc.pid, kw))
        out: dict[str, list[dict[str, float]]] = {tag: [] for tag, *_ in sides}
        for rnd in range(args.rounds):
            for tag, s, pid, kw in sides if rnd % 2 == 0 else sides[::-1]:
                u0, s0 = _cpu_split(pid)
                v0, i0 = _switches(pid)
                r = run_load(
                    lambda i, s=s, kw=kw: s.RecommendVehicles(
                        reqs[i % len(reqs)], timeout=10, **kw),
                    name=tag, seconds=args.seconds, rate=args.rate, threads=args.threads,
                )  # fmt: skip
                u1, s1 = _cpu_split(pid)
                v1, i1 = _switches(pid)
                n = max(1, r.requests)
                row = {
                    "rps": r.rps,
                    "p50_ms": r.p50_ms,
                    "p99_ms": r.p99_ms,
                    "errors": float(sum(r.errors.values())),
                    "cpu_us": (u1 - u0 + s1 - s0) / n * 1e6,
                    "user_us": (u1 - u0) / n * 1e6,
                    "sys_us": (s1 - s0) / n * 1e6,
                    "vcsw": (v1 - v0) / n,
                    "ivcsw": (i1 - i0) / n,
                    "load": os.getloadavg()[0],
                }
                out[tag].append(row)
                print(
                    f"round {rnd} {tag:17s} {row['rps']:6,.0f}/s  CPU/call {row['cpu_us']:4.0f} us "
                    f"(user {row['user_us']:4.0f}, sys {row['sys_us']:3.0f})  switches/call "
                    f"{row['vcsw']:5.2f} + {row['ivcsw']:5.2f}  p50 {row['p50_ms']:.2f} ms  "
                    f"load {row['load']:.1f}",
                    flush=True,
                )
        return out
    finally:
        stop_all(procs)


def in_process(args: argparse.Namespace, world: Any) -> dict[str, float]:
    """The core's single query in this process: back to back, and with ``--pollute`` MiB
    written between queries; thread CPU per query, µs (median of ``--rounds``)."""
    import numpy as np

    from engine.matching.matcher import Matcher

    m = Matcher(world.vehicles, world.trips, loads=world.loads)
    loads = world.loads["load_id"].to_list()
    ids = [loads[(i * 7919) % len(loads)] for i in range(min(len(loads), 8_000))]
    for lid in ids[:1_000]:
        m.recommend_vehicles_wire(lid, k=args.k)
    junk = np.ones(args.pollute * (1 << 20) // 8)
    out: dict[str, float] = {}
    for label, dirty in (("hot", False), (f"{args.pollute} MiB between", True)):
        per: list[float] = []
        for _ in range(args.rounds):
            spent = 0
            for lid in ids:
                if dirty:
                    junk += 1.0
                t = time.thread_time_ns()
                m.recommend_vehicles_wire(lid, k=args.k)
                spent += time.thread_time_ns() - t
            per.append(spent / len(ids) / 1e3)
        out[label] = statistics.median(per)
        print(f"core single query, {label}: {out[label]:.1f} us CPU (rounds {per})", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", default=str(ROOT), help="source tree of the Yunli server")
    p.add_argument("--vehicles", type=int, default=20_000)
    p.add_argument("--trips", type=int, default=2_000_000)
    p.add_argument("--loads", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--rate", type=float, default=800.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--pollute", type=int, default=8, help="MiB written between queries")
    p.add_argument("--skip-core", action="store_true", help="no in-process section")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="yunli-breakdown-"))
    world = write_world(args.vehicles, args.trips, args.loads, args.seed, tmp / "world")
    print(f"world {args.vehicles:,} vehicles / {args.trips:,} trips / {args.loads:,} loads; "
          f"nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    try:
        out = paced(args, tmp, world)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for tag, rows in out.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(
            f"median {tag:17s} CPU/call {med['cpu_us']:4.0f} us (user {med['user_us']:4.0f}, "
            f"sys {med['sys_us']:3.0f}), switches/call {med['vcsw']:.2f} + {med['ivcsw']:.2f}",
            flush=True,
        )
    if not args.skip_core:
        in_process(args, world)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
