"""Warm-start strength of the routing core: re-insert removed customers into a good plan.

The experiment of the rerouting issue, on the largest CVRPLIB X instances bundled here:
solve the instance for ``--plan`` seconds (the reference plan), remove ``--remove``
random customers from its routes, and give the core the remaining routes as its warm
start with ``--warm`` seconds to put them back. Compared in the same run against the
reference plan and against cold solves of the same (whole) instance for ``--warm`` and
``--plan`` seconds. Every solution is re-checked and costed under the CVRPLIB convention.

Usage::

    python bench/warm_start.py                                  # X-n294-k50, X-n298-k31
    python bench/warm_start.py --instances X-n101-k25 --plan 5 --repeats 1   # quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("RAYON_NUM_THREADS", "1")

import numpy as np

from engine.routing import check, formats
from engine.routing.core import problem_data, search

DATA = Path(__file__).resolve().parent / "data" / "benchmarks" / "x"


def _solve(
    inst: formats.Instance,
    limit: float,
    seed: int,
    initial_routes: list[tuple[int, list[int]]] | None = None,
) -> tuple[float, list]:
    t = time.perf_counter()
    data = problem_data(inst.problem)
    out = search(data, time_limit=limit, seed=seed, initial_routes=initial_routes)
    wall = time.perf_counter() - t
    routes = out.routes
    rep = check(inst.problem, routes)
    if not rep.feasible:
        raise RuntimeError(f"{inst.name}: infeasible answer {rep.violations[:3]}")
    return wall, routes


def run(names: list[str], plan_s: float, warm_s: float, remove: int, repeats: int) -> str:
    """Run the experiment and return a Markdown table."""
    rows = [
        "| instance | reference plan | removed | warm re-insert | vs reference | "
        f"cold {warm_s:g} s | cold {plan_s:g} s | warm wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    gaps: list[float] = []
    for name in names:
        inst = formats.read(DATA / f"{name}.vrp", "vrplib")
        _, ref = _solve(inst, plan_s, 1)
        ref_cost = inst.cost([js for _, js in ref])
        _, cold_short = _solve(inst, warm_s, 2)
        _, cold_long = _solve(inst, plan_s, 3)
        c_short = inst.cost([js for _, js in cold_short])
        c_long = inst.cost([js for _, js in cold_long])
        rng = np.random.default_rng(0)
        for rep in range(repeats):
            jobs = [j for _, js in ref for j in js]
            gone = set(rng.choice(jobs, size=remove, replace=False).tolist())
            init = [(k, [j for j in js if j not in gone]) for k, js in ref]
            wall, warm = _solve(inst, warm_s, 10 + rep, initial_routes=init)
            w = inst.cost([js for _, js in warm])
            g = 100 * (w / ref_cost - 1)
            gaps.append(g)
            rows.append(
                f"| {name} | {ref_cost:,.0f} | {remove} | {w:,.0f} | {g:+.2f}% | "
                f"{c_short:,.0f} ({100 * (c_short / ref_cost - 1):+.2f}%) | "
                f"{c_long:,.0f} ({100 * (c_long / ref_cost - 1):+.2f}%) | {wall:.2f} |"
            )
    rows.append(
        f"\nWarm re-insert vs the reference plan: mean {statistics.mean(gaps):+.2f}%, "
        f"worst {max(gaps):+.2f}% over {len(gaps)} runs.\n"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="X-n294-k50,X-n298-k31")
    ap.add_argument("--plan", type=float, default=30.0, help="reference and long cold solve s")
    ap.add_argument("--warm", type=float, default=0.3, help="warm re-insert and short cold s")
    ap.add_argument("--remove", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    print(run(a.instances.split(","), a.plan, a.warm, a.remove, a.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
