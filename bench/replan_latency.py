"""Re-plan latency and quality at default settings, one build per process (old vs new).

Two measurements on generated city days (``engine.live.scenario.city_day``), each from a
morning plan solved once and stored (``--plan-dir``), so that every build starts from
the same plan:

``events``
    ``--events`` re-plans after mixed events (new orders, cancellations, traffic jams
    with delays, one breakdown, and every seventh event a heavy batch: five new orders,
    a jam and two delays), ``replan(plan, seed=i)`` with every other setting at its
    default: wall and CPU milliseconds per re-plan (p50 / p95 / max), re-plans reporting
    an infeasible result, promised jobs (once on a route) left on no route after a
    re-plan (summed over the re-plans; cargo on the broken-down truck is on its route, so
    not counted), the phase split, and the plan's late stops and remaining distance after
    the last event; also the first two re-plans' wall times (``cold_wall_ms``: a build
    with the plan's arc cache fills it and its matrix buffers then) and the p95 of the
    others (``warm_wall_p95_ms``), both included in the overall figures. ``--detail``
    prints one line per re-plan too (event kind, wall, CPU, phases, iterations).
``day``
    the day simulator (:mod:`bench.live_sim`, policy ``yunli``, 60 new orders, two
    jams, a breakdown): distance, stops served, late stops, lateness, unserved jobs.

Run it once per build, alternating, each in its own interpreter with that build first
on ``sys.path``; every line printed is a JSON record::

    (cd /tmp && PYTHONPATH=/tmp/yunli_old python -m bench.replan_latency --label old)
    (cd /tmp && PYTHONPATH=/work/wt/replan python -m bench.replan_latency --label new)

Works with builds before and after issue 17 (fields a build lacks are left out).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np


def _morning(n_vehicles: int, n_stops: int, seed: int, plan_dir: Path) -> tuple[Any, Any, Any]:
    """The scenario, its solution-derived morning plan (stored), and the plan at 09:30."""
    from engine.live import plan_from_solution
    from engine.live.io import plan_from_dict, plan_to_dict
    from engine.live.scenario import city_day
    from engine.routing import solve

    sc = city_day(n_vehicles, n_stops, seed=seed)
    f = plan_dir / f"morning_{n_vehicles}_{n_stops}_{seed}.json"
    if not f.exists():
        sol = solve(sc.problem, time_limit=10.0 if n_stops <= 500 else 30.0, seed=seed)
        f.write_text(json.dumps(plan_to_dict(plan_from_solution(sol))))
    return sc, plan_from_dict(json.loads(f.read_text())), f


def _events(i: int, n: int, t: int, plan: Any, sc: Any, rng: Any) -> list[Any]:
    from engine.live import (
        Breakdown,
        CancelJob,
        NewJob,
        Slowdown,
        Traffic,
        VehicleDelayed,
    )
    from engine.live.scenario import random_new_shipment

    def new(k: int) -> list[Any]:
        out = []
        for m in range(k):
            p, d = random_new_shipment(rng, sc, t, f"E{i:03d}_{m}")
            out.append(NewJob(t, p, d))
        return out

    def jam(factor: float, radius: float) -> list[Any]:
        live = sorted(
            (v for v in plan.vehicles.values() if v.route and v.status == "active"),
            key=lambda v: v.vehicle_id,
        )
        v = live[int(rng.integers(len(live)))]
        slow = Slowdown(factor, t, t + 7200, area=("circle", v.lat, v.lon, radius))
        return [Traffic(t, slow), VehicleDelayed(t, v.vehicle_id, 900)]

    if i == n // 2:
        busiest = max(
            (v for v in plan.vehicles.values() if v.status == "active"),
            key=lambda v: (len(v.route), v.vehicle_id),
        )
        return [Breakdown(t, busiest.vehicle_id)]
    if i % 7 == 6:  # heavy: five new orders, a wide jam, two delays
        other = jam(2.0, 8_000.0)
        return [*new(5), *other, *jam(1.8, 5_000.0)[1:]]
    kind = i % 4
    if kind in (0, 2):
        return new(1)
    if kind == 1:
        pend = sorted(
            j for j, job in plan.jobs.items() if job.status == "pending" and "pickup" in j
        )
        return [CancelJob(t, pend[int(rng.integers(len(pend)))])]
    return jam(1.8, 5_000.0)


def _kind(events: list[Any]) -> str:
    """A short name for an event batch (for ``--detail``)."""
    names = sorted({type(e).__name__ for e in events})
    return "+".join(names) if len(events) < 4 else f"heavy({len(events)})"


def events_run(
    n_vehicles: int,
    n_stops: int,
    n_events: int,
    seed: int,
    plan_dir: Path,
    detail: bool = False,
) -> dict:
    """Re-plan after each of ``n_events`` mixed events at default settings; with
    ``detail``, one record per re-plan too (event kind, wall, CPU, phases, budget)."""
    from engine.live import apply_events, forecast, replan
    from engine.live.scenario import advance

    sc, plan, _ = _morning(n_vehicles, n_stops, seed, plan_dir)
    advance(plan, sc.day_start + 5400)
    rng = np.random.default_rng(seed)
    t = plan.now
    wall, cpu, infeasible, kept, dropped = [], [], 0, 0, 0
    phases: dict[str, list[float]] = {}
    for i in range(n_events):
        t += 120
        evs = _events(i, n_events, t, plan, sc, rng)
        apply_events(plan, evs)
        w0, c0 = time.perf_counter(), time.process_time()
        res = replan(plan, seed=i)
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        if detail:
            rec = {
                "part": "event",
                "stops": n_stops,
                "i": i,
                "kind": _kind(evs),
                "wall_ms": round(wall[-1], 1),
                "cpu_ms": round(cpu[-1], 1),
                "feasible": res.feasible,
                "kept_current": bool(getattr(res, "kept_current", False)),
                "iterations": res.iterations,
                "budget_ms": round(getattr(res, "budget_s", 0.0) * 1000, 1),
                "phases_ms": {
                    k: round(v * 1000, 1) for k, v in getattr(res, "phases_s", {}).items()
                },
                "unassigned": len(res.diff.unassigned),
                "moved": len(res.diff.moved),
            }
            print(json.dumps(rec), flush=True)
        infeasible += not res.feasible
        routed = {j for v in plan.vehicles.values() for j in v.route}
        dropped += sum(
            1
            for j, job in plan.jobs.items()
            if job.status == "pending" and job.promised and j not in routed
        )
        kept += bool(getattr(res, "kept_current", False))
        for k, v in getattr(res, "phases_s", {}).items():
            phases.setdefault(k, []).append(v * 1000)
    f = forecast(plan)
    pct = lambda xs, q: round(float(np.percentile(xs, q)), 1)  # noqa: E731
    return {
        "part": "events",
        "stops": n_stops,
        "vehicles": n_vehicles,
        "events": n_events,
        "wall_p50_ms": pct(wall, 50),
        "wall_p95_ms": pct(wall, 95),
        "wall_max_ms": round(max(wall), 1),
        "cpu_p50_ms": pct(cpu, 50),
        "cpu_p95_ms": pct(cpu, 95),
        # The first two re-plans of a plan fill its arc cache and matrix buffers (cold);
        # the rest reuse them (warm). Included in the figures above.
        "cold_wall_ms": [round(x, 1) for x in wall[:2]],
        "warm_wall_p95_ms": pct(wall[2:], 95) if len(wall) > 2 else None,
        "infeasible": infeasible,
        "promised_left_out": dropped,
        "kept_current": kept,
        "phases_p50_ms": {k: pct(v, 50) for k, v in phases.items()},
        "late_stops_after": f.late_stops,
        "lateness_min_after": round(f.total_lateness_s / 60),
        "distance_km_after": round(f.distance_m / 1000, 1),
        "unassigned_after": len(plan.unassigned()),
    }


def day_run(seed: int, plan_dir: Path) -> dict:
    """The day simulator's ``yunli`` policy from the stored morning plan."""
    from bench.live_sim import day_events, simulate

    sc, morning, _ = _morning(50, 500, seed, plan_dir)
    day = day_events(sc, morning, n_orders=60, seed=seed)
    w0, c0 = time.perf_counter(), time.process_time()
    r = simulate("yunli", sc, morning, day, seed=seed)
    lat = np.array(r.latency_ms)
    return {
        "part": "day",
        "seed": seed,
        "distance_km": round(r.distance_km, 1),
        "served": r.served,
        "late_stops": r.late_stops,
        "lateness_min": round(r.lateness_min),
        "unserved": r.unserved,
        "replans": r.replans,
        "wall_p50_ms": round(float(np.percentile(lat, 50)), 1),
        "wall_p95_ms": round(float(np.percentile(lat, 95)), 1),
        "day_wall_s": round(time.perf_counter() - w0, 1),
        "day_cpu_s": round(time.process_time() - c0, 1),
    }


