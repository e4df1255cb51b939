"""``yunli plan-loads``: load planning from shipment and fleet files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import polars as pl

from engine.cli import EXIT_INCOMPLETE, seconds
from engine.errors import InvalidInputError, NotFoundError
from engine.outputs import atomic_write, atomic_write_text, check_output
from engine.progress import Progress


def _read(path: str, what: str) -> pl.DataFrame:
    """Read a ``.csv`` or ``.parquet`` table; an unreadable or empty file is an
    :class:`InvalidInputError` naming ``what``, never a traceback."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"{what} file {path!r} does not exist")
    if p.is_dir():
        raise InvalidInputError.at(what, f"{path} is a directory, expected a .csv or .parquet file")
    if p.suffix not in (".parquet", ".csv"):
        raise InvalidInputError.at(what, f"expected a .csv or .parquet file, got {path}")
    if p.stat().st_size == 0:
        raise InvalidInputError.at(what, f"{path} is empty")
    try:
        return pl.read_parquet(p) if p.suffix == ".parquet" else pl.read_csv(p)
    except (pl.exceptions.PolarsError, OSError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InvalidInputError.at(what, f"cannot read {path}: {first}") from None


def run(args: argparse.Namespace) -> int:
    """Plan loads, write the result and print a one-line summary.

    ``.parquet`` / ``.csv`` outputs hold one row per shipment (``shipment_id``,
    ``vehicle_id``, ``vehicle_type``, ``unplaced_reason``); ``.json`` holds the whole plan
    with per-vehicle load factors and the first-fit-decreasing baseline.

    Raises
    ------
    InvalidInputError
        Unreadable inputs, an unsupported output suffix, or invalid shipments/fleet.
    """
    from engine.routing.loadplan import plan_loads

    out = check_output(args.output, (".parquet", ".csv", ".json"))
    assert out is not None
    shipments, fleet = _read(args.shipments, "shipments"), _read(args.fleet, "fleet")
    with Progress(f"plan-loads ({shipments.height:,} shipments)", args.time_limit):
        plan = plan_loads(
            shipments,
            fleet,
            objective=args.objective,
            time_limit=args.time_limit,
            seed=args.seed,
            workers=args.workers,
        )
    # written atomically: a failed or interrupted write leaves no partial file
    if out.suffix == ".json":
        doc: dict[str, Any] = plan.to_dict()
        atomic_write_text(out, json.dumps(doc, indent=2, default=str))
    elif out.suffix == ".csv":
        atomic_write(out, plan.to_polars().write_csv)
    else:
        atomic_write(out, plan.to_polars().write_parquet)
    print(plan.summary())
    for u in plan.unplaced[:10]:
        print(f"  unplaced {u.shipment_id}: {u.reason}")
    return EXIT_INCOMPLETE if plan.unplaced else 0


def register(subparsers: Any) -> None:
    """Add the ``plan-loads`` sub-command."""
    p = subparsers.add_parser(
        "plan-loads",
        help="choose vehicles and assign shipments to them (CP-SAT)",
        description=(
            "Shipments file columns: shipment_id, weight_kg, volume_l[, pallets]. Fleet file "
            "columns: vehicle_type, capacity_kg, capacity_l[, capacity_pallets], count, "
            "cost_fen. CSV or Parquet."
        ),
    )
    p.add_argument("--shipments", required=True, metavar="FILE")
    p.add_argument("--fleet", required=True, metavar="FILE")
    p.add_argument("--objective", choices=("cost", "count"), default="cost")
    p.add_argument("--time-limit", type=seconds, default=10.0, metavar="S")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--output", required=True, metavar="OUT.(parquet|csv|json)")
    p.set_defaults(func=run)
