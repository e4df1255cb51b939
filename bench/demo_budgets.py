"""The demo's routing section with its old wall-clock limits and its fixed search budgets,
each twice (``python bench/demo_budgets.py``): distance, routes, wall and CPU seconds as
Markdown table rows (``bench/RESULTS.md``, "Demo search budgets")."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

from engine.live.scenario import city_day
from engine.routing.checker import check
from engine.routing.core import problem_data, search
from engine.routing.solve import solve

P = city_day(25, 200, seed=11).problem


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(label: str, f: Callable[[], list[tuple[int, list[int]]]]) -> None:
    t, c = time.perf_counter(), cpu()
    routes = f()
    w, c = time.perf_counter() - t, cpu() - c
    rep = check(P, routes)
    used = sum(1 for _, js in routes if js)
    print(f"| {label} | {rep.distance / 1000:,.1f} km | {used} | {w:.2f} | {c:.2f} |")


def main() -> None:
    """Print the table rows."""
    d = problem_data(P)
    for i in (1, 2):
        run(
            f"core, 2 s wall-clock limit (before), run {i}",
            lambda: solve(P, time_limit=2.0, seed=1, solver="core").route_jobs(),
        )
    for i in (1, 2):
        run(
            f"core, 20,000 iterations (demo now), run {i}",
            lambda: search(d, time_limit=60.0, seed=1, max_iterations=20_000).routes,
        )
    for i in (1, 2):
        run(
            f"OR-Tools, 2 s wall-clock limit (before), run {i}",
            lambda: solve(P, time_limit=2.0, seed=1, solver="ortools").route_jobs(),
        )
    for i in (1, 2):
        run(
            f"OR-Tools, 200 solutions (demo now), run {i}",
            lambda: solve(
                P, time_limit=60.0, seed=1, solver="ortools", solution_limit=200
            ).route_jobs(),
        )


if __name__ == "__main__":
    main()
