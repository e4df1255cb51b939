"""Same-session comparison of two builds of the engine: identical results, timings side by side.

Run it once per build (each in its own interpreter, with that build first on
``sys.path``) and compare the printed JSON lines, for example::

    (cd /tmp && PYTHONPATH=/work/main python -m bench.compare_builds --label old)
    (cd /tmp && PYTHONPATH=/path/to/branch python -m bench.compare_builds --label new)

It measures, on the running build:

1. ``budget``: the Rust search at a fixed iteration budget (seeded, so reproducible) on
   Solomon, CVRPLIB X and Li & Lim instances: cost and an FNV-1a fingerprint of the
   routes (identical builds give identical lines);
2. ``replan-fp``: a 50-vehicle city day re-planned after a sequence of events with an
   iteration budget and a generous time limit (deterministic): fingerprint of every
   re-plan's routes;
3. ``replan-ms``: re-plan latency after one event at the default 0.2 s budget (timed:
   p50/p95 of wall and CPU milliseconds).

It works with the keyword-array API (``engine._core.solve_routing(**arrays)``, before
issue 16) and with the typed boundary (``engine.routing.core``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("RAYON_NUM_THREADS", "1")

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "benchmarks"
INSTANCES = (
    ("solomon", "solomon/C101.txt"),
    ("solomon", "solomon/R201.txt"),
    ("solomon", "solomon/RC105.txt"),
    ("vrplib", "x/X-n101-k25.vrp"),
    ("vrplib", "x/X-n148-k46.vrp"),
    ("lilim", "lilim/lc101.txt"),
    ("lilim", "lilim/lr104.txt"),
)


def _fingerprint(routes: Any) -> str:
    h = 0xCBF29CE484222325
    for k, js in sorted((int(k), [int(j) for j in js]) for k, js in routes):
        for x in (k, *js, -1):
            h ^= x & 0xFFFFFFFFFFFFFFFF
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def _search(problem: Any, iterations: int, seed: int) -> tuple[float, Any]:
    try:
        from engine.routing.core import problem_data, search
    except ImportError:  # the keyword-array API
        from engine import _core

        out = _core.solve_routing(
            **problem.to_arrays(), time_limit_s=600.0, seed=seed, max_iterations=iterations
        )
        return float(out["cost"]), out["routes"]
    res = search(problem_data(problem), time_limit=600.0, seed=seed, max_iterations=iterations)
    return res.cost, res.routes


def standard_sets() -> tuple[tuple[str, str], ...]:
    """Every instance of the peer benchmark's sets: Solomon 56, X up to 300 customers and
    Li & Lim 56 (the sets whose gaps ``bench/RESULTS.md`` reports)."""
    out = [("solomon", f"solomon/{p.name}") for p in sorted((DATA / "solomon").glob("[CR]*.txt"))]
    for p in sorted((DATA / "x").glob("X-n*.vrp")):
        if int(p.stem.split("-")[1][1:]) <= 301:
            out.append(("vrplib", f"x/{p.name}"))
    out += [("lilim", f"lilim/{p.name}") for p in sorted((DATA / "lilim").glob("l*.txt"))]
    return tuple(out)


def budget(
    iterations: int, instances: tuple[tuple[str, str], ...] = INSTANCES
) -> list[dict[str, Any]]:
    """Cost and route fingerprint at a fixed iteration budget, per instance."""
    from engine.routing import formats

    rows = []
    for fmt, rel in instances:
        inst = formats.read(DATA / rel, fmt)
        t0, c0 = time.perf_counter(), time.process_time()
        cost, routes = _search(inst.problem, iterations, seed=1)
        rows.append(
            {
                "instance": inst.name,
                "iterations": iterations,
                "cost": round(cost, 6),
                "fingerprint": _fingerprint(routes),
                "wall_s": round(time.perf_counter() - t0, 3),
                "cpu_s": round(time.process_time() - c0, 3),
            }
        )
    return rows


#: The morning plan both builds start from (its solve is timed, so it is made once and
#: stored; ``--plan-file``).
PLAN_FILE = Path("/tmp/yunli_compare_plan.json")


def _day(seed: int, plan_file: Path) -> tuple[Any, Any, Any]:
    from engine.live import plan_from_solution
    from engine.live.io import plan_from_dict, plan_to_dict
    from engine.live.scenario import advance, city_day
    from engine.routing import solve

    sc = city_day(50, 500, seed=seed)
    if not plan_file.exists():
        sol = solve(sc.problem, time_limit=3.0, seed=seed, solver="core")
        plan = plan_from_solution(sol)
        advance(plan, sc.day_start + 5400)
        plan_file.write_text(json.dumps(plan_to_dict(plan)))
    plan = plan_from_dict(json.loads(plan_file.read_text()))
    return sc, plan, np.random.default_rng(seed)


def _events(i: int, t: int, plan: Any, sc: Any, rng: Any) -> list[Any]:
    from engine.live import CancelJob, NewJob, Slowdown, Traffic, VehicleDelayed
    from engine.live.scenario import random_new_shipment

    kind = i % 4
    if kind in (0, 2):
        p, d = random_new_shipment(rng, sc, t, f"E{i:03d}")
        return [NewJob(t, p, d)]
    if kind == 1:
        pend = sorted(
            j for j, job in plan.jobs.items() if job.status == "pending" and "pickup" in j
        )
        return [CancelJob(t, pend[int(rng.integers(len(pend)))])]
    v = [v for v in plan.vehicles.values() if v.route][int(rng.integers(10))]
    slow = Slowdown(1.8, t, t + 7200, area=("circle", v.lat, v.lon, 5_000.0))
    return [Traffic(t, slow), VehicleDelayed(t, v.vehicle_id, 900)]


def replan_fingerprints(n_events: int, iterations: int, plan_file: Path) -> list[str]:
    """Routes after each of ``n_events`` budgeted re-plans (one search, so that thread
    timing cannot pick between searches), from one seeded morning plan."""
    from engine.live import apply_events, replan

    sc, plan, rng = _day(0, plan_file)
    t = plan.now
    out = []
    for i in range(n_events):
        t += 120
        apply_events(plan, _events(i, t, plan, sc, rng))
        res = replan(plan, time_limit=600.0, seed=i, max_iterations=iterations, searches=1)
        out.append(_fingerprint(res.routes))
    return out


def replan_ms(n_events: int, plan_file: Path) -> dict[str, float]:
    """Re-plan latency (default settings: two searches, 0.2 s budget) over ``n_events``."""
    from engine.live import apply_events, replan

    sc, plan, rng = _day(0, plan_file)
    t = plan.now
    wall, cpu = [], []
    for i in range(n_events):
        t += 120
        apply_events(plan, _events(i, t, plan, sc, rng))
        t0, c0 = time.perf_counter(), time.process_time()
        replan(plan, time_limit=0.2, seed=i)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {
        "events": n_events,
        "wall_p50_ms": round(float(np.percentile(wall, 50)), 1),
        "wall_p95_ms": round(float(np.percentile(wall, 95)), 1),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 1),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 1),
    }


def main() -> None:
    """Print one JSON line per measurement, tagged with ``--label``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", required=True)
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--replan-events", type=int, default=12)
    ap.add_argument("--timed-events", type=int, default=20)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip")
    ap.add_argument("--plan-file", type=Path, default=PLAN_FILE)
    ap.add_argument(
        "--all-instances",
        action="store_true",
        help="budget runs on every instance of the peer sets (Solomon 56, X <= 300, Li & Lim 56)",
    )
    args = ap.parse_args()
    import engine

    skip = set(args.skip.split(","))
    head = {"label": args.label, "engine": str(Path(engine.__file__).parent)}
    if "budget" not in skip:
        sets = standard_sets() if args.all_instances else INSTANCES
        for row in budget(args.iterations, sets):
            print(json.dumps({**head, "part": "budget", **row}), flush=True)
    if "replan-fp" not in skip:
        fps = replan_fingerprints(args.replan_events, 150, args.plan_file)
        print(json.dumps({**head, "part": "replan-fp", "fingerprints": fps}), flush=True)
    if "replan-ms" not in skip:
        print(
            json.dumps(
                {**head, "part": "replan-ms", **replan_ms(args.timed_events, args.plan_file)}
            )
        )


if __name__ == "__main__":
    main()
