"""Sub-commands for data: ``demo``, ``generate`` and ``validate``."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.data.generator import SAMPLE_NOW, generate_world
from engine.data.loaders import load_world, save_world
from engine.data.sample import load_sample
from engine.errors import InvalidInputError
from engine.progress import Progress


def _demo(args: argparse.Namespace) -> int:
    from engine.demo import run_demo

    world = load_world(args.world) if args.world else load_sample()
    print(run_demo(world))
    return 0


def _generate(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InvalidInputError.at("out", f"{str(out)!r} is a file; give a directory to write into")
    if not out.parent.is_dir():
        raise InvalidInputError.at("out", f"folder {str(out.parent)!r} does not exist")
    for name, v in (("vehicles", args.vehicles), ("trips", args.trips), ("loads", args.loads)):
        if v <= 0:
            raise InvalidInputError.at(name, f"must be a positive count, got {v}")
    t0 = time.perf_counter()
    with Progress("generating the market"):
        world = generate_world(
            args.vehicles,
            args.trips,
            args.loads,
            seed=args.seed,
            now=args.now,
            n_cities=args.cities,
        )
    # written beside the target, then moved into place: no half-written world
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        save_world(world, staging, fmt=args.format)
        out.mkdir(exist_ok=True)
        for f in staging.iterdir():
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(world.summary())
    print(f"written to {args.out} ({args.format}) in {time.perf_counter() - t0:.1f} s")
    return 0


def _validate(args: argparse.Namespace) -> int:
    with Progress("validating"):
        world = load_world(args.world, fmt=args.format)
    print(world.summary())
    print("valid")
    return 0


def register(sub: Any) -> None:
    """Add ``demo``, ``generate`` and ``validate`` to the ``yunli`` command."""
    p = sub.add_parser(
        "demo",
        help="run Yunli end to end on the bundled sample world",
        description="Load and validate the bundled sample world (or --world DIR), then show "
        "what each capability does on it, with timings.",
    )
    p.add_argument(
        "--world", help="directory written by `yunli generate` (default: bundled sample)"
    )
    p.set_defaults(func=_demo)

    g = sub.add_parser(
        "generate",
        help="generate a seeded freight market on real city geography",
        description="Generate vehicles with habitual lanes, a consistent trip history, open "
        "loads following a gravity model, and sites; write them to a directory.",
    )
    g.add_argument("--vehicles", type=int, default=2_000)
    g.add_argument("--trips", type=int, default=50_000)
    g.add_argument("--loads", type=int, default=2_000)
    g.add_argument("--cities", type=int, default=400, help="largest N cities in the market")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--now", type=int, default=SAMPLE_NOW, help="reference instant, Unix seconds")
    g.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    g.add_argument("--out", required=True, help="output directory")
    g.set_defaults(func=_generate)

    v = sub.add_parser(
        "validate",
        help="validate a world directory",
        description="Load every table of a world directory, check schemas, values and "
        "references, and print a summary or the first error.",
    )
    v.add_argument("world", help="directory with vehicles/loads/trips/sites files and now.txt")
    v.add_argument(
        "--format",
        choices=["parquet", "csv", "arrow"],
        default=None,
        help="table format (default: detected from the files present)",
    )
    v.set_defaults(func=_validate)
