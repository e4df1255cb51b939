"""Run load planning's 1-D solver over the bin-packing benchmark sets and print a table.

Usage::

    python bench/loadplan_report.py [--sets u120,t60,hard28] [--time-limit 10] [--workers 2]
                                    [--only NAME_SUBSTRING] [--markdown]
    python bench/loadplan_report.py --vector classF_60_3,classF_120_3 [--time-limit 10]
    python bench/loadplan_report.py --large 10 [--time-limit 10]

``--large K`` runs generated large-capacity instances (``engine.routing.loadplan.generate``):
K Falkenauer class U instances of 250 items scaled to a 30,000 kg trailer (sizes in
[4,000, 20,000]), K of Scholl–Klein–Jürgens data set 3 (200 items in [20,000, 35,000],
capacity 100,000),
K Falkenauer triplet instances of 249 items at capacity 100,000 and K at capacity 10^9
(optimum n/3 by construction). Before the exact pipeline worked at any capacity, pack_bins
returned first-fit decreasing on all of them (``capacity × sizes`` above 4,000,000).

``--vector`` runs :func:`engine.routing.loadplan.plan_loads` (objective ``count``) on the
three-dimensional-or-more triplet instances of ``multidim/Falkenauer`` whose names start with
the given prefixes (dimensions beyond three are dropped: weight, volume and pallets only).

For every instance: the proven optimum (``optima.csv``), first-fit decreasing (the baseline,
same run), Yunli's :func:`engine.routing.loadplan.pack_bins`, wall time, whether optimality
was proven, and the method that produced the packing. Every packing is checked (each item
exactly once, no bin over capacity) before it is counted. Ends with one summary line per set.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

from engine.routing.loadplan import first_fit_decreasing, pack_bins, plan_loads
from engine.routing.loadplan.io import read_bpp, read_optima, read_vbp

DATA = Path(__file__).resolve().parent / "data" / "binpacking"
SETS = {"u120": "u120/*u120_*.txt", "t60": "t60/*t60_*.txt", "hard28": "hard28/Hard28_*.txt"}


def check(bins: list[list[int]], sizes: tuple[int, ...], capacity: int) -> None:
    """Raise if the packing misses or repeats an item or overfills a bin."""
    seen = sorted(i for b in bins for i in b)
    if seen != list(range(len(sizes))):
        raise SystemExit("invalid packing: items missing or repeated")
    for b in bins:
        if sum(sizes[i] for i in b) > capacity:
            raise SystemExit("invalid packing: bin over capacity")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 0 when every instance's packing was valid."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="u120,t60,hard28")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--vector", default="", help="comma-separated multidim name prefixes")
    ap.add_argument("--large", type=int, default=0, help="generated large-capacity instances")
    args = ap.parse_args(argv)
    if args.vector:
        return vector(args)
    if args.large:
        return large(args)
    optima = read_optima(DATA / "optima.csv")
    sep = " | " if args.markdown else "  "
    head = ["instance", "opt", "FFD", "Yunli", "time_s", "proven", "method"]
    widths = [22, 4, 4, 5, 7, 6, 14]

    def row(cells: list[object]) -> str:
        text = sep.join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True))
        return f"| {text} |" if args.markdown else text

    print(row(head))
    if args.markdown:
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    summary = []
    for name in args.sets.split(","):
        files = sorted(DATA.glob(SETS[name]))
        files = [f for f in files if args.only in f.stem]
        hit = proven = ffd_hit = 0
        times: list[float] = []
        for f in files:
            inst = read_bpp(f)
            opt = optima[inst.name]
            ffd = len(first_fit_decreasing(inst.sizes, inst.capacity))
            t0 = time.perf_counter()
            res = pack_bins(
                inst.sizes,
                inst.capacity,
                time_limit=args.time_limit,
                seed=args.seed,
                workers=args.workers,
            )
            dt = time.perf_counter() - t0
            check(res.bins, inst.sizes, inst.capacity)
            times.append(dt)
            hit += res.num_bins == opt
            ffd_hit += ffd == opt
            proven += res.proven_optimal
            print(
                row(
                    [inst.name, opt, ffd, res.num_bins, f"{dt:.2f}", res.proven_optimal, res.method]
                ),
                flush=True,
            )
        if files:
            summary.append(
                f"{name}: optimum reached {hit}/{len(files)} (proven {proven}), "
                f"FFD optimal {ffd_hit}/{len(files)}, time mean {sum(times) / len(times):.2f} s "
                f"max {max(times):.2f} s"
            )
    print()
    for line in summary:
        print(line)
    return 0


def large(args: argparse.Namespace) -> int:
    """Generated large-capacity instances: FFD and L2 (baselines), Yunli, wall and CPU time."""
    from engine.routing.loadplan.bounds import l2_bound
    from engine.routing.loadplan.generate import (
        falkenauer_triplets,
        falkenauer_uniform,
        scholl_hard,
    )

    sets = {
        "u250@30t": [falkenauer_uniform(s) for s in range(args.large)],
        "scholl3": [scholl_hard(s) for s in range(args.large)],
        "t249@1e5": [falkenauer_triplets(s, n=249) for s in range(args.large)],
        "t249@1e9": [falkenauer_triplets(s, n=249, capacity=10**9) for s in range(args.large)],
    }
    head = "instance | types | opt | L2 | FFD | Yunli | bound | proven | wall s | cpu s | method"
    print(f"| {head} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    lines = []
    for name, insts in sets.items():
        proven = hit = 0
        walls: list[float] = []
        above: list[int] = []
        for g in insts:
            ffd = len(first_fit_decreasing(g.sizes, g.capacity))
            l2 = l2_bound(g.sizes, g.capacity)
            c0, t0 = time.process_time(), time.perf_counter()
            res = pack_bins(g.sizes, g.capacity, time_limit=args.time_limit, seed=args.seed,
                            workers=args.workers)  # fmt: skip
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            check(res.bins, g.sizes, g.capacity)
            walls.append(wall)
            proven += res.proven_optimal
            hit += g.optimum is not None and res.num_bins == g.optimum
            above.append(ffd - res.num_bins)
            opt = "—" if g.optimum is None else g.optimum
            print(f"| {g.name} | {len(set(g.sizes))} | {opt} | {l2} | {ffd} | {res.num_bins} | "
                  f"{res.lower_bound} | {res.proven_optimal} | {wall:.2f} | {cpu:.2f} | "
                  f"{res.method} |", flush=True)  # fmt: skip
        known = sum(g.optimum is not None for g in insts)
        lines.append(
            f"{name}: proven optimal {proven}/{len(insts)}"
            + (f", optimum reached {hit}/{known}" if known else "")
            + f", bins saved over FFD {sum(above)} (mean {sum(above) / len(insts):.1f}), "
            f"wall mean {sum(walls) / len(walls):.2f} s max {max(walls):.2f} s"
        )
    print()
    for line in lines:
        print(line)
    return 0


def vector(args: argparse.Namespace) -> int:
    """Run plan_loads on vector instances (first three dimensions) and print a table."""
    optima = read_optima(DATA / "multidim" / "Triplet_LB_OPT.tsv")
    print("instance              opt  FFD  Yunli  time_s  proven  method")
    lines = []
    for prefix in args.vector.split(","):
        files = sorted((DATA / "multidim" / "Falkenauer").glob(f"{prefix}_*.vbp"))
        hit = 0
        times = []
        for f in files:
            inst = read_vbp(f)
            n = len(inst.items)
            shipments = pl.DataFrame(
                {
                    "shipment_id": range(n),
                    "weight_kg": [it[0] for it in inst.items],
                    "volume_l": [it[1] for it in inst.items],
                    "pallets": [it[2] for it in inst.items],
                }
            )
            caps = inst.capacities
            fleet = pl.DataFrame(
                {"vehicle_type": ["bin"], "capacity_kg": [caps[0]], "capacity_l": [caps[1]],
                 "capacity_pallets": [caps[2]], "count": [n], "cost_fen": [1]}
            )  # fmt: skip
            t0 = time.perf_counter()
            plan = plan_loads(
                shipments, fleet, objective="count", time_limit=args.time_limit, seed=args.seed,
                workers=args.workers,
            )  # fmt: skip
            dt = time.perf_counter() - t0
            times.append(dt)
            placed = sorted(s for v in plan.vehicles for s in v.shipment_ids)
            if placed != list(range(n)):
                raise SystemExit("invalid plan: shipments missing or repeated")
            opt = optima.get(inst.name, -1)
            d = len(caps)
            if d == 3:
                hit += plan.num_vehicles == opt
            print(f"{inst.name:<20}  {opt:<3}  {plan.baseline.num_vehicles:<3}  "
                  f"{plan.num_vehicles:<5}  {dt:<6.2f}  {plan.proven_optimal!s:<6}  "
                  f"{plan.method}", flush=True)  # fmt: skip
        if files:
            lines.append(
                f"{prefix}: {len(files)} instances, optimum (3-D instances only) reached "
                f"{hit}, time mean {sum(times) / len(times):.2f} s max {max(times):.2f} s"
            )
    print()
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
