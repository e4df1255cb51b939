"""Batch runs on a Ray cluster: ``yunli cluster match|optimize|simulate --ray ADDRESS``,
the ``--ray`` paths of ``yunli match`` and ``yunli optimize``, and ``yunli simulate``
(simulator sweeps, on Ray with ``--ray`` or in local processes without).

``--ray`` takes the cluster's ``HOST:PORT`` (``ray start --head`` prints it), ``auto``
(the cluster this machine belongs to, else a new local one) or ``local``. Progress is
shown on standard error as partitions finish (a bar on a terminal, one line per
partition otherwise). An unreachable cluster exits with code 3; a partition whose
worker or node died on every attempt exits with code 4 and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from tqdm import tqdm

from engine.cli import EXIT_INCOMPLETE, EXIT_NOT_FOUND, seconds
from engine.cluster.errors import ClusterUnavailableError, PartitionFailedError
from engine.cluster.runtime import PartitionRun, RayCluster
from engine.errors import InvalidInputError
from engine.outputs import atomic_write_text, check_output

TABLE_SUFFIXES = (".parquet", ".pq", ".csv")


class _Bar:
    """Partitions done (tqdm on standard error), with the node and retries of each."""

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self.bar: tqdm[Any] | None = None
        self.retried = 0

    def __call__(self, run: PartitionRun[Any], done: int, total: int) -> None:
        self.retried += run.attempts > 1
        if not sys.stderr.isatty():
            again = f", attempt {run.attempts}" if run.attempts > 1 else ""
            print(
                f"{self.desc}: {done}/{total} partitions done ({run.name} on node "
                f"{run.node_id[:8]} in {run.wall_s:.1f} s{again})",
                file=sys.stderr,
                flush=True,
            )
            return
        if self.bar is None or self.bar.total != total:
            if self.bar is not None:
                self.bar.close()
            self.bar = tqdm(
                total=total,
                desc=self.desc,
                file=sys.stderr,
                leave=False,
                unit="part",
            )
        self.bar.set_postfix_str(f"{run.name} on {run.node_id[:8]}, retried {self.retried}")
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run(args: argparse.Namespace, body: Any) -> int:
    """Connect, run, and turn cluster failures into one-line messages and exit codes."""
    name = getattr(args, "run_name", None) or f"yunli cluster {args.cluster_command}"
    bar = _Bar(getattr(args, "cluster_command", None) or name.removeprefix("yunli "))
    try:
        with RayCluster(args.ray, num_cpus=args.num_cpus):
            return int(body(args, bar))
    except ClusterUnavailableError as e:
        print(f"{name}: cluster unavailable: {e}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except PartitionFailedError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return EXIT_INCOMPLETE
    finally:
        bar.close()


def run_match(args: argparse.Namespace) -> int:
    """``yunli match --ray ADDRESS``: the same run as ``yunli cluster match`` (``args``
    carries the ``yunli match`` options; the cluster-only ones default)."""
    for name, default in (
        ("cluster_command", "match"),
        ("regions", 8),
        ("partitions", None),
        ("num_cpus", None),
        ("partitions_output", None),
    ):
        if getattr(args, name, None) is None:
            setattr(args, name, default)
    args.output = Path(args.output)
    args.run_name = "yunli match"
    return _run(args, _match)


def optimize_on_ray(args: argparse.Namespace, problem: Any, finish: Callable[[Any], int]) -> int:
    """``yunli optimize --ray ADDRESS``: ``problem`` split by depot (or into sectors of
    one large depot) and solved on the cluster (:func:`engine.cluster.routing.optimize`);
    ``finish(solution)`` writes the merged plan as ``yunli optimize`` does and returns
    the exit code. The per-partition figures go to standard error."""
    args.run_name = "yunli optimize"
    args.num_cpus = getattr(args, "num_cpus", None)

    def body(a: argparse.Namespace, bar: _Bar) -> int:
        from engine.cluster import routing as cr

        print(
            f"optimizing {problem.num_jobs} jobs, {problem.num_vehicles} vehicles on the Ray "
            f"cluster {a.ray}, {a.time_limit:g} s per partition ...",
            file=sys.stderr,
        )
        plan = cr.optimize(
            problem,
            a.time_limit,
            seed=a.seed,
            solver=a.solver,
            sectors=a.partitions,
            progress=bar,
        )
        bar.close()
        f = plan.partitions
        print(
            f"{f.height} partition(s) ({plan.split}) on {f['node_id'].n_unique()} node(s); CPU "
            f"{float(f['cpu_s'].sum()):.1f} s; retried {int((f['attempts'] > 1).sum())}",
            file=sys.stderr,
        )
        cols = [c for c in _PART_COLS if c in f.columns]
        _print_markdown(
            f.select(cols).with_columns(pl.col("node_id").str.slice(0, 8)), file=sys.stderr
        )
        return int(finish(plan.solution))

    return _run(args, body)


def _print_markdown(df: pl.DataFrame, *, file: Any = None, **config: Any) -> None:
    """Print ``df`` whole as a Markdown table (extra ``pl.Config`` options in ``config``)."""
    with pl.Config(
        tbl_cols=-1,
        tbl_rows=-1,
        tbl_width_chars=10_000,
        float_precision=2,
        tbl_formatting="ASCII_MARKDOWN",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        **config,
    ):
        print(df, file=file)


_PART_COLS = (
    "partition",
    "stage",
    "jobs",
    "vehicles",
    "cost",
    "unserved_required",
    "time_limit_s",
    "solve_s",
    "cpu_s",
    "node_id",
    "attempts",
)


def _write_table(df: pl.DataFrame, path: Path) -> None:
    from engine.matching.cli import write_table

    write_table(df, str(path))


def _match(args: argparse.Namespace, bar: _Bar) -> int:
    from engine.cluster import matching as cm
    from engine.matching.params import MatchParams

    params = MatchParams(max_deadhead_km=args.max_deadhead_km)
    t0 = time.perf_counter()
    market = cm.Market.of(args.vehicles, args.trips, args.loads, args.now)
    print(f"market read in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    if args.mode == "profiles":
        prof = cm.profiles(market, regions=args.regions, params=params, progress=bar)
        _write_table(prof, args.output)
        print(f"profiles of {prof.height:,} vehicles written to {args.output}")
        return 0
    if args.mode == "recommend":
        res = cm.recommend_vehicles(
            market, k=args.k, regions=args.regions, params=params, progress=bar
        )
    elif args.mode == "loads":
        res = cm.recommend_loads(
            market, k=args.k, regions=args.regions, params=params, progress=bar
        )
    else:
        res = cm.dispatch(
            market,
            candidates=args.candidates,
            regions=args.regions,
            partitions=args.partitions,
            params=params,
            progress=bar,
            objective=args.objective,
        )
    _write_table(res.pairs, args.output)
    if args.partitions_output is not None:
        _write_table(cm.figures_frame(res.partitions), args.partitions_output)
    print(res.summary())
    print(f"written to {args.output}")
    return 0


def _optimize(args: argparse.Namespace, bar: _Bar) -> int:
    from engine.cluster import routing as cr

    problems: list[tuple[str, Any]]
    if args.instances:
        from engine.routing import formats

        problems = []
        for p in args.instances:
            inst = formats.read(p, args.format)
            problems.append((inst.name or Path(p).stem, inst.problem))
    else:
        problems = cr.city_problems(args.cities, args.stops, args.vehicles, seed=args.seed)
    names = [n for n, _ in problems]
    if len(set(names)) != len(names):
        raise InvalidInputError.at("instances", "instance names must be unique")
    out: dict[str, Any]
    if args.decompose:
        if len(problems) != 1:
            raise InvalidInputError.at("decompose", "needs exactly one problem")
        d = cr.solve_decomposed(
            problems[0][1], args.decompose, args.time_limit, seed=args.seed, progress=bar
        )
        print(d.summary())
        frame = d.partitions
        out = {
            "cost": d.cost,
            "cost_before_repair": d.cost_before_repair,
            "distance_m": d.distance,
            "feasible": d.feasible,
            "unserved_required": d.unserved_required,
            "routes": [{"vehicle_type": t, "jobs": js} for t, js in d.routes],
        }
        complete = d.feasible and not d.unserved_required
    else:
        tasks = [cr.RouteTask(n, p, args.time_limit, args.seed) for n, p in problems]
        mp = cr.solve_many(tasks, progress=bar)
        print(mp.summary())
        frame = mp.partitions
        out = {
            "cost": mp.cost,
            "plans": {
                n: {
                    "cost": p.cost,
                    "routes": [{"vehicle_type": t, "jobs": js} for t, js in p.routes],
                }
                for n, p in mp.plans.items()
            },
        }
        complete = bool(frame["feasible"].all()) and int(frame["unserved_required"].sum()) == 0
    out["partitions"] = frame.to_dicts()
    with pl.Config(tbl_cols=-1, tbl_rows=-1, tbl_width_chars=200, float_precision=2):
        print(frame.with_columns(pl.col("node_id").str.slice(0, 8)))
    if args.output is not None:
        atomic_write_text(args.output, json.dumps(out) + "\n")
        print(f"written to {args.output}")
    return 0 if complete else EXIT_INCOMPLETE


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _param(text: str) -> tuple[str, list[Any]]:
    name, sep, values = text.partition("=")
    if not sep or not name.strip() or not values.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2,..., got {text!r}")
    return name.strip(), [_value(v.strip()) for v in values.split(",") if v.strip()]


def _simulate(args: argparse.Namespace, bar: _Bar) -> int:
    from engine.cluster.sweep import grid, sweep

    if args.seeds < 1:
        raise InvalidInputError.at("seeds", f"must be >= 1, got {args.seeds}")
    axes: dict[str, list[Any]] = dict(args.param or [])
    axes["seed"] = list(range(args.seed, args.seed + args.seeds))
    processes = None if args.ray is not None else getattr(args, "processes", 1)
    res = sweep(args.simulator, grid(**axes), progress=bar, processes=processes)
    bar.close()
    _print_markdown(res.table, fmt_str_lengths=60)
    where = (
        f"{res.partitions['pid'].n_unique()} local process(es)"
        if processes is not None
        else f"{res.partitions['node_id'].n_unique()} node(s)"
    )
    print(
        f"{res.partitions.height} runs on {where} in {res.seconds:.1f} s (CPU "
        f"{float(res.partitions['cpu_s'].sum()):.1f} s); retried "
        f"{int((res.partitions['attempts'] > 1).sum())}"
    )
    if args.output is not None:
        _write_table(res.table, args.output)
        print(f"written to {args.output}")
    if args.runs_output is not None:
        _write_table(res.runs, args.runs_output)
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    """``yunli simulate``: a sweep on Ray with ``--ray``, else in local processes."""
    _outputs(args, "output", "runs_output", suffixes=TABLE_SUFFIXES)
    if args.processes < 1:
        raise InvalidInputError.at("processes", f"must be >= 1, got {args.processes}")
    if args.ray is not None:
        args.run_name = "yunli simulate"
        return _run(args, _simulate)
    bar = _Bar("simulate")
    try:
        return _simulate(args, bar)
    finally:
        bar.close()


def _outputs(args: argparse.Namespace, *names: str, suffixes: tuple[str, ...]) -> None:
    for n in names:
        check_output(getattr(args, n), suffixes, n.replace("_", "-"))


def _cmd(args: argparse.Namespace) -> int:
    if args.cluster_command == "match":
        _outputs(args, "output", "partitions_output", suffixes=TABLE_SUFFIXES)
        return _run(args, _match)
    if args.cluster_command == "optimize":
        _outputs(args, "output", suffixes=(".json",))
        return _run(args, _optimize)
    _outputs(args, "output", "runs_output", suffixes=TABLE_SUFFIXES)
    return _run(args, _simulate)


def _ray(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    p.add_argument(
        "--ray",
        required=required,
        default=None,
        metavar="ADDRESS|auto|local",
        help="Ray cluster: HOST:PORT of its head, 'auto' (this machine's cluster or a new "
        "local one) or 'local' (a new local one)",
    )
    p.add_argument(
        "--num-cpus", type=int, default=None, help="CPUs of a new local cluster (default: all)"
    )


def register(sub: Any) -> None:
    """Add ``cluster match|optimize|simulate`` to the ``yunli`` command."""
    c = sub.add_parser(
        "cluster",
        help="batch runs partitioned over a Ray cluster (pip install 'yunli[ray]')",
        description="Matching by region, routing per depot or per cluster of a large city, and "
        "simulator sweeps, as Ray tasks. A partition whose worker or node dies is retried; a "
        "run never returns partial results.",
    )
    cs = c.add_subparsers(dest="cluster_command", metavar="SUBCOMMAND", required=True)
    m = cs.add_parser(
        "match",
        help="top-k vehicles per load, or optimal dispatch, partitioned by region",
        description="Loads are split by pickup region; each region sees every vehicle within "
        "--max-deadhead-km of its pickups (also across its border), so the result equals a "
        "single-process `yunli match`. Dispatch (objective score or fill) splits the "
        "candidate graph into connected components, which keeps the optimum exact.",
    )
    _ray(m)
    m.add_argument("--vehicles", required=True, help="vehicles table (.csv/.parquet)")
    m.add_argument("--loads", required=True, help="open loads table (.csv/.parquet)")
    m.add_argument("--trips", required=True, help="trip history table (.csv/.parquet)")
    m.add_argument(
        "--mode",
        choices=["recommend", "loads", "dispatch", "profiles"],
        default="recommend",
        help="recommend: top-k vehicles per load; loads: top-k loads per vehicle; dispatch: "
        "optimal one-to-one assignment; profiles: each vehicle's profile totals",
    )
    m.add_argument("--k", type=int, default=10, help="rows per load (or per vehicle)")
    m.add_argument("--candidates", type=int, default=None, help="candidates per load (dispatch)")
    m.add_argument("--regions", type=int, default=8, help="regions (partitions) of the loads")
    m.add_argument("--partitions", type=int, default=None, help="dispatch partitions")
    m.add_argument(
        "--objective",
        choices=["score", "fill"],
        default="score",
        help="dispatch: score (best pairs) or fill (most loads matched, then score)",
    )
    m.add_argument("--max-deadhead-km", type=float, default=200.0)
    m.add_argument("--now", type=int, default=None, help="reference instant (Unix s)")
    m.add_argument("--output", type=Path, required=True, help="result table (.parquet/.csv)")
    m.add_argument("--partitions-output", type=Path, default=None, help="per-partition figures")

    o = cs.add_parser(
        "optimize",
        help="one routing problem per depot in parallel, or one city decomposed",
        description="Solve instance files (one per depot) or a generated national plan (one "
        "city distribution day per city) in parallel, each within --time-limit; with "
        "--decompose K, split the one problem into K sectors around its depot and repair the "
        "boundaries, spending --time-limit CPU seconds in total.",
    )
    _ray(o)
    src = o.add_mutually_exclusive_group(required=True)
    src.add_argument("--instances", nargs="+", type=Path, help="instance files (one per depot)")
    src.add_argument("--cities", type=int, help="generate a plan over this many cities")
    o.add_argument("--format", default=None, help="instance format (default: detected)")
    o.add_argument("--stops", type=int, default=200, help="stops per generated city")
    o.add_argument("--vehicles", type=int, default=20, help="vehicles per generated city")
    o.add_argument("--decompose", type=int, default=0, help="sectors of one large problem")
    o.add_argument(
        "--time-limit",
        type=seconds,
        default=10.0,
        help="seconds per partition (with --decompose: the total CPU budget)",
    )
    o.add_argument("--seed", type=int, default=0)
    o.add_argument("--output", type=Path, default=None, help="plan and figures (.json)")

    s = cs.add_parser(
        "simulate",
        help="a simulator over seeds and parameter settings, with a summary table",
        description="Runs SIMULATOR (a name such as live-day, or module:function) once per "
        "combination of --param values and seeds, as Ray tasks, and prints the mean and "
        "standard deviation of every figure per setting.",
    )
    _ray(s)
    _sweep_args(s, positional=False)
    c.set_defaults(func=_cmd)

    top = sub.add_parser(
        "simulate",
        help="a simulator over seeds and parameter settings (store-day, live-day, market), "
        "locally or on a Ray cluster (--ray)",
        description="Runs SIMULATOR (store-day, live-day, market, or module:function) once "
        "per combination of --param values and seeds and prints the mean and standard "
        "deviation of every figure per setting (and policy). With --ray the runs are Ray "
        "tasks on the cluster (a run whose worker or node dies is retried; no partial "
        "table is ever written); without, they run in --processes local processes. "
        "live-day and market live in bench/: run from a source checkout.",
    )
    _ray(top, required=False)
    top.add_argument(
        "--processes", type=int, default=1, help="local processes without --ray (default 1)"
    )
    _sweep_args(top, positional=True)
    top.set_defaults(func=_cmd_simulate)


def _sweep_args(s: argparse.ArgumentParser, *, positional: bool) -> None:
    from engine.cluster.sweep import SIMULATORS

    names = ", ".join(SIMULATORS)
    if positional:
        s.add_argument(
            "simulator", nargs="?", default="store-day", help=f"{names} or module:function"
        )
    else:
        s.add_argument("--simulator", default="live-day", help=f"{names} or module:function")
    s.add_argument(
        "--param",
        action="append",
        type=_param,
        metavar="NAME=V1,V2",
        help="a keyword parameter and its values (repeatable), e.g. orders=100,200",
    )
    s.add_argument("--seeds", type=int, default=4, help="seeds per setting")
    s.add_argument("--seed", type=int, default=0, help="first seed")
    s.add_argument("--output", type=Path, default=None, help="summary table (.csv/.parquet)")
    s.add_argument("--runs-output", type=Path, default=None, help="every run's rows")
