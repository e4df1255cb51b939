"""Cluster (Ray) figures: partitioned matching, the many-depot routing batch, the
decomposed large city, against single-process runs in the same session.

Run from the repository root with the ``ray`` extra installed::

    python -m bench.cluster_report matching --vehicles 100000 --trips 2000000 --loads 100000
    python -m bench.cluster_report routing --cities 16 --stops 100 --time-limit 2
    python -m bench.cluster_report decompose --stops 2000 --vehicles 160 --budget 60 --clusters 4
    python -m bench.cluster_report national --cities 300 --stops 350 --vehicles 30 --time-limit 1
    python -m bench.cluster_report market --vehicles 1000000 --trips 100000000 --loads 1000000

Each prints a Markdown block for ``bench/RESULTS.md`` (date, cores, load average, the
command, the figures and the baseline measured in the same run). Times are wall seconds
beside CPU seconds: the machine these were first measured on was shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import polars as pl

from engine.cluster import RayCluster, run_in_processes, run_partitions
from engine.cluster import matching as cm
from engine.cluster import routing as cr


def _header(what: str) -> None:
    load = os.getloadavg()
    print(
        f"\n### {what} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n"
    )
    print("`python -m bench.cluster_report " + " ".join(sys.argv[1:]) + "`\n")


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _md(df: pl.DataFrame) -> str:
    cols = df.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.iter_rows():
        cells = [
            f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
            for v in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _warm(workers: int) -> float:
    """Start the cluster's workers (imports included) before timing: a standing cluster
    has warm workers; the cold start is reported separately."""
    from engine.live.scenario import city_day

    tiny = city_day(2, 6, seed=0).problem
    t0 = time.perf_counter()
    tasks = [cr.RouteTask(f"warm-{i}", tiny, 0.05) for i in range(2 * workers)]
    run_partitions(cr.solve_partition, tasks)
    return time.perf_counter() - t0


def matching(a: argparse.Namespace) -> None:
    """Top-k by region on Ray against one process, same session."""
    from engine.data.generator import generate_world
    from engine.matching import Matcher

    _header(f"Matching by region: {a.vehicles:,} vehicles, {a.trips:,} trips, {a.loads:,} loads")
    world, gen_s, _ = _timed(lambda: generate_world(a.vehicles, a.trips, a.loads, seed=a.seed))
    print(f"world generated in {gen_s:.1f} s\n")
    single, build_s, build_cpu = _timed(lambda: Matcher.from_world(world))
    ref, rec_s, rec_cpu = _timed(lambda: single.recommend_vehicles_batch(k=a.k))
    market = cm.Market.from_world(world)
    with RayCluster("local", num_cpus=a.workers):
        cold = _warm(a.workers)
        _, part_s, _ = _timed(lambda: cm.recommend_tasks(market, k=a.k, regions=a.regions))
        res, ray_s, _ = _timed(lambda: cm.recommend_vehicles(market, k=a.k, regions=a.regions))
    same = res.pairs.equals(ref)
    figs = cm.figures_frame(res.partitions).with_columns(pl.col("node_id").str.slice(0, 6))
    print(_md(figs.drop("node_id")))
    print()
    print("| run | wall s | CPU s | rows |\n|---|---|---|---|")
    print(f"| one process: build profiles | {build_s:.2f} | {build_cpu:.2f} | |")
    print(
        f"| one process: top-{a.k} for every load | {rec_s:.2f} | {rec_cpu:.2f} | {ref.height:,} |"
    )
    print(f"| one process: total | {build_s + rec_s:.2f} | {build_cpu + rec_cpu:.2f} | |")
    print(
        f"| Ray, {a.workers} local workers, {len(res.partitions)} regions: total "
        f"(partitioning {part_s:.2f} s in the driver) | {ray_s:.2f} | "
        f"{float(figs['cpu_s'].sum()):.2f} (workers) | {res.pairs.height:,} |"
    )
    dup = float(figs["vehicles"].sum()) / world.vehicles.height
    print(
        f"\nidentical to the one-process result: **{same}**; halo duplication of the fleet "
        f"{dup:.2f}x; partition wall max {float(figs['wall_s'].max()):.2f} s; worker warm-up "
        f"before timing {cold:.1f} s"
    )


def _national(a: argparse.Namespace) -> list[cr.RouteTask]:
    probs = cr.city_problems(a.cities, a.stops, a.vehicles, seed=a.seed)
    return [cr.RouteTask(n, p, a.time_limit, seed=a.seed) for n, p in probs]


def routing(a: argparse.Namespace) -> None:
    """Many depots: Ray with 1 and 2 workers, a process pool with 2, and sequential."""
    _header(
        f"Many-depot routing: {a.cities} cities x {a.stops} stops, {a.vehicles} vehicles each, "
        f"{a.time_limit} s per partition"
    )
    tasks = _national(a)
    rows = []
    seq, seq_s, seq_cpu = _timed(lambda: [cr.solve_partition(t) for t in tasks])
    rows.append(("sequential, one process", seq_s, seq_cpu, sum(p.cost for p in seq)))
    pool, pool_s, _ = _timed(lambda: run_in_processes(cr.solve_partition, tasks, workers=2))
    rows.append(
        (
            "process pool, 2 workers",
            pool_s,
            sum(r.cpu_s for r in pool),
            sum(r.value.cost for r in pool),
        )
    )
    for w in (1, 2):
        with RayCluster("local", num_cpus=w):
            cold = _warm(w)
            runs, s, _ = _timed(lambda: run_partitions(cr.solve_partition, tasks))
        print(f"Ray {w} worker(s): warm-up before timing {cold:.1f} s")
        rows.append(
            (f"Ray, {w} worker(s)", s, sum(r.cpu_s for r in runs), sum(r.value.cost for r in runs))
        )
        if w == 2:
            over = sum(
                r.value.runtime > t.time_limit + 0.5 for r, t in zip(runs, tasks, strict=True)
            )
            worst = max(r.value.runtime - t.time_limit for r, t in zip(runs, tasks, strict=True))
    print("| run | wall s | CPU s (workers) | total cost |\n|---|---|---|---|")
    for name, s, c, cost in rows:
        print(f"| {name} | {s:.2f} | {c:.2f} | {cost:,.0f} |")
    r1, r2 = rows[2][1], rows[3][1]
    print(
        f"\nspeed-up 1 -> 2 Ray workers: **{r1 / r2:.2f}x** (ideal 2x); Ray 2 workers vs "
        f"process pool 2 workers: {r2 - pool_s:+.2f} s ({(r2 / pool_s - 1) * 100:+.1f}%); "
        f"partitions over their limit by > 0.5 s: {over}; worst overrun {worst:+.2f} s"
    )


def _load() -> str:
    la = os.getloadavg()
    return f"{la[0]:.1f} / {la[1]:.1f} / {la[2]:.1f}"


def _peaks(runs: list[Any]) -> dict[int, float]:
    """Peak RSS (MiB) of each worker process, from its last partition."""
    out: dict[int, float] = {}
    for r in runs:
        out[r.pid] = max(out.get(r.pid, 0.0), r.peak_rss_mib)
    return out


def national(a: argparse.Namespace) -> None:
    """The national plan: one routing problem per city, on Ray with 2 and 1 workers and
    in a process pool of 2, same partitions, same session; per-partition figures and a
    32-node projection refitted from them."""
    _header(
        f"National plan: {a.cities} cities x {a.stops} stops ({a.cities * a.stops:,} stops), "
        f"{a.vehicles} vehicles each, {a.time_limit} s per partition"
    )
    (tasks, gen_s, gen_cpu) = _timed(lambda: _national(a))
    print(
        f"{len(tasks)} city problems generated in the driver in {gen_s:.1f} s "
        f"({gen_cpu:.1f} CPU-s)\n"
    )
    rows: list[tuple[str, float, float, float, int, str, str, float, int]] = []
    kept: dict[str, list[Any]] = {}

    def record(name: str, runs: list[Any], s: float, drv_cpu: float, before: str) -> None:
        peaks = _peaks(runs)
        over = sum(r.value.runtime > t.time_limit + 0.5 for r, t in zip(runs, tasks, strict=True))
        rows.append(
            (
                name,
                s,
                sum(r.cpu_s for r in runs),
                sum(r.value.cost for r in runs),
                sum(r.value.unserved_required for r in runs),
                f"{before} -> {_load()}",
                ", ".join(f"{v:,.0f}" for v in sorted(peaks.values())),
                drv_cpu,
                over,
            )
        )
        kept[name] = runs
        print(f"{name}: {s:.1f} s wall ({_load()})", file=sys.stderr)

    for what in a.runs.split(","):
        before = _load()
        if what == "pool":
            runs, s, c = _timed(lambda: run_in_processes(cr.solve_partition, tasks, workers=2))
            record("process pool, 2 workers", runs, s, c, before)
            continue
        w = int(what.removeprefix("ray"))
        with RayCluster("local", num_cpus=w):
            cold = _warm(w)
            before = _load()
            runs, s, c = _timed(lambda: run_partitions(cr.solve_partition, tasks))
        print(f"Ray {w} worker(s): warm-up before timing {cold:.1f} s")
        record(f"Ray, {w} worker(s)", runs, s, c, before)
    print(
        "\n| run | wall s | CPU s (workers) | driver CPU s | total cost | unserved required | "
        "over limit +0.5 s | peak RSS per worker MiB | load average before -> after |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    for name, s, c, cost, uns, load, peaks, drv, over in rows:
        print(
            f"| {name} | {s:.1f} | {c:.1f} | {drv:.1f} | {cost:,.0f} | {uns} | {over} | {peaks} "
            f"| {load} |"
        )
    walls = {n: s for n, s, *_ in rows}
    r1, r2, pool = (
        walls.get(k) for k in ("Ray, 1 worker(s)", "Ray, 2 worker(s)", "process pool, 2 workers")
    )
    if r1 and r2:
        print(f"\nspeed-up 1 -> 2 Ray workers: **{r1 / r2:.2f}x** (ideal 2x)")
    if r2 and pool:
        print(
            f"Ray 2 workers vs process pool 2 workers: {r2 - pool:+.1f} s "
            f"({(r2 / pool - 1) * 100:+.1f}%)"
        )
    main_runs = kept.get("Ray, 2 worker(s)") or next(iter(kept.values()))
    f = pl.DataFrame(
        {
            "solve_s": [r.value.runtime for r in main_runs],
            "wall_s": [r.wall_s for r in main_runs],
            "cpu_s": [r.cpu_s for r in main_runs],
            "jobs": [r.value.jobs for r in main_runs],
            "vehicles": [r.value.vehicles for r in main_runs],
        }
    )
    print("\nper-partition figures (Ray, 2 workers): quantiles over the partitions\n")
    q = f.select(
        [
            pl.col(c).quantile(x).alias(f"{c} p{int(x * 100)}")
            for c in f.columns
            for x in (0.0, 0.5, 0.95, 1.0)
        ]
    )
    print("| figure | min | p50 | p95 | max |\n|---|---|---|---|---|")
    for c in f.columns:
        vals = [q[f"{c} p{int(x * 100)}"][0] for x in (0.0, 0.5, 0.95, 1.0)]
        print(f"| {c} | " + " | ".join(f"{v:,.2f}" for v in vals) + " |")
    if a.partitions_csv:
        pl.DataFrame(
            [
                {
                    "partition": r.name,
                    "jobs": r.value.jobs,
                    "vehicles": r.value.vehicles,
                    "cost": r.value.cost,
                    "unserved_required": r.value.unserved_required,
                    "solve_s": r.value.runtime,
                    "wall_s": r.wall_s,
                    "cpu_s": r.cpu_s,
                    "attempts": r.attempts,
                    "pid": r.pid,
                    "peak_rss_mib": r.peak_rss_mib,
                }
                for r in main_runs
            ]
        ).write_csv(a.partitions_csv)
    # refit: one partition costs its wall inside the worker plus Ray's per-partition
    # overhead (measured: the run's slot-seconds beyond the partitions' own walls)
    n = len(main_runs)
    workers = 2 if "Ray, 2 worker(s)" in kept else 1
    run_s = walls.get("Ray, 2 worker(s)") or next(iter(walls.values()))
    inside = float(f["wall_s"].sum())
    overhead = max(0.0, (run_s * workers - inside) / n)
    slots = 32 * 16
    waves = -(-n // slots)
    proj = waves * (float(f["wall_s"].max()) + overhead)
    print(
        f"\nmeasured per partition: wall inside the worker mean {inside / n:.2f} s "
        f"(time limit {a.time_limit} s), Ray overhead {overhead * 1000:.0f} ms per partition "
        f"(slot-seconds of the run beyond the partitions' own walls). 32 nodes x 16 cores = "
        f"{slots} slots: {waves} wave(s) x (slowest partition {float(f['wall_s'].max()):.2f} s "
        f"+ overhead) = **{proj:.1f} s** of solving, plus the driver's generation/submission "
        f"({gen_s:.0f} s here, single-threaded; per-city generation in the workers would "
        f"remove it)"
    )


def _mem_available_gib() -> float:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def _du_gib(path: str) -> float:
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total / 1024**3


def market(a: argparse.Namespace) -> None:
    """The regional market: generated shard by shard and matched region by region on
    Ray, no process holding it all; per-partition figures and a 32-node projection."""
    import shutil
    import tempfile

    from engine.cluster import market as mk

    _header(
        f"Regional market: {a.vehicles:,} vehicles, {a.trips:,} trips, {a.loads:,} loads, "
        f"{a.shards} shards, {a.regions} regions, top-{a.k}"
    )
    print(f"memory available before: {_mem_available_gib():.1f} GiB\n")
    d = tempfile.mkdtemp(prefix="yunli-market-", dir=a.dir)
    try:
        spec, plan_s, _ = _timed(
            lambda: mk.plan_market(
                a.vehicles, a.trips, a.loads, shards=a.shards, regions=a.regions, directory=d,
                seed=a.seed,
            )
        )  # fmt: skip

        def show(run: Any, done: int, total: int) -> None:
            print(
                f"{run.name} done ({done}/{total}) in {run.wall_s:.1f} s, CPU {run.cpu_s:.1f} s, "
                f"peak RSS {run.peak_rss_mib:,.0f} MiB, attempt {run.attempts}; load {_load()}; "
                f"available {_mem_available_gib():.1f} GiB",
                file=sys.stderr,
                flush=True,
            )

        before = _load()
        with RayCluster("local", num_cpus=a.workers):
            cold = _warm(a.workers)
            res, run_s, drv_cpu = _timed(lambda: mk.recommend_regional(spec, k=a.k, progress=show))
        after = _load()
        disk = _du_gib(d)
        sh = mk.figures(res.shards)
        rg = mk.figures(res.regions)
        print(
            f"grid of {spec.grid.cells} regions planned in {plan_s:.1f} s; Ray {a.workers} local "
            f"workers (warm-up {cold:.1f} s before timing); parts on disk {disk:.1f} GiB\n"
        )
        print("Stage 1, generation by shard (quantiles over shards):\n")
        cols = ["vehicles", "trips", "loads", "halo_vehicles", "halo_trips", "generate_s",
                "write_s", "wall_s", "cpu_s", "peak_rss_mib"]  # fmt: skip
        print("| figure | min | p50 | max | sum |\n|---|---|---|---|---|")
        for c in cols:
            x = sh[c]
            print(f"| {c} | {x.min():,.2f} | {x.median():,.2f} | {x.max():,.2f} | {x.sum():,.2f} |")
        print("\nStage 2, top-k by region:\n")
        print(
            _md(
                rg.select(
                    "region", "loads", "vehicles", "trips", "rows", "cross_border_rows",
                    "read_s", "build_s", "rank_s", "wall_s", "cpu_s", "peak_rss_mib", "attempts",
                )
            )
        )  # fmt: skip
        peak = max(float(sh["peak_rss_mib"].max()), float(rg["peak_rss_mib"].max()))
        cpu1, cpu2 = float(sh["cpu_s"].sum()), float(rg["cpu_s"].sum())
        print(
            "\n| stage | partitions | wall s | CPU s (workers) | max partition wall s | "
            "peak RSS of a worker MiB |\n|---|---|---|---|---|---|"
        )
        print(
            f"| generate + write by shard | {sh.height} | {res.generate_s:.1f} | {cpu1:.1f} | "
            f"{float(sh['wall_s'].max()):.1f} | {float(sh['peak_rss_mib'].max()):,.0f} |"
        )
        print(
            f"| read + profiles + top-{a.k} by region | {rg.height} | {res.match_s:.1f} | "
            f"{cpu2:.1f} | {float(rg['wall_s'].max()):.1f} | "
            f"{float(rg['peak_rss_mib'].max()):,.0f} |"
        )
        print(
            f"| total | {sh.height + rg.height} | {run_s:.1f} | {cpu1 + cpu2:.1f} "
            f"(driver {drv_cpu:.1f}) | | {peak:,.0f} |"
        )
        rows = int(rg["rows"].sum())
        cross = int(rg["cross_border_rows"].sum())
        print(
            f"\n{rows:,} rows for {int(rg['loads'].sum()):,} loads; {cross:,} rows "
            f"({cross / max(rows, 1) * 100:.1f}%) are vehicles standing outside the load's "
            f"region (cross-border candidates); halo duplication of the fleet "
            f"{float(rg['vehicles'].sum()) / a.vehicles:.2f}x (after narrowing), of the trips "
            f"{float(rg['trips'].sum()) / max(a.trips, 1):.2f}x; load average {before} -> {after}; "
            f"memory available after: {_mem_available_gib():.1f} GiB"
        )
        slots = 32 * 16
        # refit: per-unit CPU costs measured here; partitions resized to 2 per slot
        per_trip_gen = cpu1 / max(a.trips, 1)
        per_load_rank = float(rg["rank_s"].sum()) / a.loads
        build_us = float((rg["read_s"] + rg["build_s"]).sum()) / max(float(rg["trips"].sum()), 1)
        build_us *= 1e6
        print(
            f"\nMeasured unit costs: generation + halo writing {per_trip_gen * 1e6:.2f} CPU-us "
            f"per trip; region read + matcher build "
            f"{build_us:.2f} us per halo trip (wall); ranking {per_load_rank * 1000:.2f} ms "
            f"per load (wall in the worker). 32 nodes x 16 cores = {slots} slots, 2 "
            f"partitions per slot: stage CPU / {slots} x the max/mean imbalance seen here "
            f"({float(rg['cpu_s'].max()) / max(float(rg['cpu_s'].mean()), 1e-9):.2f}x for regions)."
        )
    finally:
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)


def decompose(a: argparse.Namespace) -> None:
    """One large city: undecomposed solve vs sectors + repair at the same CPU budget."""
    from engine.live.scenario import city_day
    from engine.routing import solve

    _header(
        f"Decomposed city: {a.stops} stops, {a.vehicles} vehicles, CPU budget {a.budget} s, "
        f"{a.clusters} sectors"
    )
    sc, build_s, _ = _timed(
        lambda: city_day(a.vehicles, a.stops, seed=a.seed, radius_m=a.radius_km * 1000)
    )
    print(f"problem built in {build_s:.1f} s ({sc.problem.num_jobs} jobs)\n")
    full, full_s, full_cpu = _timed(lambda: solve(sc.problem, time_limit=a.budget, seed=a.seed))
    with RayCluster("local", num_cpus=a.workers):
        _warm(a.workers)
        d, d_s, _ = _timed(
            lambda: cr.solve_decomposed(sc.problem, a.clusters, a.budget, seed=a.seed)
        )
    f = d.partitions.with_columns(pl.col("node_id").str.slice(0, 6))
    print(
        _md(
            f.select(
                "partition",
                "stage",
                "jobs",
                "vehicles",
                "cost",
                "unserved_required",
                "time_limit_s",
                "solve_s",
                "cpu_s",
                "attempts",
            )
        )
    )
    print(
        "\n| run | cost | vehicles | unserved required | wall s | CPU s |\n"
        "|---|---|---|---|---|---|"
    )
    unserved_full = sum(u.required for u in full.unserved)
    print(
        f"| undecomposed solve, {a.budget} s | {full.cost:,.0f} | {full.num_vehicles} | "
        f"{unserved_full} | {full_s:.1f} | {full_cpu:.1f} |"
    )
    print(f"| {a.clusters} sectors, before repair | {d.cost_before_repair:,.0f} | | | | |")
    print(
        f"| {a.clusters} sectors + repair ({d.repairs}/{d.repair_attempts} kept), "
        f"{a.workers} workers | {d.cost:,.0f} | {len(d.routes)} | {d.unserved_required} | "
        f"{d_s:.1f} | {d.cpu_s:.1f} |"
    )
    print(f"\ndecomposed vs undecomposed cost: **{(d.cost / full.cost - 1) * 100:+.2f}%**")


def main() -> None:
    """Run one report."""
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("matching")
    m.add_argument("--vehicles", type=int, default=100_000)
    m.add_argument("--trips", type=int, default=2_000_000)
    m.add_argument("--loads", type=int, default=100_000)
    m.add_argument("--k", type=int, default=20)
    m.add_argument("--regions", type=int, default=8)
    m.add_argument("--workers", type=int, default=2)
    m.add_argument("--seed", type=int, default=1)
    r = sub.add_parser("routing")
    r.add_argument("--cities", type=int, default=16)
    r.add_argument("--stops", type=int, default=100)
    r.add_argument("--vehicles", type=int, default=10)
    r.add_argument("--time-limit", type=float, default=2.0)
    r.add_argument("--seed", type=int, default=0)
    nat = sub.add_parser("national")
    nat.add_argument("--cities", type=int, default=300)
    nat.add_argument("--stops", type=int, default=350)
    nat.add_argument("--vehicles", type=int, default=30)
    nat.add_argument("--time-limit", type=float, default=1.0)
    nat.add_argument("--seed", type=int, default=0)
    nat.add_argument("--runs", default="ray2,pool,ray1", help="runs in order: rayN, pool")
    nat.add_argument("--partitions-csv", default=None, help="per-partition figures (Ray, 2)")
    mkt = sub.add_parser("market")
    mkt.add_argument("--vehicles", type=int, default=1_000_000)
    mkt.add_argument("--trips", type=int, default=100_000_000)
    mkt.add_argument("--loads", type=int, default=1_000_000)
    mkt.add_argument("--shards", type=int, default=40)
    mkt.add_argument("--regions", type=int, default=16)
    mkt.add_argument("--k", type=int, default=20)
    mkt.add_argument("--workers", type=int, default=2)
    mkt.add_argument("--seed", type=int, default=1)
    mkt.add_argument("--dir", default=None, help="where the parts go (default: a temp dir)")
    mkt.add_argument("--keep", action="store_true", help="keep the parts afterwards")
    d = sub.add_parser("decompose")
    d.add_argument("--stops", type=int, default=2000)
    d.add_argument("--vehicles", type=int, default=160)
    d.add_argument("--radius-km", type=float, default=40.0)
    d.add_argument("--budget", type=float, default=60.0)
    d.add_argument("--clusters", type=int, default=4)
    d.add_argument("--workers", type=int, default=2)
    d.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    {
        "matching": matching,
        "routing": routing,
        "decompose": decompose,
        "national": national,
        "market": market,
    }[a.what](a)


if __name__ == "__main__":
    main()
