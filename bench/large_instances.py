"""Large instances (issue 17 item 2): matrix-free city plans and X-style time-to-quality.

``city``: the city VRPTW of ``bench/scale_vrptw.py`` (Shanghai depot, stops within
35 km, two-hour windows, light trucks) at 5,000–50,000 stops, solved by
``engine.routing.solve(solver="core")``; above ``engine.routing.arcs.MATRIX_FREE_ABOVE``
sites the problem is matrix-free (coordinates only). Each size runs in a fresh process
and reports build time, solve wall and CPU time, checker verdict, cost, vehicles and the
process's peak RSS (``ru_maxrss``)::

    python bench/large_instances.py city --sizes 5000,10000 --time-limit 60
    python bench/large_instances.py city --sizes 50000 --time-limit 120

``x``: X-style instances (``engine.routing.xgen``, Uchoa et al. 2017 rules), Yunli's
core against PyVRP (``pyvrp`` benchmark extra) on the same integer matrices, one core
each. Yunli runs once per time point (a full run with that limit, as a user would set
it); PyVRP runs once with the longest limit and statistics on, its best cost at each
time point read from them (HGS does not depend on its time limit)::

    python bench/large_instances.py x --sizes 500,1000,2000 --points 2,5,10,20

``xcpu``: the same X-style instances measured in CPU time, for a shared machine: Yunli at
fixed iteration budgets (deterministic for a seed, so two builds can be compared run by
run; the CPU seconds each run took beside its cost), PyVRP once, stopped after
``--pyvrp-cpu`` CPU seconds by a stopping criterion that reads this process's CPU clock
and records the best feasible cost against it (so its curve is in CPU seconds too).
PyVRP gets the distance objective at its natural scale (unit distance cost 1) when the
instance has no fixed or time cost, as its own benchmarks run X instances::

    python bench/large_instances.py xcpu --sizes 1000,2000 --iterations 5000,20000,80000

``--matrix`` forces matrices (``matrix_free=False``) for a same-run comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("RAYON_NUM_THREADS", "1")

import numpy as np

BENCH = Path(__file__).resolve().parent

#: The core's internal cost unit per cost unit (``rust_core`` ``COST_SCALE``).
COST_SCALE = 3_600_000


def _scale() -> Any:
    spec = importlib.util.spec_from_file_location("scale_vrptw", BENCH / "scale_vrptw.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_city(
    n: int, limit: float, seed: int, matrix: bool, one_window: bool = False
) -> dict[str, Any]:
    """Build and solve one city size in this process."""
    import engine.routing.model as model
    from engine.routing import check, solve

    if matrix:
        model.MATRIX_FREE_ABOVE = 10**9
    t0, c0 = time.monotonic(), _cpu()
    p = _scale().city_vrptw(n, seed, second_windows=not one_window)
    build = time.monotonic() - t0
    rss_build = _rss_mb()
    t1, c1 = time.monotonic(), _cpu()
    sol = solve(p, time_limit=limit, seed=seed, solver="core")
    wall, cpu = time.monotonic() - t1, _cpu() - c1
    t2 = time.monotonic()
    rep = check(p, sol.route_jobs())
    return {
        "stops": n,
        "matrix_free": p.matrix_free,
        "build_s": round(build, 2),
        "solve_wall_s": round(wall, 2),
        "solve_cpu_s": round(cpu, 2),
        "check_s": round(time.monotonic() - t2, 2),
        "total_wall_s": round(time.monotonic() - t0, 2),
        "total_cpu_s": round(_cpu() - c0, 2),
        "feasible": rep.feasible,
        "served": n - len(rep.dropped),
        "vehicles": rep.num_vehicles,
        "cost_yuan": round(rep.cost / 100, 2),
        "rss_after_build_mb": round(rss_build, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def run_city_pyvrp(n: int, limit: float, seed: int) -> dict[str, Any]:
    """PyVRP on the one-window city instance (it takes one window per client), on the
    matrices Yunli's matrix-free problem gives; its routes re-checked by Yunli's checker."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from engine.routing import check

    t0, c0 = time.monotonic(), _cpu()
    p = _scale().city_vrptw(n, seed, second_windows=False)
    data = _pyvrp_data(p)
    build = time.monotonic() - t0
    t1, c1 = time.monotonic(), _cpu()
    res = pyvrp.solve(data, stop=MaxRuntime(limit), seed=seed, display=False)
    wall, cpu = time.monotonic() - t1, _cpu() - c1
    routes = [(0, [int(a.idx) for a in r if a.is_client()]) for r in res.best.routes()]
    rep = check(p, routes)
    return {
        "stops": n,
        "solver": "pyvrp",
        "build_s": round(build, 2),
        "solve_wall_s": round(wall, 2),
        "solve_cpu_s": round(cpu, 2),
        "total_wall_s": round(time.monotonic() - t0, 2),
        "total_cpu_s": round(_cpu() - c0, 2),
        "feasible": rep.feasible,
        "served": n - len(rep.dropped),
        "vehicles": rep.num_vehicles,
        "cost_yuan": round(rep.cost / 100, 2),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def _pyvrp_data(problem: Any, natural: bool = False) -> Any:
    """PyVRP ProblemData of a single-type CVRP(TW) problem, on the same matrices
    (first time window of each job) and Yunli's objective (fixed, per-km and per-hour
    costs, scaled to integers as the core does); with ``natural`` (only for a type with
    no fixed or time cost) the same objective divided by its per-distance factor,
    i.e. plain distance."""
    import pyvrp

    vt = problem.vehicle_types[0]
    order = [vt.start.index] + [j.site.index for j in problem.jobs]
    idx = np.asarray(order, dtype=np.int64)
    dist = np.ascontiguousarray(problem.distance[idx[:, None], idx[None, :]])
    dur = np.ascontiguousarray(problem.travel(0)[idx[:, None], idx[None, :]])
    big = 2**62
    locs = [pyvrp.Location(0.0, 0.0) for _ in order]
    clients = [
        pyvrp.Client(
            i + 1,
            delivery=list(j.delivery),
            service_duration=j.service,
            tw_early=j.time_windows[0][0],
            tw_late=min(j.time_windows[0][1], big),
        )
        for i, j in enumerate(problem.jobs)
    ]
    depots = [pyvrp.Depot(0)]
    vts = [
        pyvrp.VehicleType(
            vt.num_available,
            capacity=list(vt.capacity),
            tw_early=vt.shift[0],
            tw_late=min(vt.shift[1], big),
            # Yunli's objective in its internal units (``COST_SCALE``).
            fixed_cost=0 if natural else vt.fixed_cost * COST_SCALE,
            unit_distance_cost=1 if natural else vt.cost_per_km * 3600,
            unit_duration_cost=0 if natural else vt.cost_per_hour * 1000,
        )
    ]
    return pyvrp.ProblemData(locs, clients, depots, vts, [dist], [dur])


def run_x(n: int, points: list[float], seed: int, kind: tuple[str, str, str]) -> dict[str, Any]:
    """One X-style instance: Yunli at every time point, PyVRP once with statistics."""
    from engine.routing import check
    from engine.routing.core import problem_data, search
    from engine.routing.xgen import x_instance

    inst = x_instance(n, depot=kind[0], customers=kind[1], demand=kind[2], seed=seed)
    p = inst.problem
    out: dict[str, Any] = {"instance": inst.name, "n": n, "capacity": inst.capacity}
    data = problem_data(p)
    yun = []
    for t in points:
        c0 = _cpu()
        r = search(data, time_limit=t, seed=seed)
        rep = check(p, [(k, list(js)) for k, js in r.routes])
        yun.append(
            {
                "t": t,
                "cost": rep.cost,
                "feasible": rep.feasible,
                "cpu_s": round(_cpu() - c0, 2),
                "wall_s": round(r.runtime_s, 2),
                "routes": rep.num_vehicles,
            }
        )
    out["yunli"] = yun
    try:
        import pyvrp
        from pyvrp.stop import MaxRuntime
    except ImportError:
        out["pyvrp"] = "not installed"
        return out
    c0 = _cpu()
    data_v = _pyvrp_data(p)
    res = pyvrp.solve(
        data_v, stop=MaxRuntime(max(points)), seed=seed, collect_stats=True, display=False
    )
    cpu = _cpu() - c0
    curve = []
    for t in points:
        best = None
        acc = 0.0
        for rt, datum in zip(res.stats.runtimes, res.stats.data, strict=True):
            acc += rt
            if acc > t:
                break
            if datum.best_feas:
                c = datum.best_cost / COST_SCALE
                best = c if best is None else min(best, c)
        curve.append({"t": t, "cost": best})
    # client activities carry the client index (clients in job order)
    routes = [(0, [int(a.idx) for a in r if a.is_client()]) for r in res.best.routes()]
    rep = check(p, routes)
    out["pyvrp"] = {
        "curve": curve,
        "final_cost": rep.cost,
        "feasible": rep.feasible,
        "cpu_s": round(cpu, 2),
        "routes": rep.num_vehicles,
    }
    return out


class _CpuCurve:
    """PyVRP stopping criterion: stop after ``limit`` CPU seconds of this process,
    recording ``(cpu_s, best feasible cost)`` at every improvement."""

    def __init__(self, limit: float) -> None:
        self.c0 = _cpu()
        self.limit = limit
        self.best = float("inf")
        self.points: list[tuple[float, float]] = []

    def __call__(self, best_cost: float) -> bool:
        t = _cpu() - self.c0
        if best_cost < self.best:
            self.best = best_cost
            self.points.append((round(t, 3), best_cost))
        return t >= self.limit


def run_x_cpu(
    n: int, iterations: list[int], pyvrp_cpu: float, seed: int, kind: tuple[str, str, str]
) -> dict[str, Any]:
    """One X-style instance in CPU time: Yunli at each iteration budget, PyVRP's curve."""
    from engine.routing import check
    from engine.routing.core import problem_data, search
    from engine.routing.xgen import x_instance

    inst = x_instance(n, depot=kind[0], customers=kind[1], demand=kind[2], seed=seed)
    p = inst.problem
    out: dict[str, Any] = {"instance": inst.name, "n": n, "load0": os.getloadavg()[0]}
    data = problem_data(p)
    yun = []
    for it in iterations:
        c0 = _cpu()
        r = search(data, time_limit=3600.0, seed=seed, max_iterations=it)
        cpu = _cpu() - c0
        rep = check(p, [(k, list(js)) for k, js in r.routes])
        yun.append(
            {
                "iterations": it,
                "cost": rep.cost,
                "feasible": rep.feasible,
                "cpu_s": round(cpu, 2),
                "wall_s": round(r.runtime_s, 2),
                "routes": rep.num_vehicles,
            }
        )
    out["yunli"] = yun
    try:
        import pyvrp
    except ImportError:
        out["pyvrp"] = "not installed"
        return out
    vt = p.vehicle_types[0]
    natural = vt.fixed_cost == 0 and vt.cost_per_hour == 0
    c0 = _cpu()
    data_v = _pyvrp_data(p, natural=natural)
    build = _cpu() - c0
    stop = _CpuCurve(pyvrp_cpu)
    res = pyvrp.solve(data_v, stop=stop, seed=seed, collect_stats=False, display=False)
    routes = [(0, [int(a.idx) for a in r if a.is_client()]) for r in res.best.routes()]
    rep = check(p, routes)
    scale = 1.0 if natural else 1.0 / COST_SCALE
    out["pyvrp"] = {
        "objective": "distance, unit cost 1" if natural else "Yunli's, scaled",
        "build_cpu_s": round(build, 2),
        "curve": [(t, c * scale) for t, c in stop.points],
        "final_cost": rep.cost,
        "feasible": rep.feasible,
        "cpu_s": round(_cpu() - c0, 2),
        "routes": rep.num_vehicles,
    }
    out["load1"] = os.getloadavg()[0]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("city", "x", "xcpu"))
    ap.add_argument("--sizes", default="5000,10000")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--points", default="2,5,10,20")
    ap.add_argument("--kind", default="R,RC,1-100", help="depot,customers,demand of X-style")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--matrix", action="store_true")
    ap.add_argument("--one-window", action="store_true", help="city: first window only")
    ap.add_argument("--pyvrp", action="store_true", help="city: PyVRP instead (one window)")
    ap.add_argument("--iterations", default="5000,20000,80000", help="xcpu: Yunli budgets")
    ap.add_argument("--pyvrp-cpu", type=float, default=20.0, help="xcpu: PyVRP CPU seconds")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        if args.what == "city" and args.pyvrp:
            res = run_city_pyvrp(args.one, args.time_limit, args.seed)
        elif args.what == "xcpu":
            its = [int(x) for x in args.iterations.split(",")]
            kind = tuple(args.kind.split(","))
            res = run_x_cpu(args.one, its, args.pyvrp_cpu, args.seed, kind)  # type: ignore[arg-type]
        elif args.what == "city":
            res = run_city(args.one, args.time_limit, args.seed, args.matrix, args.one_window)
        else:
            pts = [float(x) for x in args.points.split(",")]
            res = run_x(args.one, pts, args.seed, tuple(args.kind.split(",")))  # type: ignore[arg-type]
        print(json.dumps(res))
        return 0
    for n in (int(s) for s in args.sizes.split(",")):
        cmd = [
            sys.executable,
            __file__,
            args.what,
            "--one",
            str(n),
            "--time-limit",
            str(args.time_limit),
            "--points",
            args.points,
            "--kind",
            args.kind,
            "--seed",
            str(args.seed),
            "--iterations",
            args.iterations,
            "--pyvrp-cpu",
            str(args.pyvrp_cpu),
        ]
        for flag in ("matrix", "one_window", "pyvrp"):
            if getattr(args, flag):
                cmd.append("--" + flag.replace("_", "-"))
        t0 = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = proc.stdout.strip().splitlines()
        print(
            lines[-1]
            if lines
            else f"{n}: failed after {time.monotonic() - t0:.0f} s: {proc.stderr[-800:]}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
