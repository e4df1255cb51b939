"""Peer benchmark harness: Yunli beside plain OR-Tools, PyVRP and VROOM, in the same run.

Every solver gets the same instance under the same integer matrices (the set's distance
convention, built once by ``engine.routing.formats``), the same wall-clock limit per
instance and one core; every solution is re-checked by the one checker
(``engine.routing.checker.check``) and its cost recomputed from the routes under the set's
convention, so no solver's own figures are trusted.

Solvers:

``yunli``
    The ``yunli solve`` command in a subprocess (``--solver auto``: the Rust core where
    built in, else OR-Tools; ``--threads 1``: one core, like the peers), its solution
    JSON read back; the time limit covers the solve, the process start-up and instance
    reading are on top.
``yunli-t2`` (on request)
    The same with ``--threads 2``: two cooperating searches on two cores.
``yunli-api`` (on request)
    ``engine.routing.solve(problem, solver="auto")`` in this process.
``yunli-ortools`` (on request)
    ``solve(problem, solver="ortools")``: Yunli's OR-Tools model (parallel cheapest
    insertion or savings, guided local search, robust disjunctions).
``ortools``
    OR-Tools as documented: ``PATH_CHEAPEST_ARC`` then ``GUIDED_LOCAL_SEARCH``, every
    customer a hard visit, the time limit as the only stop.
``pyvrp``
    ``pyvrp.Model.solve(MaxRuntime(limit), seed)``, default parameters (HGS); no
    pickup–delivery support, so Li & Lim is ``n/a``.
``vroom``
    ``pyvroom`` ``Input.solve(exploration_level=5, nb_threads=1, timeout=limit)``.

Usage::

    python bench/peer_harness.py                         # quick: 4 Solomon, 2 s each
    python bench/peer_harness.py --set solomon12 --time-limit 10 --write
    python bench/peer_harness.py --set solomon --set lilim --time-limit 10 --workers 2 --write
    python bench/peer_harness.py --set x300 --x-rule --solvers yunli,vroom --workers 2 --write

``--x-rule`` gives each CVRPLIB instance ``2.4 * n / 10`` seconds (``n`` customers), the
time rule of the issue (and of the DIMACS challenge's CVRP track, scaled). ``--workers 2``
runs two solver processes at once, one core each on the 2-core machine. ``--json`` keeps the
raw results; ``--render`` re-prints (and with ``--write`` records) tables from such files.

``--write`` appends the table with date, ``nproc`` and the exact command to
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one core for the Rust core as well

from engine.routing import check, formats
from engine.routing.formats import Instance

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data" / "benchmarks"

#: Named instance lists.
SETS: dict[str, list[str]] = {
    "quick": ["C101", "R101", "RC101", "R201"],
    "solomon12": [
        "C101",
        "C105",
        "C201",
        "C205",
        "R101",
        "R107",
        "R201",
        "R208",
        "RC101",
        "RC106",
        "RC201",
        "RC207",
    ],
}

SOLVERS = ("yunli", "ortools", "pyvrp", "vroom")

Routes = list[list[int]]


def instance_path(name: str) -> tuple[Path, str]:
    """File and format of an instance name (Solomon, X or Li & Lim)."""
    if name.startswith("X-"):
        return DATA / "x" / f"{name}.vrp", "vrplib"
    if name[0] == "l":
        return DATA / "lilim" / f"{name}.txt", "lilim"
    return DATA / "solomon" / f"{name}.txt", "solomon"


def expand(sets: Sequence[str]) -> list[str]:
    """Instance names of named sets (``quick``, ``solomon12``, ``solomon``, ``x``, ``lilim``)
    ``x300`` (X up to 300 customers) or single instance names."""
    out: list[str] = []
    for s in sets:
        if s in SETS:
            out += SETS[s]
        elif s == "solomon":
            out += sorted(p.stem for p in (DATA / "solomon").glob("[CR]*.txt"))
        elif s == "x":
            out += sorted(p.stem for p in (DATA / "x").glob("X-*.vrp"))
        elif s == "x300":
            xs = sorted(p.stem for p in (DATA / "x").glob("X-*.vrp"))
            out += [n for n in xs if num_customers(n) <= 300]
        elif s == "lilim":
            out += sorted(p.stem for p in (DATA / "lilim").glob("l*.txt"))
        else:
            out.append(s)
    return out


def num_customers(name: str) -> int:
    """Customers of an instance (from the file name for X, else by reading it)."""
    if name.startswith("X-"):
        return int(name.split("-")[1][1:]) - 1
    path, fmt = instance_path(name)
    return formats.read(path, fmt).problem.num_jobs


def time_limit_of(name: str, limit: float, x_rule: bool) -> float:
    """Seconds for one solver on ``name``: ``limit``, or ``2.4 n / 10`` for X under the rule."""
    if x_rule and name.startswith("X-"):
        return 2.4 * num_customers(name) / 10
    return limit


def yunli_command() -> list[str]:
    """The ``yunli`` console script of this interpreter's environment."""
    here = Path(sys.executable).parent / "yunli"
    if here.exists():
        return [str(here)]
    found = shutil.which("yunli")
    return [found] if found else [sys.executable, "-m", "engine.cli"]


