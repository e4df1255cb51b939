"""Full-rate recommendations against the size of the interactive pool (issue 17 item 8).

On a generated world (default 20,000 vehicles, 2,000,000 trips, 20,000 loads, the world of
:mod:`bench.live_fleet`) this starts, for each pool size in ``--pools``, one ``yunli serve``
with ``--interactive-workers`` of that size and one bare grpcio server (the canned
``RecommendVehicles`` of :mod:`bench.live_fleet`) with the same pool. Every server is
warmed, then driven at full rate (``--threads`` client threads, ``--seconds`` per round)
for ``--rounds`` rounds, the servers in alternating order each round so a change in the
machine's load weighs on all alike. It reports each server's rate per round and median,
its CPU per call, and round by round: each Yunli server against the bare server of the
same pool (the item 8 ratio) and against the Yunli server of the first pool size.

    python -m bench.pool_sizes                       # pools 2 and 4
    python -m bench.pool_sizes --pools 1,2,4 --rounds 8
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.live_fleet import ROOT, _start_server, _startup, start_canned
from bench.server_load import TOKEN, run_load, stop_all, write_world


def _servers(args: argparse.Namespace, tmp: Path, reqs: list[Any]) -> tuple[list[Any], list[Any]]:
    """Start every server; ``(processes, [(tag, stub, pid, call kwargs), ...])``."""
    import grpc

    from server.proto import matching_grpc

    md = (("authorization", f"Bearer {TOKEN}"),)
    procs: list[Any] = []
    sides: list[tuple[str, Any, int, dict[str, Any]]] = []
    canned = tmp / "canned.bin"
    for p in args.pools:
        opts = argparse.Namespace(workers=args.workers, interactive_workers=p)
        proc, port_file, t0 = _start_server(opts, tmp, ROOT, f"yunli{p}")
        procs.append(proc)
        port, *_ = _startup(proc, port_file, t0)
        stub = matching_grpc.MatchingStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        answer = stub.RecommendVehicles(reqs[0], metadata=md, timeout=600)
        if not canned.exists():
            canned.write_bytes(answer.SerializeToString())
        sides.append((f"yunli pool {p}", stub, proc.pid, {"metadata": md}))
    for p in args.pools:
        proc, port = start_canned(tmp, f"bare{p}", canned, workers=args.workers, interactive=p)
        procs.append(proc)
        stub = matching_grpc.MatchingStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        stub.RecommendVehicles(reqs[0], timeout=10)
        sides.append((f"bare pool {p}", stub, proc.pid, {}))
    return procs, sides


def measure(args: argparse.Namespace, tmp: Path, world: Any) -> dict[str, list[dict[str, float]]]:
    """Alternating full-rate rounds over every server; per server, each round's figures."""
    from server.proto import matching_pb2

    loads = world.loads["load_id"].to_list()
    reqs = [
        matching_pb2.RecommendVehiclesRequest(load_id=loads[(i * 7919) % len(loads)], k=args.k)
        for i in range(20_000)
    ]
    procs, sides = _servers(args, tmp, reqs)
    try:
        for tag, stub, _pid, kw in sides:  # warm: every load's data read once
            run_load(
                lambda i, s=stub, kw=kw: s.RecommendVehicles(reqs[i % len(reqs)], timeout=10, **kw),
                name=f"{tag} warm-up", seconds=args.seconds, rate=0, threads=args.threads,
            )  # fmt: skip
        out: dict[str, list[dict[str, float]]] = {tag: [] for tag, *_ in sides}
        for rnd in range(args.rounds):
            for tag, stub, pid, kw in sides if rnd % 2 == 0 else sides[::-1]:
                r = run_load(
                    lambda i, s=stub, kw=kw: s.RecommendVehicles(
                        reqs[i % len(reqs)], timeout=10, **kw),
                    name=tag, seconds=args.seconds, rate=0, threads=args.threads, server_pid=pid,
                )  # fmt: skip
                row = {"rps": r.rps, "p99_ms": r.p99_ms, "cpu_us": r.server_cpu_us,
                       "errors": float(sum(r.errors.values()))}  # fmt: skip
                out[tag].append(row)
                print(f"round {rnd} {tag:14s} {r.rps:7,.0f}/s  p99 {r.p99_ms:5.2f} ms  "
                      f"server {r.server_cpu_us:4.0f} us CPU/call", flush=True)  # fmt: skip
        return out
    finally:
        stop_all(procs)


def report(args: argparse.Namespace, out: dict[str, list[dict[str, float]]]) -> str:
    """Medians per server and the round-by-round ratios."""
    lines = [
        f"== pool sizes (nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}, "
        f"{args.rounds} rounds of {args.seconds:g} s, {args.threads} client threads)"
    ]
    for tag, rows in out.items():
        rps = [x["rps"] for x in rows]
        lines.append(
            f"{tag:14s} median {statistics.median(rps):7,.0f}/s (rounds "
            f"{', '.join(f'{x:,.0f}' for x in rps)}); CPU/call median "
            f"{statistics.median(x['cpu_us'] for x in rows):.0f} us; errors "
            f"{sum(x['errors'] for x in rows):.0f}"
        )
    first = f"yunli pool {args.pools[0]}"
    for p in args.pools:
        y = [x["rps"] for x in out[f"yunli pool {p}"]]
        b = [x["rps"] for x in out[f"bare pool {p}"]]
        to_bare = [a / c for a, c in zip(y, b, strict=True)]
        lines.append(
            f"yunli pool {p} / bare pool {p}: median {statistics.median(to_bare):.3f} "
            f"(rounds {', '.join(f'{x:.3f}' for x in to_bare)})"
        )
        if p != args.pools[0]:
            f0 = [x["rps"] for x in out[first]]
            vs = [a / c for a, c in zip(y, f0, strict=True)]
            lines.append(
                f"yunli pool {p} / {first}: median {statistics.median(vs):.3f}, higher in "
                f"{sum(x > 1 for x in vs)} of {len(vs)} rounds"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pools", default="2,4", help="interactive pool sizes, comma-separated")
    p.add_argument("--vehicles", type=int, default=20_000)
    p.add_argument("--trips", type=int, default=2_000_000)
    p.add_argument("--loads", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--workers", type=int, default=32, help="main pool of every server")
    p.add_argument("--threads", type=int, default=4, help="client threads")
    p.add_argument("--seconds", type=float, default=4.0, help="seconds per round")
    p.add_argument("--rounds", type=int, default=8)
    args = p.parse_args(argv)
    args.pools = [int(x) for x in args.pools.split(",")]
    if not args.pools or min(args.pools) < 1 or len(set(args.pools)) != len(args.pools):
        p.error("--pools: distinct sizes of at least 1")
    tmp = Path(tempfile.mkdtemp(prefix="yunli-pools-"))
    try:
        world = write_world(args.vehicles, args.trips, args.loads, args.seed, tmp / "world")
        print(report(args, measure(args, tmp, world)), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
