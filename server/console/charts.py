"""Outcome charts: dispatch methods compared and re-planning against none.

The data come from the same places as the benchmark reports:

* dispatch: the ``Matching.Dispatch`` reply (its ``optimal``, ``greedy`` and
  ``nearest`` summaries) — the console draws it from the live RPC, the CLI from the
  engine's :meth:`engine.matching.Matcher.dispatch` on the world;
* re-planning: the day simulator of ``bench/live_sim.py`` (one event stream, the
  policies ``none`` and ``yunli``), whose late stops are binned by the hour they
  were served. It needs a source checkout (``bench/`` is not installed).

:func:`write_pngs` renders both with matplotlib (the ``plot`` or ``dev`` extra).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import InvalidInputError


def dispatch_summary(world: Any) -> dict[str, Any]:
    """Optimal, greedy and nearest dispatch on ``world``, as the Dispatch RPC's JSON."""
    from engine.matching import Matcher

    res = Matcher.from_world(world).dispatch(objective="score")

    def part(df: Any) -> dict[str, Any]:
        return {
            "assigned": int(df.height),
            "total_score": float(df["score"].sum()) if df.height else 0.0,
            "total_deadhead_m": int(df["deadhead_m"].sum()) if df.height else 0,
        }

    return {
        "optimal": part(res.assignments),
        "greedy": part(res.baselines["greedy"]),
        "nearest": part(res.baselines["nearest"]),
        "loads": int(world.loads.height),
    }


def replan_day(n_vehicles: int = 20, n_stops: int = 200, seed: int = 0) -> dict[str, Any]:
    """Late stops and lateness per hour of the day with and without re-planning.

    Runs ``bench.live_sim.run_day`` (policies ``none`` and ``yunli``). Raises
    InvalidInputError when ``bench`` cannot be imported (an installed wheel).
    """
    try:
        from bench.live_sim import run_day
    except ImportError as e:
        raise InvalidInputError.at(
            "charts", "the re-plan chart needs the day simulator of a source checkout (bench/)"
        ) from e
    from engine.live.scenario import DAY_START, city_day

    results = run_day(
        n_vehicles, n_stops, max(4, n_stops // 8), seed=seed, morning_time=2.0,
        policies=("none", "yunli"),
    )  # fmt: skip
    sc = city_day(n_vehicles, n_stops, seed=seed)
    windows = {j.name: j.time_windows for j in sc.problem.jobs}
    hours = list(range(8, 24))
    out: dict[str, Any] = {"hours": hours, "policies": {}}
    for r in results:
        late_min = [0.0] * len(hours)
        late_n = [0] * len(hours)
        for jid, late_s in r.late_jobs:
            w = windows.get(jid) or windows.get(jid.split(":")[0])
            end = w[-1][1] if w else DAY_START
            h = min(max(int((end + late_s - DAY_START) // 3600) + 8, 8), 23) - 8
            late_min[h] += late_s / 60
            late_n[h] += 1
        out["policies"][r.policy] = {
            "late_stops": r.late_stops,
            "lateness_min": r.lateness_min,
            "unserved": r.unserved,
            "served": r.served,
            "distance_km": r.distance_km,
            "late_min_by_hour": late_min,
            "late_stops_by_hour": late_n,
        }
    return out


def write_pngs(
    out_dir: Path, dispatch: dict[str, Any], replan: dict[str, Any] | None
) -> list[Path]:
    """Render ``dispatch.png`` (and ``replan.png`` when given) into ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    names = ["optimal", "greedy", "nearest"]
    colors = ["#2b7bba", "#f0a030", "#999999"]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, key, label, scale in (
        (axes[0], "assigned", "loads matched", 1.0),
        (axes[1], "total_score", "total match score", 1.0),
        (axes[2], "total_deadhead_m", "empty running (km)", 1e-3),
    ):
        vals = [float(dispatch[n].get(key, 0)) * scale for n in names]
        ax.bar(names, vals, color=colors)
        ax.set_title(label)
        for i, v in enumerate(vals):
            ax.annotate(f"{v:,.0f}", (i, v), ha="center", va="bottom", fontsize=8)
    fig.suptitle(f"Dispatch methods on {dispatch.get('loads', '?')} open loads")
    fig.tight_layout()
    p = out_dir / "dispatch.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    written.append(p)
    if replan is not None:
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.6), width_ratios=[2, 1])
        hours = replan["hours"]
        styles = {
            "none": ("#c0392b", "--", "no re-plan"),
            "yunli": ("#2b7bba", "-", "Yunli re-plan"),
        }
        for name, (color, ls, label) in styles.items():
            pol = replan["policies"].get(name)
            if pol is None:
                continue
            cum, acc = [], 0.0
            for v in pol["late_min_by_hour"]:
                acc += v
                cum.append(acc)
            ax.step(hours, cum, where="post", color=color, linestyle=ls, linewidth=2, label=label)
        ax.set_xlabel("hour of day (CST)")
        ax.set_ylabel("cumulative lateness (min)")
        ax.set_title("Lateness over the simulated day")
        ax.legend()
        names = [n for n in styles if n in replan["policies"]]
        x = range(len(names))
        for off, key, hatch in ((-0.2, "late_stops", ""), (0.2, "unserved", "//")):
            vals = [replan["policies"][n][key] for n in names]
            colors = [styles[n][0] for n in names]
            bars = bx.bar([i + off for i in x], vals, width=0.4, hatch=hatch, color=colors)
            bx.bar_label(bars, fontsize=8)
        bx.set_xticks(list(x), [styles[n][2] for n in names])
        bx.set_title("late stops | unserved jobs (hatched)")
        fig.tight_layout()
        p = out_dir / "replan.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        written.append(p)
    return written