# ---- solver adapters: each returns routes of job indices (depot excluded) ----------------
def run_yunli(inst: Instance, limit: float, seed: int, threads: int = 1) -> Routes:
    """``yunli solve`` as a user runs it (on ``threads`` cores); routes read back from its
    solution JSON."""
    path, fmt = instance_path(inst.name)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sol.json"
        cmd = [*yunli_command(), "solve", str(path), "--format", fmt]
        cmd += ["--time-limit", f"{limit:g}", "--seed", str(seed), "--output", str(out)]
        cmd += ["--threads", str(threads)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 4) or not out.exists():
            raise RuntimeError(f"yunli solve exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        doc = json.loads(out.read_text())
    index = {n: j for j, n in enumerate(inst.numbers)}
    return [[index[int(c)] for c in r] for r in doc["routes"]]


def run_yunli_api(inst: Instance, limit: float, seed: int) -> Routes:
    from engine.routing import solve

    sol = solve(inst.problem, time_limit=limit, seed=seed, solver="auto")
    return [list(r.jobs) for r in sol.routes]


def run_yunli_ortools(inst: Instance, limit: float, seed: int) -> Routes:
    from engine.routing import solve

    sol = solve(inst.problem, time_limit=limit, seed=seed, solver="ortools")
    return [list(r.jobs) for r in sol.routes]


def run_ortools(inst: Instance, limit: float, seed: int) -> Routes:
    from engine.routing.ortools_solver import solve_ortools

    res = solve_ortools(inst.problem, time_limit=limit, seed=seed, plain=True)
    if res.status == "no_solution":
        return []
    return [list(r) for _, r in res.routes]


def run_pyvrp(inst: Instance, limit: float, seed: int) -> Routes | None:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    p = inst.problem
    if any(j.pair is not None for j in p.jobs):
        return None  # no pickup-delivery support
    t0 = time.monotonic()
    m = pyvrp.Model()
    vt = p.vehicle_types[0]
    locs: list[pyvrp.Client | pyvrp.Depot] = []
    depot = m.add_depot(
        m.add_location(x=0, y=0), tw_early=vt.shift[0], tw_late=min(vt.shift[1], 2**62)
    )
    locs.append(depot)
    order = [vt.start.index]
    for j in p.jobs:
        w = j.time_windows[0]
        locs.append(
            m.add_client(
                m.add_location(x=0, y=0),
                delivery=list(j.delivery),
                service_duration=j.service,
                tw_early=w[0],
                tw_late=min(w[1], 2**62),
            )
        )
        order.append(j.site.index)
    m.add_vehicle_type(
        vt.num_available,
        capacity=list(vt.capacity),
        start_depot=depot,
        end_depot=depot,
        tw_early=vt.shift[0],
        tw_late=min(vt.shift[1], 2**62),
    )
    dist = p.distance[order][:, order]
    dur = p.durations[0][order][:, order]
    mlocs = m.locations
    for a in range(len(order)):
        for b in range(len(order)):
            if a != b:
                m.add_edge(mlocs[a], mlocs[b], int(dist[a, b]), int(dur[a, b]))
    remaining = max(0.1, limit - (time.monotonic() - t0))
    res = m.solve(stop=MaxRuntime(remaining), seed=seed, display=False)
    # client activities carry the client index (clients were added in job order)
    return [[int(a.idx) for a in r if a.is_client()] for r in res.best.routes()]


def run_vroom(inst: Instance, limit: float, seed: int) -> Routes:
    import vroom

    p = inst.problem
    arr = p.to_arrays()
    vi = vroom.Input()
    vi.set_durations_matrix("car", p.durations[0])
    vi.set_costs_matrix("car", p.distance)
    vt = p.vehicle_types[0]
    tw = vroom.TimeWindow(vt.shift[0], min(vt.shift[1], 2**32 - 1))
    costs = vroom.VehicleCosts(fixed=vt.fixed_cost)
    for v in range(vt.num_available):
        vi.add_vehicle(
            vroom.Vehicle(
                id=v,
                start=vt.start.index,
                end=vt.end.index,
                capacity=list(vt.capacity),
                time_window=tw,
                costs=costs,
            )
        )

    def tws(j: int) -> list[vroom.TimeWindow]:
        return [vroom.TimeWindow(a, min(b, 2**32 - 1)) for a, b in p.jobs[j].time_windows]

    for j in p.jobs:
        if j.pair is None:
            vi.add_job(
                vroom.Job(
                    id=j.index,
                    location=j.site.index,
                    default_service=j.service,
                    delivery=vroom.Amount(list(j.delivery)),
                    time_windows=tws(j.index),
                )
            )
        elif arr["is_pickup"][j.index]:
            q = p.jobs[j.pair]
            vi.add_shipment(
                vroom.ShipmentStep(
                    j.index, j.site.index, default_service=j.service, time_windows=tws(j.index)
                ),
                vroom.ShipmentStep(
                    q.index, q.site.index, default_service=q.service, time_windows=tws(q.index)
                ),
                amount=vroom.Amount(list(j.pickup)),
            )
    sol = vi.solve(exploration_level=5, nb_threads=1, timeout=dt.timedelta(seconds=limit))
    df = sol.routes
    routes: dict[int, list[int]] = {}
    for v, typ, jid in zip(df["vehicle_id"], df["type"], df["id"], strict=True):
        if typ in ("job", "pickup", "delivery"):
            routes.setdefault(int(v), []).append(int(jid))
    return list(routes.values())


def run_yunli_t2(inst: Instance, limit: float, seed: int) -> Routes:
    """``yunli solve --threads 2``."""
    return run_yunli(inst, limit, seed, threads=2)


RUNNERS: dict[str, Callable[[Instance, float, int], Routes | None]] = {
    "yunli": run_yunli,
    "yunli-t2": run_yunli_t2,
    "yunli-api": run_yunli_api,
    "yunli-ortools": run_yunli_ortools,
    "ortools": run_ortools,
    "pyvrp": run_pyvrp,
    "vroom": run_vroom,
}


@dataclass
class Result:
    """One solver on one instance: ``cost`` under the set's convention (None if n/a or no
    feasible solution), vehicles, checker verdict, wall seconds."""

    instance: str
    solver: str
    cost: float | None
    vehicles: int
    feasible: bool
    wall: float
    note: str = ""


def run_one(inst: Instance, solver: str, limit: float, seed: int) -> Result:
    """Run one solver on one instance and check its answer."""
    t = time.monotonic()
    try:
        routes = RUNNERS[solver](inst, limit, seed)
    except Exception as e:  # a peer's failure is a result, not a crash of the harness
        return Result(inst.name, solver, None, 0, False, time.monotonic() - t, f"error: {e}")
    wall = time.monotonic() - t
    if routes is None:
        return Result(inst.name, solver, None, 0, False, wall, "n/a")
    routes = [r for r in routes if r]
    rep = check(inst.problem, [(0, r) for r in routes])
    if not rep.feasible:
        kinds = sorted({v.kind for v in rep.violations})
        return Result(inst.name, solver, None, len(routes), False, wall, f"infeasible {kinds}")
    return Result(inst.name, solver, inst.cost(routes), len(routes), True, wall)


def bks_of(name: str) -> tuple[float, int]:
    """Best-known (cost, vehicles) of an instance."""
    path, _fmt = instance_path(name)
    return formats.load_bks(path.parent)[name]


def gap_of(r: Result) -> float | None:
    """Gap to BKS in percent (distance; for Li & Lim only when the vehicle count matches
    the BKS, else None: hierarchical objective)."""
    if r.cost is None:
        return None
    bks, veh = bks_of(r.instance)
    if r.instance[0] == "l" and r.vehicles != veh:
        return None
    return 100 * (r.cost / bks - 1)


def table(results: list[Result], solvers: Sequence[str], limit: float | str) -> str:
    """Markdown table: per instance cost (gap) per solver, then mean/max gap and counts."""
    names = list(dict.fromkeys(r.instance for r in results))
    by = {(r.instance, r.solver): r for r in results}
    lines = [
        "| instance | BKS | " + " | ".join(solvers) + " |",
        "|---|---|" + "---|" * len(solvers),
    ]
    for n in names:
        bks, veh = bks_of(n)
        cells = []
        for s in solvers:
            r = by.get((n, s))
            if r is None or r.cost is None:
                cells.append(r.note if r else "")
                continue
            g = gap_of(r)
            gtxt = f"{g:+.2f}%" if g is not None else f"veh {r.vehicles}≠{veh}"
            cells.append(f"{r.cost:.1f} ({gtxt}, {r.vehicles} v)")
        lines.append(f"| {n} | {bks:g} ({veh} v) | " + " | ".join(cells) + " |")
    agg = []
    for s in solvers:
        rs = [by[(n, s)] for n in names if (n, s) in by]
        gaps = [g for g in (gap_of(r) for r in rs) if g is not None]
        na = sum(r.note == "n/a" for r in rs)
        feas = sum(r.feasible for r in rs)
        lilim = [r for r in rs if r.instance[0] == "l" and r.feasible]
        veh_ok = sum(r.vehicles <= bks_of(r.instance)[1] for r in lilim)
        txt = f"mean {statistics.mean(gaps):.2f}% / max {max(gaps):.2f}%" if gaps else "—"
        txt += f"; feasible {feas}/{len(rs) - na}" + (f" ({na} n/a)" if na else "")
        if lilim:
            txt += f"; BKS vehicles {veh_ok}/{len(lilim)}"
        agg.append(txt)
    lines.append("| **gap to BKS** | | " + " | ".join(agg) + " |")
    lim = f"{limit:g} s" if isinstance(limit, float | int) else limit
    walls = {s: sum(by[(n, s)].wall for n in names if (n, s) in by) for s in solvers}
    wall_txt = ", ".join(f"{s} {w:,.0f} s" for s, w in walls.items())
    return (
        "\n".join(lines)
        + f"\n\n({lim} per instance per solver, one core each; total wall: {wall_txt})\n"
    )


def family(name: str) -> str:
    """Benchmark family of an instance name."""
    if name.startswith("X-"):
        return "CVRPLIB X"
    return "Li & Lim PDPTW" if name[0] == "l" else "Solomon VRPTW"


def _task(name: str, solver: str, limit: float, seed: int) -> Result:
    path, fmt = instance_path(name)
    return run_one(formats.read(path, fmt), solver, limit, seed)


def run_all(
    names: Sequence[str],
    solvers: Sequence[str],
    limit: float,
    x_rule: bool,
    seed: int,
    workers: int,
) -> list[Result]:
    """Every solver on every instance, ``workers`` solver processes at a time."""
    tasks = [(n, s, time_limit_of(n, limit, x_rule), seed) for n in names for s in solvers]

    def show(r: Result) -> None:
        cost = "—" if r.cost is None else f"{r.cost:.2f}"
        print(
            f"{r.instance:14s} {r.solver:8s} {cost:>10s} {r.vehicles:3d} v  {r.wall:6.1f} s "
            f"{r.note}",
            flush=True,
        )

    results: list[Result] = []
    if workers <= 1:
        for t in tasks:
            results.append(_task(*t))
            show(results[-1])
        return results
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # a fresh process per task: no solver's memory or threads outlive its run
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, max_tasks_per_child=1) as pool:
        futs = [pool.submit(_task, *t) for t in tasks]
        for f in futs:
            results.append(f.result())
            show(results[-1])
    return results


