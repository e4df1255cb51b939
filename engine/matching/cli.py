"""``yunli match``: recommendations or batch dispatch from table files."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import polars as pl

from engine.errors import InvalidInputError
from engine.matching.matcher import Matcher
from engine.matching.params import MatchParams
from engine.outputs import atomic_write, check_output
from engine.progress import Progress

#: Table files ``yunli match --output`` writes.
TABLE_SUFFIXES = (".parquet", ".pq", ".csv")


def write_table(df: pl.DataFrame, path: str) -> None:
    """Write ``df`` as Parquet or CSV, chosen by the file suffix.

    Raises
    ------
    InvalidInputError
        On another suffix.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        atomic_write(p, lambda tmp: df.write_parquet(tmp))
    elif suffix == ".csv":
        atomic_write(p, lambda tmp: df.write_csv(tmp))
    else:
        raise InvalidInputError.at(
            "output", f"unsupported suffix {suffix!r} (use .parquet or .csv)"
        )


def _match(args: argparse.Namespace) -> int:
    if args.ray is not None:
        if args.mode == "dispatch" and args.objective == "deadhead":
            raise InvalidInputError.at(
                "objective", "deadhead dispatch does not run on a cluster (use score or fill)"
            )
        from engine.cluster.cli import run_match

        check_output(args.output, TABLE_SUFFIXES)
        return run_match(args)
    if args.k <= 0:
        raise InvalidInputError.at("k", f"must be a positive integer, got {args.k}")
    check_output(args.output, TABLE_SUFFIXES)
    t0 = time.perf_counter()
    params = MatchParams(max_deadhead_km=args.max_deadhead_km)
    with Progress("building route-expertise profiles"):
        m = Matcher(args.vehicles, args.trips, params=params, now=args.now, loads=args.loads)
    built = time.perf_counter() - t0
    if args.mode == "recommend":
        t1 = time.perf_counter()
        with Progress(f"top-{args.k} vehicles for every load"):
            out = m.recommend_vehicles_batch(k=args.k)
        n_loads = out["load_id"].n_unique()
        print(
            f"matcher built in {built:.2f} s; top-{args.k} vehicles for "
            f"{n_loads:,} loads ({out.height:,} rows) in {time.perf_counter() - t1:.2f} s"
        )
    else:
        with Progress(f"dispatch ({args.objective})"):
            result = m.dispatch(objective=args.objective, candidates=args.candidates)
        out = result.assignments
        print(f"matcher built in {built:.2f} s")
        print(result.summary())
    write_table(out, args.output)
    print(f"written to {args.output}")
    return 0


def register(sub: Any) -> None:
    """Add ``match`` to the ``yunli`` command."""
    p = sub.add_parser(
        "match",
        help="recommend vehicles for loads, or dispatch loads to vehicles optimally",
        description="Build route-expertise profiles from the trip history, then either write "
        "the top-k vehicles for every open load (--mode recommend) or the optimal one-to-one "
        "assignment with a comparison against greedy and nearest-vehicle dispatch "
        "(--mode dispatch). Tables are CSV or Parquet files in the engine.data schemas.",
    )
    p.add_argument("--vehicles", required=True, help="vehicles table (.csv/.parquet)")
    p.add_argument("--loads", required=True, help="open loads table (.csv/.parquet)")
    p.add_argument("--trips", required=True, help="trip history table (.csv/.parquet)")
    p.add_argument("--k", type=int, default=10, help="vehicles per load in recommend mode")
    p.add_argument("--mode", choices=["recommend", "dispatch"], default="recommend")
    p.add_argument(
        "--objective",
        choices=["score", "fill", "deadhead"],
        default="score",
        help="score: best total score over positive-score pairs; fill: most loads matched "
        "over feasible pairs, then best score; deadhead: most loads, then least empty km",
    )
    p.add_argument(
        "--candidates", type=int, default=None, help="candidate vehicles per load in dispatch"
    )
    p.add_argument(
        "--max-deadhead-km",
        type=float,
        default=MatchParams().max_deadhead_km,
        help="largest empty drive to a pickup",
    )
    p.add_argument("--now", type=int, default=None, help="reference instant (Unix s) for decay")
    p.add_argument("--output", required=True, help="output file (.parquet or .csv)")
    p.add_argument(
        "--ray",
        metavar="ADDRESS|auto|local",
        default=None,
        help="run partitioned by region on a Ray cluster (pip install 'yunli[ray]'): its "
        "head's HOST:PORT, 'auto' or 'local'; the same result as one process "
        "(see `yunli cluster match`)",
    )
    p.add_argument("--regions", type=int, default=None, help="regions with --ray (default 8)")
    p.set_defaults(func=_match)
