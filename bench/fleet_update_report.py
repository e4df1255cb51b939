"""In-process cost of the matcher's fleet updates at a given market size.

Times ``Matcher.from_world`` (profiles + fleet index), a day of new trips merged with
``Matcher.with_trips`` (the day made as :func:`bench.live_fleet._day` makes it: trips
// 180; the time to free the discarded result is shown apart), and 100 moved vehicles
applied with ``Matcher.with_vehicles``; wall and CPU time, peak RSS. To time another
build in the same session, run it from a copy of the tree (``cd COPY && python -m
bench.fleet_update_report ...``, with ``COPY/engine`` that build's package). Usage::

    python -m bench.fleet_update_report --vehicles 200000 --trips 20000000 --loads 200000
"""

from __future__ import annotations

import argparse
import os
import resource
import time


def main() -> None:
    """Run and print the figures."""
    import numpy as np
    import polars as pl

    from bench.live_fleet import _day
    from engine.data.generator import generate_world
    from engine.matching.matcher import Matcher

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vehicles", type=int, default=20_000)
    ap.add_argument("--trips", type=int, default=2_000_000)
    ap.add_argument("--loads", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    print(f"nproc {os.cpu_count()}, load {os.getloadavg()}")
    w = generate_world(a.vehicles, a.trips, a.loads, seed=1, validate_tables=False)
    c, t = time.process_time(), time.perf_counter()
    m = Matcher.from_world(w)
    print(f"profiles: wall {time.perf_counter() - t:.2f} s, CPU {time.process_time() - c:.2f} s")
    day = _day(w, max(1, a.trips // 180))
    for _ in range(a.rounds):
        c, t = time.process_time(), time.perf_counter()
        nxt = m.with_trips(day)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        # Freeing the discarded next state is timed apart: a server frees the state it
        # swapped out after the swap, off the update's path.
        c, t = time.process_time(), time.perf_counter()
        del nxt
        print(
            f"with_trips({day.height:,} trips): wall {wall:.2f} s, CPU {cpu:.2f} s "
            f"(then freeing the result: wall {time.perf_counter() - t:.2f} s, "
            f"CPU {time.process_time() - c:.2f} s)"
        )
    rng = np.random.default_rng(0)
    v = w.vehicles
    for _ in range(a.rounds):
        rows = v[rng.choice(v.height, 100, replace=False)].with_columns(pl.col("lat") + 0.01)
        c, t = time.process_time(), time.perf_counter()
        m.with_vehicles(rows)
        print(
            f"with_vehicles(100 moved): wall {1e3 * (time.perf_counter() - t):.1f} ms, "
            f"CPU {1e3 * (time.process_time() - c):.1f} ms"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {rss:.2f} GiB; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