def main() -> None:
    """Print one JSON line per measurement."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--label", default="build")
    ap.add_argument("--sizes", default="50x500,200x2000", help="VEHICLESxSTOPS,...")
    ap.add_argument("--events", type=int, default=21)
    ap.add_argument("--days", default="0", help="simulator seeds ('' for none)")
    ap.add_argument("--skip-events", action="store_true")
    ap.add_argument("--detail", action="store_true", help="also one line per re-plan")
    ap.add_argument("--plan-dir", type=Path, default=Path("/tmp/yunli_replan_bench"))
    a = ap.parse_args()
    a.plan_dir.mkdir(parents=True, exist_ok=True)
    import engine

    head = {"label": a.label, "engine": str(Path(engine.__file__).parent), "nproc": os.cpu_count()}
    if not a.skip_events:
        for size in a.sizes.split(","):
            nv, ns = (int(x) for x in size.split("x"))
            load = os.getloadavg()
            rec = events_run(nv, ns, a.events, 0, a.plan_dir, a.detail)
            print(json.dumps({**head, **rec, "load": [round(x, 1) for x in load]}), flush=True)
    for s in filter(None, a.days.split(",")):
        load = os.getloadavg()
        rec = day_run(int(s), a.plan_dir)
        print(json.dumps({**head, **rec, "load": [round(x, 1) for x in load]}), flush=True)


if __name__ == "__main__":
    main()
