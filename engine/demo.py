"""``yunli demo``: run Yunli end to end on the bundled sample world.

Each capability adds a :class:`Section` to :data:`SECTIONS`; the demo prints them in
order, with timings. A section marked ``reproducible`` gives its searches fixed budgets
(iterations or solutions, not wall-clock time), so it prints the same text every run
apart from its timings: :func:`mask_timings` blanks those for comparing two runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from engine.data.loaders import World
from engine.geo import Matrices
from engine.units import km


def section_world(world: World) -> str:
    """Validated sample summary, busiest lanes and a matrix over the loads' pickups."""
    lanes = (
        world.loads.group_by("origin_city", "dest_city")
        .agg(pl.len().alias("loads"), (pl.col("weight_kg").sum() / 1000).alias("tonnes"))
        .sort("loads", "origin_city", descending=[True, False])
        .head(5)
    )
    lines = ["Busiest open lanes (gravity model over real city populations):"]
    for o, d, n, t in lanes.iter_rows():
        lines.append(f"  {o:>14} → {d:<14} {n:3d} loads {t:7.1f} t")
    t0 = time.perf_counter()
    m = Matrices.from_points(world.loads["origin_lat"], world.loads["origin_lon"])
    dt = time.perf_counter() - t0
    n = world.loads.height
    lines.append(
        f"Distance + {len(m.durations)} duration matrices over {n:,} pickups "
        f"({n * n:,} cells each) in {dt * 1000:.0f} ms; "
        f"mean pickup-to-pickup road distance {km(float(m.distance.mean())):,.0f} km"
    )
    return "\n".join(lines)


def _routing(world: World) -> str:
    from engine.routing.demo import section_routing

    return section_routing(world)


def _matching(world: World) -> str:
    from engine.matching.demo import section_matching

    return section_matching(world)


def _live(world: World) -> str:
    from engine.live.demo import section_live

    return section_live(world)


def _stores(world: World) -> str:
    from engine.stores.demo import section_stores

    return section_stores(world)


def _orders(world: World) -> str:
    from engine.orders.demo import section_orders

    return section_orders(world)


@dataclass(frozen=True, slots=True)
class Section:
    """One demo section: a title, the function of the world that returns its text, and
    whether that text is the same every run apart from timings."""

    title: str
    run: Callable[[World], str]
    reproducible: bool


SECTIONS: list[Section] = [
    Section("World", section_world, reproducible=True),
    Section("Matching", _matching, reproducible=True),
    # Iteration budgets for the Rust core, a solution budget for OR-Tools.
    Section("Route optimization", _routing, reproducible=True),
    Section("Live re-planning", _live, reproducible=True),
    # orders at the world's own instants on an in-memory store: the same text every run
    Section("Freight orders", _orders, reproducible=True),
    Section("Community stores", _stores, reproducible=False),
]

#: Timings in the demo's text: a number with a unit of time (``2.0 s``, ``349 ms``), and
#: the last column of the dispatch comparison (``time s``).
_TIMINGS = (
    re.compile(r"\d[\d,]*(?:\.\d+)?\s?(?:ms|s)\b"),
    re.compile(r"(?m)^((?:nearest available|greedy best-score|optimal) .*\S)\s+\d+\.\d+$"),
)


def mask_timings(text: str) -> str:
    """``text`` with every timing replaced by ``<t>``, to compare two runs of the demo."""
    text = _TIMINGS[0].sub("<t>", text)
    return _TIMINGS[1].sub(r"\1 <t>", text)


def run_demo(world: World) -> str:
    """Run every demo section on ``world`` and return the report."""
    out = ["Yunli (运力) demo", "=" * 60, world.summary()]
    for sec in SECTIONS:
        t0 = time.perf_counter()
        body = sec.run(world)
        out += ["", f"## {sec.title}  ({time.perf_counter() - t0:.2f} s)", body]
    return "\n".join(out)
