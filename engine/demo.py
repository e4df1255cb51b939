"""``yunli demo``: run Yunli end to end on the bundled sample world.

Each capability adds a section to :data:`SECTIONS`; the demo prints them in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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


#: Demo sections in order: (title, function of the world returning text).
def _routing(world: World) -> str:
    from engine.routing.demo import section_routing

    return section_routing(world)


def _matching(world: World) -> str:
    from engine.matching.demo import section_matching

    return section_matching(world)


def _live(world: World) -> str:
    from engine.live.demo import section_live

    return section_live(world)


def _orders(world: World) -> str:
    from engine.orders.demo import section_orders

    return section_orders(world)


SECTIONS: list[tuple[str, Callable[[World], str]]] = [
    ("World", section_world),
    ("Matching", _matching),
    ("Route optimization", _routing),
    ("Live re-planning", _live),
    ("Freight orders", _orders),
]


def run_demo(world: World) -> str:
    """Run every demo section on ``world`` and return the report."""
    out = ["Yunli (运力) demo", "=" * 60, world.summary()]
    for title, fn in SECTIONS:
        t0 = time.perf_counter()
        body = fn(world)
        out += ["", f"## {title}  ({time.perf_counter() - t0:.2f} s)", body]
    return "\n".join(out)
