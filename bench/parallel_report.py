"""The search on several cores: Yunli at 1 and 2 threads beside PyVRP and VROOM (issue 17.1).

Two timed comparisons on the same instances, in one process, one run after the other:

(a) equal wall time: Yunli ``threads=1`` and ``threads=2``, PyVRP (HGS, one core) and VROOM
    (``nb_threads=1``) each at the same wall-clock limit ``L``: what a user sees;
(b) equal CPU time: Yunli ``threads=1`` at ``L`` against ``threads=2`` at ``L/2``.

and, with ``--budget B``, two comparisons at fixed iteration budgets that do not depend
on the machine's load (the search is deterministic for a seed, thread count and budget):
``threads=1`` at ``B`` iterations against ``threads=2`` at ``B`` per thread (the same wall
time on two idle cores) and at ``B/2`` per thread (the same total work).

Every solution is re-checked by the one checker and its cost recomputed under the set's
convention (``bench.peer_harness.run_one``); CPU time is the process's
(``time.process_time``, all threads), beside wall time, because the machine is shared.

Usage::

    python -m bench.parallel_report --limit 8 --json /tmp/par.json
    python -m bench.parallel_report --budget 20000 --skip-timed
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.peer_harness import RUNNERS, Routes, bks_of, instance_path, run_one
from engine.routing import check, formats, solve
from engine.routing.core import problem_data, search
from engine.routing.formats import Instance

SOLOMON = ["C101", "C201", "R101", "R107", "R201", "R208", "RC101", "RC106", "RC201", "RC207"]
X = [
    "X-n101-k25",
    "X-n106-k14",
    "X-n110-k13",
    "X-n115-k10",
    "X-n120-k6",
    "X-n125-k30",
    "X-n129-k18",
    "X-n134-k13",
    "X-n139-k10",
    "X-n143-k7",
]


def _yunli(threads: int) -> Callable[[Instance, float, int], Routes]:
    def run(inst: Instance, limit: float, seed: int) -> Routes:
        sol = solve(inst.problem, time_limit=limit, seed=seed, solver="core", threads=threads)
        return [list(r.jobs) for r in sol.routes]

    return run


RUNNERS["yunli-1t"] = _yunli(1)
RUNNERS["yunli-2t"] = _yunli(2)


@dataclass
class Row:
    """One run: instance, configuration, checked cost (None: infeasible), gap, times."""

    instance: str
    config: str
    cost: float | None
    gap: float | None
    wall: float
    cpu: float
    note: str = ""


def timed(inst: Instance, solver: str, config: str, limit: float, seed: int) -> Row:
    """One solver at a wall-clock limit, checked."""
    c0 = time.process_time()
    r = run_one(inst, solver, limit, seed)
    cpu = time.process_time() - c0
    bks = bks_of(inst.name)[0]
    gap = None if r.cost is None else 100 * (r.cost / bks - 1)
    return Row(inst.name, config, r.cost, gap, r.wall, cpu, r.note)


def budgeted(inst: Instance, threads: int, iterations: int, seed: int) -> Row:
    """The Rust core at a fixed iteration budget per thread, checked."""
    data = problem_data(inst.problem)
    t0, c0 = time.monotonic(), time.process_time()
    res = search(data, time_limit=3600, seed=seed, max_iterations=iterations, threads=threads)
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    routes = [list(js) for _, js in res.routes]
    rep = check(inst.problem, [(0, r) for r in routes])
    cost = inst.cost(routes) if rep.feasible and not rep.dropped else None
    bks = bks_of(inst.name)[0]
    gap = None if cost is None else 100 * (cost / bks - 1)
    return Row(inst.name, f"{threads}t x {iterations}", cost, gap, wall, cpu)


def summary(rows: Sequence[Row], configs: Sequence[str]) -> str:
    """Markdown table: per configuration mean / max gap, feasible count, wall and CPU."""
    out = [
        "| configuration | mean gap | max gap | feasible | wall s | CPU s |",
        "|---|---|---|---|---|---|",
    ]
    for c in configs:
        rs = [r for r in rows if r.config == c]
        gaps = [r.gap for r in rs if r.gap is not None]
        g = f"{statistics.mean(gaps):.2f}%" if gaps else "—"
        m = f"{max(gaps):.2f}%" if gaps else "—"
        wall = sum(r.wall for r in rs)
        cpu = sum(r.cpu for r in rs)
        out.append(f"| {c} | {g} | {m} | {len(gaps)}/{len(rs)} | {wall:,.1f} | {cpu:,.1f} |")
    return "\n".join(out) + "\n"


def head_to_head(rows: Sequence[Row], a: str, b: str) -> str:
    """How often configuration ``a`` is better, equal, worse than ``b`` (checked cost)."""
    by = {(r.instance, r.config): r for r in rows}
    names = list(dict.fromkeys(r.instance for r in rows))
    win = tie = loss = 0
    for n in names:
        ra, rb = by.get((n, a)), by.get((n, b))
        if ra is None or rb is None or ra.cost is None or rb.cost is None:
            continue
        win += ra.cost < rb.cost - 1e-9
        loss += ra.cost > rb.cost + 1e-9
        tie += abs(ra.cost - rb.cost) <= 1e-9
    return f"{a} vs {b}: better on {win}, equal on {tie}, worse on {loss}"


def per_instance(rows: Sequence[Row], configs: Sequence[str]) -> str:
    """Markdown table of gaps per instance and configuration."""
    by = {(r.instance, r.config): r for r in rows}
    names = list(dict.fromkeys(r.instance for r in rows))
    out = ["| instance | " + " | ".join(configs) + " |", "|---|" + "---|" * len(configs)]
    for n in names:
        cells = []
        for c in configs:
            r = by.get((n, c))
            cells.append(
                ""
                if r is None
                else (f"{r.gap:+.2f}%" if r.gap is not None else r.note or "infeasible")
            )
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=8.0, help="wall-clock seconds L")
    ap.add_argument("--budget", type=int, default=0, help="also the fixed-budget comparison")
    ap.add_argument("--skip-timed", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--instances", default=",".join(SOLOMON + X))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    names = [n for n in args.instances.split(",") if n]
    rows: list[Row] = []
    load0 = os.getloadavg()
    t0 = time.monotonic()

    def show(r: Row) -> None:
        gap = "—" if r.gap is None else f"{r.gap:+.2f}%"
        print(
            f"{r.instance:12s} {r.config:22s} {gap:>8s} wall {r.wall:6.2f} s cpu {r.cpu:6.2f} s "
            f"load {os.getloadavg()[0]:.1f} {r.note}",
            flush=True,
        )

    for n in names:
        path, fmt = instance_path(n)
        inst = formats.read(path, fmt)
        if not args.skip_timed:
            lim = args.limit
            for solver, config, limit in (
                ("yunli-1t", f"yunli 1t @ {lim:g} s", lim),
                ("yunli-2t", f"yunli 2t @ {lim:g} s", lim),
                ("yunli-2t", f"yunli 2t @ {lim / 2:g} s", lim / 2),
                ("pyvrp", f"pyvrp @ {lim:g} s", lim),
                ("vroom", f"vroom @ {lim:g} s", lim),
            ):
                rows.append(timed(inst, solver, config, limit, args.seed))
                show(rows[-1])
        if args.budget:
            b = args.budget
            for threads, it in ((1, b), (2, b), (2, b // 2)):
                rows.append(budgeted(inst, threads, it, args.seed))
                show(rows[-1])
    load1 = os.getloadavg()
    configs = list(dict.fromkeys(r.config for r in rows))
    print(
        f"\nload average {load0[0]:.1f} at start, {load1[0]:.1f} at end, "
        f"{(time.monotonic() - t0) / 60:.1f} min, nproc {os.cpu_count()}\n"
    )
    for fam, pick in (
        ("Solomon", lambda r: not r.instance.startswith("X-")),
        ("X", lambda r: r.instance.startswith("X-")),
    ):
        rs = [r for r in rows if pick(r)]
        if rs:
            print(f"### {fam}\n\n" + summary(rs, configs))
    print("### all\n\n" + summary(rows, configs))
    lim = args.limit
    if not args.skip_timed:
        print(head_to_head(rows, f"yunli 2t @ {lim:g} s", f"yunli 1t @ {lim:g} s"))
        print(head_to_head(rows, f"yunli 2t @ {lim / 2:g} s", f"yunli 1t @ {lim:g} s"))
        print(head_to_head(rows, f"yunli 2t @ {lim:g} s", f"pyvrp @ {lim:g} s"))
        print(head_to_head(rows, f"yunli 2t @ {lim:g} s", f"vroom @ {lim:g} s"))
    if args.budget:
        b = args.budget
        print(head_to_head(rows, f"2t x {b}", f"1t x {b}"))
        print(head_to_head(rows, f"2t x {b // 2}", f"1t x {b}"))
    print("\n" + per_instance(rows, configs))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=0) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
