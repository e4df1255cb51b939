"""``yunli solve`` (standard benchmark files) and ``yunli optimize`` (Yunli's own tables)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from engine.cli import EXIT_INCOMPLETE, EXIT_INTERRUPTED, seconds
from engine.errors import InvalidInputError, NotFoundError
from engine.outputs import atomic_write, atomic_write_text, check_output
from engine.progress import Progress
from engine.routing.solve import SOLVERS, Solution, solve

#: Plan files ``yunli optimize --output`` writes.
PLAN_SUFFIXES = (".json", ".csv", ".parquet")


def register(subparsers: Any) -> None:
    """Add the ``solve`` and ``optimize`` sub-commands to the ``yunli`` parser."""
    p = subparsers.add_parser(
        "solve",
        help="solve a standard routing instance (Solomon, VRPLIB, Li & Lim)",
        description="Solve a benchmark instance and write "
        '{"cost", "vehicles", "routes"} (customer numbers as in the file, depot excluded).',
    )
    p.add_argument("path", type=Path, help="instance file")
    p.add_argument(
        "--format",
        choices=("solomon", "vrplib", "lilim"),
        default=None,
        help="file format (default: guessed)",
    )
    _common(p)
    p.add_argument("--output", type=Path, default=None, help="solution JSON to write")
    p.add_argument("--sol", type=Path, default=None, help="also write a CVRPLIB .sol file")
    p.set_defaults(func=_cmd_solve)

    o = subparsers.add_parser(
        "optimize",
        help="plan routes for Yunli sites/vehicles/jobs tables (CSV or Parquet)",
        description="Plan routes for a problem given as three tables; see "
        "engine.routing.Model.from_polars for the columns.",
    )
    o.add_argument("--sites", type=Path, required=True, help="sites table (.csv/.parquet)")
    o.add_argument("--vehicles", type=Path, required=True, help="vehicle types table")
    o.add_argument("--jobs", type=Path, required=True, help="jobs table")
    o.add_argument(
        "--dimensions",
        default="weight_kg,volume_l",
        help="comma-separated capacity dimensions (columns of both tables)",
    )
    _common(o)
    o.add_argument(
        "--output",
        type=Path,
        default=None,
        help="plan to write: .json (summary, routes, unserved) or .csv/.parquet (visits)",
    )
    o.add_argument("--plot", type=Path, default=None, help="PNG of the routes (needs matplotlib)")
    o.add_argument("--quiet", action="store_true", help="no progress display")
    o.add_argument(
        "--ray",
        metavar="ADDRESS|auto|local",
        default=None,
        help="solve on a Ray cluster (pip install 'yunli[ray]'): its head's HOST:PORT, 'auto' "
        "or 'local'. Several depots: one partition per depot, each within --time-limit; one "
        "depot: sectors of a large city plus boundary repair (see --partitions)",
    )
    o.add_argument(
        "--partitions",
        type=int,
        default=None,
        help="with --ray and one depot: sectors to split the jobs into (default: one per "
        "2,500 jobs)",
    )
    o.set_defaults(func=_cmd_optimize)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--time-limit", type=seconds, default=10.0, help="wall-clock seconds (10; at most a week)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument(
        "--solver",
        choices=SOLVERS,
        default="auto",
        help="auto (Rust core where it applies, else OR-Tools), ortools, core, best",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        help="search threads of the Rust core (0: one per core, the default; 1: one "
        "thread, the same answer on any machine for a seed and budget)",
    )


def _cmd_solve(args: argparse.Namespace) -> int:
    from engine.routing import formats

    check_output(args.output, (".json",))
    check_output(args.sol, (".sol",), "sol")
    inst = formats.read(args.path, args.format)
    with Progress(f"solve {inst.name}", args.time_limit) as prog:
        sol = solve(
            inst.problem,
            args.time_limit,
            args.seed,
            args.solver,
            progress=prog,
            threads=args.threads,
        )
    routes = [list(r.jobs) for r in sol.routes]
    out = formats.solution_dict(inst, routes)
    interrupted = sol.status == "interrupted"
    if interrupted:
        out["interrupted"] = True
    if args.output is not None:
        atomic_write_text(args.output, json.dumps(out) + "\n")
    if args.sol is not None:
        atomic_write(args.sol, lambda tmp: formats.write_sol(tmp, inst, routes))
    state = "feasible" if sol.complete else "INCOMPLETE/INFEASIBLE"
    print(
        f"{inst.name}: cost {out['cost']:.2f}, {out['vehicles']} vehicles, {state}, "
        f"solver {sol.solver}, {sol.runtime:.1f} s" + (f" -> {args.output}" if args.output else "")
    )
    if interrupted:
        return _interrupted("solve", args.output)
    return 0 if sol.complete else EXIT_INCOMPLETE


def _interrupted(command: str, output: Path | None) -> int:
    """Say that Ctrl-C (or SIGTERM) stopped the run and what was kept; the exit code."""
    kept = f"best solution so far written to {output}" if output else "best solution so far shown"
    print(f"yunli {command}: interrupted; {kept}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _read_table(path: Path, field: str) -> Any:
    import polars as pl

    if not path.exists():
        raise NotFoundError(f"{field} table {str(path)!r} does not exist")
    if path.is_dir():
        raise InvalidInputError.at(field, f"{str(path)!r} is a directory, not a table file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InvalidInputError.at(field, f"{path.name}: use .csv or .parquet")
    if path.stat().st_size == 0:
        raise InvalidInputError.at(field, f"{path.name} is empty")
    try:
        df = pl.read_parquet(path) if suffix == ".parquet" else pl.read_csv(path)
    except (pl.exceptions.PolarsError, OSError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InvalidInputError.at(field, f"cannot read {path.name}: {first}") from None
    if df.height == 0:
        raise InvalidInputError.at(field, f"{path.name} has no rows")
    return df


def _cmd_optimize(args: argparse.Namespace) -> int:
    from engine.routing.model import Model

    check_output(args.output, PLAN_SUFFIXES)
    check_output(args.plot, (".png",), "plot")
    dims = tuple(d.strip() for d in args.dimensions.split(",") if d.strip())
    model = Model.from_polars(
        _read_table(args.sites, "sites"),
        _read_table(args.vehicles, "vehicles"),
        _read_table(args.jobs, "jobs"),
        dimensions=dims,
    )
    problem = model.data()
    if args.partitions is not None and args.ray is None:
        raise InvalidInputError.at("partitions", "splits a problem over a Ray cluster: add --ray")
    if args.ray is not None:
        from engine.cluster.cli import optimize_on_ray

        return optimize_on_ray(args, problem, lambda sol: _finish_optimize(args, sol))
    if not args.quiet:
        print(
            f"optimizing {problem.num_jobs} jobs, {problem.num_vehicles} vehicles "
            f"({len(problem.vehicle_types)} types) for up to {args.time_limit:.0f} s ...",
            file=sys.stderr,
        )
    with Progress("optimize", args.time_limit, enabled=False if args.quiet else None) as prog:
        sol = solve(
            problem, args.time_limit, args.seed, args.solver, progress=prog, threads=args.threads
        )
    return _finish_optimize(args, sol)


def _finish_optimize(args: argparse.Namespace, sol: Solution) -> int:
    """Write the plan and the plot, print the summary; the exit code."""
    if args.output is not None:
        _write_plan(args.output, sol)
    if args.plot is not None:
        atomic_write(args.plot, lambda tmp: plot_routes(sol, tmp))
    print(sol.summary() + (f" -> {args.output}" if args.output else ""))
    for u in sol.unserved:
        print(f"  unserved {u.name}: {u.reason}")
    if sol.status == "interrupted":
        return _interrupted("optimize", args.output)
    return 0 if sol.complete else EXIT_INCOMPLETE


def _write_plan(path: Path, sol: Solution) -> None:
    if path.suffix == ".json":
        doc = {
            "summary": sol.summary(),
            "cost": sol.cost,
            "vehicles": sol.num_vehicles,
            "distance": sol.distance,
            "duration": sol.duration,
            "solver": sol.solver,
            "interrupted": sol.status == "interrupted",
            "routes": [
                {
                    "vehicle_type": r.vehicle_type_name,
                    "jobs": list(r.job_names),
                    "service_starts": list(r.service_starts),
                    "distance": r.distance,
                    "duration": r.duration,
                    "departure": r.departure,
                    "arrival": r.arrival,
                    "peak_load": list(r.peak_load),
                    "cost": r.cost,
                }
                for r in sol.routes
            ],
            "unserved": [
                {"job": u.name, "required": u.required, "reason": u.reason} for u in sol.unserved
            ],
        }
        atomic_write_text(path, json.dumps(doc, indent=1) + "\n")
    elif path.suffix == ".parquet":
        atomic_write(path, lambda tmp: sol.to_polars().write_parquet(tmp))
    elif path.suffix == ".csv":
        atomic_write(path, lambda tmp: sol.to_polars().write_csv(tmp))
    else:
        raise InvalidInputError.at("output", f"{path.name}: use .json, .csv or .parquet")


def route_figure(sol: Solution) -> Any:
    """A matplotlib figure of the routes (one colour each) over the sites.

    The title is the whole :meth:`Solution.summary`, wrapped to the figure's width.

    Raises
    ------
    InvalidInputError
        If sites have no coordinates or matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InvalidInputError.at("plot", "matplotlib is not installed") from None
    sites = sol.problem.sites

    def xy(i: int) -> tuple[float, float]:
        s = sites[i]
        if s.lon is not None and s.lat is not None:
            return s.lon, s.lat
        if s.x is not None and s.y is not None:
            return s.x, s.y
        raise InvalidInputError.at("plot", f"site {s.name!r} has no coordinates")

    fig, ax = plt.subplots(figsize=(8, 8))
    pts = [xy(s.index) for s in sites]
    ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=6, c="grey", zorder=1)
    for r in sol.routes:
        vt = sol.problem.vehicle_types[r.vehicle_type]
        path_ix = [vt.start.index, *(sol.problem.jobs[j].site.index for j in r.jobs), vt.end.index]
        line = [xy(i) for i in path_ix]
        ax.plot([p[0] for p in line], [p[1] for p in line], lw=0.8, zorder=2)
    for s in sites:
        if s.is_depot:
            x, y = xy(s.index)
            ax.scatter([x], [y], marker="s", s=60, c="black", zorder=3)
    ax.set_title(textwrap.fill(sol.summary(), 90), fontsize=8, loc="left")
    ax.set_aspect("equal", adjustable="datalim")
    return fig


def plot_routes(sol: Solution, path: Path) -> None:
    """Draw :func:`route_figure` and save it as a PNG (the title kept whole).

    Raises
    ------
    InvalidInputError
        If sites have no coordinates or matplotlib is not installed.
    """
    import matplotlib.pyplot as plt

    fig = route_figure(sol)
    fig.savefig(path, dpi=120, bbox_inches="tight", format="png")
    plt.close(fig)