def render(results: list[Result], solvers: Sequence[str], limit: float, x_rule: bool) -> str:
    """One table per benchmark family."""
    out = []
    for fam in ("Solomon VRPTW", "CVRPLIB X", "Li & Lim PDPTW"):
        rs = [r for r in results if family(r.instance) == fam]
        if not rs:
            continue
        used = [s for s in solvers if any(r.solver == s for r in rs)]
        lim: float | str = "2.4·n/10 s" if fam == "CVRPLIB X" and x_rule else limit
        out.append(f"### {fam} ({len({r.instance for r in rs})} instances)\n\n")
        out.append(table(rs, used, lim) + "\n")
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Yunli vs OR-Tools, PyVRP and VROOM")
    ap.add_argument(
        "--set",
        action="append",
        dest="sets",
        help="quick (default), solomon12, solomon, x, x300, lilim, or instance names",
    )
    ap.add_argument("--time-limit", type=float, default=2.0)
    ap.add_argument("--x-rule", action="store_true", help="X instances get 2.4*n/10 s")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--workers", type=int, default=1, help="solver processes at once")
    ap.add_argument("--json", type=Path, default=None, help="write the raw results here")
    ap.add_argument(
        "--render", type=Path, action="append", default=None, help="tables from --json files"
    )
    ap.add_argument("--write", action="store_true", help="append the table to bench/RESULTS.md")
    args = ap.parse_args(argv)
    solvers = [s for s in args.solvers.split(",") if s]
    load0 = os.getloadavg()
    t0 = time.monotonic()
    if args.render:
        results = [Result(**d) for f in args.render for d in json.loads(f.read_text())]
        solvers = list(dict.fromkeys(r.solver for r in results))
    else:
        names = expand(args.sets or ["quick"])
        results = run_all(names, solvers, args.time_limit, args.x_rule, args.seed, args.workers)
        if args.json:
            args.json.write_text(json.dumps([r.__dict__ for r in results], indent=0) + "\n")
    out = render(results, solvers, args.time_limit, args.x_rule)
    print(out)
    if args.write:
        cmd = "python bench/peer_harness.py " + " ".join(sys.argv[1:] if argv is None else argv)
        from engine.routing import core_available

        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        yunli = "Rust core" if core_available() else "OR-Tools"
        load1 = os.getloadavg()
        head = (
            f"\n## Peer benchmark, {when} (yunli = `yunli solve --solver auto` = {yunli})\n\n"
            f"`{cmd}` — nproc {os.cpu_count()}, {platform.processor() or platform.machine()}, "
            f"load average {load0[0]:.1f} at start, {load1[0]:.1f} at end, "
            f"{(time.monotonic() - t0) / 60:.0f} min\n\n"
        )
        with (BENCH / "RESULTS.md").open("a") as f:
            f.write(head + out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
